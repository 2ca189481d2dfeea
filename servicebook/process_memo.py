"""Values a long-lived process (make serve, the tests) keeps from one build to the next.

Every build makes every article anew, so what Pelican formats for each (addresses, slugs,
display dates) would be formatted again on each rebuild; what such a value is made of is
its key here.
"""

import locale


class ProcessMemo:
    """Values by key for the whole process; past `limit` of them, all are forgotten at once."""

    def __init__(self, limit=100_000):
        self.limit = limit
        self.values = {}

    def get(self, key, make):
        """The value kept for `key`, or `make()`, kept."""
        if key not in self.values:
            if len(self.values) >= self.limit:
                self.values.clear()
            self.values[key] = make()
        return self.values[key]

    def known(self, key):
        """Whether a value is kept for `key`."""
        return key in self.values


def time_locale():
    """The locale of month and day names now (a build sets it from LOCALE)."""
    return locale.setlocale(locale.LC_TIME)
