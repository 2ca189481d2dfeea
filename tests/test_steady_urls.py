"""steady_urls: while pages are written, each content's address is worked out once."""

from collections import Counter

import pytest
from pelican import signals
from pelican.contents import Article

from helpers import SETTINGS, build_small_site, output_files, post
from steady_urls import steady_urls


def article(slug):
    return Article("Text.", metadata={"title": "A title", "slug": slug}, settings=dict(SETTINGS), source_path="/c/a.md")


def test_a_steady_content_keeps_its_first_address_and_others_follow_their_metadata():
    steady_urls.register()
    kept, free = article("first"), article("first")
    steady_urls.steady([kept])
    assert (kept.url, kept.save_as) == (free.url, free.save_as)
    for content in (kept, free):
        content.slug = "second"
    assert "first" in kept.url and "first" in kept.save_as
    assert "second" in free.url


POSTS = {
    f"posts/p{n}.md": post(f"Post {n}", "Words.", slug=f"p{n}", tags="birds, weirs", date=f"2024-0{n}-02 10:00")
    for n in range(1, 5)
}


@pytest.fixture
def formatted_while_writing(monkeypatch):
    """How often each (content, key) address was formatted after Pelican asked for its writer."""
    counts, writing = Counter(), []
    unsteady = steady_urls._unsteady_get_url_setting

    def counting(content, key):
        if writing:
            counts[id(content), key] += 1
        return unsteady(content, key)

    def writer_asked(pelican):
        writing.append(True)

    monkeypatch.setattr(steady_urls, "_unsteady_get_url_setting", counting)
    signals.get_writer.connect(writer_asked)
    yield counts
    signals.get_writer.disconnect(writer_asked)


def test_while_pages_are_written_each_address_is_formatted_once(tmp_path, formatted_while_writing):
    build_small_site(tmp_path, POSTS, RENDER_CACHE=False)
    assert formatted_while_writing, "no address was asked for while writing"
    assert max(formatted_while_writing.values()) == 1


def test_the_site_is_the_same_with_and_without_steady_addresses(tmp_path):
    build_small_site(tmp_path / "steady", POSTS, RENDER_CACHE=False)
    plugins = [name for name in SETTINGS["PLUGINS"] if name != "steady_urls"]
    build_small_site(tmp_path / "free", POSTS, RENDER_CACHE=False, PLUGINS=plugins)
    steady, free = output_files(tmp_path / "steady" / "output"), output_files(tmp_path / "free" / "output")
    assert steady.keys() == free.keys()
    assert [name for name in steady if steady[name] != free[name]] == []
