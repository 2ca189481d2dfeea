"""Re-render only the pages whose inputs changed since the last build.

Pelican's content cache spares re-reading unchanged sources, but every rebuild still renders
every template: after a one-word edit, thousands of pages go through Jinja again (most of a
rebuild). This plugin gives Pelican a writer that keys each rendered page by what it depends
on and reuses the page already in the output when the key is unchanged:

  site key   the settings, the theme's files, the plugins' code, the Pelican and Jinja
             versions, and every article's and page's address and metadata (title, date,
             tags, explicit summary, case facts): what navigation, neighbours and related
             posts are made of;
  page key   the site key, the output path, the template, and what the page is handed:
             the full text of its article or page, and for each article it lists (a tag,
             category, index or casebook page) its summary and the attributes plugins give
             it (reading time, ...).

So editing a body re-renders that article's page, and the lists that show it if its
automatic summary or reading time changed; editing a title, tag, date or explicit summary
re-renders everything, as does any change to the theme, settings or plugins. A page is reused
only when the file in the output still has the exact bytes this cache recorded, so deleting
or editing an output file makes it render again. Pages are still written and still announced
with `content_written`, so other plugins (sitemap, search) see every page as before.

The assumption: a template shows the full text of an article only when the article is handed
to it, and its automatic summary or reading time only when it is handed, alone or in a list
(of a paginated list, on the page that lists it; `all_articles` by title at most); anything
else it shows of other articles is metadata. Our theme (and the casebook, which
hands its pages their cases) holds to that; a template that breaks it must not use this
cache.

Settings: RENDER_CACHE (default True) works when CACHE_CONTENT is on; the record lives in
CACHE_PATH/render-cache.json.
"""

import functools
import importlib.metadata
import logging
import re
import sys
from datetime import date, datetime
from pathlib import Path

from pelican import signals
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper

import servicebook
from servicebook.contents import contents_in
from servicebook.hashing import digest as _digest
from servicebook.plugin_settings import declare
from servicebook.records import JsonRecord
from servicebook.signals import content_refreshed
from servicebook.writing import ReusingWriter, write_text

logger = logging.getLogger(__name__)

DEFAULTS = {"RENDER_CACHE": True}  # works when CACHE_CONTENT is on
RECORD_NAME = "render-cache.json"
# Bump when the keys below change meaning, so old records are not trusted.
KEY_VERSION = "4"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
# What the output of a template can depend on besides content, theme and plugin code.
_DISTRIBUTIONS = (
    "pelican",
    "jinja2",
    "markdown",
    "typogrify",
    "pelican-sitemap",
    "pelican-neighbors",
    "pelican-related-posts",
)


# Attributes of an article that are not what pages show of it: the settings (covered by the
# site key). Attributes whose names start with "_" are not shown either: Pelican's full text
# and context (covered by the page and site keys) and the memos plugins keep on an article
# (ours, the feeds' items): a plugin that gives articles something templates show names it
# without a leading underscore.
_NOT_SHOWN = frozenset({"settings"})
# Settings that change how a build runs, never what a page looks like: a `make serve`
# rebuild (search index in the background) reuses the pages of `make build`.
OUTPUT_NEUTRAL_SETTINGS = frozenset(
    {
        "SEARCH_INDEX_IN_BACKGROUND",
        "SEARCH_INDEX_TIMEOUT",
        "PARALLEL_READ",
        "PARALLEL_READ_MIN_FILES",
        "RENDER_CACHE",
        "CACHE_CONTENT",
        "LOAD_CONTENT_CACHE",
        "CACHE_PATH",
        "CONTENT_CACHING_LAYER",
        "CHECK_MODIFIED_METHOD",
        "GZIP_CACHE",
        "DEBUG",
        "LOG_FILTER",
    }
)


def stable_repr(value, _depth=0):
    """A repr that is the same in every process for equal values: no memory addresses,
    sorted mappings and sets, functions and classes by qualified name."""
    if _depth > 8:
        return "…"
    deeper = _depth + 1
    if value is None or isinstance(value, (str, bytes, int, float, bool, date, datetime)):
        return repr(value)
    if isinstance(value, URLWrapper):
        return f"{type(value).__name__}({value.name!r})"
    if isinstance(value, dict):
        items = sorted((stable_repr(key, deeper), stable_repr(item, deeper)) for key, item in value.items())
        return "{" + ", ".join(f"{key}: {item}" for key, item in items) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(stable_repr(item, deeper) for item in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(stable_repr(item, deeper) for item in value) + "]"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '?')}.{value.__qualname__}"
    if isinstance(value, Content):
        return f"{type(value).__name__}({value.source_path!r})"
    if hasattr(value, "__dict__") and not isinstance(value, type(sys)):
        return f"{type(value).__qualname__}{stable_repr(vars(value), deeper)}"
    return _ADDRESS.sub("", repr(value))


def content_structure_key(content):
    """What any page may show of `content`: its address and metadata (title, date, tags,
    category, author, explicit summary, case facts...): navigation, neighbours and related
    posts are made of these."""
    return _digest(type(content).__name__, content.url, content.save_as or "", stable_repr(content.metadata))


def content_summary_key(content):
    """What a list page that is handed `content` shows of it: also its summary and every
    attribute Pelican or a plugin gave it (reading time, neighbours, related posts, ...).
    Kept on the object: a build needs it for many pages and feeds."""
    if "_summary_key" not in content.__dict__:
        attributes = {
            key: value for key, value in vars(content).items() if key not in _NOT_SHOWN and not key.startswith("_")
        }
        content._summary_key = _digest(
            content_structure_key(content),
            stable_repr(attributes),
            # Pelican cannot summarise an empty body (None); content checks report those.
            (content.summary if content._content else "") or "",
        )
    return content._summary_key


def content_text_key(content):
    """What a page that is handed `content` itself shows of it: its full text too.
    Kept on the object: every feed that lists an article needs it."""
    if "_text_key" not in content.__dict__:
        content._text_key = _digest(content_summary_key(content), content._content or "")
    return content._text_key


def inputs_key(inputs):
    """A digest of what a page or feed is handed: an article or page by its full text, a
    list of them by what a list shows of each, anything else by value."""
    parts = []
    for value in inputs:
        if isinstance(value, Content):
            parts.append(content_text_key(value))
        elif isinstance(value, (list, tuple)) and any(isinstance(item, Content) for item in value):
            parts.append(
                _digest(
                    *(content_summary_key(item) if isinstance(item, Content) else stable_repr(item) for item in value)
                )
            )
        else:
            parts.append(stable_repr(value))
    return _digest(*parts)


def files_key(folders, pattern="*"):
    """A digest of every file (path and bytes) under `folders`."""
    files = [
        path
        for folder in folders
        for path in sorted(Path(folder).rglob(pattern))
        if path.is_file() and "__pycache__" not in path.parts
    ]
    return _digest(*(part for path in files for part in (str(path), path.read_bytes())))


def code_key(settings):
    return _code_key(tuple(settings["PLUGIN_PATHS"]))


@functools.lru_cache(maxsize=8)
def _code_key(plugin_paths):
    """Our plugins' code, the servicebook package they share, and the versions of the
    libraries that shape the output. Once per process: that is the code that runs (a
    `make serve` process does not reload plugins)."""
    versions = []
    for name in _DISTRIBUTIONS:
        try:
            versions.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    return _digest(files_key([*plugin_paths, Path(servicebook.__file__).parent], "*.py"), *versions)


def site_key(settings, context):
    theme = [settings["THEME"], *settings["THEME_TEMPLATES_OVERRIDES"]]
    return _digest(
        KEY_VERSION,
        stable_repr(
            {key: value for key, value in settings.items() if key.isupper() and key not in OUTPUT_NEUTRAL_SETTINGS}
        ),
        files_key(theme),
        code_key(settings),
        *(content_structure_key(item) for item in contents_in(context)),
    )


def page_key(site, output_file, template_name, handed):
    """The key of one rendered page; `handed` are the template arguments the writer got
    (the article of an article page, the articles of a tag page, ...)."""
    return _digest(
        site,
        output_file,
        template_name or "",
        inputs_key([part for name, value in sorted(handed.items()) for part in (name, value)]),
    )


# Template arguments whose articles a page lists by title and address at most (covered by
# the site key): Pelican hands every tag, category and author page the whole site.
_LISTED_BY_TITLE = frozenset({"all_articles"})


def shown(handed, localcontext):
    """The template arguments one page shows: of a paginated list, that page's part."""
    shown = {name: value for name, value in handed.items() if name not in _LISTED_BY_TITLE}
    for name in list(shown):
        page = localcontext.get(f"{name}_page")
        if page is not None and hasattr(page, "object_list"):
            shown[name] = list(page.object_list)
    return shown


class RenderRecord:
    """output file -> [page key, digest of the bytes written, source of its article or page],
    kept in CACHE_PATH; and what this build wrote, to remove what it no longer writes."""

    def __init__(self, settings):
        self.record = JsonRecord(settings, RECORD_NAME)
        self.rendered = self.reused = 0
        self.pages = self.record.load({})
        self.produced = set()
        self.built_sources = set()

    def reuse(self, output_path, output_file, key):
        """The page's text if its key is unchanged and the output file is what we wrote."""
        recorded = self.pages.get(output_file)
        if not recorded or recorded[0] != key:
            return None
        try:
            data = (Path(output_path) / output_file).read_bytes()
        except OSError:
            return None
        if _digest(data) != recorded[1]:
            return None
        self.reused += 1
        self.produced.add(output_file)
        return data.decode("utf-8")

    def remember(self, output_file, key, text, source=""):
        self.rendered += 1
        self.produced.add(output_file)
        self.pages[output_file] = [key, _digest(text.encode("utf-8", "surrogatepass")), source]

    def remove_stale(self, output_path):
        """Delete the pages and feeds an earlier build wrote and this one did not (a deleted
        post, a tag no post has now, a list page fewer): the output then holds what a clean
        build writes. A file changed since it was written is not ours to delete; the page of
        a source this build could not read stays (the problem panel says it is left over)."""
        removed = 0
        for output_file in sorted(set(self.pages) - self.produced):
            source = self.pages[output_file][2] if len(self.pages[output_file]) > 2 else ""
            if source and source not in self.built_sources and Path(source).exists():
                continue
            path = Path(output_path) / output_file
            try:
                if _digest(path.read_bytes()) == self.pages[output_file][1]:
                    path.unlink()
                    removed += 1
                    _remove_empty_folders(path.parent, Path(output_path))
            except OSError:
                pass
            del self.pages[output_file]
        return removed

    def save(self):
        self.record.save(self.pages)


def _remove_empty_folders(folder, root):
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


class CachedTemplate:
    """Stands in for a Jinja template in Pelican's writer: renders only on a cache miss."""

    def __init__(self, template, writer, handed):
        self.template = template
        self.writer = writer
        self.handed = handed

    def render(self, localcontext):
        writer = self.writer
        output_file = localcontext["output_file"]
        key = page_key(writer._site_key, output_file, self.template.name, shown(self.handed, localcontext))
        text = writer.record.reuse(writer.output_path, output_file, key)
        if text is None:
            logger.debug("Render cache: rendering %s", output_file)
            text = self.template.render(localcontext)
            content = self.handed.get("article") or self.handed.get("page")
            writer.record.remember(output_file, key, text, getattr(content, "source_path", "") or "")
        return text

    def __getattr__(self, name):
        return getattr(self.template, name)


class CachingWriter(ReusingWriter):
    record = None

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        self._site_key = None
        if enabled(self.settings):
            self.record = RenderRecord(self.settings)
            _open_records.append(self.record)

    def _site_key_for(self, context):
        if self._site_key is None:
            # The build's whole context; a page's local context may hold a subset.
            self._site_key = site_key(self.settings, context)
            if self.record is not None:
                self.record.built_sources = {content.source_path for content in contents_in(context)}
        return self._site_key

    def write_file(self, name, template, context, *args, **kwargs):
        if self.record is not None and name:
            self._site_key_for(context)
            template = CachedTemplate(template, self, kwargs)
        return super().write_file(name, template, context, *args, **kwargs)

    def write_generated(self, output_file, inputs, render, context):
        """Write `render()` to `output_file` (relative to the output) unless `inputs` (the
        articles and values it is made from) are those of the last build and the file is
        still as written then. For outputs Pelican's templates do not make (feeds)."""
        path = Path(self.output_path) / output_file
        key = None
        if self.record is not None:
            key = _digest(self._site_key_for(context), output_file, inputs_key(inputs))
            if self.record.reuse(self.output_path, output_file, key) is not None:
                return path
        text = render()
        write_text(path, text)
        if key is not None:
            self.record.remember(output_file, key, text)
        return path


_open_records = []


def enabled(settings):
    return bool(settings["RENDER_CACHE"] and settings["CACHE_CONTENT"])


def provide_writer(pelican):
    """get_writer: once per build, before anything is written."""
    _open_records.clear()
    return CachingWriter


def save_records(pelican):
    """finalized: remove what this (successful) build no longer writes; keep what it
    rendered, for the next one."""
    while _open_records:
        record = _open_records.pop()
        removed = record.remove_stale(pelican.settings["OUTPUT_PATH"])
        record.save()
        logger.info(
            "Render cache: %d pages rendered, %d reused, %d no longer built removed",
            record.rendered,
            record.reused,
            removed,
        )


def forget_keys(content, context=None):
    """content_refreshed: a content re-read alone has a new text; its kept keys are the old one's."""
    content.__dict__.pop("_summary_key", None)
    content.__dict__.pop("_text_key", None)


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)


def register():
    signals.initialized.connect(declare_settings)
    signals.get_writer.connect(provide_writer)
    signals.finalized.connect(save_records)
    content_refreshed.connect(forget_keys)
