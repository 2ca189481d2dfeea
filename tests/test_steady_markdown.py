"""steady_markdown: Pelican's markdown reader reuses one converter per thread, reset between
files, and reads every file as a new converter reads it."""

import copy
import threading

import markdown
import pytest
from pelican import readers
from pelican.settings import DEFAULT_CONFIG

from helpers import CONTENT, changed_without, post
from steady_markdown import steady_markdown
from test_steady_urls import POSTS

# What a converter keeps from one document to the next unless it is reset: footnotes,
# abbreviations, the table of contents, link references, the header (`Meta`).
STATEFUL = {
    "footnotes.md": post(
        "Notes", "Text[^1] and an HTML abbreviation.\n\n[^1]: The note.\n\n*[HTML]: Hyper Text Markup Language"
    ),
    "references.md": post("Refs", "[a link][ref] and [TOC]\n\n## A heading\n\n[ref]: https://example.com/"),
    "summary.md": post("Summary", "Body with HTML again.", Summary="A *formatted* summary[^2].\n\n[^2]: Its note."),
    "plain.md": "Title: Plain\nDate: 2024-01-03\n\nNo header fields but these; HTML, [ref] and a footnote mark[^1].",
    "tables.md": post(
        "Tables",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('x')\n```\n\nTerm\n:   Definition {: .x }",
    ),
}


@pytest.fixture
def reader(monkeypatch):
    """Pelican's markdown reader under the default MARKDOWN settings (TOC added), and a
    function that switches it between new converters and reused ones."""
    settings = copy.deepcopy(DEFAULT_CONFIG)
    settings["MARKDOWN"]["extensions"] = ["markdown.extensions.toc"]
    made = []

    def use(kind):
        if kind == "new":
            monkeypatch.setattr(readers, "Markdown", lambda **given: made.append(1) or markdown.Markdown(**given))
        else:
            monkeypatch.setattr(readers, "Markdown", steady_markdown.reused_markdown)
            monkeypatch.setattr(steady_markdown, "_converters", threading.local())

    return readers.MarkdownReader(settings), use, made


def sources(tmp_path):
    for name, text in STATEFUL.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return [tmp_path / name for name in STATEFUL] + sorted(CONTENT.rglob("*.md"))


def test_every_file_reads_as_with_a_new_converter_in_any_order(tmp_path, reader):
    markdown_reader, use, made = reader
    files = sources(tmp_path)
    use("new")
    expected = {path: markdown_reader.read(path) for path in files}
    assert len(made) == len(files)
    use("reused")
    for order in (files, files[::-1], files[1::2] + files[::2]):
        assert {path: markdown_reader.read(path) for path in order} == expected
    assert 'class="footnote"' in expected[tmp_path / "footnotes.md"][0]
    assert "<em>formatted</em>" in expected[tmp_path / "summary.md"][1]["summary"]
    assert 'class="footnote"' not in expected[tmp_path / "plain.md"][0]


def test_one_converter_per_thread_and_settings(reader):
    _, use, _ = reader
    use("reused")
    settings = {"extensions": ["markdown.extensions.meta"], "output_format": "html5"}
    first = steady_markdown.reused_markdown(**settings)
    assert steady_markdown.reused_markdown(**settings) is first
    assert steady_markdown.reused_markdown(**{**settings, "tab_length": 2}) is not first
    other = []
    thread = threading.Thread(target=lambda: other.append(steady_markdown.reused_markdown(**settings)))
    thread.start()
    thread.join()
    assert other[0] is not first


def test_the_site_is_the_same_with_new_converters(tmp_path, monkeypatch):
    files = {**POSTS, **{f"posts/{name}": text for name, text in STATEFUL.items()}}

    def undo():  # as before any build registered the plugin in this process
        monkeypatch.setattr(readers, "Markdown", markdown.Markdown)

    assert changed_without("steady_markdown", tmp_path, files, undo) == []
    assert readers.Markdown is markdown.Markdown
