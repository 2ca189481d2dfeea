"""steady_urls: each content's address is formatted once, and again when what it is made of
changes."""

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from unittest import mock

import pytest
from pelican import urlwrappers
from pelican.contents import Article, Content, Static
from pelican.log import LimitFilter

from helpers import SETTINGS, build_small_site, changed_without, post
from servicebook import kept_content
from servicebook.kept_content import same
from servicebook.process_memo import ProcessMemo
from steady_urls import steady_urls


@pytest.fixture
def formatted(monkeypatch):
    """How often each (content, key) address was formatted by Pelican."""
    counts = Counter()
    original = steady_urls._formatted

    def counting(content, key, klass=None):
        counts[id(content), key] += 1
        return original(content, key, klass)

    monkeypatch.setattr(steady_urls, "_formatted", counting)
    monkeypatch.setattr(steady_urls, "_SHARED", ProcessMemo())
    steady_urls.register()
    return counts


def article(settings=SETTINGS, **metadata):
    metadata = {"title": "A title", "slug": "first", "date": datetime(2024, 3, 4), **metadata}
    return Article("Text.", metadata=metadata, settings=dict(settings), source_path="/c/a.md")


def test_an_address_is_formatted_once_and_again_when_its_fields_change(formatted):
    content = article()
    assert [content.url for _ in range(3)] == ["2024/first/"] * 3
    assert formatted[id(content), "url"] == 1
    content.slug = "second"
    assert content.url == "2024/second/" and content.save_as == "2024/second/index.html"
    content.status = "draft"
    assert content.url == "drafts/second/"
    assert formatted[id(content), "url"] == 3


def test_an_address_is_formatted_once_for_every_content_made_of_the_same(formatted):
    """A rebuild makes every content anew: its address is the one already formatted."""
    first, again = article(), article()
    assert first.url == again.url == "2024/first/"
    assert formatted[id(first), "url"] + formatted[id(again), "url"] == 1
    other = article(slug="other")
    assert other.url == "2024/other/" and formatted[id(other), "url"] == 1


def test_dates_at_one_instant_in_other_time_zones_keep_their_own_addresses(formatted):
    settings = {**SETTINGS, "ARTICLE_URL": "{date:%H}/{slug}/"}
    utc = datetime(2024, 3, 4, 12, tzinfo=UTC)
    here = article(settings, date=utc)
    there = article(settings, date=utc.astimezone(timezone(timedelta(hours=2))))
    assert (here.url, there.url) == ("12/first/", "14/first/")


def test_a_contents_date_moved_to_another_time_zone_at_the_same_instant_gets_its_own_address(formatted):
    content = article({**SETTINGS, "ARTICLE_URL": "{date:%H}/{slug}/"}, date=datetime(2024, 3, 4, 12, tzinfo=UTC))
    assert content.url == "12/first/"
    content.date = content.date.astimezone(timezone(timedelta(hours=2)))
    assert content.url == "14/first/"
    content.date = datetime(2024, 3, 4, 14)  # naive: equal to no aware date
    assert content.url == "14/first/"
    assert formatted[id(content), "url"] == 3


def test_an_unchanged_contents_address_is_found_without_going_through_its_fields_again(formatted, monkeypatch):
    """A build reads addresses some 100,000 times: a read compares the fields' values, as
    one tuple, with those the address was made of."""
    identified = Counter()
    original = steady_urls._identity

    def counting(value):
        identified[type(value).__name__] += 1
        return original(value)

    monkeypatch.setattr(steady_urls, "_identity", counting)
    content = article()
    assert [content.url for _ in range(5)] == ["2024/first/"] * 5
    assert sum(identified.values()) == 2  # the date and the slug, once


@pytest.mark.parametrize("pattern", ["fixed/", "{slug}/"])
def test_an_address_naming_no_field_or_one_is_formatted_once(formatted, pattern):
    content = article({**SETTINGS, "ARTICLE_URL": pattern})
    assert [content.url for _ in range(3)] == [pattern.format(slug="first")] * 3
    assert formatted[id(content), "url"] == 1


def test_an_address_with_a_missing_field_is_still_formatted_once(formatted):
    settings = {**SETTINGS, "ARTICLE_URL": "{author}/{slug}/"}
    content = article(settings)
    del content.author
    assert [content.url for _ in range(3)] == ["/first/"] * 3
    assert formatted[id(content), "url"] == 1
    content.author = urlwrappers.Author("Ann Lee", content.settings)
    assert content.url == "ann-lee/first/"


def test_an_address_is_formatted_again_under_another_time_locale(formatted, monkeypatch):
    """Month names follow the locale a build sets from LOCALE."""
    first = article()
    assert first.url == "2024/first/"
    monkeypatch.setattr(steady_urls, "time_locale", lambda: "fr_FR.UTF-8")
    again = article()
    assert again.url == "2024/first/"
    assert formatted[id(first), "url"] + formatted[id(again), "url"] == 2


def test_patterns_naming_other_fields_are_formatted_on_every_read(formatted):
    content = article({**SETTINGS, "ARTICLE_URL": "{series}/{slug}/"}, series="bills")
    assert [content.url for _ in range(3)] == ["bills/first/"] * 3
    assert formatted[id(content), "url"] == 3
    content.metadata["series"] = "refunds"
    assert content.url == "refunds/first/"


def test_a_tag_slug_is_made_once_per_name_and_settings(monkeypatch):
    from pelican.urlwrappers import Tag
    from pelican.utils import slugify

    made = []

    def counted(value, **options):
        made.append(value)
        return slugify(value, **options)

    monkeypatch.setattr(steady_urls, "_slugify", counted)
    steady_urls._slug_of.cache_clear()
    steady_urls.register()
    subs = [(r"[^\w\s-]", ""), (r"(?u)\A\s*", ""), (r"(?u)\s*\Z", ""), (r"[-\s]+", "-")]
    settings = {**SETTINGS, "TAG_REGEX_SUBSTITUTIONS": subs}
    assert [Tag("Root Cause!", settings).slug for _ in range(3)] == ["root-cause"] * 3
    assert Tag("Root Cause!", {**settings, "SLUGIFY_PRESERVE_CASE": True}).slug == "Root-Cause"
    assert Tag("Élan", settings).slug == "elan"
    assert made == ["Root Cause!", "Root Cause!", "Élan"]


def test_two_contents_addresses_are_the_same_when_they_hold_the_same(formatted, monkeypatch):
    one, other, moved = article(), article(), article(slug="second")
    for content in (one, other, moved):
        assert content.url and content.save_as
    assert one._addresses == other._addresses and one._addresses != moved._addresses
    assert same(one._addresses, other._addresses, {}) and not same(one._addresses, moved._addresses, {})
    # One comparison, not one per address and field.
    monkeypatch.setattr(kept_content, "same", mock.Mock(wraps=same))
    assert same(one._addresses, other._addresses, {}) and kept_content.same.call_count == 0


def test_pattern_fields():
    fields = steady_urls.pattern_fields("{date:%Y}/{slug}/{author.name}/{slug}x{lang}")
    assert fields == ("date", "slug", "author", "lang")
    assert steady_urls.pattern_fields("tags/") == ()


POSTS = {
    f"posts/p{n}.md": post(f"Post {n}", "Words.", slug=f"p{n}", tags="birds, weirs", date=f"2024-0{n}-02 10:00")
    for n in range(1, 5)
}


def test_a_build_formats_each_address_once(tmp_path, formatted):
    build_small_site(tmp_path, POSTS, RENDER_CACHE=False)
    assert len(formatted) >= 2 * len(POSTS)
    assert max(formatted.values()) == 1


def test_the_site_is_the_same_with_and_without_steady_addresses(tmp_path, monkeypatch):
    def undo():  # as before any build registered the plugin in this process
        monkeypatch.setattr(Content, "_expand_settings", steady_urls._formatted)
        monkeypatch.setattr(Content, "_has_valid_save_as", steady_urls._inside_output)
        monkeypatch.setattr(Content, "get_relative_source_path", steady_urls._relative_source_path)
        monkeypatch.setattr(Content, "get_url_setting", steady_urls._url_setting)
        monkeypatch.setattr(urlwrappers, "slugify", steady_urls._slugify)

    assert changed_without("steady_urls", tmp_path, POSTS, undo, RENDER_CACHE=False) == []
    assert Content._expand_settings is steady_urls._formatted


class Generator:
    def __init__(self, **context):
        self.context = context


def test_once_its_generator_is_done_each_address_is_read_once_for_the_build(formatted, monkeypatch):
    """A static file's address, and those of contents the build does not hold (make serve's
    quick pages use the last build's), are read as before."""
    read = Counter()

    def counting(content, key):
        read[id(content), key] += 1
        return url_setting(content, key)

    url_setting = steady_urls._url_setting
    monkeypatch.setattr(steady_urls, "_url_setting", counting)
    monkeypatch.setattr(steady_urls, "_settled", {})
    settled, other = article(), article(slug="other")
    static = Static("", metadata={"title": "logo"}, settings=dict(SETTINGS), source_path="/c/images/logo.png")
    steady_urls.settle_addresses(Generator(articles=[settled], static=[static]))
    assert [settled.url for _ in range(3)] == ["2024/first/"] * 3
    assert [settled.save_as for _ in range(2)] == ["2024/first/index.html"] * 2
    assert [other.url for _ in range(2)] == ["2024/other/"] * 2
    assert (read[id(settled), "url"], read[id(settled), "save_as"], read[id(other), "url"]) == (1, 1, 2)
    assert static.url != "posts/logo.png"
    static.override_url = "posts/logo.png"  # as an {attach} link moves it while pages render
    assert static.url == "posts/logo.png"
    steady_urls.forget_settled_addresses(None)  # the next build
    steady_urls.settle_addresses(Generator(articles=[other]))
    settled.slug = "moved"
    assert settled.url == "2024/moved/"


@pytest.fixture
def looked_at(monkeypatch):
    """The contents Pelican's own `_has_valid_save_as` and `get_relative_source_path` were
    called for, by name, with the process's memos empty."""
    calls = Counter()
    inside, relative = steady_urls._inside_output, steady_urls._relative_source_path

    def counting_inside(content):
        calls["inside", content.slug] += 1
        return inside(content)

    def counting_relative(content, source_path=None):
        calls["relative", source_path or content.source_path] += 1
        return relative(content, source_path)

    monkeypatch.setattr(steady_urls, "_inside_output", counting_inside)
    monkeypatch.setattr(steady_urls, "_relative_source_path", counting_relative)
    monkeypatch.setattr(steady_urls, "_INSIDE", ProcessMemo())
    monkeypatch.setattr(steady_urls, "_RELATIVE", ProcessMemo())
    return calls


def test_a_sources_relative_path_and_an_address_inside_the_output_are_worked_out_once(looked_at):
    settings = {**SETTINGS, "OUTPUT_PATH": "/site/output", "PATH": "/c"}
    for _ in range(3):  # three builds' objects of one source
        content = article(settings)
        assert steady_urls.has_valid_save_as(content) is True
        assert steady_urls.relative_source_path(content) == "a.md"
        assert steady_urls.relative_source_path(content, "/c/posts/b.md") == "posts/b.md"
    assert looked_at == {("inside", "first"): 1, ("relative", "/c/a.md"): 1, ("relative", "/c/posts/b.md"): 1}


def test_an_address_outside_the_output_is_reported_on_every_build(looked_at, caplog):
    settings = {**SETTINGS, "OUTPUT_PATH": "/site/output", "PATH": "/c"}
    for _ in range(2):
        LimitFilter._raised_messages.clear()  # as every build does (servicebook.site.build)
        assert steady_urls.has_valid_save_as(article(settings, slug="../../escape")) is False
    assert looked_at["inside", "../../escape"] == 2
    assert sum("outside output path" in record.getMessage() for record in caplog.records) == 2
