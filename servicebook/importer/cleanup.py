"""Separate a post's prose from comment threads, widgets and labels around it."""

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from servicebook.boilerplate import DEFAULT_BOILERPLATE_PATTERNS, compile_patterns, is_comment_author, line_kind

from .dates import is_timestamp_line
from .report import SourceLine

# Only dumps contain these (the built site never has comment threads), so they live here
# rather than in servicebook.boilerplate.
IMPORT_BOILERPLATE_PATTERNS = (r"reply( ↓)?|log in to reply",)

_COMMENT_COUNT = re.compile(
    r"(?:^|\s)(?P<count>\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
    r"(?:comments?|responses?|replies|thoughts?)\b",
    re.IGNORECASE,
)
_POSTED_BY = re.compile(r"posted by (?P<name>.{1,60}?) at \d", re.IGNORECASE)
_LABELS = re.compile(r"(?:labels?|tags)\s*:(?P<labels>.*)", re.IGNORECASE)
# How far after "NAME said..." a timestamp may appear for the line to count as a comment.
_TIMESTAMP_LOOKAHEAD = 8


@functools.lru_cache(maxsize=8)
def boilerplate_matcher(site_patterns: tuple[str, ...] = ()) -> re.Pattern:
    """One whole-line regex for every kind of boilerplate line, the import-only ones and the
    site's own COMMENT_BOILERPLATE_PATTERNS."""
    return compile_patterns(DEFAULT_BOILERPLATE_PATTERNS + IMPORT_BOILERPLATE_PATTERNS + tuple(site_patterns))


@dataclass
class SeparatedLines:
    kept: list[tuple[int, str]] = field(default_factory=list)  # "" marks a paragraph break
    removed: list[SourceLine] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    posted_by: tuple[str, int] | None = None  # (name, line) from a "Posted by NAME at 4:12 PM"


def separate_boilerplate(lines: Sequence[tuple[int, str]], boilerplate: re.Pattern) -> SeparatedLines:
    """Keep prose; move boilerplate, whole comment threads and label lines aside, verbatim.

    A comment thread runs from its opening line (a non-zero comment count, or "NAME said..."
    confirmed by a timestamp soon after) to the end of the post."""
    result = SeparatedLines()
    in_thread = in_share_block = False
    for index, (number, text) in enumerate(lines):
        stripped = text.strip()
        if not stripped:
            result.kept.append((number, ""))
            continue
        labels = _LABELS.fullmatch(stripped)
        if labels and _split_labels(labels["labels"]):
            result.labels += [label for label in _split_labels(labels["labels"]) if label not in result.labels]
            result.removed.append(SourceLine(number, text, "labels"))
            continue
        in_thread = in_thread or _opens_comment_thread(lines, index, boilerplate)
        is_boilerplate = bool(boilerplate.match(stripped)) or (
            in_share_block and line_kind(stripped) == "share-buttons"
        )
        if in_thread or is_boilerplate:
            reason = "boilerplate" if is_boilerplate else "comment"
            result.removed.append(SourceLine(number, text, reason))
            result.kept.append((number, ""))  # a removed line still separates paragraphs
            in_share_block = in_share_block or line_kind(stripped) == "share"
            posted_by = _POSTED_BY.match(stripped)
            if posted_by and result.posted_by is None:
                result.posted_by = (posted_by["name"].strip(), number)
            continue
        in_share_block = False
        result.kept.append((number, text))
    return result


def _split_labels(value: str) -> list[str]:
    return [label.strip() for label in value.split(",") if label.strip()]


def _opens_comment_thread(lines: Sequence[tuple[int, str]], index: int, boilerplate: re.Pattern) -> bool:
    text = lines[index][1].strip()
    if boilerplate.match(text):
        count = _COMMENT_COUNT.search(text)
        return bool(count) and count["count"].strip("0") != ""
    if is_comment_author(text):
        upcoming = [line for _, line in lines[index + 1 :] if line.strip()]
        return any(is_timestamp_line(line) for line in upcoming[:_TIMESTAMP_LOOKAHEAD])
    return False
