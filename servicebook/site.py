"""Build and serve the site: the functions behind `invoke build/serve/publish`."""

import hashlib
import logging
import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PELICANCONF = ROOT / "pelicanconf.py"
PUBLISHCONF = ROOT / "publishconf.py"
OUTPUT = ROOT / "output"


class BuildFailed(RuntimeError):
    """A strict build logged warnings or errors; the message lists them all."""


@dataclass
class BuildResult:
    output_path: Path
    seconds: float
    problems: list = field(default_factory=list)


class _ProblemCollector(logging.Handler):
    """Keeps every warning and error Pelican and our plugins log during one build."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


def load_settings(settings_file=PELICANCONF, **overrides):
    from pelican.settings import read_settings

    overrides = {key: str(value) if isinstance(value, Path) else value for key, value in overrides.items()}
    return read_settings(str(settings_file), override=overrides)


def cache_fingerprint(settings, plugin_root=ROOT / "plugins"):
    """What Pelican's content cache depends on but does not check: the markdown and
    typogrify settings, the plugin list and our plugins' code. Pelican only compares file
    dates, so a cache made under other settings would serve stale pages."""
    digest = hashlib.sha1()
    for key in sorted(settings):
        if key.startswith(("MARKDOWN", "TYPOGRIFY", "PLUGINS", "FORMATTED_FIELDS", "SLUG")):
            digest.update(f"{key}={settings[key]!r}".encode())
    for source in sorted(Path(plugin_root).rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def build(settings_file=PELICANCONF, *, strict=False, **overrides):
    """Build the site once; `overrides` are Pelican settings (e.g. PATH, OUTPUT_PATH).

    With `strict`, any warning or error logged during the build raises BuildFailed listing
    them all, so an author sees every problem in one run.
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
    collector = _ProblemCollector()
    root_logger = logging.getLogger()
    root_logger.addHandler(collector)
    started = time.perf_counter()
    try:
        Pelican(settings).run()
    except Exception as error:
        # Plugins that validate content (e.g. the casebook) raise with a list of problems.
        if getattr(error, "problems", None):
            raise BuildFailed("\n".join([*collector.messages, str(error)])) from error
        raise
    finally:
        root_logger.removeHandler(collector)
    result = BuildResult(Path(settings["OUTPUT_PATH"]), time.perf_counter() - started, collector.messages)
    if strict and result.problems:
        raise BuildFailed("The build reported problems:\n" + "\n".join(result.problems))
    return result


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

    `overrides` are Pelican settings, as for `build` (the tests serve a small site from a
    temporary folder this way)."""
    import livereload.server
    from livereload import Server

    # livereload writes an inline <script> into every HTML page it serves, which our CSP
    # blocks (an error in the console of every page); base.html loads livereload.js as a file
    # instead. Its injector class is looked up when the server starts: make it pass pages through.
    livereload.server.LiveScriptInjector = livereload.server.web.OutputTransform
    settings = load_settings(**overrides)

    def rebuild():
        try:
            # Pages first: the search index follows a few seconds later.
            result = build(LIVERELOAD_PORT=port, SEARCH_INDEX_IN_BACKGROUND=True, **overrides)
        except Exception as error:  # noqa: BLE001 - whatever broke, the server stays up
            # Keep serving the last good build; the author fixes the file and saves again.
            print(error if isinstance(error, BuildFailed) else traceback.format_exc(), flush=True)
            return
        print(f"Built in {result.seconds:.2f} s; serving http://{host}:{port}/", flush=True)

    rebuild()
    server = Server()
    watched = [Path(settings["PATH"]) / "**" / "*", Path(settings["THEME"]) / "**" / "*",
               ROOT / "plugins" / "**" / "*.py", PELICANCONF]
    for pattern in watched:
        server.watch(str(pattern), rebuild)
    server.serve(host=host, port=port, root=settings["OUTPUT_PATH"], open_url_delay=None)
