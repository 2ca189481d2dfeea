"""Problems found while building, one line each: `file:line: Field: message`.

Our plugins report a `Problem` through logging (`report`), so it travels the same way as
Pelican's own warnings; servicebook.build_log collects both during a build. `format_report`
prints them grouped by file, repeats folded into one line, followed by the counts;
`panel_data` is what the dev build's problem panel (theme/static/js/problems.js) shows.

Severities: "error" stopped the build; "warning" lets `make build`/`make serve` go on and
fails strict builds (`make publish`, `make check`); "note" is shown and never fails a build
(something that may be intended, e.g. kept text that looks like comment boilerplate).
"""

import os
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
            lines.append(
                str(first) + (f" (also on line{'s' if len(also) > 1 else ''} {', '.join(also)})" if also else "")
            )
        else:
            folded.setdefault((severity, field), []).extend(same)
    for (severity, field), rest in folded.items():
        numbers = ", ".join(str(p.line) for p in rest if p.line)
        first = rest[0]
        lines.append(
            str(
                Problem(
                    first.source,
                    first.line,
                    field,
                    f"{len(rest)} more like the above" + (f", on lines {numbers}" if numbers else ""),
                    severity,
                )
            )
        )
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
