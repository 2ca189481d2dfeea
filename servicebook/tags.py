"""Tag names as readers and the build compare them."""

import re

_SEPARATORS = re.compile(r"[\s_\-]+")
_WORD = re.compile(r"[^\W_]")


def tag_key(name):
    """The comparison key of a tag (or category, author) name: lower case, runs of spaces,
    hyphens and underscores as one space; '' for a name with no letters or digits."""
    key = _SEPARATORS.sub(" ", name.casefold()).strip()
    return key if _WORD.search(key) else ""
