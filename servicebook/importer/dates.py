"""Date lines above posts (`Monday, April 29, 2013`) and comment timestamps."""

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _one_of(words):
    # Longest first so "june" wins over "jun".
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH = rf"(?P<month>{_one_of(MONTHS)})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_WEEKDAY = rf"(?:(?P<weekday>{_one_of(WEEKDAYS)})\.?,?\s+)?"
_DATE_FORMS = (
    rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}",  # June 19, 2007
    rf"{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}",  # 19 June 2007
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})",  # 2007-06-19
)
_TIME = r"\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?"

_DATE_LINES = tuple(
    re.compile(rf"(?:posted\s+(?:on\s+)?)?{_WEEKDAY}{form}(?:\s+by\s+(?P<author>\S.{{0,79}}))?", re.IGNORECASE)
    for form in _DATE_FORMS
)
_TIMESTAMP_LINES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for form in _DATE_FORMS
    for pattern in (
        rf"{_WEEKDAY}{form}(?:,?\s+(?:at\s+)?|\s*[-–—|@T]\s*){_TIME}",  # date, time
        rf"{_TIME},?\s+(?:on\s+)?{_WEEKDAY}{form}",
    )
)  # time, date


@dataclass(frozen=True)
class DateLine:
    date: dt.date
    author: str | None = None
    weekday_conflict: str | None = None  # set when the written weekday disagrees with the date
    byline: bool = False  # "Posted on … by NAME": themes that write it may put the title above


def parse_date_line(line: str) -> DateLine | None:
    """The date of a line that holds only a date (plus an optional `Posted on … by NAME`)."""
    text = " ".join(line.split())
    match = next(filter(None, (pattern.fullmatch(text) for pattern in _DATE_LINES)), None)
    if match is None:
        return None
    month = match["month"]
    try:
        date = dt.date(int(match["year"]), int(month) if month.isdigit() else MONTHS[month.lower()], int(match["day"]))
    except ValueError:
        return None
    author = match["author"].rstrip(" .") if match["author"] else None
    weekday = match["weekday"]
    conflict = None
    if weekday and WEEKDAYS[weekday.lower()] != date.weekday():
        conflict = (
            f"weekday '{weekday}' does not match {date.isoformat()}, "
            f"which is a {WEEKDAY_NAMES[date.weekday()]}; the date was kept"
        )
    byline = bool(author) or text.lower().startswith("posted")
    return DateLine(date, author, conflict, byline)


def is_timestamp_line(line: str) -> bool:
    """True for a date-and-time line such as `June 3, 2015 at 4:12 PM` (comment timestamps)."""
    text = " ".join(line.split())
    return any(pattern.fullmatch(text) for pattern in _TIMESTAMP_LINES)
