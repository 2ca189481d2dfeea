"""The site's feeds: site-wide, per tag and per category, each as Atom, RSS 2.0 and JSON Feed
1.1 (written by servicebook.feeds, which says why we write feeds ourselves).

Settings: FEED_PATHS ({"site"|"tag"|"category": {"atom"|"rss"|"json": path with {slug}}};
drop a key to skip that feed), and servicebook.feeds.DEFAULTS.
"""

from pelican import signals

from servicebook.feeds import DEFAULTS as FEED_DEFAULTS
from servicebook.feeds import feed_domain, feed_info, write_feed_set
from servicebook.plugin_settings import declare

DEFAULTS = {
    **FEED_DEFAULTS,
    "FEED_PATHS": {
        "site": {"atom": "feeds/all.atom.xml", "rss": "feeds/all.rss.xml", "json": "feeds/all.json"},
        "tag": {
            "atom": "feeds/tags/{slug}.atom.xml",
            "rss": "feeds/tags/{slug}.rss.xml",
            "json": "feeds/tags/{slug}.json",
        },
        "category": {
            "atom": "feeds/categories/{slug}.atom.xml",
            "rss": "feeds/categories/{slug}.rss.xml",
            "json": "feeds/categories/{slug}.json",
        },
    },
}


def write_all_feeds(generator, writer=None):
    """article_writer_finalized handler: the site-wide, per-tag and per-category feeds."""
    settings = generator.settings
    paths = settings["FEED_PATHS"]
    sitename = settings["SITENAME"]
    # Tag and category feeds are many; subscribers to one want its latest stories only.
    limit = settings["TAXONOMY_FEED_MAX_ITEMS"]
    if "site" in paths:
        info = feed_info(settings, sitename, "", settings.get("SITE_DESCRIPTION") or sitename)
        write_feed_set(generator, paths["site"], info, generator.articles, writer=writer)
    for tag, articles in dict(generator.tags).items() if "tag" in paths else ():
        info = feed_info(settings, f"{sitename}: {tag.name}", tag.url, f"Stories tagged {tag.name} on {sitename}")
        write_feed_set(generator, paths["tag"], info, articles, tag.slug, limit, writer)
    for category, articles in dict(generator.categories).items() if "category" in paths else ():
        info = feed_info(settings, f"{sitename}: {category.name}", category.url, f"{category.name} on {sitename}")
        write_feed_set(generator, paths["category"], info, articles, category.slug, limit, writer)


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)
    # As the feeds' links and the subscribe page give it: SITEURL where FEED_DOMAIN is not set.
    pelican.settings["FEED_DOMAIN"] = feed_domain(pelican.settings)


def register():
    signals.initialized.connect(declare_settings)
    signals.article_writer_finalized.connect(write_all_feeds)
