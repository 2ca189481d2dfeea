"""What the search of a `make serve` finds of a page, read from disk as the search page reads
it: the Pagefind index (in shards) and the recent changes (servicebook.recent_index)."""

import contextlib
import json
import threading
from pathlib import Path

from servicebook.hashing import file_stamp
from servicebook.pagefind import BUNDLE_DIR
from servicebook.pagefind_files import ENTRY, fragment_page_id, named_fragments, read_pagefind_file
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
        return file_stamp(self._shard(url) / ENTRY), searched and file_stamp(self.recent / MANIFEST)

    def _shard(self, url):
        count = 1 + len(list(self.bundle.glob(SHARD_FOLDERS)))
        return self.bundle / shard_folders(count)[shard_of(url, count)]

    def indexed_page(self, url):
        """(page id, fragment) of the page at `url` in the search index on disk, or None. Its
        shard is read whole once per entry (thousands of fragments: a second at 5,000 posts),
        so it is read before a save (`read_before_saving`), not while the build runs."""
        folder = self._shard(url)
        stamp = file_stamp(folder / ENTRY)
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
    """{url: (page id, fragment)} of the pages of the Pagefind bundle in `folder`, as the search
    reads them (`named_fragments`: a glob of the fragment files, read while the bundle was
    replaced, kept a deleted page, and the benchmark waited for its removal forever)."""
    pages = {}
    for path in named_fragments(folder):
        fragment = json.loads(read_pagefind_file(path))
        pages[fragment["url"]] = fragment_page_id(path), fragment
    return pages
