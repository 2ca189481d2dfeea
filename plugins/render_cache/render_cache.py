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
               and metadata;
             - every other context variable its templates (and those they extend, include
               or import) name: the menu's `pages`, an `articles` or `tags` a template shows
               without being handed it; articles in them count by address and metadata.

So editing a body re-renders that article's page, and the lists that show it if its
automatic summary or reading time changed; a retitle re-renders the pages that show that
article (its own, its neighbours', the posts that relate to it, the lists and feeds it is in),
not the whole site; any change to the theme, settings or plugins renders everything. A page is
reused only when the file in the output still has the exact bytes this cache recorded, so
deleting or editing an output file makes it render again; a reused page is not written again.
Reused pages are still announced with `content_written`, so other plugins (sitemap, search)
see every page as before.

The assumption: a template shows other articles only through what it is handed, the articles
those point to (one step: `article.prev_article.title`, not `article.prev_article.next_article`),
and the context variables it names; and a filter or global function reads nothing but its
arguments. A template that names another template at render time (`{% include var %}`) gets
a key over every article's address and metadata. Our theme (and the casebook, which hands its
pages their cases) holds to that; a template that breaks it must not use this cache.

Settings: RENDER_CACHE (default True) works when CACHE_CONTENT is on; the record lives in
render-cache.json with the build's other records of the output (servicebook.cache_folders),
so a build under new code or settings, which renders every page again, still removes the
pages the last build wrote and this one does not.
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
from servicebook.hashing import file_stamp
from servicebook.outputs_made import remove_empty_folders
from servicebook.plugin_settings import declare
from servicebook.records import JsonRecord
from servicebook.signals import content_refreshed
from servicebook.writing import ReusingWriter

from .keys import PAGINATION, build_key, inputs_key, page_key, shown, template_names, value_key, whole_site_key

logger = logging.getLogger(__name__)

DEFAULTS = {"RENDER_CACHE": True}  # works when CACHE_CONTENT is on
RECORD_NAME = "render-cache.json"
_ABSENT = object()
# What Pelican's generators hand the page of an article or page: the content and values of it.
_OWN_PAGE_ARGUMENTS = frozenset({"article", "page", "category", "url", "override_output", "blog", "relative_urls"})


class RenderRecord:
    """output file -> [page key, digest of the bytes written, source of its article or page,
    and once a build has read the file and found those bytes: its stamp], kept with the
    records of the output; and what this build wrote, to remove what it no longer writes."""

    def __init__(self, settings):
        self.record = JsonRecord(settings, RECORD_NAME, of_output=True)
        self.rendered = self.reused_count = 0
        self.pages = self.record.load({})
        self.produced = set()
        self.built_sources = set()

    def holds(self, output_path, output_file, key):
        """Whether the key is unchanged and the output file is what we wrote. The file is read
        once: when its bytes are the recorded ones, its stamp is noted, and while the file
        keeps that stamp it is not read again (reading and hashing every page took 0.47 s of
        each rebuild at 5,000 posts; a stamp, 0.04 s). Noted in this process's record only: a
        worker's note is lost, and the next build reads the file again."""
        recorded = self.pages.get(output_file)
        if not recorded or recorded[0] != key:
            return False
        # A string, not a Path: for the 8,800 pages of 5,000 posts, 0.03 s against 0.06 s.
        path = os.path.join(output_path, output_file)
        stamp = file_stamp(path)
        if stamp is None:
            return False
        if recorded[3:] == [stamp]:
            return True
        try:
            with open(path, "rb") as page:
                data = page.read()
        except OSError:
            return False
        if _digest(data) != recorded[1]:
            return False
        recorded[3:] = [stamp]
        return True

    def reused(self, output_file):
        """The page stays as it is (`holds` said so)."""
        self.reused_count += 1
        self.produced.add(output_file)

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
                    remove_empty_folders(path.parent, Path(output_path))
            except OSError:
                pass
            del self.pages[output_file]
        return removed

    def save(self):
        self.record.save(self.pages)


@functools.lru_cache(maxsize=256)
def _pagination_names(handed_names):
    """What Pelican's writer adds to a page's context for each of its template arguments."""
    return frozenset(pattern.format(name) for name in handed_names for pattern in PAGINATION)


class CachedTemplate:
    """Stands in for a Jinja template in Pelican's writer: renders only on a cache miss."""

    def __init__(self, template, writer, handed):
        self.template = template
        self.writer = writer
        self.handed = handed

    def context_key(self, localcontext, shown_names):
        """The key of what the page's templates name besides the arguments in `shown_names`:
        context variables (settings aside: they are in the build key)."""
        names = self.writer.names_in(self.template)
        if names is None:
            return self.writer.whole_site_key(localcontext)
        pagination = _pagination_names(tuple(self.handed))
        settings = self.writer.settings
        parts = []
        for name in sorted(names - shown_names - pagination):
            value = localcontext.get(name, _ABSENT)
            if value is _ABSENT or value is settings.get(name, _ABSENT):
                continue
            parts += [name, self.writer.value_key(value)]
        return _digest(*parts)

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
        writer = self.writer
        build, output_file, name = writer.build_key(), localcontext["output_file"], self.template.name
        arguments = shown(self.handed, localcontext)
        context_part = self.context_key(localcontext, set(arguments))
        content = self.handed.get("article") or self.handed.get("page")
        if not isinstance(content, Content) or not _OWN_PAGE_ARGUMENTS.issuperset(self.handed):
            return page_key(build, output_file, name, arguments, context_part, writer.value_key)
        made_of = (build, output_file, name, tuple(sorted(self.handed)), context_part)
        kept = content.__dict__.get("_page_key")
        if kept is None or kept[0] != made_of:
            kept = content._page_key = (
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
        writer.record.remember(output_file, key, text, source)
        return text

    def render(self, localcontext):
        return self.apply(localcontext, self.produce(localcontext))

    def __getattr__(self, name):
        return getattr(self.template, name)


class CachingWriter(ReusingWriter):
    record = None

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        self._build_key = None
        self._whole_site_key = None
        self._template_names = {}
        # id -> (value, key): the value is kept so that its id is not reused this build.
        self._value_keys = {}
        # Reused pages: their files already hold these bytes, so they are not written again.
        self.unchanged = set()
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
        if template.name not in self._template_names:
            self._template_names[template.name] = (
                template_names(template.environment, template.name) if template.name else None
            )
        return self._template_names[template.name]

    def value_key(self, value):
        if id(value) not in self._value_keys:
            self._value_keys[id(value)] = (value, value_key(value))
        return self._value_keys[id(value)][1]

    def _note_sources(self, context):
        # The build's whole context (a page's local context may hold a subset): the sources
        # whose old pages may be removed if this build no longer writes them.
        if not self.record.built_sources:
            self.record.built_sources = {content.source_path for content in content_objects(context)}

    def write_file(self, name, template, context, *args, **kwargs):
        if self.record is not None and name:
            self._note_sources(context)
            template = CachedTemplate(template, self, kwargs)
        return super().write_file(name, template, context, *args, **kwargs)

    def is_unchanged(self, filename):
        return filename in self.unchanged

    def forget_contents(self, changed, context):
        """The `changed` contents of `context` changed in place (make serve's quick pages):
        the keys of those that link to them hold their old address and metadata, the values
        keyed for this build may hold them, and what was reused then may not be now."""
        for content in linking_to(changed, context):
            forget_keys(content)
        self._value_keys = {}
        self._whole_site_key = None
        self.unchanged = set()

    def keep(self, output_file):
        """The output already holds this page or feed: counted as reused, not written again."""
        self.record.reused(output_file)
        self.unchanged.add(sanitised_join(self.output_path, output_file))

    def write_generated(self, output_file, inputs, render, context):
        """Write `render()` to `output_file` (relative to the output) unless `inputs` (the
        articles and values it is made from) are those of the last build and the file is
        still as written then. For outputs Pelican's templates do not make (feeds)."""
        path = sanitised_join(self.output_path, output_file)
        if self.record is not None:
            self._note_sources(context)
        self.write_made(path, GeneratedOutput(self, output_file, inputs, render), context)
        return Path(path)


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
            writer.record.remember(self.output_file, key, text)
        return text


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
            record.reused_count,
            removed,
        )


def forget_keys(content, context=None):
    """content_refreshed: a content re-read alone has a new text; its kept keys are the old one's."""
    for memo in ("_structure_key", "_summary_key", "_text_key", "_page_key"):
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
