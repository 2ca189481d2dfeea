"""The seeds, imported and built: pages and feeds carry no boilerplate and no clear e-mail."""

import feedparser
import pytest

from helpers import ROOT, build_small_site, html_pages, parse_html
from servicebook import output_checks, site
from servicebook.importer import import_posts

SEEDS = ROOT.parent / "shared" / "seeds"
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"no seed dumps at {SEEDS}")
BOILERPLATE = ["Post a Comment", "No comments:", "0 Comments:", "Subscribe to Post Comments", "<< Home", "Labels:"]


@pytest.fixture(scope="module")
def imported_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("imported")
    report = import_posts(SEEDS, root / "content" / "posts", settings=site.load_settings())
    assert report.ok, report.as_text()
    return report, build_small_site(root, {"pages/about.md": "Title: About\n\nAbout.\n"}, strict=True).output_path


def test_every_imported_post_is_published_or_drafted(imported_site):
    report, output = imported_site
    published = [post for post in report.posts if not post.draft]
    assert len(published) == 5
    feed = feedparser.parse((output / "feeds/all.atom.xml").read_bytes())
    assert feed.bozo == 0 and len(feed.entries) == 5
    for post in published:
        page = output / str(post.date.year) / post.slug / "index.html"
        assert page.exists(), page


def test_no_boilerplate_or_clear_email_in_pages_or_feeds(imported_site):
    _, output = imported_site
    for path in html_pages(output) + output_checks.feed_files(output):
        text = parse_html(path).get_text(" ") if path.suffix == ".html" else path.read_text(encoding="utf-8")
        for phrase in BOILERPLATE:
            assert phrase not in text.replace("&lt;", "<"), (path, phrase)
    _, problems = output_checks.check_page_safety(output)
    assert [p for p in problems if "e-mail" in p] == []
    assert output_checks.check_feeds(output)[1] == []


def test_bio_and_author_reach_the_page(imported_site):
    report, output = imported_site
    with_bio = [post for post in report.posts if post.bio and post.author]
    assert with_bio
    for post in with_bio:
        soup = parse_html(output / str(post.date.year) / post.slug / "index.html")
        assert post.author in soup.select_one("article .meta").get_text()
        assert soup.select_one(".author-bio").get_text(" ", strip=True).startswith(post.bio[:20])
