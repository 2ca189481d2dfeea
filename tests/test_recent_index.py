"""make serve's recent changes of the search (servicebook.recent_index): the pages changed
since the index on disk was written, in a bundle of their own that the search page merges,
leaving out what they replace. In a browser, the search over an old index and the recent
changes must answer as a clean build's search does."""

import gzip
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from helpers import build_small_site, post, running_dev_server, write_content
from servicebook import devserver
from servicebook.pagefind import page_url, wait_for_index
from servicebook.pagefind_files import HEADER, read_pagefind_file
from servicebook.recent_index import MANIFEST, Fragments, RecentIndex, manifest, recent_changes
from servicebook.search_shards import ShardRecord
from servicebook.signals import search_index_changed

pytest_plugins = ["browser_fixtures"]

RESULT = "pagefind-results li.search-result"
ANY_RESULT = "pagefind-results ul.pf-results > li"


def test_the_changes_are_the_pages_with_another_digest_new_or_gone():
    written = {"/a/": "1", "/b/": "2", "/c/": "3"}
    current = {"/a/": "1", "/b/": "changed", "/d/": "4"}
    assert recent_changes(written, current) == (["/b/", "/d/"], ["/c/"])
    assert recent_changes(written, dict(written)) == ([], [])


def test_the_manifest_hides_the_old_pages_but_those_the_bundle_has_too():
    fragments = {"/b/": ("en_b", {"tag": ["x"]}), "/c/": ("en_c", {}), "/same/": ("en_same", {})}
    shown = manifest("bundle-1/", ["/b/", "/c/", "/new/", "/same/"], fragments, {"en_same", "en_new"})
    assert shown == {"bundle": "bundle-1/", "hidden": {"en_b": {"tag": ["x"]}, "en_c": {}}}


# Six posts; then one new, one deleted, one retitled, one re-tagged (see `changed_files`).
def first_files():
    files = {
        f"posts/p{i}.md": post(
            f"Ordinary post {i}", f"Common words about service number {i}.", slug=f"p{i}", tags="plain"
        )
        for i in range(3)
    }
    files["posts/doomed.md"] = post(
        "Doomed", "Qwertyish is a word only this post has.", slug="doomed", tags="doomed, plain"
    )
    files["posts/renamed.md"] = post(
        "Oldtitleword", "Common words about service, renamed.", slug="renamed", tags="plain"
    )
    files["posts/retagged.md"] = post(
        "Retagged", "Common words about service, re-tagged.", slug="retagged", tags="plain"
    )
    return files


def changed_files(content):
    (content / "posts/doomed.md").unlink()
    write_content(
        content,
        {
            "posts/fresh.md": post("Fresh", "Zyxwvut and common words about service.", slug="fresh", tags="fresh"),
            "posts/renamed.md": post(
                "Newtitleword", "Common words about service, renamed.", slug="renamed", tags="plain"
            ),
            "posts/retagged.md": post(
                "Retagged", "Common words about service, re-tagged.", slug="retagged", tags="plain, fresh"
            ),
        },
    )


def built_pages(output):
    """{url: path} of the HTML pages of `output` (the search index's aside)."""
    pages = {page_url(path.relative_to(output).as_posix()): str(path) for path in output.rglob("*.html")}
    return {url: path for url, path in pages.items() if not url.startswith("/pagefind/")}


def indexed_digests(output):
    """{url: digest} of the pages of `output` with a search body, as the index is known by."""
    record = ShardRecord()
    digests = {url: record.page_digest(path) for url, path in built_pages(output).items()}
    return {url: page for url, page in digests.items() if page is not None}


@pytest.fixture(scope="module")
def old_index_and_recent_changes(tmp_path_factory):
    """(output: the changed site's pages over the first site's index, with the recent
    changes in `recent`; clean: the changed site's clean build)."""
    root = tmp_path_factory.mktemp("recent")
    output = build_small_site(root, first_files()).output_path
    written = indexed_digests(output)
    shutil.copytree(output / "pagefind", root / "first-index")
    changed_files(root / "content")
    build_small_site(root, {})
    clean = root / "clean"
    shutil.copytree(output, clean)
    shutil.rmtree(output / "pagefind")
    shutil.copytree(root / "first-index", output / "pagefind")

    record = ShardRecord()
    recent = RecentIndex(root / "recent", output / "pagefind", record.page_digest, (".meta", "[hidden]"), 60)
    shown = threading.Event()
    search_index_changed.connect(lambda sender: sender is recent and shown.set(), weak=False)
    recent.update(pages=built_pages(output), written=written)
    assert shown.wait(60)
    return output, root / "recent", clean


def test_the_recent_changes_hold_the_changed_pages_and_hide_the_old_ones(old_index_and_recent_changes):
    output, recent, _ = old_index_and_recent_changes
    shown = json.loads((recent / MANIFEST).read_text())
    indexed = Fragments().of(recent / shown["bundle"])
    # The new post, the retitled and the re-tagged ones (their pages' text changed).
    assert sorted(indexed) == ["/2024/fresh/", "/2024/renamed/", "/2024/retagged/"]
    old = Fragments().of(output / "pagefind")
    assert sorted(old[url][0] for url in ("/2024/doomed/", "/2024/renamed/", "/2024/retagged/")) == sorted(
        shown["hidden"]
    )
    assert shown["hidden"][old["/2024/doomed/"][0]]["tag"] == ["doomed", "plain"]


def test_the_index_on_disk_is_read_as_its_entries_name_it(tmp_path):
    """While a bundle is replaced, the old bundle's fragments stay beside the new entry for a
    moment (servicebook.pagefind_bundle): a page only they hold is not in the index on disk."""
    bundle = build_small_site(tmp_path, first_files(), SEARCH_INDEX_SHARD_PAGES=2).output_path / "pagefind"
    fragments = Fragments()
    indexed = fragments.of(bundle)
    assert len(indexed) == len(list(bundle.rglob("*.pf_fragment"))) > 2  # in shards
    some = next(bundle.glob("shard-*/fragment/*.pf_fragment"))
    stray = some.with_name("en_0ld0ld0.pf_fragment")
    stray.write_bytes(gzip.compress(HEADER + read_pagefind_file(some).replace(b'"url":"/', b'"url":"/old/')))
    assert fragments.of(bundle) == indexed
    assert Fragments().of(bundle) == indexed


def test_pages_written_outside_a_build_are_found_after_a_refresh(tmp_path):
    """make serve's quick pages (a retitle, a body edit) are written before the whole build:
    `RecentIndex.refresh` makes the recent changes again from the last build's pages."""
    output = build_small_site(tmp_path, first_files()).output_path
    record = ShardRecord()
    recent = RecentIndex.of(tmp_path / "recent", output / "pagefind", record.page_digest, (".meta", "[hidden]"), 60)
    shown = threading.Event()

    def changed(sender):
        if sender is recent:
            shown.set()

    search_index_changed.connect(changed)
    recent.update(pages=built_pages(output), written=indexed_digests(output))
    assert shown.wait(60)
    assert json.loads((tmp_path / "recent" / MANIFEST).read_text()) == {"bundle": None, "hidden": {}}
    page = output / "2024/p1/index.html"
    page.write_text(page.read_text().replace("Common words", "Quickwrittenword and common words"))
    shown.clear()
    RecentIndex.refresh()
    assert shown.wait(60)
    found = json.loads((tmp_path / "recent" / MANIFEST).read_text())
    assert sorted(Fragments().of(tmp_path / "recent" / found["bundle"])) == ["/2024/p1/"]
    assert list(found["hidden"]) == [Fragments().of(output / "pagefind")["/2024/p1/"][0]]


def test_a_new_server_shows_its_first_edits_before_it_writes_the_whole_index(tmp_path, monkeypatch):
    """The recent changes need the index on disk's pages: a new server has them from the last
    one's record, so the search finds its first edits before Pagefind has read every page."""
    recent = tmp_path / "recent"
    serving = {"SEARCH_INDEX_IN_BACKGROUND": True, "SEARCH_INDEX_RECENT_PATH": recent}
    build_small_site(tmp_path, first_files(), **serving)
    wait_for_index()
    for last in RecentIndex._indexes.values():  # the last server's are shown, and it is gone
        last.wait(last.update(), 30)
    monkeypatch.setattr(ShardRecord, "_records", {})  # a new server
    monkeypatch.setattr(RecentIndex, "_indexes", {})
    shown = []

    def changed(sender):
        # Only this server's: the other tests' (and the last server's) may still announce theirs.
        if sender.folder != recent or sender not in RecentIndex._indexes.values():
            return
        found = json.loads((recent / MANIFEST).read_text())
        shown.append(sorted(Fragments().of(recent / found["bundle"])) if found["bundle"] else [])

    search_index_changed.connect(changed)
    try:
        build_small_site(
            tmp_path, {"posts/p1.md": post("Ordinary post 1", "Firstedit words.", slug="p1", tags="plain")}, **serving
        )
        wait_for_index()
        deadline = time.monotonic() + 30
        while len(shown) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        search_index_changed.disconnect(changed)
    # The edit at once, then nothing once the whole index has it.
    assert shown == [["/2024/p1/"], []]


def what_search_shows(page, address):
    """(result URLs, {tag: count} in the filter pane) of the search page at `address`."""
    page.goto(address)
    page.wait_for_selector("#site-search", state="visible")
    page.wait_for_load_state("networkidle")
    summary = page.locator("details[data-filter-name=tag] > summary")
    if summary.is_visible():  # no result: no filter pane
        summary.click()
    deadline = time.monotonic() + 20
    while True:
        placeholders = page.locator(ANY_RESULT).count()
        loaded = page.locator(RESULT + " h2 a")
        urls = sorted(loaded.nth(i).get_attribute("href") for i in range(loaded.count()))
        if len(urls) == placeholders or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    labels = page.locator("details[data-filter-name=tag] label.pf-filter-checkbox")
    counts = {
        labels.nth(i).locator("input").get_attribute("value"): labels.nth(i)
        .locator(".pf-filter-checkbox-count")
        .inner_text()
        for i in range(labels.count())
    }
    return urls, counts


@pytest.mark.parametrize(
    "search",
    [
        "?q=zyxwvut",  # only the new post has it
        "?q=qwertyish",  # only the deleted post had it
        "?q=oldtitleword",  # the retitled post's old title
        "?q=newtitleword",
        "?q=service",  # every post, with their tags
        "?q=service&tag=fresh",  # the new tag: the new and the re-tagged post
        "?q=service&tag=plain",
        "?tag=doomed",  # a tag only the deleted post had
        "?tag=fresh",
    ],
)
def test_the_search_with_the_recent_changes_finds_what_a_clean_builds_finds(
    search, old_index_and_recent_changes, new_page
):
    output, recent, clean = old_index_and_recent_changes
    page = new_page()
    with running_dev_server(output, recent) as (_, base), running_dev_server(clean) as (_, clean_base):
        found = what_search_shows(page, base + "/search/" + search)
        expected = what_search_shows(page, clean_base + "/search/" + search)
    assert found == expected
    if search == "?q=zyxwvut":
        assert found[0] == ["/2024/fresh/"]


def test_without_recent_changes_the_old_index_answers(old_index_and_recent_changes, new_page):
    """The test above can fail: without the recent changes, the old index does not answer as
    a clean build's would."""
    output, _, clean = old_index_and_recent_changes
    page = new_page()
    with running_dev_server(output) as (_, base), running_dev_server(clean) as (_, clean_base):
        assert what_search_shows(page, base + "/search/?q=zyxwvut")[0] == []
        assert what_search_shows(page, base + "/search/?q=qwertyish")[0] == ["/2024/doomed/"]
        assert what_search_shows(page, clean_base + "/search/?q=qwertyish")[0] == []


def test_the_server_serves_the_recent_changes_but_nothing_outside_them(old_index_and_recent_changes):
    import urllib.error
    import urllib.request

    output, recent, _ = old_index_and_recent_changes
    with running_dev_server(output, recent) as (_, base):
        html = urllib.request.urlopen(base + "/search/").read().decode()
        assert f'data-recent-index="{devserver.RECENT_PATH}"' in html
        found = json.loads(urllib.request.urlopen(base + devserver.RECENT_PATH + MANIFEST).read())
        assert found == json.loads((recent / MANIFEST).read_text())
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + devserver.RECENT_PATH + "..%2F..%2Fcontent%2Fposts%2Fp1.md")
        assert refused.value.code == 404
    with running_dev_server(output) as (_, base):
        assert "data-recent-index" not in urllib.request.urlopen(base + "/search/").read().decode()
    assert Path(recent / MANIFEST).is_file()


def test_a_change_of_what_the_search_finds_reloads_the_search_pages_only(old_index_and_recent_changes, new_page):
    from playwright.sync_api import expect  # only here: without Playwright the fixtures skip first

    output, recent, _ = old_index_and_recent_changes
    with running_dev_server(output, recent) as (server, base):
        search, story = new_page(), new_page()
        for page, path in ((search, "/search/?q=zyxwvut"), (story, "/2024/p1/")):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.evaluate("window.stillTheSamePage = true")
        server.builds.search_changed()
        search.wait_for_function("window.stillTheSamePage === undefined")
        # The address kept the search: the reloaded page's script fills it in again (a check
        # polled without eval, which the pages' Content-Security-Policy refuses).
        expect(search.locator("#site-search")).to_have_value("zyxwvut", timeout=10_000)
        story.wait_for_timeout(500)
        assert story.evaluate("window.stillTheSamePage") is True
