"""make serve: Pelican's content cache stays in memory from one build to the next.

Each Pelican build loads its reader cache from disk (every source's text and header,
pickled: 64 MB at 5,000 posts) and writes it back at the end. In the server that is about
3 s of every rebuild at 5,000 posts, and, while the last build's site is still held for
quick pages, a second copy of every article's text. Here the first build loads the file
as usual; every later build's readers get the same dictionary, which Pelican updates as
it reads the sources that changed (its stamps still decide which), and do not write it
back. The file keeps what the first build wrote; the next server or build re-reads the
sources saved since.
"""

import contextlib
import os

from pelican import generators
from pelican.readers import Readers


class KeptReaderCaches:
    """The reader caches of one long-lived process, by cache file."""

    def __init__(self):
        self.caches = {}

    def readers_class(self):
        kept = self.caches

        class KeptReaders(Readers):
            adopted = False

            def __init__(self, settings=None, cache_name=""):
                path = os.path.join(settings["CACHE_PATH"], cache_name) if cache_name else None
                if path not in kept:
                    super().__init__(settings, cache_name)
                    if self._cache_data_policy:
                        kept[path] = self._cache
                    return
                # Pelican loads the file whenever LOAD_CONTENT_CACHE is on: off while these
                # readers are made (the settings are the build's own dict, so it goes back).
                load = settings["LOAD_CONTENT_CACHE"]
                settings["LOAD_CONTENT_CACHE"] = False
                try:
                    super().__init__(settings, cache_name)
                finally:
                    settings["LOAD_CONTENT_CACHE"] = load
                self._cache = kept[path]
                self.adopted = True

            def save_cache(self):
                # The first build writes the file; what later builds read stays in memory.
                if not self.adopted:
                    super().save_cache()

        return KeptReaders

    @contextlib.contextmanager
    def installed(self):
        """Builds run inside use the kept caches (Pelican's generators make their readers
        from the name `Readers` in their module)."""
        original = generators.Readers
        generators.Readers = self.readers_class()
        try:
            yield self
        finally:
            generators.Readers = original
