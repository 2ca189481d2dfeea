"""Comment-free, never at the cost of the author's words: footers as the platforms print them
go; a line of a paragraph, a heading, a quote, code or a table stays, whatever its words.

Pure functions (markdown rendered as Pelican renders it, then cleaned), no Pelican run;
tests/test_feeds.py and tests/test_prose_survives.py build whole sites.
"""

import markdown
import pytest

from comment_free.comment_free import Finding, finding_problem, strip_boilerplate
from servicebook.boilerplate import compile_patterns, footer_blocks, is_boilerplate, line_kind
from servicebook.problems import Problem


def render(text):
    return markdown.markdown(text, extensions=["extra"], output_format="html5")


def cleaned(text, asked=None):
    return strip_boilerplate(render(text), asked)


# Footer blocks as Blogger and WordPress print them, pasted under a post.
FOOTERS = {
    "wordpress likes": "Like this:\n\nLike Loading...",
    "wordpress likes, typographic": "Like this:\n\nLike Loading…",
    "wordpress sharing": "Share this:\n\n- Twitter\n- Facebook\n- Email",
    "wordpress sharing on lines": "Share this:\nTwitter\nFacebook\nPrint",
    "wordpress sharing and likes": (
        "Share this:\n\nClick to share on Twitter (Opens in new window)\n\nLike this:\n\nLike Loading..."
    ),
    "blogger, no comments": "No comments:\n\nPost a Comment",
    "blogger, no comments, one paragraph": "No comments:\nPost a Comment",
    "blogger footer": "Labels: , ,\n\n0 Comments:\n\nPost a Comment\n\nSubscribe to Post Comments [Atom]\n\n<< Home",
    "blogger form and feed": "Post a Comment\n\nSubscribe to: Post Comments (Atom)",
    "blogger post footer": "Posted by Jane at 10:15 AM\n\nEmail This BlogThis! Share to Twitter Share to Facebook",
    "blogger navigation": "Post a Comment\n\nNewer Post Older Post Home\n\nSubscribe to: Posts (Atom)",
}


@pytest.mark.parametrize("footer", FOOTERS.values(), ids=list(FOOTERS))
def test_a_pasted_footer_goes_and_the_post_stays(footer):
    html, findings = cleaned("The refund took six weeks to arrive.\n\n" + footer + "\n")
    assert html.strip() == "<p>The refund took six weeks to arrive.</p>"
    assert [finding.what for finding in findings] == ["footer"]


def test_a_comment_thread_goes_from_its_count_to_the_end():
    text = (
        "My own words.\n\n3 comments:\n\nAnne said...\n\nGreat post, thanks!\n\nApril 30, 2013 at 9:15 AM\n\n"
        "Bob said...\n\nI had the same with my bank.\n\nMay 1, 2013 at 10:00 PM\n\nPost a Comment\n"
    )
    html, findings = cleaned(text)
    assert html.strip() == "<p>My own words.</p>"
    assert findings[0].what == "thread" and findings[0].lines[:2] == ["3 comments:", "Anne said..."]


def test_a_comment_thread_stops_at_the_authors_next_heading():
    html, findings = cleaned("Intro.\n\n2 comments:\n\nAnne said...\n\nNice.\n\n## What I did next\n\nI wrote again.\n")
    assert "Anne" not in html and "<h2>What I did next</h2>" in html and "I wrote again." in html
    assert [finding.what for finding in findings] == ["thread"]


PHRASES = [
    "like this:",
    "Like this:",
    "Share this:",
    "Leave a Reply",
    "Post a Comment",
    "3 comments:",
    "No comments:",
    "Subscribe to Post Comments [Atom]",
    "<< Home",
    "Like Loading...",
]


@pytest.mark.parametrize("phrase", PHRASES)
def test_a_wrapped_line_of_prose_stays_whatever_its_words(phrase):
    text = (
        f"When you run the command you will see output\n{phrase}\nand then the prompt comes back.\n\n```\n$ ok\n```\n"
    )
    html, findings = cleaned(text)
    assert html == render(text) and phrase.split()[0].replace("<", "&lt;") in html
    assert findings == []


def test_the_wrapped_line_that_was_cut_in_the_field_stays():
    text = "Run `make build` and you will see output\nlike this:\n\n```\nBuilt output in 0.9 s.\n```\n"
    assert cleaned(text) == (render(text), [])


def test_a_lead_in_paragraph_before_code_stays_silently():
    for lead_in in ("Like this:", "Share this:"):
        text = f"Format the date the ISO way.\n\n{lead_in}\n\n    2024-01-02\n"
        assert cleaned(text) == (render(text), [])


@pytest.mark.parametrize(
    "heading", ["## Comments", "## Leave a Reply", "### Share this:", "## 3 comments:", "## Post a Comment"]
)
def test_a_heading_stays_whatever_its_words(heading):
    text = (
        f"A guide to feedback forms.\n\n{heading}\n\nPost a Comment\n\nSubscribe to Post Comments "
        f"[Atom]\n\nMore prose.\n"
    )
    html, _ = cleaned(text)
    assert render(heading) in html


@pytest.mark.parametrize(
    "wrapper",
    ["```\n{}\n```", "> {}", "| a |\n|---|\n| {} |", "Term\n: {}"],
    ids=["code", "quote", "table", "definition"],
)
def test_code_quotes_tables_and_definitions_stay(wrapper):
    footer = "No comments: Post a Comment"
    text = "Look at what the old blog printed:\n\n" + wrapper.format(footer) + "\n"
    assert cleaned(text)[0] == render(text)


def test_a_lone_footer_line_stays_and_is_reported_as_doubtful():
    for lone in ("Post a Comment", "0 Comments:", "Subscribe to Post Comments [Atom]"):
        text = f"Everything I wanted to say.\n\n{lone}\n"
        html, findings = cleaned(text)
        assert html == render(text)
        assert findings == [Finding("doubtful", [lone])]


def test_a_footer_glued_to_prose_stays_and_is_reported():
    text = "Thanks for reading, see you next week.\nShare this:\nTwitter\nFacebook\n"
    html, findings = cleaned(text)
    assert html == render(text)
    assert findings == [Finding("doubtful", ["Share this:", "Twitter", "Facebook"])]


def test_links_to_comment_pages_lose_the_link_not_the_text():
    html, findings = cleaned("See [what readers said](/2009/05/post.html#comments) then.")
    assert html == "<p>See what readers said then.</p>"
    assert findings == [Finding("link", ["/2009/05/post.html#comments"])]


@pytest.mark.parametrize(
    "href",
    [
        "/2009/05/post.html#comments",
        "/2009/05/post.html#comment-12",
        "/2009/x/comments/",
        "https://old.example/feeds/123/comments/default",
        "https://old.example/2009/x/feed/comments/",
        "https://old.example/2009/x/comments/feed/",
        "/post.html?showComment=1243#c1",
        "/x/?replytocom=5#respond",
        "https://old.example/wp-commentsrss2.php?p=3",
        "https://old.example/commentRss/3.xml",
    ],
)
def test_links_to_comment_pages_and_feeds_are_unwrapped(href):
    html, findings = strip_boilerplate(f'<p>See <a href="{href}">what readers said</a> then.</p>')
    assert html == "<p>See what readers said then.</p>"
    assert findings == [Finding("link", [href])]


@pytest.mark.parametrize("href", ["/2009/x/", "https://example.org/commentary/", "/posts/comment-policy/"])
def test_links_that_merely_mention_comments_stay(href):
    html = f'<p>See <a href="{href}">this</a>.</p>'
    assert strip_boilerplate(html) == (html, [])


def test_clean_html_is_left_byte_for_byte():
    html = '<p>We will &ldquo;reply&rdquo; within <a href="/x/">two days</a>.</p>'
    assert strip_boilerplate(html) == (html, [])


def test_typographic_footer_is_still_found():
    html = "<p>Story.</p><p>Loading&#8230;</p><p>Post a&nbsp;<strong>Comment</strong></p><p>&lt;&lt; Home</p>"
    assert strip_boilerplate(html) == (
        "<p>Story.</p>",
        [Finding("footer", ["Loading...", "Post a Comment", "<< Home"])],
    )


def test_what_the_site_asks_to_remove_goes_as_a_paragraph_never_as_a_line():
    asked = compile_patterns([r"powered by blogger\.?"])
    html, findings = cleaned("Kept.\n\nPowered by Blogger.\n\nThis post was\npowered by blogger.\nreally.\n", asked)
    assert "Powered by Blogger." not in html and "powered by blogger." in html
    assert findings == [Finding("asked", ["Powered by Blogger."])]


def test_an_image_or_a_heading_breaks_a_footer_apart():
    text = "Text.\n\nNo comments:\n\n![A chart of refunds](/images/chart.png)\n\nPost a Comment\n"
    html, findings = cleaned(text)
    assert html == render(text)
    assert [finding.what for finding in findings] == ["doubtful", "doubtful"]


def test_line_kinds_and_the_importers_list():
    assert line_kind("Like Loading…") == "likes-widget" and line_kind("3 thoughts on “Refunds”") == "comment-count"
    assert line_kind("Twitter Facebook") == "share-buttons" and not is_boilerplate("Twitter")
    assert line_kind("No comments on the bill were made.") is None
    assert footer_blocks([]) == []


def test_problems_name_the_lines_of_the_source():
    source = ["Title: T", "", "Text.", "", "No comments:", "", "Post a Comment"]
    problem = finding_problem(Finding("footer", ["No comments:", "Post a Comment"]), "content/posts/t.md", source)
    assert problem == Problem(
        "content/posts/t.md",
        5,
        "Boilerplate",
        "removed a comment and sharing footer of an old blog ('No comments:' … 'Post a Comment', "
        "lines 5-7); delete it from the source",
    )
    doubtful = finding_problem(Finding("doubtful", ["Post a Comment"]), "content/posts/t.md", source)
    assert doubtful.severity == "note" and doubtful.line == 7 and not doubtful.fails_strict_builds
