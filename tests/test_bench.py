"""The benchmark's pure parts (servicebook/bench/): the generated corpus and the report.

No benchmark is run here: corpus generation is checked on a small corpus, the report on
given numbers.
"""

import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

from casebook.facts import validate_case
from content_checks.content_checks import check_source
from helpers import SETTINGS, build_small_site, post
from servicebook import search_shards
from servicebook.bench import corpus as generated
from servicebook.bench import measure, memory, query_size, report, search_seen, serve_latency
from servicebook.boilerplate import is_boilerplate
from servicebook.headers import read_header
from servicebook.pagefind_files import HEADER, cbor_decode, read_pagefind_file

FACETS = SETTINGS["CASEBOOK_FACETS"]
N = 20


@pytest.fixture(scope="module")
def corpus():
    return generated.generate_corpus(N, seed=7, facets=FACETS)


@pytest.fixture(scope="module")
def written(corpus, tmp_path_factory):
    return generated.write_corpus(corpus, tmp_path_factory.mktemp("bench") / "content")


def articles(corpus):
    return {path: text for path, text in corpus.items() if not path.startswith("pages/")}


# ---- Corpus ----


def test_same_seed_same_files_and_different_seed_different_files(corpus):
    assert generated.generate_corpus(N, seed=7, facets=FACETS) == corpus
    other = generated.generate_corpus(N, seed=8, facets=FACETS)
    assert other != corpus
    assert set(other.values()).isdisjoint(set(articles(corpus).values()))


def test_counts_folders_and_the_about_page(corpus):
    paths = sorted(corpus)
    cases = [p for p in paths if p.startswith("cases/")]
    posts = [p for p in paths if p.startswith("posts/")]
    assert len(cases) == round(N * generated.CASE_SHARE) == 4
    assert len(posts) == N - len(cases)
    assert "pages/about.md" in corpus and len(paths) == N + 1
    assert all(p.endswith(".md") for p in paths)


def test_headers_word_counts_tags_and_categories(corpus):
    slugs = set()
    for path, text in articles(corpus).items():
        header = read_header(text)
        for key in ("title", "date", "category", "tags", "author", "summary", "slug"):
            assert header.get(key) and header[key].value, f"{path}: {key} missing"
        slugs.add(header["slug"].value.lower())
        assert path == f"{path.split('/')[0]}/{header['slug'].value}.md"
        tags = [t.strip() for t in header["tags"].value.split(",")]
        assert 3 <= len(tags) <= 5 and len(set(tags)) == len(tags), path
        _, body = generated.split_source(text)
        assert 600 <= generated.word_count(body) <= 900, path
        # An independent count: tokens of letters outside link addresses.
        assert 600 <= len(re.findall(r"[A-Za-z]+", re.sub(r"\]\([^)]*\)", "]", body))) <= 900
        is_case = path.startswith("cases/")
        assert (header["category"].value == "Cases") == is_case
        if not is_case:
            assert header["category"].value in generated.CATEGORIES
    assert len(slugs) == N


def test_bodies_have_the_markdown_a_real_post_has(corpus):
    text = "\n".join(articles(corpus).values())
    assert re.search(r"^## \w", text, re.M)
    assert re.search(r"^- \w", text, re.M)
    assert re.search(r"^> \w", text, re.M)
    assert re.search(r"\]\(\{filename\}/(posts|cases)/[\w-]+\.md\)", text)
    assert re.search(r"\]\(https://example\.org/", text)
    assert not re.search(r"^\s{0,3}#(\s|$)", text, re.M)


def test_pools_are_the_sizes_the_issue_asks_for():
    import random

    pool = generated.tag_pool(random.Random(1))
    assert len(pool) == len(set(pool)) == 200
    assert len(generated.CATEGORIES) == 10 and len(set(generated.authors())) == 20
    assert 200 <= len(set(generated.WORDS)) <= 600
    assert all(re.fullmatch(r"[a-z]+", word) for word in generated.WORDS + generated.GLUE)


def test_every_case_validates_against_the_casebook_schema(corpus):
    cases = {p: t for p, t in corpus.items() if p.startswith("cases/")}
    assert cases
    for path, text in cases.items():
        facts, problems = validate_case(read_header(text), FACETS, path)
        assert problems == [], [str(p) for p in problems]
        assert facts.organisation and facts.lesson
        header = read_header(text)
        if header["outcome"].value == "unresolved":
            assert "days-to-resolve" not in header


def slug(name):
    return slugify(name, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])


def test_every_file_passes_the_content_checks(corpus, written):
    """As the content_checks plugin calls check_source: case files' dates and field names are
    the casebook's to check (with the plain call, `Organisation:` reads as a typo of
    `Translation:`, for the real content/cases/ files too), articles need a date."""
    for relative in corpus:
        path = written / relative
        is_case, is_page = relative.startswith("cases/"), relative.startswith("pages/")
        problems = check_source(path.read_bytes(), path, written, is_case, not is_page, slug)
        assert problems == [], [str(p) for p in problems]
        if not is_case:
            assert check_source(path.read_bytes(), path, written) == []
        assert not any(is_boilerplate(line) for line in corpus[relative].splitlines())


def test_the_edit_sentence_is_plain_text():
    assert generated.edit_sentence(0) == generated.edit_sentence(0) != generated.edit_sentence(1)
    assert re.fullmatch(r"[A-Z][a-z ]+\.", generated.edit_sentence(0))


# ---- Pagefind's index chunks ----


def test_cbor_decoding_and_chunk_lookup():
    # [version, [[from, to, hash], ...]] as Pagefind writes it (minicbor arrays).
    data = bytes([0x82, 0x65]) + b"1.5.2" + bytes([0x82])
    for lo, hi, h in (("a", "fix", "en_1"), ("fixed", "zz", "en_2")):
        data += bytes([0x83])
        for value in (lo, hi, h):
            data += bytes([0x60 + len(value)]) + value.encode()
    meta = cbor_decode(data)
    chunks = query_size.index_chunks(meta)
    assert chunks == [("a", "fix", "en_1"), ("fixed", "zz", "en_2")]
    assert query_size.chunks_for_term(chunks, "Refund") == ["en_2"]
    assert query_size.chunks_for_term(chunks, "bill") == ["en_1"]
    assert cbor_decode(bytes([0x19, 0x01, 0x00])) == 256
    assert cbor_decode(bytes([0xA1, 0x61]) + b"k" + bytes([0xF5])) == {"k": True}


def test_what_a_query_fetches_counts_every_shard_and_pagefinds_scripts_once(tmp_path, monkeypatch):
    posts = {
        f"posts/p{n}.md": post(f"Post {n}", f"A refund for heron {n}.", slug=f"p{n}", tags="birds") for n in range(6)
    }
    bundle = build_small_site(tmp_path, posts, SEARCH_INDEX_SHARD_PAGES=2).output_path / "pagefind"
    _, _, query, extra = query_size.bundle_stats(bundle)
    labels = [label for label, _ in query.items]
    assert extra["shards"] == 3 and query.exact
    assert [label.split(":")[0] for label in labels if label.endswith("pagefind-entry.json")] == [
        "pagefind",
        "shard-1",
        "shard-2",
    ]
    assert sum(label.endswith(("pagefind.js", ".pagefind")) for label in labels) == 2  # the script and its wasm
    assert sum("index chunk for 'refund'" in label for label in labels) == 3
    chunks = [path for path in bundle.rglob("*.pf_index")]
    assert extra["index_chunks"] == len(chunks) and extra["index_bytes"] == sum(p.stat().st_size for p in chunks)
    # What the serve benchmark reads of the index: a page's fragment, in the shard its URL
    # names, read once while its entry is the same (before a save, not during its build).
    shard = bundle / search_shards.shard_folders(3)[search_shards.shard_of("/2024/p4/", 3)]
    assert "/2024/p9/" not in search_seen.bundle_pages(shard)
    # An old bundle's fragment beside the new entry (as while a bundle is replaced): not in
    # the index the search reads.
    fragment = next((shard / "fragment").glob("*.pf_fragment"))
    stray = shard / "fragment" / "en_0ld0ld0.pf_fragment"
    text = read_pagefind_file(fragment).replace(b'"url":"/2024/p', b'"url":"/2023/p')
    stray.write_bytes(gzip.compress(HEADER + text))
    assert read_pagefind_file(stray) == text and b'"/2023/p' in text
    assert not [url for url in search_seen.bundle_pages(shard) if url.startswith("/2023/")]
    stray.unlink()
    seen = search_seen.SearchSeen({"OUTPUT_PATH": bundle.parent, "CACHE_PATH": tmp_path / "cache"})
    seen.read_before_saving("/2024/p4/")
    monkeypatch.setattr(search_seen, "bundle_pages", None)
    assert seen.indexed_page("/2024/p4/")[1]["meta"]["title"] == "Post\u00a04"  # typography
    assert seen.searched_page("/2024/p4/") == seen.indexed_page("/2024/p4/")


def test_the_memory_of_the_pagefinds_under_a_process_is_added_up(tmp_path):
    # Programs named pagefind (by their name, as /proc knows them), and one that is not,
    # under a parent of their own: a search index an earlier test left behind may still be
    # starting a Pagefind under this process.
    (tmp_path / "pagefind").symlink_to(shutil.which("sleep"))
    (tmp_path / "other").symlink_to(shutil.which("sleep"))
    starts = "import subprocess, sys, time; [subprocess.Popen([p, '30']) for p in sys.argv[1:]]; time.sleep(30)"
    names = ("pagefind", "pagefind", "other")
    parent = subprocess.Popen([sys.executable, "-c", starts, *(str(tmp_path / name) for name in names)])
    try:
        deadline = time.monotonic() + 10
        # Started and asleep: a program still being loaded after its exec grows, and its peak
        # read twice differs.
        while True:
            pids = memory.descendants(parent.pid)
            if sorted(map(_name, pids)) == sorted(names) and all(_state(pid) == "S" for pid in pids):
                break
            assert time.monotonic() < deadline, "the programs did not start"
            time.sleep(0.02)
        started = {pid: _name(pid) for pid in pids}
        pagefinds = [memory.peak_rss_mb(pid) for pid, name in started.items() if name == "pagefind"]
        assert all(pagefinds) and all(memory.peak_rss_mb(pid) for pid in started)
        assert memory.pagefinds_rss_mb(parent.pid) == pytest.approx(sum(pagefinds))
        watch = memory.PeakWatch(parent.pid, interval=0.05)
        assert watch.stop().pagefind_mb == pytest.approx(sum(pagefinds)) and watch.rss_mb > 0
    finally:
        for pid in memory.descendants(parent.pid):
            os.kill(pid, signal.SIGKILL)
        parent.kill()
        parent.wait()


def _name(pid):
    return Path(f"/proc/{pid}/comm").read_text().strip()


def _state(pid):
    """The process's state as /proc shows it ("S": asleep, "R": running...)."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]


# ---- Report ----


def results(**changes):
    values = dict(
        posts=2000,
        cases=400,
        plain=[10.0, 9.0, 11.0],
        full=[12.0, 13.0, 14.0],
        incremental=[3.0, 2.0, 4.0],
        incremental_indexed=[5.0, 5.0, 6.0],
        pagefind=[1.0, 1.5, 2.0],
        plain_rss=100,
        full_rss=300,
        full_child_rss=50,
        pages_indexed=2001,
        query=query_size.QueryBytes([("pagefind.js", 100 * 1024), ("index chunk", 150 * 1024)], 200 * 1024, True),
    )
    values.update(changes)
    return report.Results(**values)


def row(table, start):
    return next(line for line in table.splitlines() if line.startswith("| " + start))


def test_table_shows_medians_ratios_and_verdicts():
    table = report.render_table(results())
    assert "| 10.00 s | 10.00, 9.00, 11.00 | 1.00×" in row(table, "Plain Pelican")
    full = row(table, "Servicebook full build")
    assert "| 13.00 s |" in full and "| 1.30× |" in full and "≤ 1.3× plain" in full and "**pass**" in full
    incremental = row(table, "Servicebook rebuild")
    assert "| 3.00 s |" in incremental and "0.30× (23% of full)" in incremental and "**pass**" in incremental
    assert "| 1.50 s |" in row(table, "Pagefind indexing alone (2001 pages)")
    query = row(table, "Bytes fetched")
    assert "250 KB" in query and "**pass**" in query
    assert "300 (+ 50 Pagefind)" in full
    assert "| 5.00 s |" in row(table, "Servicebook rebuild after editing one post: search index written too")


def test_the_work_note_bounds_the_ratio_by_the_processor_time():
    note = report.work_note([50.0, 52.0, 60.0], [150.0, 156.0, 170.0], cpus=2)
    assert "plain Pelican 52.0 s, Servicebook full build 156.0 s: 3.00× the work" in note
    assert "cannot come below 1.50× plain's" in note


def test_a_rebuild_is_ready_when_its_pages_are():
    run = measure.Run(wall=6.0, report={"seconds": 2.0, "indexed_seconds": 4.5})
    assert measure.pages_ready(run) == 3.5


def test_section_lists_the_query_estimate_and_its_worst_case():
    query = query_size.QueryBytes(
        [("pagefind.js", 100 * 1024), ("index chunk", 150 * 1024)], 200 * 1024, True, 350 * 1024
    )
    section = report.render_section(results(query=query), MACHINE)
    assert "pagefind.js 102,400 B; index chunk 153,600 B" in section
    assert "largest index chunk instead of 'refund': 350 KB (target 300 KB: **FAIL**)" in section


def test_table_fails_what_misses_its_target():
    table = report.render_table(
        results(
            full=[13.1, 13.2, 13.3],
            incremental=[5.0, 5.0, 5.0],
            query=query_size.QueryBytes([("all", 301 * 1024)], 0, False),
        )
    )
    assert "1.32×" in row(table, "Servicebook full build") and "**FAIL**" in row(table, "Servicebook full build")
    assert "(38% of full)" in row(table, "Servicebook rebuild") and "**FAIL**" in row(table, "Servicebook rebuild")
    assert "rough estimate)" in row(table, "Bytes fetched") and "**FAIL**" in row(table, "Bytes fetched")


def test_serve_rows_hold_the_authors_waits_against_their_targets():
    from servicebook.bench.serve_latency import ServeTimes

    serve = ServeTimes(
        first_build=70.0,
        page=[0.2, 0.4, 0.36, 0.9, 0.25],
        reload=[1.0] * 5,
        page_while_building=[0.3, 0.5],
        site=[1.5, 2.5, 1.9],
        new_post=[1.0, 3.0, 1.5],
        retag=[2.5],
        deleted=[0.8, 1.1],
        rebuilt=[1.9, 2.2, 3.1, 2.1, 2.0, 2.9],
        rebuilt_after=["new post", "re-tag", "deletion"] * 2,
        searched=[0.6, 0.9, 2.5],
        indexed=[1.2, 3.0, 1.4],
        rss_mb=700,
    )
    table = report.render_table(results(posts=5000, serve=serve))
    assert "| 1.50 s |" in row(table, "make serve: new post") and "**pass**" in row(table, "make serve: new post")
    assert "**FAIL**" in row(table, "make serve: that post re-tagged")
    assert "| 0.95 s |" in row(table, "make serve: that post deleted") and "**pass**" in row(
        table, "make serve: that post deleted"
    )
    page = row(table, "make serve: save → edited page served")
    assert "| 0.36 s (worst 0.90 s) |" in page and "≤ 0.5 s median, ≤ 1 s worst" in page and "**pass**" in page
    assert "| 1.90 s |" in row(table, "make serve: newest post retitled") and "**pass**" in row(
        table, "make serve: newest"
    )
    rebuilt = row(table, "make serve: each of those three → the whole rebuild done")
    # Each kind of edit's median beside the whole median: which of them the target waits for.
    assert "| 2.15 s (new post 2.00 s, re-tag 2.10 s, deletion 3.00 s) |" in rebuilt and "**FAIL**" in rebuilt
    assert "| 1.40 s |" in row(table, "make serve: each of those four → the whole search index")
    assert "| 0.90 s |" in row(table, "make serve: each of those four → the search finds it")
    assert "**pass**" in row(table, "make serve: peak memory")
    assert "| 0.40 s (worst 0.50 s) |" in row(table, "make serve: saves 3 s apart")
    # At 1,000 posts the median must be 0.3 s; a worst wait over 1 s fails at any size.
    assert "**FAIL**" in row(report.render_table(results(posts=1000, serve=serve)), "make serve: save")
    slow = ServeTimes(page=[0.2, 0.2, 1.2], reload=[1.0], site=[2.1], rss_mb=1100)
    table = report.render_table(results(posts=5000, serve=slow))
    for start in ("make serve: save → edited", "make serve: newest", "make serve: peak memory"):
        assert "**FAIL**" in row(table, start)


MACHINE = {"cpus": 8, "python": "3.11.7", "pelican": "4.12.0", "date": "2026-01-02", "platform": "Linux x86_64"}


def test_section_names_the_machine_and_versions():
    section = report.render_section(results(), MACHINE)
    assert section.startswith("## 2000 posts\n")
    for text in ("8 cores", "Python 3.11.7", "Pelican 4.12.0", "2026-01-02", "1600 posts, 400 case stories"):
        assert text in section


def test_update_replaces_the_same_size_and_keeps_the_others():
    old_500 = report.render_section(results(posts=500, cases=100), MACHINE)
    old_2000 = report.render_section(results(), MACHINE)
    text = report.update_benchmarks("", 2000, old_2000)
    assert text.startswith("# Benchmarks") and "How to reproduce" in text
    text = report.update_benchmarks(text, 500, old_500)
    assert text.index("## 500 posts") < text.index("## 2000 posts")
    newer = report.render_section(results(plain=[20.0, 20.0, 20.0]), {**MACHINE, "date": "2026-02-03"})
    updated = report.update_benchmarks(text, 2000, newer)
    assert updated.count("## 2000 posts") == 1 and "2026-02-03" in updated and "| 20.00 s |" in updated
    assert old_500.strip() in updated
    assert updated.startswith(report.preamble().strip())
    # A hand-written preamble survives too.
    custom = "# Our numbers\n\nRead this first.\n\n" + old_500
    assert report.update_benchmarks(custom, 2000, newer).startswith("# Our numbers\n\nRead this first.\n")


def test_workspace_paths_stay_inside_its_root(tmp_path):
    ws = measure.Workspace(tmp_path)
    for path in (ws.content, ws.plain_output, ws.output, ws.cache, ws.plain_settings):
        assert Path(path).parent == tmp_path


def test_the_server_is_idle_only_once_every_build_it_began_has_reported():
    from servicebook.bench.serve_latency import is_idle

    lines = ["Built output in 9.0 s. Serving http://127.0.0.1:8000/"]
    assert is_idle(lines)
    lines.append("Rebuilding: content/posts/a.md changed.")
    assert not is_idle(lines)
    lines.append("Built output in 2.0 s. Serving http://127.0.0.1:8000/")
    assert is_idle(lines)
    # A save during that build: one more build after it.
    lines.append("Rebuilding: content/posts/a.md changed.")
    assert not is_idle(lines)


def test_the_retitle_is_awaited_on_every_kind_of_page_that_shows_the_title():
    from servicebook.bench.serve_latency import shown_elsewhere

    post = '<a href="/tag/refunds/">refunds</a> <a href="/tag/rail/">rail</a> <a rel="prev" href="/2024/older/">'
    home = '<link rel="alternate" type="application/atom+xml" title="All" href="/feeds/all.atom.xml">'
    assert shown_elsewhere(post, home) == ["/", "/tag/refunds/", "/2024/older/", "/feeds/all.atom.xml"]
    assert shown_elsewhere("<p>The oldest post, untagged.</p>", "") == ["/"]


def test_the_rebuild_is_done_when_the_first_report_after_the_save_comes():
    from servicebook.bench.serve_latency import Server

    saved = time.monotonic()
    server = Server.__new__(Server)
    server.reports, server.builds, server.lines = [saved - 1, saved + 0.75, saved + 1.5], [saved + 0.5], []
    assert server.wait_for_report_after(saved) == pytest.approx(0.75)
    assert server.wait_for_build_after(saved) == pytest.approx(0.5)
    assert server.builds_reported() == 3


def test_the_search_is_timed_from_the_save_not_after_the_rebuild(tmp_path, monkeypatch):
    import threading
    from collections import defaultdict

    from servicebook.bench.serve_latency import ServeTimes, _new_retag_delete

    class Server:
        """Each wait returns the seconds from the save to its own look; the search has the
        change at once, and the build reports only once the search had it."""

        lock = threading.Lock()
        searched = defaultdict(threading.Event)

        def _searched(self, saved):
            with self.lock:
                return self.searched[saved]

        def builds_reported(self):
            return 0

        def wait_for_text(self, path, text, saved):
            return time.monotonic() - saved

        wait_for_absence = wait_for_text

        def wait_for_report_after(self, saved):
            self._searched(saved).wait(timeout=5)
            return time.monotonic() - saved

        search = SimpleNamespace(read_before_saving=lambda url: None)

        def wait_for_index(self, url, found, saved, searched=False):
            if searched:
                self._searched(saved).set()
            return time.monotonic() - saved

    monkeypatch.setattr(serve_latency, "_settle", lambda server, builds: None)
    newest = tmp_path / "newest.md"
    newest.write_text("Title: Newest\nDate: 2024-05-01 10:00\n\nWords.\n", encoding="utf-8")
    times = ServeTimes()
    _new_retag_delete(Server(), newest, "m", times, say=lambda line: None)
    assert len(times.searched) == len(times.rebuilt) == 3
    assert times.rebuilt_after == ["new post", "re-tag", "deletion"]
    assert all(searched < rebuilt for searched, rebuilt in zip(times.searched, times.rebuilt, strict=True))
