"""One tag per idea: `Customer Service`, `customer service` and `customer-service` are one tag.

Tags are compared by a key (lower case, runs of spaces/hyphens/underscores as one space);
configured aliases (`TAG_ALIASES`, e.g. ``{"cs": "customer service"}``) map onto another key.
Every variant of a key is shown under one name: the spelling authors use most, ties going
to the lower-case, space-separated spelling, so the choice does not depend on file order.
"""

import logging
from collections import Counter, defaultdict
from itertools import chain

from pelican import signals
from pelican.urlwrappers import Tag

from servicebook.headers import header_line
from servicebook.plugin_settings import declare
from servicebook.problems import Problem, report, shown_path
from servicebook.tags import tag_key

logger = logging.getLogger(__name__)

# {shorthand: tag}, e.g. {"cs": "customer service"}: the shorthand is shown as that tag.
DEFAULTS = {"TAG_ALIASES": {}}


def alias_keys(aliases):
    """Aliases with both sides reduced to keys."""
    return {tag_key(alias): tag_key(target) for alias, target in aliases.items()}


def resolve_key(name, aliases):
    key = tag_key(name)
    return aliases.get(key, key)


def canonical_names(names, aliases=None):
    """Map every tag spelling in `names` (all uses, repeats counted) to its display name.

    `aliases` must already be keys (see `alias_keys`). An alias target that nobody spells
    out is shown as written in the alias setting.
    """
    aliases = aliases or {}
    spellings = defaultdict(Counter)
    for name in names:
        key = tag_key(name)
        if key and key not in aliases:
            spellings[key][name.strip()] += 1

    def preference(spelling_count):
        spelling, count = spelling_count
        is_plain = spelling == spelling.lower() and "-" not in spelling and "_" not in spelling
        return (-count, not is_plain, spelling)

    display = {key: min(counts.items(), key=preference)[0] for key, counts in spellings.items()}
    mapping = {}
    for name in names:
        key = resolve_key(name, aliases)
        if key:
            mapping[name] = display.get(key, key)
    return mapping


def normalise_tags(generator):
    aliases = alias_keys(generator.settings["TAG_ALIASES"])
    contents = list(chain(generator.articles, generator.drafts, generator.hidden_articles, generator.translations))
    mapping = canonical_names([tag.name for content in contents for tag in getattr(content, "tags", [])], aliases)
    for content in contents:
        if not hasattr(content, "tags"):
            continue
        tags = {}
        for tag in content.tags:
            name = mapping.get(tag.name)
            if name is None:
                report(
                    logger,
                    Problem(
                        shown_path(content.source_path, generator.path),
                        header_line(content.source_path, "tags"),
                        "Tags",
                        f"{tag.name!r} has no letters or digits; remove it",
                    ),
                )
                continue
            # A tag already under its display name stays the object it is: a source read
            # before keeps its tags from build to build (make serve), their slugs worked out.
            tags.setdefault(tag_key(name), tag if tag.name == name else Tag(name, generator.settings))
        content.tags = list(tags.values())


def drop_empty_tags(generators):
    """all_generators_finalized: a tag no published article has gets no page and no feeds.
    pelican-related-posts looks up the tags of drafts too, in Pelican's defaultdict of tags,
    which adds each draft-only tag to the site as an empty one (a page saying "0 stories",
    and the draft's tag made public)."""
    for generator in generators:
        tags = getattr(generator, "tags", None)
        if isinstance(tags, dict):
            for tag in [tag for tag, articles in tags.items() if not articles]:
                del tags[tag]


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)


def register():
    signals.initialized.connect(declare_settings)
    signals.article_generator_pretaxonomy.connect(normalise_tags)
    signals.all_generators_finalized.connect(drop_empty_tags)
