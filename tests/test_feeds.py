"""Comment-free feeds: well-formed, absolute, stable, and free of comment machinery."""

import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from helpers import SETTINGS, build_small_site, html_pages, parse_html, post, problem_lines
from servicebook.feeds import (
    FeedInfo,
    KeptItemXml,
    _make_feed_item,
    absolute_html,
    entry_id,
    render_atom,
    render_json,
    render_rss,
    xml_safe,
)
from servicebook.output_checks import feed_files, feed_problems, json_feed_problems

# Files cannot hold a lone surrogate as UTF-8, but an HTML character reference can smuggle one in.
NASTY_TITLE = "Bills & <fees> ]]> \x00\x08\x0b\x0c\x1f&#xD800;&#1; done"
NASTY_FILES = {
    "posts/nasty.md": post(
        NASTY_TITLE,
        "Control \x01characters\x1b and a CDATA end ]]> and an ampersand & here.\n\n"
        "![diagram](../images/diagram.png) and [the about page](/about/) and [a sibling](../other/)\n\n"
        "Emoji 🙂🧾 and RTL: שירות לקוחות גרוע and العملاء\n\n"
        "<div><p>Unclosed <b>bold <i>italic",
        tags="billing, émoji ✓, Bad\x02Tag",
        slug="nasty",
    ),
    "posts/imported.md": post(
        "An old imported post",
        "The refund took six weeks.\n\n"
        "Labels: , ,\n\n0 Comments:\n\nPost a Comment\n\nSubscribe to Post Comments [Atom]\n\n<< Home\n\n"
        "Leave a Reply\n\n3 comments:\n\nNewer Post Older Post Home\n\n"
        "[Read the discussion](/2020/old/#comments)",
        date="2020-05-05 09:00",
        tags="refunds",
        slug="imported",
    ),
    "posts/edited.md": post(
        "Edited later",
        "First version of the text.",
        date="2019-03-03 08:00",
        Modified="2021-07-07 12:00",
        tags="billing",
        slug="edited",
    ),
    "pages/about.md": "Title: About\nSlug: about\n\nAbout us.\n",
}
BOILERPLATE = [
    "Post a Comment",
    "Subscribe to Post Comments",
    "Leave a Reply",
    "0 Comments",
    "3 comments",
    "Labels:",
    "<< Home",
    "&lt;&lt; Home",
    "Newer Post",
    "#comments",
]
COMMENT_MACHINERY = re.compile(r"<comments|wfw:|slash:|thr:|commentRss|/comments/feed", re.I)


@pytest.fixture(scope="module")
def nasty_site(tmp_path_factory):
    result = build_small_site(tmp_path_factory.mktemp("nasty"), NASTY_FILES)
    return result.output_path


def test_feed_files_exist_for_site_tags_and_categories(nasty_site):
    feeds = nasty_site / "feeds"
    for name in ("all.atom.xml", "all.rss.xml", "all.json"):
        assert (feeds / name).exists()
    for kind in ("atom.xml", "rss.xml", "json"):
        assert (feeds / "tags" / f"billing.{kind}").exists()
        assert (feeds / "categories" / f"essays.{kind}").exists()


def test_every_feed_is_well_formed_for_feedparser_and_lxml(nasty_site):
    feeds = feed_files(nasty_site)
    assert len([feed for feed in feeds if feed.suffix == ".xml"]) >= 10
    for feed in feeds:
        # lxml well-formedness, feedparser bozo == 0, JSON Feed 1.1 rules: the checker's helper.
        assert feed_problems(feed) == [], feed
        if feed.suffix == ".xml":
            assert feedparser.parse(feed.read_bytes()).entries, feed


def test_atom_has_every_required_element(nasty_site):
    parsed = feedparser.parse((nasty_site / "feeds/all.atom.xml").read_bytes())
    assert parsed.version == "atom10"
    assert parsed.feed.id and parsed.feed.title and parsed.feed.updated and parsed.feed.links
    for entry in parsed.entries:
        assert entry.id.startswith("tag:")
        assert entry.title and entry.updated and entry.link and entry.author


def test_rss_items_have_guid_pubdate_and_link(nasty_site):
    parsed = feedparser.parse((nasty_site / "feeds/all.rss.xml").read_bytes())
    assert parsed.version == "rss20"
    for entry in parsed.entries:
        assert entry.id and entry.published and entry.link.startswith("http")


def test_json_feed_has_the_required_fields(nasty_site):
    feed = json.loads((nasty_site / "feeds/all.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and feed["feed_url"].endswith("/feeds/all.json")
    for item in feed["items"]:
        assert item["id"] and item["url"].startswith("http") and item["content_html"]
        datetime.fromisoformat(item["date_published"])


def test_nasty_title_survives_as_text(nasty_site):
    parsed = feedparser.parse((nasty_site / "feeds/all.atom.xml").read_bytes())
    titles = [" ".join(entry.title.split()) for entry in parsed.entries]
    # Titles are text: the control characters go, the typed character references stay visible.
    assert "Bills & <fees> ]]> &#xD800;&#1; done" in titles
    entry = next(e for e in parsed.entries if e.title.startswith("Bills"))
    assert "]]>" in entry.content[0].value or "]]&gt;" in entry.content[0].value
    assert "🙂🧾" in entry.content[0].value and "שירות" in entry.content[0].value
    assert {"émoji ✓", "BadTag"} <= {tag.term for tag in entry.tags}


def test_relative_links_and_images_become_absolute(nasty_site):
    parsed = feedparser.parse((nasty_site / "feeds/all.atom.xml").read_bytes())
    entry = next(e for e in parsed.entries if e.title.startswith("Bills"))
    html = entry.content[0].value
    assert 'src="http://127.0.0.1:8000/2024/images/diagram.png"' in html
    assert 'href="http://127.0.0.1:8000/about/"' in html
    assert 'href="http://127.0.0.1:8000/2024/other/"' in html
    for url in re.findall(r'(?:href|src)="([^"]*)"', html):
        assert url.startswith("http://127.0.0.1:8000/"), url


def test_no_comment_machinery_or_boilerplate_anywhere(nasty_site):
    for path in feed_files(nasty_site) + html_pages(nasty_site):
        text = path.read_text(encoding="utf-8")
        assert not COMMENT_MACHINERY.search(text), path
        for phrase in BOILERPLATE:
            assert phrase not in text, (path, phrase)
    page = parse_html(nasty_site / "2020/imported/index.html")
    body = page.select_one(".post-body").get_text(" ", strip=True).replace("\xa0", " ")
    assert "The refund took six weeks." in body and "Read the discussion" in body


def test_ids_are_stable_and_updated_follows_modified(nasty_site, tmp_path):
    first = feedparser.parse((nasty_site / "feeds/all.atom.xml").read_bytes())
    assert next(e for e in first.entries if e.title == "Edited later").updated.startswith("2021-07-07")
    edited = dict(NASTY_FILES)
    edited["posts/edited.md"] = (
        edited["posts/edited.md"]
        .replace("First version", "Second version")
        .replace("Modified: 2021-07-07 12:00", "Modified: 2022-08-08 12:00")
    )
    second = feedparser.parse((build_small_site(tmp_path, edited).output_path / "feeds/all.atom.xml").read_bytes())
    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    entry = next(e for e in second.entries if e.title == "Edited later")
    assert entry.updated.startswith("2022-08-08") and entry.published.startswith("2019-03-03")
    assert "Second version" in entry.content[0].value
    json_item = next(
        item
        for item in json.loads((tmp_path / "output/feeds/all.json").read_text())["items"]
        if item["title"] == "Edited later"
    )
    assert json_item["date_modified"].startswith("2022-08-08") and json_item["date_published"].startswith("2019-03-03")


def test_newest_first_and_item_limit(tmp_path):
    files = {
        f"posts/p{i}.md": post(f"Post {i}", "Body.", date=f"2020-01-{i + 1:02d}", slug=f"p{i}", tags="billing")
        for i in range(6)
    }
    output = build_small_site(tmp_path, files, FEED_MAX_ITEMS=4, TAXONOMY_FEED_MAX_ITEMS=2).output_path
    parsed = feedparser.parse((output / "feeds/all.atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["Post 5", "Post 4", "Post 3", "Post 2"]
    tag_feed = feedparser.parse((output / "feeds/tags/billing.rss.xml").read_bytes())
    assert [e.title for e in tag_feed.entries] == ["Post 5", "Post 4"]


def test_site_feeds_hold_the_newest_fifty_by_default(tmp_path):
    files = {
        f"posts/p{i}.md": post(f"Post {i}", "Body.", date=f"2020-03-01 {i // 60:02d}:{i % 60:02d}", slug=f"p{i}")
        for i in range(51)
    }
    output = build_small_site(tmp_path, files).output_path
    for name in ("all.atom.xml", "all.rss.xml"):
        titles = [e.title for e in feedparser.parse((output / "feeds" / name).read_bytes()).entries]
        assert titles == [f"Post {i}" for i in range(50, 0, -1)], name
    assert len(json.loads((output / "feeds/all.json").read_text())["items"]) == 50


@pytest.mark.parametrize("unset", [None, ""])
def test_feeds_without_a_feed_domain_link_to_the_siteurl(tmp_path, unset):
    # Pelican's documented default is FEED_DOMAIN = None: SITEURL then.
    files = {"posts/a.md": post("A", "Body.", slug="a")}
    output = build_small_site(tmp_path, files, FEED_DOMAIN=unset, SITEURL="https://s.example").output_path
    parsed = feedparser.parse((output / "feeds/all.atom.xml").read_bytes())
    assert parsed.bozo == 0 and [entry.link for entry in parsed.entries] == ["https://s.example/2024/a/"]
    page = parse_html(output / "subscribe/index.html")
    assert all(field["value"].startswith("https://s.example/feeds/") for field in page.select("input.feed-url"))


def test_full_content_by_default_and_summary_only_setting(tmp_path):
    files = {"posts/a.md": post("A", "Long body text here.", slug="a", Summary="Just the gist.")}
    full = build_small_site(tmp_path / "full", files).output_path
    for name in ("all.rss.xml", "all.atom.xml"):
        entry = feedparser.parse((full / "feeds" / name).read_bytes()).entries[0]
        shown = (entry.content[0].value if "content" in entry else entry.description).replace("\xa0", " ")
        assert "Long body text here." in shown, name
    output = build_small_site(tmp_path / "summary", files, FEED_FULL_CONTENT=False).output_path
    entry = feedparser.parse((output / "feeds/all.rss.xml").read_bytes()).entries[0]
    assert "Just the gist." in entry.description.replace("\xa0", " ") and "Long body" not in entry.description


def test_pages_link_their_feeds(nasty_site):
    def alternates(page):
        return {
            (link["type"], link["href"]) for link in parse_html(nasty_site / page).find_all("link", rel="alternate")
        }

    site_feeds = {
        ("application/atom+xml", "/feeds/all.atom.xml"),
        ("application/rss+xml", "/feeds/all.rss.xml"),
        ("application/feed+json", "/feeds/all.json"),
    }
    for page in html_pages(nasty_site):
        assert site_feeds <= alternates(page), page
    assert ("application/atom+xml", "/feeds/tags/billing.atom.xml") in alternates("tag/billing/index.html")
    assert ("application/rss+xml", "/feeds/categories/essays.rss.xml") in alternates("category/essays/index.html")
    subscribe = parse_html(nasty_site / "tag/billing/index.html").select(".subscribe a[type]")
    assert [a["href"] for a in subscribe] == [
        "/feeds/tags/billing.atom.xml",
        "/feeds/tags/billing.rss.xml",
        "/feeds/tags/billing.json",
    ]
    for link in subscribe:
        assert (nasty_site / link["href"].lstrip("/")).exists()
    assert (
        parse_html(nasty_site / "tag/billing/index.html").select_one(".subscribe a:not([type])")["href"]
        == "/subscribe/"
    )
    category = parse_html(nasty_site / "category/essays/index.html").select(".subscribe a[type]")
    assert [a["href"] for a in category] == [
        "/feeds/categories/essays.atom.xml",
        "/feeds/categories/essays.rss.xml",
        "/feeds/categories/essays.json",
    ]


def test_subscribe_page_gives_every_feed_address(nasty_site):
    import pelicanconf

    page = parse_html(nasty_site / "subscribe/index.html")
    addresses = [field["value"] for field in page.select("input.feed-url")]
    assert addresses == [f"{pelicanconf.FEED_DOMAIN}/{path}" for path in SETTINGS["FEED_PATHS"]["site"].values()]
    for field in page.select("input.feed-url"):  # each address is labelled for screen readers
        assert page.select_one(f'label[for="{field["id"]}"]')
    category_feeds = [a["href"] for a in page.select("main li a[type]")]
    assert "/feeds/categories/essays.atom.xml" in category_feeds
    assert all((nasty_site / href.lstrip("/")).exists() for href in category_feeds)
    for html_page in html_pages(nasty_site):
        assert parse_html(nasty_site / html_page).select_one('footer a[href="/subscribe/"]'), html_page


def test_feeds_carry_the_xslt_view(nasty_site):
    for name in ("all.atom.xml", "all.rss.xml"):
        head = (nasty_site / "feeds" / name).read_text(encoding="utf-8")[:300]
        assert '<?xml-stylesheet href="/theme/feed.xsl" type="text/xsl"' in head
    assert (nasty_site / "theme/feed.xsl").exists()
    transform = etree.XSLT(etree.parse(str(nasty_site / "theme/feed.xsl")))
    for name in ("all.atom.xml", "all.rss.xml"):
        page = str(transform(etree.parse(str(nasty_site / "feeds" / name))))
        assert "subscribe" in page.lower() and "Edited later" in page, name
        assert 'href="/subscribe/"' in page, name  # the page that works where browsers dropped XSLT


def test_published_feeds_use_the_public_domain(published_site):
    import publishconf

    parsed = feedparser.parse((published_site.output_path / "feeds/all.atom.xml").read_bytes())
    assert parsed.bozo == 0
    for entry in parsed.entries:
        assert entry.link.startswith(publishconf.SITEURL + "/")


# Unit tests of the pure functions.


def test_xml_safe_removes_only_forbidden_characters():
    assert xml_safe("a\x00b\x08c\x0bd\x0ce\x1ff\ud800g\ufffeh\tj\nk\rl 🙂") == "abcdefgh\tj\nk\rl 🙂"


def test_absolute_html_repairs_and_rewrites():
    html = absolute_html('<p>Open <b>bold <a href="x/">link</a> <img src="/i.png">', "https://s.example/2020/post/")
    assert (
        html
        == '<p>Open <b>bold <a href="https://s.example/2020/post/x/">link</a> <img src="https://s.example/i.png"></b></p>'
    )


def test_entry_id_depends_on_date_and_path_only():
    published = datetime(2020, 5, 1, 9, tzinfo=UTC)
    assert entry_id("servicebook.example", published, "2020/slug/") == "tag:servicebook.example,2020-05-01:/2020/slug/"


# Every code point, lone surrogates and control characters included.
ANY_TEXT = st.text(alphabet=st.characters(codec=None, categories=None, exclude_categories=()))


def feed_for(title, body, tag, summary):
    """The feed pipeline from an article (a stand-in with Pelican's attributes) to an item."""
    article = SimpleNamespace(
        url="x/",
        date=datetime(2021, 1, 1),
        title=title,
        get_content=lambda siteurl: body,
        get_summary=lambda siteurl: summary,
        tags=[SimpleNamespace(name=tag)],
        authors=[SimpleNamespace(name=title)],
        category=SimpleNamespace(name=tag),
    )
    settings = {
        "FEED_DOMAIN": "https://s.example",
        "TIMEZONE": "UTC",
        "FEED_ID_AUTHORITY": "s.example",
        "AUTHOR": "A",
        "FEED_FULL_CONTENT": True,
    }
    info = FeedInfo("T", "https://s.example/", "https://s.example/f", "D", "en", "A")
    return info, [_make_feed_item(article, settings)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=ANY_TEXT, body=ANY_TEXT, tag=ANY_TEXT, summary=ANY_TEXT)
def test_any_text_gives_well_formed_feeds(title, body, tag, summary):
    info, items = feed_for(title, body, tag, summary)
    for render in (render_atom, render_rss):
        document = render(info, items)
        etree.fromstring(document.encode("utf-8"))
        assert feedparser.parse(document.encode("utf-8")).bozo == 0
    # Written as UTF-8 without `surrogatepass`, as the feed file is: a lone surrogate would fail here.
    assert json_feed_problems(render_json(info, items).encode("utf-8")) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=ANY_TEXT, body=ANY_TEXT, tag=ANY_TEXT, summary=ANY_TEXT)
def test_an_items_kept_xml_is_what_feedgenerator_writes_of_it(title, body, tag, summary):
    """Each item's XML is written once per feed class and kept with the item: the feeds are
    the same, byte for byte, as when feedgenerator writes every item in each feed."""
    info, items = feed_for(title, body, tag, summary)
    other_info, other_items = feed_for("Other", "<p>other</p>", "t", "s")
    every_time = KeptItemXml.write_items
    KeptItemXml.write_items = lambda feed, handler: super(KeptItemXml, feed).write_items(handler)
    try:
        expected = [render(info, [*other_items, *items]) for render in (render_atom, render_rss)]
    finally:
        KeptItemXml.write_items = every_time
    for _ in range(2):  # the items' XML written, then kept
        assert [render(info, [*other_items, *items]) for render in (render_atom, render_rss)] == expected
    kept = items[0].xml
    assert len(kept) == 2
    # Another feed takes the item's XML as kept.
    marker = "<!-- kept -->"
    for feed_class in kept:
        kept[feed_class] = marker
    assert all(render(other_info, items).count(marker) == 1 for render in (render_atom, render_rss))


def test_the_site_can_ask_for_more_to_be_removed(tmp_path):
    files = {
        "posts/a.md": post(
            "A", "Kept text.\n\nPowered by Blogger\n\nPost a Comment\n\nRead more, powered by blogger", slug="a"
        ),
        "posts/b.md": post("B", "The real text of this post.", slug="b", Summary="Powered by Blogger"),
    }
    result = build_small_site(tmp_path, files, COMMENT_BOILERPLATE_PATTERNS=[r"powered by blogger"])
    page, feed = (
        (result.output_path / "2024/a/index.html").read_text(),
        (result.output_path / "feeds/all.atom.xml").read_text(),
    )
    for shown in (page.replace("\xa0", " "), feed.replace("\xa0", " ")):
        assert "Kept text." in shown and "Powered by Blogger" not in shown
        assert "Post a Comment" in shown  # on its own, nothing says it is a footer
        assert "Read more, powered by blogger" in shown  # a paragraph of prose is never cut
    assert problem_lines(result) == [
        "content/posts/a.md:7: Boilerplate: removed what COMMENT_BOILERPLATE_PATTERNS asks to remove "
        "('Powered by Blogger'); delete it from the source",
        "content/posts/a.md:9: note: Boilerplate: 'Post a Comment' looks like a blog's comment footer, but nothing "
        "around it confirms that, so it stays; delete it if you did not write it",
        "content/posts/b.md:4: Boilerplate: removed what COMMENT_BOILERPLATE_PATTERNS asks to remove "
        "('Powered by Blogger'); delete it from the source",
    ]
    # A Summary that was only what the site asked to remove gives way to the post's own text.
    listing = parse_html(result.output_path / "index.html").get_text(" ", strip=True).replace("\xa0", " ")
    assert "The real text of this post." in listing and "Powered by Blogger" not in listing


def test_a_summary_is_the_authors_and_stays(tmp_path):
    result = build_small_site(tmp_path, {"posts/a.md": post("A", "Text.", slug="a", Summary="Post a Comment")})
    assert "Post a Comment" in parse_html(result.output_path / "index.html").get_text(" ").replace("\xa0", " ")
    assert "content/posts/a.md:4: note: Boilerplate: 'Post a Comment' looks like a blog's comment footer" in "\n".join(
        problem_lines(result)
    )


def test_boilerplate_is_stripped_and_reported_on_every_build(tmp_path):
    clean = post("Clean", "Nothing to see.", slug="clean")
    files = {
        "posts/clean.md": clean,
        "posts/noisy.md": post("Noisy", "Text.\n\nNo comments:\n\nPost a Comment", slug="noisy"),
    }
    expected = (
        "content/posts/noisy.md:7: Boilerplate: removed a comment and sharing footer of an old blog "
        "('No comments:' … 'Post a Comment', lines 7-9); delete it from the source"
    )
    for build in range(2):
        result = build_small_site(tmp_path, files if build == 0 else {})
        assert problem_lines(result) == [expected], build
    # A file known clean that gains a footer is cleaned too.
    result = build_small_site(tmp_path, {"posts/clean.md": clean + "\nLike this:\n\nLike Loading...\n"})
    assert any(line.startswith("content/posts/clean.md:7: Boilerplate: removed") for line in problem_lines(result))
    page = (result.output_path / "2024" / "clean" / "index.html").read_text()
    assert (
        "Like this" not in page
        and "Post a Comment" not in (result.output_path / "2024" / "noisy" / "index.html").read_text()
    )
