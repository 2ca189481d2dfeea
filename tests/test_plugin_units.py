"""Unit tests of the plugins' pure functions: no Pelican run."""

import contextlib
import random

import pytest
import smartypants
from hypothesis import given
from hypothesis import strategies as st

from reading_time.reading_time import reading_minutes, word_count
from safe_titles.safe_titles import escape_title
from servicebook.boilerplate import compile_patterns, is_boilerplate, normalise
from servicebook.tags import tag_key
from tag_normalise.tag_normalise import alias_keys, canonical_names, normalise_tags
from typography.typography import FILTER_NEEDS, skip_needless_steps
from typography.widont import TYPOGRIFY_WIDONT, widont


@pytest.mark.parametrize(
    "line",
    [
        "No comments:",
        "0 Comments:",
        "3 comments:",
        "Post a Comment",
        "Leave a Reply",
        "Subscribe to Post Comments [Atom]",
        "<< Home",
        "Labels: , ,",
        "Labels:",
        "Newer Post Older Post Home",
        "Share this:",
        "Like this:",
        "Loading...",
        "  post a comment  ",
    ],
)
def test_boilerplate_lines_are_recognised(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "Post a comment if you disagree with me.",
        "Labels: billing, HR",
        "No comments on the bill were made.",
        "Home is where the service is.",
        "I like this approach:",
        "",
    ],
)
def test_prose_about_comments_is_kept(line):
    assert not is_boilerplate(line)


def test_lines_are_seen_with_typography_undone_and_whitespace_collapsed():
    typeset = "  \u201cLeave a reply\u201d\u2026 \u00abit\u2019s\u2018 \t ok\u00bb  "
    assert normalise(typeset) == "\"Leave a reply\"... <<it's' ok\u00bb"
    assert is_boilerplate("Loading\u2026") and is_boilerplate("\u00a0Share\u2003this:")


def test_patterns_are_configurable():
    matcher = compile_patterns(["powered by blogger"])
    assert is_boilerplate("Powered by Blogger", matcher)
    assert not is_boilerplate("Post a Comment", matcher)


def test_tag_key_folds_case_and_separators():
    assert (
        tag_key("Customer Service")
        == tag_key("customer-service")
        == tag_key(" customer_service ")
        == "customer service"
    )
    assert tag_key("--") == ""


def test_canonical_names_pick_the_common_spelling_and_apply_aliases():
    names = ["Customer Service", "customer service", "customer service", "customer-service", "cs", "HR", "HR", "hr"]
    mapping = canonical_names(names, alias_keys({"CS": "Customer-Service"}))
    assert {mapping[n] for n in ("Customer Service", "customer-service", "cs")} == {"customer service"}
    assert mapping["hr"] == "HR"


def test_canonical_names_ties_prefer_plain_lower_case_and_drop_empty_tags():
    mapping = canonical_names(["Run-Around", "run around", "!!"])
    assert mapping == {"Run-Around": "run around", "run around": "run around"}


def test_alias_to_an_unused_tag_shows_the_alias_target():
    assert canonical_names(["cs"], alias_keys({"cs": "customer service"})) == {"cs": "customer service"}


def test_a_tag_under_its_display_name_stays_the_object_it_was_read_as():
    from types import SimpleNamespace

    from pelican.urlwrappers import Tag

    settings = {"TAG_ALIASES": {}}
    read = [Tag(name, settings) for name in ("Outage", "outage", "outage", "billing")]
    first = SimpleNamespace(tags=[read[0], read[3]], source_path="a.md")
    second = SimpleNamespace(tags=[read[1]], source_path="b.md")
    third = SimpleNamespace(tags=[read[2]], source_path="c.md")
    generator = SimpleNamespace(
        settings=settings, articles=[first, second, third], drafts=[], hidden_articles=[], translations=[], path="."
    )
    normalise_tags(generator)
    assert [tag.name for tag in first.tags] == ["outage", "billing"]
    assert first.tags[0] is not read[0]  # shown under another spelling: a new tag
    assert first.tags[1] is read[3] and second.tags[0] is read[1] and third.tags[0] is read[2]


def test_reading_time():
    assert word_count("<p>It's a <b>well-made</b> plan.</p>") == 4
    assert reading_minutes("<p>word</p>") == 1
    assert reading_minutes("<p>" + "word " * 221 + "</p>", words_per_minute=220) == 2


def test_a_text_seen_again_is_not_counted_again():
    text = "<p>" + "heron " * 500 + "</p>"
    word_count.cache_clear()
    assert [reading_minutes(text), reading_minutes(text)] == [3, 3]
    assert word_count.cache_info().hits == 1


def test_titles_are_escaped_once():
    assert escape_title({"title": "Fees & <b>charges</b>"}) == {"title": "Fees &amp; &lt;b&gt;charges&lt;/b&gt;"}
    assert escape_title({}) == {}


@contextlib.contextmanager
def smartypants_as_released():
    """smartypants' own steps, with no step skipped, for as long as the block runs."""
    skip_needless_steps(smartypants)
    skipping = {name: step for name, step in vars(smartypants).items() if hasattr(step, "__wrapped__")}
    assert len(skipping) >= 8
    for name, step in skipping.items():
        setattr(smartypants, name, step.__wrapped__)
    try:
        yield
    finally:
        for name, step in skipping.items():
            setattr(smartypants, name, step)


# Every smartypants option: quotes, both backtick kinds, the three dash styles, ellipses, &quot;.
ATTRS = [smartypants.Attr.set1 | smartypants.Attr.w, smartypants.Attr.set2, smartypants.Attr.set3]
ATTRS.append(smartypants.Attr.q | smartypants.Attr.B | smartypants.Attr.d | smartypants.Attr.e)
# Text made of what smartypants changes (quotes, backticks, dashes, dots, escapes, &quot;),
# with tags it skips or reads through.
TYPOGRAPHIC = st.lists(
    st.sampled_from(
        [
            "'",
            '"',
            "`",
            "-",
            "--",
            ".",
            "...",
            ". . .",
            " ",
            "\\",
            "a",
            "s",
            "80",
            "&quot;",
            "&nbsp;",
            "<p>",
            "<code>",
            "</code>",
        ]
    )
).map("".join)


@given(TYPOGRAPHIC)
def test_skipping_needless_smartypants_steps_changes_no_output(text):
    skip_needless_steps(smartypants)
    skipping = [smartypants.smartypants(text, attr) for attr in ATTRS]
    with smartypants_as_released():
        assert skipping == [smartypants.smartypants(text, attr) for attr in ATTRS]


def test_a_tag_only_a_draft_has_gets_no_page_and_no_feeds(tmp_path):
    from helpers import build_small_site, post

    build_small_site(
        tmp_path,
        {
            "posts/out.md": post("Out", "Published.", slug="out", tags="billing"),
            "posts/later.md": post("Later", "Not yet.", slug="later", tags="billing, secret-plans", status="draft"),
        },
    )
    output = tmp_path / "output"
    assert (output / "tag" / "billing" / "index.html").exists()
    assert not (output / "tag" / "secret-plans").exists()
    assert not list((output / "feeds").rglob("secret-plans*"))
    assert "secret-plans" not in (output / "tags" / "index.html").read_text(encoding="utf-8")


# Pieces of markup widont cares about: block and inline tags (and near misses), spaces of
# every kind, words, entities.
_MARKUP = [
    *("<p>", "</p>", "</li>", "<li>", "</h2>", "</dd>", "</dt>", "</pre>", "</P>", "</p >", "</h7>"),
    *("<em>", "</em>", '<a href="x y">', "</a>", "<b>", "</b>", "<i>", "</i>", "<span class='c'>", "</span>"),
    *("<strong>", "</strong>", "</strong >", '<img alt="a b">', "<br>", "<abbr>", "</blockquote>", "<a", "b>"),
    *("<", ">", " ", "  ", "\n", "\t", "\u00a0", "\x1c", "word", "x", "ab", "&amp;", "'", '"'),
]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("<p>The last two words</p>", "<p>The last two&nbsp;words</p>"),
        ("<li>a <em>b</em></li><li>c d </strong></li>", "<li>a <em>b</em></li><li>c&nbsp;d </strong></li>"),
        ("<h2>one <em>two three</em>\n</h2>", "<h2>one <em>two&nbsp;three</em>\n</h2>"),
        # The last word comes straight after a tag: no space to replace.
        ("<h2>one <a href='#'>two</a></h2>", "<h2>one <a href='#'>two</a></h2>"),
        ("<div>Divs get no love!</div>", "<div>Divs get no love!</div>"),
        # An "<a" tag may run over a block's end: typogrify matches from it.
        ("<a\tab</li>\nab \n", "<a\tab</li>&nbsp;ab \n"),
        ("", ""),
    ],
)
def test_widont_puts_a_no_break_space_before_the_last_word(text, expected):
    assert widont(text) == expected == TYPOGRIFY_WIDONT(text)


def test_widont_gives_what_typogrify_gives_on_random_markup():
    assert TYPOGRIFY_WIDONT.__module__ == "typogrify.filters" and TYPOGRIFY_WIDONT is not widont
    chance = random.Random(11)
    for _ in range(40_000):
        text = "".join(chance.choice(_MARKUP) for _ in range(chance.randrange(14)))
        assert widont(text) == TYPOGRIFY_WIDONT(text), text


_TYPOGRIFY_PIECES = [
    *("<p>", "</p>", '<a href="a & b">', "</a>", "<kbd>", "</kbd>", "<script>", "</script>", "<b title='AB'>"),
    *("<!-- A -- B -->", "<!--", "-->", "<", ">", " ", "\n", "\u00a0", "&", "&amp;", "&#38;", "&nbsp;"),
    *("AB", "A", "B", "1", "U.", "S.", ".", "x", "word", "'", "C3PO", "I", "NASA's", "a.B"),
]


@pytest.mark.parametrize("name", sorted(FILTER_NEEDS))
def test_a_typogrify_filter_without_what_it_needs_changes_nothing(name):
    """So skipping it there (typography's skip_needless_steps) changes no output."""
    import typogrify.filters

    step = getattr(typogrify.filters, name)
    step = getattr(step, "__wrapped__", step)
    chance, checked = random.Random(name), 0
    for _ in range(20_000):
        text = "".join(chance.choice(_TYPOGRIFY_PIECES) for _ in range(chance.randrange(12)))
        if not FILTER_NEEDS[name].search(text):
            checked += 1
            assert step(text) == text, text
    assert checked > 2_000
    assert step("AT&T and U.S. & NASA") != "AT&T and U.S. & NASA"


def test_an_archive_file_is_what_its_pattern_gives_each_date_and_zone():
    from datetime import UTC, datetime, timedelta, timezone

    from content_checks.content_checks import archive_of

    utc = datetime(2024, 3, 1, 0, 30, tzinfo=UTC)
    # The same instant, another zone: another hour, another day.
    east = utc.astimezone(timezone(timedelta(hours=-2)))
    pattern = "{date:%Y/%m/%d-%H}/index.html"
    assert archive_of(pattern, utc, "C") == "2024/03/01-00/index.html"
    assert archive_of(pattern, east, "C") == "2024/02/29-22/index.html"
    assert archive_of("{date:%Y}/", utc, "C") == "2024/"
