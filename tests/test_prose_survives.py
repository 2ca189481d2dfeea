"""No word an author wrote is lost: hard-wrapped prose, with words and phrases that comment
boilerplate is made of, comes out word for word on the page and in every feed.

A property over whole builds. SERVICEBOOK_PROSE_EXAMPLES sets how many (500 by default;
CI runs fewer, see .ci/run).
"""

import json
import os
import re
import shutil
import textwrap
import unicodedata

import feedparser
import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import build_small_site, parse_html, post
from servicebook.output_checks import feed_files

EXAMPLES = int(os.environ.get("SERVICEBOOK_PROSE_EXAMPLES", "500"))
ORDINARY = (
    "the refund took six weeks and three phone calls before anyone agreed it was owed "
    "we asked for a manager twice she said the system would not let her change it "
    "customers remember how a mistake was handled long after they forget the mistake itself "
    "our team reads every complaint on Monday morning 2019 was the worst year for billing "
    "it's not that they didn't care, it's that nobody owned it; what would you do?"
).split()
# What comment boilerplate is made of, as words in a sentence or as a whole wrapped line.
PHRASES = [
    "like this:",
    "Like this:",
    "Share this:",
    "Leave a Reply",
    "Leave a reply.",
    "Post a Comment",
    "post a comment",
    "3 comments:",
    "No comments:",
    "0 Comments:",
    "Subscribe to Post Comments [Atom]",
    "<< Home",
    "Like Loading...",
    "Loading...",
    "Labels:",
    "Newer Post Older Post Home",
    "Older Post",
    "Posted by Jane at 10:15 AM",
    "Twitter",
    "Facebook",
    "Email This BlogThis!",
    "Anne said...",
    "Reply",
    "Be the first to like this.",
    '3 thoughts on "Refunds"',
    "Comments",
    "Home",
]
WORD = st.sampled_from(ORDINARY)
PIECE = st.one_of(WORD, WORD, WORD, st.sampled_from(PHRASES))


@st.composite
def paragraph(draw):
    """Prose of at least four ordinary words, hard-wrapped at a random width."""
    words = draw(st.lists(WORD, min_size=4, max_size=12)) + draw(st.lists(PIECE, max_size=30))
    text = " ".join(draw(st.permutations(words)))
    width = draw(st.integers(min_value=6, max_value=80))
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False))


def words(text):
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text))


def html_words(html):
    return words(lxml.html.fragment_fromstring(html, create_parent="div").text_content()) if html.strip() else []


def feed_contents(output):
    """(feed file, the HTML of each of its items), for every feed the site wrote."""
    for path in feed_files(output):
        if path.suffix == ".json":
            yield path, [item["content_html"] for item in json.loads(path.read_text(encoding="utf-8"))["items"]]
        else:
            feed = feedparser.parse(path.read_bytes())
            yield path, [(entry.content[0].value if "content" in entry else entry.summary) for entry in feed.entries]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(paragraph(), min_size=1, max_size=6))
def test_prose_survives_word_for_word_on_the_page_and_in_every_feed(tmp_path_factory, paragraphs):
    root = tmp_path_factory.mktemp("prose")
    body = "\n\n".join(paragraphs)
    try:
        result = build_small_site(
            root, {"posts/prose.md": post("Prose", body, slug="prose", tags="billing")}, SEARCH_INDEX=False
        )
        written = words(body)
        page = parse_html(result.output_path / "2024/prose/index.html").select_one(".post-body")
        assert words(page.get_text(" ")) == written
        feeds = list(feed_contents(result.output_path))
        assert len(feeds) == 9  # site, tag and category feeds, each as Atom, RSS and JSON Feed
        for path, contents in feeds:
            assert [html_words(html) for html in contents] == [written], path
        assert not [problem for problem in result.problems if problem.fails_strict_builds], result.problems
    finally:
        shutil.rmtree(root, ignore_errors=True)
