"""The development server behind `make serve`: serves the output, rebuilds when a source
changes, and reloads the open pages when a rebuild has finished.

- Sources are watched with watchfiles (inotify and the like, not polling). Editors that save
  by writing a new file and renaming it over the old one (vim, VS Code), bursts of saves and
  files that come and go all arrive as one batch of changes; a batch that comes while a build
  runs makes one more build when it ends, never a queue of them.
- Pages are served by a threaded HTTP server, which keeps answering while a build runs (every
  output file is replaced whole, see servicebook.writing, so a reader gets the old page or
  the new one). A path with no page gets the site's 404 page with status 404, as the public
  host answers; in a dev build its problem panel names the posts that were not built.
- Live reload: the server adds one script tag to the HTML it serves (the files on disk are
  what `make build` writes) naming the build the page came from; the script listens to an
  event stream that announces each finished build and reloads the page when it is newer.
- A change to our own code (plugins, the servicebook package) restarts the server process,
  so the code that builds is the code on disk.
- Python's full garbage collections walk the server's whole heap (the last build's site,
  kept for quick pages, and the one being built): about half a second each at 5,000 posts,
  and a rebuild made two. While builds run, the collector makes one only after many more of
  its smaller collections (a save every few seconds leaves the server no idle moment, see
  FULL_COLLECTION_EVERY); the server makes one when it is idle after a build. After the
  first, what is alive then (the reader cache, the kept reads, the theme, the first site) is
  frozen (gc.freeze): later full collections leave it out, 0.25 s instead of 0.45 s at 5,000
  posts. Of the first site, which the next build replaces, what only a cycle holds stays in
  memory (about 36 MB at 5,000 posts), once: nothing frozen later.
"""

import errno
import gc
import mimetypes
import multiprocessing
import os
import re
import socket
import sys
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from servicebook.background import BACKGROUND
from servicebook.records import write_saved
from servicebook.signals import search_index_changed

EVENTS_PATH = "/__servicebook/events"
# Where the search's recent changes are served from (servicebook.recent_index).
RECENT_PATH = "/__servicebook/recent-index/"
SCRIPT_PATH = "/__servicebook/live-reload.js"
SCRIPT = (Path(__file__).with_name("live_reload.js")).read_bytes()
KEEP_ALIVE_SECONDS = 15
# Types a browser insists on (WebAssembly streaming) or that Python's table may not know.
TYPES = {
    ".avif": "image/avif",
    ".webp": "image/webp",
    ".wasm": "application/wasm",
    ".js": "text/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
# After a build, the full garbage collection waits this long for another build to be asked
# for: the open pages reload first (a collection holds every thread of the server).
IDLE_COLLECTION_SECONDS = 0.3
# While builds run, the collector's own full collections: one per this many collections of
# its middle generation (Python's default is 10), about two rebuilds at 5,000 posts.
FULL_COLLECTION_EVERY = 100


class Builds:
    """The number of the last finished build, and a way to wait for the next one; and how
    many times what the search finds changed since (`search_changed`)."""

    def __init__(self):
        self._number = 0
        self._searches = 0
        self._condition = threading.Condition()

    @property
    def number(self):
        with self._condition:
            return self._number

    @property
    def searches(self):
        with self._condition:
            return self._searches

    def finished(self):
        with self._condition:
            self._number += 1
            self._condition.notify_all()

    def search_changed(self, sender=None):
        with self._condition:
            self._searches += 1
            self._condition.notify_all()

    def wake(self):
        """Wake every waiting stream (the server is closing: they look and end)."""
        with self._condition:
            self._condition.notify_all()

    def wait_for_next(self, seen, timeout):
        """The number of the last build once it differs from `seen`, or `seen` after `timeout` s."""
        with self._condition:
            self._condition.wait_for(lambda: self._number != seen, timeout)
            return self._number

    def wait_for_news(self, seen, timeout):
        """(build number, search changes) once they differ from `seen`, or `seen` after `timeout` s."""
        with self._condition:
            self._condition.wait_for(lambda: (self._number, self._searches) != seen, timeout)
            return self._number, self._searches


def with_reload_script(html, build, searches=0, recent=None):
    """`html` with the live-reload script in its head (at its end if it has none), naming
    the build it came from and how many times what the search finds had changed; `recent`:
    the address of the search's recent changes, for the search page (servicebook.recent_index)."""
    more = f' data-recent-index="{recent}"' if recent else ""
    tag = (
        f'<script src="{SCRIPT_PATH}" data-build="{build}" data-search="{searches}" '
        f'data-events="{EVENTS_PATH}"{more}></script>'
    ).encode()
    match = _HEAD_END.search(html)
    if match is None:
        return html + tag
    return html[: match.start()] + tag + html[match.start() :]


def content_type(path):
    return TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves `server.root`; see the module's docstring."""

    server_version = "Servicebook"

    def log_message(self, format, *args):
        """Quiet: the terminal is for the build's problems."""

    def do_GET(self):
        self._answer(with_body=True)

    def do_HEAD(self):
        self._answer(with_body=False)

    def _answer(self, with_body):
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            return self._event_stream()
        if path == SCRIPT_PATH:
            return self._send(HTTPStatus.OK, "text/javascript", SCRIPT, with_body)
        recent = self.server.recent
        if recent is not None and path.startswith(RECENT_PATH):
            return self._send_file(Path(recent) / path[len(RECENT_PATH) :], with_body)
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            if not path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", path + "/" + (f"?{urlsplit(self.path).query}" if "?" in self.path else ""))
                self.send_header("Content-Length", "0")
                return self.end_headers()
            target = target / "index.html"
        status = HTTPStatus.OK
        try:
            body = target.read_bytes()
        except OSError:
            status, target = HTTPStatus.NOT_FOUND, Path(self.directory) / "404.html"
            try:
                body = target.read_bytes()
            except OSError:
                return self._send(status, "text/plain; charset=utf-8", b"404: no such page\n", with_body)
        kind = content_type(target)
        if kind == "text/html":
            builds = self.server.builds
            body = with_reload_script(body, builds.number, builds.searches, RECENT_PATH if recent is not None else None)
            kind += "; charset=utf-8"
        self._send(status, kind, body, with_body)

    def _send_file(self, path, with_body):
        """A file of the search's recent changes (a folder outside the output)."""
        root = Path(self.server.recent).resolve()
        path = path.resolve()
        try:
            if not path.is_relative_to(root):
                raise OSError("outside the folder")
            body = path.read_bytes()
        except OSError:
            return self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"404: no such file\n", with_body)
        self._send(HTTPStatus.OK, content_type(path), body, with_body)

    def _send(self, status, kind, body, with_body):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        # Every request sees the latest build.
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _event_stream(self):
        """Server-sent events: the number of the last build now, then each new one."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        builds = self.server.builds
        seen = builds.number, builds.searches
        try:
            self._event("build", seen[0])
            self._event("search", seen[1])
            while not self.server.stopping.is_set():
                news = builds.wait_for_news(seen, KEEP_ALIVE_SECONDS)
                if news == seen:
                    self.wfile.write(b": still here\n\n")
                if news[0] != seen[0]:
                    self._event("build", news[0])
                elif news[1] != seen[1]:
                    self._event("search", news[1])
                seen = news
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away (reloaded or closed)

    def _event(self, kind, number):
        self.wfile.write(f"event: {kind}\ndata: {number}\n\n".encode())
        self.wfile.flush()


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, root, recent=None):
        self.root = Path(root)
        # The folder of the search's recent changes, served at RECENT_PATH (or None).
        self.recent = recent
        self.builds = Builds()
        self.stopping = threading.Event()
        super().__init__(address, lambda *args: SiteHandler(*args, directory=str(self.root)))

    def handle_error(self, request, client_address):
        # A browser that stopped waiting (a reload, a closed tab, a timeout while a build
        # keeps the server busy) is no error: the terminal is for the build's problems.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def server_close(self):
        self.stopping.set()
        self.builds.wake()
        super().server_close()


@dataclass
class Sources:
    """What the server watches: folders whose changes need a rebuild, files likewise (the
    settings file: watched through its folder, as an editor may replace it), and folders of
    our code, whose changes need a restart. Paths under `ignored` (output, caches) never count."""

    folders: list
    files: list = field(default_factory=list)
    code: list = field(default_factory=list)
    ignored: list = field(default_factory=list)

    def counts(self, path):
        path = Path(path)
        if any(path.is_relative_to(folder) for folder in self.ignored):
            return False
        return any(path.is_relative_to(folder) for folder in [*self.folders, *self.code]) or path in self.files

    def is_code(self, path):
        path = Path(path)
        return path.suffix == ".py" and any(path.is_relative_to(folder) for folder in self.code)


def changed_paths(changes):
    """The paths of a batch of watchfiles changes, but those of files that came and went
    within it: what an editor or `sed -i` writes beside a source and renames over it."""
    from watchfiles import Change

    seen = {}
    for change, path in changes:
        seen.setdefault(path, set()).add(change)
    return sorted(
        path
        for path, kinds in seen.items()
        if not ({Change.added, Change.deleted} <= kinds and not os.path.exists(path))
    )


def watch(sources, on_change, stop):
    """Call `on_change(paths)` with each batch of changed source paths until `stop` is set."""
    import watchfiles

    def relevant(change, path):
        return watchfiles.DefaultFilter()(change, path) and sources.counts(path)

    def follow(paths, recursive):
        for changes in watchfiles.watch(
            *paths, watch_filter=relevant, recursive=recursive, step=50, stop_event=stop, raise_interrupt=False
        ):
            paths = changed_paths(changes)
            if paths:
                on_change(paths)

    recursive = [str(path) for path in [*sources.folders, *sources.code] if Path(path).is_dir()]
    threads = [threading.Thread(target=follow, args=(recursive, True), daemon=True)]
    if sources.files:
        parents = sorted({str(Path(path).parent) for path in sources.files})
        threads.append(threading.Thread(target=follow, args=(parents, False), daemon=True))
    for thread in threads:
        thread.start()
    return threads


class Rebuilder:
    """Runs `build(paths)` in its own thread whenever asked, with the paths that changed
    since the last build began (none for the first); asks that come during a build make one
    more build after it, with all their paths.

    While builds run, the garbage collector makes a full collection only after
    FULL_COLLECTION_EVERY collections of its middle generation; once the builds are done and
    none is asked for within IDLE_COLLECTION_SECONDS, `write_records()` writes the records the
    builds saved (servicebook.records.written_later), `warm(stop)` (until it returns True)
    does what makes later builds quicker, stopping once `stop()` says a build is asked for,
    `collect()` makes one (a full garbage collection), and the collector's own thresholds are
    back. After the first, `freeze()` (see the module's docstring)."""

    def __init__(self, build, builds, collect=gc.collect, freeze=gc.freeze, write_records=write_saved, warm=None):
        self.build = build
        self.builds = builds
        self.write_records = write_records
        self.warm, self._warm = warm, warm is not None
        self.collect = collect
        self.freeze = freeze
        self._frozen = False
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._paths = set()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def ask(self, paths=()):
        with self._lock:
            self._paths.update(paths)
        self._wanted.set()

    def _run(self):
        usual = gc.get_threshold()
        while True:
            self._wanted.wait()
            gc.set_threshold(*usual[:2], FULL_COLLECTION_EVERY)
            self._wanted.clear()
            with self._lock:
                paths, self._paths = sorted(self._paths), set()
            self.build(paths)
            self.builds.finished()
            if not self._wanted.wait(IDLE_COLLECTION_SECONDS):
                self.write_records()
                if self._warm:
                    self._warm = not self.warm(self._wanted.is_set)
                    if self._warm:
                        continue  # stopped for a build, which comes first
                self.collect()
                if not self._frozen:
                    self.freeze()
                    self._frozen = True
                gc.set_threshold(*usual)


def restart():
    """Replace this process with a fresh one, started the same way (new code, same port)."""
    print("Our code changed: restarting the server.", flush=True)
    write_saved()  # the records the last builds saved (servicebook.records.written_later)
    # A search index stopped for a build would never go on, nor see its input closed.
    BACKGROUND.let_go()
    # Workers a build under way forked (parallel reading) hold a copy of the server's socket,
    # and would wait for this process's orders for ever: the new one could not take the port.
    for worker in multiprocessing.active_children():
        worker.kill()
        worker.join()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


def free_port(host="127.0.0.1"):
    """A port nothing listens on now (for a server the tests or the benchmark start)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class PortInUse(OSError):
    """Something else listens on the port `make serve` was asked to serve on."""


def _bind(host, port, root, recent=None):
    try:
        return SiteServer((host, port), root, recent)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise PortInUse(
            f"Port {port} on {host} is in use (another make serve?): stop that server, or serve on "
            f"another port: .venv/bin/invoke serve --port {port + 1}"
        ) from None


def run(root, build, sources, host="127.0.0.1", port=8000, quick=None, recent=None, warm=None):
    """Build with `build(paths)` (see Rebuilder; it prints its report), then serve `root` on
    host:port, building again on each change of `sources` and reloading the open pages after
    it. `quick(paths, reload)`, when given, is called first, at once, on the watcher's thread:
    it writes what pages it can for the change, calling `reload()` after each batch (the
    open pages reload before the build). `recent`: the folder of the search's recent changes
    (servicebook.recent_index), served at RECENT_PATH; the open search pages reload when what
    the search finds changes. `warm(stop)`: see Rebuilder. Runs until interrupted."""
    server = _bind(host, port, root, recent)
    search_index_changed.connect(server.builds.search_changed)
    rebuilder = Rebuilder(build, server.builds, warm=warm)
    stop = threading.Event()

    def changed(paths):
        if any(sources.is_code(path) for path in paths):
            stop.set()
            server.server_close()
            restart()
        # The edited pages first, even while a build runs: reload the open pages for them.
        if quick is not None:
            quick(paths, server.builds.finished)
        rebuilder.ask(paths)

    # Watching starts before the first build, so a save made while it runs is not missed.
    watch(sources, changed, stop)
    rebuilder.ask()
    server.builds.wait_for_next(0, timeout=None)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        search_index_changed.disconnect(server.builds.search_changed)
        stop.set()
        write_saved()
        server.server_close()
