"""Titles, tags and summaries are text everywhere: an attack in a title shows up as text."""

import json

import feedparser

from helpers import build_small_site, html_pages, parse_html, post

ATTACK = "<img src=x onerror=alert(1)>"


def test_title_and_tag_markup_is_shown_as_text(tmp_path):
    files = {"posts/x.md": post(f"Hello {ATTACK}", "Body.", tags="<script>alert(2)</script>, safe", slug="x",
                                Summary=f"A *short* summary {ATTACK} here.")}
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
    assert ATTACK in json.loads((output / "feeds/all.json").read_text())["items"][0]["title"]


def test_title_and_tag_markup_is_text_in_the_search_index(tmp_path):
    from test_search_index import filter_index, fragments

    files = {"posts/x.md": post(f"Hello {ATTACK}", "Searchable body.", tags="<script>alert(2)</script>", slug="x")}
    output = build_small_site(tmp_path, files).output_path
    [fragment] = [f for f in fragments(output / "pagefind") if f["url"].endswith("/x/")]
    # Pagefind stores text: the title comes back as the characters the author typed.
    assert ATTACK in fragment["meta"]["title"].replace("\xa0", " ")
    assert "<img" not in fragment["content"].replace(ATTACK, "")
    assert "<script>alert(2)</script>" in filter_index(output / "pagefind")["tag"]
