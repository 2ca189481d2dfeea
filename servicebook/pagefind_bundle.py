"""A Pagefind bundle on disk: whether a folder is one, whether Pagefind has finished writing
it, and putting a new one in its place.

Pagefind writes a bundle in a folder of its own beside the one the search page reads
(`staging_folder`), and `replace_bundle` then moves it in file by file: Pagefind names its
data files after their contents, so the new ones go in beside the old, then the entry file
that names them replaces the old entry in one rename, then what only the old entry named is
removed. A search started at any moment of a rebuild reads one whole bundle, the old or the
new, never a bundle half written; and a build stopped while Pagefind writes leaves the old
bundle as it was.
"""

import contextlib
import fnmatch
import os
import shutil
from pathlib import Path

from servicebook.folders import files_under
from servicebook.pagefind_files import ENTRY, FRAGMENT_SUFFIX, read_pagefind_file
from servicebook.problems import Problem, ProblemsError

# The folder Pagefind writes a bundle in, inside the bundle's own folder.
STAGING = ".writing"
# What Pagefind writes in a bundle's folder: files by name, folders of files by their suffix.
_PAGEFIND_FILES = ("pagefind*", "*.pf_meta", "wasm.*.pagefind")
_PAGEFIND_FOLDERS = {"fragment": FRAGMENT_SUFFIX, "index": ".pf_index", "filter": ".pf_filter"}
_NAMED_BY_CONTENTS = (*_PAGEFIND_FOLDERS.values(), ".pf_meta")


class SearchIndexError(ProblemsError):
    """Pagefind could not index the site; the message says why (with Pagefind's output)."""

    def __init__(self, message):
        super().__init__("", [Problem("", 0, "", message, "error")])


def staging_folder(bundle_path):
    """Where Pagefind writes the bundle that replaces the one at `bundle_path`."""
    return bundle_path / STAGING


def remove_staging(bundle_path):
    """Remove what a Pagefind cut off (a build stopped, a server killed) had written beside
    the bundle at `bundle_path` and the bundles in it (shards): only call this while no
    Pagefind writes there."""
    for staging in [staging_folder(bundle_path), *Path(bundle_path).glob(f"*/{STAGING}")]:
        shutil.rmtree(staging, ignore_errors=True)


def check_bundle_place(bundle_path, spared=None):
    """SearchIndexError unless `bundle_path` is free or holds a Pagefind bundle (or what
    Pagefind had written of one when it was cut off): nothing else there is ever deleted.
    What `spared` (a glob, or None) matches in it is someone else's (the other shards, which
    may be written before this one) and is left alone."""
    if not bundle_path.exists():
        return
    looks_like_bundle = (bundle_path / ENTRY).exists() or (bundle_path / "pagefind.js").exists()
    # Every file looked at only without an entry: at 5,000 pages, 5,000 looks a write.
    if not bundle_path.is_dir() or not (
        looks_like_bundle or all(is_spared(path.name, spared) or is_pagefinds(path) for path in bundle_path.iterdir())
    ):
        raise SearchIndexError(
            f"Search index: {bundle_path} exists and is not a Pagefind index; move it away, "
            "Pagefind writes the search index there"
        )


def remove_old_bundle(bundle_path, spared=None):
    """Delete a previous index (see `check_bundle_place`). With `spared`, its folder stays,
    with what `spared` matches in it (the other shards)."""
    check_bundle_place(bundle_path, spared)
    if not bundle_path.exists():
        return
    if spared is None:
        shutil.rmtree(bundle_path)
        return
    for path in bundle_path.iterdir():
        if not is_spared(path.name, spared):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def is_pagefinds(path):
    """Whether `path`, in a bundle's folder, is a file or folder of Pagefind's own."""
    if path.is_dir():
        if path.name == STAGING:
            return True
        suffix = _PAGEFIND_FOLDERS.get(path.name)
        return suffix is not None and all(item.is_file() and item.name.endswith(suffix) for item in path.iterdir())
    return _is_pagefinds_file(path.name)


def _is_pagefinds_file(name):
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _PAGEFIND_FILES)


def is_spared(name, spared):
    """Whether `name`, in a bundle's folder, is what `spared` (a glob, or None) matches."""
    return spared is not None and fnmatch.fnmatchcase(name, spared)


def replace_bundle(bundle_path, spared=None):
    """Put the bundle written in `staging_folder(bundle_path)` in place of the one at
    `bundle_path` (see the module's docstring). What is not Pagefind's in that folder, and
    what `spared` matches, is left alone."""
    staging = staging_folder(bundle_path)
    new = sorted(files_under(staging), key=lambda relative: relative == ENTRY)  # the entry last
    folders = {""}
    for relative in new:
        folder = os.path.dirname(relative)
        if folder not in folders:
            os.makedirs(os.path.join(bundle_path, folder), exist_ok=True)
            folders.add(folder)
        staged, target = os.path.join(staging, relative), os.path.join(bundle_path, relative)
        if not (_is_named_by_contents(relative) and _same_size(staged, target)):
            os.replace(staged, target)
    shutil.rmtree(staging)
    kept = set(new)
    with os.scandir(bundle_path) as items:
        for item in items:
            if item.name in kept or is_spared(item.name, spared):
                continue
            if not item.is_dir(follow_symlinks=False):
                if _is_pagefinds_file(item.name):
                    os.unlink(item.path)
                continue
            suffix = _PAGEFIND_FOLDERS.get(item.name)
            if suffix is None:
                continue
            with os.scandir(item.path) as files:
                for file in files:
                    if file.name.endswith(suffix) and f"{item.name}/{file.name}" not in kept:
                        os.unlink(file.path)
            if item.name not in folders:
                with contextlib.suppress(OSError):  # not empty: someone else's file is in it
                    os.rmdir(item.path)


def _is_named_by_contents(relative):
    """Whether Pagefind names the file after its contents (its data files: a page's fragment,
    the index's chunks, filters and metadata), so that a file of that name in the old bundle
    holds the same bytes (unless cut off: the sizes tell) and stays as it is: at 5,000 pages,
    replacing each of them took 0.3-0.8 s."""
    return relative.endswith(_NAMED_BY_CONTENTS)


def _same_size(path, other):
    try:
        return os.stat(path).st_size == os.stat(other).st_size
    except OSError:
        return False


def file_sizes(files):
    """{path: size} of the paths `files` holds (a walk of a folder, done here), or None when
    one of them, or a folder being walked, vanished meanwhile: Pagefind is still replacing files."""
    try:
        return {path: path.stat().st_size for path in files}
    except FileNotFoundError:
        return None


def is_whole(path):
    """Whether a bundle file is complete: Pagefind's data files (`*.pf_*`) are gzip, which
    tells a cut-off file; the others just must not be empty (nor gone)."""
    if not path.suffix.startswith(".pf_"):
        try:
            return path.stat().st_size > 0
        except FileNotFoundError:
            return False
    try:
        read_pagefind_file(path)
    except (OSError, EOFError, ValueError):
        return False
    return True
