"""The importer (servicebook.importer): writing files, accounting for every word, the real
seeds end to end, and the invoke task."""

import datetime as dt
import html
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from importer_helpers import (
    EMAIL,
    FIXTURES,
    POST,
    SEEDS,
    THIRD_PERSON_BIO,
    body_of,
    html_text,
    needs_seeds,
    seed,
    seed_line,
    words,
)
from servicebook.boilerplate import is_boilerplate
from servicebook.importer import import_posts
from servicebook.importer import run as run_module
from servicebook.importer.cleanup import boilerplate_matcher

# --- writing ------------------------------------------------------------------------------------


def test_dry_run_writes_nothing(tmp_path):
    dest = tmp_path / "out"
    report = import_posts(FIXTURES, dest, dry_run=True)
    assert not dest.exists()
    assert {post.action for post in report.posts} == {"would write"}
    assert report.ok and "dry run" in report.as_text()


def test_rerun_skips_existing_files_unless_forced(tmp_path):
    source = FIXTURES / "three_posts.txt"
    first = import_posts(source, tmp_path)
    assert [post.action for post in first.posts] == ["written"] * 3
    target = tmp_path / first.posts[0].file_name
    target.write_text("edited by hand", encoding="utf-8")

    again = import_posts(source, tmp_path)
    assert [post.action for post in again.posts] == ["skipped (file exists)"] * 3
    assert target.read_text(encoding="utf-8") == "edited by hand"
    assert any("already exists" in str(w) and "--force" in str(w) for w in again.all_warnings)
    assert again.ok

    forced = import_posts(source, tmp_path, force=True)
    assert [post.action for post in forced.posts] == ["overwritten"] * 3
    assert target.read_text(encoding="utf-8").startswith("Title: ")
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(post.file_name for post in forced.posts)


def test_rerun_finds_an_undated_post_whose_dump_was_copied_since(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text("Only a body here, no date and no title. It goes on.\n", encoding="utf-8")
    os.utime(dump, (1262304000, 1262304000))  # 2010-01-01
    [first] = import_posts(dump, tmp_path / "out").posts
    os.utime(dump, (1577836800, 1577836800))  # a copy made in 2020
    [again] = import_posts(dump, tmp_path / "out").posts
    assert again.file_name == first.file_name and again.action == "skipped (file exists)"
    [forced] = import_posts(dump, tmp_path / "out", force=True).posts
    assert forced.action == "overwritten"
    assert [path.name for path in (tmp_path / "out").iterdir()] == [first.file_name]


def test_destination_inside_the_source_is_not_imported_again(tmp_path):
    (tmp_path / "dump.txt").write_text(POST.format(date="June 1, 2010"), encoding="utf-8")
    import_posts(tmp_path, tmp_path / "out")
    again = import_posts(tmp_path, tmp_path / "out")
    assert [file.source_name for file in again.files] == ["dump.txt"]


def test_write_is_atomic(tmp_path, monkeypatch):
    source = FIXTURES / "crlf_post.txt"
    [post] = import_posts(source, tmp_path).posts
    target = tmp_path / post.file_name
    target.write_text("the previous version", encoding="utf-8")

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(run_module.os, "replace", crash)
    report = import_posts(source, tmp_path, force=True)
    assert target.read_text(encoding="utf-8") == "the previous version"  # old file intact
    assert [path.name for path in tmp_path.iterdir()] == [target.name]  # no temp file left
    assert not report.ok and "disk full" in report.all_errors[0].message
    assert report.posts[0].action == "failed"


def test_same_date_and_slug_get_distinct_names(tmp_path):
    text = (
        POST.format(date="June 1, 2010")
        + "\n"
        + POST.format(date="June 1, 2010")
        + "\n"
        + POST.format(date="July 1, 2010")
    )
    (tmp_path / "twice.txt").write_text(text, encoding="utf-8")
    report = import_posts(tmp_path / "twice.txt", tmp_path / "out")
    assert [post.file_name for post in report.posts] == [
        "2010-06-01-a-title.md",
        "2010-06-01-a-title-2.md",
        "2010-07-01-a-title-3.md",
    ]
    assert len(list((tmp_path / "out").iterdir())) == 3
    assert "Slug: a-title-2" in (tmp_path / "out" / "2010-06-01-a-title-2.md").read_text()


def test_undated_file_uses_the_file_modification_date(tmp_path):
    dump = tmp_path / "undated.txt"
    dump.write_text("Just some text without a date. More text.\n", encoding="utf-8")
    stamp = dt.datetime(2016, 5, 17, 12, 0).timestamp()
    os.utime(dump, (stamp, stamp))
    report = import_posts(dump, tmp_path / "out")
    [post] = report.posts
    assert post.draft and post.file_name.startswith("2016-05-17-just-some-text")
    assert "Status: draft" in (tmp_path / "out" / post.file_name).read_text()


def test_report_as_text_and_dict(tmp_path):
    report = import_posts(FIXTURES / "wordpress_with_comments.txt", tmp_path)
    text = report.as_text()
    for expected in (
        "wordpress_with_comments.txt",
        "2015-03-03",
        "Dana Whitfield",
        "removed as boilerplate:",
        "line 13: Share this:",
        "removed comments:",
        "line 21: Marcus Bell says:",
        "oscar.mendes@example.com ->",
        "suggested",
        "[written]",
        "OK",
    ):
        assert expected in text, expected
    data = json.loads(json.dumps(report.as_dict()))
    [post] = data["files"][0]["posts"]
    assert post["date_line"]["text"] == "Posted on March 3, 2015 by Dana Whitfield"
    assert post["emails"][0]["address"] == "oscar.mendes@example.com"
    assert data["totals"]["written"] == 1 and data["ok"] is True


def test_report_names_the_bio_and_every_warning(tmp_path):
    source = tmp_path / "dump.txt"
    # March 3, 2015 was a Tuesday: a warning on the file. Importing twice: one on the post.
    source.write_text(f"Monday, March 3, 2015\n\nA title\n\nSome text here.\n\n{THIRD_PERSON_BIO}\n", encoding="utf-8")
    import_posts(source, tmp_path / "out")
    report = import_posts(source, tmp_path / "out")
    warnings = report.all_warnings
    assert [w.message.split()[0] for w in warnings] == ["weekday", str(tmp_path / "out" / "2015-03-03-a-title.md")]
    text = report.as_text()
    assert f"kept as author bio (line 7, moved to Bio:):\n      {THIRD_PERSON_BIO}" in text
    for warning in warnings:
        assert f"warning: {warning}" in text
    data = json.loads(json.dumps(report.as_dict()))
    [file_data] = data["files"]
    [post] = file_data["posts"]
    assert post["bio"] == THIRD_PERSON_BIO and post["bio_lines"] == [7]
    messages = [w["message"] for w in file_data["warnings"] + post["warnings"]]
    assert sorted(messages) == sorted(w.message for w in warnings)


# --- nothing lost -------------------------------------------------------------------------------


def assert_every_word_accounted_for(source: Path, dest: Path, **settings):
    report = import_posts(source, dest, settings=settings)
    assert report.ok, report.as_text()
    [file_report] = report.files
    accounted = Counter()
    for post in file_report.posts:
        header, body = (dest / post.file_name).read_text(encoding="utf-8").split("\n\n", 1)
        fields = dict(line.split(": ", 1) for line in header.splitlines())
        # Only the body, the title and the bio hold the source's text: the Summary, Tags and
        # Slug repeat it, so counting them would hide a loss.
        kept = " ".join([body, fields["Title"], fields.get("Bio", "")])
        accounted += words(html.unescape(re.sub(r"\\(.)", r"\1", kept)))
        accounted += words(" ".join(line.text for line in post.removed))
        accounted += words(" ".join(note.address for note in post.emails))
        accounted += words(post.date_line.text if post.date_line else "")
    accounted += words(" ".join(line.text for line in file_report.removed))
    source_text = source.read_bytes().decode("cp1252" if file_report.encoding == "windows-1252" else "utf-8-sig")
    missing = words(source_text) - accounted
    assert not missing, f"words lost from {source.name}: {dict(missing)}"
    return report


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.iterdir()))
def test_nothing_lost_from_fixtures(name, tmp_path):
    assert_every_word_accounted_for(FIXTURES / name, tmp_path)


@needs_seeds
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize("policy", ["cloak", "drop"])
def test_nothing_lost_from_seeds(prefix, policy, tmp_path):
    assert_every_word_accounted_for(seed(prefix), tmp_path, IMPORT_EMAIL_POLICY=policy)


@pytest.mark.parametrize(
    "lose",
    [
        lambda text: text.rsplit("\n\n", 1)[0],  # the body's last paragraph
        # the body's first paragraph, whose words the Summary repeats
        lambda text: re.sub(r"(\n\n)[^\n]+\n\n", r"\1", text, count=1),
    ],
    ids=["last paragraph", "first paragraph"],
)
def test_word_accounting_notices_a_loss(tmp_path, monkeypatch, lose):
    real = run_module.render_post_file
    monkeypatch.setattr(run_module, "render_post_file", lambda post, category: lose(real(post, category)))
    with pytest.raises(AssertionError, match="words lost"):
        assert_every_word_accounted_for(FIXTURES / "crlf_post.txt", tmp_path)


# --- the real seeds end to end ------------------------------------------------------------------


@needs_seeds
def test_seeds_end_to_end(tmp_path):
    report = import_posts(SEEDS, tmp_path)
    assert report.ok, report.as_text()
    by_file = {file.source_name[:3]: file.posts for file in report.files}
    assert sorted(by_file) == ["000", "001", "002", "003", "004"]
    assert [len(by_file[prefix]) for prefix in sorted(by_file)] == [1, 1, 2, 1, 1]
    mtime_date = dt.date.fromtimestamp(seed("001").stat().st_mtime)
    # 002's second date line reads February 1 (a Monday), not February 8.
    assert [post.date for prefix in sorted(by_file) for post in by_file[prefix]] == [
        dt.date(2013, 4, 29),
        mtime_date,
        dt.date(2010, 2, 8),
        dt.date(2010, 2, 1),
        dt.date(2021, 4, 29),
        dt.date(2007, 6, 19),
    ]
    assert [post.draft for post in report.posts] == [False, True, False, False, False, False]

    titles = {prefix: [post.title for post in posts] for prefix, posts in by_file.items()}
    assert titles["000"] == [seed_line("000", 3)]
    assert titles["002"] == [seed_line("002", 3), seed_line("002", 25)]
    assert titles["003"] == [seed_line("003", 3)]
    assert titles["004"] == [seed_line("004", 3)]
    [draft] = by_file["001"]
    assert draft.title_line is None and len(draft.title) <= 80
    assert seed_line("001", 1).startswith(draft.title.rstrip("…"))
    assert any("001_" in str(w) and "no date line and no title" in str(w) for w in draft.warnings)

    authors = [post.author for post in report.posts]
    # 002's second post is unsigned: it gets the first one's author, with a warning.
    assert authors == [
        None,
        None,
        seed_line("002", 21),
        seed_line("002", 21),
        None,
        " ".join(seed_line("004", 23).split()[:2]),
    ]
    assert any("taken from another post in this file" in str(w) for w in by_file["002"][1].warnings)
    assert [post.bio is not None for post in report.posts] == [False] * 4 + [True, True]
    assert by_file["003"][0].bio == " ".join(seed_line("003", 38).split())
    assert by_file["004"][0].bio == seed_line("004", 23)
    assert [removed.number for removed in by_file["003"][0].removed] == [43, 45, 47, 49, 51]
    assert [removed.number for removed in by_file["001"][0].removed] == [8, 9]

    written = sorted(tmp_path.iterdir())
    assert len(written) == 6
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not EMAIL.search(text), path.name
        body = body_of(path)
        for line in body.splitlines():
            assert not is_boilerplate(line), (path.name, line)
            assert not boilerplate_matcher().match(line), (path.name, line)
        assert "Bio:" not in body
    kimm = (tmp_path / by_file["004"][0].file_name).read_text(encoding="utf-8")
    assert "techsurvivor [at] soaringmountain [dot] com" in html_text(kimm.split("\n\n", 1)[1])
    assert seed_line("004", 23) not in body_of(tmp_path / by_file["004"][0].file_name)
    assert f"Author: {authors[-1]}" in kimm.split("\n\n", 1)[0]
    headings = body_of(tmp_path / by_file["000"][0].file_name).count("\n## ")
    assert headings == 3  # the three short section lines of 000


# --- the invoke task ----------------------------------------------------------------------------


def test_import_task_writes_the_json_report_and_exits_non_zero_on_errors(tmp_path, capsys):
    from invoke import Context
    from invoke.exceptions import Exit

    import tasks

    report = tmp_path / "report.json"
    tasks.import_posts(Context(), str(FIXTURES / "three_posts.txt"), str(tmp_path / "out"), report=str(report))
    written = json.loads(report.read_text(encoding="utf-8"))
    assert [(post["date"], post["title"], post["author"], post["action"]) for post in written["files"][0]["posts"]] == [
        ("2019-03-04", "Five Things Our Help Desk Learned in February", None, "written"),
        ("2019-03-07", "When the Invoice Is Wrong", "Marta", "written"),
        ("2019-03-12", "A Quiet Week", "Priya Natarajan", "written"),
    ]
    assert written["files"][0]["posts"][0]["tags"] == ["support", "self-service"]
    assert "three_posts.txt" in capsys.readouterr().out
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(Exit) as exited:
        tasks.import_posts(Context(), str(tmp_path / "empty.txt"), str(tmp_path / "out"))
    assert exited.value.code == 1
    assert "empty.txt" in capsys.readouterr().out


def test_make_import_passes_dry_run_and_force_through_to_the_importer(tmp_path):
    """`make import SOURCE=… DEST=… ARGS=…` as an author types it, down to the invoke flags."""
    import subprocess
    import sys

    from helpers import ROOT

    dest = tmp_path / "out"

    def make_import(*args):
        # This interpreter's invoke, and no venv set-up: the test is about the import target.
        command = [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT),
            "-o",
            ".venv/.installed",
            f"BIN={Path(sys.executable).parent}",
            "import",
            f"SOURCE={FIXTURES / 'three_posts.txt'}",
            f"DEST={dest}",
            f"ARGS={' '.join(args)}",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "3 would be written" in make_import("--dry-run") and not dest.exists()
    assert "3 written" in make_import()
    written = dest / "2019-03-07-when-the-invoice-is-wrong.md"
    written.write_text(written.read_text(encoding="utf-8") + "\nAn edit of mine.\n", encoding="utf-8")
    assert "3 skipped" in make_import() and "An edit of mine." in written.read_text(encoding="utf-8")
    assert "3 written" in make_import("--force") and "An edit of mine." not in written.read_text(encoding="utf-8")
