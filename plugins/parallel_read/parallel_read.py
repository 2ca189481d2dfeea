"""Read (markdown + typogrify) the sources that changed on every core, not one.

Reading is the largest part of a build from scratch: each article goes through Markdown and
typogrify (about 45% of a cold build of 2,000 posts), one after another in Pelican. Here, as
soon as the article and page generators exist, every source that Pelican's content cache
cannot serve is handed to a pool of worker processes (one per core), in the order Pelican
will ask for them. When Pelican then reads a file, it gets the worker's result through its
own reader cache (and keeps it there, when CACHE_CONTENT is on), and goes on with the rest of
its work (metadata, signals, our content checks) while the workers read the next files.

The workers run the very reader Pelican would (forked from this process, with the same
settings and plugins), so the result is the same. What a worker logs is logged again here,
in order, so no warning is lost. A file a worker cannot read is left to Pelican, which reads
it and reports the error as it always does.

Each tag, category and author in a result comes back with a copy of the settings (pickled
with it): 7.5 KB and some 50 lists and dicts per file, held for as long as the content cache
(and written into its file: 37 MB of its 65 MB at 5,000 posts), and walked by every full
garbage collection of a `make serve` process. They are given the generator's settings
again, the object Pelican's own reader gives them.

Settings: PARALLEL_READ (default True); PARALLEL_READ_MIN_FILES (default 16): with fewer
files to read, starting workers costs more than it saves.
"""

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from pelican import signals
from pelican.urlwrappers import URLWrapper
from pelican.utils import file_suffix

from servicebook.plugin_settings import declare
from servicebook.workers import logged_records, replay, usable_cpus

logger = logging.getLogger(__name__)

DEFAULTS = {
    "PARALLEL_READ": True,
    # With fewer files to read, starting workers costs more than it saves.
    "PARALLEL_READ_MIN_FILES": 16,
}
# The generator's readers, for the forked workers (set just before the pool starts).
_worker_readers = None


def read_in_worker(path):
    """In a worker: what the reader returns for `path`, and what was logged meanwhile."""
    with logged_records() as records:
        reader = _worker_readers.readers[file_suffix(path)]
        data = reader.read(path)
    return data, records


def with_own_settings(data, settings):
    """A reader's (content, metadata) from a worker, its tags, categories and authors given
    `settings` in place of the copy each was pickled with."""
    _, metadata = data
    for value in metadata.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, URLWrapper):
                item.settings = settings
    return data


def files_to_read(generator, paths, excludes):
    """Absolute paths, in Pelican's reading order, that its content cache cannot serve."""
    readers = generator.readers
    wanted = []
    for relative in generator.get_files(paths, exclude=excludes):
        path = os.path.abspath(os.path.join(generator.path, relative))
        if file_suffix(path) in readers.readers and readers.get_cached_data(path, None) is None:
            wanted.append(path)
    return wanted


class PreparedReads:
    """Results being made by the workers, served to Pelican through its reader cache."""

    def __init__(self, readers, paths, workers):
        global _worker_readers
        _worker_readers = readers
        self.readers = readers
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
        self.pending = {path: self.pool.submit(read_in_worker, path) for path in paths}
        self.pool.shutdown(wait=False)
        self.original = readers.get_cached_data
        # Pelican asks its cache before reading: answer from the workers first.
        readers.get_cached_data = self.get_cached_data

    def get_cached_data(self, path, default=None):
        future = self.pending.pop(path, None)
        if future is not None:
            try:
                data, records = future.result()
            except Exception:  # noqa: BLE001 - Pelican reads it again and reports the error
                data, records = None, []
            replay(records)
            if data is not None:
                data = with_own_settings(data, self.readers.settings)
                self.readers.cache_data(path, data)
                return data
        if not self.pending:
            self.readers.get_cached_data = self.original
        return self.original(path, default)


def _start(generator, paths_setting, excludes_setting):
    settings = generator.settings
    cpus = usable_cpus()
    if not settings["PARALLEL_READ"] or cpus < 2:
        return
    paths = files_to_read(generator, settings[paths_setting], settings[excludes_setting])
    if len(paths) >= settings["PARALLEL_READ_MIN_FILES"]:
        PreparedReads(generator.readers, paths, min(cpus, len(paths)))


def start_articles(generator):
    _start(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")


def start_pages(generator):
    _start(generator, "PAGE_PATHS", "PAGE_EXCLUDES")


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)


def register():
    signals.initialized.connect(declare_settings)
    signals.article_generator_init.connect(start_articles)
    signals.page_generator_init.connect(start_pages)
