"""The edited page first: under `make serve`, a save that changes only the body of a post,
page or case story re-renders that one page from the last build's site at once, before the
whole rebuild that follows brings everything else up to date (lists, feeds, search index).

Only body edits take this path. A changed header (title, date, tags, status, case facts, an
alias...) can change what other pages show and where this one goes, so it waits for the
whole rebuild, as does a new or deleted file, a theme or settings change and any file that is
not markdown. For a body edit the page is what the whole build will write:

- the text is read as a build reads it (Pelican's readers with our markdown extensions,
  typogrify, and the `content_object_init` plugins: comment footers, heading checks);
- what plugins derive from the text at the generator level (reading time, image copies, the
  preview image) they give the new object on `servicebook.signals.content_refreshed`;
- everything else the page shows (neighbours, related posts, tags, navigation) comes from the
  headers of this and other posts, unchanged, so it is what the last build gave the old object.

The page is rendered with the last build's context and template, as Pelican's generators
render it, and written whole (servicebook.writing). Under `make serve` the "last build" is
the running one as soon as its site is whole (its generators finalized), so the server never
holds two sites while pages are rendered. Nothing else is touched: the render cache sees a
page that differs from its record and renders it again in the whole build.
"""

import copy
import os
from pathlib import Path

from pelican.contents import Article
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.utils import get_relative_path, path_to_url, sanitised_join

from servicebook.build_log import QUIET_THREADS
from servicebook.contents import contents_in
from servicebook.hashing import stamp_of
from servicebook.signals import content_refreshed
from servicebook.writing import QUICK_WRITES, write_text

QUICK_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
# More edited files than this in one save: the whole build is as quick.
MAX_QUICK_PAGES = 5


def header_text(text):
    """The `Key: value` lines of a markdown source: everything before the first blank line."""
    lines = []
    for line in text.lstrip("\ufeff").splitlines():
        if not line.strip():
            break
        lines.append(line.rstrip())
    return "\n".join(lines)


def _read_text(path):
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


class LastBuild:
    """What the last successful build in this process left: its article and page generators
    (their context holds the whole site) and, per source, its object and header."""

    def __init__(self, generators, build_started, previous=None):
        """`build_started`: when the build began (time.time()). The header each object was
        read with is the file's, unless the file was saved since the build began: then it is
        the header the `previous` LastBuild knew (a build reads a file saved since the one
        before it, with the header that save gave it), or, without one, the source waits
        for the next whole build. A file the `previous` LastBuild read and that has not
        changed since (by its stamp) is not read again: reading every header took 0.5 s of
        each rebuild at 5,000 posts, before its pages were written."""
        self.generators = [generator for generator in generators if hasattr(generator, "readers")]
        context = self.generators[0].context if self.generators else {}
        self.settings = self.generators[0].settings if self.generators else {}
        known = previous.headers if previous is not None else {}
        known_stamps = previous.stamps if previous is not None else {}
        self.sources, self.headers, self.stamps = {}, {}, {}
        for content in contents_in(context):
            path = os.path.abspath(content.source_path)
            if not path.endswith(QUICK_SUFFIXES) or not content.save_as:
                continue
            try:
                found = os.stat(path)
            except OSError:
                continue
            if found.st_mtime >= build_started:
                header = known.get(path)
            else:
                stamp = stamp_of(found)
                header = known.get(path) if known_stamps.get(path) == stamp else None
                if header is None:
                    header = header_text(_read_text(path) or "")
                self.stamps[path] = stamp
            if header is not None:
                self.sources[path] = content
                self.headers[path] = header

    def _generator_of(self, content):
        kind = ArticlesGenerator if isinstance(content, Article) else PagesGenerator
        return next(generator for generator in self.generators if isinstance(generator, kind))

    def body_edits(self, paths):
        """The sources among `paths` whose body alone changed ({path: new text}); None when any
        path is something else (a header edit, a new or deleted file, the theme...)."""
        edits = {}
        for path in map(os.path.abspath, paths):
            text = _read_text(path) if path in self.sources else None
            if text is None or header_text(text) != self.headers[path]:
                return None
            edits[path] = text
        return edits if 0 < len(edits) <= MAX_QUICK_PAGES else None

    def render(self, path):
        """Re-read the source at `path` and write its page; returns the page's path."""
        old = self.sources[path]
        generator = self._generator_of(old)
        fresh = generator.readers.read_file(
            base_path=generator.path,
            path=os.path.relpath(path, generator.path),
            content_class=type(old),
            context=generator.context,
        )
        content = copy.copy(old)
        content._content = fresh._content
        content_refreshed.send(content, context=generator.context)
        return self._write(content, generator)

    def _write(self, content, generator):
        """Render `content`'s page as Pelican's generators do (generate_articles,
        generate_drafts, PagesGenerator.generate_output) and write it whole."""
        if isinstance(content, Article):
            handed = {"article": content, "category": getattr(content, "category", None), "blog": True}
            if content.status == "draft":
                handed["all_articles"] = generator.articles
        else:
            handed = {"page": content}
        context = generator.context
        local = _with_in_lists(context, self.sources[os.path.abspath(content.source_path)], content)
        local["localsiteurl"] = context.get("localsiteurl")
        if self.settings["RELATIVE_URLS"]:
            local["SITEURL"] = local["localsiteurl"] = path_to_url(get_relative_path(content.save_as))
        local["output_file"] = content.save_as
        local.update(handed)
        html = generator.get_template(content.template).render(local)
        target = sanitised_join(self.settings["OUTPUT_PATH"], content.save_as)
        write_text(target, html)
        QUICK_WRITES.wrote(target)
        return target


def _with_in_lists(context, old, new):
    """A copy of `context` whose lists hold `new` where they held `old` (a template that
    compares the page it renders with a list's items, as the menu does, finds it there)."""
    swapped = context.copy()
    for key, value in context.items():
        if isinstance(value, list) and any(item is old for item in value):
            swapped[key] = [new if item is old else item for item in value]
    return swapped


def render_quick_pages(last_build, paths):
    """Write the pages of the body edits among `paths` from `last_build`; returns the pages
    written, or [] when the save needs the whole build first (see the module's docstring).
    A page that cannot be made this way is left to the whole build, which reports why."""
    if last_build is None:
        return []
    edits = last_build.body_edits(paths)
    if not edits:
        return []
    # The whole build that follows reports every problem, with its file and line, once.
    with QUIET_THREADS.quiet(), QUICK_WRITES.rendering():
        try:
            return [last_build.render(path) for path in edits]
        except Exception:  # noqa: BLE001 - the whole build comes next and says what is wrong
            return []
