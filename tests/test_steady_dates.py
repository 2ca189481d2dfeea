"""steady_dates: each date is formatted once per process, by date, time zone, format and
time locale."""

from datetime import UTC, timedelta, timezone

import pytest
from pelican.utils import SafeDatetime

from helpers import changed_without
from servicebook.process_memo import ProcessMemo
from steady_dates import steady_dates
from test_steady_urls import POSTS


@pytest.fixture
def formatted(monkeypatch):
    """The formats Pelican's strftime was asked for (not the directives it formats one by one
    through the same method, `safe=False`)."""
    made = []
    original = steady_dates._strftime

    def counting(date, fmt, safe=True):
        if safe:
            made.append(fmt)
        return original(date, fmt, safe)

    monkeypatch.setattr(steady_dates, "_strftime", counting)
    monkeypatch.setattr(steady_dates, "_FORMATTED", ProcessMemo())
    steady_dates.register()
    return made


def test_a_date_is_formatted_once_per_format(formatted):
    first, again = SafeDatetime(2024, 3, 4, 10), SafeDatetime(2024, 3, 4, 10)
    assert first.strftime("%a %d %B %Y") == again.strftime("%a %d %B %Y") == "Mon 04 March 2024"
    assert first.strftime("%-d %b") == "4 Mar"
    assert formatted == ["%a %d %B %Y", "%-d %b"]


def test_one_instant_in_two_time_zones_is_two_dates(formatted):
    noon = SafeDatetime(2024, 3, 4, 12, tzinfo=UTC)
    later = noon.astimezone(timezone(timedelta(hours=2)))
    assert (noon.strftime("%H:%M"), later.strftime("%H:%M")) == ("12:00", "14:00")


def test_a_date_is_formatted_again_under_another_time_locale(formatted, monkeypatch):
    date = SafeDatetime(2024, 3, 4)
    date.strftime("%B")
    monkeypatch.setattr(steady_dates, "time_locale", lambda: "fr_FR.UTF-8")
    date.strftime("%B")
    assert formatted == ["%B", "%B"]


def test_the_site_is_the_same_with_and_without_steady_dates(tmp_path, monkeypatch):
    def undo():  # as before any build registered the plugin in this process
        monkeypatch.setattr(SafeDatetime, "strftime", steady_dates._strftime)

    assert changed_without("steady_dates", tmp_path, POSTS, undo, RENDER_CACHE=False) == []
    assert SafeDatetime.strftime is steady_dates._strftime
