"""Full-text search: a Pagefind index of the pages, built while Pelican writes them.

Every page Pelican writes (`content_written`) that has a `data-pagefind-body` element is
handed to Pagefind's indexing service (its Python API) as soon as it is written. The service
is a separate process, so indexing runs on another core while Pelican renders the rest; at
`finalized` the index is written to OUTPUT_PATH/pagefind/. So `make build`, `make publish`
and every rebuild of `make serve` leave a fresh index of exactly the pages of that build (a
page left in the output by an older build is not searchable). Titles, dates and authors come
from `data-pagefind-meta`, and every `data-pagefind-filter` the templates carry (tag,
category, case facets, ...) becomes a filter: nothing here knows their names.

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
  SEARCH_INDEX_TIMEOUT  seconds Pagefind may take to answer (default 300).
  SEARCH_INDEX_IN_BACKGROUND
                        False (default): the build ends when the index is written. True
                        (`make serve`): the build ends when the pages are written and
                        Pagefind finishes the index meanwhile (a few seconds for thousands
                        of pages); the next build waits for it first.

Any failure of Pagefind raises SearchIndexError, which fails the build with what it said.
"""

import base64
import fnmatch
import importlib.util
import json
import logging
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path, PurePosixPath

from pelican import signals

from servicebook.problems import Problem, ProblemsError

from .bundle import read_pagefind_file

logger = logging.getLogger(__name__)

BUNDLE_DIR = "pagefind"
DEFAULT_TIMEOUT = 300
DEFAULT_EXCLUDE_SELECTORS = ("[hidden]", ".meta")
# Where Pelican writes drafts; their pages are never indexed.
DRAFT_SETTINGS = ("DRAFT_SAVE_AS", "DRAFT_LANG_SAVE_AS", "DRAFT_PAGE_SAVE_AS", "DRAFT_PAGE_LANG_SAVE_AS")
# A real start tag carrying the attribute; text that merely mentions it is escaped (&lt;).
_BODY_TAG = re.compile(r"<[A-Za-z][^<>]*?\sdata-pagefind-body(?=[\s=/>])")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


class SearchIndexError(ProblemsError):
    """Pagefind could not index the site; the message says why (with Pagefind's output)."""

    def __init__(self, message):
        super().__init__("", [Problem("", 0, "", message, "error")])


def has_search_body(html):
    """True when the page has an element marked `data-pagefind-body`."""
    return bool(_BODY_TAG.search(html))


def save_as_pattern(save_as):
    """A glob matching every path a `*_SAVE_AS` template can produce ("" for none).

    "drafts/{slug}/index.html" -> "drafts/*/index.html"
    """
    return _PLACEHOLDER.sub("*", save_as or "").lstrip("/")


def exclude_patterns(settings):
    """SEARCH_INDEX_EXCLUDE if set, else one pattern per draft save-as setting in use."""
    configured = settings.get("SEARCH_INDEX_EXCLUDE")
    if configured is not None:
        return [configured] if isinstance(configured, str) else list(configured)
    patterns = (save_as_pattern(settings.get(name)) for name in DRAFT_SETTINGS)
    return sorted({pattern for pattern in patterns if pattern})


def is_excluded(relative_path, patterns):
    """Whether an output path ("2024/slug/index.html", "/" separated) matches a pattern."""
    return any(fnmatch.fnmatchcase(relative_path, pattern) for pattern in patterns)


def pages_to_index(output_path, patterns=(), bundle_dir=BUNDLE_DIR):
    """Sorted output-relative paths of the HTML pages that have a search body.

    Skips the search bundle itself and paths matching `patterns`.
    """
    output_path = Path(output_path)
    pages = []
    for path in output_path.rglob("*.html"):
        relative = path.relative_to(output_path).as_posix()
        if PurePosixPath(relative).parts[0] == bundle_dir or is_excluded(relative, patterns):
            continue
        if has_search_body(path.read_text(encoding="utf-8", errors="replace")):
            pages.append(relative)
    return sorted(pages)


def indexed_page_count(entry):
    """Pages in a parsed `pagefind-entry.json`, all languages together."""
    return sum(language.get("page_count", 0) for language in entry.get("languages", {}).values())


def output_tail(text, lines=25):
    kept = [line for line in (text or "").strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def failure_message(problem, output=""):
    message = f"Search index: {problem}."
    tail = output_tail(output)
    if tail:
        message += "\n  Pagefind said:\n" + "\n".join(f"    {line}" for line in tail.splitlines())
    return message


def check_pagefind_installed():
    if importlib.util.find_spec("pagefind") is None:
        raise SearchIndexError(
            "Search index: the pagefind package is not installed; run `make build` (or "
            "`pip install -r requirements.txt -c constraints.txt`), or set SEARCH_INDEX = False"
        )
    from pagefind.service import get_executable

    if get_executable() is None:
        raise SearchIndexError(
            "Search index: the Pagefind binary is missing; install `pagefind[bin]` "
            "(pip install -r requirements.txt -c constraints.txt)"
        )


def remove_old_bundle(bundle_path):
    """Delete a previous index so no stale fragment survives; refuse to delete anything else."""
    if not bundle_path.exists():
        return
    looks_like_bundle = (bundle_path / "pagefind-entry.json").exists() or (bundle_path / "pagefind.js").exists()
    if not bundle_path.is_dir() or not (looks_like_bundle or not any(bundle_path.iterdir())):
        raise SearchIndexError(
            f"Search index: {bundle_path} exists and is not a Pagefind index; move it away, "
            "Pagefind writes the search index there"
        )
    shutil.rmtree(bundle_path)


def page_url(relative_path):
    """The URL Pagefind records for an output page: "2024/slug/index.html" -> "/2024/slug/"."""
    url = "/" + relative_path
    return url[: -len("index.html")] if url.endswith("/index.html") else url


class PagefindService:
    """Pagefind's indexing service (`pagefind --service`), the process behind its Python API.

    We speak its protocol (base64 JSON messages ending in ",", on stdin and stdout) here
    rather than use the `pagefind` package's asynchronous client: that client reads one
    answer per 100 ms (an `asyncio.sleep(0.1)` in its polling loop, Pagefind 1.5.2), so
    2,000 pages would take over three minutes of waiting. A reader thread collects answers.
    """

    def __init__(self, timeout=DEFAULT_TIMEOUT):
        from pagefind.service import get_executable

        check_pagefind_installed()
        self.timeout = timeout
        self._process = subprocess.Popen(
            [str(get_executable()), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._sent = 0
        self._answers = {}
        self._other_output = bytearray()
        self._output_ended = False
        self._arrived = threading.Condition()
        threading.Thread(target=self._read_answers, name="pagefind", daemon=True).start()

    def send(self, payload):
        """Send a request; returns its message id, for `answer`."""
        self._sent += 1
        message = json.dumps({"message_id": self._sent, "payload": payload}).encode("utf-8")
        try:
            self._process.stdin.write(base64.b64encode(message) + b",")
            self._process.stdin.flush()
        except OSError:
            pass  # it stopped; `answer` says how
        return self._sent

    def answer(self, message_id, step):
        """The payload answering `message_id`; SearchIndexError if Pagefind refused or stopped."""
        deadline = time.monotonic() + self.timeout
        with self._arrived:
            while message_id not in self._answers:
                stopped = self._process.poll() is not None
                if stopped:
                    # Its last words may still be in the pipe after it exited: let the reader finish.
                    self._arrived.wait_for(lambda: self._output_ended, timeout=5)
                    if message_id in self._answers:
                        break
                if stopped or time.monotonic() > deadline:
                    problem = (f"Pagefind stopped with exit code {self._process.returncode} while trying to {step}"
                               if stopped else f"Pagefind did not {step} within {self.timeout} s")
                    self.close()
                    raise SearchIndexError(failure_message(problem, self._other_output.decode("utf-8", "replace")))
                self._arrived.wait(timeout=0.2)
            payload = self._answers.pop(message_id)
        if payload.get("type") == "Error":
            self.close()
            raise SearchIndexError(failure_message(f"Pagefind could not {step}: {payload.get('message')}"))
        return payload

    def _read_answers(self):
        pending = b""
        for chunk in iter(lambda: self._process.stdout.read1(1 << 16), b""):
            *messages, pending = (pending + chunk).split(b",")
            with self._arrived:
                for message in messages:
                    try:
                        answer = json.loads(base64.b64decode(message, validate=True))
                        self._answers[answer["message_id"]] = answer["payload"]
                    except (ValueError, KeyError, TypeError):
                        self._other_output += message + b","
                self._arrived.notify_all()
        with self._arrived:
            self._other_output += pending
            self._output_ended = True
            self._arrived.notify_all()

    def close(self):
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def is_whole(path):
    """Whether a bundle file is complete: Pagefind's data files (`*.pf_*`) are gzip, which
    tells a cut-off file; the others just must not be empty."""
    if not path.suffix.startswith(".pf_"):
        return path.stat().st_size > 0
    try:
        read_pagefind_file(path)
    except (OSError, EOFError, ValueError):
        return False
    return True


class LiveIndex:
    """A Pagefind index that takes pages one at a time while the caller goes on working."""

    def __init__(self, bundle_path, exclude_selectors=DEFAULT_EXCLUDE_SELECTORS, timeout=DEFAULT_TIMEOUT):
        self.bundle_path = Path(bundle_path)
        self.pages = []
        self._service = PagefindService(timeout)
        config = {"exclude_selectors": list(exclude_selectors)}
        created = self._service.send({"type": "NewIndex", "config": config})
        self._index_id = self._service.answer(created, "start an index")["index_id"]

    def add(self, html, url):
        self.pages.append(self._service.send(
            {"type": "AddFile", "index_id": self._index_id, "url": url, "file_path": None, "file_contents": html}
        ))

    def write(self):
        """Wait for every page, write the bundle, stop Pagefind; returns pagefind-entry.json."""
        for page in self.pages:
            self._service.answer(page, "index a page")
        remove_old_bundle(self.bundle_path)
        written = self._service.send({"type": "WriteFiles", "index_id": self._index_id,
                                      "output_path": str(self.bundle_path)})
        self._service.answer(written, "write the index")
        try:
            entry = self._written_entry()
        finally:
            self._service.close()
        indexed = indexed_page_count(entry)
        if indexed != len(self.pages):
            raise SearchIndexError(failure_message(f"Pagefind indexed {indexed} pages, expected {len(self.pages)}"))
        return entry

    def _written_entry(self):
        """pagefind-entry.json once the bundle is on disk. Pagefind can answer before its last
        writes have reached the files, and stopping it then leaves them empty (seen once in
        some hundred builds), so wait while it runs: until the entry reads, no size changes
        between two looks and every data file decompresses whole."""
        entry_file = self.bundle_path / "pagefind-entry.json"
        deadline = time.monotonic() + self._service.timeout
        previous = None
        while True:
            sizes = {path: path.stat().st_size for path in self.bundle_path.rglob("*") if path.is_file()}
            try:
                entry, problem = json.loads(entry_file.read_text(encoding="utf-8")), None
            except (OSError, ValueError) as error:
                entry, problem = None, error
            if entry is not None and sizes == previous and all(map(is_whole, sizes)):
                return entry
            if time.monotonic() > deadline:
                raise SearchIndexError(failure_message(
                    f"Pagefind wrote no readable {entry_file} ({problem or 'files still changing or empty'})"
                ))
            previous = sizes
            time.sleep(0.05)

    def abandon(self):
        """Stop Pagefind without writing anything (a failed build)."""
        self._service.close()


def index_pages(output_path, pages, exclude_selectors=DEFAULT_EXCLUDE_SELECTORS, timeout=DEFAULT_TIMEOUT,
                bundle_dir=BUNDLE_DIR):
    """Index `pages` (output-relative paths) of a built site in one go; returns the entry."""
    output_path = Path(output_path)
    index = LiveIndex(output_path / bundle_dir, exclude_selectors, timeout)
    for relative in pages:
        index.add((output_path / relative).read_text(encoding="utf-8", errors="replace"), page_url(relative))
    return index.write()


class SiteIndexer:
    """The plugin's state for one build: pages go to Pagefind as Pelican writes them."""

    current = None
    writing = None  # the thread writing the last build's index, with SEARCH_INDEX_IN_BACKGROUND

    def __init__(self, settings, output_path):
        self.output_path = Path(output_path).resolve()
        self.patterns = exclude_patterns(settings)
        self.exclude_selectors = settings.get("SEARCH_INDEX_EXCLUDE_SELECTORS", DEFAULT_EXCLUDE_SELECTORS)
        self.timeout = settings.get("SEARCH_INDEX_TIMEOUT", DEFAULT_TIMEOUT)
        self.index = None

    def page_written(self, path):
        path = Path(path).resolve()
        if path.suffix != ".html" or not path.is_relative_to(self.output_path):
            return
        relative = path.relative_to(self.output_path).as_posix()
        if PurePosixPath(relative).parts[0] == BUNDLE_DIR or is_excluded(relative, self.patterns):
            return
        html = path.read_text(encoding="utf-8", errors="replace")
        if not has_search_body(html):
            return
        if self.index is None:
            self.index = LiveIndex(self.output_path / BUNDLE_DIR, self.exclude_selectors, self.timeout)
        self.index.add(html, page_url(relative))

    def finish(self):
        if self.index is None:
            remove_old_bundle(self.output_path / BUNDLE_DIR)
            logger.warning(
                "Search index: no page in %s has a data-pagefind-body element, so there is nothing to "
                "index and /search/ will find nothing",
                self.output_path,
            )
            return
        started = time.perf_counter()
        entry = self.index.write()
        logger.info(
            "Search index: %d pages indexed by Pagefind %s into %s, %.2f s after the last page was written",
            len(self.index.pages),
            entry.get("version", "?"),
            self.output_path / BUNDLE_DIR,
            time.perf_counter() - started,
        )

    def abandon(self):
        if self.index is not None:
            self.index.abandon()


def start_indexing(pelican):
    """initialized: a new build; a previous build that failed may have left Pagefind running,
    and one that finished may still be writing its index in the background."""
    wait_for_index()
    if SiteIndexer.current is not None:
        SiteIndexer.current.abandon()
    enabled = pelican.settings.get("SEARCH_INDEX", True)
    SiteIndexer.current = SiteIndexer(pelican.settings, pelican.output_path) if enabled else None
    if not enabled:
        logger.info("Search index: off (SEARCH_INDEX = False)")


def index_written_page(path, context=None):
    if SiteIndexer.current is not None:
        SiteIndexer.current.page_written(path)


def write_index(pelican):
    """finalized: write the index of this build's pages (in the background with
    SEARCH_INDEX_IN_BACKGROUND, so `make serve` shows an edited page without waiting)."""
    indexer, SiteIndexer.current = SiteIndexer.current, None
    if indexer is None:
        return
    if not pelican.settings.get("SEARCH_INDEX_IN_BACKGROUND"):
        indexer.finish()
        return

    def finish_and_report():
        try:
            indexer.finish()
        except SearchIndexError as error:
            logger.error("%s", error)

    SiteIndexer.writing = threading.Thread(target=finish_and_report, name="search-index")
    SiteIndexer.writing.start()


def wait_for_index():
    """Block until an index being written in the background is on disk."""
    if SiteIndexer.writing is not None:
        SiteIndexer.writing.join()
        SiteIndexer.writing = None


def register():
    signals.initialized.connect(start_indexing)
    signals.content_written.connect(index_written_page)
    signals.finalized.connect(write_index)
