"""Every build prints every problem, one `file:line: message` line each, grouped by file,
repeats folded, then the counts and the sources that were not published; strict builds fail.

`make build` and `make publish` run for real in a copy of the project; the report itself and
the reading of Pelican's messages are tested as pure functions.
"""

import json
import logging
import shutil
import threading

import pytest

from helpers import ROOT, build_small_site, html_pages, make, parse_html, post, problem_lines, write_content
from servicebook import build_log, site
from servicebook.build_log import ProblemCollector
from servicebook.problems import Problem, format_report, panel_data

pytest_plugins = ["deploy_fixtures"]

BROKEN = {
    "posts/broken-date.md": post("Broken date", "A post with an impossible date.", date="2021-02-31", slug="broken"),
    "posts/wrapped.md": post(
        "Wrapped", "When you run it you will see output\nlike this:\n\n    Built.\n", slug="wrapped"
    ),
}
DATE_LINE = (
    "content/posts/broken-date.md:2: Date: '2021-02-31' is not a date; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM"
)
FATE_LINE = (
    "content/posts/broken-date.md: skipped: not published (Pelican could not read it: '2021-02-31' is not a valid date)"
)


@pytest.fixture(scope="module")
def broken_project(project_copy):
    """The project as a clone has it, with a broken post in content/."""
    write_content(project_copy / "content", BROKEN)
    return project_copy


def test_make_build_prints_the_problem_with_file_line_and_the_posts_fate(broken_project):
    done = make("build", broken_project)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert DATE_LINE in lines and FATE_LINE in lines
    assert lines.index(DATE_LINE) + 1 == lines.index(FATE_LINE)  # grouped by file
    assert "2 warnings in 1 file. Not published: content/posts/broken-date.md." in lines
    assert any(line.startswith("Built ") for line in lines)
    # The wrapped line of prose is on the page, and nothing was said about it.
    page = parse_html(broken_project / "output/2024/wrapped/index.html").select_one(".post-body").get_text(" ")
    assert "you will see output like this:" in " ".join(page.split())
    assert "wrapped.md" not in done.stdout


def test_make_publish_fails_on_the_problem_and_says_it(broken_project):
    done = make("publish", broken_project)
    assert done.returncode != 0
    assert DATE_LINE in done.stderr and FATE_LINE in done.stderr
    assert "The build found problems (a strict build fails on any)." in done.stderr


def test_problems_are_grouped_by_file_with_repeats_folded():
    problems = [
        Problem("content/posts/b.md", 9, "Link", "{filename}x.md points at a missing page"),
        Problem("content/posts/a.md", 7, "Text", "control character U+001B (invisible); delete it"),
        Problem("content/posts/a.md", 3, "Text", "control character U+001B (invisible); delete it"),
        Problem("content/posts/a.md", 12, "Text", "control character U+001B (invisible); delete it"),
        Problem("", 0, "", "Search index: something the site as a whole has"),
        Problem("content/posts/a.md", 0, "skipped", "not published (it has no date)"),
        Problem("content/posts/b.md", 2, "Boilerplate", "'Post a Comment' looks like a footer", "note"),
    ]
    assert format_report(problems) == "\n".join(
        [
            "content/posts/a.md:3: Text: control character U+001B (invisible); delete it (also on lines 7, 12)",
            "content/posts/a.md: skipped: not published (it has no date)",
            "",
            "content/posts/b.md:2: note: Boilerplate: 'Post a Comment' looks like a footer",
            "content/posts/b.md:9: Link: {filename}x.md points at a missing page",
            "",
            "Search index: something the site as a whole has",
            "",
            "6 warnings and 1 note in 2 files. Not published: content/posts/a.md.",
        ]
    )


def test_many_problems_of_one_kind_are_summarised_not_drowned():
    problems = [
        Problem("content/posts/a.md", line, "Link", f"{{filename}}gone{line}.md points at a missing page")
        for line in range(10, 60)
    ]
    lines = format_report(problems).splitlines()
    assert len(lines) == 8  # five shown, one line for the rest, a blank line, the counts
    assert lines[:5] == [str(problem) for problem in problems[:5]]
    assert lines[5] == (
        "content/posts/a.md:15: Link: 45 more like the above, on lines "
        + ", ".join(str(line) for line in range(15, 60))
    )
    assert lines[-1] == "50 warnings in 1 file."


def pelican_record(message, *args, level=logging.ERROR):
    return logging.LogRecord("pelican.generators", level, __file__, 1, message, args, None)


def test_pelicans_messages_become_problems_naming_the_file(tmp_path):
    content = tmp_path / "content"
    write_content(content, {"posts/s.md": "Title: S\nStatus: publised\n\nBody ![](a.png)\n"})
    collector = ProblemCollector(content)
    source = str(content / "posts/s.md")
    collector.emit(
        pelican_record(
            "Unknown status '%s' for file %s, skipping it. (Not in %s)", "publised", source, ("published", "draft")
        )
    )
    collector.emit(pelican_record("Empty alt attribute for image %s in %s", "a.png", source, level=logging.WARNING))
    collector.emit(pelican_record("Unable to find '%s', skipping url replacement.", "gone.md", level=logging.WARNING))
    try:
        raise ValueError("day is out of range for month")
    except ValueError:
        collector.emit(pelican_record("Could not process %s", "posts/s.md"))
    assert [str(p) for p in collector.finish()] == [
        # Shown when the images plugin (which names every image without alt text) is not on.
        "content/posts/s.md:4: Empty alt attribute for image a.png in content/posts/s.md",
        "content/posts/s.md: skipped: not published (Pelican could not read it: day is out of range for month)",
        "content/posts/s.md:2: skipped: not published (Status: 'publised' is not one of published, draft)",
        "Unable to find 'gone.md', skipping url replacement.",
    ]


def test_pelicans_repeat_of_our_own_problem_is_left_out(tmp_path):
    collector = ProblemCollector(tmp_path / "content")
    ours = Problem(
        "content/posts/a.md", 5, "Link", "{filename}gone.md points at a missing page (content/posts/gone.md)"
    )
    collector.problems.append(ours)
    collector.emit(pelican_record("Unable to find '%s', skipping url replacement.", "gone.md", level=logging.WARNING))
    assert collector.finish() == [ours]


def test_a_broken_template_stops_the_build_naming_its_file_and_line(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    base = theme / "templates" / "base.html"
    base.write_text(
        base.read_text(encoding="utf-8").replace("{% block content %}", "{% block content %", 1), encoding="utf-8"
    )
    with pytest.raises(site.BuildFailed) as raised:
        build_small_site(tmp_path, {"posts/a.md": post("A", "Body.", slug="a")}, THEME=theme, SEARCH_INDEX=False)
    line = next(n for n, text in enumerate(base.read_text().splitlines(), 1) if "{% block content %" in text)
    assert f"theme/templates/base.html:{line}: Template: TemplateSyntaxError:" in str(raised.value)


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ('SITENAME = "Unfinished', "SyntaxError: unterminated string literal"),
        ("SITENAME = UNKNOWN_NAME", "NameError: name 'UNKNOWN_NAME' is not defined"),
    ],
)
def test_a_mistake_in_the_settings_file_is_a_problem_at_its_line(tmp_path, mistake, message):
    settings = tmp_path / "pelicanconf.py"
    text = (ROOT / "pelicanconf.py").read_text(encoding="utf-8").rstrip("\n") + "\n"
    settings.write_text(text + mistake + "\n", encoding="utf-8")
    with pytest.raises(site.SettingsFailed) as raised:
        build_small_site(tmp_path, {"posts/a.md": post("A", "Body.", slug="a")}, settings_file=settings)
    [problem] = raised.value.problems
    assert str(problem).startswith(f"pelicanconf.py:{len(text.splitlines()) + 1}: Settings: {message}")
    assert problem.severity == "error" and str(problem) in str(raised.value)


def test_what_pelican_says_of_the_settings_is_a_problem_at_the_settings_file(tmp_path):
    settings = tmp_path / "pelicanconf.py"
    text = (ROOT / "pelicanconf.py").read_text(encoding="utf-8")
    settings.write_text(text + '\nSITEURL = "https://s.example/"\nPLUGINS += ["no_such_plugin"]\n', encoding="utf-8")
    result = build_small_site(
        tmp_path,
        {"posts/a.md": post("A", "Body.", slug="a")},
        settings_file=settings,
        THEME=str(ROOT / "theme"),
        PLUGIN_PATHS=[str(ROOT / "plugins")],
        SEARCH_INDEX=False,
    )
    lines, last = problem_lines(result), len(text.splitlines())
    # At the line that sets what the message is about.
    assert f"pelicanconf.py:{last + 2}: Settings: Removed extraneous trailing slash from SITEURL." in lines
    # Pelican says it once for the settings and again as it builds: shown once, at the settings.
    plugin = "`no_such_plugin`"
    assert [line for line in lines if plugin in line] == [
        f"pelicanconf.py:{last + 3}: Settings: Cannot load plugin {plugin}; Cannot import plugin {plugin}"
    ]


def test_what_other_threads_log_while_the_settings_are_read_is_not_about_them():
    logger = logging.getLogger("somewhere")
    with build_log.settings_messages() as told:
        logger.warning("about the settings")
        other = threading.Thread(target=lambda: logger.warning("the search index, meanwhile"))
        other.start()
        other.join()
    assert told == [("warning", "about the settings")]


def test_a_failure_that_is_not_the_settings_files_shows_its_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("pelican.settings.read_settings", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        site.load_settings()


@pytest.mark.parametrize("target", ["build", "publish"])
def test_make_names_a_mistake_in_the_settings_file_without_a_traceback(project_copy, target):
    # publishconf.py imports pelicanconf.py: the mistake is named where it is.
    settings = project_copy / "pelicanconf.py"
    good = settings.read_text(encoding="utf-8")
    settings.write_text(good.rstrip("\n") + '\nSITENAME = "Unfinished\n', encoding="utf-8")
    try:
        done = make(target, project_copy)
    finally:
        settings.write_text(good, encoding="utf-8")
    printed = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"pelicanconf.py:{len(good.splitlines()) + 1}: Settings: SyntaxError: unterminated string literal" in printed
    assert "The build stopped: fix the settings file." in printed and "Traceback" not in printed


def test_the_panel_file_follows_every_build_even_a_failed_one(tmp_path):
    bad = {"posts/a.md": post("A", "Body.", slug="same"), "posts/b.md": post("B", "Body.", slug="same")}
    with pytest.raises(site.BuildFailed):
        build_small_site(tmp_path, bad, SEARCH_INDEX=False)
    written = json.loads((tmp_path / "output/.servicebook/problems.json").read_text(encoding="utf-8"))
    assert written["ok"] is False
    assert any("content/posts/a.md and content/posts/b.md: Slug:" in p["text"] for p in written["problems"])
    (tmp_path / "content/posts/b.md").unlink()
    result = build_small_site(tmp_path, {}, SEARCH_INDEX=False)
    written = json.loads((result.output_path / ".servicebook/problems.json").read_text(encoding="utf-8"))
    assert written == {**panel_data([], ok=True), "seconds": written["seconds"]}


def test_the_published_site_has_no_panel(published_site, built_site):
    assert (built_site.output_path / ".servicebook/problems.json").is_file()
    assert not (published_site.output_path / ".servicebook").exists()
    for page in html_pages(published_site.output_path):
        assert "problems.js" not in page.read_text(encoding="utf-8"), page


def test_notes_never_fail_a_strict_build(tmp_path):
    result = build_small_site(
        tmp_path, {"posts/a.md": post("A", "Words.\n\nPost a Comment", slug="a")}, strict=True, SEARCH_INDEX=False
    )
    assert [line.split(": ")[1] for line in problem_lines(result)] == ["note"]


def test_files_the_build_cannot_read_are_named(tmp_path):
    files = {"posts/a.md": post("A", "Body.", slug="a"), "posts/notes.txt": "to do", "stray.md": post("S", "Body.")}
    lines = problem_lines(build_small_site(tmp_path, files, SEARCH_INDEX=False))
    assert lines == [
        "content/posts/notes.txt: note: skipped: not published (not a markdown file; name it *.md if it is a post "
        "or page)",
        "content/stray.md: skipped: not published (only files in posts/, cases/, pages/ are read; move it into one "
        "of them)",
    ]
