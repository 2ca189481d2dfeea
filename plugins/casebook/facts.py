"""A case story's facts: its metadata header validated against the schema (CASEBOOK_FACETS).

Pure functions over text, so every error message is unit-testable. Validation reads the
header itself (not Pelican's parsed metadata) because Pelican skips a file whose date it
cannot parse, and because only the raw header knows line numbers.
"""

import difflib
import re
from dataclasses import dataclass, field

from pelican.utils import slugify

from servicebook.headers import PELICAN_KEYS, date_problems, typo_problems
from servicebook.problems import Problem

CASE_KEYS = {"organisation", "lesson", "days-to-resolve"}
REQUIRED_KEYS = ("title", "date", "tags", "summary", "organisation", "lesson")


@dataclass
class CaseFacts:
    organisation: str
    lesson: str
    days_to_resolve: int | None
    facets: dict = field(default_factory=dict)  # facet key -> list of canonical values


def value_slug(value):
    """URL slug of a facet value: 'public/social media' -> 'public-social-media'."""
    return slugify(value.replace("/", " "), regex_subs=[(r"[^\w\s-]", ""), (r"[-\s]+", "-")])


def _normalise(value):
    return " ".join(value.casefold().split())


def _suggest(value, allowed):
    close = difflib.get_close_matches(_normalise(value), [_normalise(a) for a in allowed], n=1, cutoff=0.6)
    return f" ({value} → {close[0]}?)" if close else ""


def validate_case(header, facets, source):
    """(CaseFacts or None, [Problem]) for one case header; every problem is reported."""
    problems = []

    def problem(key, message):
        line = header[key].line if key in header else 0
        problems.append(Problem(source, line, key.title(), message))

    # A facet added later can be optional ("required": False), so older cases stay valid.
    required = REQUIRED_KEYS + tuple(key for key, facet in facets.items() if facet.get("required", True))
    for key in required:
        if key not in header:
            problem(key, "missing; every case needs this line" + _allowed_hint(facets.get(key)))
        elif not header[key].value:
            problem(key, "empty; fill it in" + _allowed_hint(facets.get(key)))

    problems += typo_problems(header, PELICAN_KEYS | CASE_KEYS | set(facets), source)
    problems += date_problems(header, source)

    days = None
    if "days-to-resolve" in header and header["days-to-resolve"].value:
        raw = header["days-to-resolve"].value
        if re.fullmatch(r"\d+", raw):
            days = int(raw)
        else:
            problem("days-to-resolve", f"{raw!r} is not a whole number of days (e.g. 12), or leave the line out")

    chosen = {}
    for key, facet in facets.items():
        if key not in header or not header[key].value:
            continue
        values = [v.strip() for v in header[key].value.split(",") if v.strip()]
        if len(values) > 1 and not facet.get("multiple"):
            problem(key, f"takes one value, got {len(values)}: {', '.join(values)}")
        canonical = {_normalise(a): a for a in facet["values"]}
        for value in values:
            if _normalise(value) not in canonical:
                problem(
                    key,
                    (
                        f"{value!r} is not allowed{_suggest(value, facet['values'])}; allowed: "
                        f"{', '.join(facet['values'])}"
                    ),
                )
        chosen[key] = [canonical[_normalise(v)] for v in values if _normalise(v) in canonical]

    if problems:
        return None, sorted(problems, key=lambda p: p.line)
    return CaseFacts(header["organisation"].value, header["lesson"].value, days, chosen), []


def _allowed_hint(facet):
    return f" (one{' or more' if facet.get('multiple') else ''} of: {', '.join(facet['values'])})" if facet else ""
