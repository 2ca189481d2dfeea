"""The performance benchmark behind `invoke bench`: Servicebook against plain Pelican.

`invoke bench --posts N` writes a synthetic corpus of N articles (20% of them case stories)
into a temporary folder and measures, each `--repeat` times, reporting the median:

- plain Pelican 4.12 on the same corpus (built-in "notmyidea" theme, no plugins, Pelican's
  default feeds, no content cache), run as `python -m pelican CONTENT -s SETTINGS -o OUT`;
- the Servicebook full build (pelicanconf.py: every plugin, typogrify, feeds, casebook,
  Pagefind) from an empty output folder and an empty content cache;
- the Servicebook rebuild after editing one post, with the content cache warm;
- Pagefind on its own (`pages_to_index` + `index_pages`, below), the size
  of `output/pagefind/`, and an estimate of the bytes a browser fetches for one search;
- `make serve` as an author meets it (`serve_latency`): the first build, then per save the
  wait until the edited page is served and the open tab is told to reload, the wait until a
  retitled newest post shows on every kind of page that lists it (home, tag page, neighbour,
  feed), and the server's memory.

Every measured build runs in its own Python process, which reports its own peak RSS and that
of its largest child (Pagefind's binary). The results are printed as a table and written to
BENCHMARKS.md (one section per corpus size).

The package has five parts: `corpus` (generation, pure functions of a seed), `measure`
(subprocesses), `serve_latency` (a real dev server, real saves, pages over HTTP),
`query_size` (what one search fetches) and `report` (pure functions of the numbers); this
module is the command that runs them.
"""

import shutil
import tempfile
import time
from pathlib import Path

from .corpus import DEFAULT_SEED, generate_corpus, write_corpus
from .measure import (
    BenchError,
    Workspace,
    build_overrides,
    measure_full,
    measure_incremental,
    measure_pagefind,
    measure_plain,
    pages_ready,
    posts_to_edit,
)
from .query_size import bundle_stats
from .report import Results, machine_info, median, render_section, update_benchmarks, work_note
from .serve_latency import measure_serve

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "BENCHMARKS.md"
DEFAULT_POSTS = 2000
DEFAULT_REPEAT = 3


def _say(message):
    print(message, flush=True)


def run(posts=DEFAULT_POSTS, repeat=DEFAULT_REPEAT, keep=None, write=True, seed=DEFAULT_SEED):
    """Generate the corpus, measure everything `repeat` times, print and record the results."""
    if posts < 10 or repeat < 1:
        raise BenchError("--posts must be at least 10 and --repeat at least 1")
    root = Path(keep).resolve() if keep else Path(tempfile.mkdtemp(prefix="servicebook-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    ws = Workspace(root)
    log_path = root / "bench.log"
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            results = _measure(ws, posts, repeat, seed, log)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    machine = machine_info()
    section = render_section(results, machine)
    _say("\n" + section)
    if write:
        BENCHMARKS.write_text(
            update_benchmarks(BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "", posts, section),
            encoding="utf-8",
        )
        _say(f"Updated {BENCHMARKS}")
    if keep:
        _say(f"Corpus and outputs kept in {root} (log: {log_path})")
    return results


def _measure(ws, posts, repeat, seed, log):
    ws.reset(ws.content)
    started = time.perf_counter()
    files = generate_corpus(posts, seed)
    write_corpus(files, ws.content)
    cases = sum(1 for path in files if path.startswith("cases/"))
    _say(
        f"Corpus: {posts} articles ({cases} cases) in {ws.content}, generated in {time.perf_counter() - started:.1f} s"
    )

    plain, full = [], []
    for index in range(repeat):
        # Interleaved, so a slow spell of the machine hits both alike.
        plain.append(measure_plain(ws, log))
        _say(f"  plain Pelican run {index + 1}/{repeat}: {plain[-1].wall:.2f} s")
        full.append(measure_full(ws, log))
        _say(f"  Servicebook full build {index + 1}/{repeat}: {full[-1].wall:.2f} s")
    warnings = sorted({w for run in full for w in run.report["warnings"]})

    # The last full build left a warm cache and an output: edit one post at a time, rebuild.
    incremental = []
    for index, path in enumerate(posts_to_edit(ws, repeat)):
        incremental.append(measure_incremental(ws, path, index, log))
        _say(f"  rebuild after editing {path.name} ({index + 1}/{repeat}): {incremental[-1].wall:.2f} s")

    # The index as the build writes it (Pagefind alone, next, writes it again in one bundle).
    bundle_bytes, bundle_files, query, extra = bundle_stats(ws.output / "pagefind")
    pagefind = []
    for index in range(repeat):
        pagefind.append(measure_pagefind(ws, log))
        _say(f"  Pagefind alone {index + 1}/{repeat}: {pagefind[-1].wall:.2f} s")

    # From an empty output and cache, as a new author's first `make serve`.
    ws.reset(ws.output, ws.cache)
    serve = measure_serve(ws.content, build_overrides(ws), edits=max(repeat, 5), say=_say)

    in_build = [s for run in full for s in run.report.get("search_seconds", [])]
    notes = [
        "Times are wall-clock seconds of the whole process (interpreter start, imports, build), as "
        "`python -m pelican` or `invoke build` would take. In-process build time (what each "
        "`make serve` rebuild costs): full "
        f"{median([r.report['seconds'] for r in full]):.2f} s, rebuild "
        f"{median([r.report['seconds'] for r in incremental]):.2f} s.",
        f"Pagefind in the full build, after the last page was written (indexing runs alongside the "
        f"build; this is the wait for the rest and for writing the bundle): median {median(in_build):.2f} s. "
        f"Pagefind alone, in-process (without interpreter start and settings): median "
        f"{median([r.report['seconds'] for r in pagefind]):.2f} s, of which "
        f"{median([r.report['scan_seconds'] for r in pagefind]):.2f} s finding the pages with a search body; "
        "the rest is Pagefind's service indexing them and writing the bundle.",
        "A rebuild is measured as `make serve` runs it (SEARCH_INDEX_IN_BACKGROUND): the edited page is "
        "on disk when the pages are written; the search index follows, while the author looks at it.",
        f"Index: {extra['shards']} {'bundle' if extra['shards'] == 1 else 'shards'}, "
        f"{extra['index_chunks']} index chunks ({extra['index_bytes']:,} B, largest "
        f"{extra['largest_index_chunk']:,} B), {extra['fragments']} fragments ({extra['fragment_bytes']:,} B).",
        'Peak RSS: the measured Python process (max over runs); "+ Pagefind" is the most its Pagefind '
        "services (one per shard of the search index) held together, their peaks added up (read from "
        "/proc every 0.2 s); they run while the Python process is alive, so the sum bounds the peak.",
        work_note([r.cpu_seconds for r in plain], [r.cpu_seconds for r in full], machine_info()["cpus"]),
        f"Servicebook build warnings: {len(warnings)}" + (f" (e.g. {warnings[0]})" if warnings else "") + ".",
    ]
    return Results(
        posts=posts,
        cases=cases,
        plain=[r.wall for r in plain],
        full=[r.wall for r in full],
        incremental=[pages_ready(r) for r in incremental],
        incremental_indexed=[r.wall for r in incremental],
        pagefind=[r.wall for r in pagefind],
        plain_rss=max(r.rss_mb for r in plain),
        full_rss=max(r.rss_mb for r in full),
        full_child_rss=max(r.child_rss_mb for r in full),
        incremental_rss=max(r.rss_mb for r in incremental),
        incremental_child_rss=max(r.child_rss_mb for r in incremental),
        pagefind_rss=max(r.rss_mb for r in pagefind),
        pagefind_child_rss=max(r.child_rss_mb for r in pagefind),
        pages_indexed=pagefind[-1].report["pages"],
        bundle_bytes=bundle_bytes,
        bundle_files=bundle_files,
        query=query,
        serve=serve,
        notes=notes,
    )
