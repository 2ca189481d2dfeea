"""Reporting: the table and the BENCHMARKS.md section, pure functions of the numbers."""

import os
import platform
import re
import statistics
from dataclasses import dataclass, field
from datetime import date

from .query_size import QUERY_WORD, QueryBytes

TARGETS = {
    "full_vs_plain": 1.3,
    "incremental_vs_full": 0.25,
    "query_bytes": 300 * 1024,
    # make serve: save → page served, median and worst (the median target is 0.3 s up to
    # 1,000 posts); retitle → the pages that show it; the server's own peak memory.
    "serve_page": 0.5,
    "serve_page_small_site": 0.3,
    "serve_page_worst": 1.0,
    "serve_site": 2.0,
    "serve_rss_mb": 1024,
}
REPRODUCE = "`make bench` or `.venv/bin/invoke bench --posts N [--repeat 3]` (see `servicebook/bench/`)"


@dataclass
class Results:
    """Measured numbers for one corpus size (seconds, MB, bytes)."""

    posts: int
    cases: int
    plain: list
    full: list
    incremental: list
    pagefind: list
    incremental_indexed: list = field(default_factory=list)
    plain_rss: float = 0.0
    full_rss: float = 0.0
    full_child_rss: float = 0.0
    incremental_rss: float = 0.0
    incremental_child_rss: float = 0.0
    pagefind_rss: float = 0.0
    pagefind_child_rss: float = 0.0
    pages_indexed: int = 0
    bundle_bytes: int = 0
    bundle_files: int = 0
    query: QueryBytes = None
    serve: object = None  # servicebook.bench.serve_latency.ServeTimes
    notes: list = field(default_factory=list)


def median(values):
    return statistics.median(values) if values else float("nan")


def ratio(value, base):
    return value / base if base else float("nan")


def work_note(plain_cpu, full_cpu, cpus):
    """What the processor time of both builds says about the full build's ratio: the work it
    does, spread over `cpus`, bounds how close to plain Pelican its wall time can come."""
    work = ratio(median(full_cpu), median(plain_cpu))
    return (
        f"Processor time (user + system, every process of a run, median): plain Pelican "
        f"{median(plain_cpu):.1f} s, Servicebook full build {median(full_cpu):.1f} s: {work:.2f}× the work. "
        f"On {cpus} CPUs the full build's wall time cannot come below {work / cpus:.2f}× plain's; "
        "it comes nearer to that as the machine runs several processes as fast as one."
    )


def _seconds(values):
    return ", ".join(f"{v:.2f}" for v in values)


def _kb(size):
    return f"{size / 1024:,.0f} KB"


def _verdict(ok):
    return "**pass**" if ok else "**FAIL**"


def _rss(own, child=0.0):
    return f"{own:,.0f}" + (f" (+ {child:,.0f} Pagefind)" if child else "")


def render_table(r):
    """The results as a markdown table: medians, every run, ratios to plain Pelican, targets."""
    plain, full, incremental, pagefind = (median(x) for x in (r.plain, r.full, r.incremental, r.pagefind))
    full_ratio, incremental_share = ratio(full, plain), ratio(incremental, full)
    rows = [
        (
            "Plain Pelican (notmyidea, no plugins, default feeds)",
            f"{plain:.2f} s",
            _seconds(r.plain),
            "1.00×",
            _rss(r.plain_rss),
            "",
            "",
        ),
        (
            "Servicebook full build (empty output and cache)",
            f"{full:.2f} s",
            _seconds(r.full),
            f"{full_ratio:.2f}×",
            _rss(r.full_rss, r.full_child_rss),
            f"≤ {TARGETS['full_vs_plain']:.1f}× plain",
            _verdict(full_ratio <= TARGETS["full_vs_plain"]),
        ),
        (
            "Servicebook rebuild after editing one post (warm cache): pages written",
            f"{incremental:.2f} s",
            _seconds(r.incremental),
            f"{ratio(incremental, plain):.2f}× ({incremental_share:.0%} of full)",
            _rss(r.incremental_rss, r.incremental_child_rss),
            f"≤ {TARGETS['incremental_vs_full']:.0%} of full",
            _verdict(incremental_share <= TARGETS["incremental_vs_full"]),
        ),
    ]
    if r.incremental_indexed:
        indexed = median(r.incremental_indexed)
        rows.append(
            (
                "Servicebook rebuild after editing one post: search index written too",
                f"{indexed:.2f} s",
                _seconds(r.incremental_indexed),
                f"{ratio(indexed, plain):.2f}× ({ratio(indexed, full):.0%} of full)",
                "",
                "",
                "",
            )
        )
    rows += [
        (
            f"Pagefind indexing alone ({r.pages_indexed} pages)",
            f"{pagefind:.2f} s",
            _seconds(r.pagefind),
            f"{ratio(pagefind, plain):.2f}×",
            _rss(r.pagefind_rss, r.pagefind_child_rss),
            "",
            "",
        ),
    ]
    if r.query is not None:
        label = f"Bytes fetched for one search query ({QUERY_WORD!r}, " + (
            "estimate)" if r.query.exact else "rough estimate)"
        )
        rows.append(
            (
                label,
                _kb(r.query.total),
                "",
                "",
                "",
                f"≤ {_kb(TARGETS['query_bytes'])}",
                _verdict(r.query.total <= TARGETS["query_bytes"]),
            )
        )
    if r.serve is not None:
        rows += serve_rows(r.serve, r.posts)
    lines = [
        "| measurement | median | runs (s) | vs plain Pelican | peak RSS (MB) | target | result |",
        "|---|---:|---|---:|---:|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def serve_rows(serve, posts):
    """Table rows for what an author waits for under `make serve` (see serve_latency)."""
    nan = float("nan")
    page, worst = median(serve.page), max(serve.page, default=nan)
    page_target = TARGETS["serve_page_small_site"] if posts <= 1000 else TARGETS["serve_page"]
    return [
        ("make serve: first build, then serving", f"{serve.first_build:.2f} s", "", "", "", "", ""),
        (
            "make serve: save → edited page served",
            f"{page:.2f} s (worst {worst:.2f} s)",
            _seconds(serve.page),
            "",
            _rss(serve.rss_mb, serve.child_rss_mb),
            f"≤ {page_target} s median, ≤ {TARGETS['serve_page_worst']:.0f} s worst",
            _verdict(page <= page_target and worst <= TARGETS["serve_page_worst"]),
        ),
        (
            "make serve: saves 3 s apart (most while a build runs) → edited page served",
            f"{median(serve.page_while_building):.2f} s (worst {max(serve.page_while_building, default=nan):.2f} s)",
            _seconds(serve.page_while_building),
            "",
            "",
            "",
            "",
        ),
        (
            "make serve: save → open tab told to reload",
            f"{median(serve.reload):.2f} s",
            _seconds(serve.reload),
            "",
            "",
            "",
            "",
        ),
        _site_row("make serve: newest post retitled → home, tag page, neighbour and feed show it", serve.site),
        _site_row("make serve: new post → its page and the home page show it", serve.new_post),
        _site_row("make serve: that post re-tagged → the new tag's page lists it", serve.retag),
        _site_row("make serve: that post deleted → gone from its page, the home page and the tag's", serve.deleted),
        _site_row(
            "make serve: each of those three → the whole rebuild done (every page and feed, the sitemap)",
            serve.rebuilt,
            _by_kind(serve.rebuilt, serve.rebuilt_after),
        ),
        _site_row("make serve: each of those four → the search finds it (recent changes)", serve.searched),
        # What the search finds is the target (the row above); the whole index follows.
        (
            "make serve: each of those four → the whole search index has it",
            f"{median(serve.indexed):.2f} s",
            _seconds(serve.indexed),
            "",
            "",
            "",
            "",
        ),
        (
            "make serve: peak memory of the server process",
            "",
            "",
            "",
            _rss(serve.rss_mb, serve.child_rss_mb),
            f"< {TARGETS['serve_rss_mb']:,} MB (ours)",
            _verdict(serve.rss_mb < TARGETS["serve_rss_mb"]),
        ),
    ]


def _site_row(what, seconds, detail=""):
    """A row for a change that must reach every page that shows it within the site target."""
    shown = median(seconds)
    target = TARGETS["serve_site"]
    return (what, f"{shown:.2f} s{detail}", _seconds(seconds), "", "", f"≤ {target:.0f} s", _verdict(shown <= target))


def _by_kind(seconds, kinds):
    """' (new post 2.71 s, re-tag 2.37 s, ...)': the median of `seconds` for each of `kinds`
    (the kind of edit each was timed after), in the order they first come; nothing without
    a kind for each."""
    if not kinds or len(kinds) != len(seconds):
        return ""
    timed = list(zip(kinds, seconds, strict=True))
    medians = {kind: median([value for its, value in timed if its == kind]) for kind in kinds}
    return " (" + ", ".join(f"{kind} {value:.2f} s" for kind, value in medians.items()) + ")"


def render_section(r, machine):
    """A BENCHMARKS.md section for one corpus size: machine, table, details."""
    out = [
        f"## {r.posts} posts",
        "",
        f"{r.posts} generated articles ({r.posts - r.cases} posts, {r.cases} case stories) and one page; "
        f"{len(r.full)} runs each, medians shown. Measured {machine['date']} on {machine['cpus']} cores, "
        f"Python {machine['python']}, Pelican {machine['pelican']} ({machine['platform']}).",
        "",
        render_table(r),
        "",
    ]
    details = [f"`output/pagefind/`: {r.bundle_bytes:,} bytes in {r.bundle_files} files."]
    if r.query is not None:
        parts = "; ".join(f"{label} {size:,} B" for label, size in r.query.items)
        details.append(
            f"Search query estimate (first one-word query, {QUERY_WORD!r}, cold browser cache, on-disk sizes, "
            f"no HTTP compression): {parts}. Not counted: the search page's own UI assets "
            f"(Component UI script and stylesheet, `search.js`: {r.query.ui_assets:,} B), fetched once per visit."
        )
        if r.query.worst:
            details.append(
                f"A word in the largest index chunk instead of {QUERY_WORD!r}: {_kb(r.query.worst)} "
                f"(target {_kb(TARGETS['query_bytes'])}: {_verdict(r.query.worst <= TARGETS['query_bytes'])})."
            )
    details += r.notes
    out += [f"- {line}" for line in details]
    return "\n".join(out) + "\n"


_SECTION = re.compile(r"^## (\d+) posts\b.*$", re.MULTILINE)


def preamble():
    return (
        "# Benchmarks\n\n"
        "Servicebook's build against plain Pelican on the same generated corpus "
        "(`servicebook/bench/`). Targets: full build ≤ 1.3× plain Pelican, rebuild after "
        "editing one post ≤ 25% of the full build, ≤ 300 KB fetched for one search query.\n\n"
        f"How to reproduce: {REPRODUCE}.\n\n"
    )


def update_benchmarks(existing, posts, section):
    """BENCHMARKS.md text with the section for `posts` replaced (or added); sections for
    other sizes are kept, all in order of size."""
    existing = existing or ""
    starts = list(_SECTION.finditer(existing))
    head = existing[: starts[0].start()] if starts else existing
    if not head.strip():
        head = preamble()
    sections = {}
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(existing)
        sections[int(match[1])] = existing[match.start() : end].rstrip("\n") + "\n"
    sections[posts] = section.rstrip("\n") + "\n"
    return head.rstrip("\n") + "\n\n" + "\n".join(sections[n] for n in sorted(sections))


def machine_info():
    import pelican

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "pelican": pelican.__version__,
        "date": date.today().isoformat(),
        "platform": f"{platform.system()} {platform.machine()}",
    }
