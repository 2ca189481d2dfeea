"""What the search of a `make serve` finds of a page, read from disk as the search page reads
it: the Pagefind index (in shards) and the recent changes (servicebook.recent_index)."""

import contextlib
import json
import threading
from pathlib import Path

from servicebook.hashing import file_stamp
from servicebook.pagefind import BUNDLE_DIR
from servicebook.pagefind_files import FRAGMENT_SUFFIX, cbor_decode, read_pagefind_file
from servicebook.recent_index import MANIFEST, recent_folder
from servicebook.search_shards import SHARD_FOLDERS, shard_folders, shard_of

# Reading a file Pagefind is writing.
UNREADABLE = (OSError, ValueError, EOFError)


class SearchSeen:
    """The search index and recent changes of a server with the settings `overrides`."""

    def __init__(self, overrides):
        self.bundle = Path(overrides["OUTPUT_PATH"]) / BUNDLE_DIR
        self.recent = recent_folder(overrides["CACHE_PATH"])
        self._indexed = {}  # shard folder -> (its entry's stamp, bundle_pages)
        self._reading = threading.Lock()

    def stamp(self, url, searched):
        """What changes when what `indexed_page(url)` (or with `searched`, `searched_page`) says may."""
        return file_stamp(self._shard(url) / "pagefind-entry.json"), searched and file_stamp(self.recent / MANIFEST)

    def _shard(self, url):
        count = 1 + len(list(self.bundle.glob(SHARD_FOLDERS)))
        return self.bundle / shard_folders(count)[shard_of(url, count)]

    def indexed_page(self, url):
        """(page id, fragment) of the page at `url` in the search index on disk, or None. Its
        shard is read whole once per entry (thousands of fragments: a second at 5,000 posts),
        so it is read before a save (`read_before_saving`), not while the build runs."""
        folder = self._shard(url)
        stamp = file_stamp(folder / "pagefind-entry.json")
        with self._reading:
            if folder not in self._indexed or self._indexed[folder][0] != stamp:
                self._indexed[folder] = stamp, bundle_pages(folder)
            return self._indexed[folder][1].get(url)

    def read_before_saving(self, url):
        """Read the shard of `url` now (see `indexed_page`)."""
        with contextlib.suppress(*UNREADABLE):  # being written: read while waiting
            self.indexed_page(url)

    def searched_page(self, url):
        """(page id, fragment) of what the search page finds at `url`, or None: in the recent
        changes, or else in the index on disk unless they leave it out."""
        manifest = self.recent / MANIFEST
        shown = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}
        if shown.get("bundle"):
            found = bundle_pages(self.recent / shown["bundle"]).get(url)
            if found:
                return found
        found = self.indexed_page(url)
        return None if found is None or found[0] in shown.get("hidden", {}) else found


def bundle_pages(folder):
    """{url: (page id, fragment)} of the pages of the Pagefind bundle in `folder`: those its
    entry's metadata names, as the search reads them. Not every fragment file in the folder:
    while a bundle is replaced (servicebook.pagefind_bundle), the old bundle's files stay
    beside the new entry until it is in place, and a glob read in that moment kept a deleted
    page for as long as the entry stayed (the benchmark then waited for its removal forever)."""
    entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
    pages = {}
    for language in entry["languages"].values():
        meta = cbor_decode(read_pagefind_file(folder / f"pagefind.{language['hash']}.pf_meta"))
        for page_id, _ in meta[META_PAGES]:
            fragment = json.loads(read_pagefind_file(folder / "fragment" / f"{page_id}{FRAGMENT_SUFFIX}"))
            pages[fragment["url"]] = page_id, fragment
    return pages


# Pagefind's metadata is a list: its version, then its pages ([page id, word count] each),
# index chunks, filters and sorts.
META_PAGES = 1
