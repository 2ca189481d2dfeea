"""A realistic corpus (tests/fixtures/corpus: tutorials with code in several languages,
tables, images with and without alt text, raw HTML, footnotes, definition lists, headings
with punctuation, a very long guide, hard-wrapped prose full of words that comment
boilerplate is made of) is published whole: every post has its page, and the page has every
word of a plain Python-Markdown render of its body.
"""

import re
import shutil
import unicodedata

import feedparser
import lxml.html
import markdown
import pytest

from helpers import ROOT, build_small_site, parse_html
from servicebook.headers import body_of, read_header

CORPUS = ROOT / "tests" / "fixtures" / "corpus"
# Beside the corpus: a very long post, the handbook six times over (about 10,000 words).
LONG_COPIES = 6


def words(html):
    """Every word a reader gets from `html`: its text and its images' alt text."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    text = " ".join([root.text_content(), *(image.get("alt", "") for image in root.iter("img"))])
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text))


def plain_render(body):
    return markdown.markdown(body, extensions=["extra"], output_format="html5")


def sources(content):
    return sorted(path for path in content.rglob("*.md"))


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS, root / "content")
    handbook = (CORPUS / "posts" / "the-complaint-handling-handbook.md").read_text(encoding="utf-8")
    header, body = handbook.split("\n\n", 1)
    header = header.replace(
        "Title: The complaint-handling handbook", "Title: The collected complaint-handling handbook"
    )
    header = header.replace("Slug: complaint-handling-handbook", "Slug: collected-edition")
    (root / "content" / "posts" / "collected-edition.md").write_text(
        header + "\n\n" + "\n\n".join([body] * LONG_COPIES), encoding="utf-8"
    )
    return root / "content", build_small_site(root, {}, SEARCH_INDEX=False)


def page_of(output, path, header):
    if "/pages/" in path.as_posix():
        return output / header["slug"].value / "index.html"
    return output / header["date"].value[:4] / header["slug"].value / "index.html"


def test_every_post_is_published(corpus_site):
    content, result = corpus_site
    assert not [p for p in result.problems if p.field == "skipped"], result.problems
    # No warning; one note: the image the corpus leaves without alt text, named with file and line.
    assert not [str(p) for p in result.problems if p.fails_strict_builds]
    assert [str(p) for p in result.problems] == [
        "content/posts/a-complaints-dashboard-in-sql.md:100: note: Image: /images/waiting-queue.svg has no alt text; "
        'say what it shows for readers who cannot see it, ![what it shows](...) or alt="..." (a purely decorative '
        'image: <img alt="" ...> in HTML)'
    ]
    for path in sources(content):
        header = read_header(path.read_text(encoding="utf-8"))
        assert page_of(result.output_path, path, header).is_file(), path


def test_no_word_of_any_post_is_lost_on_its_page(corpus_site):
    content, result = corpus_site
    for path in sources(content):
        text = path.read_text(encoding="utf-8")
        body, _ = body_of(text)
        page = parse_html(page_of(result.output_path, path, read_header(text)))
        shown = page.select_one(".post-body").decode_contents()
        assert words(shown) == words(plain_render(body)), path


def test_no_word_is_lost_in_the_feeds(corpus_site):
    content, result = corpus_site
    feed = feedparser.parse((result.output_path / "feeds/all.atom.xml").read_bytes())
    entries = {entry.title: entry.content[0].value for entry in feed.entries}
    for path in sources(content / "posts"):
        text = path.read_text(encoding="utf-8")
        title = read_header(text)["title"].value
        shown = next(html for name, html in entries.items() if words(name) == words(title))
        assert words(shown) == words(plain_render(body_of(text)[0])), path


def test_the_long_post_is_long(corpus_site):
    content, _ = corpus_site
    body = body_of((content / "posts" / "collected-edition.md").read_text(encoding="utf-8"))[0]
    assert len(words(plain_render(body))) > 9000
