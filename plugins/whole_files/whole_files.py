"""Every output file is replaced whole: a reader never gets half of one.

`make serve` answers requests while it rebuilds, and a browser reloads as soon as a page is
written; a file emptied by `open(path, "w")` and then filled would give a half page to a
reload that comes between the two. Pages and feeds are written whole by the build's writer
(servicebook.writing.AtomicWriter, under render_cache's), and the sitemap by site_map with
servicebook.writing.write_text. This plugin covers the other writer of a build, for which
Pelican has no hook: Pelican copies static files and the theme's files with
`pelican.utils.copy_file`, which is given a whole-file version when a build starts.
(Pagefind writes its own bundle: new files under new names, then its entry file.)
"""

import shutil

from pelican import signals, utils

from servicebook.writing import replaced_whole


def copy_file_whole(source, destination):
    """`pelican.utils.copy_file`, through a file beside the destination."""
    try:
        with open(source, "rb") as original, replaced_whole(destination, "wb") as copy:
            shutil.copyfileobj(original, copy)
    except OSError as error:
        utils.logger.warning("A problem occurred copying file %s to %s; %s", source, destination, error)


def write_whole(pelican):
    """initialized: before anything is copied or written."""
    utils.copy_file = copy_file_whole


def register():
    signals.initialized.connect(write_whole)
