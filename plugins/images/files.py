"""The image copies on disk: into the output, and out of the cache when no build uses them."""

import os
import shutil
import time
from pathlib import Path

# Cached copies no build has used for this long are deleted.
CACHE_DAYS = 30


def place(source, destination):
    """Copy `source` to `destination` unless it is there already (same size and time); a
    new file replaces the old one (never written through: it may be a link to the content)."""
    try:
        there, here = destination.stat(), source.stat()
        if there.st_size == here.st_size and there.st_mtime_ns == here.st_mtime_ns:
            return False
    except FileNotFoundError:
        pass
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    shutil.copy2(source, partial)
    os.replace(partial, destination)
    return True


def prune_cache(folder, used, days=CACHE_DAYS):
    """Mark this build's copies as used (at most daily) and delete those unused for `days`."""
    now = time.time()
    for path in Path(folder).glob("*"):
        age = now - path.stat().st_mtime
        if path.name in used:
            if age > 86400:
                os.utime(path)
        elif age > days * 86400:
            path.unlink(missing_ok=True)
