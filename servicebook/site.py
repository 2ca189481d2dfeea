"""Build and serve the site: the functions behind `invoke build/serve/publish`."""

import json
import logging
import os
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError

from servicebook import build_log, problems
from servicebook.background import BACKGROUND
from servicebook.cache_folders import use_cache_folders
from servicebook.hashing import stats_held
from servicebook.plugin_settings import declare
from servicebook.progress import WRITING, Progress, follow_build
from servicebook.records import JsonRecord, written_later
from servicebook.writing import QUICK_WRITES, write_text

ROOT = Path(__file__).resolve().parent.parent
PELICANCONF = ROOT / "pelicanconf.py"
PUBLISHCONF = ROOT / "publishconf.py"
OUTPUT = ROOT / "output"
PAGES_RECORD = "pages-written.json"
# How `make serve` builds. Pages first: the search index follows a few seconds later. Pages
# rendered in this process (parallel_write off): quick pages render from the last build's
# objects, which a build in worker processes leaves without the texts and summaries the
# workers worked out, and a rebuild's workers take the cores a quick page needs (at 5,000
# posts, 2 cores: a quick page took 0.34 s instead of 0.15 s, a retitle 23 s instead of 13 s).
# The writer keeps what it made every output from, so that a title or summary edit writes
# again what it changes without the whole build (servicebook.quick_page).
SERVE_SETTINGS = {"SEARCH_INDEX_IN_BACKGROUND": True, "PARALLEL_WRITE": False, "KEEP_OUTPUTS": True}


class BuildFailed(RuntimeError):
    """The build stopped, or a strict build found problems; the message is the report."""

    def __init__(self, message, problems):
        super().__init__(message)
        self.problems = problems


@dataclass
class BuildResult:
    output_path: Path
    seconds: float
    problems: list = field(default_factory=list)  # servicebook.problems.Problem

    def report(self):
        """What the terminal shows after a build: every problem, then what was built."""
        done = f"Built {self.output_path} in {self.seconds:.2f} s."
        return done if not self.problems else problems.format_report(self.problems) + "\n" + done


class SettingsFailed(BuildFailed):
    """The settings file could not be read: no build ran (nor wrote the problem panel)."""


def load_settings(settings_file=PELICANCONF, **overrides):
    """The site's settings with Pelican's defaults and every enabled plugin's DEFAULTS (which a
    build applies too, when it starts: tasks read them without building). A mistake in the
    settings file, or a value Pelican refuses, raises SettingsFailed, which names the file and
    line."""
    from pelican.plugins._utils import load_plugins
    from pelican.settings import read_settings

    overrides = {key: str(value) if isinstance(value, Path) else value for key, value in overrides.items()}
    try:
        settings = read_settings(str(settings_file), override=overrides)
    except Exception as error:  # noqa: BLE001 - the author's file; a bug elsewhere raises as it is
        found = build_log.settings_problem(settings_file, error, overrides.get("PATH") or ROOT / "content")
        if found is None:
            raise
        report = problems.format_report([found]) + "\nThe build stopped: fix the settings file."
        raise SettingsFailed(report, [found]) from error
    for plugin in load_plugins(settings):
        declare(settings, getattr(plugin, "DEFAULTS", {}))
    return settings


def build(settings_file=PELICANCONF, *, strict=False, **overrides):
    """Build the site once; `overrides` are Pelican settings (e.g. PATH, OUTPUT_PATH).

    Every problem logged or raised during the build is in the result (see
    servicebook.problems). A build stopped by a problem raises BuildFailed with the whole
    report; with `strict`, so does a build with any warning, so an author sees every problem
    in one run. With PROBLEMS_PANEL (dev builds), the problems are also written for the
    browser's problem panel, whether the build succeeded or not.
    """
    from pelican import Pelican
    from pelican.log import LimitFilter

    # Pelican logs each distinct warning once per process; a rebuild (make serve, the tests)
    # must show an author the problems that are still there.
    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()
    _forget_rendered_contents()
    QUICK_WRITES.build_begins()
    with build_log.settings_messages() as told:
        settings = load_settings(settings_file, **overrides)
    if settings.get("CACHE_CONTENT"):
        use_cache_folders(settings)
    collector = build_log.ProblemCollector(settings["PATH"])
    collector.problems += build_log.settings_problems(told, settings_file, settings["PATH"])
    root_logger = logging.getLogger()
    root_logger.addHandler(collector)
    # How many pages the last build wrote: the total its progress line shows.
    pages_record = JsonRecord(settings, PAGES_RECORD)
    progress = Progress()
    stop_progress = follow_build(progress, pages_record.load({}).get("pages"))
    started = time.perf_counter()
    stopped = None
    try:
        # An earlier build's search index, still being made in the background (make serve),
        # waits until this build is done.
        with BACKGROUND.paused(), stats_held():
            Pelican(settings).run()
    except Exception as error:  # noqa: BLE001 - reported below; a bug still raises its traceback
        stopped = error
    finally:
        root_logger.removeHandler(collector)
        stop_progress()
    if stopped is None:
        pages_record.save({"pages": progress.counts.get(WRITING, 0)})
    found = collector.finish(stopped)
    result = BuildResult(Path(settings["OUTPUT_PATH"]), time.perf_counter() - started, found)
    failing = stopped is not None or (strict and any(p.fails_strict_builds for p in found))
    write_panel(settings, found, ok=not failing, seconds=result.seconds)
    if stopped is not None and not isinstance(stopped, (problems.ProblemsError, TemplateError)):
        raise stopped
    if failing:
        headline = (
            f"The build stopped: {(getattr(stopped, 'headline', '') or 'see the errors above').rstrip(':')}."
            if stopped is not None
            else "The build found problems (a strict build fails on any)."
        )
        raise BuildFailed(problems.format_report(found) + "\n" + headline, found) from stopped
    return result


def write_panel(settings, found, *, ok, seconds=None):
    """With PROBLEMS_PANEL (dev builds), write the problems `found` for the browser's problem
    panel, whole (a page loading meanwhile reads the old file)."""
    if settings.get("PROBLEMS_PANEL"):
        data = json.dumps(problems.panel_data(found, ok=ok, seconds=seconds), ensure_ascii=False)
        write_text(Path(settings["OUTPUT_PATH"]) / settings["PROBLEMS_PANEL_DATA"], data)


def _forget_rendered_contents():
    """Pelican memoizes each article's rendered text in one dict for the whole process, keyed
    by the article: in a long-lived process (make serve) every article of every build would
    stay in memory. A build makes its articles anew, so the old entries only take room."""
    from pelican.contents import Content

    for memo in (Content.get_content.cache, Content.get_summary.cache):
        memo.clear()


def clean(output_path=OUTPUT, cache_path=ROOT / ".cache"):
    for path in (output_path, cache_path):
        shutil.rmtree(path, ignore_errors=True)


def _named(paths, start=os.curdir):
    """`paths` in a message: the first three, relative to `start`, and how many more."""
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return ", ".join(os.path.relpath(path, start) for path in paths[:3]) + more


def serve(host="127.0.0.1", port=8000, settings_file=PELICANCONF, **overrides):
    """Build, serve the output and rebuild (then reload the open pages) when the content, the
    theme or the settings change; a change to our code restarts the server (servicebook.devserver).

    A save that changes only the body of a post or page, or its title or summary, writes that
    page at once, from the last build (servicebook.quick_page), even while a rebuild runs, and
    reloads it; once the last build has finished, the other pages and feeds the change shows on
    follow, then the whole rebuild. Pelican's content cache stays in memory between builds
    (servicebook.kept_content). Each rebuild says what changed and prints its problems; the pages show
    them too (the problem panel). A path with no page gets the site's 404 page, whose panel
    names the posts that were not built. `overrides` are Pelican settings, as for `build`
    (the tests serve a small site from a temporary folder this way)."""
    from servicebook import devserver, quick_page
    from servicebook.kept_content import KeptReaderCaches
    from servicebook.recent_index import RecentIndex, recent_folder

    settings = load_settings(settings_file, **overrides)
    # The search's recent changes (servicebook.recent_index): beside the cache, not in the output.
    recent = recent_folder(settings["CACHE_PATH"])
    overrides = {**overrides, "SEARCH_INDEX_RECENT_PATH": str(recent)}
    served = quick_page.ServedSite()

    def wrote(pages, started, what):
        print(
            f"Wrote {_named(pages, settings['OUTPUT_PATH'])} in {time.perf_counter() - started:.2f} s; {what}.",
            flush=True,
        )

    def quick(paths, reload):
        with BACKGROUND.paused():
            started, last = time.perf_counter(), served.last
            pages = quick_page.render_quick_pages(last, paths)
            if not pages:
                return
            wrote(pages, started, "the rest follows")
            reload()
            started = time.perf_counter()
            rest = quick_page.render_the_rest(last, pages)
            if rest:
                wrote(rest, started, "the whole build follows")
                reload()
            # The search finds the edit too, before the whole build (after the pages: made
            # while they are written, it made the retitled post's lists 0.5 s slower).
            RecentIndex.refresh()

    def rebuild(paths):
        if paths:
            print(f"Rebuilding: {_named(paths)} changed.", flush=True)
        served.build_begins()
        try:
            with written_later():  # written once the server is idle (devserver.Rebuilder)
                result = build(settings_file, **SERVE_SETTINGS, **overrides)
        except BuildFailed as error:
            if isinstance(error, SettingsFailed):
                write_panel(settings, error.problems, ok=False)  # with the last good build's settings
            # Keep serving the last good build; the author fixes the file and saves again.
            print(f"{error}\nStill serving the last build on http://{host}:{port}/", flush=True)
        except Exception:  # noqa: BLE001 - whatever broke, the server stays up
            print(traceback.format_exc(), flush=True)
        else:
            print(f"{result.report()} Serving http://{host}:{port}/", flush=True)

    sources = devserver.Sources(
        folders=[Path(settings["PATH"]), Path(settings["THEME"]), *map(Path, settings["THEME_TEMPLATES_OVERRIDES"])],
        files=[Path(settings_file).resolve()],
        code=[*map(Path, settings["PLUGIN_PATHS"]), Path(__file__).parent],
        ignored=[Path(settings["OUTPUT_PATH"]), Path(settings["CACHE_PATH"])],
    )
    with KeptReaderCaches().installed(), served.following():
        try:
            devserver.run(
                settings["OUTPUT_PATH"],
                rebuild,
                sources,
                host=host,
                port=port,
                quick=quick,
                recent=recent,
                # Each article's list entries, rendered while the server is idle (LastBuild.render_lists).
                warm=served.render_lists,
            )
        finally:
            # Stopped by a rebuild cut short, the search index being written would keep the
            # process from ending (it waits for that index).
            BACKGROUND.let_go()
