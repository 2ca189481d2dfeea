"""The render cache's keys: digests of what a page or feed is made of (see render_cache)."""

import functools
import importlib.metadata
import re
import sys
from datetime import date, datetime
from pathlib import Path

from pelican.contents import Content
from pelican.urlwrappers import URLWrapper

import servicebook
from servicebook.contents import contents_in
from servicebook.hashing import digest as _digest

# Bump when the keys below change meaning, so old records are not trusted.
KEY_VERSION = "7"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
# Values whose repr is already stable (exactly these types; subclasses go the long way).
_PLAIN_TYPES = frozenset({type(None), str, bytes, int, float, bool, date, datetime})
# What the output of a template can depend on besides content, theme and plugin code.
_DISTRIBUTIONS = (
    "pelican",
    "jinja2",
    "markdown",
    "typogrify",
    "pelican-neighbors",
    "pelican-related-posts",
)


# Attributes of an article that a summary key need not read again: the settings (covered by
# the build key) and the metadata (in the structure key, which the summary key holds).
# Attributes whose names start with "_" are not shown: Pelican's full text and context
# (covered by the page keys) and the memos plugins keep on an article (ours, the feeds'
# items): a plugin that gives articles something templates show names it without a leading
# underscore.
_NOT_SHOWN = frozenset({"settings", "metadata"})
# Settings that change how a build runs, never what a page looks like: a `make serve`
# rebuild (search index in the background) reuses the pages of `make build`.
OUTPUT_NEUTRAL_SETTINGS = frozenset(
    {
        "SEARCH_INDEX_IN_BACKGROUND",
        "SEARCH_INDEX_TIMEOUT",
        "SEARCH_INDEX_RECENT_PATH",
        "PARALLEL_READ",
        "PARALLEL_READ_MIN_FILES",
        "PARALLEL_WRITE",
        "PARALLEL_WRITE_MIN_PAGES",
        "KEEP_OUTPUTS",
        "RENDER_CACHE",
        "CACHE_CONTENT",
        "LOAD_CONTENT_CACHE",
        "CACHE_PATH",
        "OUTPUT_RECORDS_PATH",
        "CONTENT_CACHING_LAYER",
        "CHECK_MODIFIED_METHOD",
        "GZIP_CACHE",
        "DEBUG",
        "LOG_FILTER",
    }
)


def stable_repr(value, _depth=0, content_key=None):
    """A repr that is the same in every process for equal values: no memory addresses,
    sorted mappings and sets, functions and classes by qualified name; an article or page by
    `content_key(content)`, or else by its source."""
    if _depth > 8:
        return "…"
    kind = type(value)
    if kind in _PLAIN_TYPES:
        # Most of what a key holds (metadata values, dict keys): no function call further.
        return repr(value)
    deeper = _depth + 1
    # Lists and articles first: what keys hold most after plain values (related posts,
    # neighbours, tags); neither is any of the kinds tested after them.
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join([_inner(item, deeper, content_key) for item in value]) + "]"
    if isinstance(value, Content):
        return content_key(value) if content_key else f"{kind.__name__}({value.source_path!r})"
    if isinstance(value, (str, bytes, int, float, bool, date, datetime)):
        return repr(value)
    if isinstance(value, URLWrapper):
        return f"{kind.__name__}({value.name!r})"
    if isinstance(value, dict):
        items = sorted(
            [(_inner(key, deeper, content_key), _inner(item, deeper, content_key)) for key, item in value.items()]
        )
        return "{" + ", ".join([f"{key}: {item}" for key, item in items]) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted([_inner(item, deeper, content_key) for item in value])) + "}"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '?')}.{value.__qualname__}"
    if hasattr(value, "__dict__") and not isinstance(value, type(sys)):
        return f"{kind.__qualname__}{_inner(vars(value), deeper, content_key)}"
    return _ADDRESS.sub("", repr(value))


def _inner(item, depth, content_key):
    """stable_repr of a part of a value, at `depth`."""
    return repr(item) if type(item) in _PLAIN_TYPES and depth <= 8 else stable_repr(item, depth, content_key)


def content_structure_key(content):
    """What a page that is not handed `content` may show of it: its address and metadata
    (title, date, tags, category, author, explicit summary, case facts...): navigation,
    neighbours and related posts are made of these. Kept on the object."""
    if "_structure_key" not in content.__dict__:
        content._structure_key = _digest(
            type(content).__name__, content.url, content.save_as or "", stable_repr(content.metadata)
        )
    return content._structure_key


def value_key(value):
    """A digest of a value a page shows, articles in it by address and metadata."""
    return _digest(stable_repr(value, content_key=content_structure_key))


def content_summary_key(content):
    """What a list page that is handed `content` shows of it: also its summary and every
    attribute Pelican or a plugin gave it (reading time, ...), an attribute that is another
    article (neighbours, related posts) by that article's address and metadata. Kept on the
    object: a build needs it for many pages and feeds."""
    if "_summary_key" not in content.__dict__:
        attributes = {
            key: value for key, value in vars(content).items() if key not in _NOT_SHOWN and not key.startswith("_")
        }
        content._summary_key = _digest(
            content_structure_key(content),
            stable_repr(attributes, content_key=content_structure_key),
            # Pelican cannot summarise an empty body (None); content checks report those.
            (content.summary if content._content else "") or "",
        )
    return content._summary_key


def content_text_key(content):
    """What a page that is handed `content` itself shows of it: its full text too, as pages
    show it (links to other articles and files resolved to their addresses).
    Kept on the object: every feed that lists an article needs it."""
    if "_text_key" not in content.__dict__:
        content._text_key = _digest(content_summary_key(content), (content.content if content._content else "") or "")
    return content._text_key


def inputs_key(inputs, value_key=value_key):
    """A digest of what a page or feed is handed: an article or page by its full text, a
    list of them by what a list shows of each, anything else by `value_key` (a writer
    passes its own, which keys a value handed to many pages once: the casebook hands every
    page of its own the whole facet tree)."""
    parts = []
    for value in inputs:
        if type(value) in _PLAIN_TYPES:
            parts.append(repr(value))
        elif isinstance(value, Content):
            parts.append(content_text_key(value))
        elif isinstance(value, (list, tuple)) and any(isinstance(item, Content) for item in value):
            parts.append(_digest(*map(_listed_key, value)))
        else:
            parts.append(value_key(value))
    return _digest(*parts)


def _listed_key(item):
    """What a list shows of `item`: an article or page by its summary key (read straight
    from the object when kept there: the lists of a build at 5,000 posts hold 230,000 of
    them), anything else by its stable repr."""
    if isinstance(item, Content):
        return item.__dict__.get("_summary_key") or content_summary_key(item)
    return stable_repr(item)


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


def build_key(settings):
    """What every page depends on: settings, theme, code."""
    theme = [settings["THEME"], *settings["THEME_TEMPLATES_OVERRIDES"]]
    return _digest(
        KEY_VERSION,
        stable_repr(
            {key: value for key, value in settings.items() if key.isupper() and key not in OUTPUT_NEUTRAL_SETTINGS}
        ),
        files_key(theme),
        code_key(settings),
    )


def whole_site_key(context):
    """Every article's and page's address and metadata: what a page may show whose
    templates cannot be known before it renders."""
    return _digest(*(content_structure_key(item) for item in contents_in(context)))


def page_key(build, output_file, template_name, handed, context_part="", value_key=value_key):
    """The key of one rendered page; `handed` are the template arguments the writer got
    (the article of an article page, the articles of a tag page, ...), `context_part` the
    key of the other context variables its templates name (`CachedTemplate.context_key`)."""
    return _digest(
        build,
        output_file,
        template_name or "",
        inputs_key([part for name, value in sorted(handed.items()) for part in (name, value)], value_key),
        context_part,
    )


# Template arguments whose articles a page lists by title at most: Pelican hands every tag,
# category and author page the whole site. They count (by address and metadata) only for
# templates that name them, as context variables do.
LISTED_BY_TITLE = frozenset({"all_articles"})


# What Pelican's writer adds to a page's context for a paginated template argument `name`:
# the page's part of the list, its number and the pages around it (all in `shown`).
PAGINATION = ("{}_page", "{}_paginator", "{}_previous_page", "{}_next_page")


def counted(handed, names):
    """The template arguments a key counts, of those `handed` to templates that read the
    variables `names` (None: not known before they render): not those listed by title
    (LISTED_BY_TITLE), nor a list of articles the templates name neither whole nor by page.
    Pelican hands every direct template the whole site's `articles` and `dates`: the tags,
    search and subscribe pages counted 10,000 articles they do not show (and a tag page its
    `dates` as well as its `articles`)."""
    return {
        name: value
        for name, value in handed.items()
        if name not in LISTED_BY_TITLE and (names is None or name in names or not _unnamed_list(name, value, names))
    }


def _unnamed_list(name, value, names):
    """Whether `value`, handed as `name`, is a list of articles that `names` holds neither whole nor by page."""
    is_list = isinstance(value, (list, tuple)) and any(isinstance(item, Content) for item in value)
    return is_list and not any(part.format(name) in names for part in PAGINATION)


def shown(handed, localcontext, whole=frozenset()):
    """The template arguments one page shows, of those a key counts (`counted`): of a
    paginated list, its place among the list's pages, the length of the whole list ("4
    stories in Essays" on every page of a category's list) and that page's part, or the
    whole list if it is among those the templates show `whole` (None: all of them; see
    `lists_shown_whole`)."""
    shown = dict(handed)
    for name in list(shown):
        page = localcontext.get(f"{name}_page")
        if page is not None and hasattr(page, "object_list"):
            if whole is not None and name not in whole:
                shown[name] = list(page.object_list)
            shown[f"{name}_page"] = (page.number, page.paginator.num_pages, page.paginator.count)
    return shown
