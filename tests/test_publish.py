"""`make publish`: the public build in public/, whole or not at all, with fingerprinted
assets, precompressed copies, `_headers` and a build record; and `make deploy` to a git
branch (GitHub Pages), with the checks every deploy makes first."""

import gzip
import json
import re
import shutil
import subprocess

import brotli
import pytest

from helpers import html_pages, post, write_content
from servicebook import output_checks, publish
from servicebook.deploy import DeployError, Target, parse_target
from servicebook.deploy.gh_pages import push
from servicebook.deploy.run import deploy, summary
from servicebook.deploy.targets import check_public

FILES = {
    "posts/a.md": post("A post", "Words about billing. " * 40, slug="a", tags="billing"),
    "posts/b.md": post("B post", "Words about refunds. " * 40, slug="b", tags="refunds", date="2024-02-02 10:00"),
    "pages/about.md": "Title: About\nSlug: about\n\nAbout us.\n",
}


def publish_into(tmp_path, files=FILES, **overrides):
    write_content(tmp_path / "content", files)
    return publish.publish(PATH=tmp_path / "content", OUTPUT_PATH=tmp_path / "public", **overrides)


def tree(folder):
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()
    }


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    return publish_into(tmp_path_factory.mktemp("publish")).path


def test_the_public_build_records_what_it_is(public):
    record = json.loads((public / ".servicebook-build.json").read_text())
    assert record["siteurl"] == "https://servicebook.example"
    assert record["files"] == sum(1 for path in public.rglob("*") if path.is_file())
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", record["commit"])
    assert record["built_at"].endswith("+00:00")


def test_theme_assets_are_fingerprinted_and_every_reference_follows(public):
    assets = [path.relative_to(public).as_posix() for path in (public / "theme").rglob("*") if path.is_file()]
    assert assets and all(re.search(r"\.[0-9a-f]{10}\.\w+(\.br|\.gz)?$", asset) for asset in assets), assets
    for page in html_pages(public):
        for reference in re.findall(r'(?:href|src)="[^"]*?/(theme/[^"]+)"', page.read_text()):
            assert (public / reference).is_file(), (page, reference)
    feed = (public / "feeds/all.atom.xml").read_text()
    stylesheet = re.search(r'xml-stylesheet href="/(theme/[^"]+)"', feed)[1]
    assert (public / stylesheet).is_file() and re.search(r"feed\.[0-9a-f]{10}\.xsl$", stylesheet)
    assert output_checks.check_links(public, "https://servicebook.example")[1] == []


def test_text_files_have_brotli_and_gzip_copies_that_decompress_to_them(public):
    page = public / "2024/a/index.html"
    assert brotli.decompress((public / "2024/a/index.html.br").read_bytes()) == page.read_bytes()
    assert gzip.decompress((public / "2024/a/index.html.gz").read_bytes()) == page.read_bytes()
    for path in public.rglob("*"):
        if path.suffix in (".html", ".css", ".js", ".xml", ".json") and path.stat().st_size >= 256:
            assert path.with_name(path.name + ".gz").exists(), path


def test_headers_file_carries_the_policy_the_cache_rules_and_the_feed_types(public):
    headers = (public / "_headers").read_text()
    blocks = dict(re.findall(r"^(/\S*)\n((?:  .+\n)+)", headers, re.M))
    assert "Content-Security-Policy: default-src 'self'" in blocks["/*"] and "nosniff" in blocks["/*"]
    assert blocks["/theme/*"].strip() == "Cache-Control: public, max-age=31536000, immutable"
    assert blocks["/feeds/*"].strip() == "Cache-Control: public, max-age=300"
    assert blocks["/feeds/all.atom.xml"].strip() == "Content-Type: application/atom+xml"
    assert blocks["/feeds/all.json"].strip() == "Content-Type: application/feed+json"
    assert list(blocks).index("/feeds/all.rss.xml") < list(blocks).index("/feeds/tags/billing.atom.xml")
    # Pagefind's chunks are cached for a year in every shard of the index, nothing else of it.
    year = "Cache-Control: public, max-age=31536000, immutable"
    for path, cached in [
        ("/pagefind/fragment/en_1.pf_fragment", True),
        ("/pagefind/index/en_2.pf_index", True),
        ("/pagefind/shard-3/filter/en_3.pf_filter", True),
        ("/pagefind/shard-3/fragment/en_4.pf_fragment", True),
        ("/pagefind/pagefind-entry.json", False),
        ("/pagefind/shard-3/pagefind-entry.json", False),
    ]:
        rules = [pattern for pattern, lines in blocks.items() if year in lines and host_pattern_matches(pattern, path)]
        assert len(rules) == (1 if cached else 0), (path, rules)


def host_pattern_matches(pattern, path):
    """Whether a `_headers` path pattern matches `path` as Netlify and Cloudflare Pages match
    it: `:name` stands for one path segment, a final `*` for the rest of the path."""
    regex = "".join("[^/]+" if part.startswith(":") else re.escape(part) for part in re.split(r"(:\w+)", pattern))
    return re.fullmatch(regex.replace(re.escape("*"), ".*"), path) is not None


def test_a_failed_publish_leaves_the_previous_public_build_as_it_was(tmp_path):
    before = tree(publish_into(tmp_path).path)
    broken = {**FILES, "posts/c.md": post("C", "Body.", date="2024-02-31", slug="c")}
    with pytest.raises(publish.PublishFailed) as raised:
        publish_into(tmp_path, broken)
    assert "content/posts/c.md:2: Date: '2024-02-31' is not a date" in str(raised.value)
    assert str(raised.value).endswith(f"Publish failed: {tmp_path / 'public'} is unchanged.")
    assert tree(tmp_path / "public") == before
    assert not (tmp_path / ".public.staging").exists()


def test_an_interrupted_publish_leaves_public_as_it_was(tmp_path, monkeypatch):
    before = tree(publish_into(tmp_path).path)

    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(publish, "precompress", interrupt)
    with pytest.raises(publish.PublishFailed, match="interrupted"):
        publish_into(tmp_path)
    assert tree(tmp_path / "public") == before and not (tmp_path / ".public.staging").exists()


@pytest.mark.parametrize("exchange", [True, False], ids=["atomic exchange", "two renames"])
def test_the_new_build_replaces_the_old_whole(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(publish, "_exchange", lambda first, second: False)
    old, new = tmp_path / "public", tmp_path / ".public.staging"
    write_content(old, {"index.html": "old", "gone.html": "old"})
    write_content(new, {"index.html": "new"})
    publish.swap_in(new, old)
    assert tree(old) == {"index.html": b"new"} and not new.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["public"]


def test_targets_are_read_from_their_form():
    assert parse_target("gh-pages:/srv/site.git") == Target("gh-pages", "/srv/site.git", "gh-pages")
    assert parse_target("gh-pages:git@github.com:me/site.git#main") == Target(
        "gh-pages", "git@github.com:me/site.git", "main"
    )
    assert parse_target("r2:servicebook/www") == Target("rclone", "r2:servicebook/www")
    assert parse_target("m:site") == Target("rclone", "m:site")
    assert parse_target(":s3,provider=Other:bucket").kind == parse_target("r2,region=auto:x").kind == "rclone"
    assert parse_target("C:\\www\\site").kind == "local"
    assert parse_target("/var/www/site") == Target("local", "/var/www/site")
    assert parse_target("./site").kind == "local"
    for bad in ("", "gh-pages:", "   "):
        with pytest.raises(DeployError):
            parse_target(bad)


def test_a_dev_build_or_an_empty_folder_is_never_deployed(tmp_path, built_site):
    with pytest.raises(
        DeployError, match=r"has no \.servicebook-build\.json: it is not a public build; run `make publish`"
    ):
        check_public(built_site.output_path)
    with pytest.raises(DeployError, match="does not exist; run `make publish`"):
        check_public(tmp_path / "nowhere")
    write_content(tmp_path / "empty", {".servicebook-build.json": "{}"})
    with pytest.raises(DeployError, match="holds no site"):
        check_public(tmp_path / "empty")


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def bare_remote(tmp_path):
    remote = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", str(remote))
    return remote


def branch_files(remote, branch="gh-pages"):
    return set(git("ls-tree", "-r", "--name-only", branch, cwd=remote).split())


def test_deploy_to_a_git_branch_commits_the_build_with_nojekyll_and_cname(public, bare_remote):
    settings = publish.publish_settings(CNAME="stories.example.org")
    result, warnings = deploy(f"gh-pages:{bare_remote}", public, settings)
    files = {path.relative_to(public).as_posix() for path in public.rglob("*") if path.is_file()}
    assert branch_files(bare_remote) == files | {".nojekyll", "CNAME"}
    assert git("show", "gh-pages:CNAME", cwd=bare_remote).strip() == "stories.example.org"
    assert git("show", "gh-pages:2024/a/index.html", cwd=bare_remote) == (public / "2024/a/index.html").read_text()
    assert len(result.uploaded) == len(files) + 2 and warnings == []
    assert "uploaded" in summary(result) and f"gh-pages:{bare_remote}" in summary(result)
    # Nothing changed: nothing is pushed.
    again, _ = deploy(f"gh-pages:{bare_remote}", public, settings)
    assert (
        again.uploaded == []
        and again.deleted == []
        and git("rev-list", "--count", "gh-pages", cwd=bare_remote).strip() == "1"
    )


def test_a_second_deploy_is_one_more_commit_with_only_the_changes(tmp_path, bare_remote):
    public = publish_into(tmp_path).path
    settings = publish.publish_settings()
    deploy(f"gh-pages:{bare_remote}#main", public, settings)
    shutil.copytree(public, tmp_path / "edited")
    (tmp_path / "edited/2024/a/index.html").write_text("<p>edited</p>")
    (tmp_path / "edited/about/index.html").unlink()
    dry, _ = deploy(f"gh-pages:{bare_remote}#main", tmp_path / "edited", settings, dry_run=True)
    assert dry.uploaded == ["2024/a/index.html"] and dry.deleted == ["about/index.html"]
    assert git("rev-list", "--count", "main", cwd=bare_remote).strip() == "1"  # a dry run pushes nothing
    result, _ = deploy(f"gh-pages:{bare_remote}#main", tmp_path / "edited", settings)
    assert (result.uploaded, result.deleted) == (["2024/a/index.html"], ["about/index.html"])
    assert git("rev-list", "--count", "main", cwd=bare_remote).strip() == "2"
    assert "about/index.html" not in branch_files(bare_remote, "main")


def test_a_deploy_builds_on_what_others_pushed_and_a_refusing_remote_is_a_clear_error(tmp_path, bare_remote, public):
    settings = publish.publish_settings()
    deploy(f"gh-pages:{bare_remote}", public, settings)
    other = tmp_path / "other"  # someone else pushed to the branch meanwhile
    git("clone", "--quiet", "--branch", "gh-pages", str(bare_remote), str(other))
    (other / "theirs.txt").write_text("theirs")
    git("add", "theirs.txt", cwd=other)
    git("-c", "user.name=x", "-c", "user.email=x@x", "commit", "--quiet", "-m", "theirs", cwd=other)
    git("push", "--quiet", "origin", "gh-pages", cwd=other)
    result, _ = deploy(f"gh-pages:{bare_remote}", public, settings)  # on top of theirs: a fast-forward
    assert result.deleted == ["theirs.txt"] and git("rev-list", "--count", "gh-pages", cwd=bare_remote).strip() == "3"
    hook = bare_remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed today' >&2\nexit 1\n")
    hook.chmod(0o755)
    (other / "theirs.txt").unlink()
    changed = tmp_path / "changed"
    shutil.copytree(public, changed)
    (changed / "index.html").write_text("<p>mine</p>")
    with pytest.raises(DeployError, match=r"git push to .*pages\.git failed: .*"):
        deploy(f"gh-pages:{bare_remote}", changed, settings)
    with pytest.raises(DeployError, match="cannot reach"):
        push(changed, Target("gh-pages", str(tmp_path / "no-such-repo.git"), "gh-pages"))


def test_deploy_refuses_what_is_not_a_public_build(built_site, bare_remote):
    with pytest.raises(DeployError, match="run `make publish`"):
        deploy(f"gh-pages:{bare_remote}", built_site.output_path, publish.publish_settings())


def test_the_public_build_is_safe_and_valid(public):
    assert output_checks.check_page_safety(public, "https://servicebook.example")[1] == []
    assert output_checks.check_html(public)[1] == []
    assert output_checks.check_feeds(public)[1] == []


def test_a_publish_compresses_only_what_changed_since_the_last(tmp_path):
    from servicebook.precompress import precompress

    texts = {f"page{i}/index.html": "<p>" + f"page {i} " * 100 + "</p>" for i in range(5)}
    write_content(tmp_path / "old", texts)
    assert precompress(tmp_path / "old", 256) == 5
    write_content(tmp_path / "new", {**texts, "page2/index.html": "<p>" + "edited " * 100 + "</p>"})
    assert precompress(tmp_path / "new", 256, previous=tmp_path / "old") == 1
    for name in texts:
        for suffix in (".br", ".gz"):
            copy = tmp_path / "new" / f"{name}{suffix}"
            data = (tmp_path / "new" / name).read_bytes()
            assert (brotli.decompress if suffix == ".br" else gzip.decompress)(copy.read_bytes()) == data
