"""Content files' `Key: value` metadata header: reading it (with line numbers, for messages
that name the line), writing it, and the checks every header gets.

Pure functions over text, shared by the content checks, the casebook, the importer, the
authoring tasks and the bench.
"""

import difflib
import re
from dataclasses import dataclass

from pelican.utils import get_date

from servicebook.problems import Problem

# Keys Pelican itself understands; anything else close to a known key is probably a typo.
PELICAN_KEYS = frozenset(
    {
        "title",
        "date",
        "modified",
        "tags",
        "category",
        "author",
        "authors",
        "summary",
        "slug",
        "status",
        "lang",
        "translation",
        "save_as",
        "url",
        "template",
        "bio",
        "imported-from",
    }
)
_HEADER_LINE = re.compile(r"^(?P<key>[A-Za-z][\w-]*)\s*:\s*(?P<value>.*)$")


@dataclass
class HeaderField:
    value: str
    line: int


def read_header(text):
    """{lower-case key: HeaderField} for the `Key: value` lines before the first blank line."""
    header = {}
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            break
        match = _HEADER_LINE.match(line)
        if match:
            header[match["key"].lower()] = HeaderField(match["value"].strip(), number)
    return header


def header_line(path, key):
    """The line of file `path` that gives header field `key` (any case), or 0."""
    try:
        text = open(path, encoding="utf-8-sig", errors="replace").read()
    except OSError:
        return 0
    found = read_header(text).get(key.lower())
    return found.line if found else 0


def duplicate_problems(text, source):
    """One problem per header key given more than once (Pelican would keep a list, or one)."""
    seen, problems = {}, []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            break
        match = _HEADER_LINE.match(line)
        if not match:
            continue
        key = match["key"].lower()
        if key in seen:
            problems.append(
                Problem(source, number, match["key"], f"given twice (lines {seen[key]} and {number}); keep one")
            )
        else:
            seen[key] = number
    return problems


def body_of(text):
    """The text after the header (and its line number), or ('', 0) when there is none."""
    lines = text.lstrip("\ufeff").splitlines()
    for number, line in enumerate(lines):
        if not line.strip():
            return "\n".join(lines[number + 1 :]), number + 2
    return "", 0


def decode(raw, source):
    """(text, problems): UTF-8 (BOM allowed) or a problem naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        byte = raw[error.start : error.start + 1].hex()
        return "", [Problem(source, line, "Encoding", f"byte 0x{byte} is not UTF-8; re-save the file as UTF-8")]


def date_problems(header, source, required=False):
    if required and not header.get("date", HeaderField("", 0)).value:
        line = header["date"].line if "date" in header else 1
        return [Problem(source, line, "Date", "missing or empty; add `Date: YYYY-MM-DD` to the header")]
    if "date" in header and header["date"].value:
        try:
            get_date(header["date"].value)
        except ValueError:
            return [
                Problem(
                    source,
                    header["date"].line,
                    "Date",
                    f"{header['date'].value!r} is not a date; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM",
                )
            ]
    return []


def typo_problems(header, known, source):
    """Unknown keys that are one slip away from a known one (`Tittle:`)."""
    problems = []
    for key, field in header.items():
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
            if close:
                problems.append(
                    Problem(source, field.line, key.title(), f"unknown field; did you mean {close[0].title()}?")
                )
    return problems


def header_value(value):
    """A metadata value as one header line holds it: one line, not starting with whitespace."""
    return " ".join(str(value).split())


def format_header(fields, keep_empty=False):
    """The `Key: value` lines of a header for `fields` ({key: value} or (key, value) pairs),
    ending with the blank line before the body; empty values are left out unless `keep_empty`."""
    pairs = fields.items() if isinstance(fields, dict) else fields
    lines = [
        f"{key}: {header_value(value)}".rstrip() if value else f"{key}: " for key, value in pairs if value or keep_empty
    ]
    return "\n".join(lines) + "\n\n"
