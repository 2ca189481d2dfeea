"""What a plugin remembers from one build to the next: a JSON file in CACHE_PATH, or, for
a record of what is in the output folder, in OUTPUT_RECORDS_PATH (servicebook.cache_folders).

Kept only when the content cache is on (CACHE_CONTENT), like Pelican's own cache. A record
that cannot be read (missing, damaged, from an older version) reads as empty: the build then
does the work again, it never fails for it.

A process that builds again (make serve, the tests) gets back what it saved itself without
reading the file, as long as the file is the one it wrote: parsing the records took about
0.6 s of each rebuild at 5,000 posts.

Under make serve, what a build saves is written once the server is idle (`written_later`,
`write_saved`), not while the build runs: writing the records (about 5 MB of JSON at 5,000
posts) took 0.08–0.10 s of each rebuild. A record not written yet is written before another
build loads it, so a build that fails after loading it leaves the file as the last build saved
it; the build that saved it gets it back as it is (the articles' and the pages' content checks
share one record).
"""

import contextlib
import itertools
import json
import threading
from pathlib import Path

from servicebook.hashing import file_stamp
from servicebook.writing import write_text

# path -> (the file's stamp when this process wrote it, what it wrote there)
_SAVED = {}
# path -> (the `written_later` block that saved it, what it saved), not written yet
_UNWRITTEN = {}
_unwritten_lock = threading.Lock()
_later = threading.local()
_blocks = itertools.count(1)


@contextlib.contextmanager
def written_later():
    """The records this thread saves in the block are written by `write_saved`, or before
    another block loads them, not at once."""
    # The paths whose unwritten record this block took back: saved again unchanged, it is
    # still to be written.
    _later.block, _later.taken = next(_blocks), set()
    try:
        yield
    finally:
        _later.block, _later.taken = None, set()


def write_saved():
    """Write the records saved inside `written_later` and not written yet."""
    with _unwritten_lock:
        while _UNWRITTEN:
            path, (_, data) = _UNWRITTEN.popitem()
            _write(path, data)


def _write(path, data):
    write_text(path, json.dumps(data, separators=(",", ":")))
    _SAVED[path] = (file_stamp(path), data)


class JsonRecord:
    def __init__(self, settings, name, of_output=False):
        """`of_output`: the record says what the output folder holds, so it outlives a change
        of code or settings (a build without OUTPUT_RECORDS_PATH keeps it in CACHE_PATH)."""
        folder = settings.get("OUTPUT_RECORDS_PATH") if of_output else None
        self.path = Path(folder or settings["CACHE_PATH"]) / name if settings["CACHE_CONTENT"] else None

    def load(self, empty):
        """What was saved, or `empty` (which also gives the type a saved value must have).
        The value is the caller's: this process's copy is handed over once."""
        if self.path:
            with _unwritten_lock:
                if self.path in _UNWRITTEN:
                    block, data = _UNWRITTEN.pop(self.path)
                    if block == getattr(_later, "block", None) and isinstance(data, type(empty)):
                        _later.taken.add(self.path)
                        return data
                    _write(self.path, data)
            stamp, kept = _SAVED.pop(self.path, (None, None))
            if stamp is not None and stamp == file_stamp(self.path) and isinstance(kept, type(empty)):
                return kept
            try:
                found = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(found, type(empty)):
                    return found
            except (OSError, ValueError):
                pass
        return empty

    def save(self, data, changed=True):
        """Write `data` whole (a build that stops meanwhile leaves the old record). `data` is
        kept for this process's next `load`: the caller does not change it afterwards.
        `changed=False`: `data` is what `load` gave, unchanged, so the file is not written."""
        if not self.path:
            return
        block = getattr(_later, "block", None)
        # Unchanged, and the file is there (it has a stamp): nothing to write.
        stamp = None if changed or self.path in getattr(_later, "taken", ()) else file_stamp(self.path)
        if stamp is not None:
            _SAVED[self.path] = (stamp, data)
        elif block is None:
            _write(self.path, data)
        else:
            with _unwritten_lock:
                _UNWRITTEN[self.path] = block, data
