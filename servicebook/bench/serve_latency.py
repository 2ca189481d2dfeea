"""What an author waits for under `make serve`: from saving a post to its page being served
with the edit (what a browser reload gets), to the open tab being told to reload, and from
retitling the newest post to every page that shows its title having it: the home page, its
first tag's page, the page of the post before it (which names it as the newer one) and the
site's Atom feed; and from saving a new post, re-tagging it and deleting it to the pages
showing each.

The server runs as `make serve` runs it (servicebook.site.serve in its own process) on the
benchmark's corpus; edits are real file writes and the pages are fetched over HTTP, polled
every 20 ms. Each edit is made once the previous one is served and its build is over, so the
figures are one save's wait, not a queue of them; then saves 3 s apart, as an author makes
them, most of which come while a build runs.
"""

import datetime
import functools
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from servicebook.devserver import EVENTS_PATH, free_port
from servicebook.headers import read_header

from .corpus import edit_sentence
from .memory import PeakWatch
from .search_seen import UNREADABLE, SearchSeen

POLL_SECONDS = 0.02
SAVES_APART_SECONDS = 3
TIMEOUT_SECONDS = 600
# What the server prints once a build is done.
REPORTED = "Serving http://"


@dataclass
class ServeTimes:
    """Seconds: the first build (serving from then on), and per edit, save → page served, save → reload
    announced, save → page served for saves 3 s apart (most come while the last save's build runs);
    retitle → the pages that show the title (`shown_elsewhere`); a new post → its page and the home page
    show it; that post re-tagged → the new tag's page lists it; that post deleted → its page and its
    title gone from the home page; for each of these three, save → the server reports the rebuild done
    (`rebuilt`: every page and feed, the sitemap, what is gone removed; `rebuilt_after` names the
    edit of each: a new post, a re-tag, a deletion); for each of the four, save →
    the search finds it (`searched`: servicebook.recent_index, or the index on disk) and the index on
    disk has it (`indexed`), each timed side by side. Peak RSS in MB of the server and of its Pagefinds."""

    first_build: float = 0.0
    page: list = field(default_factory=list)
    reload: list = field(default_factory=list)
    page_while_building: list = field(default_factory=list)
    site: list = field(default_factory=list)
    new_post: list = field(default_factory=list)
    retag: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    rebuilt: list = field(default_factory=list)
    rebuilt_after: list = field(default_factory=list)
    searched: list = field(default_factory=list)
    indexed: list = field(default_factory=list)
    rss_mb: float = 0.0
    child_rss_mb: float = 0.0


class Server:
    """`servicebook.site.serve` on a free port in its own process, with its printed lines."""

    def __init__(self, overrides):
        self.search = SearchSeen(overrides)
        self.port = free_port()
        code = f"from servicebook import site; site.serve(port={self.port}, **{overrides!r})"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines = []
        self.reports = []  # when each build's report ("... Serving http://...") reached us
        self.memory = PeakWatch(self.process.pid, interval=0.5, alive=lambda: self.process.poll() is None)
        threading.Thread(target=self._read, daemon=True).start()
        self.builds = []  # when each announced build reached us (monotonic seconds)
        threading.Thread(target=self._listen, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def _read(self):
        for line in iter(self.process.stdout.readline, ""):
            if REPORTED in line:
                self.reports.append(time.monotonic())
            self.lines.append(line.rstrip("\n"))

    def _listen(self):
        """Follow the server's build announcements, as the open tab does."""
        while self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url(EVENTS_PATH), timeout=TIMEOUT_SECONDS) as stream:
                    for line in stream:
                        if line.startswith(b"data:"):
                            self.builds.append(time.monotonic())
            except OSError:
                time.sleep(0.2)

    def wait_until_serving(self):
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server stopped:\n" + "\n".join(self.lines[-30:]))
            try:
                with urllib.request.urlopen(self.url("/"), timeout=5):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not answer:\n" + "\n".join(self.lines[-30:]))

    def fetch(self, path):
        with urllib.request.urlopen(self.url(path), timeout=TIMEOUT_SECONDS) as response:
            return response.read().decode("utf-8", "replace")

    def wait_for_text(self, path, text, since):
        """Seconds from `since` until `path` is served holding `text`."""
        return self._poll(path, since, lambda: text in self.fetch(path), f"never showed {text!r}")

    def wait_for_absence(self, path, text, since):
        """Seconds from `since` until `path` is not found (404) or no longer holds `text`."""

        def gone():
            try:
                return text not in self.fetch(path)
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    return True
                raise

        return self._poll(path, since, gone, f"still showed {text!r}")

    def _poll(self, path, since, done, failure):
        """Seconds from `since` until `done()` is true (a failed fetch is not yet)."""
        while time.monotonic() - since < TIMEOUT_SECONDS:
            try:
                if done():
                    return time.monotonic() - since
            except OSError:
                pass
            time.sleep(POLL_SECONDS)
        raise RuntimeError(f"{path} {failure}:\n" + "\n".join(self.lines[-30:]))

    def wait_for_index(self, url, found, since, searched=False):
        """Seconds from `since` until `found(fragment)` is true of what the search index on
        disk holds for `url` (None: not indexed), or with `searched`, of what the search
        finds (the recent changes too). Looked at again only when they change (or after a
        failed read: being written)."""
        seen = None
        while time.monotonic() - since < TIMEOUT_SECONDS:
            stamp = self.search.stamp(url, searched)
            if stamp != seen:
                try:
                    page = self.search.searched_page(url) if searched else self.search.indexed_page(url)
                    if found(page and page[1]):
                        return time.monotonic() - since
                    seen = stamp
                except UNREADABLE:
                    seen = None
            time.sleep(0.05)
        raise RuntimeError(f"the search index never had the change to {url}:\n" + "\n".join(self.lines[-30:]))

    def wait_for_build_after(self, since):
        """Seconds from `since` until a finished build was announced after it."""
        return self._first_after(self.builds, since, "no build was announced")

    def builds_reported(self):
        """How many builds have printed their report ("... Serving http://...")."""
        return len(self.reports)

    def wait_for_report_after(self, since):
        """Seconds from `since` until a build printed its report after it: the build is done."""
        return self._first_after(self.reports, since, "no build reported")

    def _first_after(self, moments, since, failure):
        """Seconds from `since` to the first of `moments` (a list that grows) after it."""
        while time.monotonic() - since < TIMEOUT_SECONDS:
            later = [moment for moment in moments if moment > since]
            if later:
                return later[0] - since
            time.sleep(POLL_SECONDS)
        raise RuntimeError(f"{failure}:\n" + "\n".join(self.lines[-30:]))

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


def is_idle(lines):
    """Whether every build a server that printed `lines` began has printed its report
    ("... Serving http://..."); the first build prints no "Rebuilding: "."""
    lines = list(lines)
    begun = sum(1 for line in lines if line.startswith("Rebuilding: "))
    return sum(1 for line in lines if REPORTED in line) == begun + 1


def article_path(source):
    """The address of a generated article (ARTICLE_URL is {date:%Y}/{slug}/)."""
    header = read_header(source.read_text(encoding="utf-8"))
    return f"/{header['date'].value[:4]}/{header['slug'].value}/"


def shown_elsewhere(html, home):
    """The other pages that show a post's title, from its page's `html` and the home page's:
    the home page, the first tag's page, the older neighbour's page and the site's Atom feed."""
    found = ["/"]
    for pattern, text in (
        (r'<a[^>]*href="([^"]*/tag/[^"]+)"', html),
        (r'<a rel="prev" href="([^"]+)"', html),
        (r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', home),
    ):
        match = re.search(pattern, text)
        if match:
            found.append(match.group(1))
    return found


def _new_retag_delete(server, newest, mark, times, say):
    """A post newer than `newest` (a post's source) written, re-tagged, then deleted, each
    timed from the save until the pages show it (see ServeTimes)."""
    header = read_header(newest.read_text(encoding="utf-8"))
    day = datetime.date.fromisoformat(header["date"].value[:10]) + datetime.timedelta(days=1)
    title, slug, tag = f"Newpost{mark}", f"bench-new-{mark}", f"benchtag{mark}"
    source = newest.with_name(f"{slug}.md")
    page, tag_page = f"/{day.year}/{slug}/", f"/tag/{tag}/"

    def save(tags):
        text = f"Title: {title}\nDate: {day.isoformat()} 09:00\nSlug: {slug}\nTags: {tags}\n\n{edit_sentence(0)}\n"
        source.write_text(text, encoding="utf-8")

    steps = (
        (
            "new post",
            "new post: its page and the home page show it",
            lambda: save("bench"),
            times.new_post,
            server.wait_for_text,
            (page, "/"),
            titled(title),
        ),
        (
            "re-tag",
            "re-tagged: the new tag's page lists it",
            lambda: save(f"bench, {tag}"),
            times.retag,
            server.wait_for_text,
            (tag_page,),
            lambda fragment: fragment is not None and tag in fragment["filters"].get("tag", ()),
        ),
        (
            "deletion",
            "deleted: gone from its page, the home page and the tag's",
            source.unlink,
            times.deleted,
            server.wait_for_absence,
            (page, "/", tag_page),
            lambda fragment: fragment is None,
        ),
    )
    for kind, what, change, waits, wait, paths, indexed in steps:
        builds = server.builds_reported()
        server.search.read_before_saving(page)
        saved = time.monotonic()
        change()
        shown, rebuilt, searched, whole = side_by_side(
            functools.partial(all_show, wait, paths, title, saved),
            functools.partial(server.wait_for_report_after, saved),
            functools.partial(server.wait_for_index, page, indexed, saved, searched=True),
            functools.partial(server.wait_for_index, page, indexed, saved),
        )
        waits.append(shown)
        times.rebuilt.append(rebuilt)
        times.rebuilt_after.append(kind)
        times.searched.append(searched)
        times.indexed.append(whole)
        say(
            f"  make serve: {what} after {waits[-1]:.2f} s, the rebuild done after {times.rebuilt[-1]:.2f} s, "
            f"the search after {times.searched[-1]:.2f} s, "
            f"the whole search index after {times.indexed[-1]:.2f} s"
        )
        _settle(server, builds)


def all_show(wait, paths, text, saved):
    """Seconds from `saved` until each of `paths` shows `text` (see `wait`): the last of them."""
    return max(wait(path, text, saved) for path in paths)


def side_by_side(*waits):
    """What each of `waits` returns (seconds from one save), each in a thread of its own: one
    begun only once another ended would measure the later of the two."""
    with ThreadPoolExecutor(len(waits)) as pool:
        return [future.result() for future in [pool.submit(wait) for wait in waits]]


def titled(title):
    """Whether a page's fragment (see servicebook.bench.search_seen) is there, with `title`."""
    return lambda fragment: fragment is not None and fragment["meta"].get("title") == title


def _settle(server, builds_before):
    """Wait until the edit's build is over (its report says "Serving") and the server is
    idle for a second (a save during a build makes one more build after it): the next edit
    is then one save's wait, not a queue of them."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    quiet_since = None
    while True:
        if time.monotonic() > deadline:
            raise RuntimeError("the builds never ended:\n" + "\n".join(server.lines[-30:]))
        if server.builds_reported() > builds_before and is_idle(server.lines):
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 1.0:
                return
        else:
            quiet_since = None
        time.sleep(POLL_SECONDS)


def measure_serve(content, overrides, edits=5, say=print):
    """Start the server on `content`, edit `edits` posts one after another and retitle the
    newest post `edits` times; returns ServeTimes."""
    times = ServeTimes()
    started = time.monotonic()
    server = Server(overrides)
    try:
        server.wait_until_serving()
        times.first_build = time.monotonic() - started
        say(f"  make serve: first build and serving after {times.first_build:.1f} s")
        time.sleep(1.0)
        posts = sorted((content / "posts").glob("*.md"))
        for index in range(edits):
            source = posts[(index * len(posts)) // edits]
            marker = f"bench-edit-{index}-{os.getpid()}"
            builds = server.builds_reported()
            saved = time.monotonic()
            with open(source, "a", encoding="utf-8") as handle:
                handle.write(f"\n{edit_sentence(index)} {marker}\n")
            times.page.append(server.wait_for_text(article_path(source), marker, saved))
            times.reload.append(server.wait_for_build_after(saved))
            say(
                f"  make serve: edit {index + 1}/{edits}: page served after {times.page[-1]:.2f} s, "
                f"reload after {times.reload[-1]:.2f} s"
            )
            _settle(server, builds)
        # An author at work: saves 3 s apart, whatever the builds are doing.
        source = posts[len(posts) // 3]
        builds = server.builds_reported()
        for index in range(edits):
            marker = f"bench-quick-{index}-{os.getpid()}"
            saved = time.monotonic()
            with open(source, "a", encoding="utf-8") as handle:
                handle.write(f"\n{edit_sentence(index)} {marker}\n")
            times.page_while_building.append(server.wait_for_text(article_path(source), marker, saved))
            say(
                f"  make serve: save {index + 1}/{edits}, 3 s apart: page served after "
                f"{times.page_while_building[-1]:.2f} s"
            )
            time.sleep(max(0.0, SAVES_APART_SECONDS - (time.monotonic() - saved)))
        _settle(server, builds)
        newest = max(posts, key=lambda path: read_header(path.read_text(encoding="utf-8"))["date"].value)
        showing = shown_elsewhere(server.fetch(article_path(newest)), server.fetch("/"))
        for index in range(edits):
            title = f"Retitled{index}x{os.getpid()}"
            text = newest.read_text(encoding="utf-8")
            old = read_header(text)["title"]
            lines = text.splitlines(keepends=True)
            lines[old.line - 1] = f"Title: {title}\n"
            builds = server.builds_reported()
            server.search.read_before_saving(article_path(newest))
            saved = time.monotonic()
            newest.write_text("".join(lines), encoding="utf-8")
            site, searched, whole = side_by_side(
                functools.partial(all_show, server.wait_for_text, showing, title, saved),
                functools.partial(server.wait_for_index, article_path(newest), titled(title), saved, searched=True),
                functools.partial(server.wait_for_index, article_path(newest), titled(title), saved),
            )
            times.site.append(site)
            times.searched.append(searched)
            times.indexed.append(whole)
            say(
                f"  make serve: retitle {index + 1}/{edits}: {', '.join(showing)} show it after "
                f"{times.site[-1]:.2f} s, the search after {times.searched[-1]:.2f} s, the whole search index "
                f"after {times.indexed[-1]:.2f} s"
            )
            _settle(server, builds)
        for index in range(edits):
            _new_retag_delete(server, newest, f"{index}x{os.getpid()}", times, say)
        times.rss_mb, times.child_rss_mb = server.memory.rss_mb, server.memory.pagefind_mb
    finally:
        server.stop()
    return times
