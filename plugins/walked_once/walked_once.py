"""Each generator walks its folders once per build.

Pelican's articles generator walks its folders to find the sources, and again to warn about
files of a reader that is off; our content checks and parallel reads walk them too: four
walks of every folder per generator and build (about 17 ms each at 5,000 posts). Here a
generator keeps what its first walk found, every file but those IGNORE_FILES names, and
each later call takes the files with the extensions it asks for from it. The files of a
build are then also the same for all who ask: a file saved while the build runs waits for
the next build everywhere, not only in some of the checks.
"""

import os

from pelican import generators

_walk = generators.Generator.get_files


def get_files(generator, paths, exclude=None, extensions=None):
    """Generator.get_files, from the generator's first walk of the same folders."""
    walked = generator.__dict__.setdefault("_walked", {})
    key = (paths,) if isinstance(paths, str) else tuple(paths), tuple(exclude or ())
    if key not in walked:
        walked[key] = frozenset(_walk(generator, paths, exclude, extensions=False))
    if extensions is None:
        extensions = tuple(generator.readers.extensions)
    if extensions is False:
        return set(walked[key])
    return {path for path in walked[key] if _extension(path) in extensions}


def _extension(path):
    """What Pelican's generator takes for a file's extension."""
    return os.path.splitext(os.path.basename(path))[1][1:]


def register():
    generators.Generator.get_files = get_files
