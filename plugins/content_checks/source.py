"""Reading a content file's metadata header, and the checks every content file gets.

Pure functions over text, shared with the casebook plugin, so that every message names the
file and line and says what to do.
"""

import difflib
import os
import re
from dataclasses import dataclass

from pelican.utils import get_date

from servicebook.problems import Problem

# Keys Pelican itself understands; anything else close to a known key is probably a typo.
PELICAN_KEYS = frozenset({
    "title", "date", "modified", "tags", "category", "author", "authors", "summary", "slug",
    "status", "lang", "translation", "save_as", "url", "template", "bio", "imported-from",
})
_HEADER_LINE = re.compile(r"^(?P<key>[A-Za-z][\w-]*)\s*:\s*(?P<value>.*)$")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]")
_INTERNAL_LINK = re.compile(r"\{(?P<kind>filename|static|attach)\}(?P<target>[^)\s\"'>]+)")
# An image by its site path (`![x](/images/a.png)`, `<img src="/images/a.png">`): the file
# must be in the content folder, from where Pelican copies it to the same path.
_ROOT_IMAGE = re.compile(r"(?:!\[[^\]]*\]\(\s*<?|<img\b[^>]*?\bsrc\s*=\s*[\"']?)(?P<target>/(?!/)[^)\s\"'>]*)")


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
            problems.append(Problem(source, number, match["key"],
                                    f"given twice (lines {seen[key]} and {number}); keep one"))
        else:
            seen[key] = number
    return problems


def body_of(text):
    """The text after the header (and its line number), or ('', 0) when there is none."""
    lines = text.lstrip("\ufeff").splitlines()
    for number, line in enumerate(lines):
        if not line.strip():
            return "\n".join(lines[number + 1:]), number + 2
    return "", 0


def decode(raw, source):
    """(text, problems): UTF-8 (BOM allowed) or a problem naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        byte = raw[error.start: error.start + 1].hex()
        return "", [Problem(source, line, "Encoding", f"byte 0x{byte} is not UTF-8; re-save the file as UTF-8")]


# HTML5 parse errors: C0 controls other than tab, newline, form feed and carriage return,
# DEL, C1 controls, and the non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def control_problems(text, source):
    """One problem per line that holds an invisible control character."""
    return [
        Problem(source, number, "Text", f"control character U+{ord(match[0]):04X} (invisible); delete it")
        # split on "\n" only: splitlines() would treat U+0085 itself as a line break.
        for number, line in enumerate(text.split("\n"), start=1)
        for match in [_CONTROL.search(line)] if match
    ]


def date_problems(header, source, required=False):
    if required and not header.get("date", HeaderField("", 0)).value:
        line = header["date"].line if "date" in header else 1
        return [Problem(source, line, "Date", "missing or empty; add `Date: YYYY-MM-DD` to the header")]
    if "date" in header and header["date"].value:
        try:
            get_date(header["date"].value)
        except ValueError:
            return [Problem(source, header["date"].line, "Date",
                            f"{header['date'].value!r} is not a date; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM")]
    return []


def typo_problems(header, known, source):
    """Unknown keys that are one slip away from a known one (`Tittle:`)."""
    problems = []
    for key, field in header.items():
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
            if close:
                problems.append(Problem(source, field.line, key.title(), f"unknown field; did you mean {close[0].title()}?"))
    return problems


def markup_problems(header, source):
    """Titles, tags, summaries, authors and categories are text: markup in them is shown
    literally, which is rarely meant."""
    return [
        Problem(source, header[key].line, key.title(),
                f"contains HTML markup ({header[key].value!r}); it is shown as text, remove the markup")
        for key in ("title", "tags", "summary", "author", "authors", "category") if key in header and _MARKUP.search(header[key].value)
    ]


def link_problems(body, first_line, source_path, content_root, source):
    """{filename}/{static}/{attach} links, and images by site path, whose file does not exist."""
    problems = []
    for offset, line in enumerate(body.splitlines()):
        found = [(match[0], match["kind"], match["target"]) for match in _INTERNAL_LINK.finditer(line)]
        found += [(match["target"], "image", match["target"]) for match in _ROOT_IMAGE.finditer(line)]
        for written, kind, target in found:
            target = target.split("#", 1)[0].split("?", 1)[0]
            base = content_root if target.startswith("/") else source_path.parent
            missing = base / target.lstrip("/")
            if target and not missing.exists():
                what = "page" if kind == "filename" else "image or file"
                shown = os.path.relpath(missing, content_root.parent)
                problems.append(Problem(
                    source, first_line + offset, "Link",
                    f"{written} points at a missing {what} ({shown}); fix the path or add the file",
                ))
    return problems


_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
# Python-Markdown needs no space after the #: "#billing" at the start of a line (or of a list
# item or quote) is a heading.
_ATX_H1 = re.compile(r"^\s{0,3}(?:(?:[-*+]|\d+[.)]|>)\s+)*#(?!#)")
_SETEXT_H1 = re.compile(r"^\s{0,3}=+\s*$")


def heading_problems(body, first_line, source):
    """Level-1 headings in the body: the title is the page's one <h1>."""
    problems, in_fence, previous = [], False, ""
    for offset, line in enumerate(body.split("\n")):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (_ATX_H1.match(line) or (_SETEXT_H1.match(line) and previous.strip())):
            problems.append(Problem(source, first_line + offset, "Heading",
                                    "a level-1 heading in the text; the title is the only one, use ## instead"))
        previous = "" if in_fence else line
    return problems


def wordless_problems(body, body_line, source):
    """A body with no letters or digits at all has nothing to read or to find by search."""
    if body.strip() and not re.search(r"[^\W_]", body):
        return [Problem(source, body_line, "Body", "has no words (only punctuation or symbols); write the text")]
    return []
