"""Reading sources in worker processes gives exactly the site a one-process build gives, and
loses no warning or error."""

import logging
import pickle

import pytest
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.urlwrappers import Author, Tag

from helpers import build_small_site, daily_posts, output_files, problem_lines
from parallel_read import parallel_read as pr

# More than PARALLEL_READ_MIN_FILES, with what typogrify and markdown both change.
MANY = daily_posts(
    pr.DEFAULTS["PARALLEL_READ_MIN_FILES"] + 4,
    lambda i: f'Body {i}: "quotes" -- dashes... and a [link](https://example.org/{i}).',
)


def same_problems(parallel, serial, tmp_path):
    """The two builds reported the same problems (their folders aside)."""

    def where_removed(build, folder):
        return sorted(problem.replace(str(tmp_path / folder), "") for problem in problem_lines(build))

    return where_removed(parallel, "parallel") == where_removed(serial, "serial")


@pytest.fixture
def prepared(monkeypatch):
    """The number of files each parallel read was given (it happens in this process), on a
    machine with two CPUs whatever this one has."""
    counts = []
    monkeypatch.setattr(pr, "usable_cpus", lambda: 2)

    class Recording(pr.PreparedReads):
        def __init__(self, readers, paths, workers):
            counts.append(len(paths))
            super().__init__(readers, paths, workers)

    monkeypatch.setattr(pr, "PreparedReads", Recording)
    return counts


def test_parallel_and_one_process_builds_make_the_same_site(tmp_path, prepared):
    parallel = build_small_site(tmp_path / "parallel", MANY)
    assert prepared == [len(MANY)]
    serial = build_small_site(tmp_path / "serial", MANY, PARALLEL_READ=False)
    assert prepared == [len(MANY)]
    assert output_files(parallel.output_path) == output_files(serial.output_path)
    assert "&#8220;quotes&#8221;" in (parallel.output_path / "2024" / "p03" / "index.html").read_text()


def test_a_worker_result_has_the_settings_of_this_process_not_a_copy():
    settings = {"SLUG_REGEX_SUBSTITUTIONS": []}
    pickled = pickle.loads(pickle.dumps(("<p>x</p>", {"tags": [Tag("a", settings)], "author": Author("b", settings)})))
    assert pickled[1]["tags"][0].settings is not settings
    content, metadata = pr.with_own_settings(pickled, settings)
    assert content == "<p>x</p>" and metadata["tags"][0].name == "a"
    assert metadata["tags"][0].settings is settings and metadata["author"].settings is settings


def test_the_content_cache_holds_one_settings_for_every_tag_read_in_workers(tmp_path, prepared):
    tagged = {path: text.replace("Title:", "Tags: one, two\nAuthor: Ann\nTitle:", 1) for path, text in MANY.items()}
    found = []

    def settings_in_cache(generator):
        for _, (_, metadata) in generator.readers._cache.values():
            found.extend(id(item.settings) for item in [*metadata.get("tags", []), metadata.get("author")] if item)
        found.append(id(generator.settings))

    signals.article_generator_finalized.connect(settings_in_cache)
    try:
        build_small_site(tmp_path, tagged)
    finally:
        signals.article_generator_finalized.disconnect(settings_in_cache)
    assert prepared == [len(MANY)]
    assert len(found) == 3 * len(MANY) + 1 and set(found) == {found[-1]}


def test_a_rebuild_reads_only_the_changed_files_and_few_files_stay_in_one_process(tmp_path, prepared):
    build_small_site(tmp_path, MANY)
    build_small_site(tmp_path, {"posts/p01.md": MANY["posts/p01.md"] + "\nMore.\n"})
    assert prepared == [len(MANY)]


def test_what_a_worker_logs_reaches_the_build(tmp_path, prepared, monkeypatch):
    read = MarkdownReader.read

    def read_and_warn(self, source_path):  # runs in the forked workers
        if source_path.endswith("p05.md"):
            logging.getLogger("pelican.readers").warning("Odd markup in %s", source_path)
        return read(self, source_path)

    monkeypatch.setattr(MarkdownReader, "read", read_and_warn)
    parallel = build_small_site(tmp_path / "parallel", MANY)
    serial = build_small_site(tmp_path / "serial", MANY, PARALLEL_READ=False)
    assert prepared
    assert [problem for problem in problem_lines(parallel) if "Odd markup in" in problem and "p05.md" in problem]
    assert same_problems(parallel, serial, tmp_path)


def test_a_file_a_worker_cannot_read_is_reported_as_in_one_process(tmp_path, prepared):
    files = {**MANY, "posts/p07.md": MANY["posts/p07.md"].replace("Date: 2024-01-08 10:00", "Date: the eighth")}
    parallel = build_small_site(tmp_path / "parallel", files)
    serial = build_small_site(tmp_path / "serial", files, PARALLEL_READ=False)
    assert prepared
    assert any("p07.md" in problem for problem in problem_lines(parallel))
    assert same_problems(parallel, serial, tmp_path)


def test_with_one_usable_cpu_everything_is_read_in_this_process(tmp_path, prepared, monkeypatch):
    monkeypatch.setattr(pr, "usable_cpus", lambda: 1)
    assert (build_small_site(tmp_path, MANY).output_path / "2024" / "p03" / "index.html").exists()
    assert prepared == []
