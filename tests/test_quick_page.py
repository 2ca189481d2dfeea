"""make serve's quick page (servicebook.quick_page): a body edit's page written from the last
build, before the whole rebuild, is byte for byte the page the whole rebuild writes."""

import time

import pytest
from pelican import signals

from helpers import build_small_site, case, post, write_content
from image_files import photo
from servicebook import quick_page

LONG = " ".join(["word"] * 900)
PAGE = "Title: About\n\nWho we are.\n"


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
