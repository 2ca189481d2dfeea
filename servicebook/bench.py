"""The performance benchmark behind `invoke bench`: Servicebook against plain Pelican.

`invoke bench --posts N` writes a synthetic corpus of N articles (20% of them case stories)
into a temporary folder and measures, each `--repeat` times, reporting the median:

- plain Pelican 4.12 on the same corpus (built-in "notmyidea" theme, no plugins, Pelican's
  default feeds, no content cache), run as `python -m pelican CONTENT -s SETTINGS -o OUT`;
- the Servicebook full build (pelicanconf.py: every plugin, typogrify, feeds, casebook,
  Pagefind) from an empty output folder and an empty content cache;
- the Servicebook rebuild after editing one post, with the content cache warm;
- Pagefind on its own (the search_index plugin's `pages_to_index` + `index_pages`), the size
  of `output/pagefind/`, and an estimate of the bytes a browser fetches for one search.

Every measured build runs in its own Python process, which reports its own peak RSS and that
of its largest child (Pagefind's binary). The results are printed as a table and written to
BENCHMARKS.md (one section per corpus size).

The module has three parts: corpus generation (pure functions of a seed), measuring
(subprocesses), and reporting (pure functions of numbers).
"""

import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"
DEFAULT_POSTS = 2000
DEFAULT_REPEAT = 3
DEFAULT_SEED = 20240611
CASE_SHARE = 0.2
WORDS_PER_POST = (600, 900)
TAGS_PER_POST = (3, 5)
QUERY_WORD = "refund"
# What Pagefind's Component UI shows before "Load more": fragments are fetched per shown result.
RESULTS_SHOWN = 5
TARGETS = {"full_vs_plain": 1.3, "incremental_vs_full": 0.25, "query_bytes": 300 * 1024}
REPRODUCE = "`make bench` or `.venv/bin/invoke bench --posts N [--repeat 3]` (see `servicebook/bench.py`)"

# ---------------------------------------------------------------------------------------------
# Corpus generation: pure functions of (size, seed, facets).
# ---------------------------------------------------------------------------------------------

# Plain lower-case English words (no digits, apostrophes or markup), so every generated text
# passes the content checks and none of its lines looks like comment boilerplate.
WORDS = tuple("""
about above account action actually address advice after again agent agreed almost alone
already always answer anyone apology appointment around asked attempt away back balance bank
basic because before began behind being believe better between bill billing board bought
branch break brief broken budget call called calm came cancel cannot card careful case caught
certain chance change charge chat check choice claim clear clearly close colleague common
complaint contact contract control correct cost could counter credit customer daily damage
data deadline decide decision delay delivery department desk detail different direct down
during early easy email empty end engineer enough error escalate even evening every exactly
explain fact failure fair far fault fee feel field file final finally find fine first fix
fixed follow form forward found free friday front full gave given good group guide half hand
handle happen hard head hear heard help helpful hold home hope hour house however human idea
important instead invoice issue job just keep kind knew know large last late later leave left
letter level line list listen little live local long look lost made mail make manager many
matter maybe meant meter minute missing moment monday money month morning move much name
nearly need never new next night note nothing notice number office often once online open
option order other owner page paid paper part pass patient pay payment people person phone
picture place plan plain point policy polite possible post problem process promise proof
proper public question queue quick quickly quiet rather read ready real really reason receipt
record refund reply report request resolve response rest result return right rule said same
save saw script second see seemed send sent service short should show side sign simple since
small someone something soon sorry speak staff start still stop store story support sure
system take team tell term text than thank that their then there thing think third this though
three through ticket time today together told took total track transfer tried trust truth turn
twice under understand until update urgent used useful usual voice wait waiting want warm
week weekend well went what when where which while whole window without word work worked
write written wrong year yesterday young
""".split())
# Small words between content words make the prose read (a little) like prose.
GLUE = ("the", "a", "and", "to", "of", "in", "on", "for", "with", "it", "was", "we", "they",
        "but", "so", "at", "by", "from", "as", "is")
TAG_WORDS = tuple("""
access accounts appeals apps bills branches broadband callbacks cancellations chatbots claims
complaints contracts councils couriers credit deliveries deposits engineers energy fees forms
helplines holidays hospitals insurance invoices letters loans meters mortgages parcels payroll
pensions permits phones queues receipts refunds renewals repairs returns scripts subscriptions
surveys tickets trains transfers travel vouchers warranties water
""".split())
TAG_QUALIFIERS = ("fixing", "slow", "lost", "late", "unpaid", "missing", "online", "public",
                  "local", "broken", "automated", "disputed")
CATEGORIES = ("Essays", "Field notes", "Guides", "Interviews", "Reviews", "Letters", "Research",
              "Opinion", "Explainers", "Roundups")
FIRST_NAMES = ("Maren", "Tobias", "Priya", "Jonah", "Alma", "Kwame", "Ines", "Felix", "Ruth",
               "Sanjay", "Leonie", "Oskar", "Hana", "Dmitri", "Grace", "Mateo", "Yara", "Ewan",
               "Noor", "Lukas")
LAST_NAMES = ("Holt", "Okafor", "Castellane", "Byrne", "Lindqvist", "Mensah", "Duarte", "Novak",
              "Achebe", "Rao", "Fischer", "Berg", "Sato", "Ivanov", "Whitfield", "Ortega",
              "Haddad", "Munro", "Qureshi", "Weber")
ORGANISATION_KINDS = ("bank", "broadband provider", "energy supplier", "council", "airline",
                      "retailer", "streaming service", "insurer", "clinic", "college",
                      "parcel company", "mobile network")
CASE_HEADINGS = ("What happened", "What went wrong", "How it ended")
FIRST_DATE = datetime(2015, 1, 1, 8, 0)
DATE_SPAN_MINUTES = 11 * 365 * 24 * 60


@dataclass(frozen=True)
class Entry:
    """One generated article: its content-relative path, slug and whether it is a case."""

    path: str
    slug: str
    is_case: bool


def tag_pool(rng, size=200):
    """`size` distinct tags ('lost refunds', 'broadband', ...) in a seed-determined order."""
    candidates = list(TAG_WORDS) + [f"{q} {w}" for q in TAG_QUALIFIERS for w in TAG_WORDS]
    return rng.sample(candidates, size)


def authors():
    return [f"{first} {last}" for first, last in zip(FIRST_NAMES, LAST_NAMES)]


def _sentence_words(rng, count):
    """`count` words, about one in three a small glue word; every word counts as one."""
    return [rng.choice(GLUE) if rng.random() < 0.3 else rng.choice(WORDS) for _ in range(count)]


def sentence(rng, count):
    words = _sentence_words(rng, count)
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def _linked_sentence(rng, count, link_target):
    """A sentence of `count` words; 2-4 of them may be an inline link: to another generated
    article (`link_target(rng)` gives its path) or to an external site."""
    words = _sentence_words(rng, count)
    words[0] = words[0].capitalize()
    if count >= 6 and link_target is not None and rng.random() < 0.08:
        span = rng.randint(2, min(4, count - 2))
        start = rng.randint(0, count - span - 1)
        target = link_target(rng) if rng.random() < 0.6 else None
        if target:
            url = "{filename}/" + target
        else:
            url = f"https://example.org/{rng.choice(WORDS)}/{rng.choice(WORDS)}"
        words[start] = "[" + words[start]
        words[start + span - 1] += f"]({url})"
    return " ".join(words) + "."


def paragraph(rng, count, link_target=None):
    """Sentences of 6-18 words adding up to exactly `count` words."""
    sentences, left = [], count
    while left > 0:
        size = min(left, rng.randint(6, 18))
        if 0 < left - size < 4:  # no stub sentence at the end
            size = left
        sentences.append(_linked_sentence(rng, size, link_target))
        left -= size
    return " ".join(sentences)


def heading(rng, count):
    words = [rng.choice(WORDS) for _ in range(count)]
    return "## " + " ".join(words).capitalize()


def body(rng, words, link_target=None, headings=()):
    """Markdown with exactly `words` words: an intro, then `##` sections of paragraphs, bullet
    lists and blockquotes. `headings` are used first (case stories), then generated ones.
    `link_target(rng)`: the path of another article to link to, or None."""
    blocks, left, section = [], words, 0
    first = min(left, rng.randint(40, 80))
    blocks.append(paragraph(rng, first, link_target))
    left -= first
    while left > 0:
        if left < 40:
            blocks.append(paragraph(rng, left, link_target))
            break
        if section < len(headings):
            title = headings[section]
            blocks.append("## " + title)
            left -= len(title.split())
        else:
            size = rng.randint(2, 5)
            blocks.append(heading(rng, size))
            left -= size
        section += 1
        for _ in range(rng.randint(1, 3)):
            if left <= 0:
                break
            size = min(left, rng.randint(35, 90))
            if left - size < 10:
                size = left
            blocks.append(paragraph(rng, size, link_target))
            left -= size
        if left > 30 and rng.random() < 0.4:
            items = []
            for _ in range(rng.randint(3, 5)):
                size = min(left, rng.randint(3, 9))
                if size < 3:
                    break
                items.append("- " + sentence(rng, size)[:-1])
                left -= size
            blocks.append("\n".join(items))
        if left > 40 and rng.random() < 0.25:
            size = rng.randint(10, 25)
            blocks.append("> " + sentence(rng, size))
            left -= size
    return "\n\n".join(blocks) + "\n"


def _header(fields):
    return "\n".join(f"{key}: {value}" for key, value in fields.items()) + "\n\n"


def _date(rng):
    moment = FIRST_DATE + timedelta(minutes=rng.randrange(DATE_SPAN_MINUTES))
    return moment.strftime("%Y-%m-%d %H:%M")


def _slug(rng, index):
    words = [rng.choice(WORDS) for _ in range(rng.randint(2, 4))]
    return "-".join(words) + f"-{index:05d}"


def _facet_values(rng, facet):
    values = facet["values"]
    if facet.get("multiple"):
        return ", ".join(rng.sample(values, rng.randint(1, min(3, len(values)))))
    return rng.choice(values)


def plan(posts, seed=DEFAULT_SEED, case_share=CASE_SHARE):
    """The articles of a corpus of `posts` articles: which are cases, their slugs and paths."""
    rng = random.Random(f"{seed}:plan")
    cases = set(rng.sample(range(posts), round(posts * case_share)))
    entries = []
    for index in range(posts):
        slug = _slug(rng, index)
        folder = "cases" if index in cases else "posts"
        entries.append(Entry(f"{folder}/{slug}.md", slug, index in cases))
    return entries


def article_text(rng, entry, targets, tags, people, facets):
    """The full text (header and body) of one generated post or case story."""
    title = sentence(rng, rng.randint(3, 8))[:-1]
    fields = {
        "Title": title,
        "Date": _date(rng),
        "Category": "Cases" if entry.is_case else rng.choice(CATEGORIES),
        "Tags": ", ".join(rng.sample(tags, rng.randint(*TAGS_PER_POST))),
        "Author": rng.choice(people),
        "Summary": sentence(rng, rng.randint(12, 25)),
        "Slug": entry.slug,
    }
    headings = ()
    if entry.is_case:
        outcome = rng.choice(facets["outcome"]["values"])
        size = rng.choice(("regional", "national", "local", "small"))
        fields["Organisation"] = f"a {size} {rng.choice(ORGANISATION_KINDS)}"
        for key, facet in facets.items():
            fields[key.title()] = outcome if key == "outcome" else _facet_values(rng, facet)
        if outcome != "unresolved":  # optional; unresolved cases have no day count
            fields["Days-To-Resolve"] = str(rng.randint(0, 120))
        fields["Lesson"] = sentence(rng, rng.randint(8, 20))
        headings = CASE_HEADINGS
    def link_target(rng):
        index = rng.randrange(len(targets))
        if targets[index] == entry.path:
            index = (index + 1) % len(targets)
        return targets[index] if targets[index] != entry.path else None

    return _header(fields) + body(rng, rng.randint(*WORDS_PER_POST), link_target, headings)


def about_page(rng):
    parts = [paragraph(rng, 80), "## " + "What you will find here", paragraph(rng, 90),
             "## Writing to us", paragraph(rng, 60)]
    return _header({"Title": "About", "Slug": "about"}) + "\n\n".join(parts) + "\n"


def generate_corpus(posts, seed=DEFAULT_SEED, facets=None, case_share=CASE_SHARE):
    """{content-relative path: text} for `posts` articles (a `case_share` of them case stories
    in cases/, the rest in posts/) and pages/about.md. Same arguments, same text."""
    facets = facets if facets is not None else default_facets()
    rng = random.Random(f"{seed}:text")
    tags, people = tag_pool(rng), authors()
    entries = plan(posts, seed, case_share)
    targets = [entry.path for entry in entries]
    files = {entry.path: article_text(rng, entry, targets, tags, people, facets) for entry in entries}
    files["pages/about.md"] = about_page(rng)
    return files


def write_corpus(files, content_dir):
    content_dir = Path(content_dir)
    for relative, text in files.items():
        path = content_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content_dir


_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_WORD = re.compile(r"[A-Za-z]+")


def split_source(text):
    """(header lines, body) of a generated file."""
    header, _, rest = text.partition("\n\n")
    return header.splitlines(), rest


def word_count(markdown):
    """Words in a markdown body, not counting link addresses or markup."""
    return len(_WORD.findall(_LINK_TARGET.sub("]", markdown)))


def default_facets():
    import runpy

    return runpy.run_path(str(ROOT / "pelicanconf.py"))["CASEBOOK_FACETS"]


def edit_sentence(run):
    """The sentence appended to a post for the incremental rebuild (run 0, 1, ...)."""
    return sentence(random.Random(f"edit:{run}"), 12)


# ---------------------------------------------------------------------------------------------
# Measuring: each build in its own process, which reports its own peak memory.
# ---------------------------------------------------------------------------------------------

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
        return self.report["children_maxrss_kb"] / 1024


class BenchError(RuntimeError):
    pass


def child_main(argv=None):
    """Runs inside a measured subprocess: do one job, then print its numbers as a JSON line."""
    import logging

    spec = json.loads((argv or sys.argv)[1])
    report = {}
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
        from search_index import search_index as si

        from servicebook import site

        started = time.perf_counter()
        result = site.build(**spec["overrides"])
        si.wait_for_index()  # with SEARCH_INDEX_IN_BACKGROUND the build returns before it
        report.update(seconds=result.seconds, indexed_seconds=time.perf_counter() - started,
                      warnings=[str(problem) for problem in result.problems], search_seconds=search_times)
    elif spec["kind"] == "pagefind":
        from search_index import search_index as si

        from servicebook import site

        settings = site.load_settings()
        started = time.perf_counter()
        pages = si.pages_to_index(spec["output"], si.exclude_patterns(settings))
        scanned = time.perf_counter()
        si.index_pages(
            spec["output"], pages,
            exclude_selectors=settings.get("SEARCH_INDEX_EXCLUDE_SELECTORS", si.DEFAULT_EXCLUDE_SELECTORS),
        )
        report.update(seconds=time.perf_counter() - started, scan_seconds=scanned - started, pages=len(pages))
    else:
        raise ValueError(spec["kind"])
    report["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report["children_maxrss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(RESULT_MARKER + json.dumps(report), flush=True)


def run_child(spec, cwd=ROOT, plugins_on_path=True, log=None):
    """Run `child_main(spec)` in a fresh interpreter; returns a Run (raises BenchError)."""
    paths = [str(ROOT), str(ROOT / "plugins")] if plugins_on_path else [str(ROOT)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    command = [sys.executable, "-c", "from servicebook.bench import child_main; child_main()", json.dumps(spec)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, errors="replace")
    wall = time.perf_counter() - started
    if log:
        log.write(f"$ {spec}\n{done.stdout}\n{done.stderr}\n")
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if done.returncode != 0 or not lines:
        tail = "\n".join((done.stdout + "\n" + done.stderr).strip().splitlines()[-30:])
        raise BenchError(f"{spec['kind']} run failed (exit {done.returncode}):\n{tail}")
    return Run(wall, json.loads(lines[-1][len(RESULT_MARKER):]))


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
    return run_child({"kind": "plain", "argv": argv}, cwd=ws.root, plugins_on_path=False, log=log)


def _overrides(ws):
    return {"PATH": str(ws.content), "OUTPUT_PATH": str(ws.output), "CACHE_PATH": str(ws.cache)}


def measure_full(ws, log=None):
    ws.reset(ws.output, ws.cache)
    return run_child({"kind": "servicebook", "overrides": _overrides(ws)}, log=log)


def posts_to_edit(ws, count):
    posts = sorted((ws.content / "posts").glob("*.md"))
    return [posts[(index * len(posts)) // count] for index in range(count)]


def measure_incremental(ws, path, run, log=None):
    """Append a sentence to `path`, then rebuild over the previous output with the warm cache,
    as `make serve` does: the search index is finished after the pages (the child waits)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n" + edit_sentence(run) + "\n")
    return run_child({"kind": "servicebook", "overrides": {**_overrides(ws), "SEARCH_INDEX_IN_BACKGROUND": True}},
                     log=log)


def pages_ready(run):
    """Wall time of a rebuild until its pages were written (its index followed)."""
    return run.wall - (run.report["indexed_seconds"] - run.report["seconds"])


def measure_pagefind(ws, log=None):
    return run_child({"kind": "pagefind", "output": str(ws.output)}, log=log)


# ---- Reading Pagefind's bundle ----

def index_chunks(meta):
    """[(from, to, hash)] from a decoded pf_meta: the list of 3-string entries."""
    for part in meta:
        if isinstance(part, list) and part and all(
            isinstance(c, list) and len(c) == 3 and all(isinstance(v, str) for v in c) for c in part
        ):
            return [tuple(c) for c in part]
    return []


def chunks_for_term(chunks, term):
    """The chunk hashes Pagefind's wasm requests for a one-word `term` (request_indexes):
    the chunk whose word range holds it, else any chunk that may hold an extension of it."""
    term = term.lower()
    for lo, hi, chunk in chunks:
        if lo <= term <= hi:
            return [chunk]
    for lo, hi, chunk in chunks:
        # Both bounds and the term cut to the shorter length, as in pagefind_web's lib.rs.
        if term[:len(lo)] >= lo[:len(term)] and term[:len(hi)] <= hi[:len(term)]:
            return [chunk]
    return []


@dataclass
class QueryBytes:
    """What a browser fetches for the first one-word query on /search/ (estimate, on-disk sizes)."""

    items: list  # [(label, bytes)]
    ui_assets: int
    exact: bool
    worst: int = 0  # the same, with the largest index chunk in place of the query's

    @property
    def total(self):
        return sum(size for _, size in self.items)


def bundle_stats(bundle, term=QUERY_WORD, results_shown=RESULTS_SHOWN):
    """(bytes, files, QueryBytes) for a Pagefind bundle folder."""
    # Imported here: the plain-Pelican child imports this module without plugins/ on its path.
    from search_index.bundle import cbor_decode, read_pagefind_file

    bundle = Path(bundle)
    files = [p for p in bundle.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    language, info = next(iter(entry["languages"].items()))

    def size(name):
        path = bundle / name
        return path.stat().st_size if path.exists() else 0

    items = [
        ("pagefind-entry.json", size("pagefind-entry.json")),
        ("pagefind.js", size("pagefind.js")),
        ("pagefind-worker.js", size("pagefind-worker.js")),
        (f"wasm.{info['wasm']}.pagefind", size(f"wasm.{info['wasm']}.pagefind")),
        (f"pagefind.{info['hash']}.pf_meta", size(f"pagefind.{info['hash']}.pf_meta")),
    ]
    exact = True
    index_files = sorted((bundle / "index").glob("*.pf_index"))
    try:
        chunks = index_chunks(cbor_decode(read_pagefind_file(bundle / f"pagefind.{info['hash']}.pf_meta")))
        wanted = chunks_for_term(chunks, term)
        items += [(f"index chunk for {term!r} ({h})", size(f"index/{h}.pf_index")) for h in wanted]
        query_chunks = sum(size(f"index/{h}.pf_index") for h in wanted)
    except (OSError, ValueError, KeyError, IndexError):
        exact = False
        largest = max((p.stat().st_size for p in index_files), default=0)
        items.append((f"largest index chunk (of {len(index_files)}; meta unreadable)", largest))
        query_chunks = largest
    filters = list((bundle / "filter").glob("*.pf_filter"))
    items.append((f"all {len(filters)} filter chunks (the filter pane loads them)", sum(p.stat().st_size for p in filters)))
    fragments = sorted(p.stat().st_size for p in (bundle / "fragment").glob("*.pf_fragment"))
    if fragments:
        median = int(statistics.median(fragments))
        items.append((f"{results_shown} result fragments (median fragment {median} B)", results_shown * median))
    ui = sum(size(name) for name in ("pagefind-component-ui.js", "pagefind-component-ui.css"))
    ui += (ROOT / "theme" / "static" / "js" / "search.js").stat().st_size
    query = QueryBytes(items, ui, exact)
    query.worst = query.total - query_chunks + max((p.stat().st_size for p in index_files), default=0)
    return total, len(files), query, {
        "index_chunks": len(index_files),
        "index_bytes": sum(p.stat().st_size for p in index_files),
        "largest_index_chunk": max((p.stat().st_size for p in index_files), default=0),
        "fragments": len(fragments),
        "fragment_bytes": sum(fragments),
        "language": language,
    }


# ---------------------------------------------------------------------------------------------
# Reporting: pure functions of the numbers.
# ---------------------------------------------------------------------------------------------


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
    notes: list = field(default_factory=list)


def median(values):
    return statistics.median(values) if values else float("nan")


def ratio(value, base):
    return value / base if base else float("nan")


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
        ("Plain Pelican (notmyidea, no plugins, default feeds)", f"{plain:.2f} s", _seconds(r.plain),
         "1.00×", _rss(r.plain_rss), "", ""),
        ("Servicebook full build (empty output and cache)", f"{full:.2f} s", _seconds(r.full),
         f"{full_ratio:.2f}×", _rss(r.full_rss, r.full_child_rss),
         f"≤ {TARGETS['full_vs_plain']:.1f}× plain", _verdict(full_ratio <= TARGETS["full_vs_plain"])),
        ("Servicebook rebuild after editing one post (warm cache): pages written", f"{incremental:.2f} s",
         _seconds(r.incremental), f"{ratio(incremental, plain):.2f}× ({incremental_share:.0%} of full)",
         _rss(r.incremental_rss, r.incremental_child_rss),
         f"≤ {TARGETS['incremental_vs_full']:.0%} of full", _verdict(incremental_share <= TARGETS["incremental_vs_full"])),
    ]
    if r.incremental_indexed:
        indexed = median(r.incremental_indexed)
        rows.append(("Servicebook rebuild after editing one post: search index written too", f"{indexed:.2f} s",
                     _seconds(r.incremental_indexed), f"{ratio(indexed, plain):.2f}× ({ratio(indexed, full):.0%} of full)",
                     "", "", ""))
    rows += [
        (f"Pagefind indexing alone ({r.pages_indexed} pages)", f"{pagefind:.2f} s", _seconds(r.pagefind),
         f"{ratio(pagefind, plain):.2f}×", _rss(r.pagefind_rss, r.pagefind_child_rss), "", ""),
    ]
    if r.query is not None:
        label = f"Bytes fetched for one search query ({QUERY_WORD!r}, " + ("estimate)" if r.query.exact else "rough estimate)")
        rows.append((label, _kb(r.query.total), "", "", "", f"≤ {_kb(TARGETS['query_bytes'])}",
                     _verdict(r.query.total <= TARGETS["query_bytes"])))
    lines = [
        "| measurement | median | runs (s) | vs plain Pelican | peak RSS (MB) | target | result |",
        "|---|---:|---|---:|---:|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


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
        "(`servicebook/bench.py`). Targets: full build ≤ 1.3× plain Pelican, rebuild after "
        "editing one post ≤ 25% of the full build, ≤ 300 KB fetched for one search query.\n\n"
        f"How to reproduce: {REPRODUCE}.\n\n"
    )


def update_benchmarks(existing, posts, section):
    """BENCHMARKS.md text with the section for `posts` replaced (or added); sections for
    other sizes are kept, all in order of size."""
    existing = existing or ""
    starts = list(_SECTION.finditer(existing))
    head = existing[:starts[0].start()] if starts else existing
    if not head.strip():
        head = preamble()
    sections = {}
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(existing)
        sections[int(match[1])] = existing[match.start():end].rstrip("\n") + "\n"
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


# ---------------------------------------------------------------------------------------------
# The command.
# ---------------------------------------------------------------------------------------------


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
    _say(f"Corpus: {posts} articles ({cases} cases) in {ws.content}, generated in {time.perf_counter() - started:.1f} s")

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

    pagefind = []
    for index in range(repeat):
        pagefind.append(measure_pagefind(ws, log))
        _say(f"  Pagefind alone {index + 1}/{repeat}: {pagefind[-1].wall:.2f} s")
    bundle_bytes, bundle_files, query, extra = bundle_stats(ws.output / "pagefind")

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
        f"Index: {extra['index_chunks']} index chunks ({extra['index_bytes']:,} B, largest "
        f"{extra['largest_index_chunk']:,} B), {extra['fragments']} fragments ({extra['fragment_bytes']:,} B).",
        "Peak RSS: the measured Python process (max over runs); \"+ Pagefind\" is the peak of its "
        "largest descendant (the Pagefind service binary, per "
        "RUSAGE_CHILDREN), which runs while the Python process is alive, so the sum bounds the peak.",
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
        notes=notes,
    )
