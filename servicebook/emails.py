"""E-mail addresses in text: what the importer cloaks or drops, and what `make check` reports
if one reaches a page in clear. One pattern, so an import never leaves an address that the
check would then find."""

import re

# name@host.tld: the top-level domain is letters (not "v1.2"), any script.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
