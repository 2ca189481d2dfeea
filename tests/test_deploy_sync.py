"""The sync deploy (servicebook.deploy.sync) against a real S3 endpoint, rclone's own
`rclone serve s3` on 127.0.0.1, and against a local folder."""

import gzip
import json

import brotli
import pytest

from helpers import remote_objects
from servicebook.cdn import CACHE_FOREVER, HeaderRules
from servicebook.deploy import DeployError, Target
from servicebook.deploy import sync as deploy_sync
from servicebook.deploy.sync import LocalFile, make_plan, sync

pytest_plugins = ["deploy_fixtures"]

SHORT = "public, max-age=300"
SETTINGS = {
    "CACHE_CONTROL_SHORT": SHORT,
    "FEED_PATHS": {
        "site": {"atom": "feeds/all.atom.xml", "rss": "feeds/all.rss.xml", "json": "feeds/all.json"},
        "tag": {
            "atom": "feeds/tags/{slug}.atom.xml",
            "rss": "feeds/tags/{slug}.rss.xml",
            "json": "feeds/tags/{slug}.json",
        },
    },
}
RULES = HeaderRules(SETTINGS)
MANIFEST = ".servicebook-build.json"
PAGE = "<!doctype html><title>Home</title><p>" + "Service stories. " * 50
SITE = {
    "index.html": PAGE,
    "index.html.gz": gzip.compress(PAGE.encode()),
    "index.html.br": brotli.compress(PAGE.encode()),
    "2024/post/index.html": "<!doctype html><title>Post</title>",
    "theme/css/site.0123456789.css": "body { color: #222 }",
    "feeds/all.atom.xml": '<feed xmlns="http://www.w3.org/2005/Atom"/>',
    "feeds/all.rss.xml": '<rss version="2.0"/>',
    "feeds/all.json": '{"version": "https://jsonfeed.org/version/1.1"}',
    "pagefind/fragment/en_abc.pf_fragment": b"\x1f\x8b fragment",
    "pagefind/wasm.en.pagefind": b"\x1f\x8b wasm",
    MANIFEST: '{"built": "2024-01-02T10:00:00Z"}',
}


def write_files(root, files):
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


@pytest.fixture
def public(tmp_path):
    """A small public build: pages, precompressed copies, feeds, a fingerprinted asset, Pagefind."""
    folder = tmp_path / "public"
    write_files(folder, SITE)
    return folder


def deploy(public, target, **options):
    """sync() with the test rules, its progress lines kept in result.lines."""
    lines = []
    result = sync(public, target, RULES, progress=lines.append, **options)
    result.lines = lines
    return result


def every_path():
    return sorted(path for path in SITE if path != MANIFEST)


def test_first_sync_uploads_every_file_with_its_headers(public, s3):
    result = deploy(public, s3)

    assert result.uploaded == [*every_path(), MANIFEST]  # the manifest last
    assert result.deleted == [] and result.unchanged == 0 and not result.dry_run
    assert result.bytes_sent == sum(path.stat().st_size for path in public.rglob("*") if path.is_file())
    objects = remote_objects(s3)
    assert sorted(objects) == sorted(SITE)
    expected = {
        "index.html": ("text/html; charset=utf-8", SHORT),
        "2024/post/index.html": ("text/html; charset=utf-8", SHORT),
        "index.html.gz": ("text/html; charset=utf-8", SHORT),
        "index.html.br": ("text/html; charset=utf-8", SHORT),
        "theme/css/site.0123456789.css": ("text/css; charset=utf-8", CACHE_FOREVER),
        "feeds/all.atom.xml": ("application/atom+xml", SHORT),
        "feeds/all.rss.xml": ("application/rss+xml", SHORT),
        "feeds/all.json": ("application/feed+json", SHORT),
        "pagefind/fragment/en_abc.pf_fragment": ("application/octet-stream", CACHE_FOREVER),
        "pagefind/wasm.en.pagefind": ("application/octet-stream", SHORT),
        MANIFEST: ("application/json", SHORT),
    }
    assert {path: (meta["content-type"], meta["cache-control"]) for path, meta in objects.items()} == expected
    encodings = {path: meta["content-encoding"] for path, meta in objects.items() if "content-encoding" in meta}
    assert encodings == {"index.html.gz": "gzip", "index.html.br": "br"}


def test_uploads_go_by_header_set_assets_first_pages_last(public, s3):
    lines = [line for line in deploy(public, s3).lines if line.startswith("uploading")]

    assert len(lines) == len({tuple(RULES.headers(path).items()) for path in every_path()})
    assert CACHE_FOREVER in lines[0]
    assert "text/html" in lines[-1]


def test_a_second_sync_with_nothing_changed_uploads_only_the_manifest(public, s3):
    deploy(public, s3)
    again = deploy(public, s3)

    assert again.uploaded == [MANIFEST]
    assert again.deleted == []
    assert again.unchanged == len(SITE) - 1
    assert again.bytes_sent == (public / MANIFEST).stat().st_size


def test_a_changed_file_is_uploaded_and_a_removed_one_deleted_after_the_uploads(public, s3):
    deploy(public, s3)
    (public / "2024/post/index.html").write_text("<!doctype html><title>Post, edited</title>", encoding="utf-8")
    (public / "feeds/all.json").unlink()

    result = deploy(public, s3)

    assert result.uploaded == ["2024/post/index.html", MANIFEST]
    assert result.deleted == ["feeds/all.json"]
    assert result.unchanged == len(SITE) - 3
    objects = remote_objects(s3)
    assert "feeds/all.json" not in objects
    assert objects["2024/post/index.html"]["md5"] == deploy_sync.file_md5(public / "2024/post/index.html")
    steps = [line.split()[0] for line in result.lines if line.startswith(("uploading", "deleting"))]
    assert steps == ["uploading", "deleting"]


def test_deleting_more_than_a_quarter_of_the_remote_needs_force(public, s3):
    deploy(public, s3)
    gone = ["feeds/all.atom.xml", "feeds/all.json", "feeds/all.rss.xml"]  # 3 of 11: 27%
    for path in gone:
        (public / path).unlink()

    with pytest.raises(DeployError) as refused:
        deploy(public, s3)
    assert "delete 3 of the 11 files" in str(refused.value)
    assert "--force" in str(refused.value)
    assert set(gone) <= set(remote_objects(s3))

    dry = deploy(public, s3, dry_run=True)
    assert dry.deleted == gone
    assert dry.lines[-1].startswith("a real run would stop here: this deploy would delete 3 of the 11 files")

    forced = deploy(public, s3, force=True)
    assert forced.deleted == gone
    assert not set(gone) & set(remote_objects(s3))


def test_a_dry_run_changes_nothing_and_shows_the_plan(public, s3):
    first = deploy(public, s3, dry_run=True)

    assert first.dry_run and first.uploaded == [*every_path(), MANIFEST]
    assert remote_objects(s3) == {}
    assert first.lines[0].startswith("dry run, nothing changed: tests3:site/www: 11 to upload")
    assert "  upload 2024/post/index.html" in first.lines
    assert "  ... and 1 more to upload" in first.lines

    deploy(public, s3)
    (public / "index.html.br").unlink()
    before = remote_objects(s3)
    second = deploy(public, s3, dry_run=True)
    assert (second.uploaded, second.deleted, second.unchanged) == ([MANIFEST], ["index.html.br"], len(SITE) - 2)
    assert "  delete index.html.br" in second.lines
    assert remote_objects(s3) == before


def test_a_remote_rclone_does_not_know_says_how_to_configure_it(public, rclone_env):
    with pytest.raises(DeployError) as error:
        deploy(public, Target("rclone", "nosuch-remote:bucket/site"))

    assert str(error.value) == (
        "rclone has no remote 'nosuch-remote': configure it with `rclone config`, "
        "or set RCLONE_CONFIG_NOSUCH_REMOTE_TYPE and friends"
    )


def test_an_rclone_failure_gives_its_error_and_exit_code_on_one_line(public, s3, monkeypatch):
    monkeypatch.setenv("RCLONE_CONFIG_TESTS3_SECRET_ACCESS_KEY", "wrong")

    with pytest.raises(DeployError) as error:
        deploy(public, s3)

    message = str(error.value)
    assert message.startswith("rclone lsjson tests3:site/www failed (exit 1): ")
    assert "SignatureDoesNotMatch" in message and "\n" not in message


def test_a_local_folder_gets_the_files_and_then_only_the_manifest(public, tmp_path, rclone_env):
    www = tmp_path / "www"
    first = deploy(public, Target("local", str(www)))

    assert first.uploaded == [*every_path(), MANIFEST]
    copied = {path.relative_to(www).as_posix(): path.read_bytes() for path in www.rglob("*") if path.is_file()}
    assert copied == {path: (text if isinstance(text, bytes) else text.encode()) for path, text in SITE.items()}
    assert not any("uploading" in line and "text/html" in line for line in first.lines)  # no headers

    second = deploy(public, Target("local", str(www)))
    assert second.uploaded == [MANIFEST]
    assert second.unchanged == len(SITE) - 1


def test_a_local_folder_loses_deleted_files_and_their_empty_folders(public, tmp_path, rclone_env):
    www = tmp_path / "www"
    deploy(public, Target("local", str(www)))
    (public / "2024/post/index.html").unlink()

    result = deploy(public, Target("local", str(www)), force=True)

    assert result.deleted == ["2024/post/index.html"]
    assert not (www / "2024").exists()
    assert (www / "index.html").is_file()


def test_a_failed_upload_deletes_nothing(public, tmp_path, rclone_env):
    www = tmp_path / "www"
    write_files(www, {"old.html": "stale"})
    (www / "index.html").mkdir()  # in the way of the upload

    with pytest.raises(DeployError) as error:
        deploy(public, Target("local", str(www)), force=True)

    assert "failed (exit" in str(error.value) and "\n" not in str(error.value)
    assert (www / "old.html").is_file()


def test_a_local_folder_whose_parent_is_missing_is_refused(public, tmp_path):
    with pytest.raises(DeployError, match="parent folder .* does not exist"):
        deploy(public, Target("local", str(tmp_path / "missing" / "www")))


def test_an_empty_build_is_refused(tmp_path):
    (tmp_path / "public").mkdir()

    with pytest.raises(DeployError, match="make publish"):
        deploy(tmp_path / "public", Target("local", str(tmp_path / "www")))


# The pure parts -----------------------------------------------------------------------------------


def test_a_remote_file_without_an_md5_counts_as_changed():
    local = {"a.html": LocalFile(3, "aa"), "b.html": LocalFile(3, "bb"), "c.html": LocalFile(3, "cc")}

    plan = make_plan(local, {"a.html": "aa", "b.html": "", "old.html": "00", MANIFEST: "11"}, MANIFEST)

    assert (plan.upload, plan.delete, plan.unchanged, plan.remote_count) == (["b.html", "c.html"], ["old.html"], 1, 4)


def test_the_delete_limit_is_a_share_of_the_remote():
    def refusal(deletions, remote_count):
        plan = deploy_sync.Plan(upload=[], delete=["x"] * deletions, unchanged=0, remote_count=remote_count)
        return deploy_sync.too_many_deletions(plan, "r:x", 0.25)

    assert refusal(2, 8) == ""  # exactly a quarter
    assert refusal(2, 7).startswith("this deploy would delete 2 of the 7 files at r:x (more than 25%)")
    assert refusal(0, 0) == ""


def test_progress_shows_long_transfers_only():
    def log(**stats):
        return json.dumps({"level": "notice", "msg": "...", "stats": stats})

    running = log(bytes=1536, totalBytes=3072, transfers=1, totalTransfers=4, speed=1024, eta=2, elapsedTime=2.0)
    assert deploy_sync.progress_line(running) == "  1.5 KiB of 3.0 KiB (50%), 1 of 4 files, 1.0 KiB/s, ETA 2 s"
    assert deploy_sync.progress_line(log(bytes=10, totalBytes=10, totalTransfers=1, elapsedTime=0.1)) == ""
    assert deploy_sync.progress_line('{"level": "info", "msg": "a.html: Copied (new)"}') == ""
    assert deploy_sync.progress_line("not json") == ""


def test_an_rclone_error_is_its_most_precise_line():
    log = [
        '{"level": "notice", "msg": "Config file not found - using defaults"}',
        '{"level": "error", "msg": "partial file rename failed:\\n  is a directory", "object": "index.html"}',
        '{"level": "error", "msg": "Attempt 3/3 failed with 1 errors and: is a directory"}',
        '{"level": "notice", "msg": "Failed to copy: is a directory"}',
    ]

    error = deploy_sync.rclone_error("copy", "r:x", 1, log)

    assert str(error) == "rclone copy r:x failed (exit 1): index.html: partial file rename failed: is a directory"
    assert str(deploy_sync.rclone_error("copy", "r:x", 2, ["panic: oops", ""])) == (
        "rclone copy r:x failed (exit 2): panic: oops"
    )
