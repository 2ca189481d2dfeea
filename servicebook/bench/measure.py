"""Measuring: each build in its own Python process, which reports its own peak memory."""

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from servicebook import pagefind

from .corpus import edit_sentence
from .memory import PeakWatch

ROOT = Path(__file__).resolve().parents[2]

RESULT_MARKER = "BENCH-RESULT "

PLAIN_SETTINGS = '''\
"""Plain Pelican {version} for the Servicebook benchmark: default theme (notmyidea), no
plugins, Pelican's default feeds, no content cache, no typogrify."""
AUTHOR = "The Servicebook editors"
SITENAME = "Servicebook (plain Pelican)"
SITEURL = ""
FEED_DOMAIN = "http://127.0.0.1:8000"
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
PATH = {content!r}
OUTPUT_PATH = {output!r}
# Without this Pelican would load every installed namespace plugin (sitemap, neighbors, ...).
PLUGINS = []
'''


@dataclass
class Run:
    """One measured subprocess: wall time seen by the parent, and what the child reported."""

    wall: float
    report: dict

    @property
    def rss_mb(self):
        return self.report["maxrss_kb"] / 1024

    @property
    def child_rss_mb(self):
        """The most its Pagefinds held together (one per shard of the search index)."""
        return self.report["pagefind_mb"]

    @property
    def cpu_seconds(self):
        return self.report["cpu_seconds"]


class BenchError(RuntimeError):
    pass


def child_main(argv=None):
    """Runs inside a measured subprocess: do one job, then print its numbers as a JSON line."""
    import logging

    spec = json.loads((argv or sys.argv)[1])
    report = {}
    memory = PeakWatch(os.getpid())
    if spec["kind"] == "plain":
        from pelican import main as pelican_main

        started = time.perf_counter()
        try:
            pelican_main(spec["argv"])
        except SystemExit as error:
            if error.code:
                raise
        report["seconds"] = time.perf_counter() - started
    elif spec["kind"] == "servicebook":
        search_times = []

        class SearchLog(logging.Handler):
            def emit(self, record):
                if record.getMessage().startswith("Search index:") and record.args:
                    search_times.append(record.args[-1])

        logging.getLogger().addHandler(SearchLog(level=logging.INFO))
        logging.getLogger("search_index").setLevel(logging.INFO)
        from servicebook import site

        started = time.perf_counter()
        result = site.build(**spec["overrides"])
        pagefind.wait_for_index()  # with SEARCH_INDEX_IN_BACKGROUND the build returns before it
        report.update(
            seconds=result.seconds,
            indexed_seconds=time.perf_counter() - started,
            warnings=[str(problem) for problem in result.problems],
            search_seconds=search_times,
        )
    elif spec["kind"] == "pagefind":
        from servicebook import site

        settings = site.load_settings()
        started = time.perf_counter()
        pages = pages_to_index(spec["output"], pagefind.exclude_patterns(settings))
        scanned = time.perf_counter()
        index_pages(spec["output"], pages, exclude_selectors=settings["SEARCH_INDEX_EXCLUDE_SELECTORS"])
        report.update(seconds=time.perf_counter() - started, scan_seconds=scanned - started, pages=len(pages))
    else:
        raise ValueError(spec["kind"])
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    report["maxrss_kb"] = own.ru_maxrss
    report["pagefind_mb"] = memory.stop().pagefind_mb
    # Processor time of the run's every process (workers and Pagefind are waited for).
    report["cpu_seconds"] = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    print(RESULT_MARKER + json.dumps(report), flush=True)


def run_child(spec, cwd=ROOT, log=None):
    """Run `child_main(spec)` in a fresh interpreter; returns a Run (raises BenchError)."""
    command = [sys.executable, "-c", "from servicebook.bench.measure import child_main; child_main()", json.dumps(spec)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, errors="replace")
    wall = time.perf_counter() - started
    if log:
        log.write(f"$ {spec}\n{done.stdout}\n{done.stderr}\n")
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if done.returncode != 0 or not lines:
        tail = "\n".join((done.stdout + "\n" + done.stderr).strip().splitlines()[-30:])
        raise BenchError(f"{spec['kind']} run failed (exit {done.returncode}):\n{tail}")
    return Run(wall, json.loads(lines[-1][len(RESULT_MARKER) :]))


@dataclass
class Workspace:
    root: Path

    @property
    def content(self):
        return self.root / "content"

    @property
    def plain_settings(self):
        return self.root / "plain_pelicanconf.py"

    @property
    def plain_output(self):
        return self.root / "plain-output"

    @property
    def output(self):
        return self.root / "servicebook-output"

    @property
    def cache(self):
        return self.root / "servicebook-cache"

    def reset(self, *paths):
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)


def measure_plain(ws, log=None):
    import pelican

    ws.plain_settings.write_text(
        PLAIN_SETTINGS.format(version=pelican.__version__, content=str(ws.content), output=str(ws.plain_output)),
        encoding="utf-8",
    )
    ws.reset(ws.plain_output)
    argv = [str(ws.content), "-s", str(ws.plain_settings), "-o", str(ws.plain_output)]
    return run_child({"kind": "plain", "argv": argv}, cwd=ws.root, log=log)


def build_overrides(ws):
    return {"PATH": str(ws.content), "OUTPUT_PATH": str(ws.output), "CACHE_PATH": str(ws.cache)}


def measure_full(ws, log=None):
    ws.reset(ws.output, ws.cache)
    return run_child({"kind": "servicebook", "overrides": build_overrides(ws)}, log=log)


def posts_to_edit(ws, count):
    posts = sorted((ws.content / "posts").glob("*.md"))
    return [posts[(index * len(posts)) // count] for index in range(count)]


def measure_incremental(ws, path, run, log=None):
    """Append a sentence to `path`, then rebuild over the previous output with the warm cache,
    as `make serve` does: the search index is finished after the pages (the child waits)."""
    from servicebook import site  # not at the top: a plain Pelican run does not import it

    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n" + edit_sentence(run) + "\n")
    return run_child({"kind": "servicebook", "overrides": {**build_overrides(ws), **site.SERVE_SETTINGS}}, log=log)


def pages_ready(run):
    """Wall time of a rebuild until its pages were written (its index followed)."""
    return run.wall - (run.report["indexed_seconds"] - run.report["seconds"])


def measure_pagefind(ws, log=None):
    return run_child({"kind": "pagefind", "output": str(ws.output)}, log=log)


def pages_to_index(output_path, patterns=(), bundle_dir=pagefind.BUNDLE_DIR):
    """Sorted output-relative paths of the HTML pages that have a search body.

    Skips the search bundle itself and paths matching `patterns`.
    """
    output_path = Path(output_path)
    pages = []
    for path in output_path.rglob("*.html"):
        relative = path.relative_to(output_path).as_posix()
        if PurePosixPath(relative).parts[0] == bundle_dir or pagefind.is_excluded(relative, patterns):
            continue
        if pagefind.has_search_body(path.read_text(encoding="utf-8", errors="replace")):
            pages.append(relative)
    return sorted(pages)


def index_pages(
    output_path,
    pages,
    exclude_selectors=pagefind.DEFAULT_EXCLUDE_SELECTORS,
    timeout=pagefind.DEFAULT_TIMEOUT,
    bundle_dir=pagefind.BUNDLE_DIR,
):
    """Index `pages` (output-relative paths) of a built site in one go; returns the entry."""
    output_path = Path(output_path)
    index = pagefind.LiveIndex(output_path / bundle_dir, exclude_selectors, timeout)
    for relative in pages:
        index.add((output_path / relative).read_text(encoding="utf-8", errors="replace"), pagefind.page_url(relative))
    return index.write()
