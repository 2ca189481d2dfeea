"""`invoke check`: what must hold for every page and feed of a built site.

Each check is a function over the output folder returning (number checked, [problems]), so
the tests run the same checks on the sample site and on the small sites they build.
"""

import json
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import html5lib
from bs4 import BeautifulSoup
from lxml import etree

from servicebook.emails import EMAIL

# <link> relations that make the browser fetch the target with the page (others, such as
# alternate or canonical, are links a reader or a feed reader may follow).
LOADED_LINK_RELS = {"stylesheet", "icon", "apple-touch-icon", "preload", "modulepreload", "prefetch", "manifest"}
REQUIRED_CSP = ("default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'")


@dataclass
class CheckReport:
    counts: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)  # check name -> [messages]
    external_links: list = field(default_factory=list)

    def add(self, name, count, problems):
        self.counts[name] = count
        self.problems[name] = list(problems)

    @property
    def ok(self):
        return not any(self.problems.values())

    def summary(self):
        lines = [f"{name}: {self.counts[name]} checked, {len(self.problems[name])} problem(s)" for name in self.counts]
        lines.append(f"external links (listed, not fetched): {len(self.external_links)}")
        lines += [f"  {url}" for url in self.external_links]
        for name, problems in self.problems.items():
            lines += [f"  [{name}] {problem}" for problem in problems]
        return "\n".join(lines)


def html_pages(output):
    return sorted(Path(output).rglob("*.html"))


@lru_cache(maxsize=4096)
def _soup(path):
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html5lib")


def _ids(path):
    soup = _soup(path)
    return {el["id"] for el in soup.find_all(id=True)} | {a["name"] for a in soup.find_all("a", attrs={"name": True})}


def internal_path(url, site_url=""):
    """(path, fragment) of `url` if it points into the site, else None (other host, mailto:, data:)."""
    if site_url and url.startswith(site_url.rstrip("/") + "/"):
        url = url[len(site_url.rstrip("/")) :]
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    return parts.path, parts.fragment


def target_file(output, page, path):
    """The file a link's `path` (root-relative or relative to `page`) names in `output`."""
    base = Path(output) if path.startswith("/") else page.parent
    target = (base / unquote(path).lstrip("/")).resolve()
    return target / "index.html" if path.endswith("/") or target.is_dir() else target


def page_urls(soup):
    """(element, attribute, URL) of every URL a page holds: followed (a, area, link) or loaded
    (any src, poster, object data, each srcset candidate)."""
    for element in soup.find_all(True):
        for attribute in ("href", "src", "poster", "data", "srcset"):
            value = element.get(attribute)
            if (
                value is None
                or (attribute == "href" and element.name not in ("a", "area", "link"))
                or (attribute == "data" and element.name != "object")
            ):
                continue
            # srcset: "a.png 1x, b.png 2x" (a data: URL has commas of its own; it loads nothing)
            urls = (
                [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]
                if attribute == "srcset" and not value.lstrip().startswith("data:")
                else [value]
            )
            for url in urls:
                yield element, attribute, url


def is_loaded(element, attribute):
    """Whether the browser fetches this URL with the page (rather than when a link is followed)."""
    if element.name == "link":
        return bool(LOADED_LINK_RELS & set(element.get("rel", [])))
    return attribute != "href"


def check_links(output, site_url=""):
    """Every internal href/src resolves to a file, every #fragment to an id on that page.
    Returns (count, problems, external links)."""
    output = Path(output).resolve()
    problems, external, count = [], set(), 0
    for page in html_pages(output):
        for element, attribute, url in page_urls(_soup(page)):
            internal = internal_path(url, site_url)
            if internal is None:
                if urlsplit(url).scheme in ("http", "https"):
                    external.add(url)
                continue
            count += 1
            path, fragment = internal
            target = target_file(output, page, path) if path else page
            where = page.relative_to(output)
            if not target.exists():
                problems.append(f"{where}: {element.name} {attribute}={url!r} points at a missing file")
            elif fragment and target.suffix == ".html" and fragment not in _ids(target):
                problems.append(f"{where}: {url!r}: no element with id {fragment!r} on that page")
    return count, problems, sorted(external)


def check_html(output):
    """Each page parses without errors (html5lib, strict), has one <h1>, a lang, alt on images."""
    output = Path(output)
    parser = html5lib.HTMLParser(strict=True)
    problems = []
    pages = html_pages(output)
    for page in pages:
        where = page.relative_to(output)
        try:
            parser.parse(page.read_text(encoding="utf-8"))
        except html5lib.html5parser.ParseError as error:
            problems.append(f"{where}: not valid HTML5: {error}")
        soup = _soup(page)
        if len(soup.find_all("h1")) != 1:
            problems.append(f"{where}: {len(soup.find_all('h1'))} <h1> elements, want exactly one")
        if not soup.html.get("lang"):
            problems.append(f"{where}: <html> has no lang")
        for image in soup.find_all("img"):
            if image.get("alt") is None:
                problems.append(f"{where}: <img src={image.get('src')!r}> has no alt text")
    return len(pages), problems


def feed_files(output):
    feeds = Path(output) / "feeds"
    return sorted(feeds.rglob("*.xml")) + sorted(feeds.rglob("*.json"))


def json_feed_problems(data):
    """JSON Feed 1.1's required fields (feedparser 6.0 does not read JSON Feed)."""
    try:
        feed = json.loads(data)
    except ValueError as error:
        return [f"not valid JSON: {error}"]
    problems = [f"missing {key!r}" for key in ("version", "title", "items") if not feed.get(key)]
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version is {feed.get('version')!r}, want https://jsonfeed.org/version/1.1")
    for number, item in enumerate(feed.get("items", [])):
        # The spec asks for content_html or content_text to be present, not to be non-empty.
        if not item.get("id") or not ({"content_html", "content_text"} & item.keys()):
            problems.append(f"item {number} lacks id or content")
        for key in ("date_published", "date_modified"):
            try:
                datetime.fromisoformat(item.get(key, ""))
            except ValueError:
                problems.append(f"item {number}: {key} {item.get(key)!r} is not an RFC 3339 date")
    return problems


def feed_problems(path):
    """Why a feed file would trouble a reader: feedparser's bozo, lxml's error, JSON Feed rules."""
    data = Path(path).read_bytes()
    if path.suffix == ".json":
        return json_feed_problems(data)
    problems = []
    try:
        etree.fromstring(data)
    except etree.XMLSyntaxError as error:
        problems.append(f"not well-formed XML: {error}")
    parsed = feedparser.parse(data)
    if parsed.bozo:
        problems.append(f"feedparser: {parsed.get('bozo_exception')}")
    if not parsed.version:
        problems.append("feedparser does not recognise it as a feed")
    return problems


def check_feeds(output):
    files = feed_files(output)
    problems = [f"{path.relative_to(output)}: {problem}" for path in files for problem in feed_problems(path)]
    return len(files), problems


def content_security_policy(soup):
    meta = soup.find("meta", attrs={"http-equiv": re.compile("^content-security-policy$", re.I)})
    return meta.get("content", "") if meta else None


def check_page_safety(output, site_url=""):
    """No third-party loads, a CSP the page itself satisfies, no clear e-mail addresses."""
    output = Path(output)
    problems = []
    pages = html_pages(output)
    for page in pages:
        where = page.relative_to(output)
        soup = _soup(page)
        for element, attribute, url in page_urls(soup):
            if is_loaded(element, attribute) and internal_path(url, site_url) is None and not url.startswith("data:"):
                problems.append(f"{where}: loads {url!r} from another host")
        policy = content_security_policy(soup)
        if policy is None:
            problems.append(f"{where}: no Content-Security-Policy <meta>")
        else:
            problems += [f"{where}: CSP lacks {rule!r}" for rule in REQUIRED_CSP if rule not in policy]
        if soup.find("script", string=re.compile(r"\S")):
            problems.append(f"{where}: inline <script> (the CSP blocks it)")
        if soup.find("style") or soup.find(style=True):
            problems.append(f"{where}: inline style (the CSP blocks it)")
        for element in soup.find_all(True):
            handlers = [name for name in element.attrs if name.lower().startswith("on")]
            if handlers:
                problems.append(f"{where}: inline event handler {handlers[0]} on <{element.name}>")
    for path in pages + feed_files(output):
        for address in sorted(set(EMAIL.findall(path.read_text(encoding="utf-8")))):
            problems.append(f"{path.relative_to(output)}: e-mail address in clear: {address}")
    return len(pages), problems


def check_output(output, site_url=""):
    """All the static checks over a built site."""
    report = CheckReport()
    links, link_problems, external = check_links(output, site_url)
    report.add("links", links, link_problems)
    report.external_links = external
    report.add("html pages", *check_html(output))
    report.add("feeds", *check_feeds(output))
    report.add("page safety", *check_page_safety(output, site_url))
    return report


def key_pages(output):
    """The pages a reader meets first: home, the newest article and case, tags, search, stats."""
    output = Path(output)
    newest = _soup(output / "index.html").select_one(".post-list h2 a")["href"]
    newest_case = _soup(output / "cases" / "index.html").select_one(".post-list h2 a")["href"]
    return ["/", newest, newest_case, "/tags/", "/search/?q=billing", "/cases/stats/"]


def pages_with_images(output):
    """The site paths of the posts and pages that show images in their text."""
    output = Path(output)
    return [
        "/" + path.relative_to(output).as_posix().removesuffix("index.html")
        for path in html_pages(output)
        if _soup(path).select_one(".post-body img")
    ]


def check_in_browser(output, report, pages=None, browser=None, weighed=None):
    """axe-core (serious and critical violations, in light and dark mode), the pages' own
    CSP, and the page-weight budget of every page with images (`weighed`, by default all of
    them), in headless Chromium (`browser`, or one started here)."""
    from .accessibility import axe_violations, csp_violations
    from .browser import chromium, serve_directory
    from .page_weight import BUDGET, kb, over_budget, transfers

    pages = pages or key_pages(output)
    with ExitStack() as stack:
        server = stack.enter_context(serve_directory(output))
        browser = browser or stack.enter_context(chromium())
        for scheme, name in (("light", "accessibility (axe-core)"), ("dark", "accessibility, dark mode (axe-core)")):
            report.add(
                name,
                len(pages),
                [
                    f"{page} ({scheme}): {v}"
                    for page in pages
                    for v in axe_violations(browser, server.url(page), color_scheme=scheme)
                ],
            )
        report.add(
            "content security policy (browser)",
            len(pages),
            [f"{page}: {v}" for page in pages for v in csp_violations(browser, server.url(page))],
        )
        weighed = pages_with_images(output) if weighed is None else weighed
        verdicts = [(page, over_budget(transfers(browser, server.url(page)))) for page in weighed]
        report.add(
            f"page weight, read to the end ({kb(BUDGET)} budget)", len(weighed), [f"{p}: {v}" for p, v in verdicts if v]
        )
    return report
