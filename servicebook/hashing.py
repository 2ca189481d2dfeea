"""One digest for everything a build keeps to recognise what it has seen before."""

import hashlib


def digest(*parts):
    """A short hex digest of `parts` (str or bytes), each kept apart from the next."""
    found = hashlib.blake2b(digest_size=16)
    for part in parts:
        found.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
        found.update(b"\0")
    return found.hexdigest()
