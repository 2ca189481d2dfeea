"""make serve keeps Pelican's content cache in memory between builds: later builds neither
load nor write the file, and still read every source that changed."""

from unittest import mock

import pytest
from pelican import generators
from pelican.readers import Readers

from helpers import build_small_site, parse_html, post
from servicebook.kept_content import KeptReaderCaches

POSTS = {
    "posts/one.md": post("Herons", "Some words.", slug="one", tags="birds"),
    "posts/two.md": post("Kingfishers", "Other words.", slug="two", tags="birds", date="2024-02-03 10:00"),
}


def cache_file(tmp_path):
    (found,) = (tmp_path / "cache").glob("*/ArticlesGenerator-Readers")
    return found


def test_later_builds_use_the_kept_cache_and_read_what_changed(tmp_path):
    kept = KeptReaderCaches()
    with kept.installed():
        build_small_site(tmp_path, POSTS)
        written = cache_file(tmp_path).stat().st_mtime_ns
        articles = kept.caches[str(cache_file(tmp_path))]
        first = dict(articles)
        changed = {"posts/two.md": post("Kingfishers by the weir", "Other words.", slug="two", date="2024-02-03 10:00")}
        # Loading the file again would fail this build.
        with mock.patch("pelican.cache.pickle.load", side_effect=AssertionError("the cache file was loaded again")):
            build_small_site(tmp_path, changed)
    assert cache_file(tmp_path).stat().st_mtime_ns == written
    title = parse_html(tmp_path / "output" / "2024" / "two" / "index.html").find("h1").get_text()
    assert title.replace("\xa0", " ") == "Kingfishers by the weir"
    # The later build's readers filled the same dictionary: the changed post read anew, the
    # other one not.
    one, two = sorted(articles, key=lambda path: path.endswith("two.md"))
    assert articles[one] is first[one] and articles[two] is not first[two]
    assert generators.Readers is Readers


def test_a_first_build_writes_the_cache_file_for_the_next_process(tmp_path):
    with KeptReaderCaches().installed():
        build_small_site(tmp_path, POSTS)
    assert cache_file(tmp_path).stat().st_size > 0


@pytest.mark.parametrize("caching", [False, True])
def test_nothing_is_kept_without_a_content_cache(tmp_path, caching):
    kept = KeptReaderCaches()
    with kept.installed():
        build_small_site(tmp_path, POSTS, CACHE_CONTENT=caching, LOAD_CONTENT_CACHE=caching)
    # One for the articles' readers, one for the pages'.
    assert len(kept.caches) == (2 if caching else 0)
