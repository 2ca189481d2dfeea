"""The importer (servicebook.importer): the Markdown it writes, the encodings it reads, and bad input."""

import datetime as dt
import html
import json
import re
from pathlib import Path

import markdown
import pytest

from importer_helpers import FIXTURES, POST, body_of, html_text, only_post, parse
from servicebook.importer import import_posts
from servicebook.importer.rendering import build_paragraphs, escape_line, render_markdown, render_post_file

# --- Markdown output ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "#LyingThroughMyTeeth at the start",
        "mid-line #hashtag stays",
        "> not a quote",
        "1986. A year, not a list",
        "- - -",
        "---",
        "***",
        "___",
        "+ not a bullet",
        "Use *stars* and _underscores_ and snake_case",
        "A [link](http://example.com) and ![img](x)",
        "Code `like this` and <b>tags</b> and <!-- comments -->",
        "An &amp; entity and a & sign",
        "Back\\slash \\* escapes",
        "Footnote[^1] and {: .attr}",
        "## already hashes",
    ],
)
def test_escaped_lines_show_what_the_old_blog_showed(line):
    assert html_text(escape_line(line)).strip() == line


@pytest.mark.parametrize(
    "lines", [[": a colon starts this line"], ["~~~", "tildes around a line, not a code fence", "~~~"]]
)
def test_lines_after_a_paragraph_stay_paragraphs(lines):
    # Only after another paragraph do these become a definition list or a fenced code block.
    source = ["A first paragraph.", *lines, "More text."]
    paragraphs = build_paragraphs([(number, text) for number, text in enumerate(source, 1)])
    rendered = markdown.markdown(render_markdown(paragraphs), extensions=["extra"])
    assert "<dl>" not in rendered and "<pre>" not in rendered
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).split("\n") == source


def test_mid_line_hash_is_not_escaped():
    assert escape_line("I haven't either. #LyingThroughMyTeeth") == "I haven't either. #LyingThroughMyTeeth"


def test_single_newlines_separate_paragraphs_and_wrapped_lines_continue():
    lines = [
        (1, "First paragraph, one line."),
        (2, "Second paragraph that was hard-wrapped"),
        (3, "in the middle of its sentence."),
        (4, "Third paragraph."),
    ]
    paragraphs = build_paragraphs(lines)
    assert [p.numbers for p in paragraphs] == [(1,), (2, 3), (4,)]
    assert html_text(render_markdown(paragraphs)) == (
        "First paragraph, one line.\nSecond paragraph that was hard-wrapped\n"
        "in the middle of its sentence.\nThird paragraph."
    )


def test_short_title_cased_line_directly_before_prose_is_a_heading():
    lines = [
        (1, "Short Story - Short"),
        (2, "For a period of time I was being double-billed."),
        (3, ""),
        (4, "I love the product."),
        (5, ""),
        (6, "How About You"),
        (7, "Is it time for you to get some feedback?"),
        (8, ""),
        (9, "Lonely Line Before A Blank"),
        (10, ""),
        (11, "Then more prose follows here."),
    ]
    rendered = render_markdown(build_paragraphs(lines))
    assert rendered.count("## ") == 2
    assert "## Short Story - Short\n\nFor a period" in rendered
    assert "## How About You\n\nIs it time" in rendered
    assert "\nLonely Line Before A Blank\n" in rendered


@pytest.mark.parametrize("short_line", ["Here is what happened next", "and So On", "Why Me?", "Call Me Back,"])
def test_sentence_like_short_lines_are_not_headings(short_line):
    lines = [(1, short_line), (2, "The agent hung up on me and I called again.")]
    assert [p.kind for p in build_paragraphs(lines)] == ["text", "text"]


def test_list_like_lines_stay_lists():
    report = import_posts(FIXTURES / "three_posts.txt", Path("unused"), dry_run=True)
    body = report.posts[0].body
    assert (
        "- Password resets were still a quarter of all requests.\n"
        "- Tickets filed before 9 am were solved twice as fast.\n"
        "- Customers who got a callback rated us higher than those who got an e-mail.\n"
        "- Nobody reads the FAQ page, but everybody reads the status banner.\n\n"
        "<!-- -->\n\n"
        "1. Put the reset link on the status banner.\n2. Call back within the hour."
    ) in body
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
    text = (
        "Posted on June 1, 2010 by  Dana Whitfield\n\nA Title\n\n"
        "First paragraph here. It has two sentences.\n\nLabels: billing, HR\n"
    )
    post = only_post(text)
    post.bio = "  A bio\nover two lines"
    header, body = render_post_file(post, "Imported").split("\n\n", 1)
    assert header.splitlines() == [
        "Title: A Title",
        "Date: 2010-06-01",
        "Category: Imported",
        "Tags: billing, HR",
        "Author: Dana Whitfield",
        "Bio: A bio over two lines",
        "Summary: First paragraph here. It has two sentences.",
        "Slug: a-title",
        "Imported-From: dump.txt",
    ]
    assert body == post.body


def test_summary_shows_what_the_old_blog_showed():
    text = POST.format(date="June 1, 2010").replace(
        "First paragraph here.", "I use *stars*, snake_case and <b>tags</b> here."
    )
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
        "The hold music looped every forty seconds.\n\nAfter the twelfth loop I hung up and wrote a letter instead.\n"
    )
    assert [removed.text for removed in post.removed] == ["No comments:"]
    assert [warning.message for warning in report.all_warnings] == [
        "no author found: the site will show its default AUTHOR; add `Author: NAME` to the written file if you know it"
    ]


def test_cp1252_is_detected_with_a_warning(tmp_path):
    report = import_posts(FIXTURES / "cp1252_post.txt", tmp_path)
    [file_report] = report.files
    assert file_report.encoding == "windows-1252"
    assert any("Windows-1252" in warning.message for warning in file_report.warnings)
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


@pytest.mark.parametrize(
    "data, message, line",
    [
        (b"", "empty file", 0),
        (b"  \r\n\t\n", "empty file", 0),
        (b"Title\nsome text\x00\x01\x02", "binary file", 2),
        (b"June 1, 2010\n\nTitle\n\nbad \x81 byte\n", "undecodable", 5),
        (b"ok\n\x1b[31mred\x1b[0m\n", "binary file", 2),
        (b"No comments:\n\nPost a Comment\n<< Home\n", "no recognisable post", 0),
    ],
)
def test_bad_files_are_errors_naming_the_file_and_line(data, message, line):
    report = parse(data)
    [error] = report.errors
    assert message in error.message and error.line == line
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
    assert [file.source_name for file in report.files] == ["binary.html", "empty.txt", "nested/good.md"]
    assert [post.title for post in report.posts] == ["A Title"]
    assert (tmp_path / "out" / "2010-06-01-a-title.md").exists()
    assert not report.ok
    assert {error.source for error in report.all_errors} == {"binary.html", "empty.txt"}
    text = report.as_text()
    assert "ERROR binary.html:1: binary file" in text and "ERROR empty.txt: empty file" in text
    assert json.loads(json.dumps(report.as_dict()))["ok"] is False


def test_html_dump_with_markup_gets_a_warning(tmp_path):
    (tmp_path / "copied.html").write_text(POST.format(date="June 1, 2010") + "\n<< Home\n")
    (tmp_path / "tagged.html").write_text(POST.format(date="June 2, 2010") + "\n<p>Hi</p>\n")
    report = import_posts(tmp_path, tmp_path / "out", dry_run=True)
    warned = {warning.source for warning in report.all_warnings if "shown literally" in warning.message}
    assert warned == {"tagged.html"}
    assert "&lt;p>Hi&lt;/p>" in report.posts[1].body


def test_nonexistent_source(tmp_path):
    report = import_posts(tmp_path / "nope", tmp_path / "out")
    assert not report.ok and "does not exist" in str(report.errors[0])
    assert not (tmp_path / "out").exists()


def test_folder_without_dump_files(tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    report = import_posts(tmp_path, tmp_path / "out")
    assert not report.ok and "no *.txt" in report.errors[0].message
