"""What the render cache keeps of the output from build to build (see render_cache)."""

import os
from pathlib import Path

from servicebook.hashing import digest as _digest
from servicebook.hashing import file_stamp
from servicebook.outputs_made import remove_empty_folders
from servicebook.records import JsonRecord

RECORD_NAME = "render-cache.json"
# output folder -> the save_as of the tags, categories and authors of the last build in this
# process that wrote there (see RenderRecord.remove_gone).
_WRAPPERS = {}
CALLS_RECORD_NAME = "render-calls.json"


class RenderRecord:
    """output file -> [page key, digest of the bytes written, source of its article or page,
    and once the build has written them (`StampNoted`), or a build has read the file and
    found them: its stamp], kept with the
    records of the output; the writer's calls (CachingWriter.write_file) -> [call key, the
    outputs the call made], apart; and what this build wrote, to remove what it no longer
    writes."""

    def __init__(self, settings):
        self.record = JsonRecord(settings, RECORD_NAME, of_output=True)
        self.rendered = self.reused_count = self.removed = 0
        self.pages = self.record.load({})
        self.produced = set()
        self.built_sources = set()
        # The writer's calls (a page, or a paginated list's pages): name -> [call key, outputs].
        self.calls_record = JsonRecord(settings, CALLS_RECORD_NAME, of_output=True)
        self.last_calls = self.calls_record.load({})
        self.calls = {}

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

    def noted(self, output_file, stamp):
        """The file of `output_file` holds the bytes just recorded for it, with `stamp`."""
        recorded = self.pages.get(output_file)
        if recorded is not None:
            recorded[3:] = [stamp]

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
        a source this build could not read stays (the problem panel says it is left over).
        Returns how many this build removed (with those of `remove_gone`)."""
        for output_file in sorted(set(self.pages) - self.produced):
            source = self.pages[output_file][2] if len(self.pages[output_file]) > 2 else ""
            if source and source not in self.built_sources and Path(source).exists():
                continue
            self._remove(output_path, output_file)
        return self.removed

    def remove_gone(self, output_path, addresses, wrappers):
        """Before the build writes a page, delete those it certainly no longer writes: the
        pages of a source that is gone (a deleted post), and every page of a tag, category or
        author the last build in this process had (`wrappers`: their save_as) and this one
        has not. A deleted post's page and its tag's then go at once, not once the build is
        done (the rest of what it no longer writes: `remove_stale`). `addresses`: the save_as
        of this build's contents, which are written again even when they were a gone one's."""
        written = set(addresses) | set(wrappers)
        gone = [
            output_file
            for output_file, recorded in self.pages.items()
            if len(recorded) > 2 and recorded[2] and recorded[2] not in self.built_sources
            if output_file not in written and not os.path.exists(recorded[2])
        ]
        for name in _WRAPPERS.get(output_path, frozenset()) - written:
            # A call's pages (a paginated list) are recorded when the build wrote it whole.
            gone += [
                output_file for output_file in self.last_calls.get(name, ((), [name]))[1] if output_file not in written
            ]
        _WRAPPERS[output_path] = frozenset(wrappers)
        for output_file in gone:
            if output_file in self.pages:
                self._remove(output_path, output_file)

    def _remove(self, output_path, output_file):
        """Delete an output this cache wrote, if it still holds what was written, and forget it."""
        path = Path(output_path) / output_file
        try:
            if _digest(path.read_bytes()) == self.pages[output_file][1]:
                path.unlink()
                self.removed += 1
                remove_empty_folders(path.parent, Path(output_path))
        except OSError:
            pass
        del self.pages[output_file]

    def intact(self, output_path, outputs):
        """Whether every file in `outputs` still has the stamp noted when it was written or
        last found holding the recorded bytes (`holds`)."""
        for output_file in outputs:
            recorded = self.pages.get(output_file)
            if recorded is None or len(recorded) < 4:
                return False
            if file_stamp(os.path.join(output_path, output_file)) != recorded[3]:
                return False
        return True

    def save(self):
        self.record.save(self.pages)
        self.calls_record.save(self.calls)


class StampNoted:
    """An output being written whole (servicebook.writing.replaced_whole): once it is in
    place, its stamp is noted in the record as the stamp of the bytes just recorded, so the
    next build need not read it to know it (a list the last save changed was keyed and read
    page by page again: the home page's 500 pages after a new post at 5,000 posts). Only if
    the file in place is the one written (its inode), not one a quick page wrote since."""

    def __init__(self, opened, record, path, output_file):
        self.opened, self.record, self.path, self.output_file = opened, record, path, output_file

    def __enter__(self):
        self.handle = self.opened.__enter__()
        return self.handle

    def __exit__(self, kind, error, trace):
        inode = os.fstat(self.handle.fileno()).st_ino if kind is None else None
        result = self.opened.__exit__(kind, error, trace)
        stamp = file_stamp(self.path) if kind is None else None
        if stamp is not None and stamp[0] == inode:
            self.record.noted(self.output_file, stamp)
        return result
