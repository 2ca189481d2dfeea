"""Tests for servicebook.importer: parsing units, fixtures of our own, and the real seeds."""

import datetime as dt
import html
import json
import os
import re
from collections import Counter
from pathlib import Path

import markdown
import pytest

from servicebook.boilerplate import is_boilerplate
from servicebook.importer import DEFAULT_TAG_VOCABULARY, ImportSettings, import_posts
from servicebook.importer import run as run_module
from servicebook.importer.cleanup import boilerplate_matcher
from servicebook.importer.dates import is_timestamp_line, parse_date_line
from servicebook.importer.posts import (DROPPED_EMAIL, hide_email_addresses, parse_dump,
                                        split_posts, suggest_tags)
from servicebook.importer.rendering import (build_paragraphs, escape_line, render_markdown,
                                            render_post_file)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dumps"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"seed dumps not found at {SEEDS} (shared/ is not checked out)")
FILE_DATE = dt.date(2020, 1, 2)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def parse(text: str | bytes, **settings):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_dump(data, source_name="dump.txt", fallback_date=FILE_DATE,
                      settings=ImportSettings.from_mapping(settings))


def only_post(text: str, **settings):
    report = parse(text, **settings)
    assert not report.errors
    assert len(report.posts) == 1, [post.title for post in report.posts]
    return report.posts[0]


def html_text(markdown_text: str) -> str:
    """What a reader sees: Markdown rendered like Pelican does, tags stripped, entities decoded."""
    rendered = markdown.markdown(markdown_text, extensions=["extra"])
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def paragraph_count(markdown_text: str) -> int:
    return markdown.markdown(markdown_text, extensions=["extra"]).count("<p>")


def body_of(written: Path) -> str:
    return written.read_text(encoding="utf-8").split("\n\n", 1)[1]


def words(text: str) -> Counter:
    return Counter(word.casefold() for word in re.findall(r"\w+", text))


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def seed_line(prefix: str, number: int) -> str:
    return seed(prefix).read_text(encoding="utf-8").splitlines()[number - 1].strip()


POST = "{date}\n\nA Title\n\nFirst paragraph here. It has two sentences.\n"


# --- date lines ---------------------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
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
])
def test_date_line_forms(line, expected):
    parsed = parse_date_line(line)
    assert parsed is not None and parsed.date == expected
    assert parsed.weekday_conflict is None
    assert parsed.author is None


def test_posted_on_by_gives_the_author():
    parsed = parse_date_line("Posted on Tuesday, March 3, 2015 by Jane van Dyke")
    assert (parsed.date, parsed.author) == (dt.date(2015, 3, 3), "Jane van Dyke")


@pytest.mark.parametrize("line", [
    "I met him on June 19, 2007, at a conference.",
    "June 19, 2007 was the day it all changed",
    "Posted in June 2007",
    "February 30, 2010",
    "2007-13-01",
    "Funday, June 19, 2007",
    "June 3, 2015 at 4:12 PM",
])
def test_not_date_lines(line):
    assert parse_date_line(line) is None


def test_weekday_that_disagrees_is_reported_not_fatal():
    parsed = parse_date_line("Monday, April 30, 2013")
    assert parsed.date == dt.date(2013, 4, 30)
    assert "Monday" in parsed.weekday_conflict and "Tuesday" in parsed.weekday_conflict

    report = parse(POST.format(date="Monday, April 30, 2013"))
    assert [post.date for post in report.posts] == [dt.date(2013, 4, 30)]
    assert any("Tuesday" in warning.text and warning.line == 1 for warning in report.warnings)
    assert report.errors == []


@pytest.mark.parametrize("line", ["June 3, 2015 at 4:12 PM", "3 June 2015 16:12",
                                  "2015-06-03 16:12", "March 4, 2015 at 9:15 am",
                                  "4:12 pm, June 3, 2015"])
def test_comment_timestamps(line):
    assert is_timestamp_line(line)
    assert parse_date_line(line) is None


# --- splitting and titles -----------------------------------------------------------------

def test_several_posts_split_at_date_lines_followed_by_titles():
    text = ("Monday, February 8, 2010\n\nFirst Title\n\nBody one.\n\nJune 3, 2009\n"
            "Second Title\nBody two.\n\n\n2009-01-05\n\n\n\nThird Title\n\nBody three.\n")
    report = parse(text)
    assert [(post.date, post.title) for post in report.posts] == [
        (dt.date(2010, 2, 8), "First Title"), (dt.date(2009, 6, 3), "Second Title"),
        (dt.date(2009, 1, 5), "Third Title")]
    assert [post.body.strip() for post in report.posts] == ["Body one.", "Body two.",
                                                            "Body three."]
    assert [(post.first_line, post.title_line) for post in report.posts] == [
        (1, 3), (7, 8), (12, 16)]
    assert not any(post.draft for post in report.posts)


def test_wordpress_title_above_its_byline():
    text = ("Refund In Three Calls\nPosted on March 3, 2015 by Dana Whitfield\n\n"
            "The first agent read me the warranty terms.\n\nThanks, Dana\n\n"
            "Second Story\n\nPosted on April 9, 2015 by Dana Whitfield\n"
            "Short reply, then a long story.\n")
    report = parse(text)
    assert [(post.date, post.title, post.author) for post in report.posts] == [
        (dt.date(2015, 3, 3), "Refund In Three Calls", "Dana Whitfield"),
        (dt.date(2015, 4, 9), "Second Story", "Dana Whitfield")]
    assert [(post.first_line, post.title_line, post.date_line.number) for post in report.posts] == [
        (1, 1, 2), (8, 8, 10)]
    assert "Second Story" not in report.posts[0].body
    assert report.posts[1].body.strip() == "Short reply, then a long story."
    assert not report.warnings


def test_a_title_below_a_byline_wins_over_a_heading_like_line_above():
    report = parse("Body one ends here.\n\nDana\nPosted on March 3, 2015\n"
                   "The Real Title\n\nBody two.\n")
    assert report.posts[-1].title == "The Real Title"
    assert "Dana" in report.posts[0].body


def test_date_line_without_title_after_it_stays_text():
    text = POST.format(date="June 1, 2010") + "\nJune 19, 2010\n"
    report = parse(text)
    assert len(report.posts) == 1
    assert "June 19, 2010" in report.posts[0].body
    assert any(warning.line == 7 and "no title" in warning.text for warning in report.warnings)


def test_date_opening_the_file_without_a_title_still_dates_the_post():
    first = "x" * 160 + ". A long opening paragraph."
    post = only_post(f"June 1, 2010\n\n{first}\n")
    assert (post.date, post.draft, post.title_line) == (dt.date(2010, 6, 1), False, None)
    assert any("no title after the date line" in warning.text for warning in post.warnings)


def test_two_date_lines_in_a_row_do_not_crash():
    report = parse("June 1, 2010\n\nJune 2, 2010\nThe Title\n\nBody.\n")
    assert [(post.date, post.title) for post in report.posts][-1] == (dt.date(2010, 6, 2),
                                                                       "The Title")
    assert any(warning.line == 1 for warning in report.warnings)
    assert "June 1, 2010" in report.posts[0].body  # the orphan date line is kept, as text


def test_a_timeline_inside_a_post_does_not_split_it():
    text = POST.format(date="June 1, 2010") + "\nJune 3, 2010\nI called the bank and waited an hour.\n"
    report = parse(text)
    assert len(report.posts) == 1
    assert "I called the bank and waited an hour." in report.posts[0].body
    assert any(warning.line == 7 and "no title" in warning.text for warning in report.warnings)


def test_sentence_with_a_date_does_not_split():
    text = POST.format(date="June 1, 2010") + "\nOn June 19, 2010 we moved.\nNew Office\n"
    assert len(parse(text).posts) == 1


def test_split_posts_keeps_text_before_the_first_date_as_its_own_segment():
    segments, _ = split_posts(["Stray intro line.", "", "June 1, 2010", "Title", "Body."],
                              boilerplate_matcher())
    assert [segment.date_line is None for segment in segments] == [True, False]
    assert segments[0].lines[0] == (1, "Stray intro line.")


def test_text_before_first_date_becomes_a_draft_with_a_warning():
    report = parse("Stray intro line.\n\n" + POST.format(date="June 1, 2010"))
    assert [post.draft for post in report.posts] == [True, False]
    assert any("before the first date line" in str(w) for w in report.posts[0].warnings)


def test_no_date_and_no_title_gives_a_draft_titled_by_its_first_sentence():
    first = ("This opening sentence of an undated dump is deliberately much longer than eighty "
             "characters so it must be cut. Second sentence.")
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


# --- boilerplate and comments ----------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "No comments:", "0 Comments:", "3 comments:", "1 comment", "Post a Comment", "Leave a Reply",
    "Subscribe to Post Comments [Atom]", "Share this:", "Like this:", "Loading...",
    "Like Loading...", "Labels:", "Labels: , ,", "<< Home", "Newer Post Older Post Home",
    "Newer Post / Older Post", "Reply",
])
def test_boilerplate_lines_are_removed_and_reported_verbatim(line):
    post = only_post(POST.format(date="June 1, 2010") + f"\n  {line}\n")
    assert [(removed.number, removed.text) for removed in post.removed] == [(7, f"  {line}")]
    assert line not in post.body
    assert "First paragraph here." in post.body


def test_site_boilerplate_patterns_setting_is_honoured():
    text = POST.format(date="June 1, 2010") + "\nPowered by Blogger.\n"
    assert only_post(text).removed == []
    post = only_post(text, COMMENT_BOILERPLATE_PATTERNS=[r"powered by blogger\.?"])
    assert [removed.text for removed in post.removed] == ["Powered by Blogger."]
    assert "Powered" not in post.body


def test_prose_about_comments_stays():
    text = (POST.format(date="June 1, 2010")
            + "\nI read all the comments: they were kind.\nShare this with your team.\n")
    post = only_post(text)
    assert post.removed == []
    assert "I read all the comments: they were kind." in post.body
    assert "Share this with your team." in post.body


BLOGGER_THREAD = """June 1, 2010

A Title

The post itself.

3 comments:

Anonymous said...
Great post, thanks!
June 3, 2015 at 4:12 PM

Liz said...
Thank you, glad it helped.
June 4, 2015 at 9:01 AM
Delete

Sam Lee said...
I disagree with point two.

June 5, 2015 at 10:00 PM

Post a Comment
"""


def test_comment_thread_is_removed_until_the_end_of_the_post():
    post = only_post(BLOGGER_THREAD)
    assert post.body.strip() == "The post itself."
    reasons = {removed.text: removed.reason for removed in post.removed}
    assert reasons["3 comments:"] == "boilerplate"
    assert reasons["Post a Comment"] == "boilerplate"
    for line in ("Anonymous said...", "Great post, thanks!", "June 3, 2015 at 4:12 PM",
                 "Liz said...", "Delete", "I disagree with point two."):
        assert reasons[line] == "comment"
    assert post.author is None  # a commenter is not the author


def test_comment_thread_ends_at_the_next_post():
    second = "\nJune 9, 2010\n\nNext Title\n\nNext body.\n"
    report = parse(BLOGGER_THREAD + second)
    assert [post.title for post in report.posts] == ["A Title", "Next Title"]
    assert report.posts[1].body.strip() == "Next body."


def test_said_line_without_a_timestamp_is_prose():
    text = POST.format(date="June 1, 2010") + "\nAnd then my manager said...\nNothing at all.\n"
    post = only_post(text)
    assert "And then my manager said..." in post.body and "Nothing at all." in post.body
    assert post.removed == []


def test_zero_comments_does_not_swallow_text_after_it():
    text = POST.format(date="June 1, 2010") + "\n0 Comments:\n\nA closing thought.\n"
    post = only_post(text)
    assert "A closing thought." in post.body
    assert [removed.text for removed in post.removed] == ["0 Comments:"]


def test_posted_by_footer_is_boilerplate_and_names_the_author():
    text = (POST.format(date="June 1, 2010")
            + "\nPosted by Liz Brown at 4:12 PM 2 comments:\nNice one!\n")
    post = only_post(text)
    assert post.author == "Liz Brown"
    assert "Nice one!" not in post.body  # a non-zero count opens the comment thread


def test_share_widget_buttons_are_removed_only_after_share_this():
    text = (POST.format(date="June 1, 2010")
            + "\nShare this:\nTwitter\n\nFacebook\nBack to the story.\nTwitter\n")
    post = only_post(text)
    assert [removed.text for removed in post.removed] == ["Share this:", "Twitter", "Facebook"]
    assert post.body.endswith("Back to the story.\n\nTwitter\n")  # prose ended the widget


def test_wordpress_fixture():
    report = import_posts(FIXTURES / "wordpress_with_comments.txt", Path("unused"), dry_run=True)
    [post] = report.posts
    assert (post.date, post.title, post.author) == (
        dt.date(2015, 3, 3), "The Refund That Took Three Phone Calls", "Dana Whitfield")
    assert "Posted on" not in post.body
    rendered = html_text(post.body)
    for gone in ("Share this", "Twitter", "Like", "Loading", "thoughts on", "says:", "said...",
                 "Reply", "Marcus", "quietreader", "2015 at", "reader.quiet"):
        assert gone not in rendered, gone
    assert paragraph_count(post.body) == 4
    comments = [removed for removed in post.removed if removed.reason == "comment"]
    assert {removed.number for removed in comments} == {21, 22, 23, 26, 27, 28, 31, 32, 33}
    assert {removed.text for removed in post.removed if removed.reason == "boilerplate"} == {
        "Share this:", "Twitter", "Facebook", "Like this:", "Like Loading...", "Reply",
        "3 thoughts on “The Refund That Took Three Phone Calls”"}


# --- labels and tags --------------------------------------------------------------------------

def test_labels_become_tags():
    post = only_post(POST.format(date="June 1, 2010") + "\nLabels: billing, HR ,  customer care\n")
    assert post.tags == ["billing", "HR", "customer care"]
    assert not post.tags_suggested
    assert [(removed.reason, removed.text) for removed in post.removed] == [
        ("labels", "Labels: billing, HR ,  customer care")]


def test_empty_labels_give_suggested_tags_from_the_vocabulary_setting():
    vocabulary = {"refunds": ["refund", "money back"], "queues": ["queue", "waiting"],
                  "rare": ["zebra"]}
    text = ("June 1, 2010\n\nWaiting for a Refund\n\nThe queue was long; waiting took an hour.\n"
            "I wanted my money back, and the refund came a week later.\n\nLabels: ,\n")
    post = only_post(text, IMPORT_TAG_VOCABULARY=vocabulary)
    assert post.tags == ["queues", "refunds"]  # three hits each: ties go by name; "rare" has none
    assert post.tags_suggested


def test_suggest_tags_ranks_limits_and_needs_two_hits():
    vocabulary = {f"tag{n}": [f"word{n}"] for n in range(8)}
    text = " ".join(f"word{n} " * (n + 1) for n in range(8))  # word0 once ... word7 eight times
    assert suggest_tags(text, vocabulary) == ["tag7", "tag6", "tag5", "tag4", "tag3"]
    assert suggest_tags("word1 word1 word0", vocabulary) == ["tag1"]


def test_uppercase_keywords_match_case_sensitively():
    vocabulary = {"hr": ["HR"]}
    assert suggest_tags("HR and HR again", vocabulary) == ["hr"]
    assert suggest_tags("hr and Hr and thr", vocabulary) == []


def test_default_vocabulary_is_a_customer_service_vocabulary():
    assert 18 <= len(DEFAULT_TAG_VOCABULARY) <= 25
    assert {"billing", "complaints", "feedback", "hr", "support"} <= set(DEFAULT_TAG_VOCABULARY)
    post = only_post("June 1, 2010\n\nBilled Twice\n\nThey billed me twice. The bill was wrong "
                     "and my complaint was ignored until a second complaint.\n")
    assert post.tags[:2] == ["billing", "complaints"] and post.tags_suggested


# --- author bio and sign-off ------------------------------------------------------------------

THIRD_PERSON_BIO = ("Dana Whitfield is a certified customer-experience coach and author who "
                    "helps support teams keep their customers.")
FIRST_PERSON_BIO = ("I've spent twenty years running contact centres on three continents, and "
                    "my own consultancy now helps firms fix their complaint handling. I work "
                    "with banks and charities alike, as a trainer and speaker. You can follow "
                    "me at @danaw or through my website.")


def test_third_person_bio_goes_to_metadata_with_the_author():
    post = only_post(POST.format(date="June 1, 2010") + "\n" + THIRD_PERSON_BIO + "\n\nLabels:\n")
    assert post.bio == THIRD_PERSON_BIO and post.bio_lines == (7,)
    assert post.author == "Dana Whitfield"
    assert "certified" not in post.body and "First paragraph here." in post.body


def test_first_person_bio_goes_to_metadata_without_guessing_a_name():
    post = only_post(POST.format(date="June 1, 2010") + "\n  \n" + FIRST_PERSON_BIO + "\n")
    assert post.bio == FIRST_PERSON_BIO
    assert post.author is None
    assert "consultancy" not in post.body


@pytest.mark.parametrize("ending", [
    "Bill Price is a great guy who taught me a lot about service.",
    "John Smith is a manager who never listens to anyone.",
    "The Company is a certified provider founded by its owner in 1990.",
    "Follow me on Twitter for more tips like these, and tell your friends about my blog!",
    "I have years of experience with clients like you. That is why I care about service so much, "
    "more than any speaker or trainer I have met in all my years of travel around the world.",
    "Have you fixed your company culture? If so, please share your story with me at "
    "someone@example.com - I'm very interested to hear all about it.",
])
def test_endings_that_are_not_bios_stay_in_the_body(ending):
    post = only_post(POST.format(date="June 1, 2010") + "\n" + ending + "\n")
    assert post.bio is None
    assert post.author is None
    assert paragraph_count(post.body) == 2  # both paragraphs still in the body


def test_bio_must_be_the_last_paragraph():
    text = POST.format(date="June 1, 2010") + "\n" + THIRD_PERSON_BIO + "\n\nOne more thing.\n"
    assert only_post(text).bio is None


@pytest.mark.parametrize("ending, author", [
    ("Until next time...\n\nLiz", "Liz"),
    ("Cheers,\nMarta Ruiz", "Marta Ruiz"),
    ("Until next time, Liz", "Liz"),
    ("Best regards,\n\nJ. O’Neil", "J. O’Neil"),
    ("— Sam", "Sam"),
    ("~Kim Lee", "Kim Lee"),
])
def test_sign_off_names_the_author_and_stays_in_the_body(ending, author):
    post = only_post(POST.format(date="June 1, 2010") + "\n" + ending + "\n")
    assert post.author == author
    assert "sign-off" in post.author_source
    assert author in html_text(post.body)


@pytest.mark.parametrize("ending", ["No Excuses.", "Enjoy", "Until next time...",
                                    "Thanks for reading!\n\nSee you soon", "Ask someone."])
def test_endings_that_are_not_sign_offs(ending):
    assert only_post(POST.format(date="June 1, 2010") + "\n" + ending + "\n").author is None


def test_byline_wins_over_sign_off_and_the_difference_is_reported():
    text = POST.format(date="Posted on June 1, 2010 by Dana Whitfield") + "\nCheers,\n\nLiz\n"
    post = only_post(text)
    assert post.author == "Dana Whitfield"
    assert any("Liz" in warning.text for warning in post.warnings)


# --- e-mail addresses ---------------------------------------------------------------------------

def test_email_addresses_are_cloaked_by_default():
    text = ("June 1, 2010\n\nWrite to help@shop.example.com\n\n"
            "Mail first.last@example.co.uk today.\n")
    post = only_post(text)
    assert "first [dot] last [at] example [dot] co [dot] uk" in html_text(post.body)
    assert post.title == "Write to help [at] shop [dot] example [dot] com"
    assert [(note.line, note.address) for note in post.emails] == [
        (3, "help@shop.example.com"), (5, "first.last@example.co.uk")]
    assert not EMAIL.search(post.body + post.title + post.summary)


def test_email_addresses_can_be_dropped():
    post = only_post(POST.format(date="June 1, 2010") + "\nMail me at a.b@example.org.\n",
                     IMPORT_EMAIL_POLICY="drop")
    assert f"Mail me at {DROPPED_EMAIL}." in html_text(post.body)
    assert post.emails[0].address == "a.b@example.org"
    assert post.emails[0].replacement == DROPPED_EMAIL


def test_email_in_a_bio_is_hidden_too():
    bio = THIRD_PERSON_BIO + " Reach Dana at dana@example.com."
    post = only_post(POST.format(date="June 1, 2010") + "\n" + bio + "\n")
    assert "dana [at] example [dot] com" in post.bio and not EMAIL.search(post.bio)


@pytest.mark.parametrize("where, text, line, use", [
    ("byline", "Posted on March 3, 2015 by jane@example.com\n\nA title\n\nSome text here.\n", 1,
     "not used as the author"),
    ("footer", "March 3, 2015\n\nA title\n\nSome text here.\n\nPosted by jane.doe@example.com at 4:12 PM\n", 7,
     "not used as the author"),
    ("labels", "March 3, 2015\n\nA title\n\nSome text here.\n\nLabels: billing, help@example.com\n", 7,
     "not used as a tag"),
])
def test_an_address_in_a_byline_or_labels_is_never_published(where, text, line, use):
    post = only_post(text)
    assert not EMAIL.search(render_post_file(post, "Imported")), where
    (note,) = post.emails
    assert "example.com" in note.address and (note.line, note.replacement) == (line, use)
    if where == "labels":
        assert post.tags == ["billing"] and not post.tags_suggested


def test_twitter_handles_are_not_email_addresses():
    assert hide_email_addresses("follow me at @wkm610", "cloak") == ("follow me at @wkm610", [])


def test_unknown_email_policy_is_refused():
    with pytest.raises(ValueError, match="IMPORT_EMAIL_POLICY"):
        ImportSettings.from_mapping({"IMPORT_EMAIL_POLICY": "publish"})


# --- Markdown output ------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "#LyingThroughMyTeeth at the start", "mid-line #hashtag stays", "> not a quote",
    "1986. A year, not a list", "- - -", "---", "***", "___", "+ not a bullet",
    "Use *stars* and _underscores_ and snake_case", "A [link](http://example.com) and ![img](x)",
    "Code `like this` and <b>tags</b> and <!-- comments -->", "An &amp; entity and a & sign",
    "Back\\slash \\* escapes", "Footnote[^1] and {: .attr}", "## already hashes",
])
def test_escaped_lines_show_what_the_old_blog_showed(line):
    assert html_text(escape_line(line)).strip() == line


@pytest.mark.parametrize("lines", [[": a colon starts this line"],
                                   ["~~~", "tildes around a line, not a code fence", "~~~"]])
def test_lines_after_a_paragraph_stay_paragraphs(lines):
    # Only after another paragraph do these become a definition list or a fenced code block.
    source = ["A first paragraph.", *lines, "More text."]
    paragraphs = build_paragraphs([(number, text) for number, text in enumerate(source, 1)])
    rendered = markdown.markdown(render_markdown(paragraphs), extensions=["extra"])
    assert "<dl>" not in rendered and "<pre>" not in rendered
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).split("\n") == source


def test_mid_line_hash_is_not_escaped():
    assert escape_line("I haven't either. #LyingThroughMyTeeth") == \
        "I haven't either. #LyingThroughMyTeeth"


def test_single_newlines_separate_paragraphs_and_wrapped_lines_continue():
    lines = [(1, "First paragraph, one line."), (2, "Second paragraph that was hard-wrapped"),
             (3, "in the middle of its sentence."), (4, "Third paragraph.")]
    paragraphs = build_paragraphs(lines)
    assert [p.numbers for p in paragraphs] == [(1,), (2, 3), (4,)]
    assert html_text(render_markdown(paragraphs)) == (
        "First paragraph, one line.\nSecond paragraph that was hard-wrapped\n"
        "in the middle of its sentence.\nThird paragraph.")


def test_short_title_cased_line_directly_before_prose_is_a_heading():
    lines = [(1, "Short Story - Short"), (2, "For a period of time I was being double-billed."),
             (3, ""), (4, "I love the product."), (5, ""), (6, "How About You"),
             (7, "Is it time for you to get some feedback?"), (8, ""),
             (9, "Lonely Line Before A Blank"), (10, ""), (11, "Then more prose follows here.")]
    rendered = render_markdown(build_paragraphs(lines))
    assert rendered.count("## ") == 2
    assert "## Short Story - Short\n\nFor a period" in rendered
    assert "## How About You\n\nIs it time" in rendered
    assert "\nLonely Line Before A Blank\n" in rendered


@pytest.mark.parametrize("short_line", ["Here is what happened next", "and So On",
                                        "Why Me?", "Call Me Back,"])
def test_sentence_like_short_lines_are_not_headings(short_line):
    lines = [(1, short_line), (2, "The agent hung up on me and I called again.")]
    assert [p.kind for p in build_paragraphs(lines)] == ["text", "text"]


def test_list_like_lines_stay_lists():
    report = import_posts(FIXTURES / "three_posts.txt", Path("unused"), dry_run=True)
    body = report.posts[0].body
    assert ("- Password resets were still a quarter of all requests.\n"
            "- Tickets filed before 9 am were solved twice as fast.\n"
            "- Customers who got a callback rated us higher than those who got an e-mail.\n"
            "- Nobody reads the FAQ page, but everybody reads the status banner.\n\n"
            "<!-- -->\n\n"
            "1. Put the reset link on the status banner.\n2. Call back within the hour.") in body
    rendered = markdown.markdown(body, extensions=["extra"])
    assert rendered.count("<li>") == 6 and "<ul>" in rendered and "<ol>" in rendered


def test_markup_characters_in_prose_render_literally():
    report = import_posts(FIXTURES / "three_posts.txt", Path("unused"), dry_run=True)
    shown = html_text(report.posts[0].body)
    assert "#1 priority for March: the reset link." in shown
    assert "> is how our ticket system marks quoted replies" in shown
    assert "Use the *new* form_v2 at <the portal> [beta] and type `reset` in the box." in shown
    assert "1986. That is the year" in html_text(report.posts[2].body)


def test_header_is_complete_and_single_line():
    text = ("Posted on June 1, 2010 by  Dana Whitfield\n\nA Title\n\n"
            "First paragraph here. It has two sentences.\n\nLabels: billing, HR\n")
    post = only_post(text)
    post.bio = "  A bio\nover two lines"
    header, body = render_post_file(post, "Imported").split("\n\n", 1)
    assert header.splitlines() == [
        "Title: A Title", "Date: 2010-06-01", "Category: Imported", "Tags: billing, HR",
        "Author: Dana Whitfield", "Bio: A bio over two lines",
        "Summary: First paragraph here. It has two sentences.", "Slug: a-title",
        "Imported-From: dump.txt"]
    assert body == post.body


def test_summary_shows_what_the_old_blog_showed():
    text = POST.format(date="June 1, 2010").replace(
        "First paragraph here.", "I use *stars*, snake_case and <b>tags</b> here.")
    header = render_post_file(only_post(text), "Imported").split("\n\n", 1)[0]
    summary = header.split("Summary: ", 1)[1].split("\n", 1)[0]
    assert html_text(summary).strip() == "I use *stars*, snake_case and <b>tags</b> here. It has two sentences."


def test_undated_post_header_says_draft_and_summary_is_short():
    long_sentence = "word " * 60 + "end."
    post = only_post(long_sentence + " Second.\n")
    header = render_post_file(post, "Old Posts").split("\n\n", 1)[0]
    assert "Status: draft" in header.splitlines()
    assert "Category: Old Posts" in header.splitlines()
    assert len(post.summary) <= 200 and post.summary.endswith("…")


def test_category_setting(tmp_path):
    import_posts(FIXTURES / "crlf_post.txt", tmp_path, settings={"IMPORT_CATEGORY": "Archive"})
    [written] = tmp_path.iterdir()
    assert "Category: Archive" in written.read_text(encoding="utf-8").splitlines()


# --- encodings --------------------------------------------------------------------------------

def test_utf8_bom_is_dropped():
    post = only_post("\ufeff" + POST.format(date="June 1, 2010"))
    assert post.date == dt.date(2010, 6, 1) and post.title == "A Title"
    assert "\ufeff" not in post.body


def test_crlf_and_whitespace_only_lines(tmp_path):
    report = import_posts(FIXTURES / "crlf_post.txt", tmp_path)
    [post] = report.posts
    assert (post.date, post.title) == (dt.date(2007, 6, 19), "Waiting on Hold")
    written = (tmp_path / post.file_name).read_bytes()
    assert b"\r" not in written
    assert body_of(tmp_path / post.file_name) == (
        "The hold music looped every forty seconds.\n\n"
        "After the twelfth loop I hung up and wrote a letter instead.\n")
    assert [removed.text for removed in post.removed] == ["No comments:"]
    assert [warning.text for warning in report.all_warnings] == [
        "no author found: the site will show its default AUTHOR; add `Author: NAME` to the written file if you know it"]


def test_cp1252_is_detected_with_a_warning(tmp_path):
    report = import_posts(FIXTURES / "cp1252_post.txt", tmp_path)
    [file_report] = report.files
    assert file_report.encoding == "windows-1252"
    assert any("Windows-1252" in warning.text for warning in file_report.warnings)
    [post] = report.posts
    assert post.title == "The Café Counter"
    body = body_of(tmp_path / post.file_name)
    assert "“Is this seat taken?” she asked, and the barista’s answer, ‘not for long’" in body
    assert 'Straight "quotes" stay straight, and so does the crème brûlée.' in body
    assert report.ok


def test_a_stray_cp1252_line_in_a_utf8_file_keeps_the_utf8_lines():
    data = "June 1, 2010\n\nCafé Talk\n\n".encode() + "It’s done.\n".encode("cp1252")
    report = parse(data)
    assert report.encoding == "utf-8 + windows-1252"
    assert report.posts[0].title == "Café Talk"
    assert "It’s done." in report.posts[0].body
    assert [warning.line for warning in report.warnings] == [5]


def test_quotes_are_kept_as_written():
    post = only_post('June 1, 2010\n\n“Curly” and "straight"\n\nIt\'s ‘mixed’ – really.\n')
    assert post.title == '“Curly” and "straight"'
    assert "It's ‘mixed’ – really." in post.body


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("data, message, line", [
    (b"", "empty file", None),
    (b"  \r\n\t\n", "empty file", None),
    (b"Title\nsome text\x00\x01\x02", "binary file", 2),
    (b"June 1, 2010\n\nTitle\n\nbad \x81 byte\n", "undecodable", 5),
    (b"ok\n\x1b[31mred\x1b[0m\n", "binary file", 2),
    (b"No comments:\n\nPost a Comment\n<< Home\n", "no recognisable post", None),
])
def test_bad_files_are_errors_naming_the_file_and_line(data, message, line):
    report = parse(data)
    [error] = report.errors
    assert message in error.text and error.line == line
    assert str(error).startswith("dump.txt")
    assert report.posts == []


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    source = tmp_path / "dumps"
    (source / "nested").mkdir(parents=True)
    (source / "empty.txt").write_bytes(b"")
    (source / "binary.html").write_bytes(bytes(range(256)))
    (source / "nested" / "good.md").write_text(POST.format(date="June 1, 2010"), encoding="utf-8")
    (source / "ignored.pdf").write_bytes(b"%PDF")
    report = import_posts(source, tmp_path / "out")
    assert [file.source_name for file in report.files] == ["binary.html", "empty.txt",
                                                           "nested/good.md"]
    assert [post.title for post in report.posts] == ["A Title"]
    assert (tmp_path / "out" / "2010-06-01-a-title.md").exists()
    assert not report.ok
    assert {error.file for error in report.all_errors} == {"binary.html", "empty.txt"}
    text = report.as_text()
    assert "ERROR binary.html:1: binary file" in text and "ERROR empty.txt: empty file" in text
    assert json.loads(json.dumps(report.as_dict()))["ok"] is False


def test_html_dump_with_markup_gets_a_warning(tmp_path):
    (tmp_path / "copied.html").write_text(POST.format(date="June 1, 2010") + "\n<< Home\n")
    (tmp_path / "tagged.html").write_text(POST.format(date="June 2, 2010") + "\n<p>Hi</p>\n")
    report = import_posts(tmp_path, tmp_path / "out", dry_run=True)
    warned = {warning.file for warning in report.all_warnings
              if "shown literally" in warning.text}
    assert warned == {"tagged.html"}
    assert "&lt;p>Hi&lt;/p>" in report.posts[1].body


def test_nonexistent_source(tmp_path):
    report = import_posts(tmp_path / "nope", tmp_path / "out")
    assert not report.ok and "does not exist" in str(report.errors[0])
    assert not (tmp_path / "out").exists()


def test_folder_without_dump_files(tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    report = import_posts(tmp_path, tmp_path / "out")
    assert not report.ok and "no *.txt" in report.errors[0].text


# --- writing ------------------------------------------------------------------------------------

def test_dry_run_writes_nothing(tmp_path):
    dest = tmp_path / "out"
    report = import_posts(FIXTURES, dest, dry_run=True)
    assert not dest.exists()
    assert {post.action for post in report.posts} == {"would write"}
    assert report.ok and "dry run" in report.as_text()


def test_rerun_skips_existing_files_unless_forced(tmp_path):
    source = FIXTURES / "three_posts.txt"
    first = import_posts(source, tmp_path)
    assert [post.action for post in first.posts] == ["written"] * 3
    target = tmp_path / first.posts[0].file_name
    target.write_text("edited by hand", encoding="utf-8")

    again = import_posts(source, tmp_path)
    assert [post.action for post in again.posts] == ["skipped (file exists)"] * 3
    assert target.read_text(encoding="utf-8") == "edited by hand"
    assert any("already exists" in str(w) and "--force" in str(w) for w in again.all_warnings)
    assert again.ok

    forced = import_posts(source, tmp_path, force=True)
    assert [post.action for post in forced.posts] == ["overwritten"] * 3
    assert target.read_text(encoding="utf-8").startswith("Title: ")
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        post.file_name for post in forced.posts)


def test_rerun_finds_an_undated_post_whose_dump_was_copied_since(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text("Only a body here, no date and no title. It goes on.\n", encoding="utf-8")
    os.utime(dump, (1262304000, 1262304000))  # 2010-01-01
    [first] = import_posts(dump, tmp_path / "out").posts
    os.utime(dump, (1577836800, 1577836800))  # a copy made in 2020
    [again] = import_posts(dump, tmp_path / "out").posts
    assert again.file_name == first.file_name and again.action == "skipped (file exists)"
    [forced] = import_posts(dump, tmp_path / "out", force=True).posts
    assert forced.action == "overwritten"
    assert [path.name for path in (tmp_path / "out").iterdir()] == [first.file_name]


def test_destination_inside_the_source_is_not_imported_again(tmp_path):
    (tmp_path / "dump.txt").write_text(POST.format(date="June 1, 2010"), encoding="utf-8")
    import_posts(tmp_path, tmp_path / "out")
    again = import_posts(tmp_path, tmp_path / "out")
    assert [file.source_name for file in again.files] == ["dump.txt"]


def test_write_is_atomic(tmp_path, monkeypatch):
    source = FIXTURES / "crlf_post.txt"
    [post] = import_posts(source, tmp_path).posts
    target = tmp_path / post.file_name
    target.write_text("the previous version", encoding="utf-8")

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(run_module.os, "replace", crash)
    report = import_posts(source, tmp_path, force=True)
    assert target.read_text(encoding="utf-8") == "the previous version"  # old file intact
    assert [path.name for path in tmp_path.iterdir()] == [target.name]  # no temp file left
    assert not report.ok and "disk full" in report.all_errors[0].text
    assert report.posts[0].action == "failed"


def test_same_date_and_slug_get_distinct_names(tmp_path):
    text = POST.format(date="June 1, 2010") + "\n" + POST.format(date="June 1, 2010") + \
        "\n" + POST.format(date="July 1, 2010")
    (tmp_path / "twice.txt").write_text(text, encoding="utf-8")
    report = import_posts(tmp_path / "twice.txt", tmp_path / "out")
    assert [post.file_name for post in report.posts] == [
        "2010-06-01-a-title.md", "2010-06-01-a-title-2.md", "2010-07-01-a-title-3.md"]
    assert len(list((tmp_path / "out").iterdir())) == 3
    assert "Slug: a-title-2" in (tmp_path / "out" / "2010-06-01-a-title-2.md").read_text()


def test_undated_file_uses_the_file_modification_date(tmp_path):
    dump = tmp_path / "undated.txt"
    dump.write_text("Just some text without a date. More text.\n", encoding="utf-8")
    stamp = dt.datetime(2016, 5, 17, 12, 0).timestamp()
    os.utime(dump, (stamp, stamp))
    report = import_posts(dump, tmp_path / "out")
    [post] = report.posts
    assert post.draft and post.file_name.startswith("2016-05-17-just-some-text")
    assert "Status: draft" in (tmp_path / "out" / post.file_name).read_text()


def test_report_as_text_and_dict(tmp_path):
    report = import_posts(FIXTURES / "wordpress_with_comments.txt", tmp_path)
    text = report.as_text()
    for expected in ("wordpress_with_comments.txt", "2015-03-03", "Dana Whitfield",
                     "removed as boilerplate:", "line 13: Share this:", "removed comments:",
                     "line 21: Marcus Bell says:", "oscar.mendes@example.com ->",
                     "suggested", "[written]", "OK"):
        assert expected in text, expected
    data = json.loads(json.dumps(report.as_dict()))
    [post] = data["files"][0]["posts"]
    assert post["date_line"]["text"] == "Posted on March 3, 2015 by Dana Whitfield"
    assert post["emails"][0]["address"] == "oscar.mendes@example.com"
    assert data["totals"]["written"] == 1 and data["ok"] is True


def test_report_names_the_bio_and_every_warning(tmp_path):
    source = tmp_path / "dump.txt"
    # March 3, 2015 was a Tuesday: a warning on the file. Importing twice: one on the post.
    source.write_text(f"Monday, March 3, 2015\n\nA title\n\nSome text here.\n\n{THIRD_PERSON_BIO}\n",
                      encoding="utf-8")
    import_posts(source, tmp_path / "out")
    report = import_posts(source, tmp_path / "out")
    warnings = report.all_warnings
    assert [w.text.split()[0] for w in warnings] == ["weekday", str(tmp_path / "out" / "2015-03-03-a-title.md")]
    text = report.as_text()
    assert f"kept as author bio (line 7, moved to Bio:):\n      {THIRD_PERSON_BIO}" in text
    for warning in warnings:
        assert f"warning: {warning}" in text
    data = json.loads(json.dumps(report.as_dict()))
    [file_data] = data["files"]
    [post] = file_data["posts"]
    assert post["bio"] == THIRD_PERSON_BIO and post["bio_lines"] == [7]
    messages = [w["message"] for w in file_data["warnings"] + post["warnings"]]
    assert sorted(messages) == sorted(w.text for w in warnings)


# --- nothing lost -------------------------------------------------------------------------------

def assert_every_word_accounted_for(source: Path, dest: Path, **settings):
    report = import_posts(source, dest, settings=settings)
    assert report.ok, report.as_text()
    [file_report] = report.files
    accounted = Counter()
    for post in file_report.posts:
        header, body = (dest / post.file_name).read_text(encoding="utf-8").split("\n\n", 1)
        fields = dict(line.split(": ", 1) for line in header.splitlines())
        # Only the body, the title and the bio hold the source's text: the Summary, Tags and
        # Slug repeat it, so counting them would hide a loss.
        kept = " ".join([body, fields["Title"], fields.get("Bio", "")])
        accounted += words(html.unescape(re.sub(r"\\(.)", r"\1", kept)))
        accounted += words(" ".join(line.text for line in post.removed))
        accounted += words(" ".join(note.address for note in post.emails))
        accounted += words(post.date_line.text if post.date_line else "")
    accounted += words(" ".join(line.text for line in file_report.removed))
    source_text = source.read_bytes().decode(
        "cp1252" if file_report.encoding == "windows-1252" else "utf-8-sig")
    missing = words(source_text) - accounted
    assert not missing, f"words lost from {source.name}: {dict(missing)}"
    return report


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.iterdir()))
def test_nothing_lost_from_fixtures(name, tmp_path):
    assert_every_word_accounted_for(FIXTURES / name, tmp_path)


@needs_seeds
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize("policy", ["cloak", "drop"])
def test_nothing_lost_from_seeds(prefix, policy, tmp_path):
    assert_every_word_accounted_for(seed(prefix), tmp_path, IMPORT_EMAIL_POLICY=policy)


@pytest.mark.parametrize("lose", [
    lambda text: text.rsplit("\n\n", 1)[0],  # the body's last paragraph
    # the body's first paragraph, whose words the Summary repeats
    lambda text: re.sub(r"(\n\n)[^\n]+\n\n", r"\1", text, count=1),
], ids=["last paragraph", "first paragraph"])
def test_word_accounting_notices_a_loss(tmp_path, monkeypatch, lose):
    real = run_module.render_post_file
    monkeypatch.setattr(run_module, "render_post_file", lambda post, category: lose(real(post, category)))
    with pytest.raises(AssertionError, match="words lost"):
        assert_every_word_accounted_for(FIXTURES / "crlf_post.txt", tmp_path)


# --- the real seeds end to end ------------------------------------------------------------------

@needs_seeds
def test_seeds_end_to_end(tmp_path):
    report = import_posts(SEEDS, tmp_path)
    assert report.ok, report.as_text()
    by_file = {file.source_name[:3]: file.posts for file in report.files}
    assert sorted(by_file) == ["000", "001", "002", "003", "004"]
    assert [len(by_file[prefix]) for prefix in sorted(by_file)] == [1, 1, 2, 1, 1]
    mtime_date = dt.date.fromtimestamp(seed("001").stat().st_mtime)
    # 002's second date line reads February 1 (a Monday), not February 8.
    assert [post.date for prefix in sorted(by_file) for post in by_file[prefix]] == [
        dt.date(2013, 4, 29), mtime_date, dt.date(2010, 2, 8), dt.date(2010, 2, 1),
        dt.date(2021, 4, 29), dt.date(2007, 6, 19)]
    assert [post.draft for post in report.posts] == [False, True, False, False, False, False]

    titles = {prefix: [post.title for post in posts] for prefix, posts in by_file.items()}
    assert titles["000"] == [seed_line("000", 3)]
    assert titles["002"] == [seed_line("002", 3), seed_line("002", 25)]
    assert titles["003"] == [seed_line("003", 3)]
    assert titles["004"] == [seed_line("004", 3)]
    [draft] = by_file["001"]
    assert draft.title_line is None and len(draft.title) <= 80
    assert seed_line("001", 1).startswith(draft.title.rstrip("…"))
    assert any("001_" in str(w) and "no date line and no title" in str(w) for w in draft.warnings)

    authors = [post.author for post in report.posts]
    # 002's second post is unsigned: it gets the first one's author, with a warning.
    assert authors == [None, None, seed_line("002", 21), seed_line("002", 21), None,
                       " ".join(seed_line("004", 23).split()[:2])]
    assert any("taken from another post in this file" in str(w) for w in by_file["002"][1].warnings)
    assert [post.bio is not None for post in report.posts] == [False] * 4 + [True, True]
    assert by_file["003"][0].bio == " ".join(seed_line("003", 38).split())
    assert by_file["004"][0].bio == seed_line("004", 23)
    assert [removed.number for removed in by_file["003"][0].removed] == [43, 45, 47, 49, 51]
    assert [removed.number for removed in by_file["001"][0].removed] == [8, 9]

    written = sorted(tmp_path.iterdir())
    assert len(written) == 6
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not EMAIL.search(text), path.name
        body = body_of(path)
        for line in body.splitlines():
            assert not is_boilerplate(line), (path.name, line)
            assert not boilerplate_matcher().match(line), (path.name, line)
        assert "Bio:" not in body
    kimm = (tmp_path / by_file["004"][0].file_name).read_text(encoding="utf-8")
    assert "techsurvivor [at] soaringmountain [dot] com" in html_text(kimm.split("\n\n", 1)[1])
    assert seed_line("004", 23) not in body_of(tmp_path / by_file["004"][0].file_name)
    assert f"Author: {authors[-1]}" in kimm.split("\n\n", 1)[0]
    headings = body_of(tmp_path / by_file["000"][0].file_name).count("\n## ")
    assert headings == 3  # the three short section lines of 000


# --- the invoke task ----------------------------------------------------------------------------

def test_import_task_writes_the_json_report_and_exits_non_zero_on_errors(tmp_path, capsys):
    from invoke import Context
    from invoke.exceptions import Exit

    import tasks

    report = tmp_path / "report.json"
    tasks.import_posts(Context(), str(FIXTURES / "three_posts.txt"), str(tmp_path / "out"),
                       report=str(report))
    written = json.loads(report.read_text(encoding="utf-8"))
    assert [(post["date"], post["title"], post["author"], post["action"])
            for post in written["files"][0]["posts"]] == [
        ("2019-03-04", "Five Things Our Help Desk Learned in February", None, "written"),
        ("2019-03-07", "When the Invoice Is Wrong", "Marta", "written"),
        ("2019-03-12", "A Quiet Week", "Priya Natarajan", "written")]
    assert written["files"][0]["posts"][0]["tags"] == ["support", "self-service"]
    assert "three_posts.txt" in capsys.readouterr().out
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(Exit) as exited:
        tasks.import_posts(Context(), str(tmp_path / "empty.txt"), str(tmp_path / "out"))
    assert exited.value.code == 1
    assert "empty.txt" in capsys.readouterr().out


def test_make_import_passes_dry_run_and_force_through_to_the_importer(tmp_path):
    """`make import SOURCE=… DEST=… ARGS=…` as an author types it, down to the invoke flags."""
    import subprocess
    import sys

    from helpers import ROOT

    dest = tmp_path / "out"

    def make_import(*args):
        # This interpreter's invoke, and no venv set-up: the test is about the import target.
        command = ["make", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.installed",
                   f"BIN={Path(sys.executable).parent}", "import",
                   f"SOURCE={FIXTURES / 'three_posts.txt'}", f"DEST={dest}", f"ARGS={' '.join(args)}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "3 would be written" in make_import("--dry-run") and not dest.exists()
    assert "3 written" in make_import()
    written = dest / "2019-03-07-when-the-invoice-is-wrong.md"
    written.write_text(written.read_text(encoding="utf-8") + "\nAn edit of mine.\n", encoding="utf-8")
    assert "3 skipped" in make_import() and "An edit of mine." in written.read_text(encoding="utf-8")
    assert "3 written" in make_import("--force") and "An edit of mine." not in written.read_text(encoding="utf-8")
