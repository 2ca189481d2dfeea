"""A long build shows its phase and how far along it is (servicebook.progress): redrawn in
place on a terminal, a line per phase elsewhere, nothing for a quick build."""

import io
import json

from helpers import build_small_site, post
from servicebook.progress import Progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_quick_build_shows_nothing():
    for interactive in (True, False):
        out, clock = io.StringIO(), Clock()
        progress = Progress(out, interactive=interactive, quiet_seconds=2, clock=clock)
        progress.phase("reading sources")
        progress.step(5)
        clock.now += 1
        progress.phase("writing pages", 10)
        progress.step(10)
        progress.finish()
        assert out.getvalue() == ""
        assert progress.counts == {"reading sources": 5, "writing pages": 10}


def test_in_a_log_each_phase_is_one_line_once_the_build_is_slow():
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, interactive=False, quiet_seconds=2, clock=clock)
    progress.phase("reading sources")
    progress.step(3)
    clock.now += 1.5
    progress.phase("writing pages", 2130)
    for _ in range(2000):
        progress.step()
    clock.now += 3
    progress.finish()
    assert out.getvalue() == "reading sources: 3 in 1.5 s\nwriting pages: 2,000 in 3.0 s\n"


def test_on_a_terminal_one_line_is_redrawn_and_cleared():
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, interactive=True, quiet_seconds=2, clock=clock)
    progress.phase("reading sources")
    clock.now += 2.5
    progress.phase("writing pages", 11400)
    progress.step(2130)
    clock.now += 0.5
    progress.step()
    assert progress.status() == "writing pages 2,131/11,400"
    shown = out.getvalue()
    assert shown.startswith("\rwriting pages 0/11,400") and shown.endswith("\rwriting pages 2,131/11,400")
    progress.finish()
    assert out.getvalue().endswith("\r" + " " * len("writing pages 2,131/11,400") + "\r")
    assert "\n" not in out.getvalue()


def test_a_phase_without_a_total_shows_its_count():
    progress = Progress(io.StringIO(), interactive=True)
    progress.phase("writing pages")
    assert progress.status() == "writing pages…"
    progress.step(12)
    assert progress.status() == "writing pages (12)"


def test_a_build_counts_the_pages_it_writes_and_the_next_shows_them_as_its_total(tmp_path):
    from pelican import signals

    written = []

    def count(path, context=None):
        written.append(path)

    signals.content_written.connect(count)
    try:
        files = {f"posts/p{n}.md": post(f"Post {n}", "Words.", slug=f"p{n}", tags="a") for n in range(3)}
        build_small_site(tmp_path, files)
    finally:
        signals.content_written.disconnect(count)
    (kept,) = (tmp_path / "cache").rglob("pages-written.json")
    assert json.loads(kept.read_text(encoding="utf-8")) == {"pages": len(written)}
    assert len(written) > 3
