"""The dev server's parts (servicebook.devserver) and whole-file writing (servicebook.writing,
plugins/whole_files), without a running server; test_serve drives the real one."""

import gc
import shutil
import socket
import struct
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from pelican.writers import FileOverwriteFailedError

from helpers import running_dev_server
from servicebook import devserver
from servicebook.writing import AtomicWriter, replaced_whole, write_text
from whole_files.whole_files import copy_file_whole


def test_the_reload_script_goes_at_the_end_of_the_head_and_names_the_build():
    html = b"<!doctype html><html><head><title>x</title></HEAD><body>words</body></html>"
    served = devserver.with_reload_script(html, 7)
    assert served.index(b'data-build="7"') < served.index(b"</HEAD>")
    assert served.replace(served[served.index(b"<script") : served.index(b"</script>") + 9], b"") == html
    assert devserver.with_reload_script(b"<p>no head</p>", 1).startswith(b"<p>no head</p><script")


def test_the_reload_script_names_the_search_changes_and_where_the_recent_ones_are():
    served = devserver.with_reload_script(b"<head></head>", 3, 5, devserver.RECENT_PATH)
    assert b'data-search="5"' in served and f'data-recent-index="{devserver.RECENT_PATH}"'.encode() in served
    assert b"data-recent-index" not in devserver.with_reload_script(b"<head></head>", 3, 5)


def test_a_change_of_what_the_search_finds_wakes_the_streams_without_a_build():
    builds = devserver.Builds()
    assert builds.wait_for_news((0, 0), timeout=0.05) == (0, 0)
    threading.Timer(0.05, builds.search_changed).start()
    assert builds.wait_for_news((0, 0), timeout=10) == (0, 1)
    assert builds.number == 0


def test_types_a_browser_needs():
    assert devserver.content_type(Path("wasm.en.pagefind")) == "application/octet-stream"
    assert devserver.content_type(Path("pagefind/wasm.unknown.wasm")) == "application/wasm"
    assert devserver.content_type(Path("a/b.AVIF")) == "image/avif"
    assert devserver.content_type(Path("index.html")) == "text/html"


def test_sources_count_content_and_settings_but_not_output_and_code_restarts(tmp_path):
    sources = devserver.Sources(
        folders=[tmp_path / "content"],
        files=[tmp_path / "pelicanconf.py"],
        code=[tmp_path / "plugins"],
        ignored=[tmp_path / "content" / "output"],
    )
    assert sources.counts(tmp_path / "content" / "posts" / "a.md")
    assert sources.counts(tmp_path / "pelicanconf.py")
    assert not sources.counts(tmp_path / "publishconf.py")
    assert not sources.counts(tmp_path / "content" / "output" / "index.html")
    assert sources.is_code(tmp_path / "plugins" / "x" / "x.py")
    assert not sources.is_code(tmp_path / "plugins" / "x" / "README.md")
    assert not sources.is_code(tmp_path / "content" / "x.py")


def test_builds_wake_the_waiting_streams():
    builds = devserver.Builds()
    assert builds.wait_for_next(0, timeout=0.05) == 0
    threading.Timer(0.05, builds.finished).start()
    assert builds.wait_for_next(0, timeout=10) == 1


def test_asks_during_a_build_make_one_more_build_with_every_path_not_a_queue():
    started, release, done = threading.Event(), threading.Event(), []

    def build(paths):
        done.append(paths)
        started.set()
        release.wait(10)

    builds = devserver.Builds()
    rebuilder = devserver.Rebuilder(build, builds)
    rebuilder.ask(["content/a.md"])
    assert started.wait(10)
    for path in ["content/c.md", "content/b.md", "content/c.md", "theme/base.html"]:
        rebuilder.ask([path])
    release.set()
    assert builds.wait_for_next(0, timeout=10) >= 1
    assert builds.wait_for_next(1, timeout=10) == 2
    assert builds.wait_for_next(2, timeout=0.3) == 2
    assert done == [["content/a.md"], ["content/b.md", "content/c.md", "theme/base.html"]]


def test_a_full_collection_waits_for_an_idle_moment_after_the_builds():
    events, started, release = [], threading.Event(), threading.Event()

    def build(paths):
        events.append(("build", paths, gc.get_threshold()))
        started.set()
        if len(events) == 1:
            release.wait(10)

    def collect():
        events.append(("collect", gc.get_threshold()))

    def freeze():
        events.append(("freeze",))

    builds = devserver.Builds()
    # The collector's thresholds are the process's: another test's rebuilder goes idle first.
    time.sleep(devserver.IDLE_COLLECTION_SECONDS * 2)
    usual = gc.get_threshold()
    try:
        rebuilder = devserver.Rebuilder(
            build, builds, collect=collect, freeze=freeze, write_records=lambda: events.append(("records",))
        )
        rebuilder.ask(["a.md"])
        assert started.wait(10)
        rebuilder.ask(["b.md"])  # during the first build: the next one follows at once
        release.set()
        deadline = time.monotonic() + 10
        while not (events[-1][0] == "freeze" and gc.get_threshold() == usual) and time.monotonic() < deadline:
            time.sleep(0.02)
        after = gc.get_threshold()
        rebuilder.ask(["c.md"])
        while len(events) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(devserver.IDLE_COLLECTION_SECONDS * 2)
    finally:
        gc.set_threshold(*usual)
    # While builds run, few full collections; one when they are done, then the usual ones.
    # What the first collection leaves is frozen, once. The builds' records are written
    # then too, not while a build runs.
    during = (*usual[:2], devserver.FULL_COLLECTION_EVERY)
    assert events == [
        ("build", ["a.md"], during),
        ("build", ["b.md"], during),
        ("records",),
        ("collect", during),
        ("freeze",),
        ("build", ["c.md"], during),
        ("records",),
        ("collect", during),
    ]
    assert after == usual and devserver.FULL_COLLECTION_EVERY > usual[2] and builds.number == 3


def test_the_warming_runs_when_idle_until_done_and_gives_way_to_a_build():
    events, warmed = [], threading.Event()

    def warm(stop):
        events.append(("warm",))
        if len([event for event in events if event == ("warm",)]) == 1:
            rebuilder.ask(["b.md"])  # a save while it warms: it stops for the build
            assert stop()
            return False
        warmed.set()
        return True

    builds = devserver.Builds()
    rebuilder = devserver.Rebuilder(
        lambda paths: events.append(("build", paths)),
        builds,
        collect=lambda: events.append(("collect",)),
        freeze=lambda: None,
        write_records=lambda: None,
        warm=warm,
    )
    rebuilder.ask(["a.md"])
    assert warmed.wait(10)
    time.sleep(devserver.IDLE_COLLECTION_SECONDS * 2)
    rebuilder.ask(["c.md"])
    assert builds.wait_for_next(2, timeout=10) == 3
    time.sleep(devserver.IDLE_COLLECTION_SECONDS * 2)
    # Stopped, it leaves the collection for later and the build comes first; done, never again.
    assert events == [
        ("build", ["a.md"]),
        ("warm",),
        ("build", ["b.md"]),
        ("warm",),
        ("collect",),
        ("build", ["c.md"]),
        ("collect",),
    ]


def test_a_file_written_whole_keeps_its_old_text_until_complete(tmp_path):
    target = tmp_path / "page.html"
    target.write_text("old", encoding="utf-8")
    with replaced_whole(target) as handle:
        handle.write("new, half")
        assert target.read_text(encoding="utf-8") == "old"
        handle.write(" and the rest")
    assert target.read_text(encoding="utf-8") == "new, half and the rest"
    with pytest.raises(RuntimeError), replaced_whole(target) as handle:
        handle.write("broken")
        raise RuntimeError("the render failed")
    assert target.read_text(encoding="utf-8") == "new, half and the rest"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["page.html"]
    write_text(tmp_path / "new" / "feed.xml", "<feed/>")
    assert (tmp_path / "new" / "feed.xml").read_text(encoding="utf-8") == "<feed/>"


def test_pelicans_writer_writes_whole_and_keeps_its_overwrite_rules(tmp_path):
    target = tmp_path / "index.html"
    target.write_text("old", encoding="utf-8")
    writer = AtomicWriter(str(tmp_path), settings={"RELATIVE_URLS": False})
    with writer._open_w(str(target), "utf-8") as handle:
        handle.write("new")
        assert target.read_text(encoding="utf-8") == "old"
    assert target.read_text(encoding="utf-8") == "new"
    with pytest.raises(FileOverwriteFailedError):
        writer._open_w(str(target), "utf-8")
    with writer._open_w(str(target), "utf-8", override=True) as handle:
        handle.write("overridden")
    with writer._open_w(str(target), "utf-8") as handle:  # written once overridden: skipped
        handle.write("ignored")
    assert target.read_text(encoding="utf-8") == "overridden"


def test_static_copies_are_whole(tmp_path, monkeypatch):
    source, target = tmp_path / "site.css", tmp_path / "out" / "site.css"
    source.write_text("body { color: red }", encoding="utf-8")
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    seen = []
    copy = shutil.copyfileobj

    def copy_and_look(original, destination):
        copy(original, destination)
        seen.append(target.read_text(encoding="utf-8"))

    monkeypatch.setattr(shutil, "copyfileobj", copy_and_look)
    copy_file_whole(str(source), str(target))
    assert seen == ["old"]
    assert target.read_text(encoding="utf-8") == "body { color: red }"


def test_the_server_answers_pages_redirects_404_and_the_event_stream(tmp_path):
    (tmp_path / "2024" / "one").mkdir(parents=True)
    (tmp_path / "2024" / "one" / "index.html").write_text("<html><head></head><body>One</body></html>")
    (tmp_path / "404.html").write_text("<html><head></head><body>Not here</body></html>")
    (tmp_path / "wasm.wasm").write_bytes(b"\0asm")
    with running_dev_server(tmp_path) as (server, base):
        with urllib.request.urlopen(base + "/2024/one") as response:  # redirected to the folder
            assert response.url == base + "/2024/one/"
            assert b"One" in response.read() and response.headers["Cache-Control"] == "no-cache"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/2024/two/")
        assert missing.value.code == 404
        not_found_page = missing.value.read()
        assert b"Not here" in not_found_page and devserver.SCRIPT_PATH.encode() in not_found_page
        with urllib.request.urlopen(base + "/wasm.wasm") as response:
            assert response.headers["Content-Type"] == "application/wasm"
        with urllib.request.urlopen(base + devserver.SCRIPT_PATH) as response:
            assert b"EventSource" in response.read()
        with urllib.request.urlopen(base + devserver.EVENTS_PATH, timeout=10) as stream:
            assert stream.readline() == b"event: build\n" and stream.readline() == b"data: 0\n"
            stream.readline()
            assert stream.readline() == b"event: search\n" and stream.readline() == b"data: 0\n"
            stream.readline()
            server.builds.finished()
            assert stream.readline() == b"event: build\n" and stream.readline() == b"data: 1\n"
            stream.readline()
            server.builds.search_changed()
            assert stream.readline() == b"event: search\n" and stream.readline() == b"data: 1\n"


def test_a_browser_that_stops_waiting_prints_no_traceback(tmp_path, capsys):
    (tmp_path / "big.html").write_bytes(b"<html><head></head><body>" + b"x" * 20_000_000 + b"</body></html>")
    with running_dev_server(tmp_path) as (server, base):
        for _ in range(3):
            with socket.create_connection(server.server_address) as browser:
                browser.sendall(b"GET /big.html HTTP/1.1\r\nHost: x\r\n\r\n")
                browser.recv(100)
                # Closed with unread data: the server's writes meet a reset connection.
                browser.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        time.sleep(0.5)
        with urllib.request.urlopen(base + "/big.html") as response:
            assert len(response.read()) > 20_000_000
    assert "Traceback" not in capsys.readouterr().err


def test_a_build_leaves_alone_a_page_a_quick_page_wrote_since_it_began(tmp_path):
    from servicebook.writing import QuickWrites

    quick = QuickWrites()
    page = tmp_path / "2024" / "one" / "index.html"
    quick.wrote(page)  # before any build: nothing to protect from
    assert not quick.newer_than_the_build(page)
    quick.build_begins()
    assert not quick.newer_than_the_build(page)
    time.sleep(0.01)
    quick.wrote(page)
    assert quick.newer_than_the_build(page)
    assert not quick.newer_than_the_build(tmp_path / "other.html")
    time.sleep(0.01)
    quick.build_begins()  # the next build has the save: it writes the page
    assert not quick.newer_than_the_build(page)


def test_pelicans_writer_skips_a_page_the_quick_page_wrote_during_the_build(tmp_path, monkeypatch):
    from servicebook import writing

    quick = writing.QuickWrites()
    monkeypatch.setattr(writing, "QUICK_WRITES", quick)
    target = tmp_path / "index.html"
    quick.build_begins()
    time.sleep(0.01)
    write_text(target, "the quick page, from the newest save")
    quick.wrote(target)
    writer = AtomicWriter(str(tmp_path), settings={"RELATIVE_URLS": False})
    with writer._open_w(str(target), "utf-8") as handle:
        handle.write("the build's page, from an older save")
    assert target.read_text(encoding="utf-8") == "the quick page, from the newest save"


def test_a_file_that_came_and_went_in_one_batch_is_no_change(tmp_path):
    from watchfiles import Change

    from servicebook.devserver import changed_paths

    source, temporary, gone = (str(tmp_path / name) for name in ("post.md", "sedAb12Cd", "old.md"))
    (tmp_path / "post.md").write_text("Title: A\n\nBody.\n")
    # sed -i: a file written beside the source, then renamed over it.
    batch = {(Change.added, temporary), (Change.modified, temporary), (Change.deleted, temporary)}
    assert changed_paths(batch | {(Change.added, source)}) == [source]
    # A source deleted is a change (its page goes); so is one deleted and written again.
    assert changed_paths({(Change.deleted, gone)}) == [gone]
    assert changed_paths({(Change.added, source), (Change.deleted, source)}) == [source]


def test_a_restart_stops_the_workers_a_build_forked_so_the_new_server_gets_the_port(monkeypatch):
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    # A build's parallel reading, under way: its worker was forked with the server's socket.
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    worker_pid = pool.submit(os.getpid).result()
    pool.submit(time.sleep, 60)
    listening.close()
    execs = []
    monkeypatch.setattr(devserver.os, "execv", lambda *args: execs.append(args))
    try:
        devserver.restart()
        assert len(execs) == 1
        # The worker is gone (killed and reaped: by the restart, or by the pool's own thread,
        # which also waits for it; multiprocessing may list it a moment longer then).
        with pytest.raises(ProcessLookupError):
            os.kill(worker_pid, 0)
        socket.create_server(("127.0.0.1", port)).close()
    finally:
        for worker in multiprocessing.active_children():
            worker.kill()
        pool.shutdown(wait=False, cancel_futures=True)


def test_a_port_in_use_is_named_at_once(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(devserver.PortInUse, match=rf"Port {port} on 127.0.0.1 is in use.*--port {port + 1}"):
            devserver.run(tmp_path, build=lambda paths: None, sources=None, port=port)
