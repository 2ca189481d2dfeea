"""Fuzzing: random but plausible posts either fail with a message naming the offending file,
or give a site whose pages parse, whose feeds are well-formed and whose links all resolve.

300 examples by default (CI); SERVICEBOOK_FUZZ_EXAMPLES=2000 for a longer run.
"""

import os
import re
import shutil
from datetime import date

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from helpers import build_small_site
from servicebook import output_checks, site

EXAMPLES = int(os.environ.get("SERVICEBOOK_FUZZ_EXAMPLES", "300"))
# Mostly letters, with punctuation markdown cares about, typography, emoji, RTL and controls.
ALPHABET = st.one_of(
    st.sampled_from("abcdefghij ABC 0123 ,.;:!?'\"-–—…&<>*_#[](){}`~|\\/@%"),
    st.sampled_from("éüßçøñ语言日本ש ע ر ب 🙂🧾✓\u00a0\u200b\u202e"),
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")),
)
# Now and then a control character, which must be reported, never published.
ALPHABET = st.one_of(*[ALPHABET] * 30, st.sampled_from("\x00\x07\x1b\x7f\x85"))
TEXT = st.text(ALPHABET, min_size=0, max_size=40)
WORDS = st.text(ALPHABET, min_size=1, max_size=60)


@st.composite
def markdown_body(draw):
    blocks = draw(
        st.lists(
            st.one_of(
                WORDS,
                WORDS.map(lambda t: "## " + t),
                st.lists(WORDS, min_size=1, max_size=4).map(lambda items: "\n".join("- " + i for i in items)),
                WORDS.map(lambda t: "> " + t),
                WORDS.map(lambda t: "```\n" + t + "\n```"),
                st.tuples(WORDS, st.sampled_from(["/", "/tags/", "{filename}p0.md", "https://example.org/a"])).map(
                    lambda pair: f"[{pair[0]}]({pair[1]})"
                ),
                WORDS.map(lambda t: f"*{t}* and **{t}** and `{t}`"),
            ),
            min_size=1,
            max_size=6,
        )
    )
    return "\n\n".join(blocks)


@st.composite
def post_file(draw, number):
    header = {}
    if draw(st.integers(0, 9)) or number == 0:
        header["Title"] = draw(WORDS)
    header["Date"] = draw(
        st.one_of(
            st.dates(min_value=date(1990, 1, 1)).map(str),
            st.dates(min_value=date(1990, 1, 1)).map(str),
            st.dates(min_value=date(1990, 1, 1)).map(str),
            st.sampled_from(["2024-02-31", "yesterday", ""]),
        )
    )
    if draw(st.booleans()):
        header["Tags"] = ", ".join(draw(st.lists(TEXT, max_size=4)))
    if draw(st.booleans()):
        header["Summary"] = draw(TEXT)
    if draw(st.booleans()):
        header["Category"] = draw(st.sampled_from(["Essays", "Field Notes", "Ünïcödé", "x" * 3]))
    if draw(st.integers(0, 3)):
        header["Author"] = draw(st.one_of(st.sampled_from(["Ana Díaz", "Bo"]), WORDS))
    if draw(st.integers(0, 3)):  # otherwise the slug comes from the title, and may collide
        header["Slug"] = f"post-{number}"
    lines = [f"{key}: {' '.join(value.split())}" for key, value in header.items()]
    return "\n".join(lines) + "\n\n" + draw(markdown_body()) + "\n"


@st.composite
def page_file(draw):
    title = draw(st.one_of(WORDS, st.sampled_from(["About", "Tags", "Search", "Cases"])))
    return f"Title: {' '.join(title.split())}\n\n" + draw(markdown_body()) + "\n"


# The one problem that may name no file: the empty search index of a build whose every page
# was skipped, each for a reason given with its file.
EMPTY_INDEX = re.compile(r"^Search index: no page in \S+ has a data-pagefind-body element")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.integers(min_value=1, max_value=3).flatmap(lambda n: st.tuples(*[post_file(i) for i in range(n)])),
    st.lists(page_file(), max_size=2),
)
def test_random_posts_fail_clearly_or_build_a_sound_site(tmp_path_factory, posts, pages):
    root = tmp_path_factory.mktemp("fuzz")
    files = {f"posts/p{i}.md": text for i, text in enumerate(posts)}
    files.update({f"pages/q{i}.md": text for i, text in enumerate(pages)})
    try:
        try:
            result = build_small_site(root, files, strict=True)
        except site.BuildFailed as error:
            message = str(error)
            field = re.search(r"\.md(?::\d+)?: (\w+)", message)
            event("clear error: " + (field[1] if field else "other"))
            # Every problem says which file to fix (Pelican's own repeats of ours are folded in).
            for problem in error.problems:
                assert problem.source or EMPTY_INDEX.match(problem.message), (problem, message)
            assert any(f"content/{name}" in message for name in files), message
            return
        event("site built")
        output = result.output_path
        assert output_checks.check_links(output)[1] == []
        assert output_checks.check_html(output)[1] == []
        assert output_checks.check_feeds(output)[1] == []
        assert output_checks.check_page_safety(output)[1] == []
    finally:
        shutil.rmtree(root, ignore_errors=True)
