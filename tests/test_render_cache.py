"""The render cache: a rebuild re-renders only what changed, and its output is exactly what a
build from scratch makes."""

import logging
import os
import re
import shutil
from pathlib import Path

import pelican
import pytest
from jinja2 import ChoiceLoader, DictLoader, Environment, FileSystemLoader
from lxml import etree
from pelican import signals
from pelican.contents import Article
from pelican.writers import Writer

from helpers import ROOT, SETTINGS, build_small_site, fragments, output_files, post
from render_cache import keys as rc
from render_cache import template_reading as reading
from render_cache.record import RECORD_NAME, RenderRecord, StampNoted
from servicebook.site import load_settings
from servicebook.writing import replaced_whole
from test_casebook import case_file

POSTS = {
    "posts/one.md": post("First complaint", "The bill was wrong twice.", slug="one", tags="billing, phone"),
    "posts/two.md": post(
        "Second complaint", "Nobody owned the problem.", slug="two", date="2024-02-03 10:00", tags="billing"
    ),
    "posts/three.md": post(
        "Third complaint",
        "A letter fixed it.",
        slug="three",
        date="2024-03-04 10:00",
        tags="letters",
        Summary="How a letter fixed it.",
    ),
}


def article(text, title="A title", **metadata):
    settings = dict(SETTINGS)
    return Article(
        text, metadata={"title": title, "slug": "a", **metadata}, settings=settings, source_path="/content/a.md"
    )


def render_counts(caplog):
    """(rendered, reused) from the plugin's log line of the last build."""
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Render cache:")]
    rendered, reused = re.match(r"Render cache: (\d+) pages rendered, (\d+) reused", lines[-1]).groups()
    caplog.clear()
    return int(rendered), int(reused)


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO, logger="render_cache.render_cache")
    return caplog


CASE = case_file()


def test_a_changed_reading_time_changes_the_lists_that_show_it_not_the_others(tmp_path):
    output = build_small_site(tmp_path, POSTS).output_path
    before = output_files(output)
    build_small_site(tmp_path, {"posts/three.md": POSTS["posts/three.md"] + "\n" + "More words here. " * 150})
    after = output_files(output)
    changed = {name for name in after if after[name] != before.get(name)}
    assert {"2024/three/index.html", "tag/letters/index.html", "index.html"} <= changed
    assert "tag/phone/index.html" not in changed and "2024/one/index.html" not in changed


def test_a_paginated_list_renders_only_the_page_that_shows_the_change(tmp_path, caplog):
    many = {
        f"posts/p{i:02d}.md": post(
            f"Post {i}", "Words.", slug=f"p{i:02d}", date=f"2024-01-{i + 1:02d} 10:00", Summary=f"Post {i}."
        )
        for i in range(25)
    }
    output = build_small_site(tmp_path, many).output_path
    assert (output / "page" / "3" / "index.html").exists(), "the index should have three pages"
    caplog.set_level(logging.DEBUG, logger="render_cache.render_cache")
    # The oldest post is on the last index page; a longer body changes its reading time only.
    longer = {"posts/p00.md": many["posts/p00.md"] + "\n" + "More words here. " * 150}
    build_small_site(tmp_path, longer)
    rendered = {r.args[0] for r in caplog.records if r.getMessage().startswith("Render cache: rendering")}
    assert {"2024/p00/index.html", "page/3/index.html"} <= rendered
    assert not rendered & {"index.html", "page/2/index.html", "2024/p01/index.html"}, rendered
    assert output_files(output) == output_files(build_small_site(tmp_path / "fresh", {**many, **longer}).output_path)


# ---- Keys ----


def test_stable_repr_has_no_addresses_and_a_fixed_order():
    class Thing:
        def __init__(self):
            self.b, self.a = 2, 1

    assert rc.stable_repr({"b": 1, "a": [Thing(), {3, 1}]}) == rc.stable_repr({"a": [Thing(), {1, 3}], "b": 1})
    assert "0x" not in rc.stable_repr([Thing(), object(), print, test_stable_repr_has_no_addresses_and_a_fixed_order])
    assert rc.stable_repr(print) == "builtins.print"


def test_a_page_key_follows_the_full_text_of_the_article_it_shows():
    same = rc.page_key("site", "a/index.html", "article.html", {"article": article("<p>One.</p>")})
    assert same == rc.page_key("site", "a/index.html", "article.html", {"article": article("<p>One.</p>")})
    assert same != rc.page_key("site", "a/index.html", "article.html", {"article": article("<p>Two.</p>")})
    assert same != rc.page_key("other site", "a/index.html", "article.html", {"article": article("<p>One.</p>")})
    assert same != rc.page_key("site", "b/index.html", "article.html", {"article": article("<p>One.</p>")})


def test_the_summary_key_follows_metadata_and_summary_but_not_the_rest_of_the_body():
    short = article("<p>" + "word " * 10 + "</p>", summary="Short.")
    longer = article("<p>" + "word " * 10 + "more.</p>", summary="Short.")
    assert rc.content_summary_key(short) == rc.content_summary_key(longer)
    assert rc.content_text_key(short) != rc.content_text_key(longer)
    assert rc.content_summary_key(short) != rc.content_summary_key(article("<p>x</p>", title="New", summary="Short."))


def test_a_value_handed_to_a_page_is_keyed_by_the_writers_value_key():
    tree = [{"facet": "channel", "values": ["phone", "letter"]}]
    seen = []

    def counting(value):
        seen.append(value)
        return rc.value_key(value)

    handed = {"facets": tree, "url": "cases/", "article": article("<p>One.</p>")}
    assert rc.page_key("site", "x", "t", handed, value_key=counting) == rc.page_key("site", "x", "t", handed)
    assert seen == [tree]  # plain values and articles have keys of their own
    changed = {**handed, "facets": [{"facet": "channel", "values": ["phone"]}]}
    assert rc.page_key("site", "x", "t", changed) != rc.page_key("site", "x", "t", handed)


# ---- Builds ----


def test_an_unchanged_rebuild_renders_nothing_and_changes_no_byte(tmp_path, log):
    first = build_small_site(tmp_path, POSTS)
    before = output_files(first.output_path)
    rendered, reused = render_counts(log)
    assert rendered > 10 and reused == 0
    build_small_site(tmp_path, {})
    assert render_counts(log) == (0, rendered)
    assert output_files(first.output_path) == before


def test_editing_a_body_renders_that_page_and_its_feeds_only(tmp_path, log):
    output = build_small_site(tmp_path, POSTS).output_path
    total, _ = render_counts(log)
    before = output_files(output)
    build_small_site(tmp_path, {"posts/three.md": POSTS["posts/three.md"] + "\nA second letter followed.\n"})
    rendered, reused = render_counts(log)
    after = output_files(output)
    changed = {name for name in after if after[name] != before.get(name)}
    assert "A second letter" in after["2024/three/index.html"].decode()
    assert "2024/three/index.html" in changed and "2024/one/index.html" not in changed
    assert all(name == "2024/three/index.html" or name.startswith("feeds/") for name in changed), changed
    assert rendered == len(changed) and rendered + reused == total


@pytest.mark.parametrize(
    "edit",
    [
        {"posts/three.md": POSTS["posts/three.md"] + "\nA later paragraph.\n"},
        {"posts/two.md": POSTS["posts/two.md"].replace("Second complaint", "Second, worse complaint")},
        {"posts/two.md": POSTS["posts/two.md"].replace("Tags: billing", "Tags: billing, hr")},
        {"posts/four.md": post("Fourth complaint", "A new one.", slug="four", date="2024-04-05 10:00", tags="hr")},
        # Reading time is not metadata, and list pages show it.
        {"posts/three.md": POSTS["posts/three.md"] + "\n" + "More words here. " * 150 + "\n"},
        # The casebook lists show a case's reading time too.
        {"cases/case.md": CASE.replace("Body.", "Body. " + "More words here. " * 150)},
    ],
    ids=["body", "title", "tags", "new post", "reading time", "case reading time"],
)
def test_a_rebuild_makes_exactly_what_a_fresh_build_makes(tmp_path, edit):
    before = {**POSTS, "cases/case.md": CASE}
    incremental = build_small_site(tmp_path / "incremental", before).output_path
    build_small_site(tmp_path / "incremental", edit)
    fresh = build_small_site(tmp_path / "fresh", {**before, **edit}).output_path
    assert output_files(incremental) == output_files(fresh)


def rendered_pages(caplog):
    return {r.args[0] for r in caplog.records if r.getMessage().startswith("Render cache: rendering")}


def test_a_retitle_renders_the_pages_that_show_the_post_not_the_whole_site(tmp_path, caplog):
    output = build_small_site(tmp_path, POSTS).output_path
    caplog.set_level(logging.DEBUG, logger="render_cache.render_cache")
    build_small_site(tmp_path, {"posts/three.md": POSTS["posts/three.md"].replace("Third complaint", "Third, solved")})
    rendered = rendered_pages(caplog)
    # Its page, its neighbour's (which links to it by title), the lists and feeds it is in.
    assert {"2024/three/index.html", "2024/two/index.html", "index.html", "tag/letters/index.html"} <= rendered
    assert "Third, solved" in (output / "feeds" / "all.atom.xml").read_text()
    # Neither a neighbour nor related (no shared tag), and not on the tag's list.
    assert not rendered & {"2024/one/index.html", "tag/phone/index.html"}, rendered


def test_a_list_of_articles_counts_only_where_the_templates_name_it_whole_or_by_page():
    listed, others = [article("x")], [article("y")]
    handed = {"articles": listed, "dates": others, "all_articles": listed, "page_name": "index", "url": "x/"}
    assert rc.counted(handed, {"articles_page", "SITEURL"}) == {"articles": listed, "page_name": "index", "url": "x/"}
    assert rc.counted(handed, {"dates"}) == {"dates": others, "page_name": "index", "url": "x/"}
    # Lists of other things, and plain values, count whether named or not.
    assert rc.counted({"tags": ["a"], "blog": True}, set()) == {"tags": ["a"], "blog": True}
    # Templates not known before they render (names None): every list counts.
    assert rc.counted(handed, None) == {"articles": listed, "dates": others, "page_name": "index", "url": "x/"}


def test_a_new_post_leaves_a_page_that_shows_no_list_of_articles_as_it_was(tmp_path, caplog):
    output = build_small_site(tmp_path, POSTS).output_path
    caplog.set_level(logging.DEBUG, logger="render_cache.render_cache")
    new = {"posts/four.md": post("Fourth complaint", "Still waiting.", slug="four", date="2024-04-01 10:00")}
    build_small_site(tmp_path, {**POSTS, **new})
    rendered = rendered_pages(caplog)
    # Pelican hands the search page the site's articles, which it does not show.
    assert "index.html" in rendered and "search/index.html" not in rendered, rendered
    assert output_files(output) == output_files(build_small_site(tmp_path / "fresh", {**POSTS, **new}).output_path)


def test_a_reused_page_is_not_written_again(tmp_path):
    output = build_small_site(tmp_path, POSTS).output_path
    page = output / "2024" / "one" / "index.html"
    before = page.stat()
    build_small_site(tmp_path, {"posts/three.md": POSTS["posts/three.md"] + "\nA later paragraph.\n"})
    after = page.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def many_posts(count):
    return {
        f"posts/p{i:02d}.md": post(f"Post {i}", "Words.", slug=f"p{i:02d}", date=f"2024-01-{i + 1:02d} 10:00")
        for i in range(count)
    }


@pytest.mark.parametrize(
    "edit",
    [
        # The last index page goes: the first one must not say "of 3" or link to it.
        lambda posts: posts.pop("posts/p00.md"),
        # A new address for a post that another links to by {filename}.
        lambda posts: posts.update({"posts/p05.md": posts["posts/p05.md"].replace("Slug: p05", "Slug: moved")}),
        lambda posts: posts.update({"posts/p20.md": posts["posts/p20.md"].replace("Post 20", "Post twenty")}),
    ],
    ids=["fewer list pages", "linked post moved", "retitle"],
)
def test_a_rebuild_equals_a_fresh_build_when_other_pages_change_what_a_page_shows(tmp_path, edit):
    posts = many_posts(21)
    posts["posts/p10.md"] += "\n" + "Words. " * 120 + "\n\nSee [the fifth]({filename}p05.md).\n"
    build_small_site(tmp_path / "incremental", posts)
    edit(posts)
    shutil.rmtree(tmp_path / "incremental" / "content")
    incremental = build_small_site(tmp_path / "incremental", posts).output_path
    fresh = build_small_site(tmp_path / "fresh", posts).output_path
    assert output_files(incremental) == output_files(fresh)


def test_template_names_follow_extends_includes_and_imports():
    from jinja2 import DictLoader, Environment

    environment = Environment(
        loader=DictLoader(
            {
                "base.html": "{% for p in pages %}{{ p.title }}{% endfor %}{% block body %}{% endblock %}",
                "macros.html": "{% macro list(items) %}{% for i in items %}{{ i.title }}{{ SITENAME }}{% endfor %}"
                "{% endmacro %}",
                "tags.html": '{% extends "base.html" %}{% from "macros.html" import list %}'
                "{% block body %}{{ list(tags) }}{% endblock %}",
                "chosen.html": "{% include name %}",
            }
        )
    )
    names = reading.template_names(environment, "tags.html")
    assert {"pages", "tags", "SITENAME"} <= names and not names & {"p", "i", "items"}
    assert reading.template_names(environment, "chosen.html") is None


def test_how_the_build_runs_does_not_change_what_is_reused(tmp_path, log):
    build_small_site(tmp_path, POSTS)
    rendered, _ = render_counts(log)
    build_small_site(tmp_path, {}, SEARCH_INDEX_IN_BACKGROUND=True, PARALLEL_READ=False)
    assert render_counts(log) == (0, rendered)


def test_a_settings_change_renders_every_page_again(tmp_path):
    output = build_small_site(tmp_path, POSTS, SITENAME="Old name").output_path
    build_small_site(tmp_path, {}, SITENAME="New name")
    pages = [text.decode() for name, text in output_files(output).items() if name.endswith(".html")]
    assert pages and not any("Old name" in page for page in pages)


def test_a_template_change_renders_every_page_again(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(Path(rc.__file__).resolve().parents[2] / "theme", theme)
    output = build_small_site(tmp_path, POSTS, THEME=theme).output_path
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text().replace("</footer>", "<p>Theme edited.</p></footer>"))
    build_small_site(tmp_path, {}, THEME=theme)
    pages = {name: text.decode() for name, text in output_files(output).items() if name.endswith(".html")}
    assert all("Theme edited." in text for name, text in pages.items() if "</footer>" in text)
    assert "Theme edited." in pages["2024/one/index.html"]


def test_an_output_file_edited_by_hand_is_rendered_again(tmp_path):
    output = build_small_site(tmp_path, POSTS).output_path
    page = output / "2024" / "one" / "index.html"
    good = page.read_bytes()
    page.write_text("tampered")
    (output / "feeds" / "all.atom.xml").unlink()
    build_small_site(tmp_path, {})
    assert page.read_bytes() == good
    assert (output / "feeds" / "all.atom.xml").exists()


def test_a_page_found_unchanged_once_is_not_read_again_while_its_file_is_untouched(tmp_path, monkeypatch):
    output = build_small_site(tmp_path, POSTS).output_path
    build_small_site(tmp_path, {})  # reads each page once, finds it as written, notes its stamp
    read = []
    read_bytes = Path.read_bytes

    def counted(path):
        read.append(path)
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    build_small_site(tmp_path, {})
    # Pagefind's bundle is read back to check it; the pages and feeds are not.
    assert [path for path in read if path.is_relative_to(output) and "pagefind" not in path.parts] == []


@pytest.mark.parametrize("parallel_write", [False, True], ids=["make-serve", "make-build"])
def test_a_page_a_build_wrote_is_known_by_its_stamp_in_the_next_build(tmp_path, monkeypatch, parallel_write):
    output = build_small_site(tmp_path, many_posts(25), PARALLEL_WRITE=parallel_write).output_path
    read = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(path) or read_bytes(path))
    asked = pelican_writer_asked(monkeypatch)
    build_small_site(tmp_path, {}, PARALLEL_WRITE=False)
    assert [path for path in read if path.is_relative_to(output) and "pagefind" not in path.parts] == []
    if not parallel_write:  # a build that plans its pages records no calls (render_cache)
        # Every call left whole at once (template pages aside: always asked).
        assert asked == ["404.html", "robots.txt"]


@pytest.mark.parametrize("quick_page_comes", [False, True])
def test_a_stamp_is_noted_only_for_the_file_the_build_wrote(tmp_path, monkeypatch, quick_page_comes):
    """A quick page may replace an output between the build's rename and its look at the
    file: that file's stamp is not the stamp of the bytes the build recorded."""
    record = RenderRecord({**SETTINGS, "CACHE_PATH": str(tmp_path / "cache"), "OUTPUT_RECORDS_PATH": ""})
    page, quick = tmp_path / "page.html", tmp_path / "quick.html"
    quick.write_text("quick")
    replace = os.replace

    def replace_then_quick_page(source, target):
        replace(source, target)
        replace(quick, target)  # written beside it, renamed over it

    if quick_page_comes:
        monkeypatch.setattr(os, "replace", replace_then_quick_page)
    record.remember("page.html", "key", "built")
    with StampNoted(replaced_whole(page), record, str(page), "page.html") as handle:
        handle.write("built")
    assert page.read_text() == ("quick" if quick_page_comes else "built")
    assert record.intact(str(tmp_path), ["page.html"]) is not quick_page_comes
    assert record.holds(str(tmp_path), "page.html", "key") is not quick_page_comes


def test_an_output_file_edited_behind_an_unchanged_size_and_time_is_rendered_again(tmp_path):
    output = build_small_site(tmp_path, POSTS).output_path
    build_small_site(tmp_path, {})
    page = output / "2024" / "one" / "index.html"
    good, before = page.read_bytes(), page.stat()
    tampered = good.replace(b"<title>", b"<TITLE>")
    assert tampered != good and len(tampered) == len(good)
    page.write_bytes(tampered)
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (page.stat().st_size, page.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    build_small_site(tmp_path, {})
    assert page.read_bytes() == good


def test_without_the_content_cache_every_page_is_rendered(tmp_path, log):
    build_small_site(tmp_path, POSTS, CACHE_CONTENT=False)
    build_small_site(tmp_path, {}, CACHE_CONTENT=False)
    assert not [r for r in log.records if r.getMessage().startswith("Render cache:")]
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").rglob(RECORD_NAME))


def sitemap_addresses(output):
    return sorted(element.text for element in etree.parse(str(output / "sitemap.xml")).iter("{*}loc"))


def pelican_writer_asked(monkeypatch):
    """The output names Pelican's own writer is asked for from now on (each a page, or the
    first page of a paginated list)."""
    asked = []
    write_file = Writer.write_file

    def counted(self, name, *args, **kwargs):
        asked.append(name)
        return write_file(self, name, *args, **kwargs)

    monkeypatch.setattr(Writer, "write_file", counted)
    return asked


def test_a_call_whose_pages_are_unchanged_is_neither_paginated_nor_keyed_page_by_page(tmp_path, monkeypatch):
    posts = many_posts(25)
    # As make serve builds (a build that renders on every core plans its pages instead).
    output = build_small_site(tmp_path / "incremental", posts, PARALLEL_WRITE=False).output_path
    assert (output / "page" / "3" / "index.html").exists()
    build_small_site(tmp_path / "incremental", {}, PARALLEL_WRITE=False)  # finds each page as written
    before, listed = output_files(output), sitemap_addresses(output)
    asked = pelican_writer_asked(monkeypatch)
    build_small_site(tmp_path / "incremental", {}, PARALLEL_WRITE=False)
    # Template pages may be written over by a later call (Pelican's override_output): always asked.
    assert asked == ["404.html", "robots.txt"]
    # Every page still announced: the sitemap and the search index list them all.
    assert output_files(output) == before
    assert sitemap_addresses(output) == listed and len(listed) > 30
    assert len(fragments(output / "pagefind")) == 25
    posts["posts/p20.md"] = posts["posts/p20.md"].replace("Post 20", "Post twenty")
    build_small_site(tmp_path / "incremental", {"posts/p20.md": posts["posts/p20.md"]}, PARALLEL_WRITE=False)
    # Its page, its neighbours' and the index (one call for its three pages); not the others.
    assert {"2024/p20/index.html", "2024/p19/index.html", "2024/p21/index.html", "index.html"} <= set(asked)
    assert "2024/p05/index.html" not in asked, asked
    assert b"twenty" in (output / "index.html").read_bytes()
    fresh = build_small_site(tmp_path / "fresh", posts).output_path
    assert output_files(output) == output_files(fresh)


def test_a_page_of_a_call_left_as_it_was_is_rendered_again_once_edited_or_deleted(tmp_path, monkeypatch):
    output = build_small_site(tmp_path, many_posts(25), PARALLEL_WRITE=False).output_path
    build_small_site(tmp_path, {}, PARALLEL_WRITE=False)
    before = output_files(output)
    (output / "page" / "2" / "index.html").write_text("tampered")
    (output / "2024" / "p03" / "index.html").unlink()
    asked = pelican_writer_asked(monkeypatch)
    build_small_site(tmp_path, {}, PARALLEL_WRITE=False)
    assert output_files(output) == before
    assert sorted(asked) == ["2024/p03/index.html", "404.html", "index.html", "robots.txt"]


def present_when_the_first_page_is_written(output, paths):
    """Which of `paths` (in `output`) are there when the next build announces its first page."""
    seen = {}

    def look(path, context=None):
        if not seen:
            seen.update({name: (output / name).exists() for name in paths})

    signals.content_written.connect(look)
    return seen, lambda: signals.content_written.disconnect(look)


@pytest.mark.parametrize("parallel_write", [False, True], ids=["one process", "every core"])
def test_a_deleted_posts_page_and_its_tags_go_before_any_page_is_written(tmp_path, parallel_write):
    build_small_site(tmp_path, POSTS, PARALLEL_WRITE=parallel_write, PARALLEL_WRITE_MIN_PAGES=1)
    output = tmp_path / "output"
    gone = ["2024/three/index.html", "tag/letters/index.html"]
    kept = ["2024/two/index.html", "tag/billing/index.html"]
    assert all((output / name).exists() for name in gone + kept)
    (tmp_path / "content" / "posts" / "three.md").unlink()
    seen, stop = present_when_the_first_page_is_written(output, gone + kept)
    try:
        build_small_site(tmp_path, {}, PARALLEL_WRITE=parallel_write, PARALLEL_WRITE_MIN_PAGES=1)
    finally:
        stop()
    assert seen == {**dict.fromkeys(gone, False), **dict.fromkeys(kept, True)}
    fresh = build_small_site(tmp_path / "fresh", {k: v for k, v in POSTS.items() if k != "posts/three.md"})
    assert output_files(output) == output_files(fresh.output_path)


def test_a_renamed_source_keeps_its_page_while_the_build_runs(tmp_path, monkeypatch):
    build_small_site(tmp_path, POSTS)
    output = tmp_path / "output"
    posts = tmp_path / "content" / "posts"
    (posts / "three.md").rename(posts / "third.md")  # the same slug: the same page
    removed, unlink = [], Path.unlink
    monkeypatch.setattr(
        Path, "unlink", lambda path, *args, **named: removed.append(path) or unlink(path, *args, **named)
    )
    build_small_site(tmp_path, {})
    assert (output / "2024" / "three" / "index.html").exists()
    assert not [path for path in removed if path.name == "index.html"], removed


def test_a_list_page_that_counts_the_whole_list_follows_a_post_gone_from_another_page(tmp_path):
    # Two posts a page: Essays' first page lists p3 and p2, and says "4 stories in Essays".
    posts = {
        f"posts/p{i}.md": post(f"P{i}", f"Body {i}.", slug=f"p{i}", date=f"2024-01-0{i + 1} 10:00", Category="Essays")
        for i in range(4)
    }
    build_small_site(tmp_path, posts, DEFAULT_PAGINATION=2)
    page = tmp_path / "output" / "category" / "essays" / "index.html"
    assert "4 stories in Essays" in page.read_text(encoding="utf-8")
    (tmp_path / "content" / "posts" / "p0.md").unlink()  # on the second page
    build_small_site(tmp_path, {}, DEFAULT_PAGINATION=2)
    assert "3 stories in Essays" in page.read_text(encoding="utf-8")


def test_a_theme_that_shows_more_of_a_list_on_each_page_gets_every_page_again(tmp_path):
    # An author's theme names the category's newest post on every page of its list.
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "category.html").write_text(
        '{% extends "index.html" %}{% block intro %}<p>Newest: {{ articles[0].title }}</p>{% endblock %}',
        encoding="utf-8",
    )
    posts = {
        f"posts/p{i}.md": post(f"P{i}", f"Body {i}.", slug=f"p{i}", date=f"2024-01-0{i + 1} 10:00", Category="Essays")
        for i in range(4)
    }
    settings = {"DEFAULT_PAGINATION": 2, "THEME_TEMPLATES_OVERRIDES": [str(overrides)]}
    build_small_site(tmp_path, posts, **settings)
    second = tmp_path / "output" / "category" / "essays" / "page" / "2" / "index.html"
    assert "Newest: P3" in second.read_text(encoding="utf-8")
    # The newest post, listed on the first page only, is retitled.
    newest = post("Renamed", "Body 3.", slug="p3", date="2024-01-04 10:00", Category="Essays")
    build_small_site(tmp_path, {"posts/p3.md": newest}, **settings)
    assert "Newest: Renamed" in second.read_text(encoding="utf-8")


def test_a_theme_that_shows_the_neighbour_of_a_neighbour_gets_its_page_again(tmp_path):
    # An author's theme names, on each post, the post two before it.
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "article.html").write_text(
        '{% extends "base.html" %}{% block content %}{% set older = article.prev_article %}'
        "<p>Two back: {{ older.prev_article.title if older and older.prev_article }}</p>{% endblock %}",
        encoding="utf-8",
    )
    posts = {
        f"posts/p{i}.md": post(f"P{i}", f"Body {i}.", slug=f"p{i}", date=f"2024-01-0{i + 1} 10:00") for i in range(3)
    }
    settings = {"THEME_TEMPLATES_OVERRIDES": [str(overrides)]}
    build_small_site(tmp_path, posts, **settings)
    newest = tmp_path / "output" / "2024" / "p2" / "index.html"
    assert "Two back: P0" in newest.read_text(encoding="utf-8")
    # The oldest post, a neighbour of the middle one only, is retitled.
    build_small_site(
        tmp_path, {"posts/p0.md": post("Renamed", "Body 0.", slug="p0", date="2024-01-01 10:00")}, **settings
    )
    assert "Two back: Renamed" in newest.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("source", "beyond"),
    [
        ("{{ article.prev_article.title }} {% for r in article.related_posts %}{{ r.url }}{% endfor %}", False),
        ("{% for a in articles_page.object_list %}{{ a.next_article.title }}{% endfor %}", False),
        ("{{ article.prev_article.next_article.title }}", True),
        ("{{ (article.related_posts|first).prev_article.title }}", True),
        ("{% for r in article.related_posts %}{{ r.prev_article.title }}{% endfor %}", True),
        ("{% set a = b %}{{ a.translations }}{% set b = article.next_article %}", True),
        ("{% with older = article.prev_article %}{{ older.prev_article.url }}{% endwith %}", True),
        ("{% macro card(a) %}{{ a.next_article.title }}{% endmacro %}{{ card(article) }}", False),
        ("{% macro card(a) %}{{ a.next_article.title }}{% endmacro %}{{ card(article.prev_article) }}", True),
        ("{% from 'm.html' import card %}{% for r in article.related_posts %}{{ card(a=r) }}{% endfor %}", True),
        ("{% from 'm.html' import cards %}{{ cards(article.related_posts) }}", True),
        ("{% from 'm.html' import links %}{{ links(article.related_posts) }}", False),
        ("{% import 'm.html' as m %}{% call m.card(article.next_article) %}x{% endcall %}", True),
    ],
)
def test_a_template_that_shows_articles_two_steps_away_is_keyed_by_the_whole_site(source, beyond):
    macros = (
        "{% macro card(a) %}{% for t in a.translations %}{{ t.url }}{% endfor %}{% endmacro %}"
        "{% macro cards(items) %}{% for i in items %}{{ card(i) }}{% endfor %}{% endmacro %}"
        "{% macro link(a) %}{{ a.url }}{% endmacro %}"
        "{% macro links(items) %}{% for i in items %}{{ once(link, i) }}{% endfor %}{% endmacro %}"
    )
    environment = Environment(loader=DictLoader({"article.html": source, "m.html": macros}))
    assert (reading.template_names(environment, "article.html") is None) == beyond


def test_pelicans_own_themes_show_articles_one_step_away_at_most():
    # Their translations macros follow a link from the page's own article: one step.
    themes = Path(pelican.__file__).parent / "themes"
    for theme in ("simple", "notmyidea"):
        folder = themes / theme / "templates"
        # Pelican looks for a template the theme lacks in the simple theme.
        environment = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(folder)), FileSystemLoader(str(themes / "simple" / "templates"))])
        )
        assert all(reading.template_names(environment, path.name) is not None for path in folder.glob("*.html"))


def test_our_templates_show_articles_one_step_away_at_most():
    # Else their pages would be keyed by the whole site, and every edit would render them.
    environment = Environment(loader=FileSystemLoader(str(ROOT / "theme" / "templates")))
    environment.filters["facet_slug"] = str  # the casebook's
    templates = [path.name for path in (ROOT / "theme" / "templates").glob("*.html")]
    assert "article.html" in templates
    assert all(reading.template_names(environment, template) is not None for template in templates)


def test_no_page_of_our_paginated_lists_is_keyed_by_the_whole_list():
    # Else a retitle would render every page of each list the post is in.
    environment = Environment(loader=FileSystemLoader(str(ROOT / "theme" / "templates")))
    templates = [f"{name}.html" for name in load_settings()["PAGINATED_TEMPLATES"]]
    assert "tag.html" in templates
    assert {template: reading.lists_shown_whole(environment, template) for template in templates} == {
        template: set() for template in templates
    }


@pytest.mark.parametrize(
    ("source", "whole"),
    [
        ("{{ articles|length }} {{ articles[0].title }}", {"articles"}),
        ("{% for a in dates %}{{ a.title }}{% endfor %}", {"dates"}),
        ("{{ articles|first }}", {"articles"}),
        ("{{ articles|length }} stories", set()),
        ("{% for a in (articles_page.object_list if articles_page else articles) %}{% endfor %}", set()),
        ("{% macro listed(articles) %}{{ articles[0] }}{% endmacro %}{{ listed(articles_page.object_list) }}", set()),
        ("{% macro newest() %}{{ articles[0].title }}{% endmacro %}{{ newest() }}", {"articles"}),
        ("{% from 'macros.html' import newest with context %}{{ newest() }}", {"articles"}),
        ("{% include 'newest.html' %}", {"articles"}),
        ("{% include chosen %}", None),
        ("Page {{ articles_page.number }} of {{ articles_paginator.num_pages }}", set()),
        ("{{ articles_previous_page.url }} {% if articles_page.has_next() %}more{% endif %}", set()),
        ("{{ articles_paginator.object_list[0].title }}", {"articles"}),
        ("{% for a in articles_next_page.object_list %}{{ a.title }}{% endfor %}", {"articles"}),
        ("{{ dates_page.paginator.count }}", {"dates"}),
        (
            "{% macro pager(page) %}{{ page.paginator.object_list[0] }}{% endmacro %}{{ pager(articles_page) }}",
            {"articles"},
        ),
        ("{% set older = articles_next_page %}{{ older.number }}", {"articles"}),
        ("{{ articles_page|attr('paginator') }}", {"articles"}),
        ("{{ (articles_next_page or articles_page).object_list }}", {"articles"}),
        ("{% if articles_page and articles_page.has_next() %}{{ articles_page.start_index() }}{% endif %}", set()),
        ("{% if not articles_previous_page %}first{% endif %}{{ articles_next_page is defined }}", set()),
    ],
)
def test_what_a_template_shows_of_a_paginated_list_beyond_its_page(source, whole):
    macros = "{% macro newest() %}{{ articles[0].title }}{% endmacro %}"
    templates = {"list.html": "{% extends 'base.html' %}", "base.html": source, "macros.html": macros}
    loader = DictLoader({**templates, "newest.html": macros + "{{ newest() }}"})
    assert reading.lists_shown_whole(Environment(loader=loader), "list.html") == whole
