"""Servicebook settings for local builds (`make build`, `make serve`, tests).

Each plugin declares its own settings with their defaults (DEFAULTS in plugins/<name>/):
this file names what the site chooses. `servicebook.site.load_settings` gives all of them.
"""

from pathlib import Path

AUTHOR = "The Servicebook editors"
SITENAME = "Servicebook"
SITE_DESCRIPTION = "Case stories and essays about service failures, and what fixed them."
SITEURL = ""
# Feeds always carry absolute URLs; locally they point at the dev server.
FEED_DOMAIN = "http://127.0.0.1:8000"

# Both relative to this file (Pelican resolves them so), whatever folder a build starts in.
PATH = "content"
OUTPUT_PATH = "output"
ARTICLE_PATHS = ["posts", "cases"]
PAGE_PATHS = ["pages"]
USE_FOLDER_AS_CATEGORY = False
DEFAULT_CATEGORY = "Essays"
THEME = "theme"
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"

PLUGIN_PATHS = ["plugins"]
# In this order: each plugin's handler of a signal runs before those of the plugins after it.
PLUGINS = [
    # First, so that its workers are reading while content_checks checks every source.
    "parallel_read",
    "whole_files",
    "content_checks",
    "safe_titles",
    "typography",
    "comment_free",
    "tag_normalise",
    "feeds",
    "casebook",
    "reading_time",
    "aliases",
    "images",
    # After images: a static image's clean copy is in the output when the static files are recorded.
    "static_files",
    "pelican.plugins.neighbors",
    "quick_related",
    "site_map",
    "render_cache",
    "parallel_write",
    "quick_lists",
    "search_index",
    "steady_urls",
    "steady_dates",
    "steady_markdown",
    "steady_templates",
    "walked_once",
]

# Tags: spelling variants collapse into one tag; aliases map shorthand to the real tag.
TAG_ALIASES = {
    "cs": "customer service",
    "hr/internal": "hr",
    "call centers": "call centres",
}
RELATED_POSTS_MAX = 5

# Templates escape every value unless marked |safe (content, summaries, typogrified titles).
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True}

# Dev builds show the build's problems on every page (theme/static/js/problems.js), read
# from this file, which every build writes into the output folder.
PROBLEMS_PANEL = True
PROBLEMS_PANEL_DATA = ".servicebook/problems.json"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)

TYPOGRIFY = True
# widont and smartypants also run on titles; code and pre are never touched by typogrify.
TYPOGRIFY_IGNORE_TAGS = ["pre", "code", "kbd", "samp"]

DEFAULT_PAGINATION = 10
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

ARTICLE_URL = "{date:%Y}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{slug}/index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
CATEGORIES_URL = "categories/"
CATEGORIES_SAVE_AS = "categories/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
AUTHORS_URL = "authors/"
AUTHORS_SAVE_AS = "authors/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_URL = "{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "{date:%Y}/index.html"
MONTH_ARCHIVE_URL = "{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/index.html"
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", "archives", "search", "subscribe"]
SEARCH_URL = "search/"
SEARCH_SAVE_AS = "search/index.html"
SUBSCRIBE_URL = "subscribe/"
SUBSCRIBE_SAVE_AS = "subscribe/index.html"
TEMPLATE_PAGES = {"404.html": "404.html", "robots.txt": "robots.txt"}

STATIC_PATHS = ["images"]
# Responsive copies of the images (plugins/images), kept across builds and code changes: a
# copy's name says what it is made of. Outside CACHE_PATH, which changes with our code.
IMAGES_CACHE_PATH = str(Path(__file__).resolve().parent / ".cache" / "images")

# Feeds are written by plugins/feeds (FEED_PATHS and the rest: see servicebook/feeds.py);
# Pelican's own feed writer is off (FEED_* = None).
# Full URLs on these hosts in a post's `Aliases:` are the site's own (the public SITEURL's).
ALIASES_HOSTS = ["servicebook.example"]

FEED_MAX_ITEMS = 50  # in the site-wide feeds (Pelican's default is 100)
# Entry ids are tag: URIs under this name; never change it once the site is public.
FEED_ID_AUTHORITY = "servicebook.example"
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None

# Case stories (content/cases/, CASEBOOK_PATH): every case needs one value of each facet
# (several where "multiple" is set), matched case-insensitively. Add values or whole facets
# here; a new facet with "required": False leaves the cases written before it valid.
CASEBOOK_FACETS = {
    "sector": {
        "label": "Sector",
        "values": [
            "retail",
            "telecom",
            "banking",
            "streaming",
            "utilities",
            "public service",
            "hr/internal",
            "travel",
            "insurance",
            "healthcare",
            "education",
        ],
    },
    "channel": {
        "label": "Channel",
        "multiple": True,
        "values": ["phone", "store", "email", "web form", "chat", "social media", "letter"],
    },
    "failure": {
        "label": "Failure",
        "multiple": True,
        "values": [
            "billing error",
            "run-around",
            "no ownership",
            "policy over people",
            "slow response",
            "wrong information",
            "broken promise",
        ],
    },
    "outcome": {"label": "Outcome", "values": ["resolved", "partly resolved", "unresolved"]},
    "escalation": {"label": "Escalation", "values": ["none", "supervisor", "public/social media", "regulator"]},
}

SITEMAP = {
    "format": "xml",
    "priorities": {"articles": 0.7, "indexes": 0.5, "pages": 0.5},
    "changefreqs": {"articles": "monthly", "indexes": "daily", "pages": "monthly"},
    "exclude": ["tag/", "category/", "author/", "page/"],
}

# Rebuilds re-read only changed files and re-render only changed pages (render_cache).
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = ".cache/pelican"
# Pelican gzips the whole cache on every build: a fifth of a 2,000-post rebuild, to save
# some megabytes of disk.
GZIP_CACHE = False

# Paths relative to SITEURL, so publishconf needs no copy of the menu.
MENUITEMS = (
    ("Cases", "cases/"),
    ("Stats", "cases/stats/"),
    ("Tags", "tags/"),
    ("Archives", "archives/"),
)
DISPLAY_PAGES_ON_MENU = True
DISPLAY_CATEGORIES_ON_MENU = False

# The importer (invoke import-posts). E-mail addresses in old posts: "cloak" shows
# name [at] example [dot] com, "drop" removes them. Suggested tags come from
# IMPORT_TAG_VOCABULARY ({tag: [keywords]}; the default is in servicebook/importer/settings.py).
IMPORT_EMAIL_POLICY = "cloak"
IMPORT_CATEGORY = "Imported"
