"""Writing output files: whole or not at all, and through the build's writer.

Every output file is written beside its place and renamed over it once complete
(`replaced_whole`), so a reader of the output during a build (the dev server, a browser
reloading) gets the old file or the new one, never half of one. Pelican's own writer opens
the output itself; `AtomicWriter` is Pelican's writer with that one difference.

A writer that can leave an output as it is when nothing it is made from changed (the
render_cache plugin's) is a ReusingWriter; with any other writer, the file is written on
every build. Plugins that write files Pelican's templates do not make (feeds) call
`write_generated`.
"""

import contextlib
import os
import threading
import time
from pathlib import Path

from pelican.writers import FileOverwriteFailedError, Writer


@contextlib.contextmanager
def replaced_whole(path, mode="w", encoding="utf-8"):
    """An open file whose content becomes `path` when the block ends without an error:
    written beside it, then renamed over it (one step for a reader); on an error, `path` is
    left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.partial")
    try:
        with open(partial, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


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

    @contextlib.contextmanager
    def rendering(self):
        """While a quick page renders: background work that can wait (the search index)
        waits, so the author's page is not slowed by it."""
        self._idle.clear()
        try:
            yield
        finally:
            self._idle.set()

    def wait_while_rendering(self):
        self._idle.wait()

    def build_begins(self):
        self._build_began = time.time()

    def wrote(self, path):
        self._written[os.path.abspath(path)] = time.time()

    def newer_than_the_build(self, path):
        return self._written.get(os.path.abspath(path), 0.0) >= self._build_began > 0


QUICK_WRITES = QuickWrites()


class AtomicWriter(Writer):
    """Pelican's writer, writing each file whole (see `replaced_whole`), and leaving a page
    alone that a quick page wrote since the build began (see `QuickWrites`)."""

    def _open_w(self, filename, encoding, override=False):
        # Pelican's checks and bookkeeping (pelican.writers.Writer._open_w), then a file that
        # replaces the output when complete instead of `open(filename, "w")`, which empties
        # the output first.
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(f'Failed to overwrite "{filename}" a second time')
            return open(os.devnull, "w", encoding=encoding)
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already written to it previously'
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        if QUICK_WRITES.newer_than_the_build(filename) or self.is_unchanged(filename):
            return open(os.devnull, "w", encoding=encoding)
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
