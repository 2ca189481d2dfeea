"""Pagefind, the search index: which pages of a built site it indexes, and its indexing
service, spoken to directly.

Shared by the search_index plugin (which hands Pagefind each page as Pelican writes it) and
the benchmark (which also times Pagefind on its own). Any failure of Pagefind raises
SearchIndexError, which stops the build with what Pagefind said.
"""

import base64
import contextlib
import fnmatch
import importlib.util
import json
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from servicebook.background import BACKGROUND
from servicebook.pagefind_bundle import (
    SearchIndexError,
    check_bundle_place,
    file_sizes,
    is_whole,
    replace_bundle,
    staging_folder,
)
from servicebook.pagefind_files import ENTRY, FRAGMENT_SUFFIX, read_pagefind_file

BUNDLE_DIR = "pagefind"
DEFAULT_TIMEOUT = 300
DEFAULT_EXCLUDE_SELECTORS = ("[hidden]", ".meta")
# Where Pelican writes drafts; their pages are never indexed.
DRAFT_SETTINGS = ("DRAFT_SAVE_AS", "DRAFT_LANG_SAVE_AS", "DRAFT_PAGE_SAVE_AS", "DRAFT_PAGE_LANG_SAVE_AS")
# A real start tag carrying the attribute: its name, then attributes, each with its value
# (quoted values may hold anything: a feed link's title naming a tag "data-pagefind-body"
# is no search body); text that merely mentions it is escaped (&lt;).
_ATTRIBUTE = r"""[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?"""
_BODY_TAG = re.compile(rf"<[A-Za-z][^\s/<>]*(?:\s+{_ATTRIBUTE})*?\s+data-pagefind-body(?=[\s=/>])")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def has_search_body(html):
    """True when the page has an element marked `data-pagefind-body`. The pattern is tried
    from the last tag before the attribute's first mention (a match cannot start earlier:
    it spans no "<"), not over the whole page (1.4 s of a 5,000-post build)."""
    mentioned = html.find("data-pagefind-body")
    if mentioned < 0:
        return False
    return bool(_BODY_TAG.search(html, max(html.rfind("<", 0, mentioned), 0)))


def save_as_pattern(save_as):
    """A glob matching every path a `*_SAVE_AS` template can produce ("" for none).

    "drafts/{slug}/index.html" -> "drafts/*/index.html"
    """
    return _PLACEHOLDER.sub("*", save_as or "").lstrip("/")


def exclude_patterns(settings):
    """SEARCH_INDEX_EXCLUDE if set, else one pattern per draft save-as setting in use."""
    configured = settings["SEARCH_INDEX_EXCLUDE"]
    if configured is not None:
        return [configured] if isinstance(configured, str) else list(configured)
    patterns = (save_as_pattern(settings.get(name)) for name in DRAFT_SETTINGS)
    return sorted({pattern for pattern in patterns if pattern})


def is_excluded(relative_path, patterns):
    """Whether an output path ("2024/slug/index.html", "/" separated) matches a pattern."""
    return any(fnmatch.fnmatchcase(relative_path, pattern) for pattern in patterns)


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

    def __init__(self, timeout=DEFAULT_TIMEOUT, niceness=0):
        """`niceness`: how far below this process's priority Pagefind runs (with `nice`, where
        there is one), so that what an author waits for comes first; a service with one
        works in the background, and is stopped while BACKGROUND is paused."""
        from pagefind.service import get_executable

        check_pagefind_installed()
        self.timeout = timeout
        command = [str(get_executable()), "--service"]
        if niceness and shutil.which("nice"):
            command = [shutil.which("nice"), "-n", str(niceness), *command]
        if niceness and shutil.which("setpriv"):
            # A background Pagefind may be stopped (servicebook.background): should this
            # process be killed meanwhile, nothing would ever continue it; it dies with it.
            command = [shutil.which("setpriv"), "--pdeathsig", "KILL", *command]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._sent = 0
        self._answers = {}
        self._other_output = bytearray()
        self._output_ended = False
        self._arrived = threading.Condition()
        threading.Thread(target=self._read_answers, name="pagefind", daemon=True).start()
        # Requests are written by a thread of their own: Pagefind indexes one page at a time,
        # and while it is behind, writing to it blocks (seconds of a 5,000-post build, when the
        # build's process has pages to write and plan).
        self._outbox = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send_requests, name="pagefind-requests", daemon=True)
        self._sender.start()
        if niceness:
            BACKGROUND.add(self)

    def signal(self, number):
        """Send Pagefind a signal, unless it has ended."""
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(number)

    def send(self, payload):
        """Send a request; returns its message id, for `answer`."""
        self._sent += 1
        self._outbox.put((self._sent, payload))
        return self._sent

    def _send_requests(self):
        while (request := self._outbox.get()) is not None:
            message_id, payload = request
            message = json.dumps({"message_id": message_id, "payload": payload}).encode("utf-8")
            try:
                self._process.stdin.write(base64.b64encode(message) + b",")
                self._process.stdin.flush()
            except (OSError, ValueError):
                pass  # it stopped, or was stopped; `answer` says how

    def answer(self, message_id, step):
        """The payload answering `message_id`; SearchIndexError if Pagefind refused or stopped."""
        deadline = BACKGROUND.clock() + self.timeout
        with self._arrived:
            while message_id not in self._answers:
                stopped = self._process.poll() is not None
                if stopped:
                    # Its last words may still be in the pipe after it exited: let the reader finish.
                    self._arrived.wait_for(lambda: self._output_ended, timeout=5)
                    if message_id in self._answers:
                        break
                if stopped or BACKGROUND.clock() > deadline:
                    problem = (
                        f"Pagefind stopped with exit code {self._process.returncode} while trying to {step}"
                        if stopped
                        else f"Pagefind did not {step} within {self.timeout} s"
                    )
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
        """Stop Pagefind; requests not sent yet are not sent."""
        # A stopped Pagefind would never read the end of its input, nor exit.
        BACKGROUND.discard(self)
        with contextlib.suppress(queue.Empty):
            while True:
                self._outbox.get_nowait()
        self._outbox.put(None)
        self._sender.join(timeout=10)
        if self._sender.is_alive():
            self._process.kill()  # it stopped reading: the request being written fails
            self._sender.join()
        if self._process.poll() is None:
            with contextlib.suppress(OSError):  # what the sender left unflushed, when it stopped
                self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


class LiveIndex:
    """A Pagefind index that takes pages one at a time while the caller goes on working.
    Its bundle replaces the one in its folder whole (servicebook.pagefind_bundle); what
    `spared` matches in that folder is not its own (see `check_bundle_place`)."""

    def __init__(
        self, bundle_path, exclude_selectors=DEFAULT_EXCLUDE_SELECTORS, timeout=DEFAULT_TIMEOUT, niceness=0, spared=None
    ):
        self.bundle_path = Path(bundle_path)
        self.staging = staging_folder(self.bundle_path)
        self.spared = spared
        self.pages = []
        self.urls = []
        # Pages Pagefind left out of the written index, for having no words it indexes
        # (a body of symbols only): by URL.
        self.left_out = []
        self._service = PagefindService(timeout, niceness)
        config = {"exclude_selectors": list(exclude_selectors)}
        created = self._service.send({"type": "NewIndex", "config": config})
        self._index_id = self._service.answer(created, "start an index")["index_id"]
        # The write `write_ahead` asked for, and how many pages it holds.
        self._ahead = None

    def add(self, html, url):
        self.urls.append(url)
        self.pages.append(
            self._service.send(
                {"type": "AddFile", "index_id": self._index_id, "url": url, "file_path": None, "file_contents": html}
            )
        )

    def write_ahead(self):
        """Have Pagefind write the bundle of the pages added so far while the caller goes on
        (it takes seconds for thousands of pages); `write` waits for it, and writes the
        bundle again if pages were added since."""
        self._ahead = self._send_write(), len(self.pages)

    def _send_write(self):
        check_bundle_place(self.bundle_path, self.spared)
        shutil.rmtree(self.staging, ignore_errors=True)  # what a build cut off had written there
        return self._service.send({"type": "WriteFiles", "index_id": self._index_id, "output_path": str(self.staging)})

    def write(self):
        """Wait for every page, write the bundle, stop Pagefind; returns pagefind-entry.json."""
        for page in self.pages:
            self._service.answer(page, "index a page")
        if self._ahead is not None:
            self._service.answer(self._ahead[0], "write the index")
        if self._ahead is None or self._ahead[1] < len(self.pages):
            # Pagefind builds the index again from every page it was given, for a whole new bundle.
            self._service.answer(self._send_write(), "write the index")
        try:
            entry = self._written_entry()
        finally:
            self._service.close()
        indexed = indexed_page_count(entry)
        if indexed != len(self.pages):
            self.left_out = sorted(set(self.urls) - self._indexed_urls())
            if indexed + len(self.left_out) != len(self.pages):
                raise SearchIndexError(failure_message(f"Pagefind indexed {indexed} pages, expected {len(self.pages)}"))
        replace_bundle(self.bundle_path, self.spared)
        return entry

    def _indexed_urls(self):
        """The URL of every page in the written bundle (one fragment file each)."""
        return {
            json.loads(read_pagefind_file(fragment))["url"]
            for fragment in (self.staging / "fragment").glob("*" + FRAGMENT_SUFFIX)
        }

    def _written_entry(self):
        """pagefind-entry.json once the bundle is on disk. Pagefind can answer before its last
        writes have reached the files, and stopping it then leaves them empty (seen once in
        some hundred builds), so wait while it runs: until the entry reads, no size changes
        between two looks and every data file decompresses whole."""
        entry_file = self.staging / ENTRY
        deadline = BACKGROUND.clock() + self._service.timeout
        previous = None
        while True:
            # Files that did not change while Pagefind was stopped tell nothing.
            sizes = file_sizes(path for path in self.staging.rglob("*") if path.is_file())
            look = BACKGROUND.pauses, sizes
            try:
                entry, problem = json.loads(entry_file.read_text(encoding="utf-8")), None
            except (OSError, ValueError) as error:
                entry, problem = None, error
            settled = sizes is not None and look == previous and not BACKGROUND.holds(self._service)
            if entry is not None and settled and all(map(is_whole, sizes)):
                return entry
            if BACKGROUND.clock() > deadline:
                raise SearchIndexError(
                    failure_message(
                        f"Pagefind wrote no readable {entry_file} ({problem or 'files still changing or empty'})"
                    )
                )
            previous = look
            time.sleep(0.05)

    def abandon(self):
        """Stop Pagefind without writing anything (a failed build, or one the next build
        supersedes): at once, unless it was asked to write already."""
        if self._ahead is None:
            self._service.signal(signal.SIGKILL)
        self._service.close()


# The thread writing the last build's index, when the build did not wait for it
# (SEARCH_INDEX_IN_BACKGROUND); the next build, the bench and the tests wait for it.
_writing = None


def write_in_background(write):
    """Run `write()` in a thread, once an index already being written is on disk (both write
    the same folder); `wait_for_index` waits for both."""
    global _writing
    previous = _writing

    def after_previous():
        if previous is not None:
            previous.join()
        write()

    _writing = threading.Thread(target=after_previous, name="search-index")
    _writing.start()


def wait_for_index():
    """Block until an index being written in the background is on disk."""
    global _writing
    if _writing is not None:
        with BACKGROUND.waited_for():
            _writing.join()
        _writing = None
