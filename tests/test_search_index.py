"""The Pagefind search index (plugins/search_index) and the /search/ page's markup.

Index-level tests read what Pagefind wrote into output/pagefind/: pagefind-entry.json, the
page fragments and the filter files. Both are gzip files starting with the 12-byte
"pagefind_dcd" header; fragments are JSON, filter files CBOR (decoded below).
"""

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from pelican import signals

import pelicanconf
from helpers import (
    CONTENT,
    SETTINGS,
    build_small_site,
    content_articles,
    filter_index,
    fragments,
    is_draft,
    parse_html,
    post,
    read_header,
)
from search_index import search_index
from search_index.search_index import SiteIndexer
from servicebook import pagefind as si
from servicebook import pagefind_bundle, search_shards, site
from servicebook.background import BACKGROUND
from servicebook.bench import measure
from servicebook.cache_folders import use_cache_folders
from servicebook.hashing import file_stamp
from servicebook.writing import QUICK_WRITES
from tag_normalise.tag_normalise import alias_keys, canonical_names

PUBLISHED = [(path, header) for path, header in content_articles() if not is_draft(header)]
DRAFTS = [(path, header) for path, header in content_articles() if is_draft(header)]
PAGES = [(path, read_header(path)) for path in sorted((CONTENT / "pages").glob("*.md"))]


def article_url(header):
    return f"/{header['date'][:4]}/{header['slug']}/"


ALL_TAGS = [t.strip() for _, h in PUBLISHED for t in h.get("tags", "").split(",") if t.strip()]


def expected_tag_counts():
    uses = [[t.strip() for t in h.get("tags", "").split(",") if t.strip()] for _, h in PUBLISHED]
    names = canonical_names(ALL_TAGS, alias_keys(pelicanconf.TAG_ALIASES))
    return Counter(name for tags in uses for name in {names[t] for t in tags})


@pytest.fixture(scope="module")
def bundle(built_site):
    path = built_site.output_path / "pagefind"
    assert path.is_dir(), "the build wrote no output/pagefind/"
    return path


# ---- The index of the sample site ----


def test_entry_counts_every_published_article_and_page(bundle):
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert si.indexed_page_count(entry) == len(PUBLISHED) + len(PAGES)
    assert list(entry["languages"]) == ["en"]
    for name in ("pagefind.js", "pagefind-component-ui.js", "pagefind-component-ui.css", "wasm.en.pagefind"):
        assert (bundle / name).is_file(), name


def test_one_fragment_per_published_article_and_page_and_none_for_drafts(bundle):
    urls = Counter(fragment["url"] for fragment in fragments(bundle))
    expected = {article_url(h) for _, h in PUBLISHED} | {f"/{h['slug']}/" for _, h in PAGES}
    assert set(urls) == expected
    assert max(urls.values()) == 1
    for _, header in DRAFTS:
        assert article_url(header) not in urls and not any(url.startswith("/drafts/") for url in urls)


def test_fragments_carry_title_date_and_author(bundle):
    by_url = {fragment["url"]: fragment for fragment in fragments(bundle)}
    for path, header in PUBLISHED:
        meta = by_url[article_url(header)]["meta"]
        # Typogrify curls quotes and adds a no-break space, so compare letters only.
        assert re.sub(r"\W", "", meta["title"]) == re.sub(r"\W", "", header["title"].replace("--", "")), path
        assert meta["date"] == header["date"][:10], path
        assert meta["author"] == header.get("author", pelicanconf.AUTHOR), path
        tags = [t.strip() for t in header.get("tags", "").split(",") if t.strip()]
        if tags:
            names = canonical_names(ALL_TAGS, alias_keys(pelicanconf.TAG_ALIASES))
            assert set(meta["tags"].split(", ")) == {names[t] for t in tags}, path


def test_only_the_body_is_indexed(bundle):
    """Navigation, footer, related stories and the byline stay out of the searchable text."""
    for fragment in fragments(bundle):
        content = fragment["content"]
        assert "Subscribe:" not in content and "Related stories" not in content, fragment["url"]
        assert not re.search(r"\d+ min read", content), fragment["url"]


def test_tag_and_category_filters_match_the_sources(bundle):
    filters = filter_index(bundle)
    assert filters["tag"] == dict(expected_tag_counts())
    categories = Counter(header.get("category", pelicanconf.DEFAULT_CATEGORY) for _, header in PUBLISHED)
    assert filters["category"] == dict(categories)


def test_every_filter_in_the_pages_is_in_the_index(built_site, bundle):
    """Whatever data-pagefind-filter the templates add (case facets too) ends up searchable."""
    filters = filter_index(bundle)
    expected = {}
    for _, header in PUBLISHED:
        soup = parse_html(built_site.output_path / article_url(header).strip("/") / "index.html")
        for element in soup.select("[data-pagefind-body] [data-pagefind-filter]"):
            name = element["data-pagefind-filter"].split(":", 1)[0]
            expected.setdefault(name, set()).add(element.get_text(strip=True))
    assert expected, "no data-pagefind-filter in any article page"
    for name, values in expected.items():
        assert name in filters, name
        assert values <= set(filters[name]), name


# ---- The /search/ page and the pages without search ----


# The dev build's problem panel (PROBLEMS_PANEL): the only script on most dev pages, none published.
PROBLEM_PANEL = "/theme/js/problems.js"


def test_search_page_markup(built_site):
    page = built_site.output_path / "search" / "index.html"
    soup = parse_html(page)
    assert len(soup.find_all("h1")) == 1
    assert len(soup.select("#site-search")) == 1
    label = soup.select_one('label[for="site-search"]')
    assert label and "visually-hidden" not in label.get("class", [])
    assert soup.select_one("form[role=search] input#site-search[name=q]")
    hrefs = [a["href"] for a in soup.find("noscript").find_all("a")]
    assert "/tags/" in hrefs and "/archives/" in hrefs
    scripts = [script["src"] for script in soup.find_all("script")]
    assert scripts == [PROBLEM_PANEL, "/pagefind/pagefind-component-ui.js", "/theme/js/search.js"]
    for src in scripts + [link["href"] for link in soup.find_all("link", rel="stylesheet")]:
        assert (built_site.output_path / src.lstrip("/")).is_file(), src
    for name in ("pagefind-results", "pagefind-filter-pane", "pagefind-summary"):
        assert soup.find(name), name
    assert not soup.select("[data-pagefind-body]"), "the search page must not index itself"


@pytest.mark.parametrize("relative", ["search/index.html", "index.html"])
def test_no_inline_script_style_or_handlers(built_site, relative):
    """Pages will get a Content-Security-Policy without 'unsafe-inline'."""
    soup = parse_html(built_site.output_path / relative)
    for script in soup.find_all("script"):
        assert script.get("src") and not script.get_text(strip=True), script
    assert not soup.find_all("style")
    for element in soup.find_all(True):
        assert "style" not in element.attrs, element.name
        assert not [a for a in element.attrs if a.lower().startswith("on")], element.name


def test_article_pages_load_no_search_code(built_site, published_site):
    for _, header in PUBLISHED:
        for built, scripts in ((built_site, [PROBLEM_PANEL]), (published_site, [])):
            page = built.output_path / article_url(header).strip("/") / "index.html"
            soup = parse_html(page)
            assert [script["src"] for script in soup.find_all("script")] == scripts, page
            assert "pagefind" not in " ".join(link.get("href", "") for link in soup.find_all("link")), page


def test_every_page_has_a_search_form(built_site):
    """The header box everywhere; the search page has its own form in the page instead."""
    from helpers import html_pages

    for page in html_pages(built_site.output_path):
        soup = parse_html(built_site.output_path / page)
        in_page = page.relative_to(built_site.output_path).parts[0] == "search"
        box = soup.select_one(("main" if in_page else "body > header") + " form[role=search][method=get]")
        assert box and box["action"] == "/search/" and box.select_one("input[name=q]"), page
        label = soup.select_one(f'label[for="{box.select_one("input[name=q]")["id"]}"]')
        assert label and label.get_text(strip=True), page


# ---- The plugin's helpers ----


@pytest.mark.parametrize(
    "html, found",
    [
        ('<article class="post" data-pagefind-body>', True),
        ("<main data-pagefind-body=''>", True),
        ('<div\n  id="x"\n  data-pagefind-body\n>', True),
        ("<p>Add &lt;main data-pagefind-body&gt; to the template.</p>", False),
        ('<p data-pagefind-body-extra="1">', False),
        ("<p>data-pagefind-body</p>", False),
        ("<p>About data-pagefind-body</p><main data-pagefind-body>", True),
        ("data-pagefind-body <main data-pagefind-body>", True),
        ("<p>x</p> data-pagefind-body <main>", False),
        # In an attribute's value (a tag named so, in a feed link's title), it is no attribute.
        ('<link title="Site: data-pagefind-body (Atom)" href="/x.xml">', False),
        ("<a title='see data-pagefind-body here'>", False),
        ('<meta content="x data-pagefind-body=1"><main>', False),
        ('<div title="a > b" data-pagefind-body>', True),
        ("<div class=x data-pagefind-body>", True),
        ('<link title="Site: data-pagefind-body (Atom)"><main id="m" data-pagefind-body>', True),
    ],
)
def test_has_search_body(html, found):
    assert si.has_search_body(html) is found


def test_has_search_body_answers_as_the_pattern_over_the_whole_page():
    """It tries the pattern from the tag before the attribute's first mention only."""
    from servicebook.pagefind import _BODY_TAG

    rng = random.Random(17)
    pieces = ["<", ">", "a", "p", " ", "\n", "=", "/", "data-pagefind-body", "&lt;", "x"]
    for _ in range(20000):
        html = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert si.has_search_body(html) is bool(_BODY_TAG.search(html)), html


def test_save_as_pattern():
    assert si.save_as_pattern("drafts/{slug}/index.html") == "drafts/*/index.html"
    assert si.save_as_pattern("drafts/pages/{slug}.html") == "drafts/pages/*.html"
    assert si.save_as_pattern("{date:%Y}/{slug}-draft.html") == "*/*-draft.html"
    assert si.save_as_pattern("") == si.save_as_pattern(None) == ""


def test_exclude_patterns_default_to_draft_locations():
    settings = {
        "DRAFT_SAVE_AS": "drafts/{slug}/index.html",
        "DRAFT_PAGE_SAVE_AS": "drafts/pages/{slug}.html",
        "DRAFT_LANG_SAVE_AS": "",
        "SEARCH_INDEX_EXCLUDE": None,
    }
    assert si.exclude_patterns(settings) == ["drafts/*/index.html", "drafts/pages/*.html"]
    assert si.exclude_patterns({**settings, "SEARCH_INDEX_EXCLUDE": "private/*"}) == ["private/*"]
    assert si.exclude_patterns({**settings, "SEARCH_INDEX_EXCLUDE": []}) == []
    assert si.is_excluded("drafts/new/index.html", ["drafts/*/index.html"])
    assert not si.is_excluded("2024/drafts-of-a-letter/index.html", ["drafts/*/index.html"])


def test_real_settings_exclude_drafts_but_not_published_pages():
    dev = si.exclude_patterns(site.load_settings())
    published = si.exclude_patterns(site.load_settings(site.PUBLISHCONF))
    assert si.is_excluded("drafts/the-queue-is-a-choice/index.html", dev)
    for _, header in PUBLISHED:
        assert not si.is_excluded(article_url(header).strip("/") + "/index.html", dev + published)


def test_pages_to_index(tmp_path):
    body = '<html lang="en"><body><article data-pagefind-body><h1>T</h1></article></body></html>'
    files = {
        "2024/a/index.html": body,
        "about/index.html": body,
        "tags/index.html": "<html><body><h1>Tags</h1></body></html>",
        "drafts/b/index.html": body,
        "pagefind/playground/index.html": body,
        "feeds/all.atom.xml": body,
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    assert measure.pages_to_index(tmp_path, ["drafts/*/index.html"]) == ["2024/a/index.html", "about/index.html"]


def test_which_output_pages_are_indexed_is_worked_out_once_per_page_and_process(tmp_path, monkeypatch):
    settings = site.load_settings(OUTPUT_PATH=tmp_path / "output", SEARCH_INDEX_IN_BACKGROUND=True)
    output = tmp_path / "output"
    pages = ["2024/one/index.html", "pages/about.html", "drafts/two/index.html", "pagefind/x/index.html"]
    search_index.indexed_path.cache_clear()
    looked_at = []
    monkeypatch.setattr(
        search_index, "is_excluded", lambda path, patterns: looked_at.append(path) or si.is_excluded(path, patterns)
    )
    for _ in range(2):  # two builds of make serve
        indexer = SiteIndexer(settings, output)
        for page in pages:
            indexer.page_written(output / page)
        assert [relative for _, relative in indexer.later] == ["2024/one/index.html", "pages/about.html"]
        assert indexer.indexed_pages([SimpleNamespace(save_as=page) for page in [*pages, ""]]) == [
            "2024/one/index.html",
            "pages/about.html",
        ]
    assert looked_at == ["2024/one/index.html", "pages/about.html", "drafts/two/index.html"]


def test_page_urls_and_messages():
    assert si.page_url("2024/slug/index.html") == "/2024/slug/"
    assert si.page_url("index.html") == "/"
    assert si.page_url("pages/about.html") == "/pages/about.html"
    message = si.failure_message("Pagefind failed with exit code 1", "line\n" * 40 + "Error: boom\n")
    assert message.startswith("Search index: Pagefind failed with exit code 1.")
    assert message.rstrip().endswith("Error: boom") and message.count("line") <= 25
    assert si.indexed_page_count({"languages": {"en": {"page_count": 3}, "de": {"page_count": 2}}}) == 5
    assert si.indexed_page_count({}) == 0


def test_an_unknown_folder_in_the_bundle_place_is_not_deleted(tmp_path):
    (tmp_path / "pagefind").mkdir()
    (tmp_path / "pagefind" / "notes.txt").write_text("mine")
    with pytest.raises(si.SearchIndexError, match="is not a Pagefind index"):
        pagefind_bundle.remove_old_bundle(tmp_path / "pagefind")
    assert (tmp_path / "pagefind" / "notes.txt").exists()
    with pytest.raises(si.SearchIndexError, match="is not a Pagefind index"):
        pagefind_bundle.remove_old_bundle(tmp_path / "pagefind", spared="shard-*")
    assert (tmp_path / "pagefind" / "notes.txt").exists()


@pytest.mark.parametrize("spared", [None, "shard-*"])
def test_an_index_cut_off_while_pagefind_wrote_it_is_replaced_and_nothing_else_is(tmp_path, spared):
    """make serve stopped while its index was written: Pagefind's own files, no entry yet."""
    bundle = tmp_path / "pagefind"
    for name in ("fragment/en_1a2b.pf_fragment", "index/en_3c4d.pf_index", "filter/en_5e.pf_filter"):
        (bundle / name).parent.mkdir(parents=True, exist_ok=True)
        (bundle / name).write_bytes(b"x")
    (bundle / "pagefind.en_53ed59f3ec.pf_meta").write_bytes(b"x")
    (bundle / "wasm.en.pagefind").write_bytes(b"x")
    pagefind_bundle.remove_old_bundle(bundle, spared=spared)
    assert not bundle.exists() or not any(bundle.iterdir())
    # The same with a file of someone else's among them stays, and says why.
    for mine in ("notes.txt", "fragment/notes.txt"):
        (bundle / "fragment").mkdir(parents=True, exist_ok=True)
        (bundle / "fragment" / "en_1a2b.pf_fragment").write_bytes(b"x")
        (bundle / mine).write_text("mine")
        with pytest.raises(si.SearchIndexError, match="is not a Pagefind index"):
            pagefind_bundle.remove_old_bundle(bundle, spared=spared)
        assert (bundle / mine).read_text() == "mine"
        (bundle / mine).unlink()


def test_the_first_shard_writes_into_a_folder_that_holds_only_the_other_shards_written_before_it(tmp_path):
    """The shards are written side by side: the others' folders, inside the first's, may come first."""
    (tmp_path / "pagefind" / "shard-1" / "fragment").mkdir(parents=True)
    (tmp_path / "pagefind" / "shard-1" / "pagefind-entry.json").write_text("{}")
    pagefind_bundle.remove_old_bundle(tmp_path / "pagefind", spared="shard-*")
    assert (tmp_path / "pagefind" / "shard-1" / "pagefind-entry.json").exists()
    with pytest.raises(si.SearchIndexError, match="is not a Pagefind index"):
        pagefind_bundle.remove_old_bundle(tmp_path / "pagefind")


# ---- Building small sites ----

POSTS = {
    "posts/one.md": post("First post", "A pelican called Ferdinand ate the invoice.", slug="one", tags="birds"),
    "posts/two.md": post("Second post", "Nothing about birds here.", slug="two", date="2024-02-03 10:00"),
}


def test_indexing_can_be_switched_off(tmp_path):
    result = build_small_site(tmp_path, POSTS, SEARCH_INDEX=False)
    assert (result.output_path / "search" / "index.html").exists()
    assert not (result.output_path / "pagefind").exists()


def test_a_rebuild_replaces_the_index(tmp_path):
    first = build_small_site(tmp_path, POSTS)
    bundle = first.output_path / "pagefind"
    assert {fragment["url"] for fragment in fragments(bundle)} == {"/2024/one/", "/2024/two/"}
    edited = {
        "posts/two.md": post("Second post", "Now about a heron.", slug="two", date="2024-02-03 10:00", tags="birds")
    }
    build_small_site(tmp_path, edited)
    contents = {fragment["url"]: fragment["content"] for fragment in fragments(bundle)}
    assert len(list((bundle / "fragment").iterdir())) == 2, "a stale fragment survived the rebuild"
    assert "heron" in contents["/2024/two/"] and "Nothing about" not in contents["/2024/two/"]
    assert filter_index(bundle)["tag"] == {"birds": 2}


def test_pagefind_writes_its_bundle_once_every_article_and_page_is_written_not_after_the_lists(tmp_path, monkeypatch):
    written, ahead = [], []
    write_ahead = si.LiveIndex.write_ahead

    def recording(index):
        ahead.append(len(written))
        return write_ahead(index)

    def note(path, context=None):
        written.append(Path(path).relative_to(tmp_path / "output").as_posix())

    monkeypatch.setattr(si.LiveIndex, "write_ahead", recording)
    signals.content_written.connect(note)
    try:
        result = build_small_site(tmp_path, {**POSTS, "pages/about.md": "Title: About\n\nWho writes here.\n"})
    finally:
        signals.content_written.disconnect(note)
    # Asked once, as the last of them was written (this receiver hears of it after the index).
    assert len(ahead) == 1
    assert {"2024/one/index.html", "2024/two/index.html", "about/index.html"} <= set(written[: ahead[0] + 1])
    assert {"index.html", "tag/birds/index.html"} <= set(written[ahead[0] + 1 :])
    bundle = result.output_path / "pagefind"
    assert {fragment["url"] for fragment in fragments(bundle)} == {"/2024/one/", "/2024/two/", "/about/"}


def test_a_list_page_with_a_search_body_is_in_the_index_written_ahead_of_it(tmp_path):
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    tag = (site.ROOT / "theme" / "templates" / "tag.html").read_text(encoding="utf-8")
    (overrides / "tag.html").write_text(
        tag.replace('<p class="lede">', '<p class="lede" data-pagefind-body>', 1), encoding="utf-8"
    )
    result = build_small_site(tmp_path / "site", POSTS, THEME_TEMPLATES_OVERRIDES=[str(overrides)])
    bundle = result.output_path / "pagefind"
    urls = [fragment["url"] for fragment in fragments(bundle)]
    # Written again with the tag's page; nothing of the first bundle is left beside it.
    assert sorted(urls) == ["/2024/one/", "/2024/two/", "/tag/birds/"]
    assert len(list((bundle / "fragment").iterdir())) == 3


def test_pages_added_after_a_bundle_written_ahead_are_in_the_bundle_written_last(tmp_path):
    index = si.LiveIndex(tmp_path / "bundle")
    page = '<html lang="en"><body><main data-pagefind-body><h1>{0}</h1><p>About {0}.</p></main></body></html>'
    index.add(page.format("herons"), "/herons/")
    index.write_ahead()
    index.add(page.format("gulls"), "/gulls/")
    entry = index.write()
    assert si.indexed_page_count(entry) == 2
    assert sorted(fragment["url"] for fragment in fragments(tmp_path / "bundle")) == ["/gulls/", "/herons/"]


# ---- An index in shards ----


def test_shards_follow_from_the_page_count_and_each_pages_url():
    urls = [f"/2024/post-{number}/" for number in range(5001)]
    assert [search_shards.shard_count(urls[:pages], 500) for pages in (0, 1, 500, 501, 5001)] == [1, 1, 1, 2, 11]
    assert search_shards.shard_count(urls, 0) == 1
    # Fewer shards rather than one that no page falls to.
    assert [search_shards.shard_of(url, 3) for url in ("/2024/one/", "/2024/two/", "/2024/three/")] == [1, 2, 1]
    assert search_shards.shard_count(["/2024/one/", "/2024/two/", "/2024/three/"], 1) == 2
    assert search_shards.shard_folders(3) == ["", "shard-1", "shard-2"]
    # The same in every process and build (not Python's salted hash): a page stays in its shard.
    assert search_shards.shard_of("/2024/one/", 4) == 3 and search_shards.shard_of("/2024/two/", 4) == 0
    spread = Counter(search_shards.shard_of(f"/2024/post-{number}/", 8) for number in range(4000))
    assert sorted(spread) == list(range(8)) and max(spread.values()) < 1.2 * min(spread.values())


def test_what_pagefind_reads_of_a_page_leaves_out_what_changes_no_index():
    page = (
        '<html lang="en"><head><title>{title}</title></head><body><nav><a href="/{newer}/">Newer</a></nav>'
        "<article data-pagefind-body><h1>Herons</h1><p>{body}</p></article>"
        '<span data-pagefind-filter="tag">{tag}</span><aside>Related: {related}</aside></body></html>'
    )
    words = {"title": "Herons", "newer": "gulls", "body": "About herons.", "tag": "birds", "related": "Gulls"}
    same = search_shards.indexed_part(page.format(**words))
    # A new story before it, or new related stories, change nothing Pagefind reads.
    assert search_shards.indexed_part(page.format(**{**words, "newer": "terns", "related": "Terns"})) == same
    for name, changed in (("title", "Egrets"), ("body", "About egrets."), ("tag", "waders")):
        assert search_shards.indexed_part(page.format(**{**words, name: changed})) != same, name
    assert search_shards.indexed_part(page.format(**words).replace('lang="en"', 'lang="de"')) != same


def shard_urls(bundle):
    """{folder name: URLs of its fragments} for a bundle and the shards in it."""
    return {
        folder.name: sorted(fragment["url"] for fragment in fragments(folder))
        for folder in [bundle, *sorted(bundle.glob("shard-*"))]
    }


NINE_POSTS = {
    f"posts/p{number}.md": post(f"Post {number}", f"Heron {number} ate a refund.", slug=f"p{number}", tags=tag)
    for number, tag in enumerate(["birds", "fish", "birds", "fish", "birds", "owls", "birds", "fish", "birds"])
}


def test_a_large_sites_index_is_in_shards_that_the_search_page_merges(tmp_path):
    result = build_small_site(tmp_path, NINE_POSTS, SEARCH_INDEX_SHARD_PAGES=3)
    bundle = result.output_path / "pagefind"
    shards = shard_urls(bundle)
    assert list(shards) == ["pagefind", "shard-1", "shard-2"]
    # Each page in the one shard its URL names; every page in one.
    for place, urls in enumerate(shards.values()):
        assert urls and all(search_shards.shard_of(url, 3) == place for url in urls), (place, urls)
    assert sorted(url for urls in shards.values() for url in urls) == [f"/2024/p{n}/" for n in range(9)]
    # A merged shard holds what a search reads of it; Pagefind's scripts come from the first.
    for shard in ("shard-1", "shard-2"):
        names = sorted(path.name for path in (bundle / shard).iterdir())
        assert names[:4] == ["filter", "fragment", "index", "pagefind-entry.json"] and len(names) == 5
        assert names[4].endswith(".pf_meta")
    assert (bundle / "pagefind-component-ui.js").is_file() and (bundle / "wasm.en.pagefind").is_file()
    search = parse_html(result.output_path / "search" / "index.html").select_one("[data-search-ui]")
    assert search["data-search-shards"] == "/pagefind/shard-1/ /pagefind/shard-2/"
    # Filter counts added up over the shards are the site's, as the search page shows them.
    counts = Counter()
    for folder in [bundle, bundle / "shard-1", bundle / "shard-2"]:
        counts.update(filter_index(folder)["tag"])
    assert counts == {"birds": 5, "fish": 3, "owls": 1}

    # In one bundle again: no shard is left behind.
    result = build_small_site(tmp_path, NINE_POSTS, SEARCH_INDEX_SHARD_PAGES=0)
    assert shard_urls(bundle) == {"pagefind": [f"/2024/p{n}/" for n in range(9)]}
    assert (
        parse_html(result.output_path / "search" / "index.html").select_one("[data-search-ui]")["data-search-shards"]
        == ""
    )


def test_a_first_shard_written_again_leaves_the_other_shards_alone(tmp_path):
    """A list page with a search body comes after the bundle was written ahead (see below):
    its shard is written again; this one's is the first, whose folder holds the others."""
    assert search_shards.shard_of("/tag/fish/", 2) == 0
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    tag = (site.ROOT / "theme" / "templates" / "tag.html").read_text(encoding="utf-8")
    (overrides / "tag.html").write_text(
        tag.replace('<p class="lede">', '<p class="lede" data-pagefind-body>', 1), encoding="utf-8"
    )
    two = post("Second post", "Nothing about birds here.", slug="two", date="2024-02-03 10:00", tags="fish")
    posts = {**POSTS, "posts/two.md": two}
    result = build_small_site(
        tmp_path / "site", posts, THEME_TEMPLATES_OVERRIDES=[str(overrides)], SEARCH_INDEX_SHARD_PAGES=1
    )
    assert shard_urls(result.output_path / "pagefind") == {
        "pagefind": ["/2024/two/", "/tag/fish/"],
        "shard-1": ["/2024/one/", "/tag/birds/"],
    }


def test_a_shard_that_no_page_fell_to_fails_the_index_with_what_to_do(tmp_path):
    index = search_shards.ShardedIndex(tmp_path / "pagefind", 4)
    page = '<html lang="en"><body><main data-pagefind-body><h1>Herons</h1><p>About herons.</p></main></body></html>'
    index.add(page, "/2024/one/")  # shard 3 of 4
    with pytest.raises(si.SearchIndexError, match="shard-1.*SEARCH_INDEX_SHARD_PAGES = 0"):
        index.write()


def test_a_bundle_file_counts_as_written_only_when_whole(built_site, tmp_path):
    bundle = built_site.output_path / "pagefind"
    fragment = sorted((bundle / "fragment").iterdir())[0]
    assert pagefind_bundle.is_whole(fragment) and pagefind_bundle.is_whole(bundle / "pagefind-entry.json")
    cut = tmp_path / fragment.name
    cut.write_bytes(fragment.read_bytes()[:-8])  # its gzip trailer is missing
    empty = tmp_path / "pagefind-ui.js"
    empty.write_bytes(b"")
    assert not pagefind_bundle.is_whole(cut) and not pagefind_bundle.is_whole(empty)
    assert not pagefind_bundle.is_whole(tmp_path / "gone.js")
    assert not pagefind_bundle.is_whole(tmp_path / "gone.pf_fragment")


def test_a_bundle_file_or_folder_vanishing_while_it_is_looked_at_means_pagefind_is_still_writing(tmp_path):
    kept = tmp_path / "pagefind-entry.json"
    kept.write_text("{}")
    assert pagefind_bundle.file_sizes([kept]) == {kept: 2}
    # A file listed, then removed before its size was read.
    assert pagefind_bundle.file_sizes([kept, tmp_path / "index" / "en_1.pf_index"]) is None
    # A folder removed while the bundle is walked (seen in CI: Pagefind replacing shard-2/index).
    folder = tmp_path / "bundle"
    (folder / "index").mkdir(parents=True)
    (folder / "index" / "en_1.pf_index").write_bytes(b"x")

    def walk():
        for path in folder.rglob("*"):
            shutil.rmtree(folder / "index", ignore_errors=True)
            yield path

    assert pagefind_bundle.file_sizes(walk()) is None


@pytest.fixture
def exploding_pagefind(tmp_path, monkeypatch):
    failing = tmp_path / "pagefind"
    failing.write_text("#!/bin/sh\necho 'Error: the index exploded'\nexit 3\n")
    failing.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(failing))


def test_a_pagefind_failure_fails_the_build_with_its_output(tmp_path, exploding_pagefind):
    with pytest.raises(site.BuildFailed) as raised:
        build_small_site(tmp_path / "site", POSTS)
    message = str(raised.value)
    assert "Search index: Pagefind stopped with exit code 3" in message
    assert "Error: the index exploded" in message


def test_pagefinds_last_words_are_read_even_when_it_exits_before_they_are(tmp_path, exploding_pagefind):
    # Its exit can be seen before the reader thread has drained the pipe (about 1 start in 15 did, in CI too).
    for attempt in range(100):
        with pytest.raises(si.SearchIndexError) as raised:
            si.LiveIndex(tmp_path / "pagefind-bundle")
        assert "Error: the index exploded" in str(raised.value), f"output lost on start {attempt + 1}"


def test_sending_to_pagefind_does_not_wait_while_pagefind_is_behind(tmp_path, monkeypatch):
    from pagefind.service import get_executable

    gate = tmp_path / "gate"
    slow = tmp_path / "pagefind"
    # Reads nothing until the gate opens: its pipe fills after a few requests.
    slow.write_text(f'#!/bin/sh\nwhile [ ! -e {gate} ]; do sleep 0.05; done\nexec {get_executable()} "$@"\n')
    slow.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(slow))
    service = si.PagefindService()
    requests = [{"type": "NewIndex", "config": {"exclude_selectors": [f".n{i}" * 20_000]}} for i in range(10)]
    sent = []
    sending = threading.Thread(target=lambda: sent.extend(service.send(request) for request in requests))
    sending.start()
    sending.join(timeout=10)
    try:
        assert not sending.is_alive(), "send() waited for Pagefind to read"
        gate.touch()
        assert all("index_id" in service.answer(message_id, "start an index") for message_id in sent)
    finally:
        gate.touch()
        service.close()


def test_an_index_missing_pages_fails_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(si, "indexed_page_count", lambda entry: 1)
    with pytest.raises(site.BuildFailed, match="Pagefind indexed 1 pages, expected 2"):
        build_small_site(tmp_path, POSTS)


def test_a_page_with_no_words_is_left_out_of_search_and_named_not_a_broken_index(tmp_path):
    symbols = {"posts/symbols.md": post("×", "× — ±", slug="symbols"), **POSTS}
    result = build_small_site(tmp_path, symbols)
    (left_out,) = [problem for problem in result.problems if problem.field == "Search"]
    assert left_out.source == "content/posts/symbols.md"
    assert "found no words to index" in left_out.message
    assert not [problem for problem in result.problems if problem.severity == "error"]
    bundle = tmp_path / "output" / "pagefind"
    assert sorted(fragment["url"] for fragment in fragments(bundle)) == ["/2024/one/", "/2024/two/"]


def test_case_facts_are_filters_not_excerpt_text(bundle):
    cases = [(path, read_header(path)) for path in sorted((CONTENT / "cases").glob("*.md"))]
    by_url = {fragment["url"]: fragment for fragment in fragments(bundle)}
    for path, header in cases:
        fragment = by_url[article_url(header)]
        for facet in ("sector", "channel", "failure", "outcome"):
            written = sorted(value.strip().lower() for value in header[facet].split(","))
            assert sorted(v.lower() for v in fragment["filters"][facet]) == written, (path, facet)
        assert fragment["filters"]["category"] == [SETTINGS["CASEBOOK_CATEGORY"]], path
        assert header["organisation"] not in fragment["content"], path
        assert "Case facts" not in fragment["content"], path
        assert header["lesson"].split()[0] in fragment["content"], path


def test_a_background_index_is_written_after_the_build_returns(tmp_path):
    build_small_site(tmp_path, POSTS, SEARCH_INDEX_IN_BACKGROUND=True)
    si.wait_for_index()
    bundle = tmp_path / "output" / "pagefind"
    assert {fragment["url"] for fragment in fragments(bundle)} == {"/2024/one/", "/2024/two/"}
    # The next build makes its own, after it.
    build_small_site(
        tmp_path, {"posts/three.md": post("Third", "A heron.", slug="three")}, SEARCH_INDEX_IN_BACKGROUND=True
    )
    si.wait_for_index()
    assert len(fragments(bundle)) == 3


def test_a_background_index_writes_again_only_the_shards_whose_pages_changed(tmp_path):
    """make serve's builds: a shard is written again when a page of it changed, came or went,
    or its bundle is missing; the others are left as they are."""
    sharded = {"SEARCH_INDEX_IN_BACKGROUND": True, "SEARCH_INDEX_SHARD_PAGES": 3}
    bundle = tmp_path / "output" / "pagefind"

    def build(files=None):
        build_small_site(tmp_path, files or {}, **sharded)
        si.wait_for_index()
        folders = [bundle, bundle / "shard-1", bundle / "shard-2"]
        return [file_stamp(folder / "pagefind-entry.json") for folder in folders], shard_urls(bundle)

    stamps, urls = build(NINE_POSTS)
    assert sorted(url for shard in urls.values() for url in shard) == [f"/2024/p{n}/" for n in range(9)]
    edited = search_shards.shard_of("/2024/p4/", 3)
    again, urls = build({"posts/p4.md": post("Post 4", "A kingfisher ate a refund.", slug="p4", tags="birds")})
    assert [a == b for a, b in zip(stamps, again, strict=True)] == [shard != edited for shard in range(3)]
    p4 = next(
        fragment
        for fragment in fragments(bundle / search_shards.shard_folders(3)[edited])
        if fragment["url"] == "/2024/p4/"
    )
    assert "kingfisher" in p4["content"]

    assert build()[0] == again, "nothing changed: nothing is written"

    (tmp_path / "content" / "posts" / "p4.md").unlink()
    gone, urls = build()
    assert [a == b for a, b in zip(again, gone, strict=True)] == [shard != edited for shard in range(3)]
    assert "/2024/p4/" not in [url for shard in urls.values() for url in shard]

    shutil.rmtree(bundle / "shard-1")
    written, urls = build()
    assert [a == b for a, b in zip(gone, written, strict=True)] == [True, False, True]
    assert len([url for shard in urls.values() for url in shard]) == 8


def test_a_new_server_knows_the_index_on_disk_and_writes_it_again_only_for_a_change(tmp_path, monkeypatch):
    """make serve's record of what the index on disk was written from outlives the server:
    the next one indexes nothing when no page changed (at 5,000 posts, every page again)."""
    background = {"SEARCH_INDEX_IN_BACKGROUND": True}
    bundle = tmp_path / "output" / "pagefind"
    build_small_site(tmp_path, POSTS, **background)
    si.wait_for_index()
    written = file_stamp(bundle / "pagefind-entry.json")
    monkeypatch.setattr(search_index.ShardRecord, "_records", {})  # a new server
    build_small_site(tmp_path, {}, **background)
    si.wait_for_index()
    assert file_stamp(bundle / "pagefind-entry.json") == written
    monkeypatch.setattr(search_index.ShardRecord, "_records", {})
    build_small_site(tmp_path, {"posts/three.md": post("Third", "A heron.", slug="three")}, **background)
    si.wait_for_index()
    assert file_stamp(bundle / "pagefind-entry.json") != written and len(fragments(bundle)) == 3


def test_a_server_started_on_make_builds_output_indexes_nothing_again_and_shows_its_first_edit_at_once(
    tmp_path, monkeypatch
):
    """make build records its index too (by its pages' stamps): a make serve started on its
    output knows the index on disk once it has digested the pages (in the background, as
    it does anyway), so it indexes nothing again (at 5,000 posts: 14-45 s of Pagefind) and
    shows its first edit in the recent changes, not after indexing every page."""
    bundle = tmp_path / "output" / "pagefind"
    build_small_site(tmp_path, POSTS)
    written = file_stamp(bundle / "pagefind-entry.json")
    monkeypatch.setattr(search_index.ShardRecord, "_records", {})  # a new server
    monkeypatch.setattr(search_index.RecentIndex, "_indexes", {})
    shown = []
    write_manifest = search_index.RecentIndex._write_manifest
    monkeypatch.setattr(
        search_index.RecentIndex,
        "_write_manifest",
        lambda index, made: shown.append(made) or write_manifest(index, made),
    )
    serve = {"SEARCH_INDEX_IN_BACKGROUND": True, "SEARCH_INDEX_RECENT_PATH": str(tmp_path / "recent")}
    build_small_site(tmp_path, {}, **serve)
    si.wait_for_index()
    assert file_stamp(bundle / "pagefind-entry.json") == written, "no page changed: nothing is indexed again"
    edited = post("First post", "A kingfisher called Ferdinand ate the invoice.", slug="one", tags="birds")
    build_small_site(tmp_path, {"posts/one.md": edited}, **serve)
    si.wait_for_index()
    for recent in search_index.RecentIndex._indexes.values():
        recent.wait(recent.update(), 30)
    # The edit shown over the index on disk (its old page hidden), then the index written again.
    assert [len(made["hidden"]) for made in shown if made["bundle"]] == [1]
    assert shown[-1]["bundle"] is None
    assert "kingfisher" in next(page["content"] for page in fragments(bundle) if page["url"] == "/2024/one/")


def test_what_a_cut_off_pagefind_wrote_beside_a_kept_shard_is_removed(tmp_path):
    background = {"SEARCH_INDEX_IN_BACKGROUND": True, "SEARCH_INDEX_SHARD_PAGES": 3}
    bundle = tmp_path / "output" / "pagefind"
    build_small_site(tmp_path, NINE_POSTS, **background)
    si.wait_for_index()
    stale = [bundle / ".writing" / "fragment", bundle / "shard-2" / ".writing" / "index"]
    for folder in stale:
        folder.mkdir(parents=True)
        (folder / "en_1.pf_fragment").write_bytes(b"cut off")
    written = file_stamp(bundle / "pagefind-entry.json")
    build_small_site(tmp_path, {}, **background)
    si.wait_for_index()
    assert file_stamp(bundle / "pagefind-entry.json") == written, "no page changed: every shard is kept"
    assert sorted(path.relative_to(bundle).as_posix() for path in bundle.glob("**/.writing")) == []


def test_while_a_shard_is_written_again_the_search_still_knows_the_index_on_disk(tmp_path, monkeypatch):
    """Each bundle is written beside the old one, which stays whole until it is replaced: the
    recent changes of an edit made meanwhile are shown over it, not held back until the
    whole index is written again (at 5,000 posts, 14-45 s after a server starts)."""
    background = {"SEARCH_INDEX_IN_BACKGROUND": True, "SEARCH_INDEX_SHARD_PAGES": 3}
    monkeypatch.setattr(search_index.ShardRecord, "_records", {})
    build_small_site(tmp_path, NINE_POSTS, **background)
    si.wait_for_index()
    (record,) = search_index.ShardRecord._records.values()
    on_disk = record.indexed()
    assert len(on_disk) == 9
    known_while_writing = []
    write = search_shards.ShardedIndex.write

    def writing(index):
        known_while_writing.append(record.indexed())
        return write(index)

    monkeypatch.setattr(search_shards.ShardedIndex, "write", writing)
    build_small_site(tmp_path, {"posts/p4.md": post("Post 4", "A kingfisher.", slug="p4", tags="birds")}, **background)
    si.wait_for_index()
    assert known_while_writing == [on_disk]
    assert record.indexed()["/2024/p4/"] != on_disk["/2024/p4/"]


def test_a_server_started_on_make_builds_output_after_an_edit_shows_it_before_writing_the_index_again(
    tmp_path, monkeypatch
):
    """The index on disk, known once every page is digested, shows the edits made since it
    was written at once: not after Pagefind indexed every page again (14-45 s at 5,000 posts)."""
    build_small_site(tmp_path, POSTS)
    monkeypatch.setattr(search_index.ShardRecord, "_records", {})  # a new server
    monkeypatch.setattr(search_index.RecentIndex, "_indexes", {})
    shown, shown_before_writing = [], []
    write_manifest, write = search_index.RecentIndex._write_manifest, search_shards.ShardedIndex.write
    monkeypatch.setattr(
        search_index.RecentIndex,
        "_write_manifest",
        lambda index, made: shown.append(made) or write_manifest(index, made),
    )

    def writing(index):
        for recent in search_index.RecentIndex._indexes.values():
            recent.wait(recent.update(), 30)  # what was asked for before is shown
        shown_before_writing.extend(shown)
        return write(index)

    monkeypatch.setattr(search_shards.ShardedIndex, "write", writing)
    edited = post("First post", "A kingfisher called Ferdinand ate the invoice.", slug="one", tags="birds")
    serve = {"SEARCH_INDEX_IN_BACKGROUND": True, "SEARCH_INDEX_RECENT_PATH": str(tmp_path / "recent")}
    build_small_site(tmp_path, {"posts/one.md": edited}, **serve)
    si.wait_for_index()
    # Each shown with the edited page in the small bundle, its old version hidden.
    assert {len(made["hidden"]) for made in shown_before_writing if made["bundle"]} == {1}
    bundle = tmp_path / "output" / "pagefind"
    assert "kingfisher" in next(page["content"] for page in fragments(bundle) if page["url"] == "/2024/one/")


class MemoryRecord:
    """A JsonRecord in memory: what it gives back went through JSON."""

    data = {}

    def load(self, default):
        return self.data or default

    def save(self, data):
        self.data = json.loads(json.dumps(data))


def test_make_builds_record_of_its_index_is_known_once_each_page_is_digested_as_it_was(tmp_path):
    bundle = tmp_path / "pagefind"
    bundle.mkdir()
    (bundle / "pagefind-entry.json").write_text("{}")
    pages = {}
    for name in ("one", "two"):
        pages[f"/{name}/"] = str(tmp_path / f"{name}.html")
        Path(pages[f"/{name}/"]).write_text(f"<html><body><main data-pagefind-body>{name}</main></body></html>")
    file = MemoryRecord()
    search_shards.ShardRecord(bundle, file=file).built(1, {0: pages})

    def new_server():
        record = search_shards.ShardRecord(bundle, file=file)
        assert record.indexed() is None, "its pages are not digested yet"
        return record, {url: record.page_digest(path) for url, path in pages.items()}

    record, digests = new_server()
    assert record.indexed() == digests and record.holds(1, 0, digests)
    # A page changed or gone since: the index on disk has another page at its address (or
    # none), which the recent changes replace; the shard is written again.
    Path(pages["/two/"]).write_text("<html><body><main data-pagefind-body>two, edited</main></body></html>")
    record, digests = new_server()
    assert record.indexed() == {"/one/": digests["/one/"], "/two/": None} and not record.holds(1, 0, digests)
    Path(pages.pop("/two/")).unlink()
    record, digests = new_server()
    assert record.indexed() == {"/one/": digests["/one/"], "/two/": None} and not record.holds(1, 0, digests)


def test_a_new_server_reads_only_the_pages_changed_since_for_their_digests(tmp_path, monkeypatch):
    """What Pagefind reads of each page is kept by the page file's stamp in that record too:
    a new server reads again only the pages written since (at 5,000 posts, reading every page
    took the recent changes of its first edit 1.6 s more)."""
    background = {"SEARCH_INDEX_IN_BACKGROUND": True}
    build_small_site(tmp_path, POSTS)  # make build: its record knows no digest
    read = []
    indexed_part = search_shards.indexed_part
    monkeypatch.setattr(search_shards, "indexed_part", lambda html: read.append(html) or indexed_part(html))
    for edit in ({}, {"posts/one.md": post("First post", "A pelican ate the receipt.", slug="one", tags="birds")}):
        monkeypatch.setattr(search_index.ShardRecord, "_records", {})  # a new server
        read.clear()
        build_small_site(tmp_path, edit, **background)
        si.wait_for_index()
    # The first server read both pages, and kept their digests though the index did not change.
    assert len(read) == 1 and "receipt" in read[0]


def test_a_new_server_under_new_code_or_settings_still_knows_the_index_on_disk(tmp_path, monkeypatch):
    """The record says what the output holds: it outlives the content cache's folder, which a
    change of our code or settings replaces (servicebook.cache_folders)."""
    background = {"SEARCH_INDEX_IN_BACKGROUND": True}
    bundle = tmp_path / "output" / "pagefind"
    build_small_site(tmp_path, POSTS, **background)
    si.wait_for_index()
    written = file_stamp(bundle / "pagefind-entry.json")
    monkeypatch.setattr(search_index.ShardRecord, "_records", {})  # a new server, under new code
    monkeypatch.setattr(site, "use_cache_folders", lambda settings: use_cache_folders(settings, "0123456789ab"))
    build_small_site(tmp_path, {}, **background)
    si.wait_for_index()
    assert (tmp_path / "cache" / "0123456789ab").is_dir()
    assert file_stamp(bundle / "pagefind-entry.json") == written


def test_an_index_another_build_wrote_since_is_not_taken_for_the_recorded_one(tmp_path, monkeypatch):
    background = {"SEARCH_INDEX_IN_BACKGROUND": True}
    bundle = tmp_path / "output" / "pagefind"
    build_small_site(tmp_path, POSTS, **background)
    si.wait_for_index()
    # `make build` of a post that is gone again when the next server starts: the pages are
    # as recorded, the index on disk is not.
    build_small_site(tmp_path, {"posts/three.md": post("Third", "A heron.", slug="three")})
    assert len(fragments(bundle)) == 3
    (tmp_path / "content" / "posts" / "three.md").unlink()
    monkeypatch.setattr(search_index.ShardRecord, "_records", {})
    build_small_site(tmp_path, {}, **background)
    si.wait_for_index()
    assert sorted(fragment["url"] for fragment in fragments(bundle)) == ["/2024/one/", "/2024/two/"]


def test_a_new_build_does_not_wait_for_the_last_index_being_written(tmp_path):
    build_small_site(tmp_path, POSTS, SEARCH_INDEX_IN_BACKGROUND=True)
    si.wait_for_index()
    # As if Pagefind were still writing the last build's index.
    written = threading.Event()
    si.write_in_background(written.wait)
    # A build that waited would end only once this gives up waiting, and fail below.
    giving_up = threading.Timer(20, written.set)
    giving_up.start()
    build_small_site(
        tmp_path, {"posts/three.md": post("Third", "A heron.", slug="three")}, SEARCH_INDEX_IN_BACKGROUND=True
    )
    assert not written.is_set()
    giving_up.cancel()
    bundle = tmp_path / "output" / "pagefind"
    assert len(fragments(bundle)) == 2  # this build's index waits its turn
    written.set()
    si.wait_for_index()
    assert len(fragments(bundle)) == 3


def test_a_newer_build_stops_the_last_ones_background_index_before_it_writes(tmp_path):
    build_small_site(tmp_path, POSTS, SEARCH_INDEX_IN_BACKGROUND=True)
    si.wait_for_index()
    bundle = tmp_path / "output" / "pagefind"
    before = {path: path.read_bytes() for path in bundle.rglob("*") if path.is_file()}
    # As if the next build began while the last one's pages were still going to Pagefind.
    settings = site.load_settings(OUTPUT_PATH=tmp_path / "output", SEARCH_INDEX_IN_BACKGROUND=True)
    indexer = SiteIndexer(settings, tmp_path / "output")
    indexer.page_written(tmp_path / "output" / "2024" / "one" / "index.html")
    indexer.superseded.set()
    indexer.finish()
    assert indexer.index is None
    assert {path: path.read_bytes() for path in bundle.rglob("*") if path.is_file()} == before


def test_a_background_index_waits_while_a_quick_page_renders(tmp_path):
    build_small_site(tmp_path, POSTS, SEARCH_INDEX_IN_BACKGROUND=True)
    si.wait_for_index()
    settings = site.load_settings(OUTPUT_PATH=tmp_path / "output", SEARCH_INDEX_IN_BACKGROUND=True)
    indexer = SiteIndexer(settings, tmp_path / "output")
    indexer.page_written(tmp_path / "output" / "2024" / "one" / "index.html")
    with QUICK_WRITES.rendering():
        finishing = threading.Thread(target=indexer.finish)
        finishing.start()
        finishing.join(timeout=0.3)
        assert finishing.is_alive() and indexer.index is None
    finishing.join(timeout=60)
    assert [fragment["url"] for fragment in fragments(tmp_path / "output" / "pagefind")] == ["/2024/one/"]


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process priorities here")
def test_a_background_index_runs_pagefind_below_the_builds_priority():
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    for niceness, expected in ((0, ours), (10, min(19, ours + 10))):
        service = si.PagefindService(niceness=niceness)
        try:
            # Pagefind's service answers (under nice, once nice has made itself Pagefind)...
            assert "index_id" in service.answer(service.send({"type": "NewIndex", "config": {}}), "start an index")
            # ...at the lower priority.
            assert os.getpriority(os.PRIO_PROCESS, service._process.pid) == expected
        finally:
            service.close()
    background = {**SETTINGS, "SEARCH_INDEX_IN_BACKGROUND": True, "SEARCH_INDEX_EXCLUDE": None}
    assert SiteIndexer(background, "output").niceness == search_index.BACKGROUND_NICENESS
    assert SiteIndexer({**background, "SEARCH_INDEX_IN_BACKGROUND": False}, "output").niceness == 0


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="no /proc here")


def process_state(pid):
    """The state letter of a process (T: stopped, Z: ended, not yet reaped), from /proc;
    None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def stopped(state):
    return state == "T"


def going_on(state):
    return state not in ("T", "Z", None)


def comes_to(pid, wanted, seconds=10):
    """Whether the process's state is `wanted` within `seconds`: a signal reaches a process
    running on another core a moment after it is sent."""
    deadline = time.monotonic() + seconds
    while not wanted(process_state(pid)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def new_index(service):
    return service.answer(service.send({"type": "NewIndex", "config": {}}), "start an index")


@needs_proc
def test_a_background_pagefind_is_stopped_while_a_build_runs_and_goes_on_after(tmp_path):
    background, foreground = si.PagefindService(niceness=10), si.PagefindService()
    seen = {}

    def look(generator):
        # A stopped process is seen stopped once it has run to take the signal: on a busy
        # machine, Pagefind ten steps below the build's priority waits its turn for that.
        comes_to(background._process.pid, stopped)
        seen.update(background=process_state(background._process.pid), other=process_state(foreground._process.pid))

    signals.article_generator_finalized.connect(look)
    try:
        build_small_site(tmp_path, POSTS, SEARCH_INDEX=False)
        assert seen["background"] == "T" and seen["other"] != "T"
        assert comes_to(background._process.pid, going_on)
        assert "index_id" in new_index(background)
    finally:
        signals.article_generator_finalized.disconnect(look)
        background.close()
        foreground.close()


def test_the_time_pagefind_is_stopped_does_not_count_toward_its_timeout():
    service = si.PagefindService(timeout=1, niceness=10)
    answers = []
    try:
        with BACKGROUND.paused():
            waiting = threading.Thread(target=lambda: answers.append(new_index(service)))
            waiting.start()
            waiting.join(timeout=2.5)  # over twice the timeout, with Pagefind stopped
            assert waiting.is_alive() and not answers
        waiting.join(timeout=30)
        assert "index_id" in answers[0]
    finally:
        service.close()


def test_an_index_given_up_stops_pagefind_at_once_unless_it_was_asked_to_write(tmp_path):
    page = '<html lang="en"><body><main data-pagefind-body><p>Herons.</p></main></body></html>'
    given_up, writing = si.LiveIndex(tmp_path / "a"), si.LiveIndex(tmp_path / "b")
    for index in (given_up, writing):
        index.add(page, "/herons/")
    writing.write_ahead()
    given_up.abandon()
    writing.abandon()
    assert given_up._service._process.returncode == -signal.SIGKILL
    assert writing._service._process.returncode == 0


def test_a_build_that_waits_for_a_background_index_lets_it_run(tmp_path):
    """A build writing its own index waits for the one written in the background (both write
    the same folder): that one runs meanwhile, though builds stop background indexes."""
    build_small_site(tmp_path, POSTS, SEARCH_INDEX_IN_BACKGROUND=True)
    ended = []
    building = threading.Thread(target=lambda: ended.append(build_small_site(tmp_path, {})), daemon=True)
    building.start()
    # Long enough for a Pagefind ten steps below everything else on a busy machine.
    building.join(timeout=180)
    waited_for_itself = building.is_alive()
    if waited_for_itself:
        with BACKGROUND.waited_for():  # so that the test ends (and fails)
            building.join(timeout=120)
    assert not waited_for_itself and ended, "the build waited for a Pagefind it had stopped"
    assert {fragment["url"] for fragment in fragments(tmp_path / "output" / "pagefind")} == {"/2024/one/", "/2024/two/"}


def test_a_build_writing_its_index_ahead_waits_for_one_still_being_written_in_the_background(tmp_path, monkeypatch):
    """The index written ahead (once every post's page is) goes where one written in the
    background may still be half written: the build waits for that one first."""
    build_small_site(tmp_path, POSTS)
    bundle = tmp_path / "output" / "pagefind"
    waited_for, waited = threading.Event(), BACKGROUND.waited_for

    def waiting():
        waited_for.set()
        return waited()

    monkeypatch.setattr(BACKGROUND, "waited_for", waiting)

    def write_in_the_background():
        # As Pagefind writes a bundle: the fragments first, the entry last, once waited for.
        shutil.rmtree(bundle)
        (bundle / "fragment").mkdir(parents=True)
        waited_for.wait(timeout=20)
        (bundle / "pagefind-entry.json").write_text("{}")

    si.write_in_background(write_in_the_background)
    build_small_site(tmp_path, POSTS)
    assert waited_for.is_set()
    assert {fragment["url"] for fragment in fragments(bundle)} == {"/2024/one/", "/2024/two/"}


@pytest.fixture
def background_pagefind():
    service = si.PagefindService(niceness=10)
    yield service
    service.close()


@needs_proc
def test_a_background_pagefind_runs_while_it_is_waited_for_and_stops_again_after(background_pagefind):
    with BACKGROUND.paused():
        assert comes_to(background_pagefind._process.pid, stopped)
        with BACKGROUND.waited_for():
            assert "index_id" in new_index(background_pagefind)
        assert comes_to(background_pagefind._process.pid, stopped)
    assert comes_to(background_pagefind._process.pid, going_on)


@needs_proc
def test_background_pagefinds_let_go_run_though_a_build_still_holds_them(background_pagefind):
    """What the server does as it ends or restarts while a build holds Pagefind stopped."""
    with BACKGROUND.paused():
        assert comes_to(background_pagefind._process.pid, stopped)
        BACKGROUND.let_go()
        assert comes_to(background_pagefind._process.pid, going_on)
        assert "index_id" in new_index(background_pagefind)


@needs_proc
@pytest.mark.skipif(not shutil.which("setpriv"), reason="no setpriv here")
def test_a_background_pagefind_held_stopped_dies_with_the_process_that_started_it():
    started = (
        "from servicebook.background import BACKGROUND\n"
        "from servicebook import pagefind\n"
        "service = pagefind.PagefindService(niceness=10)\n"
        # Pagefind answering is Pagefind running: setpriv has set the death signal (a parent
        # killed before that, microseconds after the start, would leave it behind).
        "service.answer(service.send({'type': 'NewIndex', 'config': {}}), 'start an index')\n"
        "with BACKGROUND.paused():\n"
        "    print(service._process.pid, flush=True)\n"
        "    input()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", started], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    pagefind = int(process.stdout.readline())
    process.kill()
    process.wait()
    assert comes_to(pagefind, lambda state: state in ("Z", None))


def recent_changes_asked(tmp_path, monkeypatch, **overrides):
    """The pages written ("written", output path) and the recent changes asked for ("recent
    changes", their URLs), in order, in a make serve build of POSTS."""
    events = []
    update = search_index.RecentIndex.update

    def asked(index, pages=None, written=None):
        if pages is not None:
            events.append(("recent changes", sorted(pages)))
        return update(index, pages, written)

    def written(path, context=None):
        events.append(("written", Path(path).relative_to(tmp_path / "output").as_posix()))

    monkeypatch.setattr(search_index.RecentIndex, "update", asked)
    signals.content_written.connect(written)
    try:
        build_small_site(
            tmp_path,
            POSTS,
            SEARCH_INDEX_IN_BACKGROUND=True,
            SEARCH_INDEX_RECENT_PATH=str(tmp_path / "recent"),
            **overrides,
        )
        si.wait_for_index()
    finally:
        signals.content_written.disconnect(written)
    return events


def test_make_serve_shows_the_recent_changes_once_the_posts_pages_are_written_not_after_the_lists(
    tmp_path, monkeypatch
):
    """At 5,000 posts the lists and feeds take seconds after the posts' own pages: the search
    shows an edit without waiting for them, and asks once a build (no list has a search body)."""
    events = recent_changes_asked(tmp_path, monkeypatch)
    asks = [index for index, (kind, _) in enumerate(events) if kind == "recent changes"]
    assert len(asks) == 1
    before = {path for kind, path in events[: asks[0]] if kind == "written"}
    after = {path for kind, path in events[asks[0] :] if kind == "written"}
    # Asked once both posts' pages were written (the last maybe still being announced), and
    # before any list.
    assert {"/2024/one/", "/2024/two/"} <= set(events[asks[0]][1])
    assert before <= {"2024/one/index.html", "2024/two/index.html"}
    assert "index.html" in after and any("birds" in path for path in after), after


def test_a_later_page_with_a_search_body_has_the_recent_changes_asked_for_again(tmp_path, monkeypatch):
    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "archives.html").write_text(
        "<html><head><title>Archives</title></head><body><main data-pagefind-body><h1>Archives</h1>"
        "<p>Every story by date.</p></main></body></html>"
    )
    events = recent_changes_asked(tmp_path, monkeypatch, THEME_TEMPLATES_OVERRIDES=[str(overrides)])
    asked = [urls for kind, urls in events if kind == "recent changes"]
    assert len(asked) == 2
    assert "/archives/" not in asked[0] and "/archives/" in asked[1]
