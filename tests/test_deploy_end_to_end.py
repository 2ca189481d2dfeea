"""`make publish`, then `make deploy` as a user runs them, in a copy of the project: to a
local bare git repository (gh-pages), to a real S3 endpoint (`rclone serve s3`), and to a
folder; a second deploy sends nothing new; a failing publish leaves public/ as it was; the
WebSub hub hears about the feeds a deploy changed."""

import json
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import make, post, remote_objects, write_content

pytest_plugins = ["deploy_fixtures"]


@pytest.fixture(scope="module")
def published(project_copy):
    done = make("publish", project_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    return project_copy


def deploy(project, to, *args):
    done = make("deploy", project, f"TO={to}", f"ARGS={' '.join(args)}" if args else "ARGS=")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def public_files(project):
    return {
        path.relative_to(project / "public").as_posix() for path in (project / "public").rglob("*") if path.is_file()
    }


def test_make_publish_makes_a_public_build_beside_the_dev_build(published):
    record = json.loads((published / "public/.servicebook-build.json").read_text())
    assert record["siteurl"] == "https://servicebook.example" and record["files"] == len(public_files(published))
    assert not (published / "public/drafts").exists() and (published / "public/_headers").exists()


def test_deploy_to_a_git_branch_then_again_with_nothing_changed(published, tmp_path):
    remote = tmp_path / "pages.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    first = deploy(published, f"gh-pages:{remote}")
    assert f"gh-pages:{remote}#gh-pages: uploaded {len(public_files(published)) + 1} file(s)" in first
    listed = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "gh-pages"], cwd=remote, capture_output=True, text=True, check=True
    ).stdout.split()
    assert set(listed) == public_files(published) | {".nojekyll"}
    assert "uploaded 0 file(s)" in deploy(published, f"gh-pages:{remote}")


def test_deploy_to_s3_sets_every_header_and_sends_only_changes(published, s3):
    first = deploy(published, s3.location)
    objects = remote_objects(s3)
    assert set(objects) == public_files(published)
    assert objects["feeds/all.atom.xml"]["content-type"] == "application/atom+xml"
    assert objects["feeds/all.json"]["content-type"] == "application/feed+json"
    assert objects["index.html"]["cache-control"] == "public, max-age=300"
    css = next(path for path in objects if path.startswith("theme/css/site.") and path.endswith(".css"))
    assert objects[css]["cache-control"] == "public, max-age=31536000, immutable"
    assert objects["index.html.br"]["content-encoding"] == "br"
    assert "uploaded" in first and ", in " in first
    again = deploy(published, s3.location)
    assert "uploaded 1 file(s)" in again and "deleted 0" in again  # the build record, nothing else
    dry = deploy(published, s3.location, "--dry-run")
    assert "would upload 1 file(s)" in dry


def test_deploy_to_a_folder(published, tmp_path, rclone_env):
    target = tmp_path / "www"
    target.mkdir()
    deploy(published, str(target))
    copied = {path.relative_to(target).as_posix() for path in target.rglob("*") if path.is_file()}
    assert copied == public_files(published)
    assert (target / "index.html").read_bytes() == (published / "public/index.html").read_bytes()


def test_a_dev_build_or_an_unknown_remote_is_refused_in_one_line(published, rclone_env):
    done = make("deploy", published, "TO=nosuchremote:site")
    assert done.returncode != 0
    failure = [line for line in done.stderr.splitlines() if line.startswith("Deploy failed:")]
    assert len(failure) == 1 and failure[0].startswith("Deploy failed: rclone has no remote 'nosuchremote'")


def test_a_failing_publish_leaves_public_as_it_was(published):
    before = {path: (published / "public" / path).read_bytes() for path in public_files(published)}
    write_content(published / "content", {"posts/zz-broken.md": post("Broken", "Body.", date="2021-02-31", slug="zz")})
    try:
        done = make("publish", published)
    finally:
        (published / "content/posts/zz-broken.md").unlink()
    assert done.returncode != 0 and "is unchanged." in done.stderr
    assert {path: (published / "public" / path).read_bytes() for path in public_files(published)} == before


class Hub(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 - the name http.server calls
        length = int(self.headers["Content-Length"])
        Hub.received.append(urllib.parse.parse_qs(self.rfile.read(length).decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_deploy_tells_the_websub_hub_which_feeds_changed(project_copy, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hub = f"http://127.0.0.1:{server.server_address[1]}/"
    conf = project_copy / "publishconf.py"
    original = conf.read_text()
    conf.write_text(original + f"\nWEBSUB_HUB = {hub!r}\n")
    try:
        assert make("publish", project_copy).returncode == 0
        deploy(project_copy, str(tmp_path / "www"))
    finally:
        conf.write_text(original)
        server.shutdown()
    announced = {request["hub.url"][0] for request in Hub.received}
    assert "https://servicebook.example/feeds/all.atom.xml" in announced
    assert all(request["hub.mode"] == ["publish"] for request in Hub.received)
    feed = (project_copy / "public/feeds/all.atom.xml").read_text()
    assert f'<link rel="hub" href="{hub}"' in feed or f'href="{hub}" rel="hub"' in feed
