"""walked_once: a generator walks its folders once per build, and answers every later call
with the files Pelican's own walk finds."""

import os

import pytest
from pelican import generators
from pelican.settings import DEFAULT_CONFIG

from helpers import build_small_site, daily_posts
from walked_once import walked_once

FILES = [
    "posts/a.md",
    "posts/b.markdown",
    "posts/c.txt",
    "posts/.hidden.md",
    "posts/deep/d.md",
    "posts/drafts/e.md",
    "posts/notes.rst",
    "cases/f.md",
    "pages/g.md",
]


@pytest.fixture
def generator(tmp_path):
    for name in FILES:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("Title: x\n\nx\n", encoding="utf-8")
    settings = {**DEFAULT_CONFIG, "IGNORE_FILES": ["**/.*", "*.rst"], "PLUGINS": []}
    return generators.Generator(
        context={}, settings=settings, path=str(tmp_path), theme=DEFAULT_CONFIG["THEME"], output_path=str(tmp_path)
    )


@pytest.mark.parametrize(
    "paths, exclude, extensions",
    [
        (["posts", "cases"], ["posts/drafts"], None),
        (["posts", "cases"], [], ("md", "markdown")),
        (["posts"], None, False),
        ("posts", ["posts/deep"], ("txt",)),
        (["pages", "missing"], [], None),
        (["posts/a.md"], [], None),
        (["posts"], [], ()),
    ],
)
def test_every_call_finds_what_pelicans_walk_finds(generator, paths, exclude, extensions):
    expected = walked_once._walk(generator, paths, exclude, extensions)
    walked_once.get_files(generator, paths, exclude, extensions=False)  # the first walk
    assert walked_once.get_files(generator, paths, exclude, extensions) == expected


def counted_walks(monkeypatch):
    """The folders os.walk is asked to walk from now on, in order."""
    walks = []
    real_walk = os.walk
    monkeypatch.setattr(
        os, "walk", lambda top, *args, **kwargs: walks.append(str(top)) or real_walk(top, *args, **kwargs)
    )
    return walks


def test_the_folders_are_walked_once_per_generator(generator, monkeypatch):
    walks = counted_walks(monkeypatch)
    for extensions in (None, ("md",), False, ()):
        walked_once.get_files(generator, ["posts"], ["posts/drafts"], extensions)
    assert len(walks) == 1
    walked_once.get_files(generator, ["cases"], [], None)
    assert len(walks) == 2  # other folders: walked once too


def test_a_build_walks_each_content_folder_once_per_generator(tmp_path, monkeypatch):
    walks = counted_walks(monkeypatch)
    build_small_site(tmp_path, {**daily_posts(3, lambda i: f"Body {i}."), "pages/about.md": "Title: About\n\nHi.\n"})
    posts = [top for top in walks if top.endswith(os.sep + "posts")]
    pages = [top for top in walks if top.endswith(os.sep + "pages")]
    assert len(posts) == 1 and len(pages) == 1, walks
    # And every source was still found: each post's page and the page were written.
    for page in ("2024/p00/index.html", "2024/p01/index.html", "2024/p02/index.html", "about/index.html"):
        assert (tmp_path / "output" / page).exists(), page
