"""`make serve` end to end: the development server serves a built site and, when a source
changes, rebuilds it and reloads the open page in the browser by itself (live reload).

The server runs as `make serve` runs it (servicebook.site.serve, in its own process), on a
small site in a temporary folder so the repository's output/ is left alone.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from helpers import ROOT, post, write_content
from servicebook.bench.serve_latency import is_idle
from servicebook.devserver import free_port

pytest_plugins = ["browser_fixtures"]

STARTUP_SECONDS = 60


def wait_for(url, server, seconds=STARTUP_SECONDS):
    """The body of `url` once the server answers it; fails with the server's output if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server stopped (exit code {server.returncode}):\n{server.printed()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode("utf-8")
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {seconds} s:\n{server.printed()}")


def wait_for_output(server, text, seconds=STARTUP_SECONDS):
    """Wait until the server has printed a line holding `text`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(text in line for line in server.lines):
            return
        time.sleep(0.2)
    pytest.fail(f"the server never printed {text!r}:\n{server.printed()}")


@contextlib.contextmanager
def running_server(tmp_path, settings_file=None):
    """(base URL, site folder, server process) of `serve` running on a one-post site, with a
    copy of the theme, in tmp_path (and the settings in `settings_file`, if given)."""
    write_content(tmp_path / "content", {"posts/one.md": post("Herons", "Some words.", slug="one", tags="a")})
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    port = free_port()
    overrides = {
        "PATH": str(tmp_path / "content"),
        "THEME": str(tmp_path / "theme"),
        "OUTPUT_PATH": str(tmp_path / "output"),
        "CACHE_PATH": str(tmp_path / "cache"),
    }
    if settings_file is not None:
        overrides.update(settings_file=str(settings_file), PLUGIN_PATHS=[str(ROOT / "plugins")])
    code = f"from servicebook import site; site.serve(port={port}, **{overrides!r})"
    server = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    # What the server prints (the author's terminal), line by line as it comes.
    server.lines = []
    server.printed = lambda: "\n".join(server.lines)
    reader = threading.Thread(target=lambda: server.lines.extend(iter(server.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        yield f"http://127.0.0.1:{port}", tmp_path, server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        reader.join(timeout=10)


@pytest.fixture
def dev_server(tmp_path):
    with running_server(tmp_path) as running:
        yield running


def retitle_the_post(folder):
    write_content(folder / "content", {"posts/one.md": post("Kingfishers", "Some words.", slug="one", tags="a")})


def retitle_every_page(folder):
    base = folder / "theme" / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("<title>", "<title>Kingfishers ", 1), encoding="utf-8")


@pytest.mark.parametrize("edit", [retitle_the_post, retitle_every_page], ids=["content", "theme"])
def test_serve_rebuilds_on_a_change_and_the_open_page_reloads_itself(dev_server, new_page, edit):
    base, folder, server = dev_server
    wait_for(base + "/2024/one/", server)
    page = new_page()
    page.goto(base + "/2024/one/")
    assert "Herons" in page.title() and "Kingfishers" not in page.title()
    edit(folder)
    # Nothing but live reload can bring the new title into this page.
    page.wait_for_function("() => document.title.includes('Kingfishers')", timeout=STARTUP_SECONDS * 1000)
    assert page.log.csp_refusals() == []
    assert page.log.errors == []


def found_by_search(page, base, word, url, seconds=STARTUP_SECONDS):
    """Whether /search/?q=word lists `url` within `seconds` (the index is written after the
    pages, in the background, so look again until it is there)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.goto(f"{base}/search/?q={word}")
        try:
            page.locator(f'pagefind-results li.search-result a[href="{url}"]').first.wait_for(timeout=3000)
            return True
        except PlaywrightTimeout:
            continue
    return False


def test_search_works_under_serve_and_follows_an_edit(dev_server, new_page):
    base, folder, server = dev_server
    wait_for(base + "/2024/one/", server)
    page = new_page()
    assert found_by_search(page, base, "herons", "/2024/one/")
    retitle_the_post(folder)
    assert found_by_search(page, base, "kingfishers", "/2024/one/")
    assert page.log.errors == []


BAD_DATE = post("Heron season", "Counted on the river.", date="2021-02-31", slug="herons-counted")


def test_problems_show_in_the_terminal_and_in_a_panel_that_clears_itself(dev_server, new_page):
    base, folder, server = dev_server
    wait_for(base + "/2024/one/", server)
    page = new_page()
    page.goto(base + "/2024/one/")
    page.wait_for_selector('html[data-build-problems="0"]')
    assert page.locator("#build-problems").count() == 0

    write_content(folder / "content", {"posts/bad.md": BAD_DATE})
    # The open page reloads by itself and shows the problem, with file and line, and the post's fate.
    panel = page.wait_for_selector("#build-problems", timeout=STARTUP_SECONDS * 1000)
    text = " ".join(panel.inner_text().split())
    assert "content/posts/bad.md:2: Date: '2021-02-31' is not a date" in text
    assert "content/posts/bad.md: skipped: not published" in text
    # The terminal says the same.
    wait_for_output(server, "content/posts/bad.md:2: Date: '2021-02-31' is not a date; write it as YYYY-MM-DD")
    wait_for_output(server, "content/posts/bad.md: skipped: not published (Pelican could not read it:")

    # The post's address is no silent 404: the site's 404 page, whose panel says why.
    response = page.goto(base + "/2021/herons-counted/")
    assert response.status == 404
    notice = page.wait_for_selector(".build-problems-here").inner_text()
    assert "No page at this address" in notice and "content/posts/bad.md" in notice

    page.goto(base + "/2024/one/")
    page.wait_for_selector("#build-problems")
    write_content(folder / "content", {"posts/bad.md": BAD_DATE.replace("2021-02-31", "2021-02-28")})
    # Fixed: the panel goes by itself, and the post is there.
    page.wait_for_selector('html[data-build-problems="0"]', timeout=STARTUP_SECONDS * 1000)
    assert page.locator("#build-problems").count() == 0
    assert "Counted on the" in wait_for(base + "/2021/herons-counted/", server)
    assert page.log.csp_refusals() == [] and page.log.errors == []


def test_a_mistake_in_the_settings_file_shows_in_the_terminal_and_the_panel_over_the_last_build(tmp_path, new_page):
    settings = tmp_path / "pelicanconf.py"
    good = (ROOT / "pelicanconf.py").read_text(encoding="utf-8").rstrip("\n") + "\n"
    settings.write_text(good, encoding="utf-8")
    with running_server(tmp_path, settings) as (base, folder, server):
        wait_for(base + "/2024/one/", server)
        page = new_page()
        page.goto(base + "/2024/one/")
        page.wait_for_selector('html[data-build-problems="0"]')

        settings.write_text(good + 'SITENAME = "Unfinished\n', encoding="utf-8")
        where = f"pelicanconf.py:{len(good.splitlines()) + 1}: Settings: SyntaxError: unterminated string literal"
        # The open page reloads by itself, still the last build's, and names the mistake.
        panel = page.wait_for_selector("#build-problems", timeout=STARTUP_SECONDS * 1000)
        assert where in " ".join(panel.inner_text().split())
        assert "Herons" in page.title()
        wait_for_output(server, where)
        wait_for_output(server, "Still serving the last build")
        assert "Traceback" not in server.printed()

        settings.write_text(good, encoding="utf-8")
        page.wait_for_selector('html[data-build-problems="0"]', timeout=STARTUP_SECONDS * 1000)
        assert page.log.csp_refusals() == [] and page.log.errors == []


def builds_printed(server):
    return sum(1 for line in list(server.lines) if line.startswith("Built ") or "\nBuilt " in line)


def wait_until_idle(server, seconds=STARTUP_SECONDS, settle=0.5):
    """Wait until every rebuild the server began has printed its report (the first build
    prints none of "Rebuilding: ") and no other began for `settle` seconds: a save's events
    may arrive in more than one batch, each making a build."""
    deadline = time.monotonic() + seconds
    quiet_since = None
    while True:
        lines = list(server.lines)
        if is_idle(lines):
            quiet_since = quiet_since or (time.monotonic(), len(lines))
            if len(lines) != quiet_since[1]:
                quiet_since = None
            elif time.monotonic() - quiet_since[0] >= settle:
                return
        else:
            quiet_since = None
        if time.monotonic() > deadline:
            pytest.fail(f"the server was still building after {seconds} s:\n{server.printed()}")
        time.sleep(0.05)


def wait_for_builds(server, count, seconds=STARTUP_SECONDS):
    deadline = time.monotonic() + seconds
    while builds_printed(server) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"fewer than {count} builds within {seconds} s:\n{server.printed()}")
        time.sleep(0.05)


LONG_BODY = "\n\n".join(f"Paragraph {n}: " + "the heron waits by the weir " * 40 for n in range(300))


def test_a_reader_during_rebuilds_gets_whole_pages(dev_server):
    """Pages fetched in a loop while the site rebuilds are always complete (old or new)."""
    base, folder, server = dev_server
    write_content(folder / "content", {"posts/long.md": post("Long", LONG_BODY, slug="long", tags="a")})
    wait_for(base + "/2024/long/", server)
    builds = builds_printed(server)
    fetched, broken, stop = [], [], threading.Event()

    def read_in_a_loop():
        while not stop.is_set():
            for path in ("/2024/long/", "/", "/tag/a/"):
                try:
                    with urllib.request.urlopen(base + path, timeout=10) as response:
                        body = response.read().decode("utf-8")
                except OSError as error:
                    broken.append(f"{path}: {error}")
                    continue
                fetched.append(path)
                if not body.rstrip().endswith("</html>") or "</main>" not in body:
                    broken.append(f"{path}: {len(body)} characters, ending {body[-80:]!r}")

    reader = threading.Thread(target=read_in_a_loop, daemon=True)
    reader.start()
    try:
        for edit in range(4):
            body = LONG_BODY.replace("heron", f"heron{edit}")
            write_content(folder / "content", {"posts/long.md": post(f"Long-{edit}", body, slug="long", tags="a")})
            wait_for_builds(server, builds + 1 + edit)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert len(fetched) > 20
    assert broken == []
    assert "Long-3" in wait_for(base + "/2024/long/", server)


def test_saves_by_rename_and_bursts_of_saves_arrive(dev_server):
    base, folder, server = dev_server
    wait_for(base + "/2024/one/", server)
    wait_for_builds(server, 1)
    posts = folder / "content" / "posts"
    # An editor's save: a new file written beside, then renamed over the post.
    beside = posts / ".one.md.swp-new"
    beside.write_text(post("Renamed", "Some words.", slug="one", tags="a"), encoding="utf-8")
    os.replace(beside, posts / "one.md")
    deadline = time.monotonic() + STARTUP_SECONDS
    while "Renamed" not in wait_for(base + "/2024/one/", server):
        assert time.monotonic() < deadline, server.printed()
        time.sleep(0.1)
    # A burst of saves: a few builds at most, and the last save wins. Counted from an idle
    # server: the page shows the rename before its build has printed its report. The saves
    # come as an editor's burst does, back to back: spread out (10 ms apart took 0.2-0.5 s
    # on a loaded machine), they came after a build or two of this small site had ended.
    wait_until_idle(server)
    before = builds_printed(server)
    for n in range(20):
        write_content(folder / "content", {"posts/one.md": post(f"Save-{n}", "Some words.", slug="one", tags="a")})
    deadline = time.monotonic() + STARTUP_SECONDS
    while "Save-19" not in wait_for(base + "/2024/one/", server):
        assert time.monotonic() < deadline, server.printed()
        time.sleep(0.1)
    time.sleep(1)
    assert builds_printed(server) - before <= 3


def test_a_body_edit_is_served_from_a_quick_page_before_the_whole_rebuild(dev_server):
    base, folder, server = dev_server
    wait_for(base + "/2024/one/", server)
    wait_for_builds(server, 1)
    write_content(folder / "content", {"posts/one.md": post("Herons", "Edited words.", slug="one", tags="a")})
    wait_for_output(server, "the rest follows.")
    quick = [line for line in server.lines if "the rest follows." in line]
    assert len(quick) == 1 and quick[0].startswith("Wrote 2024/one/index.html in ")
    assert "Edited" in wait_for(base + "/2024/one/", server)
    # A retitle: the page, then the other pages that show the title, before the whole build.
    wait_for_builds(server, 2)
    followed = len([line for line in server.lines if "the whole build follows." in line])
    retitle_the_post(folder)
    deadline = time.monotonic() + STARTUP_SECONDS
    while len([line for line in server.lines if "the whole build follows." in line]) == followed:
        assert time.monotonic() < deadline, server.printed()
        time.sleep(0.05)
    assert len([line for line in server.lines if "the rest follows." in line]) == 2
    assert "Kingfishers" in wait_for(base + "/", server) and "Kingfishers" in wait_for(base + "/tag/a/", server)
    # A retag goes through the whole build only.
    wait_for_builds(server, 3)
    write_content(folder / "content", {"posts/one.md": post("Kingfishers", "Some words.", slug="one", tags="b")})
    wait_for_builds(server, 4)
    assert len([line for line in server.lines if "the rest follows." in line]) == 2
    assert "Kingfishers" in wait_for(base + "/tag/b/", server)


def test_each_rebuild_says_what_changed(dev_server):
    base, folder, server = dev_server
    wait_for(base + "/2024/one/", server)
    wait_for_builds(server, 1)
    retitle_the_post(folder)
    wait_for_output(server, "Rebuilding: ")
    (said,) = [line for line in server.lines if line.startswith("Rebuilding: ")]
    assert said.rstrip().endswith("/content/posts/one.md changed.")
