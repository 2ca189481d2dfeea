"""The importer (servicebook.importer): date lines and splitting a dump into posts with their titles."""

import datetime as dt

import pytest

from importer_helpers import FILE_DATE, POST, html_text, only_post, parse
from servicebook.importer.cleanup import boilerplate_matcher
from servicebook.importer.dates import is_timestamp_line, parse_date_line
from servicebook.importer.posts import split_posts

# --- date lines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Monday, April 29, 2013", dt.date(2013, 4, 29)),
        ("Thursday 29 April 2021", dt.date(2021, 4, 29)),
        ("Tuesday, June 19, 2007", dt.date(2007, 6, 19)),
        ("June 19, 2007", dt.date(2007, 6, 19)),
        ("June 19 2007", dt.date(2007, 6, 19)),
        ("19 June 2007", dt.date(2007, 6, 19)),
        ("19 June, 2007", dt.date(2007, 6, 19)),
        ("2007-06-19", dt.date(2007, 6, 19)),
        ("Tuesday June 19, 2007", dt.date(2007, 6, 19)),
        ("Sunday, 1st July 2007", dt.date(2007, 7, 1)),
        ("July 2nd, 2007", dt.date(2007, 7, 2)),
        ("3rd July 2007", dt.date(2007, 7, 3)),
        ("Wed, July 4th, 2007", dt.date(2007, 7, 4)),
        ("Sept. 21st, 2009", dt.date(2009, 9, 21)),
        ("  monday, april 29, 2013  ", dt.date(2013, 4, 29)),
        ("Posted on March 3, 2015", dt.date(2015, 3, 3)),
    ],
)
def test_date_line_forms(line, expected):
    parsed = parse_date_line(line)
    assert parsed is not None and parsed.date == expected
    assert parsed.weekday_conflict is None
    assert parsed.author is None


def test_posted_on_by_gives_the_author():
    parsed = parse_date_line("Posted on Tuesday, March 3, 2015 by Jane van Dyke")
    assert (parsed.date, parsed.author) == (dt.date(2015, 3, 3), "Jane van Dyke")


@pytest.mark.parametrize(
    "line",
    [
        "I met him on June 19, 2007, at a conference.",
        "June 19, 2007 was the day it all changed",
        "Posted in June 2007",
        "February 30, 2010",
        "2007-13-01",
        "Funday, June 19, 2007",
        "June 3, 2015 at 4:12 PM",
    ],
)
def test_not_date_lines(line):
    assert parse_date_line(line) is None


def test_weekday_that_disagrees_is_reported_not_fatal():
    parsed = parse_date_line("Monday, April 30, 2013")
    assert parsed.date == dt.date(2013, 4, 30)
    assert "Monday" in parsed.weekday_conflict and "Tuesday" in parsed.weekday_conflict

    report = parse(POST.format(date="Monday, April 30, 2013"))
    assert [post.date for post in report.posts] == [dt.date(2013, 4, 30)]
    assert any("Tuesday" in warning.message and warning.line == 1 for warning in report.warnings)
    assert report.errors == []


@pytest.mark.parametrize(
    "line",
    [
        "June 3, 2015 at 4:12 PM",
        "3 June 2015 16:12",
        "2015-06-03 16:12",
        "March 4, 2015 at 9:15 am",
        "4:12 pm, June 3, 2015",
    ],
)
def test_comment_timestamps(line):
    assert is_timestamp_line(line)
    assert parse_date_line(line) is None


# --- splitting and titles -----------------------------------------------------------------


def test_several_posts_split_at_date_lines_followed_by_titles():
    text = (
        "Monday, February 8, 2010\n\nFirst Title\n\nBody one.\n\nJune 3, 2009\n"
        "Second Title\nBody two.\n\n\n2009-01-05\n\n\n\nThird Title\n\nBody three.\n"
    )
    report = parse(text)
    assert [(post.date, post.title) for post in report.posts] == [
        (dt.date(2010, 2, 8), "First Title"),
        (dt.date(2009, 6, 3), "Second Title"),
        (dt.date(2009, 1, 5), "Third Title"),
    ]
    assert [post.body.strip() for post in report.posts] == ["Body one.", "Body two.", "Body three."]
    assert [(post.first_line, post.title_line) for post in report.posts] == [(1, 3), (7, 8), (12, 16)]
    assert not any(post.draft for post in report.posts)


def test_wordpress_title_above_its_byline():
    text = (
        "Refund In Three Calls\nPosted on March 3, 2015 by Dana Whitfield\n\n"
        "The first agent read me the warranty terms.\n\nThanks, Dana\n\n"
        "Second Story\n\nPosted on April 9, 2015 by Dana Whitfield\n"
        "Short reply, then a long story.\n"
    )
    report = parse(text)
    assert [(post.date, post.title, post.author) for post in report.posts] == [
        (dt.date(2015, 3, 3), "Refund In Three Calls", "Dana Whitfield"),
        (dt.date(2015, 4, 9), "Second Story", "Dana Whitfield"),
    ]
    assert [(post.first_line, post.title_line, post.date_line.number) for post in report.posts] == [
        (1, 1, 2),
        (8, 8, 10),
    ]
    assert "Second Story" not in report.posts[0].body
    assert report.posts[1].body.strip() == "Short reply, then a long story."
    assert not report.warnings


def test_a_title_below_a_byline_wins_over_a_heading_like_line_above():
    report = parse("Body one ends here.\n\nDana\nPosted on March 3, 2015\nThe Real Title\n\nBody two.\n")
    assert report.posts[-1].title == "The Real Title"
    assert "Dana" in report.posts[0].body


def test_date_line_without_title_after_it_stays_text():
    text = POST.format(date="June 1, 2010") + "\nJune 19, 2010\n"
    report = parse(text)
    assert len(report.posts) == 1
    assert "June 19, 2010" in report.posts[0].body
    assert any(warning.line == 7 and "no title" in warning.message for warning in report.warnings)


def test_date_opening_the_file_without_a_title_still_dates_the_post():
    first = "x" * 160 + ". A long opening paragraph."
    post = only_post(f"June 1, 2010\n\n{first}\n")
    assert (post.date, post.draft, post.title_line) == (dt.date(2010, 6, 1), False, None)
    assert any("no title after the date line" in warning.message for warning in post.warnings)


def test_two_date_lines_in_a_row_do_not_crash():
    report = parse("June 1, 2010\n\nJune 2, 2010\nThe Title\n\nBody.\n")
    assert [(post.date, post.title) for post in report.posts][-1] == (dt.date(2010, 6, 2), "The Title")
    assert any(warning.line == 1 for warning in report.warnings)
    assert "June 1, 2010" in report.posts[0].body  # the orphan date line is kept, as text


def test_a_timeline_inside_a_post_does_not_split_it():
    text = POST.format(date="June 1, 2010") + "\nJune 3, 2010\nI called the bank and waited an hour.\n"
    report = parse(text)
    assert len(report.posts) == 1
    assert "I called the bank and waited an hour." in report.posts[0].body
    assert any(warning.line == 7 and "no title" in warning.message for warning in report.warnings)


def test_sentence_with_a_date_does_not_split():
    text = POST.format(date="June 1, 2010") + "\nOn June 19, 2010 we moved.\nNew Office\n"
    assert len(parse(text).posts) == 1


def test_split_posts_keeps_text_before_the_first_date_as_its_own_segment():
    segments, _ = split_posts(["Stray intro line.", "", "June 1, 2010", "Title", "Body."], boilerplate_matcher())
    assert [segment.date_line is None for segment in segments] == [True, False]
    assert segments[0].lines[0] == (1, "Stray intro line.")


def test_text_before_first_date_becomes_a_draft_with_a_warning():
    report = parse("Stray intro line.\n\n" + POST.format(date="June 1, 2010"))
    assert [post.draft for post in report.posts] == [True, False]
    assert any("before the first date line" in str(w) for w in report.posts[0].warnings)


def test_no_date_and_no_title_gives_a_draft_titled_by_its_first_sentence():
    first = (
        "This opening sentence of an undated dump is deliberately much longer than eighty "
        "characters so it must be cut. Second sentence."
    )
    post = only_post(first + "\nAnother paragraph.\n")
    assert post.draft and post.date == FILE_DATE
    assert post.title.endswith("…") and len(post.title) <= 80
    assert first.startswith(post.title[:-1])
    assert post.title[:-1] == post.title[:-1].rstrip()  # cut at a word boundary
    assert post.title_line is None
    messages = [str(warning) for warning in post.warnings]
    assert any(m.startswith("dump.txt") and "no date line and no title" in m for m in messages)
    assert any(FILE_DATE.isoformat() in m and "draft" in m for m in messages)
    assert first in html_text(post.body)  # the first sentence stays in the body


def test_short_first_sentence_is_the_whole_title():
    assert only_post("Short and sweet. More text follows here.\n").title == "Short and sweet."
