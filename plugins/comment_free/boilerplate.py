"""Comment and sharing boilerplate that old blogs left around their posts.

One pattern list serves the importer (which moves matching lines into its report) and the
build-time cleaner (which strips them from pages and feeds). Each pattern must match a whole
line (after stripping surrounding whitespace), case-insensitively, so prose that merely
mentions comments is never touched.
"""

import re

DEFAULT_BOILERPLATE_PATTERNS = (
    r"no comments?:?",
    r"\d+ comments?:?",
    r"(one|two|three|four|five|six|seven|eight|nine|ten) comments?:?",
    r"post a comment\.?",
    r"leave a (reply|comment)\.?",
    r"subscribe to:? post comments( \(atom\)| \[atom\])?",
    r"subscribe to:? (posts|comments)( \(atom\)| \[atom\])?",
    r"(<<|«|&lt;&lt;)\s*home",
    r"labels:[\s,]*",
    r"newer post\s*(/|\|)?\s*(older post)?\s*(/|\|)?\s*(home)?",
    r"older post\s*(/|\|)?\s*(home)?",
    r"share this:?",
    r"like this:?",
    r"loading\.\.\.|loading…",
    r"(email this|blogthis!|share to twitter|share to facebook|share to pinterest)(\s*(email this|blogthis!|share to twitter|share to facebook|share to pinterest))*",
    r"posted by .{1,60} at \d{1,2}:\d{2}\s*(am|pm)?\s*(\d+ comments?:?|no comments:?)?",
)


def compile_patterns(patterns=DEFAULT_BOILERPLATE_PATTERNS):
    """One regex that matches a whole boilerplate line, for any of `patterns`."""
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"^\s*(?:{joined})\s*$", re.IGNORECASE)


DEFAULT_MATCHER = compile_patterns()


def is_boilerplate(line, matcher=DEFAULT_MATCHER):
    """True when the whole of `line` is comment/sharing boilerplate."""
    return bool(line.strip()) and bool(matcher.match(line))
