"""The sitemap (plugins/site_map): its entries from pure functions, then whole builds, read
back with lxml."""

import datetime
import logging

import pytest
from lxml import etree
from pelican.contents import Article

from helpers import build_small_site, post
from servicebook.problems import ProblemsError
from servicebook.site import BuildFailed
from site_map.site_map import CHANGEFREQS, DEFAULTS, SITEMAP, sitemap_config, sitemap_text

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
UTC = datetime.UTC


def article(url, **fields):
    """An Article as the sitemap reads it (no Pelican run): its url (as a URL: header gives it),
    status and header fields."""
    content = Article.__new__(Article)
    status = fields.pop("status", "published")
    content.__dict__.update({"_status": status, "source_path": f"content/{url}.md", "override_url": url, **fields})
    return content


def entries(text):
    """{address: {child element's local name: text}} of an XML sitemap, and its alternates."""
    root = etree.fromstring(text.encode())
    found = {}
    for url in root.findall("s:url", NS):
        fields = {etree.QName(child).localname: child.text for child in url if child.text is not None}
        fields["alternates"] = [(link.get("hreflang"), link.get("href")) for link in url.findall("x:link", NS)]
        found[fields.pop("loc")] = fields
    return found


def test_the_settings_fill_in_what_they_leave_out_and_name_every_mistake():
    config = sitemap_config({"priorities": {"articles": 0.7}, "exclude": ["tag/"]})
    assert config["priorities"] == {"articles": 0.7, "pages": 0.5, "indexes": 0.5}
    assert config["changefreqs"] == DEFAULTS["SITEMAP"]["changefreqs"]
    assert config["format"] == "xml" and [pattern.pattern for pattern in config["exclude"]] == ["tag/"]
    with pytest.raises(ProblemsError) as raised:
        sitemap_config(
            {
                "formats": "xml",
                "format": "html",
                "priorities": {"articles": 2, "posts": 0.1},
                "changefreqs": {"pages": "sometimes"},
                "exclude": ["("],
            }
        )
    shown = str(raised.value)
    for mistake in (
        "unknown key 'formats'",
        "format 'html'",
        "priorities: articles: 2 is not a number from 0 to 1",
        "unknown kind 'posts'",
        "changefreqs: pages: 'sometimes'",
        "exclude: not a regular expression",
    ):
        assert mistake in shown
    assert all(problem.field == "SITEMAP" for problem in raised.value.problems)


def test_each_page_is_listed_once_by_its_address_with_its_own_date_or_none(tmp_path):
    config = sitemap_config({"exclude": ["^tag/"], "priorities": {"articles": 0.7}})
    out = str(tmp_path)
    dated = article(
        "2024/a-b/",
        date=datetime.datetime(2024, 1, 2, 10, 0, tzinfo=UTC),
        modified=datetime.datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC),
    )
    naive = article("2023/naive/", date=datetime.datetime(2023, 5, 6, 7, 8))
    translated = article(
        "2024/en/", date=datetime.datetime(2024, 1, 1, tzinfo=UTC), translations=[article("2024/fr/", lang="fr")]
    )
    pages = [
        (f"{out}/2024/a-b/index.html", dated),
        (f"{out}/index.html", None),
        (f"{out}/tag/x/index.html", None),
        (f"{out}/archives/index.html", None),
        (f"{out}/q&a/index.html", None),  # quoted, as a file's path in an address
        (f"{out}/2024/r&d/index.html", article("2024/r&d/")),  # escaped in the XML
        (f"{out}/2023/naive/index.html", naive),
        (f"{out}/2024/en/index.html", translated),
        (f"{out}/drafts/d.html", article("drafts/d.html", status="draft")),
        (f"{out}/2024/secret/index.html", article("2024/secret/", private="True")),
    ]
    found = entries(sitemap_text(pages, "https://example.org", out, config, "content"))
    assert (
        list(found)
        == sorted(found)
        == [
            "https://example.org/",
            "https://example.org/2023/naive/",
            "https://example.org/2024/a-b/",
            "https://example.org/2024/en/",
            "https://example.org/2024/r&d/",
            "https://example.org/archives/",
            "https://example.org/q%26a/",
        ]
    )
    assert found["https://example.org/2024/a-b/"] == {
        "lastmod": "2024-03-04T05:06:07+00:00",  # Modified wins over Date
        "changefreq": "monthly",
        "priority": "0.7",
        "alternates": [],
    }
    assert found["https://example.org/2023/naive/"]["lastmod"] == "2023-05-06T07:08:00-00:00"
    # A list page has no date of its own: none, so the same sources make the same sitemap.
    assert found["https://example.org/"] == {"changefreq": "daily", "priority": "0.5", "alternates": []}
    assert found["https://example.org/2024/en/"]["alternates"] == [("fr", "https://example.org/2024/fr/")]


def test_a_contents_own_frequency_and_priority_win_and_bad_ones_are_reported(tmp_path, caplog):
    config = sitemap_config({})
    own = article("2024/own/", changefreq="weekly", priority="0")
    source = tmp_path / "content" / "posts" / "bad.md"
    source.parent.mkdir(parents=True)
    source.write_text(post("Bad", "Words.", Changefreq="sometimes", Priority="high"), encoding="utf-8")
    bad = article("2024/bad/", changefreq="sometimes", priority="high", source_path=str(source))
    out = tmp_path / "output"
    pages = [(f"{out}/2024/own/index.html", own), (f"{out}/2024/bad/index.html", bad)]
    with caplog.at_level(logging.WARNING):
        found = entries(sitemap_text(pages, "", str(out), config, tmp_path / "content"))
    assert found["/2024/own/"]["changefreq"] == "weekly" and found["/2024/own/"]["priority"] == "0.0"
    assert found["/2024/bad/"]["changefreq"] == "monthly" and found["/2024/bad/"]["priority"] == "0.5"
    # Named as the author knows the file, with the line of the field.
    problems = [str(record.problem) for record in caplog.records if hasattr(record, "problem")]
    assert problems == [
        "content/posts/bad.md:3: Changefreq: 'sometimes' is not one of " + ", ".join(CHANGEFREQS),
        "content/posts/bad.md:4: Priority: 'high' is not a number from 0 to 1",
    ]


def test_a_text_sitemap_lists_the_addresses_alone(tmp_path):
    config = sitemap_config({"format": "txt"})
    pages = [(f"{tmp_path}/b/index.html", None), (f"{tmp_path}/a.html", None)]
    assert sitemap_text(pages, "https://example.org", str(tmp_path), config, "content") == (
        "https://example.org/a.html\nhttps://example.org/b/\n"
    )


FILES = {
    "posts/one.md": post("One", "Words.", slug="one", tags="billing"),
    "posts/two.md": post("Two", "Words.", date="2024-02-03 10:00", slug="two", tags="billing", modified="2024-03-01"),
    "posts/draft.md": post("Draft", "Words.", slug="draft", status="draft"),
}


def test_the_same_sources_make_the_same_sitemap_and_a_stopped_build_leaves_nothing_behind(tmp_path):
    first = build_small_site(tmp_path / "a", FILES)
    written = (first.output_path / "sitemap.xml").read_bytes()
    found = entries(written.decode())
    assert {"/2024/one/", "/2024/two/", "/"} <= found.keys()
    assert not any("draft" in address or "/tag/" in address for address in found)  # pelicanconf excludes tag/
    assert found["/2024/two/"]["lastmod"].startswith("2024-03-01T00:00:00")
    assert "lastmod" not in found["/"]  # not the time of the build: the next one writes the same
    # A build stopped by a bad SITEMAP names the mistake.
    with pytest.raises(BuildFailed, match="SITEMAP: format 'yaml'"):
        build_small_site(tmp_path / "b", FILES, SITEMAP={"format": "yaml"})
    # A page announced by a build that stopped midway is not listed by the next.
    SITEMAP.page_written(str(tmp_path / "b" / "output" / "stale" / "index.html"), {})
    second = build_small_site(tmp_path / "b", FILES)
    assert (second.output_path / "sitemap.xml").read_bytes() == written


def test_a_change_of_format_leaves_no_sitemap_of_the_other(tmp_path):
    build_small_site(tmp_path, FILES)
    result = build_small_site(tmp_path, FILES, SITEMAP={"format": "txt", "exclude": ["tag/"]})
    assert not (result.output_path / "sitemap.xml").exists()
    assert "/2024/one/\n" in (result.output_path / "sitemap.txt").read_text()


def test_an_unchanged_sitemap_is_not_written_again_and_a_spoilt_one_is(tmp_path):
    sitemap = build_small_site(tmp_path, FILES).output_path / "sitemap.xml"
    written = sitemap.stat().st_ino
    build_small_site(tmp_path, FILES)
    assert sitemap.stat().st_ino == written  # left as it was, not replaced by the same bytes
    good = sitemap.read_bytes()
    sitemap.write_bytes(b"\xff\xfe not a sitemap")
    build_small_site(tmp_path, FILES)
    assert sitemap.read_bytes() == good
