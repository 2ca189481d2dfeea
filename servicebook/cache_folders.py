"""Where a build keeps what it remembers: CACHE_PATH, split in two.

- The content cache (Pelican's reads, the plugins' memos of what they worked out) depends on
  things Pelican does not check: the markdown and typogrify settings, the plugin list and
  our code. Each such combination gets a folder of its own in CACHE_PATH, named by its
  fingerprint, so a cache made under other settings or code is never used. A git pull that
  changes our code thus starts a new folder (tens of MB at 5,000 posts): the folders of the
  last KEPT_OLD_FOLDERS combinations stay (switching back is quick), older ones are removed.
- What the output folder holds (the pages and feeds the render cache wrote, the static files
  and image copies): kept per output folder in CACHE_PATH/outputs/, whatever the
  fingerprint, so a build under new code or settings still knows what the last one wrote,
  and removes what it no longer makes (a post deleted meanwhile). Records that say what is
  in the output are opened with `JsonRecord(..., of_output=True)`.
"""

import os
import re
import shutil
from pathlib import Path

from servicebook.hashing import digest

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS_FOLDER = "outputs"
KEPT_OLD_FOLDERS = 2
_FINGERPRINT = re.compile(r"[0-9a-f]{12}")


def cache_fingerprint(settings, code_roots=(ROOT / "plugins", ROOT / "servicebook")):
    """What Pelican's content cache depends on but does not check: the markdown and
    typogrify settings, the plugin list and our code (plugins and the package they share).
    Pelican only compares file dates, so a cache made under other settings would serve stale
    pages."""
    found = [
        f"{key}={settings[key]!r}"
        for key in sorted(settings)
        if key.startswith(("MARKDOWN", "TYPOGRIFY", "PLUGINS", "FORMATTED_FIELDS", "SLUG"))
    ]
    found += [source.read_bytes() for root in code_roots for source in sorted(Path(root).rglob("*.py"))]
    return digest(*found)[:12]


def use_cache_folders(settings, fingerprint=None):
    """Point CACHE_PATH at the fingerprint's folder and OUTPUT_RECORDS_PATH at the output
    folder's records (see the module's docstring); remove the folders of old fingerprints."""
    root = Path(settings["CACHE_PATH"])
    current = root / (fingerprint or cache_fingerprint(settings))
    output = os.path.abspath(settings["OUTPUT_PATH"])
    settings["CACHE_PATH"] = str(current)
    settings["OUTPUT_RECORDS_PATH"] = str(root / OUTPUTS_FOLDER / digest(output)[:12])
    current.mkdir(parents=True, exist_ok=True)
    os.utime(current)  # the newest in use, for `remove_old_folders`
    remove_old_folders(root, keep=current)


def remove_old_folders(root, keep):
    """Remove the fingerprint folders in `root` but `keep` and the KEPT_OLD_FOLDERS last used."""
    old = [path for path in Path(root).iterdir() if _FINGERPRINT.fullmatch(path.name) and path != Path(keep)]
    old.sort(key=_last_used, reverse=True)
    for path in old[KEPT_OLD_FOLDERS:]:
        shutil.rmtree(path, ignore_errors=True)


def _last_used(folder):
    try:
        return folder.stat().st_mtime
    except OSError:  # removed meanwhile by another build
        return 0.0
