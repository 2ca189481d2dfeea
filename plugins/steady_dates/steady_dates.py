"""Each date is formatted once per process.

Pelican formats every article's date for display (`locale_date`, in the format DATE_FORMATS
gives its language) when it makes the article, with its own strftime (which also strips the
zeros `%-d` asks to strip): about 100 µs a date. Every build makes every article anew, so
`make serve` formatted all 5,000 dates of 5,000 posts again on each rebuild (about 0.5 s of
it). Here a formatted date is kept for the process by the date (time zone included), the
format and the time locale: month and day names follow LOCALE, which each build sets.
"""

from pelican.utils import SafeDatetime

from servicebook.process_memo import ProcessMemo, time_locale

_strftime = SafeDatetime.strftime
_FORMATTED = ProcessMemo()


def strftime(date, fmt, safe=True):
    """SafeDatetime.strftime, once per date, format and time locale."""
    return _FORMATTED.get((repr(date), fmt, safe, time_locale()), lambda: _strftime(date, fmt, safe))


def register():
    SafeDatetime.strftime = strftime
