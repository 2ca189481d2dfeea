"""The casebook: validated case facts, the case card, /cases/, facet pages and feeds, stats.

A case story is an article whose source lives under CASEBOOK_PATH (content/cases/). Its
header is validated against CASEBOOK_FACETS before Pelican reads anything, and every
problem of every case file is reported in one CasebookError, so an author fixes them all in
one go instead of one per build. A draft's problems are warnings: it is still being written.
"""

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from pelican import signals
from pelican.urlwrappers import Category

from servicebook import signals as servicebook_signals
from servicebook.feeds import DEFAULTS as FEED_DEFAULTS
from servicebook.feeds import feed_info, write_feed_set
from servicebook.headers import read_header
from servicebook.plugin_settings import declare
from servicebook.problems import Problem, ProblemsError, report
from servicebook.process_memo import ProcessMemo

from .facts import validate_case, value_slug
from .stats import facet_counts, stats_charts

logger = logging.getLogger(__name__)

DEFAULTS = {
    **FEED_DEFAULTS,
    "CASEBOOK_PATH": "cases",  # under PATH; one of ARTICLE_PATHS
    "CASEBOOK_CATEGORY": "Cases",
    "CASEBOOK_URL": "cases/",
    "CASEBOOK_FEED_PATHS": {"atom": "feeds/cases/{slug}.atom.xml", "rss": "feeds/cases/{slug}.rss.xml"},
    # {key: {"label": ..., "values": [...], "multiple": bool, "required": bool}}: the site's own.
    "CASEBOOK_FACETS": {},
}


class CasebookError(ProblemsError):
    """Case files that break the schema."""

    def __init__(self, problems):
        super().__init__(
            f"{len(problems)} problem(s) in case stories:", [replace(p, severity="error") for p in problems]
        )


def case_sources(content_path, cases_folder):
    return sorted((Path(content_path) / cases_folder).rglob("*.md"))


# What validating a case's text found, by text, source and schema, for the whole process: a
# `make serve` rebuild validated every case again (1,000 at 5,000 posts, 0.3 s, mostly
# parsing dates), though few change between builds.
_VALIDATED = ProcessMemo(20_000)


def _validated(text, facets, facets_key, source):
    """(CaseFacts or None, [Problem], whether it is a draft) for a case's text."""

    def validate():
        header = read_header(text)
        case, found = validate_case(header, facets, source)
        return case, found, bool(header.get("status")) and header["status"].value.strip().lower() == "draft"

    return _VALIDATED.get((text, source, facets_key), validate)


def validate_all(content_path, settings):
    """{absolute source path: CaseFacts} for every case file, or CasebookError with all problems."""
    facets = settings["CASEBOOK_FACETS"]
    facets_key = repr(facets)
    facts, problems = {}, []
    for source in case_sources(content_path, settings["CASEBOOK_PATH"]):
        try:
            text = source.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            problems.append(
                Problem(
                    str(source.relative_to(content_path.parent)),
                    0,
                    "Encoding",
                    f"not UTF-8 ({error.reason} at byte {error.start}); save it as UTF-8",
                )
            )
            continue
        case, found, draft = _validated(text, facets, facets_key, str(source.relative_to(content_path.parent)))
        if found and draft:
            # A case being written (`invoke new-case`) must not stop `make serve`.
            for problem in found:
                report(logger, replace(problem, message=f"{problem.message} (a draft: fill it in before publishing)"))
            continue
        problems += found
        if case:
            facts[str(source)] = case
    if problems:
        raise CasebookError(problems)
    return facts


def attach_facts(generator):
    """article_generator_pretaxonomy: validate, then give each case its facts and category."""
    settings = generator.settings
    facts = validate_all(Path(generator.path), settings)
    category = Category(settings["CASEBOOK_CATEGORY"], settings)
    for article in generator.articles + generator.drafts + generator.hidden_articles:
        case = facts.get(str(Path(article.source_path)))
        if case:
            article.case = case
            article.category = category


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet in use, with its page (`/cases/{key}/{slug}/`)."""

    key: str  # the facet's key ("channel")
    label: str  # the facet's label ("Channel")
    value: str
    slug: str
    cases: list

    @property
    def path(self):
        return f"{self.key}/{self.slug}"


@dataclass(frozen=True)
class Facet:
    """A facet of the casebook page: its label and the values in use, most cases first."""

    key: str
    label: str
    values: list  # FacetValue


def facets_in_use(cases, settings):
    """[Facet] for every facet of CASEBOOK_FACETS, with the values `cases` use."""
    facets = settings["CASEBOOK_FACETS"]
    facts = [c.case for c in cases]
    in_use = []
    for key, facet in facets.items():
        cases_with = cases_by_value(cases, key)
        values = [
            FacetValue(key, facet["label"], value, value_slug(value), cases_with[value])
            for value, _ in facet_counts(facts, key, facets)
        ]
        in_use.append(Facet(key, facet["label"], values))
    return in_use


def cases_by_value(cases, key):
    """{value: the cases of `cases` (in their order) whose facet `key` has it}, in one pass
    over them, not one for each value."""
    by_value = {}
    for c in cases:
        for value in dict.fromkeys(c.case.facets.get(key, [])):
            by_value.setdefault(value, []).append(c)
    return by_value


def facet_pages(facets):
    """[FacetValue] for every facet value in use (`facets`: see facets_in_use): each has a
    page of its own."""
    return [value for facet in facets for value in facet.values]


def write_casebook(generator, writer):
    """article_writer_finalized: /cases/, /cases/{facet}/{value}/ with feeds, /cases/stats/."""
    settings = generator.settings
    base = settings["CASEBOOK_URL"]
    cases = sorted((a for a in generator.articles if getattr(a, "case", None)), key=lambda a: a.date, reverse=True)
    facets = facets_in_use(cases, settings)

    def write(url, template, **extra):
        # Handed as template arguments, not context: the render cache keys a page by them.
        writer.write_file(
            f"{url}index.html",
            generator.get_template(template),
            generator.context,
            relative_urls=settings["RELATIVE_URLS"],
            url=url,
            casebook_url=base,
            facets=facets,
            **extra,
        )

    write(base, "casebook", cases=cases)
    write(f"{base}stats/", "case_stats", cases=cases, charts=stats_charts(cases, settings["CASEBOOK_FACETS"]))
    sitename = settings["SITENAME"]
    for page in facet_pages(facets):
        url = f"{base}{page.path}/"
        write(url, "case_facet", cases=page.cases, facet=page)
        info = feed_info(
            settings,
            f"{sitename}: cases, {page.label.lower()} {page.value}",
            url,
            f"Case stories on {sitename} where {page.label.lower()} is {page.value}",
        )
        write_feed_set(
            generator,
            settings["CASEBOOK_FEED_PATHS"],
            info,
            page.cases,
            page.path,
            settings["TAXONOMY_FEED_MAX_ITEMS"],
            writer,
        )


def casebook_outputs(generator):
    """servicebook.signals.fixed_outputs: the casebook's pages, so content_checks stops a post
    or page that would be written over one of them."""
    settings = generator.settings
    if "CASEBOOK_URL" not in settings:  # a build of this process without the casebook
        return {}
    base = settings["CASEBOOK_URL"]
    cases = [a for a in generator.articles if getattr(a, "case", None)]
    return {
        f"{base}index.html": "the casebook",
        f"{base}stats/index.html": "the casebook's stats page",
        **{
            f"{base}{page.path}/index.html": f"the casebook's page of {page.label.lower()} {page.value!r}"
            for page in facet_pages(facets_in_use(cases, settings))
        },
    }


def case_folder(settings):
    """servicebook.signals.headers_checked_elsewhere: case files are checked against the schema here."""
    if "CASEBOOK_PATH" not in settings:  # a build of this process without the casebook
        return None
    return settings["CASEBOOK_PATH"]


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)


def add_template_filters(generator):
    generator.env.filters["facet_slug"] = value_slug


def register():
    signals.initialized.connect(declare_settings)
    signals.generator_init.connect(add_template_filters)
    signals.article_generator_pretaxonomy.connect(attach_facts)
    signals.article_writer_finalized.connect(write_casebook)
    servicebook_signals.fixed_outputs.connect(casebook_outputs)
    servicebook_signals.headers_checked_elsewhere.connect(case_folder)
