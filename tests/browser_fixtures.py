"""Browser fixtures shared by the tests that drive headless Chromium (search, later axe-core).

Use them with `pytest_plugins = ["browser_fixtures"]` at the top of a test module. They give:

- `browser`: one headless Chromium for the session, driven by Playwright. We use Debian's
  /usr/bin/chromium (Playwright's own browser downloads are not possible here).
- `site_server`: the real sample site (`built_site`) served on a free 127.0.0.1 port by a
  plain `http.server`, sending FUTURE_CSP so the pages are tested under the policy they
  will get; `site_server.url("/search/")` gives an address.
- `new_page(**context_options)`: a fresh context and page (e.g. `color_scheme="dark"`) that
  records every request, finished request and console message in `page.log`.
- `serve_folder(path, headers=None)`: the same server for any folder, stopped after the test
  (`serve_directory` is the context manager behind it).

Without Chromium or Playwright the tests that use them are skipped, loudly; with
SERVICEBOOK_REQUIRE_BROWSER=1 (CI) they fail instead.
"""

import os
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest

from pelicanconf import CONTENT_SECURITY_POLICY
from servicebook.accessibility import AXE
from servicebook.browser import BrowserUnavailable, chromium, serve_directory

REQUIRE_BROWSER = os.environ.get("SERVICEBOOK_REQUIRE_BROWSER") == "1"
# The pages' Content-Security-Policy, also sent as a header so a page that lost its <meta>
# is still tested under it.
FUTURE_CSP = CONTENT_SECURITY_POLICY


def browser_unavailable(reason):
    """Skip (loudly), or fail when SERVICEBOOK_REQUIRE_BROWSER=1."""
    if REQUIRE_BROWSER:
        pytest.fail(f"Browser tests cannot run: {reason} (and SERVICEBOOK_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason}; set SERVICEBOOK_REQUIRE_BROWSER=1 to make this a failure")


@pytest.fixture(scope="session")
def site_server(built_site):
    with serve_directory(built_site.output_path, {"Content-Security-Policy": FUTURE_CSP}) as server:
        yield server


@pytest.fixture
def serve_folder():
    """serve_folder(path, headers=None) -> a Server for `path`, stopped after the test."""
    with ExitStack() as stack:
        yield lambda path, headers=None: stack.enter_context(serve_directory(path, headers))


@pytest.fixture(scope="session")
def axe():
    """For tests that inject axe-core (from npm; make test runs `npm ci` when npm exists)."""
    if not AXE.exists():
        browser_unavailable(f"axe-core is not installed ({AXE}); install Node.js and run `npm ci`")


@pytest.fixture(scope="session")
def browser():
    try:
        with chromium() as launched:
            yield launched
    except BrowserUnavailable as error:
        browser_unavailable(str(error))


@dataclass
class PageLog:
    """What a page did: every request URL, finished requests with their sizes, console lines."""

    requests: list = field(default_factory=list)
    finished: list = field(default_factory=list)
    console: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def mark(self):
        """An index into `finished`: pass it to bytes_since() to count what came after."""
        return len(self.finished)

    def bytes_since(self, mark=0):
        """Response body bytes of the requests finished since `mark` (the server sends no gzip)."""
        return sum(request.sizes()["responseBodySize"] for request in self.finished[mark:])

    def urls_since(self, mark=0):
        return [request.url for request in self.finished[mark:]]

    def csp_refusals(self):
        """Console lines where the Content-Security-Policy blocked something."""
        return [line for line in self.console if "Content Security Policy" in line or "Refused" in line]


def _record(page):
    log = PageLog()
    page.on("request", lambda request: log.requests.append(request.url))

    page.on("requestfinished", lambda request: log.finished.append(request))
    page.on("console", lambda message: log.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: log.errors.append(str(error)))
    page.log = log
    return page


@pytest.fixture
def new_page(browser):
    """new_page(**context_options) -> a Playwright page with `page.log` (a PageLog)."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return _record(context.new_page())

    yield make
    for context in contexts:
        context.close()
