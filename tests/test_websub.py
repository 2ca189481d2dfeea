"""WebSub: every feed names the hub and itself; a deploy pings the hub for the feeds it changed."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import feedparser
import pytest
from lxml import etree

from helpers import SETTINGS, build_small_site, case, post
from servicebook.deploy.websub import changed_feed_urls, ping
from servicebook.output_checks import check_feeds, feed_files

HUB = "https://hub.example/"
DOMAIN = "https://site.example"
NS = {"atom": "http://www.w3.org/2005/Atom"}
FILES = {
    "posts/a.md": post("A", "Text of A.", tags="billing, customer service", slug="a"),
    "posts/b.md": post("B", "Text of B.", date="2023-05-05 09:00", tags="refunds", slug="b"),
    "cases/c.md": case(),
}


def built_feeds(output):
    """{path relative to the output: bytes} of every feed a build wrote."""
    return {path.relative_to(output).as_posix(): path.read_bytes() for path in feed_files(output)}


@pytest.fixture(scope="module")
def hub_site(tmp_path_factory):
    result = build_small_site(tmp_path_factory.mktemp("hub"), FILES, WEBSUB_HUB=HUB, FEED_DOMAIN=DOMAIN)
    return result.output_path


@pytest.fixture(scope="module")
def hub_feeds(hub_site):
    return built_feeds(hub_site)


def test_every_kind_of_feed_is_written(hub_feeds):
    for expected in ("feeds/all.atom.xml", "feeds/tags/customer-service.rss.xml", "feeds/categories/cases.json"):
        assert expected in hub_feeds
    assert any(path.startswith("feeds/cases/") for path in hub_feeds)  # the casebook's facet feeds


def test_feeds_with_a_hub_pass_make_check(hub_site):
    assert check_feeds(hub_site) == (len(feed_files(hub_site)), [])


def test_atom_feeds_name_the_hub_and_themselves(hub_feeds):
    for path, data in hub_feeds.items():
        if path.endswith(".atom.xml"):
            root = etree.fromstring(data)
            assert root.xpath("/atom:feed/atom:link[@rel='hub']/@href", namespaces=NS) == [HUB], path
            assert root.xpath("/atom:feed/atom:link[@rel='self']/@href", namespaces=NS) == [f"{DOMAIN}/{path}"], path
            assert_feedparser_links(data, f"{DOMAIN}/{path}")


def test_rss_feeds_name_the_hub_and_themselves(hub_feeds):
    for path, data in hub_feeds.items():
        if path.endswith(".rss.xml"):
            channel = etree.fromstring(data).find("channel")
            assert channel.xpath("atom:link[@rel='hub']/@href", namespaces=NS) == [HUB], path
            (self_link,) = channel.xpath("atom:link[@rel='self']", namespaces=NS)
            assert dict(self_link.attrib) == {"rel": "self", "href": f"{DOMAIN}/{path}", "type": "application/rss+xml"}
            assert_feedparser_links(data, f"{DOMAIN}/{path}")


def assert_feedparser_links(data, feed_url):
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    links = {(link["rel"], link["href"]) for link in parsed.feed.links}
    assert {("hub", HUB), ("self", feed_url)} <= links


def test_json_feeds_name_the_hub_and_themselves(hub_feeds):
    for path, data in hub_feeds.items():
        if path.endswith(".json"):
            feed = json.loads(data)
            assert feed["hubs"] == [{"type": "WebSub", "url": HUB}], path
            assert feed["feed_url"] == f"{DOMAIN}/{path}"


def test_without_a_hub_no_feed_names_one(tmp_path):
    result = build_small_site(tmp_path, FILES, FEED_DOMAIN=DOMAIN)
    feeds = built_feeds(result.output_path)
    for path, data in feeds.items():
        assert b"hub" not in data, path
        if path.endswith(".rss.xml"):  # feedgenerator's own self link, as before WebSub
            assert etree.fromstring(data).xpath("//atom:link/@rel", namespaces=NS) == ["self"]


def test_a_deploy_of_the_whole_build_announces_every_feed(hub_feeds):
    settings = {**SETTINGS, "FEED_DOMAIN": DOMAIN}
    uploaded = [*hub_feeds, *(f"{path}.gz" for path in hub_feeds), "index.html", "feeds/index.html"]
    assert changed_feed_urls(uploaded, settings) == sorted(f"{DOMAIN}/{path}" for path in hub_feeds)


def test_changed_feed_urls_finds_feeds_and_their_compressed_copies():
    settings = {**SETTINGS, "FEED_DOMAIN": "https://site.example/"}
    uploaded = [
        "index.html",
        "2024/a/index.html.gz",
        "sitemap.xml",
        "theme/feed.xsl",
        "feeds/all.atom.xml",
        "feeds/all.atom.xml.gz",
        "feeds/all.atom.xml.br",
        "feeds/all.json.br",
        "feeds/tags/billing.rss.xml",
        "feeds/tags/customer-service.json.gz",
        "feeds/tags/billing.atomXxml",
        "feeds/categories/cases.atom.xml",
        "feeds/cases/sector/telecom.atom.xml",
        "feeds/cases/channel/social-media.rss.xml.br",
        "feeds/cases/sector/telecom.json",  # the casebook writes no JSON feeds
    ]
    assert changed_feed_urls(uploaded, settings) == [
        "https://site.example/feeds/all.atom.xml",
        "https://site.example/feeds/all.json",
        "https://site.example/feeds/cases/channel/social-media.rss.xml",
        "https://site.example/feeds/cases/sector/telecom.atom.xml",
        "https://site.example/feeds/categories/cases.atom.xml",
        "https://site.example/feeds/tags/billing.rss.xml",
        "https://site.example/feeds/tags/customer-service.json",
    ]


def test_changed_feed_urls_follows_the_sites_feed_paths():
    settings = {"FEED_DOMAIN": DOMAIN, "FEED_PATHS": {"tag": {"atom": "tag/{slug}/feed.xml"}}}
    uploaded = ["tag/billing/feed.xml", "feeds/all.atom.xml", "feeds/cases/sector/telecom.atom.xml", "tag/feed.xml"]
    assert changed_feed_urls(uploaded, settings) == [f"{DOMAIN}/tag/billing/feed.xml"]
    assert changed_feed_urls(["index.html"], settings) == []


class Hub(ThreadingHTTPServer):
    """A local hub that records each request and answers with `status`."""

    def __init__(self, status):
        super().__init__(("127.0.0.1", 0), HubHandler)
        self.status, self.requests = status, []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"


class HubHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode("ascii")
        self.server.requests.append((self.command, self.headers["Content-Type"], parse_qs(body)))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def hub(request):
    """A running Hub; `@pytest.mark.parametrize("hub", [status], indirect=True)` picks its answer."""
    server = Hub(getattr(request, "param", 204))
    # A short poll interval: shutdown() waits for the loop to look.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


FEEDS = [f"{DOMAIN}/feeds/all.atom.xml", f"{DOMAIN}/feeds/all.rss.xml", f"{DOMAIN}/feeds/tags/billing.json"]


@pytest.mark.parametrize("hub", [200, 202, 204], indirect=True)
def test_ping_posts_publish_once_per_feed(hub):
    assert ping(hub.url, FEEDS) == []
    assert hub.requests == [
        ("POST", "application/x-www-form-urlencoded", {"hub.mode": ["publish"], "hub.url": [feed]}) for feed in FEEDS
    ]


@pytest.mark.parametrize("hub", [500], indirect=True)
def test_a_hub_that_fails_gives_a_warning_per_feed(hub):
    assert ping(hub.url, FEEDS[:2]) == [f"WebSub: {hub.url} answered 500 for {feed}" for feed in FEEDS[:2]]
    assert len(hub.requests) == 2


def test_no_hub_or_no_feeds_sends_nothing(hub):
    assert ping("", FEEDS) == []
    assert ping(hub.url, []) == []
    assert hub.requests == []


def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


def test_an_unreachable_hub_gives_one_warning_quickly():
    url = closed_port_url()
    started = time.monotonic()
    warnings = ping(url, FEEDS, timeout=5)
    assert time.monotonic() - started < 2
    assert len(warnings) == 1
    assert warnings[0].startswith(f"WebSub: could not reach {url} (")
    assert warnings[0].endswith("; 3 feed(s) not announced")


def test_a_hub_that_never_answers_costs_one_timeout():
    with socket.socket() as silent:  # accepts connections (the backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        started = time.monotonic()
        warnings = ping(url, FEEDS, timeout=0.3)
        assert time.monotonic() - started < 1.5
    assert warnings == [f"WebSub: could not reach {url} (timed out); 3 feed(s) not announced"]


def test_a_malformed_hub_address_is_a_warning():
    assert ping("hub.example", FEEDS[:1]) == [
        "WebSub: could not reach hub.example (unknown url type: 'hub.example'); 1 feed(s) not announced"
    ]
