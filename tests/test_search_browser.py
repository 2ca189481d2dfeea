"""The /search/ page in headless Chromium, against the real sample site and its Pagefind index.

The site is served by a plain http.server on 127.0.0.1 with the Content-Security-Policy it
will get (tests/browser_fixtures.py). Skipped loudly without Chromium or Playwright; a failure with
SERVICEBOOK_REQUIRE_BROWSER=1 (CI).
"""

import re
from collections import Counter

import pytest

from helpers import CONTENT, ROOT, build_small_site, content_articles, is_draft, post
from pelicanconf import CONTENT_SECURITY_POLICY
from servicebook import site
from servicebook.browser import serve_directory

pytest_plugins = ["browser_fixtures"]

RESULT = "pagefind-results li.search-result"
ANY_RESULT = "pagefind-results ul.pf-results > li"  # loaded results and their placeholders
COMMON_QUERY = "billing"
ARTICLE_PAGE_BUDGET = 40 * 1024
_WORD = re.compile(r"[a-z]{7,}")


def article_url(header):
    return f"/{header['date'][:4]}/{header['slug']}/"


@pytest.fixture(scope="module", params=["one bundle", "in shards"])
def site_server(request, built_site, tmp_path_factory):
    """The sample site, its index in one bundle and in shards of about 5 pages: every test
    here must see the same search (results, filters, counts) either way."""
    output = built_site.output_path
    if request.param == "in shards":
        output = tmp_path_factory.mktemp("sharded")
        site.build(OUTPUT_PATH=output, CACHE_PATH=tmp_path_factory.mktemp("sharded-cache"), SEARCH_INDEX_SHARD_PAGES=5)
        assert len(list((output / "pagefind").glob("shard-*"))) >= 3
    with serve_directory(output, {"Content-Security-Policy": CONTENT_SECURITY_POLICY}) as server:
        yield server


def distinctive_word():
    """(word, url) for a word of one published post's body that no other text on the site has.

    "No other text" means no other content file, template or setting, and not even the word's
    first letters (so Pagefind's stemming cannot match elsewhere either).
    """
    published = [(path, header) for path, header in content_articles() if not is_draft(header)]
    others = {path: path.read_text(encoding="utf-8").lower() for path in sorted(CONTENT.rglob("*.md"))}
    for path in sorted((ROOT / "theme" / "templates").glob("*")) + [ROOT / "pelicanconf.py"]:
        others[path] = path.read_text(encoding="utf-8").lower()
    for path, header in published:
        body = path.read_text(encoding="utf-8").split("\n\n", 1)[1].lower()
        counts = Counter(_WORD.findall(body))
        for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            stem = word[: max(5, len(word) - 3)]
            if not any(stem in text for other, text in others.items() if other != path):
                return word, article_url(header)
    raise AssertionError("no word of any post is unique to it any more: pick the test word differently")


def result_count(page):
    return page.locator(ANY_RESULT).count()


def type_query(page, query):
    """Put `query` in the search box as one input event, then wait until it is the search in the
    address. (Typed a key at a time, a slow runner can pause past the debounce and show results
    for the first letters, which the checks would then read.)"""
    page.locator("#site-search").fill(query)
    page.wait_for_url(re.compile(rf"/search/\?q={re.escape(query)}$"))


def open_search(page, site_server, query=""):
    page.goto(site_server.url("/search/" + (f"?q={query}" if query else "")))
    page.wait_for_selector("#site-search", state="visible")
    page.wait_for_load_state("networkidle")  # Pagefind preloaded


def wait_for_count(page, count):
    page.wait_for_function(
        "([selector, count]) => document.querySelectorAll(selector).length === count", arg=[ANY_RESULT, count]
    )


def test_the_test_word_is_in_exactly_one_content_file():
    word, url = distinctive_word()
    files = [path for path in CONTENT.rglob("*.md") if re.search(rf"\b{word}\b", path.read_text().lower())]
    assert len(files) == 1, (word, files)


def test_a_word_from_one_post_finds_that_post_first(new_page, site_server):
    word, url = distinctive_word()
    page = new_page()
    open_search(page, site_server)
    type_query(page, word)
    first = page.locator(RESULT).first
    from playwright.sync_api import expect  # only here: without Playwright the fixtures skip first

    expect(first.locator("h2 a")).to_have_attribute("href", url)
    assert word in first.locator("mark").first.inner_text().lower()


def test_a_result_shows_title_date_and_highlighted_excerpt(new_page, site_server):
    page = new_page()
    open_search(page, site_server, COMMON_QUERY)
    first = page.locator(RESULT).first
    first.wait_for()
    assert first.locator("h2 a").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first.locator("time").get_attribute("datetime"))
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", first.locator("time").inner_text())
    assert first.locator(".search-result-excerpt mark").count() >= 1


def test_a_tag_filter_narrows_the_results(new_page, site_server):
    page = new_page()
    open_search(page, site_server, COMMON_QUERY)
    page.locator(RESULT).first.wait_for()
    before = result_count(page)
    page.locator("details[data-filter-name=tag] > summary").click()
    options = page.locator("details[data-filter-name=tag] label.pf-filter-checkbox:visible")
    counts = {
        options.nth(i).locator("input").get_attribute("value"): int(
            options.nth(i).locator(".pf-filter-checkbox-count").inner_text()
        )
        for i in range(options.count())
    }
    tag, count = min(counts.items(), key=lambda item: (item[1], item[0]))
    assert 0 < count < before, counts
    page.locator(f"details[data-filter-name=tag] input[value='{tag}']").check()
    wait_for_count(page, count)
    assert result_count(page) == count < before
    assert f"tag={tag.replace(' ', '+')}" in page.url
    # Unticking brings the whole list back.
    page.locator(f"details[data-filter-name=tag] input[value='{tag}']").uncheck()
    wait_for_count(page, before)


def test_a_shared_address_opens_with_its_results_and_filters(new_page, site_server):
    page = new_page()
    open_search(page, site_server, COMMON_QUERY)
    page.locator(RESULT).first.wait_for()
    all_results = result_count(page)
    page.locator("details[data-filter-name=category] > summary").click()
    option = page.locator("details[data-filter-name=category] label.pf-filter-checkbox:visible").first
    filtered = int(option.locator(".pf-filter-checkbox-count").inner_text())
    option.locator("input").check()
    page.wait_for_url(re.compile(r"category="))
    wait_for_count(page, filtered)
    shared = page.url

    again = new_page()
    again.goto(shared)
    again.locator(RESULT).first.wait_for()
    wait_for_count(again, filtered)
    assert again.locator("#site-search").input_value() == COMMON_QUERY
    assert again.locator("details[data-filter-name=category] input:checked").count() == 1
    assert filtered <= all_results
    assert COMMON_QUERY in again.locator("pagefind-summary").inner_text()


def test_a_shared_filter_survives_a_slow_index(new_page, site_server):
    """Pagefind is loaded before our script runs and its filter list arrives late: the address's
    filter must still apply (it once lost it, showing every result and dropping it from the URL)."""
    page = new_page()

    def late(route, delay_ms):
        page.wait_for_timeout(delay_ms)
        route.continue_()

    page.route("**/theme/js/search.js", lambda route: late(route, 300))
    page.route("**/pagefind/filter/**", lambda route: late(route, 1200))
    page.goto(site_server.url(f"/search/?q={COMMON_QUERY}&category=Cases"))
    page.locator(RESULT).first.wait_for()
    page.wait_for_load_state("networkidle")
    assert "category=Cases" in page.url
    assert page.locator("details[data-filter-name=category] input[value=Cases]").is_checked()
    categories = {link.inner_text() for link in page.locator(RESULT + " .meta").all()}
    assert categories and all(text.endswith("in Cases") for text in categories), categories


def test_filters_alone_list_every_matching_story(new_page, site_server):
    cases = [h for _, h in content_articles() if not is_draft(h) and h.get("category") == "Cases"]
    page = new_page()
    page.goto(site_server.url("/search/?category=Cases"))
    page.locator(RESULT).first.wait_for()
    wait_for_count(page, len(cases))
    assert page.locator("#site-search").input_value() == ""
    assert page.locator("details[data-filter-name=category] input[value=Cases]").is_checked()


def test_without_an_index_the_page_says_search_is_unavailable(new_page, serve_folder, tmp_path):
    files = {"posts/one.md": post("One", "Some words.", slug="one", tags="a")}
    server = serve_folder(build_small_site(tmp_path, files, SEARCH_INDEX=False).output_path)
    page = new_page()
    page.goto(server.url("/search/?q=words"))
    page.locator("[data-search-unavailable]").wait_for()
    assert "Search is not available" in page.locator("main").inner_text()
    assert not page.locator("#site-search").is_visible()


def test_no_request_leaves_the_local_server_and_nothing_breaks_the_csp(new_page, site_server):
    page = new_page()
    open_search(page, site_server)
    type_query(page, COMMON_QUERY)
    page.locator(RESULT).first.wait_for()
    page.locator("details[data-filter-name=tag] > summary").click()
    page.locator("details[data-filter-name=tag] label.pf-filter-checkbox:visible input").first.check()
    page.wait_for_load_state("networkidle")
    # Results load their details when scrolled into view; the open tag list pushed them down.
    page.locator(ANY_RESULT).first.scroll_into_view_if_needed()
    page.locator(RESULT).first.locator("h2 a").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("article.post h1").count() == 1
    outside = [url for url in page.log.requests if not url.startswith(site_server.base + "/")]
    assert outside == []
    assert page.log.csp_refusals() == []
    assert page.log.errors == []


def test_keyboard_reaches_the_input_and_the_results(new_page, site_server):
    page = new_page()
    open_search(page, site_server)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search":
            break
    else:
        pytest.fail("Tab never reached the search input")
    page.keyboard.insert_text(COMMON_QUERY)  # one input event: see type_query
    page.wait_for_url(re.compile(rf"\?q={COMMON_QUERY}$"))
    page.locator(RESULT).first.wait_for()
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.closest('pagefind-results') !== null")
    assert focused, "the down arrow did not move to the first result"
    # Typing on a result goes back to the input.
    page.keyboard.type("s")
    assert page.evaluate("document.activeElement.id") == "site-search"
    assert page.locator("#site-search").input_value() == COMMON_QUERY + "s"


def test_the_page_says_so_without_javascript(new_page, site_server):
    page = new_page(java_script_enabled=False)
    page.goto(site_server.url("/search/?q=billing"))
    assert "Search needs JavaScript" in page.locator("main").inner_text()
    links = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "/tags/" in links and "/archives/" in links
    assert not page.locator("#site-search").is_visible()


def test_time_to_first_result_and_bytes_per_query(new_page, site_server, record_property, capsys):
    page = new_page()
    open_search(page, site_server)
    page.evaluate(
        """() => {
            const input = document.getElementById("site-search");
            window.__timing = {};
            input.addEventListener("input", () => { window.__timing.typed = performance.now(); });
            new MutationObserver((records, observer) => {
                if (document.querySelector("pagefind-results li.search-result")) {
                    window.__timing.firstResult = performance.now();
                    observer.disconnect();
                }
            }).observe(document.querySelector("pagefind-results"), {childList: true, subtree: true});
        }"""
    )
    page.wait_for_load_state("networkidle")  # the favicon and UI assets come before the query
    mark = page.log.mark()
    type_query(page, COMMON_QUERY)
    page.locator(RESULT).first.locator("mark").first.wait_for()  # its excerpt: the fragment has arrived
    page.wait_for_load_state("networkidle")
    timing = page.evaluate("window.__timing")
    milliseconds = timing["firstResult"] - timing["typed"]
    transferred = page.log.bytes_since(mark)
    # Chromium fetches the favicon whenever it likes; it is not part of the query.
    fetched = [url for url in page.log.urls_since(mark) if not url.endswith("/favicon.svg")]
    record_property("time_to_first_result_ms", round(milliseconds))
    record_property("bytes_per_query", transferred)
    with capsys.disabled():
        print(
            f"\n[search] query {COMMON_QUERY!r}: first result {milliseconds:.0f} ms after typing (50 ms "
            f"debounce included); "
            f"{transferred} bytes in {len(fetched)} requests after typing "
            f"({', '.join(sorted({url.rsplit('/', 2)[-2] for url in fetched}))})"
        )
    # The time is a number to read, not to assert: a slow runner is not a broken search.
    assert all("/pagefind/" in url for url in fetched), fetched
    assert transferred < 200 * 1024


DEV_PANEL = re.compile(r"/theme/(?:js|css)/problems\.(?:js|css)$|/\.servicebook/problems\.json$")


def test_article_pages_stay_light_until_search_is_used(new_page, site_server, record_property, capsys):
    published = [header for _, header in content_articles() if not is_draft(header)]
    biggest = max(published, key=lambda h: (site_server.root / article_url(h).strip("/") / "index.html").stat().st_size)
    page = new_page()
    page.goto(site_server.url(article_url(biggest)))
    page.wait_for_load_state("networkidle")
    # What a reader of the published site gets: the dev build's problem panel (its script,
    # style and data; the published site has none, see test_problem_report) left out. Images
    # have their own, larger budget (the page-weight check, test_images_browser).
    reader = [
        request
        for request in page.log.finished
        if not DEV_PANEL.search(request.url) and request.resource_type != "image"
    ]
    transferred = sum(request.sizes()["responseBodySize"] for request in reader)
    record_property("article_page_bytes", transferred)
    with capsys.disabled():
        print(f"\n[search] article page {article_url(biggest)}: {transferred} bytes in {len(reader)} requests")
    assert not [
        url for url in page.log.requests if "/pagefind/" in url or (url.endswith(".js") and not DEV_PANEL.search(url))
    ]
    assert transferred <= ARTICLE_PAGE_BUDGET
    # The header box is a plain form that takes you to the search page.
    page.locator("#site-search").fill(COMMON_QUERY)
    page.locator("#site-search").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=billing$"))
    page.locator(RESULT).first.wait_for()
