"""Re-render only the pages whose inputs changed since the last build.

Pelican's content cache spares re-reading unchanged sources, but every rebuild still renders
every template: after a one-word edit, thousands of pages go through Jinja again (most of a
rebuild). This plugin gives Pelican a writer that keys each rendered page by what it depends
on and reuses the page already in the output when the key is unchanged:

  build key  the settings, the theme's files, the plugins' code, the Pelican and Jinja
             versions: any change to them renders every page again;
  page key   the build key, the output path, the template, and what the page shows:
             - what it is handed: the full text of its article or page (as the page shows
               it, links to other contents resolved), and for each article it lists (a tag,
               category, index or casebook page) its summary and the attributes Pelican and
               plugins give it (reading time, ...); an attribute that is another article
               (neighbours, related posts, translations) counts by that article's address
               and metadata; a page of a paginated list counts the articles it lists, its
               place among the pages and the whole list's length (each page of a tag's
               list says how many stories it has), or the whole list where its templates
               show more of it than that (`template_reading.lists_shown_whole`);
             - every other context variable its templates (and those they extend, include
               or import) name: the menu's `pages`, an `articles` or `tags` a template shows
               without being handed it; articles in them count by address and metadata.
             A list of articles it is handed but its templates name neither whole nor by
             page does not count (Pelican hands the search page the whole site's).

So editing a body re-renders that article's page, and the lists that show it if its
automatic summary or reading time changed; a retitle re-renders the pages that show that
article (its own, its neighbours', the posts that relate to it, the lists and feeds it is in),
not the whole site; any change to the theme, settings or plugins renders everything. A page is
reused only when the file in the output still has the exact bytes this cache recorded, so
deleting or editing an output file makes it render again; a reused page is not written again.
Reused pages are still announced with `content_written`, so other plugins (sitemap, search)
see every page as before.

A whole call of the writer is keyed first (a page, or every page of a paginated list: the
call key is what its pages' keys are made of, the list whole). When the call key is the last
build's and every file the call wrote then still has the stamp noted when it was written or
last found as written, the call's pages are left as they are without Pelican's writer paginating,
copying the context for, and keying each of them: most of what a rebuild with few changes
spent on 8,800 outputs at 5,000 posts. A build that plans its pages (every core:
parallel_write) and a call that may write over another's output (Pelican's
`override_output`: template pages) go page by page. Under `make serve` such a call is kept
whole (`KeptCall`), and planned page by page again only if a quick edit changed its key.

The assumption: a template shows other articles only through what it is handed, the articles
those point to (one step: `article.prev_article.title`) and the context variables it names;
and a filter or global function reads nothing but its arguments. A template that names
another template at render time (`{% include var %}`), or that may go further than one step
(`article.prev_article.next_article`, the neighbour of a related post, a macro that follows
a link from its parameter called with a linked article: `template_reading`), gets a key over
every article's address and metadata. Our theme (and the casebook, which hands its pages their cases) holds to that (a
test reads its templates); a filter that reads more than its arguments must not use this cache.

Settings: RENDER_CACHE (default True) works when CACHE_CONTENT is on; the records live in
render-cache.json and render-calls.json with the build's other records of the output
(servicebook.cache_folders), so a build under new code or settings, which renders every page
again, still removes the pages the last build wrote and this one does not.
"""

import functools
import logging
import os
from pathlib import Path

from pelican import signals
from pelican.contents import Content
from pelican.utils import sanitised_join

from servicebook.contents import content_objects, contents_in
from servicebook.hashing import digest as _digest
from servicebook.plugin_settings import declare
from servicebook.process_memo import ProcessMemo
from servicebook.signals import content_refreshed
from servicebook.writing import Discarded, ReusingWriter

from .keys import (
    PAGINATION,
    build_key,
    counted,
    inputs_key,
    page_key,
    shown,
    value_key,
    whole_site_key,
)
from .record import RenderRecord, StampNoted
from .template_reading import lists_shown_whole, template_names

logger = logging.getLogger(__name__)

DEFAULTS = {"RENDER_CACHE": True}  # works when CACHE_CONTENT is on
_ABSENT = object()
# What Pelican's generators hand the page of an article or page: the content and values of it.
_OWN_PAGE_ARGUMENTS = frozenset({"article", "page", "category", "url", "override_output", "blog", "relative_urls"})


# What Pelican's writer sets in each page's context from the page's output path and the
# settings, both in every key.
_WRITER_NAMES = frozenset({"output_file", "localsiteurl"})
# The context's lists of (tag, category or author, its articles), each with pages of its own.
_WRAPPER_KINDS = ("tags", "categories", "authors")


@functools.lru_cache(maxsize=1024)
def _context_names(names, shown_names, handed_names):
    """The context variables of `names` (a template's) that a page key counts besides the
    template arguments in `shown_names`, sorted: neither those, nor what Pelican's writer
    adds for each of its arguments (pagination) or for each page (`_WRITER_NAMES`)."""
    pagination = {pattern.format(name) for name in handed_names for pattern in PAGINATION}
    return tuple(sorted(names - shown_names - pagination - _WRITER_NAMES))


class CachedTemplate:
    """Stands in for a Jinja template in Pelican's writer: renders only on a cache miss."""

    def __init__(self, template, writer, handed):
        self.template = template
        self.writer = writer
        self.handed = handed

    def context_key(self, shown_names, scope, context):
        """The key of what the page's templates name besides the arguments in `shown_names`:
        context variables, looked up in `scope`, then `context` (settings aside: they are in
        the build key)."""
        names = self.writer.names_in(self.template)
        if names is None:
            return self.writer.whole_site_key(context)
        settings = self.writer.settings
        parts = []
        for name in _context_names(names, frozenset(shown_names), tuple(self.handed)):
            value = scope[name] if name in scope else context.get(name, _ABSENT)
            if value is _ABSENT or value is settings.get(name, _ABSENT):
                continue
            parts += [name, self.writer.value_key(value)]
        return _digest(*parts)

    def call_key(self, name, context):
        """The key of the writer's whole call for output `name` (a page, or every page of a
        paginated list): what each of its pages' keys is made of, the list whole."""
        if self.writer.names_in(self.template) is None:
            return None
        arguments = self.counted()
        return self._kept_key("_call_key", name, arguments, self.context_key(arguments, self.handed, context))

    def counted(self):
        """The arguments handed to the template that its keys count (keys.counted)."""
        return counted(self.handed, self.writer.names_in(self.template))

    def produce(self, localcontext):
        """(key, text, source of its article or page); text None when the output already
        holds the page. Changes nothing but the stamps `holds` notes: it may run in another
        process (parallel_write)."""
        writer = self.writer
        output_file = localcontext["output_file"]
        key = self.key(localcontext)
        if writer.record.holds(writer.output_path, output_file, key):
            return key, None, ""
        logger.debug("Render cache: rendering %s", output_file)
        content = self.handed.get("article") or self.handed.get("page")
        return key, self.template.render(localcontext), getattr(content, "source_path", "") or ""

    def key(self, localcontext):
        """The page key. For an article's or page's own page (handed only what Pelican's
        generators hand it, all of it the content's), kept on the content by the rest the key
        is made of: a content that took over the last build's memos (its state and the
        contents it shows as they were: servicebook.kept_content) is not keyed again, nor is
        it the second time in a build (a quick page's `write_again`)."""
        arguments = shown(self.counted(), localcontext, self.writer.of_template(lists_shown_whole, self.template))
        context_part = self.context_key(arguments, localcontext, localcontext)
        return self._kept_key("_page_key", localcontext["output_file"], arguments, context_part)

    def _kept_key(self, memo, output_file, arguments, context_part):
        """page_key of `output_file`; for an article's or page's own page, kept on the content
        (as `memo`) by the rest the key is made of (see `key`)."""
        writer = self.writer
        build, name = writer.build_key(), self.template.name
        content = self.handed.get("article") or self.handed.get("page")
        if not isinstance(content, Content) or not _OWN_PAGE_ARGUMENTS.issuperset(self.handed):
            return page_key(build, output_file, name, arguments, context_part, writer.value_key)
        made_of = (build, output_file, name, tuple(sorted(self.handed)), context_part)
        kept = content.__dict__.get(memo)
        if kept is None or kept[0] != made_of:
            kept = content.__dict__[memo] = (
                made_of,
                page_key(build, output_file, name, arguments, context_part, writer.value_key),
            )
        return kept[1]

    def apply(self, localcontext, produced):
        """Record what `produce` found; the text to write ("" for a page left as it is)."""
        key, text, source = produced
        writer = self.writer
        output_file = localcontext["output_file"]
        if text is None:
            writer.keep(output_file)
            return ""
        writer.note_output(output_file)
        writer.remember(output_file, key, text, source)
        return text

    def render(self, localcontext):
        return self.apply(localcontext, self.produce(localcontext))

    def __getattr__(self, name):
        return getattr(self.template, name)


class CachingWriter(ReusingWriter):
    record = None
    _call_outputs = None  # the outputs of the writer call under way

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        self._build_key = None
        self._whole_site_key = None
        self._of_templates = {}  # (what is found, template name) -> frozenset or None
        # id -> (value, key): the value is kept so that its id is not reused this build.
        self._value_keys = {}
        # Reused pages: their files already hold these bytes, so they are not written again.
        self.unchanged = set()
        # The path of each output rendered and not yet written -> the output (see `remember`).
        self._rendered = {}
        if enabled(self.settings):
            self.record = RenderRecord(self.settings)
            _open_records.append(self.record)

    def build_key(self):
        if self._build_key is None:
            self._build_key = build_key(self.settings)
        return self._build_key

    def whole_site_key(self, context):
        if self._whole_site_key is None:
            self._whole_site_key = whole_site_key(context)
        return self._whole_site_key

    def names_in(self, template):
        return self.of_template(template_names, template)

    def of_template(self, find, template):
        """`find(environment, name)` of `template` (None: not known before it renders), once a build."""
        key = find, template.name
        if key not in self._of_templates:
            found = find(template.environment, template.name) if template.name else None
            self._of_templates[key] = None if found is None else frozenset(found)
        return self._of_templates[key]

    def value_key(self, value):
        if id(value) not in self._value_keys:
            self._value_keys[id(value)] = (value, value_key(value))
        return self._value_keys[id(value)][1]

    def _note_sources(self, context):
        # The build's whole context (a page's local context may hold a subset): the sources
        # whose old pages may be removed if this build no longer writes them.
        if not self.record.built_sources:
            contents = content_objects(context)
            self.record.built_sources = {content.source_path for content in contents}
            wrappers = [wrapper.save_as for kind in _WRAPPER_KINDS for wrapper, _ in context.get(kind, ())]
            self.record.remove_gone(self.output_path, [content.save_as for content in contents], wrappers)

    def write_file(self, name, template, context, *args, **kwargs):
        if self.record is None or not name:
            return super().write_file(name, template, context, *args, **kwargs)
        self._note_sources(context)
        template = CachedTemplate(template, self, kwargs)
        # A call whose every page another call may override, or that plans, is not kept whole.
        whole = not args and not kwargs.get("override_output") and self._plan is None
        key = template.call_key(name, context) if whole else None
        if key is not None and self._reuse_call(name, key, template, context):
            return None
        self._call_outputs = [] if key is not None else None  # only a keyed call is recorded
        try:
            return super().write_file(name, template, context, *args, **kwargs)
        finally:
            outputs, self._call_outputs = self._call_outputs, None
            if key is not None and outputs:
                self.record.calls[name] = [key, outputs]

    def _reuse_call(self, name, key, template, context):
        """Leave every output of a writer call as it is, without paginating or keying its
        pages, when the call's key is the last build's and its files are as written then."""
        recorded = self.record.last_calls.get(name)
        if recorded is None or recorded[0] != key or not self.record.intact(self.output_path, recorded[1]):
            return False
        paths = [self.path_of(output_file) for output_file in recorded[1]]
        if not self._written_files.isdisjoint(paths):
            return False  # written twice: Pelican's writer says so
        # What content_written handlers read of a page's context (the sitemap, the search index).
        announced = {field: value for field, value in template.handed.items() if field in ("article", "page")}
        for output_file, path in zip(recorded[1], paths, strict=True):
            self._written_files.add(path)
            self.keep(output_file, path)
            signals.content_written.send(path, context=announced)
        if self.kept is not None:
            self.kept.append(KeptCall(self, name, template, context, key))
        self.record.calls[name] = recorded
        return True

    def is_unchanged(self, filename):
        return filename in self.unchanged

    def remember(self, output_file, key, text, source=""):
        """`text` is rendered for `output_file`: recorded, and its stamp noted once written."""
        self.record.remember(output_file, key, text, source)
        self._rendered[self.path_of(output_file)] = output_file

    def _opened(self, filename, encoding):
        opened = super()._opened(filename, encoding)
        output_file = self._rendered.pop(filename, None)
        if output_file is None or isinstance(opened, Discarded):
            return opened
        return StampNoted(opened, self.record, filename, output_file)

    def note_output(self, output_file):
        """`output_file` was rendered or kept: an output of the call under way, if any."""
        if self._call_outputs is not None:
            self._call_outputs.append(output_file)

    def forget_contents(self, changed, context):
        """The `changed` contents of `context` changed in place (make serve's quick pages):
        the keys of those that link to them hold their old address and metadata, the values
        keyed for this build may hold them, and what was reused then may not be now."""
        for content in linking_to(changed, context):
            forget_keys(content)
        self._value_keys = {}
        self._whole_site_key = None
        self.unchanged = set()

    def keep(self, output_file, path=None):
        """The output already holds this page or feed (at `path`, when known): counted as
        reused, not written again."""
        self.note_output(output_file)
        self.record.reused(output_file)
        self.unchanged.add(path or self.path_of(output_file))

    def path_of(self, output_file):
        """Pelican's path of an output (absolute, checked to be inside the output folder),
        worked out once per process: a rebuild at 5,000 posts asks for 8,800 of them twice."""
        if not os.path.isabs(self.output_path):
            return sanitised_join(self.output_path, output_file)
        return _OUTPUT_PATHS.get((self.output_path, output_file), lambda: sanitised_join(self.output_path, output_file))

    def write_generated(self, output_file, inputs, render, context):
        """Write `render()` to `output_file` (relative to the output) unless `inputs` (the
        articles and values it is made from) are those of the last build and the file is
        still as written then. For outputs Pelican's templates do not make (feeds)."""
        path = self.path_of(output_file)
        if self.record is not None:
            self._note_sources(context)
        self.write_made(path, GeneratedOutput(self, output_file, inputs, render), context)
        return Path(path)


class KeptCall:
    """A writer call whose pages a build left as they were (`CachingWriter._reuse_call`), as
    make serve keeps it: planned again only if what it shows changed since (`again`)."""

    def __init__(self, writer, name, template, context, key):
        self.writer, self.name, self.template, self.context, self.key = writer, name, template, context, key

    def again(self):
        """The call's pages to look at again (AtomicWriter.write_again): none while its key holds."""
        return [] if self.template.call_key(self.name, self.context) == self.key else self.pages()

    def pages(self):
        """The call's pages, planned (not rendered)."""
        return self.writer.planned(self.name, self.template, self.context, self.template.handed)


class GeneratedOutput:
    """A feed, or another output Pelican's templates do not make, as CachingWriter makes it:
    keyed by its inputs, rendered only on a miss (see CachedTemplate: produce, then apply)."""

    def __init__(self, writer, output_file, inputs, render):
        self.writer, self.output_file, self.inputs, self.render = writer, output_file, inputs, render

    def produce(self, localcontext=None):
        """(key, text or None when the output already holds it); changes nothing."""
        writer = self.writer
        if writer.record is None:
            return None, self.render()
        key = _digest(writer.build_key(), self.output_file, inputs_key(self.inputs, writer.value_key))
        if writer.record.holds(writer.output_path, self.output_file, key):
            return key, None
        return key, self.render()

    def apply(self, localcontext, produced):
        key, text = produced
        writer = self.writer
        if text is None:
            writer.keep(self.output_file)
            return ""
        if key is not None:
            writer.remember(self.output_file, key, text)
        return text


_open_records = []
# (output folder, output file) -> its path (CachingWriter.path_of).
_OUTPUT_PATHS = ProcessMemo(100_000)


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
        counts = record.rendered, record.reused_count, removed
        logger.info("Render cache: %d pages rendered, %d reused, %d no longer built removed", *counts)


def forget_keys(content, context=None):
    """content_refreshed: a content re-read alone has a new text; its kept keys are the old one's."""
    for memo in ("_structure_key", "_summary_key", "_text_key", "_page_key", "_call_key"):
        content.__dict__.pop(memo, None)


def linking_to(contents, context):
    """The contents of `context` with an attribute that is one of `contents` or a list that
    holds one (neighbours, related posts, translations)."""
    wanted = {id(content) for content in contents}

    def links(value):
        return id(value) in wanted or (isinstance(value, (list, tuple)) and any(id(item) in wanted for item in value))

    return [item for item in contents_in(context) if any(map(links, vars(item).values()))]


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)


def register():
    signals.initialized.connect(declare_settings)
    signals.get_writer.connect(provide_writer)
    signals.finalized.connect(save_records)
    content_refreshed.connect(forget_keys)
