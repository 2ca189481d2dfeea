"""End-to-end: the real sample site, built once, read back with an HTML parser."""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime

import pelicanconf
import publishconf
from helpers import content_articles, html_pages, is_draft, parse_html, resolve_link
from servicebook.tags import tag_key
from tag_normalise.tag_normalise import alias_keys, canonical_names

PUBLISHED = [(path, header) for path, header in content_articles() if not is_draft(header)]
DRAFTS = [(path, header) for path, header in content_articles() if is_draft(header)]


def article_file(output, header):
    return output / header["date"][:4] / header["slug"] / "index.html"


def expected_tag_counts():
    """Tag display name -> number of published articles, computed from the sources."""
    uses = [[tag.strip() for tag in header.get("tags", "").split(",") if tag.strip()] for _, header in PUBLISHED]
    aliases = alias_keys(pelicanconf.TAG_ALIASES)
    names = canonical_names([tag for tags in uses for tag in tags], aliases)
    return Counter(name for tags in uses for name in {names[tag] for tag in tags})


def test_sample_content_is_big_enough():
    assert len([p for p, _ in PUBLISHED if p.parent.name == "posts"]) >= 10
    assert len([p for p, _ in PUBLISHED if p.parent.name == "cases"]) >= 6
    assert len(DRAFTS) == 1
    assert len({header["date"][:4] for _, header in PUBLISHED}) >= 4
    assert len(expected_tag_counts()) >= 15


def test_build_is_clean(built_site):
    assert built_site.problems == []


def test_every_article_has_a_page_with_its_title(built_site):
    for path, header in PUBLISHED:
        page = article_file(built_site.output_path, header)
        assert page.exists(), f"{path.name} was not written to {page}"
        heading = parse_html(page).find("h1").get_text()
        # Typogrify curls quotes and adds a no-break space, so compare letters only.
        assert re.sub(r"\W", "", heading) == re.sub(r"\W", "", header["title"].replace("--", "")), path


def test_article_page_shows_date_author_category_tags_and_reading_time(built_site):
    path, header = PUBLISHED[0]
    soup = parse_html(article_file(built_site.output_path, header))
    time = soup.select_one("article .meta time")
    assert time["datetime"].startswith(header["date"][:10])
    meta_text = soup.select_one("article .meta").get_text(" ", strip=True)
    assert header["author"] in meta_text
    assert header["category"] in meta_text
    assert re.search(r"\d+ min read", meta_text)
    tag_links = soup.select("article .tag-list a[rel=tag]")
    assert len(tag_links) == len({tag_key(t) for t in header["tags"].split(",")} - {""})


def test_meta_description_and_opengraph_come_from_the_summary(built_site):
    path, header = PUBLISHED[1]
    soup = parse_html(article_file(built_site.output_path, header))
    summary_words = re.sub(r"\W", "", header["summary"])
    assert re.sub(r"\W", "", soup.find("meta", attrs={"name": "description"})["content"]) == summary_words
    assert re.sub(r"\W", "", soup.find("meta", property="og:description")["content"]) == summary_words
    assert soup.find("meta", property="og:type")["content"] == "article"
    assert re.sub(r"\W", "", soup.find("meta", property="og:title")["content"]) == re.sub(
        r"\W", "", header["title"].replace("--", "")
    )


def test_tag_pages_exist_with_right_counts(built_site):
    tags_page = parse_html(built_site.output_path / "tags" / "index.html")
    shown = {}
    for item in tags_page.select(".tag-cloud li"):
        link = item.find("a")
        shown[link.get_text()] = int(item.select_one(".count").get_text().strip("()"))
        assert resolve_link(built_site.output_path, built_site.output_path / "tags/index.html", link["href"]).exists()
    assert shown == dict(expected_tag_counts())


def test_categories_and_authors_pages_list_each_with_its_count(built_site):
    for page, key in (("categories", "category"), ("authors", "author")):
        expected = Counter(header[key] for _, header in PUBLISHED)
        items = parse_html(built_site.output_path / page / "index.html").select("main li")
        listed = {item.a.get_text(): int(item.select_one(".count").get_text().strip("()")) for item in items}
        assert listed == dict(expected), page
        for item in items:
            assert resolve_link(
                built_site.output_path, built_site.output_path / page / "index.html", item.a["href"]
            ).exists()


def test_tag_spelling_variants_and_aliases_are_one_tag(built_site):
    variants = {"customer service", "customer-service", "customer service".title(), "cs"}
    using = [header for _, header in PUBLISHED if variants & {t.strip() for t in header.get("tags", "").split(",")}]
    spellings = {t.strip() for _, h in PUBLISHED for t in h.get("tags", "").split(",")} & variants
    assert len(spellings) >= 3, "the sample content should exercise several spellings"
    tag_page = parse_html(built_site.output_path / "tag" / "customer-service" / "index.html")
    assert tag_page.find("h1").get_text() == "Tagged “customer service”"
    assert not (built_site.output_path / "tag" / "cs").exists()
    assert f"{len(using)} stor" in tag_page.select_one(".lede").get_text()


def test_tag_cloud_is_sorted_and_sized_by_count(built_site):
    items = parse_html(built_site.output_path / "tags" / "index.html").select(".tag-cloud li")
    names = [item.find("a").get_text() for item in items]
    assert names == sorted(names)
    size_of = {item.find("a").get_text(): int(item["class"][0].rsplit("-", 1)[1]) for item in items}
    counts = expected_tag_counts()
    assert size_of[max(counts, key=counts.get)] == 5
    assert size_of[min(counts, key=counts.get)] == 1
    for a in counts:
        for b in counts:
            if counts[a] > counts[b]:
                assert size_of[a] >= size_of[b]


def test_drafts_are_not_listed_anywhere(built_site):
    ((draft_path, draft),) = DRAFTS
    draft_url = f"drafts/{draft['slug']}/"
    for page in html_pages(built_site.output_path):
        if page.parent.name == draft["slug"]:
            continue
        text = page.read_text(encoding="utf-8")
        assert draft_url not in text and f"/{draft['slug']}/" not in text, page
    for feed in (built_site.output_path / "feeds").rglob("*.xml"):
        assert draft["slug"] not in feed.read_text(encoding="utf-8"), feed
    assert draft["slug"] not in (built_site.output_path / "sitemap.xml").read_text()


def test_published_site_has_no_drafts_and_absolute_urls(published_site):
    assert published_site.problems == []  # `make publish` is strict: any warning would stop it
    ((_, draft),) = DRAFTS
    assert not list(published_site.output_path.rglob(f"*{draft['slug']}*"))
    home = parse_html(published_site.output_path / "index.html")
    stylesheet = home.find("link", rel="stylesheet")["href"]
    assert stylesheet.startswith(publishconf.SITEURL + "/")
    robots = (published_site.output_path / "robots.txt").read_text().splitlines()
    assert f"Sitemap: {publishconf.SITEURL}/sitemap.xml" in robots
    _, header = PUBLISHED[0]
    article = parse_html(article_file(published_site.output_path, header))
    assert (
        article.find("meta", property="og:url")["content"]
        == f"{publishconf.SITEURL}/{header['date'][:4]}/{header['slug']}/"
    )
    # Root-relative links would break a site published under a path (https://host/blog).
    for page in html_pages(published_site.output_path):
        html = parse_html(published_site.output_path / page)
        for element in html.find_all(attrs={"href": True}) + html.find_all(attrs={"src": True}):
            link = element.get("href") or element.get("src")
            assert not link.startswith("/"), (page, str(element)[:120])


def test_typogrify_in_titles_and_bodies_but_not_in_code(built_site):
    quoted = [(p, h) for p, h in PUBLISHED if '"' in h["title"] or "--" in h["title"]]
    assert quoted, "the sample content should have a title with quotes or dashes"
    for _, header in quoted:
        title = parse_html(article_file(built_site.output_path, header)).find("h1").get_text()
        assert '"' not in title and "--" not in title, title
        assert re.search("[“”—–]", title), title
    with_code = [(p, h) for p, h in PUBLISHED if "```" in p.read_text(encoding="utf-8")]
    assert with_code, "the sample content should have a code block"
    for path, header in with_code:
        soup = parse_html(article_file(built_site.output_path, header))
        source_code = path.read_text(encoding="utf-8").split("```")[1].split("\n", 1)[1]
        rendered = soup.select_one(".post-body pre").get_text()
        assert rendered.strip() == source_code.strip(), "typogrify changed a code block"
        prose = " ".join(p.get_text() for p in soup.select(".post-body p"))
        assert "’" in prose or "“" in prose
        for code in soup.select(".post-body p code"):
            assert not re.search("[“”‘’—–…]", code.get_text()), code


def test_three_dots_become_an_ellipsis_outside_code(built_site):
    ellipses = 0
    for path, header in PUBLISHED:
        body = parse_html(article_file(built_site.output_path, header)).select_one(".post-body")
        for code in body.select("pre, code"):
            code.decompose()
        assert "..." not in body.get_text(), path.name
        ellipses += body.get_text().count("…")
    assert ellipses, "the sample content should have a '...' in its prose"


def test_widows_are_avoided_in_titles(built_site):
    _, header = PUBLISHED[0]
    h1 = parse_html(article_file(built_site.output_path, header)).find("h1").get_text()
    assert "\u00a0" in h1


def test_previous_next_and_related_links_point_at_existing_articles(built_site):
    output = built_site.output_path
    checked = Counter()
    for _, header in PUBLISHED:
        page = article_file(output, header)
        soup = parse_html(page)
        for selector in (".neighbours a", ".related a"):
            links = soup.select(selector)
            checked[selector] += len(links)
            for link in links:
                target = resolve_link(output, page, link["href"])
                assert target.exists(), f"{page}: {link['href']}"
                assert target.parent.parent.name.isdigit(), "should point at an article"
        assert len(soup.select(".related li")) <= 5
    assert checked[".neighbours a"] == 2 * len(PUBLISHED) - 2
    assert checked[".related a"] > 0


def test_related_posts_share_a_tag(built_site):
    output = built_site.output_path
    for _, header in PUBLISHED:
        soup = parse_html(article_file(output, header))
        own = {a.get_text() for a in soup.select("article .tag-list a")}
        for link in soup.select(".related a"):
            other = parse_html(resolve_link(output, article_file(output, header), link["href"]))
            assert own & {a.get_text() for a in other.select("article .tag-list a")}


def test_pagination_and_archives(built_site):
    output = built_site.output_path
    per_page = pelicanconf.DEFAULT_PAGINATION
    pages = -(-len(PUBLISHED) // per_page)
    assert pages >= 2
    listed = []
    for number in range(1, pages + 1):
        page = output / "index.html" if number == 1 else output / "page" / str(number) / "index.html"
        listed += [a["href"] for a in parse_html(page).select(".post-list h2 a")]
    assert len(listed) == len(set(listed)) == len(PUBLISHED)
    archive_links = parse_html(output / "archives" / "index.html").select(".archive-year li a")
    assert len(archive_links) == len(PUBLISHED)
    # Grouped by year, then month: each link sits under its article's year and month.
    by_url = {f"/{h['date'][:4]}/{h['slug']}/": h["date"] for _, h in PUBLISHED}
    for link in archive_links:
        year = link.find_parent("section", class_="archive-year").h2.get_text(strip=True)
        month = link.find_parent("ul").find_previous_sibling("h3").get_text(strip=True)
        date = by_url[link["href"]]
        assert (year, month) == (date[:4], datetime.strptime(date[:10], "%Y-%m-%d").strftime("%B")), link
    for year in {h["date"][:4] for _, h in PUBLISHED}:
        assert (output / year / "index.html").exists()


def test_404_page_and_robots(built_site):
    soup = parse_html(built_site.output_path / "404.html")
    assert soup.find("h1").get_text() == "Page not found"
    robots = (built_site.output_path / "robots.txt").read_text().splitlines()
    assert f"Sitemap: {pelicanconf.FEED_DOMAIN}/sitemap.xml" in robots  # absolute, as robots.txt wants
    assert (built_site.output_path / "sitemap.xml").exists()


def test_sitemap_lists_every_article(built_site):
    tree = ET.parse(built_site.output_path / "sitemap.xml")
    locs = {el.text for el in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    for _, header in PUBLISHED:
        assert any(loc.endswith(f"/{header['date'][:4]}/{header['slug']}/") for loc in locs), header["slug"]


def test_no_comment_system_anywhere(built_site):
    for page in html_pages(built_site.output_path):
        soup = parse_html(page)
        assert not soup.find("textarea"), page
        for form in soup.find_all("form"):
            assert "comment" not in str(form).lower(), page
        for link in soup.find_all("a"):
            assert "comment" not in (link.get_text() + link.get("href", "")).lower(), page


def test_every_page_has_landmarks_one_h1_and_a_language(built_site):
    for page in html_pages(built_site.output_path):
        soup = parse_html(page)
        assert soup.html.get("lang"), page
        assert len(soup.find_all("h1")) == 1, page
        assert soup.find("main", id="main") and soup.find("header") and soup.find("footer"), page
        assert soup.select_one('a.skip-link[href="#main"]'), page
        assert soup.select_one('form[role=search] label[for="site-search"]'), page


def test_about_page_is_in_the_menu(built_site):
    soup = parse_html(built_site.output_path / "about" / "index.html")
    assert soup.find("h1").get_text() == "About"
    nav = [a.get_text() for a in soup.select("nav[aria-label=Main] a")]
    assert "About" in nav and "Tags" in nav


def test_rebuilds_typogrify_only_changed_files_and_settings_change_the_cache(tmp_path, monkeypatch):
    import typogrify.filters

    from helpers import build_small_site, post
    from servicebook import site
    from servicebook.cache_folders import cache_fingerprint

    files = {f"posts/p{i}.md": post(f'"Quote" {i}', "It's -- fine.", slug=f"p{i}") for i in range(3)}
    build_small_site(tmp_path, files)
    calls = []
    real = typogrify.filters.typogrify
    monkeypatch.setattr(typogrify.filters, "typogrify", lambda *a, **k: calls.append(1) or real(*a, **k))
    (tmp_path / "content/posts/p1.md").write_text(post('"Quote" 1', "Edited -- text.", slug="p1"), encoding="utf-8")
    result = build_small_site(tmp_path, {})
    assert len(calls) == 2  # the title and body of the one edited post, nothing else
    body = parse_html(result.output_path / "2024/p1/index.html").select_one(".post-body").get_text()
    assert "Edited —" in body and "--" not in body
    settings = site.load_settings()
    assert cache_fingerprint(settings) != cache_fingerprint({**settings, "TYPOGRIFY_DASHES": "oldschool"})
