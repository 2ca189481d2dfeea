"""make serve: the search finds an edit within a second or two, before Pagefind has indexed
the whole site again.

Under `make serve` the search index is written again in the background after each build
(the search_index plugin), and Pagefind takes tens of seconds for thousands of pages. So the
pages that changed since the index on disk was written, and those that are gone, are also
indexed at once, alone, in a small Pagefind bundle of their own (in a folder of the cache,
not in the output): the recent changes. Its manifest names the bundle and the pages of the
index on disk that it replaces or that are gone (by Pagefind's page ids, with their filter
values). The dev server serves the folder (servicebook.devserver.RECENT_PATH) and tells the
search page where it is; the search page (theme/static/js/search.js) merges the small bundle
and leaves out those pages, and their filter counts, so it finds what a clean build's search
would. Once the whole index is written again, the manifest is emptied. The output holds what
`make build` writes throughout.
"""

import contextlib
import glob
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from servicebook.hashing import file_stamp
from servicebook.pagefind import DEFAULT_EXCLUDE_SELECTORS, DEFAULT_TIMEOUT, LiveIndex
from servicebook.pagefind_files import ENTRY, FRAGMENT_SUFFIX, fragment_page_id, named_fragments, read_pagefind_file
from servicebook.signals import search_index_changed
from servicebook.writing import write_text

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
# More changed pages than this (a change to the theme or settings): the search waits for the
# whole index, as it is written again anyway.
MOST_PAGES = 200
_EMPTY = {"bundle": None, "hidden": {}}


def recent_folder(cache_path):
    """The folder of the recent changes under `make serve` with CACHE_PATH `cache_path`."""
    return Path(cache_path).resolve() / "recent-index"


def recent_changes(written, current):
    """(changed, gone): the URLs of `current` ({url: digest of what Pagefind reads of the
    page}) not in `written` (the same, of the index on disk) or with another digest, and
    those of `written` not in `current`; sorted."""
    changed = sorted(url for url, page in current.items() if written.get(url) != page)
    return changed, sorted(set(written) - set(current))


class Fragments:
    """{url: (page id, filters)} of the pages of a search index on disk (every shard), read
    from the fragments each shard's entry names (`named_fragments`), once per entry. A
    fragment's name is Pagefind's digest of what it holds, so a name read once is not read
    again."""

    def __init__(self):
        self._known = {}  # fragment path -> (url, page id, filters)
        self._named = {}  # entry file -> (its stamp, the fragments it names)

    def of(self, bundle_path):
        # Paths as text: as Path objects, finding and comparing the 5,000 fragments of 5,000
        # posts took 0.08 s of each rebuild (in a thread of its own, but while the build runs).
        entries = glob.glob(os.path.join(glob.escape(str(bundle_path)), "**", ENTRY), recursive=True)
        paths = set()
        for entry in entries:
            stamp = file_stamp(entry)
            if self._named.get(entry, (None,))[0] != stamp:
                try:
                    self._named[entry] = stamp, named_fragments(os.path.dirname(entry))
                except (OSError, ValueError, EOFError):
                    continue  # being written: read next time
            paths.update(self._named[entry][1])
        self._named = {entry: named for entry, named in self._named.items() if entry in entries}
        self._known = {path: page for path, page in self._known.items() if path in paths}
        for path in paths - self._known.keys():
            try:
                fragment = json.loads(read_pagefind_file(path))
            except (OSError, ValueError, EOFError):
                continue  # being written: read next time
            self._known[path] = fragment["url"], fragment_page_id(path), fragment.get("filters", {})
        return {url: (page_id, filters) for url, page_id, filters in self._known.values()}


def manifest(bundle, hidden_pages, fragments, recent_ids):
    """The manifest: the small bundle's folder (relative to the manifest's), and for each
    page of the index on disk at the URLs `hidden_pages` (`fragments`: see Fragments) its
    filter values, by page id; a page whose id the small bundle has too (the same fragment)
    stays."""
    hidden = {}
    for url in hidden_pages:
        if url in fragments and fragments[url][0] not in recent_ids:
            page_id, filters = fragments[url]
            hidden[page_id] = filters
    return {"bundle": bundle, "hidden": hidden}


class RecentIndex:
    """The recent changes of one search index (see the module's docstring), kept up to date by
    a thread of its own: `update` after a build (the pages it wrote), and after the index on
    disk was written again. Each update makes the bundle again from every change since the
    index on disk, in a new folder, then replaces the manifest, then sends
    `search_index_changed`. `digest(path)`: the digest of what Pagefind reads of the page at
    `path` (None without a search body), as the index on disk's pages are known by."""

    _indexes = {}

    @classmethod
    def of(cls, folder, bundle_path, digest, exclude_selectors=DEFAULT_EXCLUDE_SELECTORS, timeout=DEFAULT_TIMEOUT):
        key = (str(folder), str(bundle_path), tuple(exclude_selectors))
        if key not in cls._indexes:
            cls._indexes[key] = cls(folder, bundle_path, digest, exclude_selectors, timeout)
        return cls._indexes[key]

    def __init__(self, folder, bundle_path, digest, exclude_selectors, timeout):
        self.folder = Path(folder)
        self.bundle_path = Path(bundle_path)
        self.digest = digest
        self.exclude_selectors = exclude_selectors
        self.timeout = timeout
        self.fragments = Fragments()
        self._asked = threading.Condition()
        self._wanted = False
        self._asks = self._done = 0  # updates asked for, and made (see `wait`)
        self._pages = self._written = None
        self._made = 0
        self._shown = self._shown_written = None
        shutil.rmtree(self.folder, ignore_errors=True)
        self._write_manifest(_EMPTY)
        threading.Thread(target=self._run, name="recent-index", daemon=True).start()

    @classmethod
    def refresh(cls):
        """Pages were written outside a build (make serve's quick pages): make every index's
        recent changes again, from its last build's pages as they are now."""
        for index in list(cls._indexes.values()):
            index.update()

    def update(self, pages=None, written=None):
        """Make the recent changes again, with `pages` ({url: path}), the last build's
        indexed pages, and `written` ({url: digest}), the pages of the index on disk (None:
        as last given)."""
        with self._asked:
            if pages is not None:
                self._pages = pages
            if written is not None:
                self._written = written
            self._wanted = True
            self._asks += 1
            self._asked.notify_all()
            return self._asks

    def wait(self, update, timeout):
        """Wait until the recent changes asked for by `update` (what it returned) are shown,
        at most `timeout` s: the search index, written again meanwhile, waits for them."""
        with self._asked:
            self._asked.wait_for(lambda: self._done >= update, timeout)

    def _run(self):
        while True:
            with self._asked:
                self._asked.wait_for(lambda: self._wanted)
                self._wanted = False
                pages, written, asks = self._pages, self._written, self._asks
            try:
                if pages is not None and written is not None:
                    started = time.perf_counter()
                    self._make(pages, written)
                    logger.info("Search: recent changes shown in %.2f s", time.perf_counter() - started)
            except Exception as error:  # noqa: BLE001 - the search shows the index on disk
                logger.warning("Search: the recent changes could not be indexed (%s)", error)
                with contextlib.suppress(OSError):
                    self._show(_EMPTY, written)
            finally:
                with self._asked:
                    self._done = asks
                    self._asked.notify_all()

    def _make(self, pages, written):
        digests = {url: self.digest(path) for url, path in pages.items()}
        changed, gone = recent_changes(written, {url: page for url, page in digests.items() if page is not None})
        # Read now, while nothing waits for it (every fragment, at first: a second at 5,000 pages).
        fragments = self.fragments.of(self.bundle_path)
        if not changed and not gone or len(changed) + len(gone) > MOST_PAGES:
            return self._show(_EMPTY, written)
        bundle = None
        recent_ids = set()
        if changed:
            self._made += 1
            bundle = f"bundle-{self._made}/"
            index = LiveIndex(self.folder / bundle, self.exclude_selectors, self.timeout)
            for url in changed:
                index.add(Path(pages[url]).read_text(encoding="utf-8", errors="replace"), url)
            index.write()
            fragments_made = (self.folder / bundle / "fragment").glob("*" + FRAGMENT_SUFFIX)
            recent_ids = {fragment_page_id(path) for path in fragments_made}
        self._show(manifest(bundle, [*changed, *gone], fragments, recent_ids), written)

    def _show(self, shown, written):
        """Show `shown` (a manifest) over the index on disk written from `written`."""
        if shown != self._shown or written is not self._shown_written:
            self._write_manifest(shown)
            self._shown_written = written
            search_index_changed.send(self)
        # The bundle before stays a while: a search page may still be reading it.
        kept = {shown["bundle"], f"bundle-{self._made - 1}/"}
        for old in self.folder.glob("bundle-*"):
            if f"{old.name}/" not in kept:
                shutil.rmtree(old, ignore_errors=True)

    def _write_manifest(self, shown):
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text(self.folder / MANIFEST, json.dumps(shown))
        self._shown = shown
