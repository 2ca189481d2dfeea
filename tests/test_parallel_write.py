"""Rendering pages in worker processes gives exactly the site a one-process build gives, writes
every page from the build's process in Pelican's order, and loses no warning or error."""

import logging
import threading
import time
from pathlib import Path

import jinja2
import pytest
from pelican import signals

from helpers import build_small_site, daily_posts, output_files, problem_lines
from parallel_write import parallel_write as pw
from servicebook import site
from servicebook.writing import QUICK_WRITES

MANY = daily_posts(
    12,
    lambda i: f"Body {i}, with a [link to the next]({{filename}}p{(i + 1) % 12:02d}.md).",
    lambda i: f"t{i % 3}, shared",
)
# A link that moves the file it names beside the post (Pelican's {attach}).
MANY["posts/p03.md"] += "\nThe [figures]({attach}../images/figures.csv).\n"
MANY["images/figures.csv"] = "a,b\n1,2\n"


def where_removed(result, tmp_path, folder):
    return sorted(problem.replace(str(tmp_path / folder), "") for problem in problem_lines(result))


@pytest.fixture
def forked(monkeypatch):
    """The number of pages handed to each set of workers (on a machine with two CPUs, whatever
    this one has); every plan of more than one page goes to the workers."""
    counts = []
    monkeypatch.setattr(pw, "usable_cpus", lambda: 2)
    hand_over = pw.Rendering.hand_over

    def recording(rendering, plan):
        counts.append(len(plan) - rendering.handed)
        return hand_over(rendering, plan)

    monkeypatch.setattr(pw.Rendering, "hand_over", recording)
    return counts


def build(tmp_path, folder, files=MANY, **overrides):
    return build_small_site(tmp_path / folder, files, PARALLEL_WRITE_MIN_PAGES=2, **overrides)


def test_pages_rendered_in_workers_make_the_same_site_as_one_process(tmp_path, forked):
    parallel = build(tmp_path, "parallel")
    assert sum(forked) > 30  # every post, list and tag page...
    # The posts' pages went to workers in parts as they were planned, before the lists were.
    assert forked[:4] == [3, 3, 3, 3]
    serial = build(tmp_path, "serial", PARALLEL_WRITE=False)
    assert output_files(parallel.output_path) == output_files(serial.output_path)
    assert (parallel.output_path / "2024" / "p03" / "figures.csv").exists()
    # Every page was announced as written: the sitemap lists each post.
    sitemap = (parallel.output_path / "sitemap.xml").read_text(encoding="utf-8")
    assert all(f"2024/p{i:02d}/" in sitemap for i in range(12))


def test_pages_the_workers_rendered_are_written_while_the_lists_are_still_planned(tmp_path, forked, monkeypatch):
    planned, written = [], {}  # (the generator's rendering, how many of its pages are planned)
    before_page = pw.Rendering.before_page

    def after_the_workers(rendering, plan):
        if rendering.parts:
            rendering.parts[0][0].result()  # as if planning took longer than rendering
        planned.append((rendering, len(plan)))
        return before_page(rendering, plan)

    def note(path, context=None):
        written[Path(path).relative_to(tmp_path / "parallel" / "output").as_posix()] = planned[-1]

    monkeypatch.setattr(pw.Rendering, "before_page", after_the_workers)
    signals.content_written.connect(note)
    try:
        build(tmp_path, "parallel")
    finally:
        signals.content_written.disconnect(note)
    articles = planned[0][0]
    all_planned = max(count for rendering, count in planned if rendering is articles)
    posts = [f"2024/p{i:02d}/index.html" for i in range(12)]
    # Every post's page was written (and announced: the search index hears of it) while the
    # articles generator was still planning its lists, and first, as Pelican writes them.
    assert all(written[post][0] is articles and written[post][1] < all_planned for post in posts)
    assert sorted(list(written)[:12]) == posts


def test_a_rebuild_in_workers_renders_what_a_one_process_rebuild_renders(tmp_path, forked, caplog):
    changed = {"posts/p05.md": MANY["posts/p05.md"].replace("Body 5", "Body five")}
    counts = {}
    for folder, parallel in (("parallel", True), ("serial", False)):
        build(tmp_path, folder, PARALLEL_WRITE=parallel)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="render_cache.render_cache"):
            result = build(tmp_path, folder, files=changed, PARALLEL_WRITE=parallel)
        assert "Body five" in (result.output_path / "2024" / "p05" / "index.html").read_text(encoding="utf-8")
        counts[folder] = [record.args for record in caplog.records if record.msg.startswith("Render cache:")]
    # Two builds, each: the posts in four parts, the rest of the articles generator's outputs, the pages.
    assert len(forked) == 12
    rendered, reused, removed = counts["parallel"][-1]
    assert 1 <= rendered < reused and removed == 0
    assert counts["parallel"] == counts["serial"]


def test_what_a_worker_logs_reaches_the_build(tmp_path, forked, monkeypatch):
    render = jinja2.Template.render

    def render_and_warn(self, *args, **kwargs):  # runs in the forked workers
        context = dict(*args, **kwargs)
        if context.get("output_file") == "2024/p07/index.html":
            logging.getLogger("pelican.writers").warning("Odd page %s", context["output_file"])
        return render(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", render_and_warn)
    parallel = build(tmp_path, "parallel")
    serial = build(tmp_path, "serial", PARALLEL_WRITE=False)
    assert forked
    assert [problem for problem in problem_lines(parallel) if "Odd page 2024/p07/index.html" in problem]
    assert where_removed(parallel, tmp_path, "parallel") == where_removed(serial, tmp_path, "serial")


def test_a_template_error_in_a_worker_is_reported_as_in_one_process(tmp_path, forked):
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    article = (site.ROOT / "theme" / "templates" / "article.html").read_text(encoding="utf-8")
    failing = "{% if article.slug == 'p09' %}{{ article.no.such }}{% endif %}"
    (overrides / "article.html").write_text(
        article.replace("{% block content %}", "{% block content %}" + failing, 1), encoding="utf-8"
    )
    reports = {}
    for folder, parallel in (("parallel", True), ("serial", False)):
        with pytest.raises(site.BuildFailed) as failed:
            build(tmp_path, folder, PARALLEL_WRITE=parallel, THEME_TEMPLATES_OVERRIDES=[str(overrides)])
        reports[folder] = str(failed.value).replace(str(tmp_path / folder), "")
    assert forked
    assert "article.html" in reports["parallel"] and "UndefinedError" in reports["parallel"]
    assert reports["parallel"] == reports["serial"]


def test_with_one_usable_cpu_pages_are_rendered_as_pelican_renders_them(tmp_path, forked, monkeypatch):
    monkeypatch.setattr(pw, "usable_cpus", lambda: 1)
    assert (build(tmp_path, "site").output_path / "2024" / "p03" / "index.html").exists()
    assert forked == []


def test_chunks_cover_every_page_once_in_order():
    for count in (1, 7, 64, 1000, 20001):
        parts = pw.chunks(count, 2)
        assert [index for start, stop in parts for index in range(start, stop)] == list(range(count))
        assert len(parts) <= count and max(stop - start for start, stop in parts) <= 200


class Page:
    def __init__(self, fails=False):
        self.fails = fails

    def produce(self):
        logging.getLogger("somewhere").warning("produced")
        if self.fails:
            raise ValueError("no")
        return "text"


def test_a_failed_page_and_the_rest_of_its_part_are_left_to_the_build_process(monkeypatch):
    monkeypatch.setattr(pw, "_worker_plan", [Page(), Page(fails=True), Page()])
    produced = pw.produce_in_worker(0, 3)
    assert produced[0] == ("text", [("somewhere", logging.WARNING, "produced", (), None)])
    assert produced[1:] == [None, None]


def test_workers_are_not_forked_while_a_quick_page_renders(tmp_path, forked, monkeypatch):
    # A worker forked then would inherit the template cache's lock, held for ever.
    submitted = []

    class Pool(pw.ProcessPoolExecutor):
        def submit(self, *args):
            submitted.append(time.monotonic())
            return super().submit(*args)

    monkeypatch.setattr(pw, "ProcessPoolExecutor", Pool)
    built = []
    with QUICK_WRITES.rendering():
        builder = threading.Thread(target=lambda: built.append(build(tmp_path, "site")))
        builder.start()
        deadline = time.monotonic() + 60
        while not forked and time.monotonic() < deadline:  # the build is about to fork
            time.sleep(0.01)
        time.sleep(0.5)
        released = time.monotonic()
    builder.join(60)
    assert built and forked
    assert min(submitted) >= released
