"""make serve: what one build read stays in memory for the next.

Each Pelican build loads its reader cache from disk (every source's text and header,
pickled: 64 MB at 5,000 posts) and writes it back at the end: about 3 s of every rebuild
at 5,000 posts, and a second copy of every text while the last build's site is held for
quick pages. Here only the first build loads the file; later builds' readers get the same
dictionary, which Pelican updates as it reads the sources that changed (its stamps, as the
build first saw them, decide which), and do not write it back: the next process re-reads
the sources saved since the first build.

Then the contents themselves. A build makes an article or page object of every source (its
header and defaults, the plugins' `content_object_init` work: comment footers, heading
checks), about 2 s at 5,000 posts even with every text in the cache, and then works out
again, for every page and feed, what the render cache's keys say of each content
(servicebook.writing, plugins/render_cache): another 2 s. Here a source unchanged since the
last build (by its stamp, under the same settings) is not read again: its content is a new
object with the state the last build's read gave it (its neighbours, normalised tags and
image markup are worked out again, as for any read), and what was logged while it was read
is logged again, so every problem is still reported. Once the generators are done (the
writer is made), a content whose state is what the last build's object had at the end, and
whose neighbours and other contents it shows have the headers they had (all a page shows of
them), takes over that object's memos (the attributes whose names start with `_` that were
set after reading: the render cache's keys, list entries, feed items). The text of a
content that links to other files (`{filename}`, `{static}`) depends on where they are: it
takes no memos when one of those was added, removed or moved; nor does one that attaches a
file (`{attach}`: Pelican moves the file while it renders the text), nor any content after
a change to the theme, whose macros made the list entries (a rebuild's writing: 5.2 s →
3.5 s at 5,000 posts). Plugins that note per build what `content_object_init` did hear
`content_reused`.
"""

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from pelican import generators
from pelican.contents import Content, Page
from pelican.readers import Readers
from pelican.urlwrappers import URLWrapper

from servicebook.content_links import kept_static_links, linked_paths
from servicebook.hashing import file_stamp, source_stamp, source_stat
from servicebook.signals import content_reused, writer_made
from servicebook.workers import logged_records, replay

# Attributes that differ from build to build whatever the content: the build's context and settings.
_BUILD_ATTRIBUTES = frozenset({"_context", "settings"})


def same(new, old, successor_of, shown=None):
    """Whether `new` (this build's) shows what `old` (the last build's) showed: a content is the
    same if `new` was made from `old`'s read (`successor_of`: {id(new content): old content}), a
    tag, category or author by name and slug, a function by name, collections item by item.
    The contents found in `new` are added to the list `shown`, when given."""
    kind = type(new)
    # Most values are plain (every content's state is compared on every rebuild).
    if kind in _PLAIN:
        return kind is type(old) and new == old
    if isinstance(new, Content):
        if shown is not None:
            shown.append(new)
        return successor_of.get(id(new)) is old
    if new is old:
        return True
    if kind is not type(old):
        return False
    if isinstance(new, URLWrapper):
        return new.name == old.name and new.slug == old.slug
    if isinstance(new, (list, tuple)):
        if len(new) != len(old):
            return False
        for item, old_item in zip(new, old, strict=True):
            if (item is not old_item or isinstance(item, Content)) and not same(item, old_item, successor_of, shown):
                return False
        return True
    if isinstance(new, dict):
        if new.keys() != old.keys():
            return False
        for key, item in new.items():
            old_item = old[key]
            if (item is not old_item or isinstance(item, Content)) and not same(item, old_item, successor_of, shown):
                return False
        return True
    if callable(new) and hasattr(new, "__qualname__"):
        return _named(new) == _named(old)
    try:
        return bool(new == old)
    except Exception:  # noqa: BLE001 - what cannot be compared counts as changed
        return False


_PLAIN = frozenset({str, int, float, bool, bytes, type(None)})
_ABSENT = object()


def _named(function):
    """A function as the settings hold it: by name and, for Python code, by that code."""
    code = getattr(function, "__code__", None)
    made_of = (code.co_code, code.co_consts) if code is not None else None
    return getattr(function, "__module__", None), function.__qualname__, made_of


def _copied(value):
    """A state's value, its lists and dicts copied (and the lists in those dicts, such as the
    metadata's tags): plugins change them in place."""
    if isinstance(value, dict):
        return {key: list(item) if isinstance(item, list) else item for key, item in value.items()}
    if isinstance(value, list):
        return list(value)
    return value


@dataclass
class KeptRead:
    """One source as the last build read it: its stamp before reading, the content's state
    right after, what was logged meanwhile, and the last content made from it."""

    stamp: list
    state: dict
    records: list
    content: Content

    def __post_init__(self):
        # The values `_copied` copies; the others are shared (copying all: 0.4 s at 5,000 posts).
        self.mutable = tuple(name for name, value in self.state.items() if isinstance(value, (dict, list)))

    def state_copy(self):
        """The state, its lists and dicts copied (see `_copied`)."""
        state = dict(self.state)
        for name in self.mutable:
            state[name] = _copied(state[name])
        return state


class KeptReads:
    """The reads of the last build, by source and content class, and the contents of the
    build running now that were made from them."""

    def __init__(self):
        self.reads = {}
        self.settings = None
        # This build's contents made from a kept read: (new content, the last build's).
        self.reused = []
        # The contexts this build's and the last build's contents were read with.
        self.context = self.last_context = {}
        self.last_addresses = {}  # of the last build's contents (see take_over_memos)
        self.theme, self.theme_changed = None, False

    def build_begins(self, settings):
        """A build's readers are made (twice a build: articles, pages): the reads stay only
        under the same settings, and the memos (list entries rendered by the theme's
        macros) only with the same theme."""
        if self.settings is not None and self.settings[0] is settings:
            return
        upper = {key: value for key, value in settings.items() if key.isupper()}
        if self.settings is not None and not same(upper, self.settings[1], {}):
            self.reads.clear()
        theme = _theme_stamps(settings)
        self.settings, self.reused, self.context = (settings, upper), [], {}
        self.theme_changed, self.theme = theme != self.theme, theme

    def read(self, readers, read_file, path, content_class, context, signal_args):
        """The content of the source at `path` (absolute), from its kept read when it has
        not changed since; otherwise read by `read_file` and kept."""
        key = (path, content_class)
        self.context = context
        stamp = source_stamp(path)
        kept = self.reads.get(key)
        if kept is not None and stamp is not None and kept.stamp == stamp:
            return self._reuse(kept, readers, context, signal_args)
        with logged_records(also_logged=True) as records:
            content = read_file()
        if stamp is not None and stamp == file_stamp(path):
            state = {name: _copied(value) for name, value in vars(content).items() if name not in _BUILD_ATTRIBUTES}
            self.reads[key] = KeptRead(stamp, state, records, content)
        else:
            self.reads.pop(key, None)
        return content

    def _reuse(self, kept, readers, context, signal_args):
        preread_signal, preread_sender, context_signal, context_sender = signal_args
        if preread_signal:
            preread_signal.send(preread_sender)
        content = object.__new__(type(kept.content))
        content.__dict__ = kept.state_copy()
        if context_signal:
            context_signal.send(context_sender, metadata=content.metadata)
        content._context = context
        content.settings = readers.settings
        replay(kept.records)
        content_reused.send(content)
        self.reused.append((content, kept.content))
        kept.content = content
        return content

    def take_over_memos(self, writer=None):
        """writer_made: the contents made from kept reads take the memos of the last build's
        objects, where `taking_memos` says they may (see the module's docstring)."""
        reused, self.reused = self.reused, []
        # Where the last build's contents (as then: no quick edit moves a page) and files went once
        # it rendered its pages (an `{attach}` link moves a file then), against this build's now.
        now = _addresses(self.context)
        before = {**self.last_addresses, **_addresses(self.last_context, ("static_content",))}
        moved = {path for path in before.keys() | now.keys() if before.get(path) != now.get(path)}
        self.last_context = self.context
        self.last_addresses = {path: now[path] for path in self.context.get("generated_content", {})}
        if not reused or self.theme_changed:
            return
        for new, old in taking_memos(reused, moved):
            mine, theirs = new.__dict__, old.__dict__  # taken, not copied: `old` is not used again
            for name in theirs.keys() - mine.keys():
                if name.startswith("_"):
                    mine[name] = theirs[name]


def taking_memos(reused, moved):
    """The pairs of `reused` ((this build's content, the last build's) made from one read)
    whose new content has the old one's state, shows contents whose address and header (what
    it shows of them: a neighbour, a related post) are as they were, and links to no file
    among those `moved` (their source paths, relative to the content folder: added, removed
    or given another address since the last build)."""
    successor_of = {id(new): old for new, old in reused}
    shown = {id(new): [] for new, _ in reused}
    compared = {id(new): _compare(new, old, successor_of, moved, shown[id(new)]) for new, old in reused}
    return [
        (new, old)
        for new, old in reused
        if compared[id(new)][0] and all(compared.get(id(content), (False, False))[1] for content in shown[id(new)])
    ]


def _compare(new, old, successor_of, moved, shown):
    """(whether `new` has `old`'s state, but for the build's own attributes and `old`'s
    memos, whether its header is `old`'s); the contents it shows are added to `shown`. A
    content whose links lead to a file `moved`, or that attaches a file, never has the same
    state."""
    mine, theirs = new.__dict__, old.__dict__
    if not same(mine.get("metadata"), theirs.get("metadata"), successor_of, shown):
        return False, False
    linked = linked_paths(new)
    if linked is None or not linked.isdisjoint(moved):
        return False, True
    for name, value in mine.items():
        old_value = theirs.get(name, _ABSENT)
        # Most values are the kept read's own, shared by both builds' objects: `same` is not
        # asked of them (but of a content: `same` collects the contents shown), here nor in
        # its lists and dicts. Comparing every kept content at 5,000 posts: 0.11 s before, 0.09 s.
        if value is old_value and not isinstance(value, Content) or name in _COMPARED_APART:
            continue
        if old_value is _ABSENT or not same(value, old_value, successor_of, shown):
            return False, True
    return not any(name[0] != "_" for name in theirs.keys() - mine.keys()), True


_COMPARED_APART = _BUILD_ATTRIBUTES | {"metadata"}


def _theme_stamps(settings):
    """The stamp of every file of the theme and its overrides."""
    folders = [settings.get("THEME"), *settings.get("THEME_TEMPLATES_OVERRIDES", [])]
    return sorted(
        (str(path), file_stamp(path))
        for folder in folders
        if folder
        for path in Path(folder).rglob("*")
        if path.is_file()
    )


def _addresses(context, kinds=("generated_content", "static_content")):
    """{source path: address} of every content and file (of `kinds`) of the build. Read through
    Content's own properties: a Static's note that its address was read would keep it in place."""
    return {
        # None: a source Pelican could not read.
        path: (Content.url.fget(item), Content.save_as.fget(item)) if isinstance(item, Content) else None
        for kind in kinds
        for path, item in context.get(kind, {}).items()
    }


class KeptReaderCaches:
    """The reader caches and the reads of one long-lived process, by cache file."""

    def __init__(self):
        self.caches = {}
        self.reads = KeptReads()

    def readers_class(self):
        kept, reads = self.caches, self.reads

        class KeptReaders(Readers):
            adopted = False

            def __init__(self, settings=None, cache_name=""):
                self._made(settings, cache_name)
                # After the readers: Pelican's Markdown reader adds to the MARKDOWN setting.
                reads.build_begins(settings)

            def _made(self, settings, cache_name):
                path = os.path.join(settings["CACHE_PATH"], cache_name) if cache_name else None
                if path not in kept:
                    super().__init__(settings, cache_name)
                    if self._cache_data_policy:
                        kept[path] = self._cache
                    return
                # Pelican loads the file whenever LOAD_CONTENT_CACHE is on: off while these
                # readers are made (the settings are the build's own dict, so it goes back).
                load = settings["LOAD_CONTENT_CACHE"]
                settings["LOAD_CONTENT_CACHE"] = False
                try:
                    super().__init__(settings, cache_name)
                finally:
                    settings["LOAD_CONTENT_CACHE"] = load
                self._cache = kept[path]
                self.adopted = True

            def _get_file_stamp(self, filename):  # see servicebook.hashing.stats_held
                found = source_stat(filename) if self._filestamp_func is os.path.getmtime else None
                return found.st_mtime if found is not None else super()._get_file_stamp(filename)

            def save_cache(self):
                # The first build writes the file; what later builds read stays in memory.
                if not self.adopted:
                    super().save_cache()

            def read_file(
                self,
                base_path,
                path,
                content_class=Page,
                fmt=None,
                context=None,
                preread_signal=None,
                preread_sender=None,
                context_signal=None,
                context_sender=None,
            ):
                signal_args = (preread_signal, preread_sender, context_signal, context_sender)
                absolute = os.path.abspath(os.path.join(base_path, path))

                def read():
                    return super(KeptReaders, self).read_file(
                        base_path, path, content_class, fmt, context, *signal_args
                    )

                if fmt is not None:
                    return read()
                return reads.read(self, read, absolute, content_class, context, signal_args)

        return KeptReaders

    @contextlib.contextmanager
    def installed(self):
        """Builds run inside use the kept caches and reads (Pelican's generators make their
        readers from the name `Readers` in their module), each text's static links are found
        once (`kept_static_links`), and the generators' own cache stats no source while it is
        off (`generator_cache_without_stats`)."""
        original, static_links = generators.Readers, Content.get_static_links
        generators.Readers = self.readers_class()
        Content.get_static_links = kept_static_links(static_links)
        writer_made.connect(self.reads.take_over_memos)
        try:
            with generator_cache_without_stats():
                yield self
        finally:
            generators.Readers, Content.get_static_links = original, static_links
            writer_made.disconnect(self.reads.take_over_memos)


@contextlib.contextmanager
def generator_cache_without_stats():
    """Pelican's generators look each source up in a cache of their own and store it there,
    with a stat each time, even while that cache is off (CONTENT_CACHING_LAYER is not
    "generator"); in the block, the same answers without the two stats a source."""
    caching = generators.CachingGenerator
    lookup, store = caching.get_cached_data, caching.cache_data

    def looked_up(self, filename, default=None):
        return lookup(self, filename, default) if filename in self._cache else default

    def stored(self, filename, data):
        if self._cache_data_policy:
            store(self, filename, data)

    caching.get_cached_data, caching.cache_data = looked_up, stored
    try:
        yield
    finally:
        caching.get_cached_data, caching.cache_data = lookup, store
