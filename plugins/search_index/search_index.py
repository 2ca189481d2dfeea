"""Full-text search: a Pagefind index of the pages, built while Pelican writes them.

Every page Pelican writes (`content_written`) that has a `data-pagefind-body` element is
handed to Pagefind's indexing service (its Python API) as soon as it is written. The service
is a separate process, so indexing runs on another core while Pelican renders the rest. The
index is written to OUTPUT_PATH/SEARCH_INDEX_DIR/ (pagefind/) as soon as every article's and
page's own page is (Pelican's pages are written before the articles' lists for that), while
the build writes the lists and feeds; it is written again at `finalized` only if a later page
had a search body after all. So `make build`, `make publish`
and every rebuild of `make serve` leave a fresh index of exactly the pages of that build (a
page left in the output by an older build is not searchable). Titles, dates and authors come
from `data-pagefind-meta`, and every `data-pagefind-filter` the templates carry (tag,
category, case facets, ...) becomes a filter: nothing here knows their names.

With SEARCH_INDEX_SHARD_PAGES, a larger site's index is in shards: Pagefind bundles of about
that many pages each, the first in pagefind/ and the others in it (shard-1/, ...). Each is
indexed by a Pagefind of its own, so they are written side by side on every core (Pagefind
writes one bundle on one core: the longest wait of a full build at 5,000 posts), and the
search page merges them (SEARCH_INDEX_SHARDS in its context; theme/static/js/search.js).
A page's shard follows from its URL; `make serve` writes again only the shards with a page
that changed in what Pagefind reads of it, came or went (ShardRecord).

Drafts (DRAFT_SAVE_AS and friends) are left out, so the dev server's search finds what the
public site will.

Settings:
  SEARCH_INDEX          True (default) or False: switch indexing off.
  SEARCH_INDEX_EXCLUDE  glob patterns of output paths never to index, e.g. ["drafts/*"];
                        default: derived from the draft save-as settings.
  SEARCH_INDEX_EXCLUDE_SELECTORS
                        CSS selectors whose text is not indexed (their data-pagefind-meta
                        and -filter values still are); default: hidden elements and the
                        byline (`.meta`: date, author, category, reading time), which results
                        show from the metadata anyway and which would crowd every excerpt.
  SEARCH_INDEX_SHARD_PAGES
                        about how many pages each shard of the index holds (default 0: one
                        bundle). With a number, a site with more pages than that has its
                        index split into shards, bundles that Pagefinds side by side write
                        on every core and the search page merges (one search, one ranked
                        list); each page's shard follows from its URL, so under make serve
                        an edit writes again only its page's shard. Each shard makes every
                        search heavier: a query fetches an index chunk (about 23 KB) from
                        each.
  SEARCH_INDEX_TIMEOUT  seconds Pagefind may take to answer (default 300).
  SEARCH_INDEX_RECENT_PATH
                        None (default), or (`make serve`, with SEARCH_INDEX_IN_BACKGROUND) a
                        folder outside the output for the recent changes: the pages changed
                        since the index on disk was written, indexed at once in a bundle of
                        their own, which the dev server serves and the search page merges
                        until the whole index is written again (servicebook.recent_index);
                        asked for once every article's and page's own page is written,
                        while the build writes the lists and feeds.
  SEARCH_INDEX_IN_BACKGROUND
                        False (default): the build ends when the index is written. True
                        (`make serve`): the build ends when the pages are written; the pages
                        then go to Pagefind, which writes the index meanwhile (seconds for
                        thousands of pages), pausing while make serve writes a quick page or
                        builds again (Pagefind is stopped then: servicebook.background).
                        Only the shards whose pages changed are written again. The next
                        build stops sending them (it indexes what changed since the last index
                        written); an index Pagefind is already writing delays only that
                        build's own index.

Any failure of Pagefind raises SearchIndexError, which fails the build with what it said.
"""

import functools
import logging
import os
import threading
import time
from pathlib import Path, PurePath, PurePosixPath

from pelican import signals
from pelican.generators import PagesGenerator

from servicebook.contents import contents_in
from servicebook.pagefind import (
    BUNDLE_DIR,
    DEFAULT_EXCLUDE_SELECTORS,
    DEFAULT_TIMEOUT,
    SearchIndexError,
    exclude_patterns,
    has_search_body,
    is_excluded,
    page_url,
    wait_for_index,
    write_in_background,
)
from servicebook.pagefind_bundle import remove_old_bundle, remove_staging
from servicebook.plugin_settings import declare
from servicebook.problems import Problem, report, shown_path
from servicebook.recent_index import RecentIndex
from servicebook.records import JsonRecord
from servicebook.search_shards import ShardedIndex, ShardRecord, shard_count, shard_folders, shard_of
from servicebook.writing import QUICK_WRITES, written_text

logger = logging.getLogger(__name__)

# Below the build's priority (nice's scale, 0 to 19): in the background, Pagefind gets the
# processor time the rest leaves.
BACKGROUND_NICENESS = 10
# The record of what the index on disk was written from (see ShardRecord), in CACHE_PATH.
SHARD_RECORD = "search-index.json"

DEFAULTS = {
    "SEARCH_INDEX": True,
    "SEARCH_INDEX_DIR": BUNDLE_DIR,  # in the output; the search page loads Pagefind from there
    "SEARCH_INDEX_EXCLUDE": None,  # None: where drafts are written
    "SEARCH_INDEX_EXCLUDE_SELECTORS": DEFAULT_EXCLUDE_SELECTORS,
    "SEARCH_INDEX_TIMEOUT": DEFAULT_TIMEOUT,
    "SEARCH_INDEX_IN_BACKGROUND": False,
    "SEARCH_INDEX_SHARD_PAGES": 0,
    "SEARCH_INDEX_RECENT_PATH": None,
}


class SiteIndexer:
    """The plugin's state for one build: pages go to Pagefind as Pelican writes them."""

    current = None
    # The last build's, still finishing in the background.
    finishing = None

    def __init__(self, settings, output_path):
        self.output_path = Path(output_path).resolve()
        # Pelican names what it writes under OUTPUT_PATH as given: compared as text, which
        # costs far less than resolving each of thousands of paths.
        self.output_prefix = os.path.join(os.path.abspath(output_path), "")
        self.bundle_dir = settings["SEARCH_INDEX_DIR"]
        self.patterns = tuple(exclude_patterns(settings))
        self.exclude_selectors = settings["SEARCH_INDEX_EXCLUDE_SELECTORS"]
        self.timeout = settings["SEARCH_INDEX_TIMEOUT"]
        self.pages_per_shard = settings["SEARCH_INDEX_SHARD_PAGES"]
        self.shards = 1  # see `plan_shards`
        self.index = None
        self.content_root = settings["PATH"]
        # The source of each article's and page's page, by URL: named if Pagefind leaves it out.
        self.sources = {}
        # In the background, the pages are read and indexed after the last one is written,
        # so that indexing takes nothing from writing them, and Pagefind yields the processor
        # to what an author waits for (make serve's quick pages and rebuilds).
        self.later = [] if settings["SEARCH_INDEX_IN_BACKGROUND"] else None
        self.niceness = BACKGROUND_NICENESS if settings["SEARCH_INDEX_IN_BACKGROUND"] else 0
        self.superseded = threading.Event()
        self.recent_path = settings["SEARCH_INDEX_RECENT_PATH"] if self.later is not None else None
        self.recent = self.recent_update = None  # see `show_recent_changes`
        # What the index on disk was written from, for the next make serve (see ShardRecord):
        # a record of the output, so a change of our code or settings does not lose it.
        self.record_file = JsonRecord(settings, SHARD_RECORD, of_output=True)
        # make build: the path of each page handed to Pagefind, by URL (see ShardRecord.built).
        self.page_paths = {}
        # make serve: whether the recent changes were asked for over a known index on disk.
        self.index_known = False
        # The articles' and pages' own pages not written yet (see `plan_the_index`).
        self.awaited = set()
        # make serve: whether a page with a search body was written after the recent
        # changes were asked for (see `contents_written`), so they are asked for again.
        self.searchable_since = False

    def indexed_pages(self, contents):
        """The output paths (relative) of the pages of `contents` that are indexed."""
        indexed = (
            indexed_path(content.save_as, self.bundle_dir, self.patterns) for content in contents if content.save_as
        )
        return [relative for relative in indexed if relative is not None]

    def plan_shards(self, indexed):
        """How many shards the index of the `indexed` pages (see `indexed_pages`) is split
        into, and the address of each bundle but the first, for the search page to merge."""
        self.shards = shard_count([page_url(relative) for relative in indexed], self.pages_per_shard)
        return [f"{self.bundle_dir}/{folder}/" for folder in shard_folders(self.shards)[1:]]

    def await_contents(self, indexed):
        """Have Pagefind write its bundle as soon as each of the `indexed` pages (see
        `indexed_pages`) is written, while the build writes the rest (lists and feeds: seconds
        at 5,000 posts). Should a page with a search body come after all, the bundle is
        written again with it."""
        self.awaited = {os.path.abspath(os.path.join(self.output_prefix, relative)) for relative in indexed}

    def page_written(self, path, source=None):
        text = written_text(path)
        path = os.path.abspath(path)
        self._take(path, source, text)
        if self.awaited:
            self.awaited.discard(path)
            if not self.awaited:
                self.contents_written()
        elif self.recent is not None and text is not None and not self.searchable_since:
            # A page written as it was needs no look: the index on disk has it (or has not) already.
            self.searchable_since = has_search_body(text)

    def contents_written(self):
        """Every article's and page's own page is written, before the lists and feeds: Pagefind
        writes the bundle ahead (a build that waits for its index), or (make serve) the search
        shows the recent changes now, not after the lists and feeds (seconds at 5,000 posts)."""
        if self.recent_path is not None:
            self.show_recent_changes()
        elif self.index is not None:
            wait_for_index()  # both write the same folder: an index written in the background first
            self.index.write_ahead()

    def _take(self, path, source, text):
        if not path.endswith(".html") or not path.startswith(self.output_prefix):
            return
        relative = indexed_path(path[len(self.output_prefix) :], self.bundle_dir, self.patterns)
        if relative is None:
            return
        if source:
            self.sources[page_url(relative)] = source
        if self.later is not None:
            self.later.append((path, relative))
        else:
            self._index(path, relative, text)

    def _index(self, path, relative, html=None):
        if html is None:
            html = Path(path).read_text(encoding="utf-8", errors="replace")
        if not has_search_body(html):
            return
        url = page_url(relative)
        self.page_paths[url] = path
        self._add(html, url)

    def _add(self, html, url, kept=()):
        if self.index is None:
            self.index = ShardedIndex(
                self.output_path / self.bundle_dir,
                self.shards,
                self.exclude_selectors,
                self.timeout,
                self.niceness,
                kept,
            )
        self.index.add(html, url)

    def _superseded(self):
        """Whether a newer build began (it indexes what changed since the last index written);
        waits while a quick page renders."""
        QUICK_WRITES.wait_while_rendering()
        if not self.superseded.is_set():
            return False
        self.abandon()
        logger.info("Search index: left to the next build")
        return True

    def _index_changed_shards(self, record):
        """In the background: hand Pagefind the pages of every shard with a page changed,
        added or gone since its bundle was written (`record`). Returns what each is written
        from, for the record; None when there is nothing to write (or a newer build began)."""
        pages = {}  # shard -> {url: (path, digest)}
        for path, relative in self.later:
            if self._superseded():
                return None
            page = record.page_digest(path)
            if page is not None:
                url = page_url(relative)
                pages.setdefault(shard_of(url, self.shards), {})[url] = path, page
        written = {shard: {url: page for url, (_, page) in urls.items()} for shard, urls in pages.items()}
        changed = [
            shard for shard in range(self.shards) if not record.holds(self.shards, shard, written.get(shard, {}))
        ]
        if self.recent is not None and not self.index_known:
            # Known now that every page is digested (a server started on make build's output):
            # this build's changes are found at once, not once the shards are written again.
            self.recent.update(written=record.indexed())
        if not pages:
            return {}  # nothing to index at all (finish says so)
        if not changed:
            logger.info("Search index: no indexed page changed")
            record.keep_digests()
            return None
        # The record still says what is on disk until they are written: each new bundle is
        # written beside its old one, which stays whole until it is replaced (pagefind_bundle).
        kept = set(range(self.shards)) - set(changed)
        for shard in changed:
            for url, (path, _) in pages.get(shard, {}).items():
                if self._superseded():
                    return None
                self._add(Path(path).read_text(encoding="utf-8", errors="replace"), url, kept)
        return {shard: written.get(shard, {}) for shard in changed}

    def finish(self):
        record = None
        if self.recent is not None:
            # They come first: the search finds the changes in about a second that way.
            self.recent.wait(self.recent_update, self.timeout)
        if self.later is not None:
            # A shard kept as it is would keep beside it what a Pagefind cut off had written.
            remove_staging(self.output_path / self.bundle_dir)
            record = self.record()
            written = self._index_changed_shards(record)
            if written is None:
                return
        if self.index is None:
            remove_old_bundle(self.output_path / self.bundle_dir)
            logger.warning(
                "Search index: no page in %s has a data-pagefind-body element, so there is nothing to "
                "index and /search/ will find nothing",
                self.output_path,
            )
            return
        started = time.perf_counter()
        entry = self.index.write()
        if record is not None:
            record.wrote(self.shards, written)
            if self.recent is not None:
                self.recent.update(written=record.indexed())
        else:
            urls = {shard: index.urls for shard, index in enumerate(self.index.shards) if index is not None}
            self.record().built(
                self.shards, {shard: {url: self.page_paths[url] for url in urls[shard]} for shard in urls}
            )
        for url in self.index.left_out:
            source = self.sources.get(url)
            problem = "found no words to index on this page" + ("" if source else f" ({url})")
            report(
                logger,
                Problem(
                    shown_path(source, self.content_root) if source else "",
                    0,
                    "Search",
                    f"Pagefind {problem}, so search will not find it",
                ),
            )
        written_shards = len([index for index in self.index.shards if index is not None])
        logger.info(
            "Search index: %d pages indexed by Pagefind %s into %s (%s), %.2f s after the last page was written",
            len(self.index.pages),
            entry.get("version", "?"),
            self.output_path / self.bundle_dir,
            f"{written_shards} of {self.shards} shards" if self.shards > 1 else "one bundle",
            time.perf_counter() - started,
        )

    def show_recent_changes(self):
        """With SEARCH_INDEX_RECENT_PATH: have the pages this build changed since the index on
        disk was written found at once, in a bundle of their own (servicebook.recent_index).
        Asked for once the articles' and pages' own pages are written, and again when the
        build ends only if a page with a search body came after them."""
        if self.recent_path is None or self.recent is not None and not self.searchable_since:
            return
        self.searchable_since = False
        record = self.record()
        self.recent = RecentIndex.of(
            self.recent_path, record.bundle_path, record.page_digest, self.exclude_selectors, self.timeout
        )
        # The index on disk, when known: at once in a new server, from the last one's record.
        written = record.indexed()
        self.index_known = written is not None
        self.recent_update = self.recent.update(
            pages={page_url(relative): path for path, relative in self.later}, written=written
        )

    def record(self):
        """What the index on disk was written from (see ShardRecord)."""
        return ShardRecord.of(self.output_path / self.bundle_dir, self.exclude_selectors, self.record_file)

    def abandon(self):
        if self.index is not None:
            self.index.abandon()


@functools.lru_cache(maxsize=1 << 16)
def indexed_path(relative, bundle_dir, patterns):
    """The output page at `relative` (to the output) as a "/"-separated path; None if it is
    never indexed: in the index's own folder `bundle_dir`, or matched by one of `patterns`.
    Once per page and process: each build asks for every article's and page's page as it
    plans the index and for every page it writes (14,500 at 5,000 posts), and under make
    serve the next build asks for the same pages again."""
    posix = PurePath(relative).as_posix()
    return None if PurePosixPath(posix).parts[0] == bundle_dir or is_excluded(posix, patterns) else posix


def start_indexing(pelican):
    """initialized: a new build; a previous build that failed may have left Pagefind running,
    and one that finished may still be finishing its index in the background: this build
    indexes every page again, so that one stops sending pages. One Pagefind may already be
    writing its index: this build's own index is written after it (write_index), while this
    build's pages are not kept waiting."""
    if SiteIndexer.finishing is not None:
        SiteIndexer.finishing.superseded.set()
    SiteIndexer.finishing = None
    if SiteIndexer.current is not None:
        SiteIndexer.current.abandon()
    enabled = pelican.settings["SEARCH_INDEX"]
    SiteIndexer.current = SiteIndexer(pelican.settings, pelican.output_path) if enabled else None
    if not enabled:
        logger.info("Search index: off (SEARCH_INDEX = False)")


def plan_the_index(generators):
    """all_generators_finalized: the search page names every shard of the index but the first
    (SEARCH_INDEX_SHARDS, in its template's context), to merge them. The pages generator's
    pages are also written before the articles generator's (Pelican writes them after), so
    that every article's and page's own page, where the search bodies are, is written before
    the lists and feeds, and Pagefind writes its bundle while they are (see
    `SiteIndexer.await_contents`), or, under make serve's background index, the search shows
    the recent changes while they are. The order changes no page: each is made from the
    context every generator finished before any writes."""
    indexer = SiteIndexer.current
    if indexer is None:
        return
    context = generators[0].context
    indexed = indexer.indexed_pages(contents_in(context))
    context["SEARCH_INDEX_SHARDS"] = indexer.plan_shards(indexed)
    # A background index without recent changes writes nothing ahead: no need to wait.
    if indexer.later is None or indexer.recent_path is not None:
        generators.sort(key=lambda generator: not isinstance(generator, PagesGenerator))
        indexer.await_contents(indexed)


def index_written_page(path, context=None):
    if SiteIndexer.current is not None:
        content = (context or {}).get("article") or (context or {}).get("page")
        SiteIndexer.current.page_written(path, getattr(content, "source_path", None))


def write_index(pelican):
    """finalized: write the index of this build's pages (in the background with
    SEARCH_INDEX_IN_BACKGROUND, so `make serve` shows an edited page without waiting)."""
    indexer, SiteIndexer.current = SiteIndexer.current, None
    if indexer is None:
        return
    if not pelican.settings["SEARCH_INDEX_IN_BACKGROUND"]:
        wait_for_index()  # both write the same folder
        indexer.finish()
        return

    def finish_and_report():
        try:
            indexer.finish()
        except SearchIndexError as error:
            logger.error("%s", error)

    SiteIndexer.finishing = indexer
    indexer.show_recent_changes()
    write_in_background(finish_and_report)


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)


def register():
    signals.initialized.connect(declare_settings)
    signals.initialized.connect(start_indexing)
    signals.all_generators_finalized.connect(plan_the_index)
    signals.content_written.connect(index_written_page)
    signals.finalized.connect(write_index)
