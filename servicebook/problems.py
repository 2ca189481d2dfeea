"""Problems found while building, one line each: `file:line: Field: message`.

Our plugins report a `Problem` through logging (`report`), so it travels the same way as
Pelican's own warnings. `ProblemCollector` keeps both during one build and turns Pelican's
messages into Problems that name the file (and line, where it can be found), including the
fate of a source Pelican gave up on ("skipped: not published"). `format_report` prints them
grouped by file, repeats folded into one line, followed by the counts; `panel_data` is what
the dev build's problem panel (theme/static/js/problems.js) shows in the browser.

Severities: "error" stopped the build; "warning" lets `make build`/`make serve` go on and
fails strict builds (`make publish`, `make check`); "note" is shown and never fails a build
(something that may be intended, e.g. kept text that looks like comment boilerplate).
"""

import logging
import os
import re
import sys
import traceback
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

SEVERITIES = ("error", "warning", "note")
# The field of the line that says what happened to a source Pelican could not publish.
SKIPPED = "skipped"
# Within one file, more problems than this of one field are folded into one more line.
SHOWN_PER_FIELD = 5


@dataclass(frozen=True)
class Problem:
    source: str  # relative to the project folder (content/posts/x.md); "" for the site as a whole
    line: int  # 0 when not known
    field: str  # the header field or kind (Date, Link, Boilerplate, skipped...); may be ""
    message: str
    severity: str = "warning"

    def __str__(self):
        where = f"{self.source}:{self.line}" if self.source and self.line else self.source
        parts = [where] if where else []
        if self.severity == "note":
            parts.append("note")
        if self.field:
            parts.append(self.field)
        return ": ".join([*parts, self.message])

    @property
    def fails_strict_builds(self):
        return self.severity != "note"


class ProblemsError(Exception):
    """Stops the build; `problems` (Problems) say what to fix, under an optional headline."""

    def __init__(self, headline, problems):
        self.headline, self.problems = headline, list(problems)
        lines = [f"  {problem}" for problem in self.problems] if headline else [str(p) for p in self.problems]
        super().__init__("\n".join([headline, *lines] if headline else lines))


def report(logger, problem):
    """Log `problem` so that the build's ProblemCollector keeps it as it is."""
    logger.warning("%s", problem, extra={"problem": problem})


def shown_path(path, content_root):
    """`path` (absolute, or relative to the content folder) as the author knows it:
    relative to the folder that holds the content folder (content/posts/x.md)."""
    content_root = Path(os.path.abspath(content_root))
    return os.path.relpath(content_root / path, content_root.parent)


def _lines(path):
    try:
        return Path(path).read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return []


def find_line(path, needle):
    """The number of the first line of file `path` that contains `needle` (any case), or 0."""
    return next((number for number, text in enumerate(_lines(path), start=1) if needle.lower() in text.lower()), 0)


def header_line(path, key):
    """The number of the `Key: value` header line of file `path` for `key` (any case), or 0."""
    for number, text in enumerate(_lines(path), start=1):
        if not text.strip():
            break
        if re.match(rf"{re.escape(key)}\s*:", text, re.IGNORECASE):
            return number
    return 0


class ProblemCollector(logging.Handler):
    """Every Problem reported, and every warning or error logged, during one build.

    `content_root` is the build's content folder: sources are shown relative to its parent,
    as authors see them (content/posts/x.md)."""

    def __init__(self, content_root):
        super().__init__(level=logging.WARNING)
        self.content_root = Path(os.path.abspath(content_root))
        self.problems = []
        self._echoes = []  # Pelican's file-less repeats of what our checks report with a file

    def emit(self, record):
        problem = getattr(record, "problem", None)
        if problem is None:
            # Pelican logs "Could not process" inside its `except`: the exception says why.
            problem = self._from_pelican(record, sys.exc_info()[1])
        if problem is not None:
            self.problems.append(problem)

    def shown(self, path):
        return shown_path(path, self.content_root)

    def _from_pelican(self, record, exception):
        message, args = record.msg, record.args if isinstance(record.args, tuple) else ()
        if message in _PELICAN_MESSAGES:
            return _PELICAN_MESSAGES[message](self, exception, *args)
        echo = next((subject for template, subject in _ECHOES.items() if str(message).startswith(template)), None)
        if echo is not None:
            self._echoes.append((echo(*args), args, record.getMessage()))
            return None
        return Problem("", 0, "", record.getMessage(), "error" if record.levelno >= logging.ERROR else "warning")

    def finish(self, stopped=None):
        """All problems of the build, in report order; `stopped` is the exception that ended it."""
        problems = list(self.problems)
        if stopped is not None:
            problems += getattr(stopped, "problems", None) or [self._from_exception(stopped)]
        problems += self._unmatched_echoes(problems)
        return sort_problems(problems)

    def _from_exception(self, error):
        """An error that stopped the build, at the template line it happened in if any
        (Jinja puts template lines in the traceback)."""
        in_templates = [frame for frame in traceback.extract_tb(error.__traceback__)
                        if frame.filename.endswith((".html", ".xml", ".txt"))]
        filename, line = getattr(error, "filename", None), getattr(error, "lineno", None)
        if in_templates and not filename:
            filename, line = in_templates[-1].filename, in_templates[-1].lineno
        where = self.shown(filename) if filename and os.path.isabs(filename) else (filename or "")
        message = getattr(error, "message", None) or str(error)
        return Problem(where, line or 0, "Template" if where else "", f"{type(error).__name__}: {message}", "error")

    def _unmatched_echoes(self, problems):
        """Pelican's repeats of what our checks report: dropped where one of our problems
        names their subject (our checks did not run when the build stopped early); else
        shown once, with the files they list or the files that mention their subject."""
        found = {}
        for subject, args, text in self._echoes:
            if any(subject in problem.message or repr(subject) in problem.message
                   or subject.lower() == problem.field.lower() for problem in problems):
                continue
            paths = [arg for arg in args if isinstance(arg, str) and os.path.isfile(arg)]
            paths = paths or _files_mentioning(self.content_root, subject)
            sources = " and ".join(self.shown(path) for path in paths)
            line = find_line(paths[0], subject) if len(paths) == 1 else 0
            found.setdefault((subject, sources), Problem(sources, line, "", text.split("\n", 1)[0].rstrip(": ")))
        return list(found.values())


def _files_mentioning(content_root, text):
    return [path for path in sorted(content_root.rglob("*.md")) if text in path.read_text(encoding="utf-8", errors="replace")]


def _could_not_process(collector, exception, path):
    because = f"Pelican could not read it: {exception}" if exception else "Pelican could not read it"
    return Problem(collector.shown(path), 0, SKIPPED, f"not published ({because})")


def _missing_property(collector, exception, content, prop):
    return Problem(collector.shown(str(content)), 0, SKIPPED, f"not published (it has no {prop})")


def _outside_output(collector, exception, content, save_as):
    return Problem(collector.shown(str(content)), 0, SKIPPED, f"not published (its address {save_as!r} is outside the site)")


def _unknown_status(collector, exception, status, content, allowed):
    return Problem(collector.shown(str(content)), header_line(str(content), "status"), SKIPPED,
                   f"not published (Status: {status!r} is not one of {', '.join(allowed)})")


def _empty_alt(collector, exception, image, path):
    return Problem(collector.shown(path), find_line(path, image), "Image",
                   f"{image} has no alt text; say what the image shows between the brackets: ![what it shows](...)")


def _filename_for_static(collector, exception, target, path):
    return Problem(collector.shown(path), find_line(path, target), "Link",
                   f"{{filename}}{target} is an image or file; write {{static}}{target}")


# Pelican's messages that repeat a problem our checks report with file and line (a missing
# link target, a name or title with no web address, two posts with one slug), by the start of
# their format string (the slug ones end with a list of files): what the message is about.
_ECHOES = {
    "Unable to find '%s', skipping url replacement.": lambda target: target,
    'Unable to generate valid slug for %s "%s".': lambda kind, name: name,
    "There are %s original (not translated) items %s": lambda count, with_slug, *paths: with_slug.split('"')[1],
    'There are %s items "%s" with lang %s': lambda count, with_slug, lang, *paths: with_slug.split('"')[1],
    "Duplicate definition of `%s` for %s. Using first one.": lambda name, path: name,
}
# Pelican's messages about one source, by their format string, as Problems naming the file
# (each function is given the collector, the exception being handled, and the message's arguments).
_PELICAN_MESSAGES = {
    "Could not process %s": _could_not_process,
    "Skipping %s: could not find information about '%s'": _missing_property,
    "Skipping %s: file %r would be written outside output path": _outside_output,
    "Unknown status '%s' for file %s, skipping it. (Not in %s)": _unknown_status,
    "Empty alt attribute for image %s in %s": _empty_alt,
    "{filename} used for linking to static content %s in %s. Use {static} instead": _filename_for_static,
}


def sort_problems(problems):
    """By file (the site's own problems last), then line; each problem once."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.source == "", p.source, p.field == SKIPPED, p.line))


def skipped_sources(problems):
    return sorted({problem.source for problem in problems if problem.field == SKIPPED})


def counts(problems):
    """'2 warnings and 1 note in 2 files' (or 'no problems')."""
    by_severity = Counter(problem.severity for problem in problems)
    parts = [f"{by_severity[s]} {s}{'' if by_severity[s] == 1 else 's'}" for s in SEVERITIES if by_severity[s]]
    if not parts:
        return "no problems"
    files = {problem.source for problem in problems if problem.source}
    text = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    return text + (f" in {len(files)} file{'' if len(files) == 1 else 's'}" if files else "")


def format_report(problems):
    """The terminal report: one line per problem, grouped by file with a blank line between
    files, repeats folded, then the counts and the sources that were not published."""
    if not problems:
        return "No problems."
    groups = {}
    for problem in sort_problems(problems):
        groups.setdefault(problem.source, []).append(problem)
    blocks = ["\n".join(_file_lines(group)) for group in groups.values()]
    summary = counts(problems).capitalize() + "."
    skipped = skipped_sources(problems)
    if skipped:
        summary += f" Not published: {', '.join(skipped)}."
    return "\n\n".join(blocks) + "\n\n" + summary


def _file_lines(problems):
    """One file's lines: the same message on several lines is one line, and beyond
    SHOWN_PER_FIELD problems of one field the rest are listed by line number."""
    merged = {}
    for problem in problems:
        merged.setdefault((problem.severity, problem.field, problem.message), []).append(problem)
    shown_per_field, lines, folded = Counter(), [], {}
    for (severity, field, _message), same in merged.items():
        first = same[0]
        also = [str(p.line) for p in same[1:] if p.line]
        if shown_per_field[(severity, field)] < SHOWN_PER_FIELD:
            shown_per_field[(severity, field)] += 1
            lines.append(str(first) + (f" (also on line{'s' if len(also) > 1 else ''} {', '.join(also)})" if also else ""))
        else:
            folded.setdefault((severity, field), []).extend(same)
    for (severity, field), rest in folded.items():
        numbers = ", ".join(str(p.line) for p in rest if p.line)
        first = rest[0]
        lines.append(str(Problem(first.source, first.line, field,
                                 f"{len(rest)} more like the above" + (f", on lines {numbers}" if numbers else ""),
                                 severity)))
    return lines


def panel_data(problems, *, ok, seconds=None):
    """What the dev build's problem panel reads (written to output/.servicebook/problems.json)."""
    return {
        "ok": ok,
        "seconds": None if seconds is None else round(seconds, 2),
        "summary": counts(problems),
        "skipped": skipped_sources(problems),
        "problems": [{**asdict(problem), "text": str(problem)} for problem in sort_problems(problems)],
    }
