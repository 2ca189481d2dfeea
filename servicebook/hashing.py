"""One digest for everything a build keeps to recognise what it has seen before."""

import hashlib
import os


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
