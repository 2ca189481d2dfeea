"""The importer (servicebook.importer): what it takes out or turns into metadata: boilerplate
and comments, labels and tags, the author's bio and sign-off, e-mail addresses."""

import datetime as dt
from pathlib import Path

import pytest

from importer_helpers import EMAIL, FIXTURES, POST, THIRD_PERSON_BIO, html_text, only_post, paragraph_count, parse
from servicebook.importer import DEFAULT_TAG_VOCABULARY, ImportSettings, import_posts
from servicebook.importer.posts import DROPPED_EMAIL, hide_email_addresses, suggest_tags
from servicebook.importer.rendering import render_post_file

# --- boilerplate and comments ----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "No comments:",
        "0 Comments:",
        "3 comments:",
        "1 comment",
        "Post a Comment",
        "Leave a Reply",
        "Subscribe to Post Comments [Atom]",
        "Share this:",
        "Like this:",
        "Loading...",
        "Like Loading...",
        "Labels:",
        "Labels: , ,",
        "<< Home",
        "Newer Post Older Post Home",
        "Newer Post / Older Post",
        "Reply",
    ],
)
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
    text = POST.format(date="June 1, 2010") + "\nI read all the comments: they were kind.\nShare this with your team.\n"
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
    for line in (
        "Anonymous said...",
        "Great post, thanks!",
        "June 3, 2015 at 4:12 PM",
        "Liz said...",
        "Delete",
        "I disagree with point two.",
    ):
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
    text = POST.format(date="June 1, 2010") + "\nPosted by Liz Brown at 4:12 PM 2 comments:\nNice one!\n"
    post = only_post(text)
    assert post.author == "Liz Brown"
    assert "Nice one!" not in post.body  # a non-zero count opens the comment thread


def test_share_widget_buttons_are_removed_only_after_share_this():
    text = POST.format(date="June 1, 2010") + "\nShare this:\nTwitter\n\nFacebook\nBack to the story.\nTwitter\n"
    post = only_post(text)
    assert [removed.text for removed in post.removed] == ["Share this:", "Twitter", "Facebook"]
    assert post.body.endswith("Back to the story.\n\nTwitter\n")  # prose ended the widget


def test_wordpress_fixture():
    report = import_posts(FIXTURES / "wordpress_with_comments.txt", Path("unused"), dry_run=True)
    [post] = report.posts
    assert (post.date, post.title, post.author) == (
        dt.date(2015, 3, 3),
        "The Refund That Took Three Phone Calls",
        "Dana Whitfield",
    )
    assert "Posted on" not in post.body
    rendered = html_text(post.body)
    for gone in (
        "Share this",
        "Twitter",
        "Like",
        "Loading",
        "thoughts on",
        "says:",
        "said...",
        "Reply",
        "Marcus",
        "quietreader",
        "2015 at",
        "reader.quiet",
    ):
        assert gone not in rendered, gone
    assert paragraph_count(post.body) == 4
    comments = [removed for removed in post.removed if removed.reason == "comment"]
    assert {removed.number for removed in comments} == {21, 22, 23, 26, 27, 28, 31, 32, 33}
    assert {removed.text for removed in post.removed if removed.reason == "boilerplate"} == {
        "Share this:",
        "Twitter",
        "Facebook",
        "Like this:",
        "Like Loading...",
        "Reply",
        "3 thoughts on “The Refund That Took Three Phone Calls”",
    }


# --- labels and tags --------------------------------------------------------------------------


def test_labels_become_tags():
    post = only_post(POST.format(date="June 1, 2010") + "\nLabels: billing, HR ,  customer care\n")
    assert post.tags == ["billing", "HR", "customer care"]
    assert not post.tags_suggested
    assert [(removed.reason, removed.text) for removed in post.removed] == [
        ("labels", "Labels: billing, HR ,  customer care")
    ]


def test_empty_labels_give_suggested_tags_from_the_vocabulary_setting():
    vocabulary = {"refunds": ["refund", "money back"], "queues": ["queue", "waiting"], "rare": ["zebra"]}
    text = (
        "June 1, 2010\n\nWaiting for a Refund\n\nThe queue was long; waiting took an hour.\n"
        "I wanted my money back, and the refund came a week later.\n\nLabels: ,\n"
    )
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
    post = only_post(
        "June 1, 2010\n\nBilled Twice\n\nThey billed me twice. The bill was wrong "
        "and my complaint was ignored until a second complaint.\n"
    )
    assert post.tags[:2] == ["billing", "complaints"] and post.tags_suggested


# --- author bio and sign-off ------------------------------------------------------------------

FIRST_PERSON_BIO = (
    "I've spent twenty years running contact centres on three continents, and "
    "my own consultancy now helps firms fix their complaint handling. I work "
    "with banks and charities alike, as a trainer and speaker. You can follow "
    "me at @danaw or through my website."
)


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


@pytest.mark.parametrize(
    "ending",
    [
        "Bill Price is a great guy who taught me a lot about service.",
        "John Smith is a manager who never listens to anyone.",
        "The Company is a certified provider founded by its owner in 1990.",
        "Follow me on Twitter for more tips like these, and tell your friends about my blog!",
        "I have years of experience with clients like you. That is why I care about service so much, "
        "more than any speaker or trainer I have met in all my years of travel around the world.",
        "Have you fixed your company culture? If so, please share your story with me at "
        "someone@example.com - I'm very interested to hear all about it.",
    ],
)
def test_endings_that_are_not_bios_stay_in_the_body(ending):
    post = only_post(POST.format(date="June 1, 2010") + "\n" + ending + "\n")
    assert post.bio is None
    assert post.author is None
    assert paragraph_count(post.body) == 2  # both paragraphs still in the body


def test_bio_must_be_the_last_paragraph():
    text = POST.format(date="June 1, 2010") + "\n" + THIRD_PERSON_BIO + "\n\nOne more thing.\n"
    assert only_post(text).bio is None


@pytest.mark.parametrize(
    "ending, author",
    [
        ("Until next time...\n\nLiz", "Liz"),
        ("Cheers,\nMarta Ruiz", "Marta Ruiz"),
        ("Until next time, Liz", "Liz"),
        ("Best regards,\n\nJ. O’Neil", "J. O’Neil"),
        ("— Sam", "Sam"),
        ("~Kim Lee", "Kim Lee"),
    ],
)
def test_sign_off_names_the_author_and_stays_in_the_body(ending, author):
    post = only_post(POST.format(date="June 1, 2010") + "\n" + ending + "\n")
    assert post.author == author
    assert "sign-off" in post.author_source
    assert author in html_text(post.body)


@pytest.mark.parametrize(
    "ending", ["No Excuses.", "Enjoy", "Until next time...", "Thanks for reading!\n\nSee you soon", "Ask someone."]
)
def test_endings_that_are_not_sign_offs(ending):
    assert only_post(POST.format(date="June 1, 2010") + "\n" + ending + "\n").author is None


def test_byline_wins_over_sign_off_and_the_difference_is_reported():
    text = POST.format(date="Posted on June 1, 2010 by Dana Whitfield") + "\nCheers,\n\nLiz\n"
    post = only_post(text)
    assert post.author == "Dana Whitfield"
    assert any("Liz" in warning.message for warning in post.warnings)


# --- e-mail addresses ---------------------------------------------------------------------------


def test_email_addresses_are_cloaked_by_default():
    text = "June 1, 2010\n\nWrite to help@shop.example.com\n\nMail first.last@example.co.uk today.\n"
    post = only_post(text)
    assert "first [dot] last [at] example [dot] co [dot] uk" in html_text(post.body)
    assert post.title == "Write to help [at] shop [dot] example [dot] com"
    assert [(note.line, note.address) for note in post.emails] == [
        (3, "help@shop.example.com"),
        (5, "first.last@example.co.uk"),
    ]
    assert not EMAIL.search(post.body + post.title + post.summary)


def test_email_addresses_can_be_dropped():
    post = only_post(POST.format(date="June 1, 2010") + "\nMail me at a.b@example.org.\n", IMPORT_EMAIL_POLICY="drop")
    assert f"Mail me at {DROPPED_EMAIL}." in html_text(post.body)
    assert post.emails[0].address == "a.b@example.org"
    assert post.emails[0].replacement == DROPPED_EMAIL


def test_email_in_a_bio_is_hidden_too():
    bio = THIRD_PERSON_BIO + " Reach Dana at dana@example.com."
    post = only_post(POST.format(date="June 1, 2010") + "\n" + bio + "\n")
    assert "dana [at] example [dot] com" in post.bio and not EMAIL.search(post.bio)


@pytest.mark.parametrize(
    "where, text, line, use",
    [
        (
            "byline",
            "Posted on March 3, 2015 by jane@example.com\n\nA title\n\nSome text here.\n",
            1,
            "not used as the author",
        ),
        (
            "footer",
            "March 3, 2015\n\nA title\n\nSome text here.\n\nPosted by jane.doe@example.com at 4:12 PM\n",
            7,
            "not used as the author",
        ),
        (
            "labels",
            "March 3, 2015\n\nA title\n\nSome text here.\n\nLabels: billing, help@example.com\n",
            7,
            "not used as a tag",
        ),
    ],
)
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
