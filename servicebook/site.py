"""Build and serve the site: the functions behind `invoke build/serve/publish`."""

import json
import logging
import os
import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError

from servicebook import build_log, problems
from servicebook.hashing import digest
from servicebook.plugin_settings import declare

ROOT = Path(__file__).resolve().parent.parent
PELICANCONF = ROOT / "pelicanconf.py"
PUBLISHCONF = ROOT / "publishconf.py"
OUTPUT = ROOT / "output"


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


def load_settings(settings_file=PELICANCONF, **overrides):
    """The site's settings with Pelican's defaults and every enabled plugin's DEFAULTS (which a
    build applies too, when it starts: tasks read them without building)."""
    from pelican.plugins._utils import load_plugins
    from pelican.settings import read_settings

    overrides = {key: str(value) if isinstance(value, Path) else value for key, value in overrides.items()}
    settings = read_settings(str(settings_file), override=overrides)
    for plugin in load_plugins(settings):
        declare(settings, getattr(plugin, "DEFAULTS", {}))
    return settings


def cache_fingerprint(settings, code_roots=(ROOT / "plugins", ROOT / "servicebook")):
    """What Pelican's content cache depends on but does not check: the markdown and
    typogrify settings, the plugin list and our code (plugins and the package they share).
    Pelican only compares file dates, so a cache made under other settings would serve stale
    pages."""
    found = [
        f"{key}={settings[key]!r}"
        for key in sorted(settings)
        if key.startswith(("MARKDOWN", "TYPOGRIFY", "PLUGINS", "FORMATTED_FIELDS", "SLUG"))
    ]
    found += [source.read_bytes() for root in code_roots for source in sorted(Path(root).rglob("*.py"))]
    return digest(*found)[:12]


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
    _reset_sitemap()
    settings = load_settings(settings_file, **overrides)
    if settings.get("CACHE_CONTENT"):
        settings["CACHE_PATH"] = str(Path(settings["CACHE_PATH"]) / cache_fingerprint(settings))
    collector = build_log.ProblemCollector(settings["PATH"])
    root_logger = logging.getLogger()
    root_logger.addHandler(collector)
    started = time.perf_counter()
    stopped = None
    try:
        Pelican(settings).run()
    except Exception as error:  # noqa: BLE001 - reported below; a bug still raises its traceback
        stopped = error
    finally:
        root_logger.removeHandler(collector)
    found = collector.finish(stopped)
    result = BuildResult(Path(settings["OUTPUT_PATH"]), time.perf_counter() - started, found)
    failing = stopped is not None or (strict and any(p.fails_strict_builds for p in found))
    if settings.get("PROBLEMS_PANEL"):
        write_panel_data(
            result.output_path / settings["PROBLEMS_PANEL_DATA"],
            problems.panel_data(found, ok=not failing, seconds=result.seconds),
        )
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


def write_panel_data(target, data):
    """Write the problem panel's file whole (a page loading meanwhile reads the old one)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, target)


def _reset_sitemap():
    """pelican-sitemap keeps module-level state that only a *successful* build resets; after a
    failed build in the same process (make serve, the tests) it would never write again."""
    sitemap = sys.modules.get("pelican.plugins.sitemap.sitemap")
    if sitemap:
        sitemap.generator._main_pelican = None
        sitemap.generator.page_queue = []


def clean(output_path=OUTPUT, cache_path=ROOT / ".cache"):
    for path in (output_path, cache_path):
        shutil.rmtree(path, ignore_errors=True)


def serve(host="127.0.0.1", port=8000, **overrides):
    """Build, serve the output and rebuild + reload the browser when content or theme change.

    Each rebuild prints its problems; the pages show them too (the problem panel). A path
    with no page gets the site's 404 page, whose panel names the posts that were not built.
    `overrides` are Pelican settings, as for `build` (the tests serve a small site from a
    temporary folder this way)."""
    import livereload.server
    from livereload import Server
    from livereload.handlers import LiveReloadHandler

    # livereload writes an inline <script> into every HTML page it serves, which our CSP
    # blocks (an error in the console of every page); base.html loads livereload.js as a file
    # instead. Its injector class is looked up when the server starts: make it pass pages through.
    livereload.server.LiveScriptInjector = livereload.server.web.OutputTransform
    # livereload skips a reload that comes within 3 s of the last one, leaving the page (and
    # its problem panel) out of date after a quick fix; each rebuild is whole, so reload after each.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0
    settings = load_settings(**overrides)

    def rebuild():
        try:
            # Pages first: the search index follows a few seconds later.
            result = build(LIVERELOAD_PORT=port, SEARCH_INDEX_IN_BACKGROUND=True, **overrides)
        except BuildFailed as error:
            # Keep serving the last good build; the author fixes the file and saves again.
            print(f"{error}\nStill serving the last build on http://{host}:{port}/", flush=True)
        except Exception:  # noqa: BLE001 - whatever broke, the server stays up
            print(traceback.format_exc(), flush=True)
        else:
            print(f"{result.report()} Serving http://{host}:{port}/", flush=True)

    rebuild()
    server = Server()
    server.SFH = _not_found_page_handler()
    watched = [
        Path(settings["PATH"]) / "**" / "*",
        Path(settings["THEME"]) / "**" / "*",
        ROOT / "plugins" / "**" / "*.py",
        PELICANCONF,
    ]
    for pattern in watched:
        server.watch(str(pattern), rebuild)
    server.serve(host=host, port=port, root=settings["OUTPUT_PATH"], open_url_delay=None)


def _not_found_page_handler():
    """livereload's file handler, answering a missing file with the site's 404.html (status
    404), as the public host will: in the dev build, that page's panel says which posts
    could not be built, so a post that failed is never a blank 404."""
    from livereload.handlers import StaticFileHandler

    class NotFoundPageHandler(StaticFileHandler):
        def write_error(self, status_code, **kwargs):
            page = Path(self.root) / "404.html"
            if status_code != 404 or not page.is_file():
                return super().write_error(status_code, **kwargs)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(page.read_bytes())

    return NotFoundPageHandler
