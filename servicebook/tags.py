"""Tag names as readers and the build compare them."""

import functools
import re

_SEPARATORS = re.compile(r"[\s_\-]+")
_WORD = re.compile(r"[^\W_]")


# A build asks for the key of every tag of every post, several times (60,000 at 5,000 posts).
@functools.lru_cache(maxsize=65_536)
def tag_key(name):
    """The comparison key of a tag (or category, author) name: lower case, runs of spaces,
    hyphens and underscores as one space; '' for a name with no letters or digits."""
    key = _SEPARATORS.sub(" ", name.casefold()).strip()
    return key if _WORD.search(key) else ""
