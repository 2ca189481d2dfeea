"""The checks of a content file's text beyond its header: invisible characters, markup in
text fields, links to missing files, level-1 headings, bodies without words.

Pure functions over text, so that every message names the file and line and says what to do.
"""

import os
import re
from pathlib import Path
from urllib.parse import unquote

from servicebook.problems import Problem

_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]")
_INTERNAL_LINK = re.compile(r"\{(?P<kind>filename|static|attach)\}(?P<target>[^)\s\"'>]+)")
# An image by its site path (`![x](/images/a.png)`, `<img src="/images/a.png">`): the file
# must be in the content folder, from where Pelican copies it to the same path.
_ROOT_IMAGE = re.compile(r"(?:!\[[^\]]*\]\(\s*<?|<img\b[^>]*?\bsrc\s*=\s*[\"']?)(?P<target>/(?!/)[^)\s\"'>]*)")


# HTML5 parse errors: C0 controls other than tab, newline, form feed and carriage return,
# DEL, C1 controls, and the non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def control_problems(text, source):
    """One problem per line that holds an invisible control character."""
    return [
        Problem(source, number, "Text", f"control character U+{ord(match[0]):04X} (invisible); delete it")
        # split on "\n" only: splitlines() would treat U+0085 itself as a line break.
        for number, line in enumerate(text.split("\n"), start=1)
        for match in [_CONTROL.search(line)]
        if match
    ]


def markup_problems(header, source):
    """Titles, tags, summaries, authors and categories are text: markup in them is shown
    literally, which is rarely meant."""
    return [
        Problem(
            source,
            header[key].line,
            key.title(),
            f"contains HTML markup ({header[key].value!r}); it is shown as text, remove the markup",
        )
        for key in ("title", "tags", "summary", "author", "authors", "category")
        if key in header and _MARKUP.search(header[key].value)
    ]


def link_problems(body, first_line, source_path, content_root, source, linked=None):
    """{filename}/{static}/{attach} links, and images by site path, whose file does not exist.
    The list `linked`, when given, gets every file the links name, there or not."""
    problems = []
    for offset, line in enumerate(body.splitlines()):
        found = [(match, match["kind"]) for match in _INTERNAL_LINK.finditer(line)]
        found += [(match, "image") for match in _ROOT_IMAGE.finditer(line)]
        for match, kind in found:
            written = match[0] if kind != "image" else match["target"]
            # As Pelican finds it: a space written as %20 (see `_missing`).
            target = unquote(match["target"].split("#", 1)[0].split("?", 1)[0])
            base = content_root if target.startswith("/") else source_path.parent
            missing = base / target.lstrip("/")
            if target and linked is not None:
                linked.append(str(missing))
            if target and not missing.exists():
                problems.append(
                    Problem(
                        source,
                        first_line + offset,
                        "Link",
                        _missing(written, kind, missing, line[match.end() :], content_root),
                    )
                )
    return problems


def _missing(written, kind, missing, after, content_root):
    """What to say of a link to `missing`, written as `written` and followed on its line by
    `after`: a file name with spaces (which end a link's address) is named whole, encoded."""
    spaced = re.match(r"( [^)\"'>]*?)\s*(?:\)|$)", after)
    if spaced and Path(f"{missing}{spaced[1]}").exists():
        whole = written + spaced[1]
        return f"{whole}: a space ends a link's address; write {whole.replace(' ', '%20')}"
    what = "page" if kind == "filename" else "image or file"
    shown = os.path.relpath(missing, content_root.parent)
    return f"{written} points at a missing {what} ({shown}); fix the path or add the file"


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
            problems.append(
                Problem(
                    source,
                    first_line + offset,
                    "Heading",
                    "a level-1 heading in the text; the title is the only one, use ## instead",
                )
            )
        previous = "" if in_fence else line
    return problems


def wordless_problems(body, body_line, source):
    """A body with no letters or digits at all has nothing to read or to find by search."""
    if body.strip() and not re.search(r"[^\W_]", body):
        return [Problem(source, body_line, "Body", "has no words (only punctuation or symbols); write the text")]
    return []
