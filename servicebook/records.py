"""What a plugin remembers from one build to the next: a JSON file in CACHE_PATH.

Kept only when the content cache is on (CACHE_CONTENT), like Pelican's own cache. A record
that cannot be read (missing, damaged, from an older version) reads as empty: the build then
does the work again, it never fails for it.
"""

import json
from pathlib import Path

from servicebook.writing import write_text


class JsonRecord:
    def __init__(self, settings, name):
        self.path = Path(settings["CACHE_PATH"]) / name if settings["CACHE_CONTENT"] else None

    def load(self, empty):
        """What was saved, or `empty` (which also gives the type a saved value must have)."""
        if self.path:
            try:
                found = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(found, type(empty)):
                    return found
            except (OSError, ValueError):
                pass
        return empty

    def save(self, data):
        """Write `data` whole (a build that stops meanwhile leaves the old record)."""
        if self.path:
            write_text(self.path, json.dumps(data, separators=(",", ":")))
