"""List pages without work done again for each: tag, category and author pages without a scan
of every article for each of them, and each article's entry rendered once per build.

To put a tag's articles in date order, Pelican's generate_tags tests every article of the site
for membership of the tag's list (`[a for a in self.dates if a in articles]`), one list scan
each: tags × articles × list length, about 1.3 s of a profiled build at 5,000 posts, and the
same for categories and authors. While those pages are made, the lists here answer `in` from a
set, and the generator's `dates` gives, for each page in turn, only that page's articles, so
the scan is over them alone (one pass over the site's 5,000 dates for each of its tags cost
0.2 s of every build at 5,000 posts, with set lookups). Articles have no equality but
identity (pelican.contents.Content defines none), so the answer, and so every page, is what
the scan gives. The generator keeps its own lists before and after: nothing else sees the
change. The year and month archives did the same
(`[a for a in articles if a in dates]`, one scan of a period's list for each article and
period: 0.5 s of each build at 5,000 posts): each period's articles are now its dates put
in the order of the site's articles, the same list.

An article is listed on some ten pages at 5,000 posts (the home pages, its category, author,
tags and case facets): 48,000 entries per build, each the same HTML wherever it is. The
theme's lists call `rendered_once(macro, article)` when this plugin gives it (and the macro
itself otherwise): the entry is rendered on its first list and kept on the article, by the
macro's name and SITEURL, which is all such a macro may read besides the article. Articles
are made anew by every build, so what is kept is never an older build's.

Before any of that, the generators sort out translations (pelican.utils.process_translations):
its last step looks for every content in the list of all originals (`x not in index`), about
12 million comparisons and 0.23 s of every build at 5,000 posts. Pelican's own function is run
on each group of contents that share a translation id instead, where that scan is over the
group alone; the groups are what it makes, so the lists and each content's translations are
the same.
"""

from itertools import groupby
from operator import attrgetter

from jinja2 import pass_context
from pelican import generators, signals


class IndexedList(list):
    """A list of articles whose `in` is a set lookup by identity, the only equality they have."""

    def __init__(self, items):
        super().__init__(items)
        self._ids = frozenset(map(id, self))

    def __contains__(self, item):
        return id(item) in self._ids


def indexed(lists, dates=None):
    """The tags' {tag: [articles]}, or the categories' and authors' [(name, [articles])], with
    IndexedList for each list of articles. With `dates` (DatesOfEachList), going through them
    tells it each list in turn."""
    if isinstance(lists, dict):
        made = _TagsInTurn({name: IndexedList(articles) for name, articles in lists.items()})
    else:
        made = _PairsInTurn([(name, IndexedList(articles)) for name, articles in lists])
    made.dates = dates
    return made


class DatesOfEachList:
    """Stands in for the generator's `dates` while it makes the pages of its lists: going
    through it gives the articles of the list whose page comes next (see `indexed`), in the
    order of the site's dates, which is what Pelican keeps of its scan of every date,
    `[a for a in self.dates if a in articles]`."""

    def __init__(self, dates):
        self._place = {id(article): place for place, article in enumerate(dates)}
        self.articles = ()

    def __iter__(self):
        dated = {id(article): article for article in self.articles if id(article) in self._place}
        return iter(sorted(dated.values(), key=lambda article: self._place[id(article)]))


def _in_turn(pairs, dates):
    for name, articles in pairs:
        if dates is not None:
            dates.articles = articles
        yield name, articles


class _TagsInTurn(dict):
    def items(self):
        return _in_turn(super().items(), self.dates)


class _PairsInTurn(list):
    def __iter__(self):
        return _in_turn(super().__iter__(), self.dates)


def with_indexed_lists(generator, method, attribute):
    """`method` of `generator`, run while `generator.<attribute>` holds indexed lists and its
    `dates` gives each list's own dates in turn."""

    def generate(write):
        kept, kept_dates = getattr(generator, attribute), generator.dates
        dates = DatesOfEachList(kept_dates)
        setattr(generator, attribute, indexed(kept, dates))
        generator.dates = dates
        try:
            return method(write)
        finally:
            setattr(generator, attribute, kept)
            generator.dates = kept_dates

    return generate


def index_lists(generator):
    """article_generator_finalized: the tag, category and author pages find their articles in
    date order by set lookups."""
    for method, attribute in (
        ("generate_tags", "tags"),
        ("generate_categories", "categories"),
        ("generate_authors", "authors"),
    ):
        setattr(generator, method, with_indexed_lists(generator, getattr(generator, method), attribute))


def period_articles(dates, position):
    """`[a for a in articles if a in dates]` (Pelican's period archives), by one lookup each;
    `position`: `positions(articles)`, worked out once for every period."""
    return sorted((article for article in dates if id(article) in position), key=lambda article: position[id(article)])


def positions(articles):
    """{id(article): its place in `articles`}."""
    return {id(article): place for place, article in enumerate(articles)}


def with_quick_period_articles(build_period_archives):
    """Pelican's ArticlesGenerator._build_period_archives, each period's `articles` listed by
    `period_articles` (it is given no articles to scan, and makes the rest as before)."""

    def build(sorted_articles, articles, settings):
        archives = build_period_archives(sorted_articles, [], settings)
        position = positions(articles)
        for periods in archives.values():
            for archive in periods:
                archive["articles"] = period_articles(archive["dates"], position)
        return archives

    return build


def quicken_period_archives(generator):
    """article_generator_init: before the generator groups its articles by period."""
    generator._build_period_archives = with_quick_period_articles(generator._build_period_archives)


@pass_context
def rendered_once(context, macro, article):
    """`macro(article)`, rendered once per build for each article, macro and SITEURL."""
    kept = article.__dict__.setdefault("_rendered_entries", {})
    key = (macro.name, context.get("SITEURL"))
    if key not in kept:
        kept[key] = macro(article)
    return kept[key]


def by_year_and_month(dates):
    """The archives' groups of `dates`, [(year, [(month, its articles)])], as the theme's
    Jinja filters make them (`groupby('date.year')|reverse`, each year's
    `groupby('date.month')|reverse`, each month's `sort(attribute='date', reverse=True)`), with
    Python's own sorts: Jinja's look-up of each article's date in each filter took 0.05 s of
    every archives page at 5,000 posts."""
    years = []
    for year, in_year in groupby(sorted(dates, key=_YEAR), _YEAR):
        months = [
            (month, sorted(in_month, key=_DATE, reverse=True))
            for month, in_month in groupby(sorted(in_year, key=_MONTH), _MONTH)
        ]
        years.append((year, months[::-1]))
    return years[::-1]


_YEAR, _MONTH, _DATE = attrgetter("date.year"), attrgetter("date.month"), attrgetter("date")


def provide_rendered_once(generator):
    """generator_init: the theme's templates may call `rendered_once` and `by_year_and_month`."""
    generator.env.globals["rendered_once"] = rendered_once
    generator.env.globals["by_year_and_month"] = by_year_and_month


def per_translation_group(process_translations):
    """Pelican's `process_translations`, run on each group of contents sharing a translation
    id: (originals, translations) in its order, each content's `translations` as it sets them."""

    def process(content_list, translation_id=None):
        names = {translation_id} if isinstance(translation_id, str) else translation_id
        try:
            key = attrgetter(*names)
            content_list.sort(key=key)
        except (TypeError, AttributeError):
            # No translation id (Pelican keeps every content), or one it refuses with its own message.
            return process_translations(content_list, translation_id)
        originals, translations = [], []
        for _, group in groupby(content_list, key):
            group_originals, group_translations = process_translations(list(group), translation_id)
            originals += group_originals
            translations += group_translations
        return originals, translations

    process.quickened = True
    return process


def quicken_translations():
    """The generators find translations group by group (see the module's docstring)."""
    if not getattr(generators.process_translations, "quickened", False):
        generators.process_translations = per_translation_group(generators.process_translations)


def register():
    quicken_translations()
    signals.article_generator_init.connect(quicken_period_archives)
    signals.article_generator_finalized.connect(index_lists)
    signals.generator_init.connect(provide_rendered_once)
