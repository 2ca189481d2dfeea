"""What an import found and did, and how that reads as text or as a JSON-able dict."""

import datetime as dt
from dataclasses import dataclass, field

from servicebook.problems import Problem

WRITTEN, OVERWRITTEN, WOULD_WRITE, WOULD_OVERWRITE, SKIPPED, FAILED, PENDING = (
    "written",
    "overwritten",
    "would write",
    "would overwrite",
    "skipped (file exists)",
    "failed",
    "not written yet",
)


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str
    reason: str = ""  # "boilerplate", "comment", "labels" (removed) or "date" (to Date:)


class Message(Problem):
    """A warning or error of the import: `file:line: text`, the build's Problem without a
    field; as JSON {"file", "line", "message"}."""

    def __init__(self, file: str, line: int | None, text: str):
        super().__init__(file, line or 0, "", text)

    def as_dict(self) -> dict:
        return {"file": self.source, "line": self.line or None, "message": self.message}


@dataclass(frozen=True)
class EmailNote:
    line: int
    address: str
    replacement: str


@dataclass
class Post:
    source_name: str
    title: str
    date: dt.date
    draft: bool
    body: str  # Markdown
    summary: str
    slug: str
    first_line: int
    last_line: int
    date_line: SourceLine | None = None
    title_line: int | None = None  # None when the title was made from the first sentence
    author: str | None = None
    author_source: str | None = None
    bio: str | None = None
    bio_lines: tuple[int, ...] = ()
    tags: list[str] = field(default_factory=list)
    tags_suggested: bool = False
    removed: list[SourceLine] = field(default_factory=list)
    emails: list[EmailNote] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    action: str = PENDING

    @property
    def file_name(self) -> str:
        return f"{self.date.isoformat()}-{self.slug}.md"

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "date": self.date.isoformat(),
            "draft": self.draft,
            "slug": self.slug,
            "file": self.file_name,
            "action": self.action,
            "lines": [self.first_line, self.last_line],
            "date_line": _line_dict(self.date_line) if self.date_line else None,
            "title_line": self.title_line,
            "author": self.author,
            "author_source": self.author_source,
            "bio": self.bio,
            "bio_lines": list(self.bio_lines),
            "tags": self.tags,
            "tags_suggested": self.tags_suggested,
            "summary": self.summary,
            "removed": [_line_dict(line) for line in self.removed],
            "emails": [
                {"line": note.line, "address": note.address, "replacement": note.replacement} for note in self.emails
            ],
            "warnings": [warning.as_dict() for warning in self.warnings],
        }


@dataclass
class FileReport:
    source_name: str
    encoding: str | None = None
    posts: list[Post] = field(default_factory=list)
    removed: list[SourceLine] = field(default_factory=list)  # boilerplate outside any post
    warnings: list[Message] = field(default_factory=list)
    errors: list[Message] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source_name,
            "encoding": self.encoding,
            "posts": [post.as_dict() for post in self.posts],
            "removed": [_line_dict(line) for line in self.removed],
            "warnings": [warning.as_dict() for warning in self.warnings],
            "errors": [error.as_dict() for error in self.errors],
        }


@dataclass
class ImportReport:
    source: str
    dest: str
    dry_run: bool = False
    files: list[FileReport] = field(default_factory=list)
    errors: list[Message] = field(default_factory=list)  # not about one file's content

    @property
    def posts(self) -> list[Post]:
        return [post for report in self.files for post in report.posts]

    @property
    def all_errors(self) -> list[Message]:
        return self.errors + [error for report in self.files for error in report.errors]

    @property
    def all_warnings(self) -> list[Message]:
        return [
            warning
            for report in self.files
            for warning in report.warnings + [warning for post in report.posts for warning in post.warnings]
        ]

    @property
    def ok(self) -> bool:
        return not self.all_errors

    def totals(self) -> dict:
        actions = [post.action for post in self.posts]
        return {
            "files": len(self.files),
            "posts": len(self.posts),
            "drafts": sum(post.draft for post in self.posts),
            "written": actions.count(WRITTEN) + actions.count(OVERWRITTEN),
            "would_write": actions.count(WOULD_WRITE) + actions.count(WOULD_OVERWRITE),
            "skipped": actions.count(SKIPPED),
            "warnings": len(self.all_warnings),
            "errors": len(self.all_errors),
        }

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "source": self.source,
            "dest": self.dest,
            "dry_run": self.dry_run,
            "totals": self.totals(),
            "errors": [error.as_dict() for error in self.errors],
            "files": [report.as_dict() for report in self.files],
        }

    def as_text(self) -> str:
        mode = " (dry run: nothing written)" if self.dry_run else ""
        lines = [f"Import from {self.source} into {self.dest}{mode}"]
        lines += [f"ERROR {error}" for error in self.errors]
        for report in self.files:
            lines += [""] + _file_text(report)
        totals = self.totals()
        lines += [
            "",
            (
                f"Totals: {totals['files']} file(s), {totals['posts']} post(s) "
                f"({totals['drafts']} draft(s)); {totals['written']} written, "
                f"{totals['would_write']} would be written, {totals['skipped']} skipped; "
                f"{totals['warnings']} warning(s), {totals['errors']} error(s)"
            ),
            "OK" if self.ok else "FAILED: see errors above",
        ]
        return "\n".join(lines) + "\n"


def _line_dict(line: SourceLine) -> dict:
    return {"line": line.number, "text": line.text, "reason": line.reason}


def _file_text(report: FileReport) -> list[str]:
    encoding = f" ({report.encoding})" if report.encoding else ""
    lines = [f"== {report.source_name}{encoding}: {len(report.posts)} post(s)"]
    lines += [f"  ERROR {error}" for error in report.errors]
    lines += [f"  warning: {warning}" for warning in report.warnings]
    lines += _removed_text(report.removed, "  ")
    for index, post in enumerate(report.posts, start=1):
        lines += _post_text(index, post)
    return lines


def _post_text(index: int, post: Post) -> list[str]:
    date_origin = (
        f"line {post.date_line.number}: {post.date_line.text.strip()}"
        if post.date_line
        else "no date line; file date used"
    )
    title_origin = f"line {post.title_line}" if post.title_line else "from the first sentence"
    lines = [
        f"  Post {index} (lines {post.first_line}-{post.last_line})",
        f"    title:   {post.title}  [{title_origin}]",
        f"    date:    {post.date.isoformat()}  [{date_origin}]",
        f"    status:  {'draft' if post.draft else 'published'}",
        f"    file:    {post.file_name}  [{post.action}]",
        f"    author:  {post.author or '(unknown)'}" + (f"  [{post.author_source}]" if post.author_source else ""),
        f"    tags:    {', '.join(post.tags) or '(none)'}"
        + (
            "  [suggested from the text, please review]"
            if post.tags_suggested
            else "  [from the post's labels]"
            if post.tags
            else ""
        ),
        f"    summary: {post.summary}",
    ]
    if post.bio:
        where = ", ".join(map(str, post.bio_lines))
        lines += [f"    kept as author bio (line {where}, moved to Bio:):", f"      {post.bio}"]
    lines += _removed_text(post.removed, "    ")
    if post.emails:
        lines.append("    e-mail addresses hidden:")
        lines += [f"      line {note.line}: {note.address} -> {note.replacement}" for note in post.emails]
    lines += [f"    warning: {warning}" for warning in post.warnings]
    return lines


def _removed_text(removed: list[SourceLine], indent: str) -> list[str]:
    headings = {
        "boilerplate": "removed as boilerplate",
        "comment": "removed comments",
        "labels": "labels (moved to Tags)",
    }
    lines = []
    for reason, heading in headings.items():
        chosen = [line for line in removed if line.reason == reason]
        if chosen:
            lines.append(f"{indent}{heading}:")
            lines += [f"{indent}  line {line.number}: {line.text.strip()}" for line in chosen]
    return lines
