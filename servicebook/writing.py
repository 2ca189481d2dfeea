"""Writing output files: whole or not at all, and through the build's writer.

Every output file is written beside its place and renamed over it once complete
(`replaced_whole`), so a reader of the output during a build (the dev server, a browser
reloading) gets the old file or the new one, never half of one. Pelican's own writer opens
the output itself; `AtomicWriter` is Pelican's writer with that one difference.

A writer that can leave an output as it is when nothing it is made from changed (the
render_cache plugin's) is a ReusingWriter; with any other writer, the file is written on
every build. Plugins that write files Pelican's templates do not make (feeds) call
`write_generated`. A writer can also plan: keep the pages it is asked for, to be rendered
together (on every core: the parallel_write plugin) and then written in order. Under
`make serve` (KEEP_OUTPUTS) it keeps what it made every output from, so that a header edit
can write again the outputs it changes without a whole build (servicebook.quick_page).
"""

import contextlib
import os
import threading
import time
from pathlib import Path

from pelican import signals
from pelican.writers import FileOverwriteFailedError, Writer

from servicebook.signals import writer_made


@contextlib.contextmanager
def replaced_whole(path, mode="w", encoding="utf-8"):
    """An open file whose content becomes `path` when the block ends without an error:
    written beside it, then renamed over it (one step for a reader); on an error, `path` is
    left as it was."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.partial")
    encoding = None if "b" in mode else encoding
    try:
        handle = open(partial, mode, encoding=encoding)
    except FileNotFoundError:
        # Its folder is made only when missing: most of a build's thousands of files go
        # into folders that exist, and a call to the file system per file is time too.
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(partial, mode, encoding=encoding)
    try:
        with handle:
            yield handle
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


class QuickWrites:
    """The pages make serve's quick page wrote (servicebook.quick_page), and when. A build
    that began before a quick page was written read that page's source before the save that
    made it: its version is older, so it leaves the page alone (the build that save asked
    for writes it next)."""

    def __init__(self):
        self._written = {}
        self._build_began = 0.0
        self._idle = threading.Event()
        self._idle.set()
        self._rendering = threading.Lock()

    @contextlib.contextmanager
    def rendering(self):
        """While a quick page renders: background work that can wait (the search index)
        waits, so the author's page is not slowed by it."""
        with self._rendering:
            self._idle.clear()
            try:
                yield
            finally:
                self._idle.set()

    @contextlib.contextmanager
    def held(self):
        """No quick page renders in the block: a worker process forked in it cannot inherit
        a lock that rendering held at that moment (Jinja's template cache has one), which
        nothing would ever release in the worker."""
        with self._rendering:
            yield

    def wait_while_rendering(self):
        self._idle.wait()

    def build_begins(self):
        self._build_began = time.time()

    def wrote(self, path):
        self._written[os.path.abspath(path)] = time.time()

    def newer_than_the_build(self, path):
        return self._written.get(os.path.abspath(path), 0.0) >= self._build_began > 0


QUICK_WRITES = QuickWrites()


class Plan(list):
    """The pages planned (PlannedPage), in order. A page's local context is a copy of the
    generator's context and a few names: each is kept as the names that differ from one
    shared copy (thousands of whole copies would hold hundreds of MB). `before_page(plan)`,
    when given, is called before each page, feed or paginated list is planned, every page
    before it complete (and outside Pelican's writer, so that it may write those pages)."""

    _base = None

    def __init__(self, before_page=None):
        super().__init__()
        self.before_page = before_page

    def page_comes(self):
        if self.before_page is not None:
            self.before_page(self)

    def compact(self, localcontext):
        """(base, differences) that `PlannedPage.localcontext` makes `localcontext` again."""
        base = self._base
        if base is not None:
            differences = {key: value for key, value in localcontext.items() if base.get(key, _ABSENT) is not value}
            added = sum(1 for key in differences if key not in base)
            # Unless the context lost a name since the copy, or has changed much: copy it again.
            if len(base) + added == len(localcontext) and len(differences) <= _MOST_DIFFERENCES:
                return base, differences
        self._base = dict(localcontext)
        return self._base, {}


_ABSENT = object()
_MOST_DIFFERENCES = 64


def template_itself(template):
    """The Jinja template behind `template`: the render cache's stands in for it in the writer."""
    return getattr(template, "template", template)


class PlannedPage:
    """A page (or feed) the writer was asked to write while it plans (see
    `AtomicWriter.planning`): rendered later, maybe in another process."""

    def __init__(self, template, compacted, context, announced=True):
        self.template = template  # as Pelican's writer got it (the render cache's, under it)
        self._compacted = compacted  # (base, differences): see Plan.compact; None for a feed
        self.context = context  # the generator's
        # Where contents' links lead from (Pelican's writer sets it as it renders each page).
        self.localsiteurl = context.get("localsiteurl")
        self.announced = announced  # with content_written, as Pelican announces its pages
        self.path = None
        self.skipped = False  # Pelican writes nothing: an overridden file written again

    def again(self):
        """What `write_again` looks at of this kept output: itself."""
        return [self]

    def pages(self):
        """The pages of this kept output: itself."""
        return [self]

    def rendered(self):
        """The page's text from its template itself: nothing kept, recorded or written."""
        self.context["localsiteurl"] = self.localsiteurl
        return template_itself(self.template).render(self.localcontext)

    @property
    def localcontext(self):
        """The page's template context, as Pelican's writer made it."""
        if self._compacted is None:
            return None
        base, differences = self._compacted
        return {**base, **differences}

    def produce(self):
        """What `AtomicWriter.write_planned` needs of this page: its text, or what the
        template's `produce` returns (the render cache's outcome), in any process."""
        return self._produce(self.localcontext)

    def _produce(self, localcontext):
        self.context["localsiteurl"] = self.localsiteurl
        produce = getattr(self.template, "produce", None)
        return produce(localcontext) if produce else self.template.render(localcontext)

    def text(self, produced=None):
        """The text to write: what `produce()` returned, here or in another process
        (`produced`), through the template's `apply` (the render cache records it there)."""
        localcontext = self.localcontext
        if produced is None:
            produced = self._produce(localcontext)
        apply = getattr(self.template, "apply", None)
        return apply(localcontext, produced) if apply else produced


class _Planning:
    """Stands in for the template while planning: renders nothing, keeps the page."""

    def __init__(self, template, context, plan):
        self.template, self.context, self.plan = template, context, plan

    def render(self, localcontext):
        self.plan.append(PlannedPage(self.template, self.plan.compact(localcontext), self.context))
        return ""


class _Kept:
    """Stands in for the template while the writer keeps its outputs: keeps the page, then
    renders it."""

    def __init__(self, template, context, kept):
        self.template, self.context, self.kept = template, context, kept

    def render(self, localcontext):
        self.kept.append(PlannedPage(self.template, self.kept.compact(localcontext), self.context))
        return self.template.render(localcontext)


class Discarded(contextlib.nullcontext):
    """A file whose text goes nowhere: what the writer hands Pelican for a page it leaves as
    it is (opening os.devnull for each of 9,500 reused pages took 0.1 s of a rebuild)."""

    def __enter__(self):
        return self

    def write(self, text):
        return len(text)


class AtomicWriter(Writer):
    """Pelican's writer, writing each file whole (see `replaced_whole`), and leaving a page
    alone that a quick page wrote since the build began (see `QuickWrites`). While it plans,
    pages are kept to be rendered together (on every core) and written in order. With
    KEEP_OUTPUTS, `kept` lists every output it wrote, as planned pages (see `write_again`)."""

    _plan = None

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        self.kept = Plan() if self.settings.get("KEEP_OUTPUTS") else None
        writer_made.send(self)

    @contextlib.contextmanager
    def planning(self, before_page=None):
        """Pages asked for in the block are not rendered: the block yields their list
        (PlannedPage), for `write_planned`. Pelican's checks (a file written twice) still
        happen as they are asked for; `content_written` is sent when each is written.
        `before_page(plan)` is called before each page is planned (see Plan)."""
        self._plan = Plan(before_page)
        # Pages rendered in other processes: this writer's list of its outputs would lack
        # what they worked out, so it keeps none.
        self.kept = None
        try:
            yield self._plan
        finally:
            self._plan = None

    def write_file(self, name, template, context, *args, **kwargs):
        if self._plan is None and self.kept is not None and name:
            return super().write_file(name, _Kept(template, context, self.kept), context, *args, **kwargs)
        if self._plan is None or not name:
            return super().write_file(name, template, context, *args, **kwargs)
        # Pelican announces each page as it writes it; a planned page is announced when
        # `write_planned` writes it.
        self._plan.page_comes()
        with signals.content_written.muted():
            return super().write_file(name, _Planning(template, context, self._plan), context, *args, **kwargs)

    def write_planned(self, plan, produced):
        """Write each page of `plan` as Pelican's writer would have: `produced` are their
        `PlannedPage.produce()` results, in order (a None: produce it here)."""
        for page, result in zip(plan, produced, strict=True):
            text = page.text(result)
            written = None
            if not page.skipped:
                with self._opened(page.path, "utf-8") as handle:
                    handle.write(text)
                written = None if isinstance(handle, Discarded) else text
            if page.announced:
                with _announcing(page.path, written):
                    signals.content_written.send(page.path, context=page.localcontext)

    def write_made(self, path, made, context):
        """Write to `path` what `made` makes (with `produce(None)` and `apply(None, produced)`,
        as the render cache's feeds): now, or with the planned pages while planning. Not
        announced with content_written: Pelican announces only its templates' pages."""
        page = PlannedPage(made, None, context, announced=False)
        page.path = path
        if self._plan is not None:
            self._plan.page_comes()
            self._plan.append(page)
            return
        if self.kept is not None:
            self.kept.append(page)
        self.write_planned([page], [None])

    def write_again(self, pages, changed, context, written=(), most=None):
        """Write again those of `pages` (from `kept`: each entry's `again()` says which pages
        it stands for) whose text is no longer what the output holds, the `changed` contents
        of the site's `context` having changed in place since they were written; returns
        their paths. Only a reusing writer knows which those are
        (the others write every page). Pages in `written` were written since, by other means.
        Stops once `most` pages were rendered (a change that every page shows, such as a
        menu's title, is as quick in the whole build). Announces nothing: the whole build
        that follows does (the search index, the sitemap)."""
        self.forget_contents(changed, context)
        written = set(written)
        again, rendered = [], 0
        for page in (page for entry in pages for page in entry.again()):
            if page.skipped or page.path in written:
                continue
            if most is not None and rendered >= most:
                break
            text = page.text()
            if self.is_unchanged(page.path):
                continue
            rendered += 1
            if not holds_text(page.path, text):
                write_text(page.path, text)
                QUICK_WRITES.wrote(page.path)
                again.append(page.path)
        return again

    def planned(self, name, template, context, kwargs):
        """The pages Pelican's writer makes of one call (`write_file`), planned, not rendered,
        announced or counted among this build's outputs."""
        saved = self._plan, self._written_files, self._overridden_files
        self._plan, self._written_files, self._overridden_files = Plan(), set(), set()
        try:
            with signals.content_written.muted():
                Writer.write_file(self, name, _Planning(template, context, self._plan), context, **kwargs)
            return self._plan
        finally:
            self._plan, self._written_files, self._overridden_files = saved

    def forget_contents(self, changed, context):
        """Forget what the writer worked out from the `changed` contents of `context` (they
        changed in place)."""

    def _open_w(self, filename, encoding, override=False):
        # Pelican's checks and bookkeeping (pelican.writers.Writer._open_w), then a file that
        # replaces the output when complete instead of `open(filename, "w")`, which empties
        # the output first.
        skipped = filename in self._overridden_files
        if skipped and override:
            raise FileOverwriteFailedError(f'Failed to overwrite "{filename}" a second time')
        if filename in self._written_files and not override and not skipped:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already written to it previously'
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        if self._plan is not None:
            self._plan[-1].path, self._plan[-1].skipped = filename, skipped
            return Discarded()
        if self.kept and self.kept[-1].path is None:
            self.kept[-1].path, self.kept[-1].skipped = filename, skipped
        return Discarded() if skipped else self._opened(filename, encoding)

    def _opened(self, filename, encoding):
        if QUICK_WRITES.newer_than_the_build(filename) or self.is_unchanged(filename):
            return Discarded()
        return replaced_whole(filename, encoding=encoding)

    def is_unchanged(self, filename):
        """Whether `filename` already holds what is about to be written (a reusing writer
        knows)."""
        return False


class ReusingWriter(AtomicWriter):
    """A Pelican writer that reuses unchanged outputs (see plugins/render_cache)."""

    def write_generated(self, output_file, inputs, render, context):
        """Write `render()` to `output_file` (relative to the output) unless `inputs` (what
        it is made from) are those of the last build; return the file's path."""
        raise NotImplementedError


# The page content_written is being sent for, and the text just written to it.
_announced = threading.local()


@contextlib.contextmanager
def _announcing(path, text):
    _announced.page = (path, text)
    try:
        yield
    finally:
        _announced.page = None


def written_text(path):
    """For a content_written handler: the text the writer has just written to `path`, so
    that it need not read the file back (5,000 reads of 0.2 ms at 5,000 posts); None if
    the writer did not (a page it left as it was): read the file."""
    page = getattr(_announced, "page", None)
    return page[1] if page is not None and page[0] == path else None


def holds_text(path, text):
    """Whether the file at `path` holds `text` already (a page whose key changed may not have;
    a sitemap written again from the same pages)."""
    try:
        return Path(path).read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def write_text(path, text):
    """Write `text` to `path` whole (see `replaced_whole`)."""
    with replaced_whole(path) as handle:
        handle.write(text)


def write_generated(writer, output_path, output_file, inputs, render, context):
    """Write `render()` to `output_file` with `writer`, reusing the last build's file when the
    writer can; `output_path` is the build's output folder."""
    if isinstance(writer, ReusingWriter):
        return writer.write_generated(output_file, inputs, render, context)
    target = Path(output_path) / output_file
    write_text(target, render())
    return target
