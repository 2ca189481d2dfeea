"""import_posts: find dump files, parse them, write one Pelican Markdown file per post."""

import datetime as dt
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from servicebook.headers import header_value

from .posts import parse_dump
from .rendering import IMPORTED_FROM, render_post_file
from .report import (
    FAILED,
    OVERWRITTEN,
    SKIPPED,
    WOULD_OVERWRITE,
    WOULD_WRITE,
    WRITTEN,
    FileReport,
    ImportReport,
    Message,
    Post,
)
from .settings import ImportSettings

DUMP_SUFFIXES = (".txt", ".md", ".html")
_HTML_TAG = re.compile(rb"<(?:/?[a-zA-Z][\w-]*|!--)[^>]*>")


def import_posts(
    source: Path, dest: Path, *, dry_run: bool = False, force: bool = False, settings: Mapping | None = None
) -> ImportReport:
    """Import a dump file, or every *.txt/*.md/*.html under a folder, into `dest`.

    Problems with one file are reported and the others still import; `report.ok` is False
    when anything went wrong. `dry_run` writes nothing; without `force` existing files are
    left alone."""
    options = ImportSettings.from_mapping(settings)
    source, dest = Path(source), Path(dest)
    report = ImportReport(source=str(source), dest=str(dest), dry_run=dry_run)
    if not source.exists():
        report.errors.append(Message(str(source), None, "source path does not exist"))
        return report
    paths = find_dump_files(source, exclude=dest)
    if not paths:
        report.errors.append(Message(str(source), None, "no *.txt, *.md or *.html files found"))
        return report
    taken_slugs: set[str] = set()
    for path in paths:
        name = path.relative_to(source).as_posix() if source.is_dir() else path.name
        file_report = read_dump_file(path, name, options)
        for post in file_report.posts:
            post.slug = unique_slug(post.slug, taken_slugs)
            write_post(post, dest, file_report, category=options.category, dry_run=dry_run, force=force)
        report.files.append(file_report)
    return report


def find_dump_files(source: Path, exclude: Path) -> list[Path]:
    """The dumps to import; never what an earlier run wrote into `exclude` (the destination),
    which may lie inside `source`."""
    if source.is_file():
        return [source]
    excluded = exclude.resolve()
    return sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and path.suffix.lower() in DUMP_SUFFIXES and excluded not in path.resolve().parents
    )


def read_dump_file(path: Path, name: str, settings: ImportSettings) -> FileReport:
    try:
        data = path.read_bytes()
        modified = dt.date.fromtimestamp(path.stat().st_mtime)
    except OSError as error:
        return FileReport(name, errors=[Message(name, None, f"cannot read: {error.strerror}")])
    report = parse_dump(data, source_name=name, fallback_date=modified, settings=settings)
    if path.suffix.lower() == ".html" and _HTML_TAG.search(data) and report.posts:
        report.warnings.append(
            Message(name, None, "an .html file is imported as copied text: any tags in it are shown literally")
        )
    return report


def unique_slug(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`… when an earlier post of this import has it (Pelican's
    URLs are by slug, so equal slugs would collide even on different dates)."""
    candidate, suffix = slug, 2
    while candidate in taken:
        candidate, suffix = f"{slug}-{suffix}", suffix + 1
    taken.add(candidate)
    return candidate


def write_post(post: Post, dest: Path, file_report: FileReport, *, category: str, dry_run: bool, force: bool) -> None:
    """Write `post` into `dest` (or only decide what would happen) and record it on the post."""
    # A dated post's file name is fixed by its date; only an undated one needs looking up.
    if post.date_line is None and (earlier := earlier_import(post, dest)):
        post.date = dt.date.fromisoformat(earlier.name[:10])  # keep the date it was given then
    target = dest / post.file_name
    exists = target.exists()
    if exists and not force:
        post.action = SKIPPED
        post.warnings.append(
            Message(post.source_name, post.first_line, f"{target} already exists: not overwritten (use --force)")
        )
    elif dry_run:
        post.action = WOULD_OVERWRITE if exists else WOULD_WRITE
    else:
        try:
            write_atomically(target, render_post_file(post, category))
        except OSError as error:
            post.action = FAILED
            file_report.errors.append(Message(post.source_name, post.first_line, f"cannot write {target}: {error}"))
        else:
            post.action = OVERWRITTEN if exists else WRITTEN


def earlier_import(post: Post, dest: Path) -> Path | None:
    """The file an earlier run wrote for this post. An undated post is named by its dump's
    modification date, which a copy or a fresh clone changes: match on slug and source."""
    marker = f"{IMPORTED_FROM}: {header_value(post.source_name)}"
    for candidate in sorted(dest.glob(f"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]-{post.slug}.md")):
        try:
            header = candidate.read_text(encoding="utf-8").split("\n\n", 1)[0]
        except (OSError, UnicodeDecodeError):
            continue
        if marker in header.splitlines():
            return candidate
    return None


def write_atomically(target: Path, text: str) -> None:
    """Readers (and a crash) see the old file or the new one, never half of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="\n", dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
