"""What a plugin remembers from one build to the next: a JSON file in CACHE_PATH, or, for
a record of what is in the output folder, in OUTPUT_RECORDS_PATH (servicebook.cache_folders).

Kept only when the content cache is on (CACHE_CONTENT), like Pelican's own cache. A record
that cannot be read (missing, damaged, from an older version) reads as empty: the build then
does the work again, it never fails for it.

A process that builds again (make serve, the tests) gets back what it saved itself without
reading the file, as long as the file is the one it wrote: parsing the records took about
0.6 s of each rebuild at 5,000 posts.
"""

import json
from pathlib import Path

from servicebook.hashing import file_stamp
from servicebook.writing import write_text

# path -> (the file's stamp when this process wrote it, what it wrote there)
_SAVED = {}


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
        if self.path:
            if changed or not self.path.exists():
                write_text(self.path, json.dumps(data, separators=(",", ":")))
            _SAVED[self.path] = (file_stamp(self.path), data)
