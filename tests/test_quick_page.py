"""make serve's quick page (servicebook.quick_page): a body edit's page written from the last
build, before the whole rebuild, is byte for byte the page the whole rebuild writes."""

import os
import shutil
import time

import pytest
from pelican import signals

import quick_lists.quick_lists as lists
from helpers import build_small_site, case, output_files, post, write_content
from image_files import photo
from render_cache.render_cache import KeptCall
from servicebook import quick_page
from servicebook.hashing import source_stat, stats_held
from servicebook.kept_content import KeptReaderCaches
from servicebook.site import SERVE_SETTINGS

LONG = " ".join(["word"] * 900)
PAGE = "Title: About\n\nWho we are.\n"
TEAM = "Title: Team\nSlug: team\n\nWho works here.\n"
# With its own slug: a new title leaves it where it is.
CASE = case("The bill came twice.").replace("Title: A case", "Title: A case\nSlug: a-case")


@pytest.fixture
def built(tmp_path):
    """Build a small site; return a function that rebuilds it and gives the LastBuild."""
    kept = {}

    def keep(generators):
        kept["generators"] = generators

    signals.all_generators_finalized.connect(keep)

    def build(files=None):
        started = time.time()
        build_small_site(tmp_path, files or {})
        return quick_page.LastBuild(kept["generators"], started)

    files = {
        "posts/one.md": post("Herons", "Short body.", slug="one", tags="birds, rivers"),
        "posts/two.md": post("Egrets", "Other body.", slug="two", tags="birds", date="2024-03-01"),
        "posts/three.md": post("Coots", "Third.", slug="three", tags="rivers", date="2024-05-01"),
        "posts/draft.md": post("Later", "Not yet.", slug="later", status="draft"),
        "cases/bill.md": case("The bill came twice."),
        "pages/about.md": PAGE,
    }
    write_content(tmp_path / "content", files)
    time.sleep(0.01)  # sources older than the build
    yield build, tmp_path
    signals.all_generators_finalized.disconnect(keep)


def quick_then_whole(build, folder, relative, text):
    """(quick page's bytes, whole build's bytes) for the source `relative` saved as `text`."""
    last = build()
    path = folder / "content" / relative
    path.write_text(text, encoding="utf-8")
    pages = quick_page.render_quick_pages(last, [str(path)])
    assert len(pages) == 1, "the quick page was not written"
    quick = pages[0].read_bytes() if hasattr(pages[0], "read_bytes") else open(pages[0], "rb").read()
    build()
    whole = open(pages[0], "rb").read()
    return quick, whole


@pytest.mark.parametrize(
    "relative, text, shown",
    [
        ("posts/one.md", post("Herons", LONG, slug="one", tags="birds, rivers"), "5 min"),
        (
            "posts/two.md",
            post(
                "Egrets", "New *emphasis* and a [link]({filename}one.md).", slug="two", tags="birds", date="2024-03-01"
            ),
            "emphasis",
        ),
        ("posts/draft.md", post("Later", "Still not yet.", slug="later", status="draft"), "Still not"),
        ("cases/bill.md", case("The bill came three times."), "came three"),
        ("pages/about.md", PAGE.replace("Who we are.", "Who we are now."), "we are"),
    ],
    ids=["reading-time", "markdown-and-link", "draft", "case", "page"],
)
def test_a_body_edit_gives_the_page_the_whole_build_writes(built, relative, text, shown):
    build, folder = built
    quick, whole = quick_then_whole(build, folder, relative, text)
    assert shown in quick.decode("utf-8")
    assert quick == whole


def test_an_image_added_in_the_body_is_made_and_written_in(built):
    build, folder = built
    write_content(folder / "content", {"images/heron.jpg": photo(1200, 800)})
    build()
    body = "Look: ![A heron on a post](/images/heron.jpg)"
    quick, whole = quick_then_whole(
        build, folder, "posts/one.md", post("Herons", body, slug="one", tags="birds, rivers")
    )
    assert b"<picture>" in quick and b"og:image" in quick
    assert quick == whole


@pytest.mark.parametrize(
    "change",
    [
        lambda folder: (folder / "content/posts/one.md").write_text(
            post("Renamed", "Short body.", slug="one", tags="birds, rivers")
        ),
        lambda folder: (folder / "content/posts/one.md").write_text(
            post("Herons", "Short body.", slug="one", tags="birds")
        ),
        lambda folder: (folder / "content/posts/new.md").write_text(post("New", "Body.", slug="new")),
        lambda folder: (folder / "content/posts/one.md").unlink(),
        lambda folder: (folder / "theme.css").write_text("body {}"),
    ],
    ids=["retitled", "retagged", "new-file", "deleted", "not-content"],
)
def test_anything_but_a_body_edit_waits_for_the_whole_build(built, change):
    build, folder = built
    last = build()
    before = (folder / "output/2024/one/index.html").read_bytes()
    change(folder)
    changed = [folder / "content/posts/one.md", folder / "content/posts/new.md", folder / "theme.css"]
    assert (
        quick_page.render_quick_pages(last, [str(path) for path in changed if path.exists()] or [str(changed[0])]) == []
    )
    assert (folder / "output/2024/one/index.html").read_bytes() == before


def test_a_source_saved_during_the_build_has_the_header_the_build_before_knew(built):
    build, folder = built
    previous = build()
    source = folder / "content/posts/one.md"
    source.write_text(post("Herons", "Edited meanwhile.", slug="one", tags="birds, rivers"))
    # Saved after the build began: that build may have read it before or after the save.
    assert (
        quick_page.render_quick_pages(quick_page.LastBuild(previous.generators, time.time() - 60), [str(source)]) == []
    )
    carried = quick_page.LastBuild(previous.generators, time.time() - 60, previous)
    assert len(quick_page.render_quick_pages(carried, [str(source)])) == 1
    source.write_text(post("Herons", "Edited meanwhile.", slug="one", tags="birds"))  # a new header
    carried = quick_page.LastBuild(previous.generators, time.time() - 60, previous)
    assert quick_page.render_quick_pages(carried, [str(source)]) == []


def test_a_source_saved_after_the_build_first_looked_at_it_has_the_header_the_build_before_knew(built):
    build, folder = built
    previous = build()
    source = folder / "content/posts/two.md"
    time.sleep(0.01)
    with stats_held():
        source_stat(source)  # as the build saw it, before the save
        started = time.time()
        source.write_text(post("Egrets", "Other body.", slug="two", tags="birds, wading", date="2024-03-01"))
        later = quick_page.LastBuild(previous.generators, started)
    # The build read it before or after that save: its header waits for the next build.
    assert str(source) not in later.sources and str(folder / "content/posts/one.md") in later.sources


def test_only_the_headers_changed_since_the_last_build_are_read_again(built, monkeypatch):
    build, folder = built
    previous = build()
    source = folder / "content/posts/two.md"
    retagged = post("Egrets", "Other body.", slug="two", tags="birds, wading", date="2024-03-01")
    source.write_text(retagged)
    time.sleep(0.01)  # saved before the next build began
    read = []

    def counted(path):
        read.append(path)
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    monkeypatch.setattr(quick_page, "_read_text", counted)
    later = quick_page.LastBuild(previous.generators, time.time(), previous)
    assert read == [str(source)]
    assert later.headers == {**previous.headers, str(source): quick_page.header_text(retagged)}


def test_header_text_is_what_comes_before_the_first_blank_line():
    assert quick_page.header_text("\ufeffTitle: A\nDate: 2024-01-01  \n\nBody\n\nMore") == "Title: A\nDate: 2024-01-01"
    assert quick_page.header_text("Body only") == "Body only"


def test_header_fields_are_compared_by_name_and_lines():
    header = "Title: A\nTAGS: x,\n    y\nnot a field"
    assert quick_page.header_fields(header) == {"title": ["A"], "tags": ["x,", "y"], "not a field": [""]}
    assert quick_page.changed_fields(header, header.replace("TAGS", "Tags")) == set()
    assert quick_page.changed_fields(header, header.replace("    y", "    z")) == {"tags"}
    assert quick_page.changed_fields(header, "Title: B\nTags: x,\n    y\nnot a field") == {"title"}
    assert quick_page.changed_fields("Title: A", "Title: A\nSummary: S") == {"summary"}


@pytest.fixture
def served(tmp_path):
    """A small site built as `make serve` builds it (its writer keeps the outputs); returns
    (the ServedSite, the site's folder, a function that builds the content again)."""
    files = {
        f"posts/p{i}.md": post(f"Post {i}", f"Body {i}.", slug=f"p{i}", tags=tags, date=f"2024-0{i}-01")
        for i, tags in enumerate(["birds, rivers", "birds", "rivers", "birds, weirs"], start=1)
    }
    files["posts/titled.md"] = post("Made from its title", "Body.", tags="birds", date="2024-06-01")
    files["cases/bill.md"] = CASE
    files["pages/about.md"] = PAGE
    files["pages/team.md"] = TEAM
    write_content(tmp_path / "content", files)
    time.sleep(0.01)
    site = quick_page.ServedSite()

    def build(folder=tmp_path, **settings):
        site.build_begins()
        with site.following():
            build_small_site(folder, {}, **{**SERVE_SETTINGS, **settings})

    build()
    return site, tmp_path, build


def clean_build_of(folder, tmp_path):
    """{path: bytes} of a clean build of `folder`'s content."""
    shutil.copytree(folder / "content", tmp_path / "clean" / "content")
    build_small_site(tmp_path / "clean", {})
    return output_files(tmp_path / "clean" / "output")


@pytest.mark.parametrize("rebuilds", [0, 2], ids=["pages-kept", "calls-kept"])
def test_a_retitle_writes_every_page_that_shows_the_title_before_the_whole_build(served, tmp_path, rebuilds):
    site, folder, build = served
    for _ in range(rebuilds):
        build()
    # Rebuilt twice, the build left its writer's calls as they were (whole paginated lists),
    # and the quick edit plans again those that show the title.
    assert any(isinstance(entry, KeptCall) for entry in site.last.writer.kept) == bool(rebuilds)
    before = output_files(folder / "output")
    source = folder / "content/posts/p3.md"
    source.write_text(post("Kingfishers", "Body 3.", slug="p3", tags="rivers", date="2024-03-01"))
    pages = quick_page.render_quick_pages(site.last, [str(source)])
    assert [os.path.relpath(page, folder / "output") for page in pages] == ["2024/p3/index.html"]
    rest = {os.path.relpath(page, folder / "output") for page in quick_page.render_the_rest(site.last, pages)}
    # Its neighbours (the case story, p4), the post it is related to (p1 shares "rivers"),
    # the lists and the feeds it is in; not the pages that do not show it.
    assert {"2024/a-case/index.html", "2024/p4/index.html", "2024/p1/index.html"} <= rest
    assert {"index.html", "tag/rivers/index.html", "feeds/all.atom.xml", "feeds/tags/rivers.json"} <= rest
    assert not rest & {"2024/p2/index.html", "about/index.html", "tag/weirs/index.html", "feeds/tags/weirs.json"}
    got, want = output_files(folder / "output"), clean_build_of(folder, tmp_path)
    assert sorted(name for name in want if got.get(name) != want[name]) == []
    assert sorted(name for name in got if got[name] != before[name]) == sorted(["2024/p3/index.html", *rest])


def test_a_summary_and_body_edit_reach_the_lists_and_feeds_before_the_whole_build(served, tmp_path):
    site, folder, _ = served
    source = folder / "content/posts/p1.md"
    source.write_text(
        post("Post 1", "A new body, in full.", slug="p1", tags="birds, rivers", date="2024-01-01", summary="*Short*")
    )
    pages = quick_page.render_quick_pages(site.last, [str(source)])
    assert quick_page.render_the_rest(site.last, pages)
    assert b"A new body" in (folder / "output/feeds/all.atom.xml").read_bytes()
    assert b"<em>Short</em>" in (folder / "output/tag/birds/index.html").read_bytes()
    got, want = output_files(folder / "output"), clean_build_of(folder, tmp_path)
    assert sorted(name for name in want if got.get(name) != want[name]) == []


@pytest.mark.parametrize(
    "relative, text",
    [
        ("posts/titled.md", post("A new title", "Body.", tags="birds", date="2024-06-01")),
        ("posts/p1.md", post("Post 1", "Body 1.", slug="p1", tags="birds", date="2024-01-01")),
        ("posts/p1.md", post("Post 1", "Body 1.", slug="p1", tags="birds, rivers", date="2024-07-01")),
    ],
    ids=["title-gives-a-new-address", "retagged", "redated"],
)
def test_an_edit_that_moves_or_regroups_a_post_waits_for_the_whole_build(served, relative, text):
    site, folder, _ = served
    before = output_files(folder / "output")
    (folder / "content" / relative).write_text(text)
    assert quick_page.render_quick_pages(site.last, [str(folder / "content" / relative)]) == []
    assert quick_page.render_the_rest(site.last, []) == []
    assert output_files(folder / "output") == before


def test_before_the_build_has_written_its_outputs_a_retitle_waits(served):
    site, folder, _ = served
    site.last.writer = None  # as between the generators' end and the build's
    source = folder / "content/posts/p3.md"
    source.write_text(post("Kingfishers", "Body 3.", slug="p3", tags="rivers", date="2024-03-01"))
    assert quick_page.render_quick_pages(site.last, [str(source)]) == []


def test_a_build_that_renders_in_worker_processes_keeps_no_outputs(served):
    site, folder, build = served
    build(PARALLEL_WRITE=True, PARALLEL_WRITE_MIN_PAGES=2)
    assert site.last.writer is None


def test_a_change_that_most_pages_show_is_left_to_the_whole_build(served, tmp_path, monkeypatch):
    site, folder, build = served
    monkeypatch.setattr(quick_page, "MAX_PAGES_AGAIN", 4)
    before = output_files(folder / "output")
    (folder / "content/pages/team.md").write_text(TEAM.replace("Title: Team", "Title: Our team"))
    pages = quick_page.render_quick_pages(site.last, [str(folder / "content/pages/team.md")])
    assert len(pages) == 1 and 0 < len(quick_page.render_the_rest(site.last, pages)) <= 4
    build()
    got = output_files(folder / "output")
    assert len([name for name in got if got[name] != before.get(name)]) > 10  # the menu of every page
    assert got == clean_build_of(folder, tmp_path)


def test_quick_edits_one_after_another_leave_what_a_clean_build_writes(served, tmp_path):
    site, folder, _ = served
    edits = [
        ("posts/p3.md", post("Kingfishers", "Body 3.", slug="p3", tags="rivers", date="2024-03-01")),
        ("posts/p3.md", post("Dippers", "Body 3, longer now.", slug="p3", tags="rivers", date="2024-03-01")),
        ("posts/p1.md", post("Post 1", "Body 1.", slug="p1", tags="birds, rivers", date="2024-01-01", summary="S.")),
        ("cases/bill.md", CASE.replace("Title: A case", "Title: The double bill")),
    ]
    for relative, text in edits:
        (folder / "content" / relative).write_text(text)
        pages = quick_page.render_quick_pages(site.last, [str(folder / "content" / relative)])
        assert len(pages) == 1, relative
        quick_page.render_the_rest(site.last, pages)
    got, want = output_files(folder / "output"), clean_build_of(folder, tmp_path)
    assert sorted(name for name in want if got.get(name) != want[name]) == []
    assert b"Dippers" in got["index.html"] and b"The double&nbsp;bill" in got["cases/index.html"]


def test_a_deleted_file_that_is_no_post_sends_the_save_to_the_whole_build(served):
    site, folder, _ = served
    source = folder / "content/posts/p3.md"
    source.write_text(post("Post 3", "Body 3, without the picture.", slug="p3", tags="rivers", date="2024-03-01"))
    # A picture (or any file) deleted with the edit: the whole build removes its copies. A
    # file that came and went within the save (sed -i's, an editor's) never gets here
    # (servicebook.devserver.changed_paths).
    assert quick_page.render_quick_pages(site.last, [str(source), str(folder / "content/images/gone.png")]) == []
    (folder / "content/posts/new.md").write_text(post("New", "Body.", slug="new"))
    assert quick_page.render_quick_pages(site.last, [str(source), str(folder / "content/posts/new.md")]) == []
    assert len(quick_page.render_quick_pages(site.last, [str(source)])) == 1


def test_on_a_site_ordered_by_title_a_retitle_waits_for_the_whole_build(served):
    site, folder, build = served
    build(ARTICLE_ORDER_BY="title")
    source = folder / "content/posts/p3.md"
    source.write_text(post("Aardvarks", "Body 3.", slug="p3", tags="rivers", date="2024-03-01"))
    assert quick_page.render_quick_pages(site.last, [str(source)]) == []
    source.write_text(post("Post 3", "Body 3, and more.", slug="p3", tags="rivers", date="2024-03-01"))
    assert len(quick_page.render_quick_pages(site.last, [str(source)])) == 1  # a body edit does not


def test_a_retitle_of_a_post_with_aliases_waits_for_the_whole_build(served):
    site, folder, build = served
    source = folder / "content/posts/p5.md"
    source.write_text(post("Post 5", "Body 5.", slug="p5", date="2024-05-01", aliases="/old/heron.html"))
    time.sleep(0.01)
    build()
    assert "Post&nbsp;5" in (folder / "output/old/heron.html").read_text()  # its redirect page shows the title
    source.write_text(post("Herons", "Body 5.", slug="p5", date="2024-05-01", aliases="/old/heron.html"))
    assert quick_page.render_quick_pages(site.last, [str(source)]) == []


def entries_of(site):
    """{source: the macro names of the list entries rendered on the last build's article}."""
    articles = site.last.generators[0].context["articles"]
    return {
        article.source_path: {name for name, _ in getattr(article, "_rendered_entries", {})} for article in articles
    }


def test_render_lists_renders_every_articles_list_entries_in_memory(served):
    site, folder, build = served
    build()  # every page as it was: no list rendered, so no entry
    assert set().union(*entries_of(site).values()) == set()
    output = folder / "output"
    before = {path: path.stat().st_mtime_ns for path in output.rglob("*")}
    assert site.render_lists(lambda: True) is False  # stopped before its first page
    assert set().union(*entries_of(site).values()) == set()
    assert site.render_lists(lambda: False) is True
    assert set(map(frozenset, entries_of(site).values())) == {frozenset({"summary_item", "article_link"})}
    # Nothing written; what the entries hold is what the pages show.
    assert {path: path.stat().st_mtime_ns for path in output.rglob("*")} == before
    article = site.last.generators[0].context["articles"][0]
    entries = list(article._rendered_entries.values())
    assert all(str(entry).strip() in (output / "archives/index.html").read_text() for entry in entries[-1:])


@pytest.mark.parametrize("warmed", [True, False])
def test_after_render_lists_a_new_post_renders_only_the_entries_it_changes(tmp_path, monkeypatch, warmed):
    files = {
        f"posts/p{i:02}.md": post(f"Post {i}", f"Body {i}.", slug=f"p{i}", date=f"2024-01-{i:02}") for i in range(1, 13)
    }
    build_small_site(tmp_path, files)  # an earlier process's build
    site, rendered = quick_page.ServedSite(), []
    entry = lists.rendered_once

    def counted(context, macro, article):
        if (macro.name, context.get("SITEURL")) not in getattr(article, "_rendered_entries", {}):
            rendered.append(article.slug)
        return entry(context, macro, article)

    monkeypatch.setattr(lists, "rendered_once", lists.pass_context(counted))
    with KeptReaderCaches().installed(), site.following():
        build_small_site(tmp_path, {}, **SERVE_SETTINGS)  # the server's first build: every page kept
        if warmed:
            assert site.render_lists(lambda: False)
        rendered.clear()
        build_small_site(
            tmp_path, {"posts/p13.md": post("Post 13", "New.", slug="p13", date="2024-01-13")}, **SERVE_SETTINGS
        )
    # The new post, and the one before it, whose neighbour it is now; without the warming, all.
    assert set(rendered) == ({"p13", "p12"} if warmed else {f"p{i}" for i in range(1, 14)})
