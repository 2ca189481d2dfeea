"""Tag, category, author and period pages made with lookups list exactly what Pelican's scans list."""

import random
from datetime import datetime, timedelta

import pytest
from jinja2 import DictLoader, Environment
from pelican import generators, signals
from pelican.generators import ArticlesGenerator
from pelican.log import LimitFilter
from pelican.utils import process_translations

from helpers import build_small_site, changed_without, daily_posts, parse_html
from quick_lists import quick_lists

POSTS = daily_posts(9, lambda i: f"Words {i}.", lambda i: ", ".join(f"t{n}" for n in range(i % 4 + 1)))


class Article:  # no equality but identity, as Pelican's
    pass


def test_an_indexed_list_holds_what_it_was_given_and_finds_items_by_identity():
    one, two, stranger = Article(), Article(), Article()
    indexed = quick_lists.IndexedList([two, one])
    assert indexed == [two, one] and isinstance(indexed, list)
    assert one in indexed and two in indexed and stranger not in indexed


def test_lists_of_each_shape_are_indexed_and_keep_their_order():
    first, second = Article(), Article()
    by_tag = quick_lists.indexed({"a": [second, first]})
    pairs = quick_lists.indexed([("c", [first])])
    assert by_tag == {"a": [second, first]} and isinstance(by_tag["a"], quick_lists.IndexedList)
    assert pairs == [("c", [first])] and isinstance(pairs[0][1], quick_lists.IndexedList)


def test_the_generator_has_its_own_lists_again_after_the_pages():
    seen = []
    generator = ArticlesGenerator.__new__(ArticlesGenerator)
    lists = generator.tags = {"a": [Article()]}
    generator.generate_tags = lambda write: seen.append(generator.tags)
    generator.generate_categories = generator.generate_authors = lambda write: None
    generator.categories = generator.authors = []
    dates = generator.dates = []
    quick_lists.index_lists(generator)
    generator.generate_tags(None)
    assert isinstance(seen[0]["a"], quick_lists.IndexedList)
    assert generator.tags is lists and generator.dates is dates


def test_each_lists_dates_are_what_pelicans_scan_of_every_date_gives():
    chance = random.Random(5)
    dates = [Article() for _ in range(40)]
    tags = {f"t{n}": chance.sample(dates, chance.randrange(9)) for n in range(15)}
    authors = [(f"a{n}", chance.sample(dates, chance.randrange(9)) + [Article()]) for n in range(6)]

    def scanned(pairs, every_date):  # Pelican's generate_tags, _categories and _authors
        return [(name, [a for a in every_date if a in articles]) for name, articles in pairs]

    view = quick_lists.DatesOfEachList(dates)
    assert scanned(quick_lists.indexed(tags, view).items(), view) == scanned(tags.items(), dates)
    assert scanned(quick_lists.indexed(authors, view), view) == scanned(authors, dates)
    assert any(len(articles) > 2 for articles in tags.values())


def test_a_periods_articles_are_those_pelicans_scan_lists_in_the_same_order():
    chance = random.Random(7)
    for _ in range(200):
        articles = [Article() for _ in range(chance.randrange(12))]
        dates = chance.sample(articles, chance.randrange(len(articles) + 1)) + [Article()] * chance.randrange(2)
        assert quick_lists.period_articles(dates, quick_lists.positions(articles)) == [
            a for a in articles if a in dates
        ]


def test_the_period_archives_are_pelicans_made_without_its_scans():
    chance = random.Random(3)
    articles = []
    for number in range(60):
        article = Article()
        article.date = datetime(2021, 1, 1) + timedelta(days=chance.randrange(900))
        article.title = f"{chance.random():.6f} {number}"
        articles.append(article)
    articles.sort(key=lambda article: article.title)  # the site's order is not the dates'
    newest_first = sorted(articles, key=lambda article: article.date, reverse=True)
    settings = {
        f"{period}_ARCHIVE_{what}": pattern
        for period, pattern in (
            ("YEAR", "{date:%Y}/"),
            ("MONTH", "{date:%Y}/{date:%m}/"),
            ("DAY", "{date:%Y}/{date:%m}/{date:%d}/"),
        )
        for what in ("URL", "SAVE_AS")
    }
    scanning = ArticlesGenerator.__new__(ArticlesGenerator)
    quick = ArticlesGenerator.__new__(ArticlesGenerator)
    quick_lists.quicken_period_archives(quick)
    expected = scanning._build_period_archives(newest_first, articles, settings)
    assert quick._build_period_archives(newest_first, articles, settings) == expected
    assert sum(len(archive["articles"]) for archive in expected["month"]) == 60


class Content:  # what process_translations reads of a content
    def __init__(self, number, rng):
        self.source_path = f"content/{number}.md"
        self.slug = rng.choice(["a", "b", "c", f"own-{number}"])
        self.lang = rng.choice(["en", "en", "fr"])
        self.in_default_lang = self.lang == "en"
        self.metadata = {"translation": "true"} if rng.random() < 0.3 else {}


@pytest.mark.parametrize("seed", range(40))
def test_translations_found_group_by_group_are_pelicans(seed, caplog):
    rng = random.Random(seed)
    contents = [Content(number, rng) for number in range(rng.randint(0, 30))]
    translation_id = rng.choice(["slug", ("slug", "lang"), ["lang"], None, ""])
    order = rng.sample(contents, len(contents))
    outcomes = []
    for process in (process_translations, quick_lists.per_translation_group(process_translations)):
        caplog.clear()
        # Pelican logs each distinct warning once per process.
        LimitFilter._raised_messages.clear()
        originals, translations = process(list(order), translation_id)
        outcomes.append(
            (
                [id(content) for content in originals],
                [id(content) for content in translations],
                {id(content): [id(other) for other in getattr(content, "translations", [])] for content in contents},
                [record.getMessage() for record in caplog.records],
            )
        )
        for content in contents:
            content.__dict__.pop("translations", None)
    assert outcomes[0] == outcomes[1]
    assert translation_id or not outcomes[0][1]


def test_a_translation_id_pelican_refuses_is_refused_with_its_message():
    contents = [Content(number, random.Random(number)) for number in range(3)]
    quick = quick_lists.per_translation_group(process_translations)
    for translation_id in ("no_such_field", 7):
        with pytest.raises((AttributeError, TypeError)) as pelicans:
            process_translations(list(contents), translation_id)
        with pytest.raises(pelicans.type, match=str(pelicans.value)):
            quick(list(contents), translation_id)


def test_the_generators_find_translations_group_by_group_once():
    quick_lists.quicken_translations()
    quickened = generators.process_translations
    quick_lists.quicken_translations()
    assert generators.process_translations is quickened and quickened.quickened


def test_the_site_is_the_same_with_and_without_indexed_lists(tmp_path):
    assert changed_without("quick_lists", tmp_path, POSTS) == []
    # Tag t3 is on posts 3 and 7 only, newest first.
    tag_page = parse_html(tmp_path / "with" / "output" / "tag" / "t3" / "index.html")
    assert [link["href"] for link in tag_page.select("h2 a")] == ["/2024/p07/", "/2024/p03/"]


def test_an_entry_is_rendered_once_per_article_and_siteurl():
    renders = []
    templates = {
        "list.html": (
            "{% macro entry(article) %}<li>{{ count(article.name) }}{{ SITEURL }}/{{ article.name }}</li>{% endmacro %}"
            "{% for article in articles %}{{ rendered_once(entry, article) }}{% endfor %}"
        )
    }
    environment = Environment(loader=DictLoader(templates))
    environment.globals.update(rendered_once=quick_lists.rendered_once, count=lambda name: renders.append(name) or "")
    one, two = Article(), Article()
    one.name, two.name = "one", "two"
    template = environment.get_template("list.html")
    assert template.render(articles=[one, two], SITEURL="") == "<li>/one</li><li>/two</li>"
    assert template.render(articles=[two, one], SITEURL="") == "<li>/two</li><li>/one</li>"
    assert renders == ["one", "two"]
    assert template.render(articles=[one], SITEURL="..") == "<li>../one</li>"
    assert renders == ["one", "two", "one"]


def test_every_articles_line_in_the_archives_is_rendered_once_per_build(tmp_path):
    """The archives list every article (5,000 lines at 5,000 posts, each with its address
    and date): each line is the article's entry, kept with it like its summary's."""
    articles = []

    def keep(generator):
        articles.extend(generator.articles)

    signals.article_generator_finalized.connect(keep)
    try:
        output = build_small_site(tmp_path, POSTS).output_path
    finally:
        signals.article_generator_finalized.disconnect(keep)
    assert articles
    for article in articles:
        assert "article_link" in {macro for macro, _ in article._rendered_entries}, article.source_path
    archives = parse_html(output / "archives" / "index.html")
    assert len(archives.select(".compact-list li")) == len(articles)


ARCHIVES_BY_FILTERS = (
    "{% for year, in_year in dates|groupby('date.year')|reverse %}{{ year }}:"
    "{% for month, in_month in in_year|groupby('date.month')|reverse %}{{ month }}="
    "{% for article in in_month|sort(attribute='date', reverse=True) %}{{ article.name }},{% endfor %};"
    "{% endfor %}|{% endfor %}"
)


@pytest.mark.parametrize("seed", range(20))
def test_the_archives_groups_are_those_jinjas_filters_make(seed):
    """Years and months newest first, each month's articles by date, newest first, ties in
    the order of `dates` (several articles share a date and a moment here)."""
    rng = random.Random(seed)
    start = datetime(2019, 1, 1)
    dates = []
    for index in range(rng.randrange(0, 60)):
        article = Article()
        article.name = f"a{index}"
        article.date = start + timedelta(days=rng.randrange(0, 1500), hours=rng.choice([0, 0, 9]))
        dates.append(article)
    rng.shuffle(dates)
    by_filters = Environment().from_string(ARCHIVES_BY_FILTERS).render(dates=dates)
    by_plugin = "".join(
        f"{year}:"
        + "".join(f"{month}=" + "".join(f"{a.name}," for a in articles) + ";" for month, articles in months)
        + "|"
        for year, months in quick_lists.by_year_and_month(dates)
    )
    assert by_plugin == by_filters
