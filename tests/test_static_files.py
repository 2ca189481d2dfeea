"""Files the last build put in the output beside the pages (static files, image copies) and
this build no longer makes are removed: the output is what a clean build writes."""

import os
import shutil
from pathlib import Path

from PIL import Image

from helpers import build_small_site, output_files, post
from servicebook.outputs_made import settle

HERON = post("A heron", "Seen at dawn: ![a heron](../images/heron.png)", slug="heron")
NOTES = post("Notes", "The [notes]({static}/files/notes.txt) of the meeting.", slug="notes")


def site_with_an_image_and_a_file(root):
    (root / "content" / "images").mkdir(parents=True)
    Image.new("RGB", (40, 30), "red").save(root / "content" / "images" / "heron.png")
    return build_small_site(root, {"posts/heron.md": HERON, "posts/notes.md": NOTES, "files/notes.txt": "notes\n"})


def built_clean(root, folder):
    """The same sources built into an empty output, with an empty cache."""
    clean = root.parent / folder
    shutil.copytree(root / "content", clean / "content")
    return build_small_site(clean, {})


def named(output, word):
    return sorted(path.relative_to(output).as_posix() for path in output.rglob(f"*{word}*") if path.is_file())


def test_a_deleted_image_and_static_file_leave_the_output(tmp_path):
    root = tmp_path / "served"
    output = site_with_an_image_and_a_file(root).output_path
    assert named(output, "heron") and named(output, "notes.txt")
    (root / "content" / "images" / "heron.png").unlink()
    (root / "content" / "files" / "notes.txt").unlink()
    build_small_site(root, {"posts/heron.md": HERON.replace("![a heron](../images/heron.png)", "nothing")})
    assert named(output, "heron.") == [] and named(output, "notes.txt") == []
    assert not (output / "files").exists(), "an emptied folder stayed"
    assert output_files(output) == output_files(built_clean(root, "clean").output_path)


def test_an_image_no_post_shows_keeps_only_its_clean_copy(tmp_path):
    root = tmp_path / "served"
    output = site_with_an_image_and_a_file(root).output_path
    assert len(named(output, "heron-")) >= 3  # its widths, in each format
    build_small_site(root, {"posts/heron.md": HERON.replace("![a heron](../images/heron.png)", "nothing")})
    assert named(output, "heron") == ["images/heron.png"]
    assert output_files(output) == output_files(built_clean(root, "clean").output_path)


def test_a_recorded_file_changed_since_is_left_alone(tmp_path):
    output = tmp_path / "output"
    settings = {"OUTPUT_PATH": str(output), "CACHE_PATH": str(tmp_path / "cache"), "CACHE_CONTENT": True}
    for relative in ("a/kept.txt", "a/b/gone.txt", "changed.txt"):
        (output / relative).parent.mkdir(parents=True, exist_ok=True)
        (output / relative).write_text("first", encoding="utf-8")
    assert settle(settings, "made.json", ["a/kept.txt", "a/b/gone.txt", "changed.txt"]) == []
    (output / "changed.txt").write_text("written by something else", encoding="utf-8")
    assert settle(settings, "made.json", ["a/kept.txt"]) == ["a/b/gone.txt"]
    assert sorted(os.listdir(output)) == ["a", "changed.txt"] and os.listdir(output / "a") == ["kept.txt"]


def test_a_file_that_cannot_be_removed_is_reported_and_tried_again(tmp_path, monkeypatch, caplog):
    output = tmp_path / "output"
    settings = {"OUTPUT_PATH": str(output), "CACHE_PATH": str(tmp_path / "cache"), "CACHE_CONTENT": True}
    output.mkdir()
    (output / "gone.txt").write_text("first", encoding="utf-8")
    settle(settings, "made.json", ["gone.txt"])
    unlink = Path.unlink

    def refused(path, *args, **kwargs):
        if path.parent != output:
            return unlink(path, *args, **kwargs)
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "unlink", refused)
    assert settle(settings, "made.json", []) == []
    [problem] = [record.problem for record in caplog.records if hasattr(record, "problem")]
    assert problem.source == str(output / "gone.txt") and "Permission denied" in problem.message
    monkeypatch.setattr(Path, "unlink", unlink)
    assert settle(settings, "made.json", []) == ["gone.txt"] and not os.listdir(output)
