"""Serving a built site on loopback and driving Debian's headless Chromium with Playwright.

Shared by `invoke check` (axe-core, CSP) and the browser tests.
"""

import functools
import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM = os.environ.get("SERVICEBOOK_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flag Chromium tries to reach Google at start.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MIME_TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsl": "application/xslt+xml",
    ".pagefind": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}


class BrowserUnavailable(RuntimeError):
    """No Chromium or no Playwright on this machine."""


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    protocol_version = "HTTP/1.1"
    extra_headers = {}

    def end_headers(self):
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args):
        pass


@dataclass
class Server:
    root: Path
    base: str

    def url(self, path="/"):
        return self.base + "/" + path.lstrip("/")


@contextmanager
def serve_directory(root, headers=None):
    """Serve `root` on http://127.0.0.1:<free port> in a thread until the block ends."""
    handler_class = type("Handler", (_QuietHandler,), {"extra_headers": dict(headers or {})})
    handler = functools.partial(handler_class, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="static-server", daemon=True)
    thread.start()
    try:
        yield Server(Path(root), f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def chromium():
    """A headless Debian Chromium driven by Playwright, or BrowserUnavailable saying why."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        raise BrowserUnavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise BrowserUnavailable(
            "the playwright package is not installed (pip install -r requirements-dev.txt)"
        ) from error
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 - any launch failure means "no usable browser"
            raise BrowserUnavailable(f"Chromium at {CHROMIUM} did not start: {error}") from error
        try:
            yield browser
        finally:
            browser.close()
