"""The edited page first: under `make serve`, a save that changes only the body of a post,
page or case story, or only its title or summary, re-renders that one page from the last
build's site at once, then the other pages and feeds that show what changed, before the whole
rebuild that follows brings everything else up to date (the search index, the sitemap).

A changed header field that can change which pages there are, where they go or what they
list (date, tags, category, author, status, slug, case facts, an alias...) waits for the
whole rebuild, as does a new or deleted file, a theme or settings change and any file that is
not markdown. A title or summary edit that moves the page (a slug made from the title), on a
site ordered by title, or on a post with aliases (whose redirect pages show its title) waits
too. For the changes it takes, the pages are what the whole build will write:

- the text is read as a build reads it (Pelican's readers with our markdown extensions,
  typogrify, and the `content_object_init` plugins: comment footers, heading checks);
- what plugins derive from the text at the generator level (reading time, image copies, the
  preview image) they give the object on `servicebook.signals.content_refreshed`;
- everything else the page shows (neighbours, related posts, tags, navigation) comes from the
  headers of this and other posts, unchanged, so it is what the last build gave the object.

The edited page is rendered with the last build's context and template, as Pelican's
generators render it, and written whole (servicebook.writing). Then, once the last build has
written every output with a reusing writer that kept them (`make serve`: KEEP_OUTPUTS and the
render cache), the edited objects of that build are changed in place and every output it
wrote is keyed again: those whose key changed (its lists, its neighbours' and related posts'
pages, feeds, case pages) are written again (`render_the_rest`). Before that build has
finished, a body edit's page is rendered from a copy of the object, and the rest waits for
the whole rebuild; so does any header edit. Under `make serve` the "last build" is the running
one as soon as its site is whole (its generators finalized), so the server never holds two
sites while pages are rendered.
"""

import contextlib
import copy
import os
import time
from pathlib import Path

from pelican import signals
from pelican.contents import Article, Content
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.utils import get_relative_path, path_to_url, sanitised_join

from servicebook.build_log import QUIET_THREADS
from servicebook.contents import contents_in
from servicebook.hashing import file_stamp, source_stat, stamp_of
from servicebook.signals import content_refreshed, writer_made
from servicebook.writing import QUICK_WRITES, ReusingWriter, template_itself, write_text

QUICK_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
# More edited files than this in one save: the whole build is as quick.
MAX_QUICK_PAGES = 5
# Pages rendered again after an edit changed in place, at most: more (a page's title in every
# page's menu) are as quick in the whole build, which follows anyway.
MAX_PAGES_AGAIN = 500
# Header fields whose change the last build's site takes in place: they change what pages
# show of a content, never which pages there are or what they list.
QUICK_HEADER_FIELDS = frozenset({"title", "summary"})


def header_text(text):
    """The `Key: value` lines of a markdown source: everything before the first blank line."""
    lines = []
    for line in text.lstrip("\ufeff").splitlines():
        if not line.strip():
            break
        lines.append(line.rstrip())
    return "\n".join(lines)


def header_fields(header):
    """{field name, lowercased: its lines} of a header (`header_text`); a line that starts
    with a space continues the field before it, and a line that is no `Key: value` counts
    as a field of its own."""
    fields, name = {}, None
    for line in header.splitlines():
        if name is not None and line[:1] in (" ", "\t"):
            fields[name].append(line.strip())
            continue
        key, colon, value = line.partition(":")
        name = key.strip().lower() if colon else line
        fields.setdefault(name, []).append(value.strip())
    return fields


def changed_fields(old_header, new_header):
    """The names of the fields that differ between two headers."""
    old, new = header_fields(old_header), header_fields(new_header)
    return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def refresh_in_place(old, fresh, fields):
    """Make the last build's object `old` what a build would make of its source now, `fresh`
    being the source read alone: its text and the header `fields` that changed come from
    `fresh`; what the build gave it after reading (neighbours, related posts, tags as
    normalised, case facts) stays; what was worked out from its text or header and kept on
    it (the memos, whose names start with `_`) goes, as do Pelican's memos of its text.
    The caller sends `content_refreshed`, so plugins give it what they derive from it."""
    state = {key: value for key, value in vars(old).items() if not key.startswith("_")}
    # Pelican's own state as read: the text, the summary, the status.
    state.update({key: value for key, value in vars(fresh).items() if key.startswith("_")})
    metadata = dict(old.metadata)
    for field in fields:
        for target, source in ((metadata, fresh.metadata), (state, vars(fresh))):
            if field in source:
                target[field] = source[field]
            else:
                target.pop(field, None)
    state["metadata"] = metadata
    for memo in (Content.get_content.cache, Content.get_summary.cache):
        # A copy of the keys: a build starting on another thread may clear the memo meanwhile.
        for key in list(memo):
            if key and key[0] is old:
                memo.pop(key, None)
    old.__dict__ = state
    # As Pelican does for every content once all are read: links in the formatted fields.
    old.refresh_metadata_intersite_links()


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
        # Once the build has written every output: its writer (see `written_by`).
        self.writer = None
        self.changed_in_place = []
        for content in contents_in(context):
            path = os.path.abspath(content.source_path)
            if not path.endswith(QUICK_SUFFIXES) or not content.save_as:
                continue
            found = source_stat(path)  # as the build first saw it
            if found is None:
                continue
            if found.st_mtime >= build_started:
                header = known.get(path)
            else:
                stamp = stamp_of(found)
                header = known.get(path) if known_stamps.get(path) == stamp else None
                if header is None:
                    header = header_text(_read_text(path) or "")
                    if file_stamp(path) != stamp:  # saved since the build saw it
                        header = known.get(path)
                self.stamps[path] = stamp
            if header is not None:
                self.sources[path] = content
                self.headers[path] = header

    def written_by(self, writer):
        """The build has written every output with `writer`: if it kept them and reuses
        unchanged ones, an edit changes this build's objects in place and writes again
        what they change (see the module's docstring)."""
        if isinstance(writer, ReusingWriter) and writer.kept is not None:
            self.writer = writer

    def _generator_of(self, content):
        kind = ArticlesGenerator if isinstance(content, Article) else PagesGenerator
        return next(generator for generator in self.generators if isinstance(generator, kind))

    def quick_edits(self, paths):
        """{path: (the header fields that changed, the new header)} of the sources among
        `paths` when each is a body edit, or (once the build has written every output) an
        edit of its body and QUICK_HEADER_FIELDS; None when any path is something else
        (another header edit, a new or deleted file, the theme...)."""
        edits = {}
        for path in map(os.path.abspath, paths):
            text = _read_text(path) if path in self.sources else None
            if text is None:
                return None
            header = header_text(text)
            fields = changed_fields(self.headers[path], header)
            if fields and (self.writer is None or not fields <= QUICK_HEADER_FIELDS):
                return None
            edits[path] = fields, header
        return edits if 0 < len(edits) <= MAX_QUICK_PAGES else None

    def render(self, path, fields, header):
        """Re-read the source at `path`, whose header `fields` changed (it is now `header`),
        and write its page; returns the page's path. Raises ValueError when the change must
        wait for the whole build after all."""
        old = self.sources[path]
        generator = self._generator_of(old)
        fresh = generator.readers.read_file(
            base_path=generator.path,
            path=os.path.relpath(path, generator.path),
            content_class=type(old),
            context=generator.context,
        )
        if self.writer is None:
            content = copy.copy(old)
            content._content = fresh._content
        else:
            self._check_in_place(old, fresh, fields)
            refresh_in_place(old, fresh, fields)
            self.headers[path] = header
            self.changed_in_place.append(path)
            content = old
        content_refreshed.send(content, context=generator.context)
        return self._write(content, generator)

    def _check_in_place(self, old, fresh, fields):
        """Raise ValueError unless the change of `fields` leaves every page and list where it is."""
        orders = f"{self.settings.get('ARTICLE_ORDER_BY')} {self.settings.get('PAGE_ORDER_BY')}"
        if (fresh.url, fresh.save_as) != (old.url, old.save_as):
            raise ValueError(f"{old.source_path}: its address changed")
        if old.metadata.get("aliases") and fields:
            raise ValueError(f"{old.source_path}: its redirect pages show its title")
        if any(field in orders for field in fields):
            raise ValueError(f"the site is ordered by {orders}")

    def render_the_rest(self, written):
        """Once contents changed in place: write again every output of the build that shows
        them differently now, but those in `written`; returns their paths."""
        changed = [self.sources[path] for path in self.changed_in_place]
        if not changed:
            return []
        self.changed_in_place = []
        context = self.generators[0].context
        return self.writer.write_again(self.writer.kept, changed, context, written, most=MAX_PAGES_AGAIN)

    def render_lists(self, stop):
        """Render in memory, writing nothing, every page of the build's direct templates (the
        home pages, the archives), so that each article's list entries (the quick_lists
        plugin's) are on it before a build needs them: a build that leaves every page as it was
        renders none (the server's first, on an existing output), and the first new post after
        it rendered all 5,001 at 5,000 posts (0.2–0.8 s); the next build takes them over with
        the other memos (servicebook.kept_content). Stops between pages once `stop()`; returns
        whether it rendered them all."""
        if self.writer is None:
            return True
        direct = {f"{name}.html" for name in self.settings.get("DIRECT_TEMPLATES", ())}
        for output in list(self.writer.kept):
            if template_itself(output.template).name not in direct:
                continue
            # Not while a quick page changes contents in place or plans with the same writer.
            with QUICK_WRITES.held():
                pages = output.pages()
            for page in pages:
                if stop():
                    return False
                with QUICK_WRITES.held():
                    page.rendered()
        return True

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
        kept = self.sources[os.path.abspath(content.source_path)]
        local = context.copy() if content is kept else _with_in_lists(context, kept, content)
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
    """Write the pages of the edits among `paths` from `last_build`; returns the pages
    written, or [] when the save needs the whole build first (see the module's docstring).
    A page that cannot be made this way is left to the whole build, which reports why."""
    if last_build is None:
        return []
    edits = last_build.quick_edits(paths)
    if not edits:
        return []
    # The whole build that follows reports every problem, with its file and line, once.
    with QUIET_THREADS.quiet(), QUICK_WRITES.rendering():
        try:
            return [last_build.render(path, *edit) for path, edit in edits.items()]
        except Exception:  # noqa: BLE001 - the whole build comes next and says what is wrong
            return []


def render_the_rest(last_build, written):
    """After `render_quick_pages` wrote the pages in `written`: every other output that shows
    what it changed (see LastBuild.render_the_rest); returns their paths ([] on a failure:
    the whole build follows)."""
    if last_build is None:
        return []
    with QUIET_THREADS.quiet(), QUICK_WRITES.rendering():
        try:
            return last_build.render_the_rest(written)
        except Exception:  # noqa: BLE001 - the whole build comes next and says what is wrong
            return []


class ServedSite:
    """The LastBuild of the newest build in this process whose site is whole (generators
    finalized), told its writer once that build has written every output (`finalized`).
    `following()` connects it to the builds run inside."""

    def __init__(self):
        self.last = None
        self._started = 0.0
        self._writer = None

    def build_begins(self):
        self._started = time.time()

    def render_lists(self, stop):
        """LastBuild.render_lists of the last build: True when there is none, or when a page
        fails (the next build renders what it needs and reports any problem)."""
        with QUIET_THREADS.quiet():
            try:
                return self.last is None or self.last.render_lists(stop)
            except Exception:  # noqa: BLE001 - see above
                return True

    def _site_made(self, generators):
        self.last = LastBuild(generators, self._started, self.last)
        self._writer = None

    def _writer_made(self, writer):
        self._writer = writer

    def _finished(self, pelican):
        if self.last is not None and self._writer is not None:
            self.last.written_by(self._writer)
        self._writer = None

    @contextlib.contextmanager
    def following(self):
        receivers = (
            (signals.all_generators_finalized, self._site_made),
            (writer_made, self._writer_made),
            (signals.finalized, self._finished),
        )
        for signal, receiver in receivers:
            signal.connect(receiver)
        try:
            yield self
        finally:
            for signal, receiver in receivers:
                signal.disconnect(receiver)
