"""The cache's folders: one per fingerprint (settings and code), old ones removed; the
records of what the output holds outlive a change of fingerprint."""

import os
import re

from helpers import build_small_site, post
from servicebook.cache_folders import KEPT_OLD_FOLDERS, OUTPUTS_FOLDER, use_cache_folders


def fingerprint_folders(cache):
    return sorted(path.name for path in cache.iterdir() if re.fullmatch("[0-9a-f]{12}", path.name))


def test_what_was_deleted_before_a_build_under_new_settings_is_gone_from_the_output(tmp_path):
    files = {
        "posts/kept.md": post("Kept", "Still here.", slug="kept"),
        "posts/gone.md": post("Gone", "Deleted before the next build.", slug="gone"),
        "images/gone.txt": "a static file, deleted too\n",
    }
    output = build_small_site(tmp_path, files).output_path
    assert (output / "2024/gone/index.html").is_file() and (output / "images/gone.txt").is_file()
    (tmp_path / "content/posts/gone.md").unlink()
    (tmp_path / "content/images/gone.txt").unlink()
    # Another typogrify setting: the content cache starts a folder of its own.
    build_small_site(tmp_path, {}, TYPOGRIFY_DASHES="oldschool")
    assert len(fingerprint_folders(tmp_path / "cache")) == 2
    assert not (output / "2024/gone").exists()
    assert not (output / "images/gone.txt").exists()
    assert (output / "2024/kept/index.html").is_file()


def test_only_the_last_used_fingerprint_folders_stay(tmp_path):
    cache = tmp_path / "cache"
    old = [f"{number:012x}" for number in range(5)]
    for age, name in enumerate(old):
        (cache / name).mkdir(parents=True)
        (cache / name / "article-cache.pickle").write_bytes(b"x")
        os.utime(cache / name, (1_000_000 - age, 1_000_000 - age))  # old[0] the last used
    (cache / "notes").mkdir()  # not a fingerprint: not ours to remove
    settings = {"CACHE_PATH": str(cache), "OUTPUT_PATH": str(tmp_path / "output")}
    use_cache_folders(settings, fingerprint="abcdefabcdef")
    assert settings["CACHE_PATH"] == str(cache / "abcdefabcdef")
    assert settings["OUTPUT_RECORDS_PATH"].startswith(str(cache / OUTPUTS_FOLDER))
    assert sorted(path.name for path in cache.iterdir()) == sorted(["abcdefabcdef", *old[:KEPT_OLD_FOLDERS], "notes"])
    # Back to an older fingerprint: it is the one in use, and the one left stays.
    use_cache_folders({**settings, "CACHE_PATH": str(cache)}, fingerprint=old[1])
    assert fingerprint_folders(cache) == sorted(["abcdefabcdef", *old[:KEPT_OLD_FOLDERS]])
