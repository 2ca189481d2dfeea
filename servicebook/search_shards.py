"""The search index in shards (SEARCH_INDEX_SHARD_PAGES): Pagefind bundles written side by
side by a Pagefind each (Pagefind writes a bundle on one core), which the search page merges;
and what Pagefind reads of a page, to tell which shards an edit changes (see the
search_index plugin)."""

import json
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from servicebook.hashing import digest, file_stamp
from servicebook.pagefind import DEFAULT_EXCLUDE_SELECTORS, DEFAULT_TIMEOUT, LiveIndex, has_search_body
from servicebook.pagefind_bundle import SearchIndexError, remove_old_bundle

# The folders of a sharded index's other bundles, in its first bundle's (see ShardedIndex).
SHARD_FOLDERS = "shard-*"
# What a bundle merged into the first is read for (entry, metadata, chunks): the rest of what
# Pagefind writes (its scripts, styles and WebAssembly) is loaded from the first bundle only.
_MERGED_FILES = ("pagefind-entry.json", "*.pf_meta", "fragment", "index", "filter")


def shard_count(urls, pages_per_shard):
    """How many shards an index of the pages at `urls` is split into: of about
    `pages_per_shard` pages (0: one shard), fewer should one of them get none of the pages
    (the search page loads every shard, and Pagefind writes no bundle without a page)."""
    count = max(1, -(-len(urls) // pages_per_shard)) if pages_per_shard else 1
    while count > 1 and len({shard_of(url, count) for url in urls}) < count:
        count -= 1
    return count


def shard_of(url, count):
    """Which of `count` shards holds the page at `url`: the same in every build and process,
    so that an edited page stays in its shard."""
    return zlib.crc32(url.encode("utf-8")) % count


def shard_folders(count):
    """Each shard's bundle folder, relative to the index's folder: the first shard's is the
    index's own (the search page loads Pagefind from it), the others are in it."""
    return ["", *(SHARD_FOLDERS.replace("*", str(shard)) for shard in range(1, count))]


class ShardedIndex:
    """A search index in `count` shards: each page goes to one (`shard_of` its URL), each shard
    is a Pagefind bundle of its own, indexed and written by a Pagefind of its own, so that
    the bundles are written side by side, on every core (Pagefind writes a bundle on one).
    The search page merges them (Pagefind's mergeIndex: one search, one list of results
    ranked together, filter counts added up). Every shard must get a page: the search page
    names them all before the pages are written. A LiveIndex otherwise (add, write_ahead,
    write, abandon, pages, left_out)."""

    def __init__(
        self,
        bundle_path,
        count,
        exclude_selectors=DEFAULT_EXCLUDE_SELECTORS,
        timeout=DEFAULT_TIMEOUT,
        niceness=0,
        kept=(),
    ):
        self.bundle_path = Path(bundle_path)
        self.folders = [self.bundle_path / folder for folder in shard_folders(count)]
        self._options = {"exclude_selectors": exclude_selectors, "timeout": timeout, "niceness": niceness}
        self.shards = [None] * count  # each shard's LiveIndex, from its first page on
        # Shards whose bundles are left as they are (make serve: none of their pages changed);
        # they get no pages.
        self.kept = frozenset(kept)
        self.left_out = []

    @property
    def pages(self):
        return [page for index in self.shards if index is not None for page in index.pages]

    def add(self, html, url):
        shard = shard_of(url, len(self.shards))
        if self.shards[shard] is None:
            # The first shard's folder holds the others': it leaves them alone.
            spared = SHARD_FOLDERS if shard == 0 else None
            self.shards[shard] = LiveIndex(self.folders[shard], spared=spared, **self._options)
        self.shards[shard].add(html, url)

    def write_ahead(self):
        self._remove_other_bundles()
        for index in self.shards:
            if index is not None:
                index.write_ahead()

    def write(self):
        """Write every shard's bundle but those kept, side by side; returns the
        pagefind-entry.json of the first written."""
        empty = [
            str(folder)
            for shard, (folder, index) in enumerate(zip(self.folders, self.shards, strict=True))
            if index is None and shard not in self.kept
        ]
        if empty:
            self.abandon()
            raise SearchIndexError(
                f"Search index: no page with a search body fell to the shard at {', '.join(empty)}, and the search "
                "page loads every shard; set SEARCH_INDEX_SHARD_PAGES = 0 for an index in one bundle"
            )
        self._remove_other_bundles()
        written = [
            (folder, index) for folder, index in zip(self.folders, self.shards, strict=True) if index is not None
        ]
        with ThreadPoolExecutor(len(written)) as pool:
            entries = list(pool.map(LiveIndex.write, [index for _, index in written]))
        for folder, _ in written:
            if folder != self.bundle_path:
                for path in folder.iterdir():
                    if not any(path.match(name) for name in _MERGED_FILES):
                        path.unlink()
        self.left_out = sorted(url for _, index in written for url in index.left_out)
        return entries[0]

    def _remove_other_bundles(self):
        """Shards of an index in more shards than this one (a site that had more pages)."""
        for folder in self.bundle_path.glob(SHARD_FOLDERS):
            if folder not in self.folders:
                remove_old_bundle(folder)

    def abandon(self):
        for index in self.shards:
            if index is not None:
                index.abandon()


# What Pagefind reads of a page besides its search bodies (fossick/parser.rs, 1.5.2): filters,
# metadata and sort keys wherever they are, the title, headings and images for automatic
# metadata. Elements, with everything in them.
_READ_BY_PAGEFIND = '//*[@*[starts-with(name(), "data-pagefind-")]] | //title | //h1 | //img'


def indexed_part(html):
    """What Pagefind can read of a page (a superset), as text: pages with the same one make
    the same index entries. The rest of a page (the stories before and after it, related
    stories, the menu), which an edit elsewhere on the site changes, makes none."""
    # Imported here: the benchmark's plain-Pelican run imports this module, and needs none of it.
    import lxml.html
    from lxml import etree

    root = lxml.html.document_fromstring(html)
    parts = [repr(sorted(root.attrib.items()))]
    parts += [etree.tostring(element, encoding="unicode", with_tail=False) for element in root.xpath(_READ_BY_PAGEFIND)]
    return "\n".join(parts)


class ShardRecord:
    """What each shard of an index on disk was written from, kept from one build to the next
    in make serve's process, so that a build writes again only the shards with a page that
    changed, came or went (an edit: one shard of many). A page is known by the digest of what
    Pagefind reads of it (`indexed_part`: a new post changes the pages around it, not what
    they are found by), read again only when its file changed.

    Kept in a record of the output too (`file`, a JsonRecord), with the stamp of each shard's
    entry file as written: the next `make serve` knows the index on disk at once, so it does
    not index every page again when none changed (at 5,000 posts, 20–45 s of Pagefind and
    1.5 GB after each start), and the search finds its first edits without waiting for that.
    A shard whose entry file is not the one written (another build wrote the index since)
    counts as unknown, and is written again.

    `make build` records its index too (`built`), by the stamps of the page files, which
    cost it nothing where digests would (a second at 5,000 posts): a `make serve` started on
    its output digests every page anyway, and then knows that index (`_resolve`), so it does
    not index every page again, and its first edits are found at once.

    The pages' digests are kept there too, by their files' stamps: a new `make serve` reads
    again only the pages written since (reading all 5,000 took the recent changes of its
    first edit 1.6 s more)."""

    # By the index's folder and what is left out of the pages' text (which changes the index).
    _records = {}

    @classmethod
    def of(cls, bundle_path, exclude_selectors, file=None):
        key = (str(bundle_path), tuple(exclude_selectors))
        if key not in cls._records:
            cls._records[key] = cls(bundle_path, key, file)
        return cls._records[key]

    def __init__(self, bundle_path=None, key=(), file=None):
        self.bundle_path = Path(bundle_path) if bundle_path else None
        self.key = json.loads(json.dumps(key))  # as the record file gives it back
        self.file = file
        self.shards = 0  # how many the index had
        self.written = {}  # shard -> {url: digest of its page}
        self.entries = {}  # shard -> the stamp of its entry file, once written
        self.stamped = {}  # shard -> {url: [its page's path, that file's stamp]}: see `built`
        self._pages = {}  # page path -> (its file's stamp, digest; None without a search body)
        self._unsaved = False  # whether a page was digested since the record was saved
        self._load()

    def _entry(self, shard, shards):
        return self.bundle_path / shard_folders(shards)[shard] / "pagefind-entry.json"

    def _load(self):
        found = self.file.load({}) if self.file is not None else {}
        if found.get("key") != self.key or not isinstance(found.get("shards"), int):
            return
        self.shards = found["shards"]
        # The pages still there (a page whose file changed since is read again: its stamp differs).
        self._pages = {path: tuple(known) for path, known in found.get("pages", {}).items() if os.path.exists(path)}
        written, stamped = found.get("written", {}), found.get("stamped", {})
        for name, entry in found.get("entries", {}).items():
            shard = int(name)
            if shard >= self.shards or file_stamp(self._entry(shard, self.shards)) != entry:
                continue
            if name in written:
                self.written[shard], self.entries[shard] = written[name], entry
            elif name in stamped:
                self.stamped[shard], self.entries[shard] = stamped[name], entry

    def page_digest(self, path):
        """The digest of the page at `path`; None if it has no search body."""
        stamp = file_stamp(path)
        known = self._pages.get(path)
        if known is None or known[0] != stamp:
            html = Path(path).read_text(encoding="utf-8", errors="replace")
            known = self._pages[path] = stamp, digest(indexed_part(html)) if has_search_body(html) else None
            self._unsaved = True
        return known[1]

    def keep_digests(self):
        """Save the pages' digests read since the record was saved, though no shard changed (a
        server started on make build's output): the next server need not read them again."""
        if self._unsaved:
            self._save()

    def _resolve(self):
        """Each shard `built` recorded whose every page has been digested since (`page_digest`)
        or is gone is known by their digests from now on, as the shards make serve writes. A
        page changed or gone since is known by None, a digest no page has: the index on disk
        holds another page at its address (or none), which the recent changes replace."""
        for shard, pages in list(self.stamped.items()):
            digests = {}
            for url, (path, stamp) in pages.items():
                known = self._pages.get(path)
                if known is None and file_stamp(path) is not None:
                    break  # not digested yet
                digests[url] = known[1] if known is not None and known[0] == stamp else None
            else:
                self.written[shard] = digests
                del self.stamped[shard]

    def holds(self, shards, shard, pages):
        """Whether the bundle of `shard` (of `shards`) was written from `pages`."""
        self._resolve()
        entry = self.entries.get(shard)
        return (
            shards == self.shards
            and self.written.get(shard) == pages
            and entry is not None
            and file_stamp(self._entry(shard, shards)) == entry
        )

    def indexed(self):
        """{url: digest} of every page of the index on disk; None while a shard is not known."""
        self._resolve()
        if not self.shards or any(shard not in self.written for shard in range(self.shards)):
            return None
        return {url: page for pages in self.written.values() for url, page in pages.items()}

    def wrote(self, shards, written):
        """The index now has `shards` shards, and `written` ({shard: pages}) were written."""
        if shards != self.shards:
            self.shards, self.written, self.stamped, self.entries = shards, {}, {}, {}
        self.written.update(written)
        for shard in written:
            self.stamped.pop(shard, None)
            self.entries[shard] = file_stamp(self._entry(shard, shards))
        self._save()

    def built(self, shards, pages):
        """make build wrote every shard of an index in `shards` from `pages` ({shard: {url:
        the path of its page}}): known by the pages' files as they are now (see `_resolve`)."""
        self.shards, self.written, self.entries = shards, {}, {}
        self.stamped = {
            shard: {url: [path, file_stamp(path)] for url, path in urls.items()} for shard, urls in pages.items()
        }
        for shard in pages:
            self.entries[shard] = file_stamp(self._entry(shard, shards))
        self._save()

    def _save(self):
        self._unsaved = False
        if self.file is not None:
            known = {"written": self.written, "stamped": self.stamped, "entries": self.entries}
            self.file.save(
                {
                    "key": self.key,
                    "shards": self.shards,
                    # A copy first: the search's recent changes add to it from their own thread.
                    "pages": dict(self._pages),
                    **{
                        name: {str(shard): value for shard, value in by_shard.items()}
                        for name, by_shard in known.items()
                    },
                }
            )
