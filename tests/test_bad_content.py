"""Bad content gets a message naming the file (and line) and what to do: strict builds fail,
non-strict builds (`make serve`) warn and go on."""

import os
import re
from pathlib import Path
from unittest import mock

import pytest

import image_files
from content_checks.content_checks import check_source
from helpers import ROOT, build_small_site, case, post, problem_lines
from servicebook import records, site
from servicebook.hashing import stats_held
from servicebook.headers import body_of, decode, read_header
from servicebook.problems import Problem
from servicebook.writing import write_text

GOOD = {"posts/good.md": post("Fine", "A fine body.", slug="fine")}

BAD_CONTENT = {
    "invalid date": (
        {"posts/bad.md": "Title: T\nDate: 2024-02-31\n\nBody.\n"},
        "content/posts/bad.md:2: Date: '2024-02-31' is not a date; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM",
    ),
    "no title": (
        {"posts/bad.md": "Date: 2024-02-01\nTags: x\n\nBody.\n"},
        "content/posts/bad.md:1: Title: missing or empty; add `Title: ...` to the header",
    ),
    "not UTF-8": (
        {"posts/bad.md": "Title: Café\nDate: 2024-02-01\n\nCrème brûlée.\n".encode("cp1252")},
        "content/posts/bad.md:1: Encoding: byte 0xe9 is not UTF-8; re-save the file as UTF-8",
    ),
    "empty body": (
        {"posts/bad.md": "Title: T\nDate: 2024-02-01\n\n   \n"},
        "content/posts/bad.md:4: Body: empty; write the text under the header (after one blank line)",
    ),
    "metadata typo": (
        {"posts/bad.md": "Title: T\nDate: 2024-02-01\nTagz: billing\n\nBody.\n"},
        "content/posts/bad.md:3: Tagz: unknown field; did you mean Tags?",
    ),
    "empty tag": (
        {"posts/bad.md": post("T", "Body.", tags="billing, ---, ***", slug="t")},
        "content/posts/bad.md:3: Tags: '---' has no letters or digits; remove it",
    ),
    "missing internal page": (
        {"posts/bad.md": post("T", "See [this]({filename}missing.md).", slug="t")},
        (
            "content/posts/bad.md:5: Link: {filename}missing.md points at a missing page "
            "(content/posts/missing.md); fix the path or add the file"
        ),
    ),
    "a link to a file whose name has spaces": (
        {
            "posts/bad.md": post("T", "See [the other]({filename}my other post.md).", slug="t"),
            "posts/my other post.md": post("Other", "Other.", slug="other"),
        },
        (
            "content/posts/bad.md:5: Link: {filename}my other post.md: a space ends a link's address; "
            "write {filename}my%20other%20post.md"
        ),
    ),
    "missing image": (
        {"posts/bad.md": post("T", "Intro.\n\n![chart]({static}/images/chart.png)", slug="t")},
        (
            "content/posts/bad.md:7: Link: {static}/images/chart.png points at a missing image or file "
            "(content/images/chart.png); fix the path or add the file"
        ),
    ),
    "missing image by its site path": (
        {
            "posts/bad.md": post(
                "T", "Intro.\n\n![chart](/images/chart.png)\n\n<img alt=\"x\" src='/images/x.png'>", slug="t"
            )
        },
        (
            "content/posts/bad.md:7: Link: /images/chart.png points at a missing image or file "
            "(content/images/chart.png); fix the path or add the file"
        ),
    ),
    "missing image in raw HTML": (
        {"posts/bad.md": post("T", "Intro.\n\n<img alt=\"x\" src='/images/x.png'>", slug="t")},
        (
            "content/posts/bad.md:7: Link: /images/x.png points at a missing image or file "
            "(content/images/x.png); fix the path or add the file"
        ),
    ),
    "script in title": (
        {"posts/bad.md": post("<script>alert(1)</script>", "Body.", slug="t")},
        (
            "content/posts/bad.md:1: Title: contains HTML markup ('<script>alert(1)</script>'); it is shown as "
            "text, remove the markup"
        ),
    ),
    "tag without a web address": (
        {"posts/bad.md": post("T", "Body.", tags="billing, ꬁ", slug="t")},
        "content/posts/bad.md:3: Tags: 'ꬁ' gives an empty web address; add letters a-z or digits",
    ),
    "level-1 heading in the body": (
        {"posts/bad.md": post("T", "Intro.\n\n#Big\n\n```\n# not a heading\n```\n\n## fine\n\nText\n===", slug="t")},
        "content/posts/bad.md:7: Heading: a level-1 heading in the text; the title is the only one, use ## instead",
    ),
    "level-1 heading in a list item": (
        {"posts/bad.md": post("T", "Intro.\n\n- #0", slug="t")},
        "content/posts/bad.md:7: Heading: a level-1 heading in the text; the title is the only one, use ## instead",
    ),
    "level-1 heading in raw HTML": (
        {"posts/bad.md": post("T", "Intro.\n\n<h1>Big</h1>", slug="t")},
        "content/posts/bad.md: Heading: a level-1 heading in the text; the title is the only one, use ## instead",
    ),
    "body without words": (
        {"posts/bad.md": post("T", ": -- !", slug="t")},
        "content/posts/bad.md:5: Body: has no words (only punctuation or symbols); write the text",
    ),
    "control character": (
        {"posts/bad.md": post("Bell\x07 title", "Escape \x1b here.", slug="t")},
        "content/posts/bad.md:1: Text: control character U+0007 (invisible); delete it",
    ),
    "no date": (
        {"posts/bad.md": "Title: T\n\nBody.\n"},
        "content/posts/bad.md:1: Date: missing or empty; add `Date: YYYY-MM-DD` to the header",
    ),
    "summary that is a heading": (
        {"posts/bad.md": post("T", "Body.", slug="t", Summary="#1 complaint")},
        (
            "content/posts/bad.md:4: Summary: markdown makes it a level-1 heading (it starts with #); start it "
            "with a word, or \\#"
        ),
    ),
    "title given twice": (
        {"posts/bad.md": "Title: One\nDate: 2024-02-01\nTitle: Two\n\nBody.\n"},
        "content/posts/bad.md:3: Title: given twice (lines 1 and 3); keep one",
    ),
    "markup in the summary": (
        {"posts/bad.md": post("T", "Body.", slug="t", Summary="See <img src=x onerror=alert(1)>")},
        (
            "content/posts/bad.md:4: Summary: contains HTML markup ('See <img src=x onerror=alert(1)>'); it is "
            "shown as text, remove the markup"
        ),
    ),
    "title that gives no web address": (
        {"posts/bad.md": post("!!!", "Body.")},
        "content/posts/bad.md:1: Title: '!!!' gives an empty web address; add `Slug: ...` with letters a-z or digits",
    ),
    "tags split on semicolons": (
        {"posts/bad.md": post("T", "Body.", tags="billing, refunds; ꬁ", slug="t")},
        "content/posts/bad.md:3: Tags: 'ꬁ' gives an empty web address; add letters a-z or digits",
    ),
    "author with no letters": (
        {"posts/bad.md": post("T", "Body.", slug="t", Author="🙂")},
        "content/posts/bad.md:4: Author: '🙂' has no letters or digits; remove it",
    ),
    "one slug on two dates": (
        {
            "posts/bad.md": post("Same", "Body.", slug="same"),
            "posts/other.md": post("Same", "Body.", date="2023-01-01", slug="same"),
        },
        "content/posts/bad.md and content/posts/other.md: Slug: all have the slug 'same', so Pelican takes them for "
        "translations of one post; give each a different `Slug:`",
    ),
    "impossible date: the post is not published": (
        {"posts/bad.md": post("T", "Body.", date="2024-02-31", slug="t")},
        "content/posts/bad.md: skipped: not published (Pelican could not read it: '2024-02-31' is not a valid date)",
    ),
    "unknown status": (
        {"posts/bad.md": post("T", "Body.", slug="t", Status="publised")},
        (
            "content/posts/bad.md:4: skipped: not published (Status: 'publised' is not one of published, "
            "hidden, draft, skip)"
        ),
    ),
    "post outside the content folders": (
        {"bad.md": post("T", "Body.", slug="t")},
        (
            "content/bad.md: skipped: not published (only files in posts/, cases/, pages/ are read; move it "
            "into one of them)"
        ),
    ),
    "image without alt text in a case story": (
        {
            "cases/bad.md": case("Body.\n\n![](/images/chart.png)"),
            "images/chart.png": image_files.screenshot(),
        },
        "content/cases/bad.md:16: Image: /images/chart.png has no alt text; say what it shows for readers who cannot "
        'see it, ![what it shows](...) or alt="..." (a purely decorative image: <img alt="" ...> in HTML)',
    ),
    "image on another host": (
        {"posts/bad.md": post("T", "Body.\n\n![A bill](https://cdn.example.net/bill.png)", slug="t")},
        "content/posts/bad.md:7: Image: https://cdn.example.net/bill.png is on another host, and pages load nothing "
        "from other hosts (img-src 'self'); save the image under content/images/ and link it from there",
    ),
    "missing image by a relative path": (
        {"posts/bad.md": post("T", "Body.\n\n![A bill](bill.png)", slug="t")},
        "content/posts/bad.md:7: Image: bill.png points at a missing image (content/posts/bill.png); fix the path or "
        "add the file",
    ),
    "truncated image": (
        {
            "posts/bad.md": post("T", "Body.\n\n![A bill]({static}/images/bill.jpg)", slug="t"),
            "images/bill.jpg": image_files.truncated(image_files.photo(800, 600)),
        },
        "content/posts/bad.md:7: Image: content/images/bill.jpg cannot be read (image file is truncated); the file is "
        "damaged or cut short: export or download it again",
    ),
    "image too large": (
        {
            "posts/bad.md": post("T", "Body.\n\n![A map](/images/map.png)", slug="t"),
            "images/map.png": image_files.huge_png(),
        },
        "content/posts/bad.md:7: Image: content/images/map.png is 8000 × 6000 pixels (48.0 megapixels), over the "
        "limit of 40 (IMAGES_MAX_PIXELS); scale it down before adding it",
    ),
    "pasted comment footer": (
        {"posts/bad.md": post("T", "Body.\n\nNo comments:\n\nPost a Comment", slug="t")},
        "content/posts/bad.md:7: Boilerplate: removed a comment and sharing footer of an old blog "
        "('No comments:' … 'Post a Comment', lines 7-9); delete it from the source",
    ),
    "script in tag": (
        {"posts/bad.md": post("T", "Body.", tags="<script>x</script>", slug="t")},
        (
            "content/posts/bad.md:3: Tags: contains HTML markup ('<script>x</script>'); it is shown as text, "
            "remove the markup"
        ),
    ),
}


@pytest.mark.parametrize("case", BAD_CONTENT, ids=list(BAD_CONTENT))
def test_strict_build_fails_naming_file_line_and_fix(tmp_path, case):
    files, expected = BAD_CONTENT[case]
    with pytest.raises(site.BuildFailed) as raised:
        build_small_site(tmp_path, {**GOOD, **files}, strict=True)
    assert expected in str(raised.value)


# A post with no web address cannot be written anywhere: that one stops even `make serve`.
# So does an image file that cannot be published: it names every post that uses it.
STOPS_EVERY_BUILD = {"title that gives no web address", "truncated image", "image too large"}


@pytest.mark.parametrize("case", [case for case in BAD_CONTENT if case not in STOPS_EVERY_BUILD])
def test_serve_mode_build_warns_and_still_builds(tmp_path, case):
    files, expected = BAD_CONTENT[case]
    result = build_small_site(tmp_path, {**GOOD, **files})
    assert any(expected in problem for problem in problem_lines(result))
    assert (result.output_path / "2024/fine/index.html").exists()


@pytest.mark.parametrize("case", sorted(STOPS_EVERY_BUILD))
def test_what_cannot_be_written_stops_even_a_serve_mode_build(tmp_path, case):
    files, expected = BAD_CONTENT[case]
    with pytest.raises(site.BuildFailed) as raised:
        build_small_site(tmp_path, {**GOOD, **files})
    assert expected in str(raised.value)


def test_a_rebuild_reports_the_problems_of_unchanged_files_too(tmp_path):
    files, expected = BAD_CONTENT["metadata typo"]
    build_small_site(tmp_path, {**GOOD, **files})
    again = build_small_site(tmp_path, {})
    assert any(expected in problem for problem in problem_lines(again))


def test_a_link_that_breaks_between_builds_is_reported(tmp_path):
    files = {"posts/a.md": post("A", "See [b]({filename}b.md).", slug="a"), "posts/b.md": post("B", "Body.", slug="b")}
    assert build_small_site(tmp_path, files).problems == []
    (tmp_path / "content" / "posts" / "b.md").unlink()
    problems = problem_lines(build_small_site(tmp_path, {}))
    assert any("content/posts/a.md:5: Link: {filename}b.md points at a missing page" in p for p in problems), problems


def test_duplicate_urls_always_stop_the_build(tmp_path):
    files = {
        "posts/one.md": post("One", "Body.", slug="same"),
        "posts/two.md": post("Two", "Body.", slug="same"),
    }
    with pytest.raises(site.BuildFailed) as raised:
        build_small_site(tmp_path, files)
    assert (
        "content/posts/one.md and content/posts/two.md: Slug: all would be written to 2024/same/index.html; "
        "give each a different `Slug:`"
    ) in str(raised.value)


@pytest.mark.parametrize(
    "files, expected",
    [
        (
            {"pages/tags.md": "Title: Tags\n\nBody.\n"},
            "content/pages/tags.md: Slug: would be written to tags/index.html, which is the tags page; "
            "give it a different `Slug:`",
        ),
        (
            {"pages/cases.md": "Title: Cases\n\nBody.\n"},
            "content/pages/cases.md: Slug: would be written to cases/index.html, which is the casebook",
        ),
        (
            {"pages/billing.md": "Title: B\nSave_as: tag/billing/index.html\n\nBody.\n"},
            (
                "content/pages/billing.md: Slug: would be written to tag/billing/index.html, which is the page "
                "of tag 'billing'"
            ),
        ),
        (
            {"posts/b.md": post("!!!", "Body.")},
            "content/posts/b.md: Slug: would be written to 2024/index.html, which is the year archive",
        ),
    ],
    ids=["direct template", "casebook", "tag page", "empty slug"],
)
def test_content_written_over_a_page_pelican_makes_stops_the_build(tmp_path, files, expected):
    files = {"posts/a.md": post("A", "Body.", slug="a", tags="billing"), **files}
    with pytest.raises(site.BuildFailed) as raised:
        build_small_site(tmp_path, files)
    assert expected in str(raised.value)


def test_good_content_has_no_problems(tmp_path):
    path = tmp_path / "content/posts/ok.md"
    path.parent.mkdir(parents=True)
    path.write_text(post("Fine & dandy", "Body with {filename}ok.md link.", tags="a, b-c"), encoding="utf-8")
    assert check_source(path.read_bytes(), path, tmp_path / "content") == []


def test_a_rebuild_checks_the_files_that_changed_or_whose_links_did(tmp_path):
    files = {
        "posts/a.md": post("A", "See [b]({filename}b.md).", slug="a"),
        "posts/c.md": post("C", "Words.", slug="c", date="2024-01-03"),
    }
    missing = "content/posts/a.md:5: Link: {filename}b.md points at a missing page"

    def build(changed):
        with mock.patch("content_checks.content_checks.check_source", side_effect=check_source) as checked:
            result = build_small_site(tmp_path, changed)
        checked_files = sorted(call.args[1].name for call in checked.call_args_list)
        return checked_files, any(line.startswith(missing) for line in problem_lines(result))

    assert build(files) == (["a.md", "c.md"], True)
    # A file no link names: only it is checked, and the last build's problems still show.
    assert build({"posts/d.md": post("D", "Words.", slug="d", date="2024-01-04")}) == (["d.md"], True)
    assert build({"posts/b.md": post("B", "Words.", slug="b", date="2024-01-05")}) == (["a.md", "b.md"], False)
    (tmp_path / "content/posts/b.md").unlink()
    assert build({}) == (["a.md"], True)


def test_the_check_record_reads_a_file_again_only_once_it_was_written(tmp_path):
    from content_checks.content_checks import CheckRecord

    source = tmp_path / "content/posts/a.md"
    source.parent.mkdir(parents=True)
    source.write_text(post("A", "Words."), encoding="utf-8")
    record = CheckRecord({"CACHE_PATH": str(tmp_path / "cache"), "CACHE_CONTENT": True})
    checked = []

    def check(raw, linked):
        checked.append(raw)
        return []

    record.problems(str(source), "settings", check)
    with mock.patch("pathlib.Path.read_bytes", side_effect=AssertionError("read again")):
        record.problems(str(source), "settings", check)
    source.write_text(post("A", "Words."), encoding="utf-8")  # the same bytes: read, not checked
    record.problems(str(source), "settings", check)
    source.write_text(post("A", "Other words."), encoding="utf-8")
    record.problems(str(source), "settings", check)
    record.problems(str(source), "other settings", check)
    assert len(checked) == 3


def test_the_check_record_is_written_again_only_when_an_entry_changed(tmp_path):
    from content_checks.content_checks import CheckRecord

    settings = {"CACHE_PATH": str(tmp_path / "cache"), "CACHE_CONTENT": True}
    sources = [tmp_path / "content/posts" / name for name in ("a.md", "b.md")]
    sources[0].parent.mkdir(parents=True)
    for source in sources:
        source.write_text(post(source.stem, "Words."), encoding="utf-8")

    def check_all():
        record = CheckRecord(settings)
        for source in sources:
            if source.exists():
                record.problems(str(source), "settings", lambda raw, linked: [])
        with mock.patch("servicebook.records.write_text", side_effect=write_text) as written:
            record.save()
        return written.call_count, sorted(Path(name).name for name in record.files)

    assert check_all() == (1, ["a.md", "b.md"])
    assert check_all() == (0, ["a.md", "b.md"])
    # Another instance (the pages' check) that looks at none of these keeps them.
    untouched = CheckRecord(settings)
    untouched.save()
    assert check_all() == (0, ["a.md", "b.md"])
    sources[1].write_text(post("b", "Other words."), encoding="utf-8")
    assert check_all() == (1, ["a.md", "b.md"])
    sources[1].unlink()
    assert check_all() == (1, ["a.md"])
    assert check_all() == (0, ["a.md"])
    # A new process reads what was written.
    records._SAVED.clear()
    assert check_all() == (0, ["a.md"])


def test_a_file_linked_from_many_sources_is_looked_for_once_per_build(tmp_path):
    from content_checks.content_checks import CheckRecord

    settings = {"CACHE_PATH": str(tmp_path / "cache"), "CACHE_CONTENT": True}
    image, missing = tmp_path / "content/images/map.png", tmp_path / "content/images/gone.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"png")
    sources = [tmp_path / "content" / f"{name}.md" for name in ("a", "b", "c")]
    for source in sources:
        source.write_text(post(source.stem, "Words."), encoding="utf-8")

    def links(raw, linked):
        linked += [str(image), str(missing)]
        return []

    def check_all():
        record = CheckRecord(settings)
        with stats_held(), mock.patch("os.stat", wraps=os.stat) as looked:
            for source in sources:
                record.problems(str(source), "settings", links)
            record.save()
        looked_at = [Path(call.args[0]) for call in looked.call_args_list]
        return sorted(path.name for path in looked_at if path.is_relative_to(tmp_path / "content"))

    # Each source and each file its links name, once a build.
    assert check_all() == ["a.md", "b.md", "c.md", "gone.png", "map.png"]
    image.unlink()  # a later build looks again, and finds what changed
    assert check_all() == ["a.md", "b.md", "c.md", "gone.png", "map.png"]
    assert [there for _, there in CheckRecord(settings).files[str(sources[2])][2]] == [False, False]


def test_header_and_body_reading():
    text = "\ufeffTitle: T\nDate: 2024-01-01\n\nBody line\nmore\n"
    header = read_header(text)
    assert header["title"].value == "T" and header["date"].line == 2
    assert body_of(text) == ("Body line\nmore", 4)
    assert decode(b"Title: x\xff\n", "f.md")[1] == [
        Problem("f.md", 1, "Encoding", "byte 0xff is not UTF-8; re-save the file as UTF-8")
    ]


def test_case_files_leave_date_and_field_checks_to_the_casebook(tmp_path):
    path = tmp_path / "content/cases/c.md"
    path.parent.mkdir(parents=True)
    path.write_text("Title: C\nDate: never\nTitel: x\n\nBody.\n", encoding="utf-8")
    assert check_source(path.read_bytes(), path, tmp_path / "content", checked_elsewhere=True) == []
    assert len(check_source(path.read_bytes(), path, tmp_path / "content")) == 2


def test_a_link_written_as_the_message_says_is_found(tmp_path):
    # The spaces of "my other post.md" written as %20: Pelican links it, and the check finds it.
    files = {
        "posts/bad.md": post("T", "See [the other]({filename}my%20other%20post.md).", slug="t"),
        "posts/my other post.md": post("Other", "Other.", slug="other"),
    }
    result = build_small_site(tmp_path, files, SEARCH_INDEX=False)
    assert problem_lines(result) == []
    page = (result.output_path / "2024" / "t" / "index.html").read_text(encoding="utf-8")
    assert 'href="/2024/other/">the other</a>' in page


def message_kind(message):
    """A message without its file, line and quoted values: what the README's table lists."""
    message = re.sub(r"^.*?\.md(?::\d+)?: ", "", re.sub(r"Link: \S+", "Link: …", message))
    return re.sub(r"\([^)]*\)", "…", re.sub(r"'[^']*'|U\+[0-9A-F]{4}", "…", message.replace("\\`", "`")))


def test_the_readme_lists_every_message_an_author_can_see():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## When the build complains", 1)[1]
    listed = {message_kind(row) for row in re.findall(r"^\| `(.+?)` \|", section, re.M)}
    missing = [expected for _, expected in BAD_CONTENT.values() if message_kind(expected) not in listed]
    assert not missing, "add these messages to the README's table:\n" + "\n".join(missing)
