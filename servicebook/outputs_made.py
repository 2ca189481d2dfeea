"""Files a plugin puts in the output folder beside the pages (static files, image copies):
those the last build made and this one no longer makes are removed.

Pelican never removes anything from the output. A static file or an image deleted from the
content would stay in every later build into the same folder (`make serve`'s), though a
clean build has no such file. So each plugin that puts such files there records them as they
are when its build ends (`settle`, with size and modification time), and the next build
removes each recorded file it no longer makes, unless the file changed since: then something
else wrote it, and it is left alone.
"""

import logging
from pathlib import Path, PurePosixPath

from servicebook.problems import Problem, report
from servicebook.records import JsonRecord

logger = logging.getLogger(__name__)


def settle(settings, record_name, made):
    """Record `made` (output-relative paths this build made) as `record_name`, a record of
    the output (servicebook.cache_folders); remove the files the last build recorded there
    that this one did not make. Returns the
    removed paths. A file that cannot be removed is reported, and stays recorded: the next
    build tries again."""
    output = Path(settings["OUTPUT_PATH"])
    record = JsonRecord(settings, record_name, of_output=True)
    made = {PurePosixPath(relative).as_posix() for relative in made}
    removed, stuck = [], []
    for relative, kept in sorted(record.load({}).items()):
        if relative in made or ".." in PurePosixPath(relative).parts or PurePosixPath(relative).is_absolute():
            continue
        path = output / relative
        if _stamp(path) == kept:
            try:
                path.unlink()
            except OSError as error:
                stuck.append(relative)
                report(logger, Problem(str(path), 0, "", f"no longer built, but it could not be removed: {error}"))
                continue
            removed.append(relative)
            remove_empty_folders(path.parent, output)
    stamps = {relative: _stamp(output / relative) for relative in sorted({*made, *stuck})}
    record.save({relative: stamp for relative, stamp in stamps.items() if stamp})
    return removed


def _stamp(path):
    """[size, modification time] of `path` itself (a link, not what it points to), or None."""
    try:
        found = path.lstat()
    except OSError:
        return None
    return [found.st_size, found.st_mtime_ns]


def remove_empty_folders(folder, root):
    """Remove `folder` and each parent up to `root` (not included) while they are empty."""
    folder, root = Path(folder), Path(root)
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
