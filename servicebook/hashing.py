"""One digest for everything a build keeps to recognise what it has seen before."""

import contextlib
import hashlib
import os
import threading


def digest(*parts):
    """A short hex digest of `parts` (str or bytes), each kept apart from the next."""
    found = hashlib.blake2b(digest_size=16)
    for part in parts:
        found.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
        found.update(b"\0")
    return found.hexdigest()


def stamp_of(found):
    """What changes whenever a file is written or replaced, from its `os.stat` result: inode,
    size, modification time and change time (which no one can set back). A list, as a JSON
    record keeps it."""
    return [found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns]


def file_stamp(path):
    """`stamp_of` the file at `path`, or None if there is none."""
    try:
        return stamp_of(os.stat(path))
    except OSError:
        return None


# Within `stats_held`, on its thread: {path: os.stat result, or None for no file}.
_HELD = threading.local()


@contextlib.contextmanager
def stats_held():
    """In the block, on this thread, `source_stat` looks at each file once. A build looks at
    every source four times (the content checks, the parallel reads' look at the reader
    cache, the kept reads and make serve's quick-page record: 0.03 s each at 5,000 posts).
    A source saved while the build runs may be seen as it was: the save asks for the next
    build (make serve), which sees it."""
    previous = getattr(_HELD, "stats", None)
    _HELD.stats = {}
    try:
        yield
    finally:
        _HELD.stats = previous


def source_stat(path):
    """The os.stat result of the file at `path` (None if there is none): as first seen in this
    thread's `stats_held` block, or now outside one."""
    held = getattr(_HELD, "stats", None)
    key = os.fspath(path)
    if held is not None and key in held:
        return held[key]
    try:
        found = os.stat(key)
    except OSError:
        found = None
    if held is not None:
        held[key] = found
    return found


def source_stamp(path):
    """`stamp_of` the file at `path` (None if there is none), as `source_stat` sees it."""
    found = source_stat(path)
    return None if found is None else stamp_of(found)
