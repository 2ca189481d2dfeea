"""Titles, tags and summaries are text everywhere: an attack in a title shows up as text."""

import json

import feedparser
from lxml import etree

from helpers import build_small_site, html_pages, parse_html, post, problem_lines

ATTACK = "<img src=x onerror=alert(1)>"
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def test_title_and_tag_markup_is_shown_as_text(tmp_path):
    files = {
        "posts/x.md": post(
            f"Hello {ATTACK}",
            "Body.",
            tags="<script>alert(2)</script>, safe",
            slug="x",
            Summary=f"A *short* summary {ATTACK} here.",
        )
    }
    output = build_small_site(tmp_path, files).output_path
    for page in html_pages(output):
        soup = parse_html(page)
        assert not soup.find("img"), page
        assert not soup.find("script", string=lambda s: s and "alert" in s), page
    article = parse_html(output / "2024/x/index.html")
    assert ATTACK in article.find("h1").get_text().replace("\xa0", " ")
    assert "<script>alert(2)</script>" in [a.get_text() for a in article.select(".tag-list a")]
    home = parse_html(output / "index.html")
    assert ATTACK in home.select_one(".post-list h2").get_text().replace("\xa0", " ")
    summary = home.select_one(".post-list em").parent  # markdown still works in a summary
    assert ATTACK in summary.get_text().replace("\xa0", " ")
    entry = feedparser.parse((output / "feeds/all.atom.xml").read_bytes()).entries[0]
    assert ATTACK in entry.title
    [item] = json.loads((output / "feeds/all.json").read_text())["items"]
    assert ATTACK in item["title"] and "<script>alert(2)</script>" in item["tags"]
    # Names are text in the XML too (feedparser would strip markup from them: read with lxml).
    atom = etree.parse(str(output / "feeds/all.atom.xml"))
    assert "<script>alert(2)</script>" in atom.xpath("//a:entry/a:category/@term", namespaces=ATOM)
    tag_feed = etree.parse(str(next((output / "feeds/tags").glob("alert2.atom.xml"))))
    assert tag_feed.xpath("/a:feed/a:title/text()", namespaces=ATOM)[0].endswith(": <script>alert(2)</script>")


def test_title_and_tag_markup_is_text_in_the_search_index(tmp_path):
    from test_search_index import filter_index, fragments

    files = {"posts/x.md": post(f"Hello {ATTACK}", "Searchable body.", tags="<script>alert(2)</script>", slug="x")}
    output = build_small_site(tmp_path, files).output_path
    [fragment] = [f for f in fragments(output / "pagefind") if f["url"].endswith("/x/")]
    # Pagefind stores text: the title comes back as the characters the author typed.
    assert ATTACK in fragment["meta"]["title"].replace("\xa0", " ")
    assert "<img" not in fragment["content"].replace(ATTACK, "")
    assert "<script>alert(2)</script>" in filter_index(output / "pagefind")["tag"]


def test_author_and_case_facts_markup_is_shown_as_text(tmp_path):
    from test_casebook import case_file

    files = {
        "posts/x.md": post("Plain", "Body.", tags="safe", slug="x", Author=f"Eve {ATTACK}"),
        "cases/c.md": case_file(Organisation=f"Acme {ATTACK}", Lesson=f"Never trust {ATTACK}.", Slug="c"),
    }
    result = build_small_site(tmp_path, files)
    assert any("x.md" in problem and "Author" in problem for problem in problem_lines(result)), result.problems
    output = result.output_path
    for page in html_pages(output):
        assert not parse_html(page).find("img"), page
    author = parse_html(output / "2024/x/index.html").select_one("article [data-pagefind-meta=author]")
    assert ATTACK in author.get_text().replace("\xa0", " ")
    card = parse_html(next(output.glob("*/c/index.html"))).select_one(".case-card")
    assert f"Acme {ATTACK}" in card.get_text().replace("\xa0", " ")
    assert ATTACK in card.select_one(".lesson").get_text().replace("\xa0", " ")
    # The name is text in the XML (feedparser would strip markup from it, so read it with lxml).
    atom = etree.parse(str(output / "feeds/all.atom.xml"))
    names = atom.xpath("//a:entry/a:author/a:name/text()", namespaces=ATOM)
    assert f"Eve {ATTACK}" in names
    assert not atom.xpath("//*[local-name()='img']")
