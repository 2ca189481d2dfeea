"""make serve keeps Pelican's content cache in memory between builds: later builds neither
load nor write the file, and still read every source that changed."""

import json
import os
import re
import shutil
import time
from collections import Counter
from datetime import datetime
from unittest import mock

import pytest
from pelican import generators, signals
from pelican.contents import Article, Content
from pelican.readers import Readers
from pelican.settings import DEFAULT_CONFIG
from pelican.urlwrappers import Tag

from helpers import ROOT, build_small_site, parse_html, post, problem_lines, write_content
from servicebook import kept_content, quick_page, site
from servicebook.content_links import kept_static_links
from servicebook.contents import contents_in
from servicebook.kept_content import KeptReaderCaches, same, taking_memos
from servicebook.signals import writer_made

POSTS = {
    "posts/one.md": post("Herons", "Some words.", slug="one", tags="birds"),
    "posts/two.md": post("Kingfishers", "Other words.", slug="two", tags="birds", date="2024-02-03 10:00"),
}


def cache_file(tmp_path):
    (found,) = (tmp_path / "cache").glob("*/ArticlesGenerator-Readers")
    return found


def test_later_builds_use_the_kept_cache_and_read_what_changed(tmp_path):
    kept = KeptReaderCaches()
    with kept.installed():
        build_small_site(tmp_path, POSTS)
        written = cache_file(tmp_path).stat().st_mtime_ns
        articles = kept.caches[str(cache_file(tmp_path))]
        first = dict(articles)
        changed = {"posts/two.md": post("Kingfishers by the weir", "Other words.", slug="two", date="2024-02-03 10:00")}
        # Loading the file again would fail this build.
        with mock.patch("pelican.cache.pickle.load", side_effect=AssertionError("the cache file was loaded again")):
            build_small_site(tmp_path, changed)
    assert cache_file(tmp_path).stat().st_mtime_ns == written
    title = parse_html(tmp_path / "output" / "2024" / "two" / "index.html").find("h1").get_text()
    assert title.replace("\xa0", " ") == "Kingfishers by the weir"
    # The later build's readers filled the same dictionary: the changed post read anew, the
    # other one not.
    one, two = sorted(articles, key=lambda path: path.endswith("two.md"))
    assert articles[one] is first[one] and articles[two] is not first[two]
    assert generators.Readers is Readers


def test_a_first_build_writes_the_cache_file_for_the_next_process(tmp_path):
    with KeptReaderCaches().installed():
        build_small_site(tmp_path, POSTS)
    assert cache_file(tmp_path).stat().st_size > 0


@pytest.mark.parametrize("caching", [False, True])
def test_nothing_is_kept_without_a_content_cache(tmp_path, caching):
    kept = KeptReaderCaches()
    with kept.installed():
        build_small_site(tmp_path, POSTS, CACHE_CONTENT=caching, LOAD_CONTENT_CACHE=caching)
    # One for the articles' readers, one for the pages'.
    assert len(kept.caches) == (2 if caching else 0)


THREE = {
    "posts/one.md": post("Herons", "Some words.", slug="one", date="2024-01-02 10:00"),
    "posts/two.md": post("Kingfishers", "Other words.", slug="two", date="2024-02-03 10:00"),
    "posts/three.md": post("Coots", "Third words.", slug="three", date="2024-03-04 10:00"),
    "posts/four.md": post("Grebes", "Fourth words.", slug="four", date="2024-04-05 10:00"),
}


def page_text(tmp_path, slug=None):
    """The text of a post's page (or of the home page), spaces as typed."""
    page = tmp_path / "output" / ("2024/" + slug if slug else "") / "index.html"
    return parse_html(page).get_text(" ").replace("\xa0", " ")


def test_a_later_build_reads_only_the_sources_that_changed(tmp_path):
    with KeptReaderCaches().installed():
        build_small_site(tmp_path, THREE)
        changed = {"posts/two.md": post("Kingfishers by the weir", "Other words.", slug="two", date="2024-02-03 10:00")}
        with mock.patch.object(Readers, "read_file", autospec=True, side_effect=Readers.read_file) as read_file:
            build_small_site(tmp_path, changed)
    assert [call.kwargs.get("path", call.args[2]) for call in read_file.call_args_list] == ["posts/two.md"]
    # The posts not read again are on their pages and lists as before.
    assert "Herons" in page_text(tmp_path, "one") and "Grebes" in page_text(tmp_path, "four")
    index = page_text(tmp_path)
    assert all(title in index for title in ("Herons", "Kingfishers by the weir", "Coots", "Grebes"))


def test_problems_found_while_reading_are_reported_by_every_build(tmp_path):
    files = {**THREE, "posts/one.md": post("Herons", "# A second title\n\nSome words.", slug="one")}
    with KeptReaderCaches().installed():
        first = build_small_site(tmp_path, files)
        second = build_small_site(tmp_path, {"posts/two.md": post("Kingfishers", "New words.", slug="two")})
    found = [problem_lines(result) for result in (first, second)]
    assert any("one.md" in line and "level-1 heading" in line for line in found[0])
    assert found[1] == found[0]


def memos_when_written(tmp_path, files):
    """Build `files`; {slug: whether the article had its render-cache key when the writer was
    made} (taken over from the last build, since nothing computed it yet)."""
    seen, site_context = {}, []

    def keep_context(generators):
        site_context[:] = [generators[0].context]

    def look(writer):
        for article in contents_in(site_context[0]):
            seen[article.slug] = "_summary_key" in article.__dict__

    signals.all_generators_finalized.connect(keep_context)
    writer_made.connect(look)
    try:
        build_small_site(tmp_path, files)
    finally:
        writer_made.disconnect(look)
        signals.all_generators_finalized.disconnect(keep_context)
    return seen


def test_unchanged_contents_keep_their_memos_and_the_neighbours_of_a_changed_one_do_not(tmp_path):
    retitled = post("Kingfishers by the weir", "Other words.", slug="two", date="2024-02-03 10:00")
    with KeptReaderCaches().installed():
        build_small_site(tmp_path, THREE)
        build_small_site(tmp_path, {})
        memos = memos_when_written(tmp_path, {"posts/two.md": retitled})
    # "three" shows "two" as its neighbour: what it kept named the old title.
    assert memos == {"one": False, "two": False, "three": False, "four": True}
    assert "Kingfishers by the weir" in page_text(tmp_path, "three")
    assert "Kingfishers by the weir" in page_text(tmp_path, "one")


def test_a_content_that_links_to_a_new_file_is_made_again(tmp_path):
    files = {
        **THREE,
        "posts/four.md": post("Grebes", "See [the stilts]({filename}stilts.md).", slug="four", date="2024-04-05 10:00"),
    }
    with KeptReaderCaches().installed():
        build_small_site(tmp_path, files)
        build_small_site(tmp_path, {})
        # Older than every post: the neighbour of "one" only.
        build_small_site(tmp_path, {"posts/stilts.md": post("Stilts", "New.", slug="stilts", date="2020-01-01")})
    link = parse_html(tmp_path / "output" / "2024" / "four" / "index.html").find("a", string="the stilts")
    assert link["href"].endswith("/2020/stilts/")


def test_a_content_that_links_to_a_moved_post_is_made_again(tmp_path, monkeypatch):
    files = {
        **THREE,
        "posts/stilts.md": post("Stilts", "Old.", slug="stilts", date="2020-01-01"),
        "posts/five.md": post("Coots", "See [the stilts]({filename}stilts.md).", slug="five", date="2024-05-06"),
    }
    looked_at = []
    addresses = kept_content._addresses
    monkeypatch.setattr(kept_content, "_addresses", lambda *args: looked_at.append(args[1:]) or addresses(*args))
    with KeptReaderCaches().installed():
        build_small_site(tmp_path, files)
        build_small_site(tmp_path, {})
        looked_at.clear()
        build_small_site(tmp_path, {"posts/stilts.md": post("Stilts", "Old.", slug="stilts-moved", date="2020-01-01")})
    # The last build's posts are where that build put them; its files are looked at again.
    assert looked_at == [(), (("static_content",),)]
    link = parse_html(tmp_path / "output" / "2024" / "five" / "index.html").find("a", string="the stilts")
    assert link["href"].endswith("/2020/stilts-moved/")


def test_a_changed_list_entry_template_is_used_for_every_entry(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    with KeptReaderCaches().installed():
        build_small_site(tmp_path, THREE, THEME=theme)
        build_small_site(tmp_path, {}, THEME=theme)
        macros = theme / "templates" / "_macros.html"
        macros.write_text(macros.read_text().replace('class="post-summary"', 'class="post-summary entry"'))
        build_small_site(tmp_path, {}, THEME=theme)
    index = parse_html(tmp_path / "output" / "index.html")
    assert len(index.select("article.post-summary.entry")) == 4


def test_changed_settings_read_every_source_again(tmp_path):
    with KeptReaderCaches().installed():
        build_small_site(tmp_path, THREE)
        with mock.patch.object(Readers, "read_file", autospec=True, side_effect=Readers.read_file) as read_file:
            build_small_site(tmp_path, {}, DEFAULT_DATE_FORMAT="%Y-%m-%d")
    assert read_file.call_count == 4
    assert "2024-02-03" in page_text(tmp_path, "two")


def article(title, text="<p>Text.</p>"):
    settings = site.load_settings()
    metadata = {"title": title, "date": datetime(2024, 1, 2)}
    source_path = f"{settings['PATH']}/posts/{title}.md"
    return Article(text, metadata=metadata, settings=settings, source_path=source_path, context={})


def made_again(old):
    """A content made from `old`'s read in the next build: its state, other objects."""
    new = object.__new__(type(old))
    new.__dict__ = {name: value for name, value in vars(old).items() if not name.startswith("_summary_key")}
    new.metadata = dict(old.metadata)
    return new


def test_a_content_takes_memos_only_when_what_it_shows_is_as_it_was():
    heron, egret = article("Heron"), article("Egret")
    egret.next_article = heron
    reused = [(made_again(heron), heron), (made_again(egret), egret)]
    reused[1][0].next_article = reused[0][0]
    assert taking_memos(reused, moved=set()) == reused
    # A neighbour whose header is not what it was: what the page showed of it is not either
    # (its own page is made again: its state differs too).
    reused[0][0].metadata["title"] = "Grey heron"
    assert taking_memos(reused, moved=set()) == []


def test_a_content_takes_no_memos_when_it_lacks_an_attribute_or_lists_a_last_builds_content():
    heron, egret = article("Heron"), article("Egret")
    heron.related_posts, heron.reading_time, heron._memo = [egret], 3, "kept"
    new_heron, new_egret = made_again(heron), made_again(egret)
    new_heron.related_posts = [new_egret]
    reused = [(new_heron, heron), (new_egret, egret)]
    assert taking_memos(reused, moved=set()) == reused
    # An attribute the last build's content had, not a memo, that this one has not.
    del new_heron.reading_time
    assert taking_memos(reused, moved=set()) == [(new_egret, egret)]
    new_heron.reading_time = 3
    # This build's list holding the last build's content itself: that content is not this build's.
    new_heron.related_posts = [egret]
    assert taking_memos(reused, moved=set()) == [(new_egret, egret)]
    new_heron.related_posts = [new_egret]
    assert taking_memos(reused, moved=set()) == reused
    # Or, as an attribute, the last build's content itself (the same object in both builds').
    heron.next_article = new_heron.next_article = egret
    assert taking_memos(reused, moved=set()) == [(new_egret, egret)]


def test_a_content_with_links_takes_no_memos_once_a_linked_file_moved():
    linking = article("Linking", '<p><a href="{filename}../cases/other%20one.md">other</a> <a href="{tag}x">x</a></p>')
    reused = [(made_again(linking), linking)]
    assert taking_memos(reused, moved={"posts/Heron.md", "posts/other one.md"}) == reused
    # Found as Pelican looks a link up: relative to the content, its %-escapes undone.
    assert taking_memos(reused, moved={"cases/other one.md"}) == []


def test_a_content_that_attaches_a_file_never_takes_memos():
    # Pelican moves the file beside the content while it renders the text.
    attaching = article("Attaching", '<p><a href="{attach}files/doc.pdf">doc</a></p>')
    reused = [(made_again(attaching), attaching)]
    assert taking_memos(reused, moved=set()) == []


def test_a_texts_static_links_are_found_once_for_what_they_are_made_of():
    found = []

    def get_static_links(content):
        found.append(content.source_path)
        return Content.get_static_links(content)

    static_links = kept_static_links(get_static_links)
    text = '<p><a href="{static}../images/a%20map.png">map</a> <a href="{attach}/files/doc.pdf">doc</a></p>'
    first, again = article("Linking", text), made_again(article("Linking", text))
    assert static_links(first) == {"images/a map.png", "files/doc.pdf"} == Content.get_static_links(first)
    links = static_links(again)
    links.add("not a link")  # the caller's own set
    assert static_links(again) == {"images/a map.png", "files/doc.pdf"} and len(found) == 1
    # Another text, or the same text in another source (its links are relative to it), is looked at.
    other_text = article("Linking", text.replace("doc.pdf", "doc2.pdf"))
    assert static_links(other_text) == {"images/a map.png", "files/doc2.pdf"}
    assert static_links(article("Other", text)) == {"images/a map.png", "files/doc.pdf"} and len(found) == 3


def test_the_static_links_and_the_generators_cache_lookup_change_only_while_installed():
    pelicans = Content.get_static_links, generators.CachingGenerator.get_cached_data
    with KeptReaderCaches().installed():
        assert Content.get_static_links is not pelicans[0]
        assert generators.CachingGenerator.get_cached_data is not pelicans[1]
    assert (Content.get_static_links, generators.CachingGenerator.get_cached_data) == pelicans


def generator_stamps(build):
    """The sources whose stamp Pelican's generators (not their readers) took in `build()`."""
    stamp = generators.CachingGenerator._get_file_stamp
    with mock.patch.object(generators.CachingGenerator, "_get_file_stamp", autospec=True, side_effect=stamp) as spy:
        build()
    return sorted({call.args[1] for call in spy.call_args_list})


def test_the_generators_cache_stats_no_source_while_it_is_off(tmp_path):
    with KeptReaderCaches().installed():
        build_small_site(tmp_path, THREE)
        assert generator_stamps(lambda: build_small_site(tmp_path, THREE)) == []
    assert "Herons" in page_text(tmp_path, "one")
    # On, it keeps each source with its stamp and finds it by that stamp.
    with KeptReaderCaches().installed():
        build_small_site(tmp_path / "on", THREE, CONTENT_CACHING_LAYER="generator")
        stamped = generator_stamps(lambda: build_small_site(tmp_path / "on", {}, CONTENT_CACHING_LAYER="generator"))
    assert stamped == sorted(f"posts/{name}.md" for name in ("four", "one", "three", "two"))


def test_an_attached_file_stays_where_its_content_put_it(tmp_path):
    files = {
        **THREE,
        "posts/four.md": post("Grebes", "See [the map]({attach}files/map.pdf).", slug="four", date="2024-04-05 10:00"),
        "posts/files/map.pdf": "%PDF-1.4",
    }
    with KeptReaderCaches().installed():
        for changed in (files, {}, {"posts/one.md": post("Herons", "New words.", slug="one", date="2024-01-02 10:00")}):
            result = build_small_site(tmp_path, changed)
            found = [
                path.relative_to(tmp_path / "output").as_posix() for path in (tmp_path / "output").rglob("map.pdf")
            ]
            assert found == ["2024/four/files/map.pdf"]
            assert not problem_lines(result)


def test_what_counts_as_the_same():
    old, new = article("Heron"), article("Heron")
    assert same([new], [old], {id(new): old}) and not same([new], [old], {})
    settings = dict(DEFAULT_CONFIG)
    # One slug, another name: tag pages and lists show the name.
    assert not same(Tag("Customer Service", settings), Tag("customer service", settings), {})
    assert same({"tags": [Tag("birds", settings)]}, {"tags": [Tag("birds", settings)]}, {})
    assert same(lambda: 1, lambda: 1, {}) and not same(lambda: 1, lambda: 2, {}) and not same(len, abs, {})
    assert not same([1, 2], [1], {}) and not same((1,), [1], {})


def test_contents_not_read_again_stay_known_free_of_comment_boilerplate(tmp_path):
    def known_clean():
        (record,) = (tmp_path / "cache").glob("*/comment-free.json")
        return set(json.loads(record.read_text()))

    with KeptReaderCaches().installed():
        build_small_site(tmp_path, THREE)
        first = known_clean()
        build_small_site(tmp_path, {"posts/two.md": post("Kingfishers", "New words.", slug="two")})
    # Three posts not read again, one read: the next process does not look at the three again.
    assert len(first) == 4 and len(known_clean() & first) == 3 and len(known_clean()) == 4


def article_pages_keyed(tmp_path, files):
    """Build `files`; the article pages whose render-cache key was worked out (not kept on the
    article from the last build)."""
    from render_cache import render_cache

    with mock.patch.object(render_cache, "page_key", wraps=render_cache.page_key) as keyed:
        build_small_site(tmp_path, files)
    keyed_pages = [call.args[1] for call in keyed.call_args_list]
    return sorted(page for page in keyed_pages if re.fullmatch(r"2024/[a-z]+/index.html", page))


def test_an_unchanged_articles_page_is_not_keyed_again_and_a_changed_neighbours_is(tmp_path):
    retitled = post("Kingfishers by the weir", "Other words.", slug="two", date="2024-02-03 10:00")
    with KeptReaderCaches().installed():
        assert len(article_pages_keyed(tmp_path, THREE)) == 4
        assert article_pages_keyed(tmp_path, {}) == []
        # "one" and "three" show "two" as their neighbour.
        assert article_pages_keyed(tmp_path, {"posts/two.md": retitled}) == [
            "2024/one/index.html",
            "2024/three/index.html",
            "2024/two/index.html",
        ]
    assert "Kingfishers by the weir" in page_text(tmp_path, "three")


def test_a_rebuild_looks_at_each_source_once(tmp_path):
    """The content checks, the reader cache, the kept reads and the quick pages' record each
    ask for every source's stamp: a build looks at each source once (servicebook.hashing.
    stats_held); a changed source again after it is read, as the build may have read a later save."""
    files = {**THREE, "pages/about.md": "Title: About\n\nWho we are.\n"}
    served = quick_page.ServedSite()
    write_content(tmp_path / "content", files)
    time.sleep(0.01)  # saved before the build began
    with KeptReaderCaches().installed(), served.following():
        served.build_begins()
        build_small_site(tmp_path, {}, **site.SERVE_SETTINGS)
        changed = {"posts/two.md": post("Kingfishers again", "Other words.", slug="two", date="2024-02-03 10:00")}
        write_content(tmp_path / "content", changed)
        time.sleep(0.01)
        served.build_begins()
        with mock.patch("os.stat", wraps=os.stat) as looked:
            build_small_site(tmp_path, {}, **site.SERVE_SETTINGS)
    assert "Kingfishers again" in page_text(tmp_path, "two")
    looks = Counter(os.path.abspath(call.args[0]) for call in looked.call_args_list)
    sources = {str(tmp_path / "content" / name): 1 for name in files}
    sources[str(tmp_path / "content/posts/two.md")] = 3  # and once more by the read, once by the record
    assert {path: looks[path] for path in sources} == sources
