"""sitemap.xml (or sitemap.txt): the address of every published page the build writes.

Hand-written rather than pelican-sitemap, which this replaces, because:
- pelican-sitemap dated every list page (the home page, the archives, the casebook) by the
  moment its module was imported, so two builds of the same sources wrote different
  sitemaps and `make serve`'s never equalled a clean build's. Here a page that is no
  article or page has no <lastmod>: the protocol makes it optional, and a date that is not
  the page's own misleads search engines.
- it formatted every entry again with a regular expression or two each, 0.1 s of each
  rebuild at 5,000 posts under make serve; here an entry is a few string operations;
- its alternate-language links had `ref` for `href`, and it did not escape `&` in addresses.

Settings: SITEMAP, read as pelican-sitemap read it, each key defaulting to DEFAULTS':
"format" ("xml" or "txt"), "exclude" (regular expressions: a page whose address, relative
to the site, matches one is left out), "priorities" and "changefreqs" (for "articles",
"pages" and "indexes": the other pages). A content's own `Priority:` or `Changefreq:` header
wins over them. Drafts, hidden and private contents are left out.
"""

import logging
import os
import re
from html import escape
from urllib.request import pathname2url

from pelican import signals
from pelican.contents import Article, Page

from servicebook.headers import header_line
from servicebook.outputs_made import settle
from servicebook.plugin_settings import declare
from servicebook.problems import Problem, ProblemsError, report, shown_path
from servicebook.writing import holds_text, write_text

logger = logging.getLogger(__name__)

DEFAULTS = {
    "SITEMAP": {
        "format": "xml",
        "exclude": [],
        "priorities": {"articles": 0.5, "pages": 0.5, "indexes": 0.5},
        "changefreqs": {"articles": "monthly", "pages": "monthly", "indexes": "daily"},
    }
}
CHANGEFREQS = ("always", "hourly", "daily", "weekly", "monthly", "yearly", "never")
# The sitemap this build wrote, so that a change of format leaves no file of the other.
RECORD_NAME = "sitemap.json"

XML_HEADER = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)
XML_FOOTER = "</urlset>\n"


def sitemap_config(setting):
    """SITEMAP (`setting`) with DEFAULTS' values for what it leaves out, checked: raises
    ProblemsError naming each mistake."""
    defaults = DEFAULTS["SITEMAP"]
    if not isinstance(setting, dict):
        raise ProblemsError("", [_mistake(f"must be a dict, not {setting!r}")])
    unknown = sorted(setting.keys() - defaults.keys())
    mistakes = [_mistake(f"unknown key {key!r}; the keys are {', '.join(defaults)}") for key in unknown]
    config = {**defaults, **setting}
    if config["format"] not in ("xml", "txt"):
        mistakes.append(_mistake(f"format {config['format']!r} is neither 'xml' nor 'txt'"))
    for name in ("priorities", "changefreqs"):
        for kind in sorted(set(config[name]) - defaults[name].keys()):
            mistakes.append(_mistake(f"{name}: unknown kind {kind!r}; the kinds are articles, pages, indexes"))
        config[name] = {**defaults[name], **config[name]}
    for kind, value in config["priorities"].items():
        if priority(value) is None:
            mistakes.append(_mistake(f"priorities: {kind}: {value!r} is not a number from 0 to 1"))
    for kind, value in config["changefreqs"].items():
        if value not in CHANGEFREQS:
            mistakes.append(_mistake(f"changefreqs: {kind}: {value!r} is not one of {', '.join(CHANGEFREQS)}"))
    try:
        config["exclude"] = [re.compile(pattern) for pattern in config["exclude"]]
    except (re.error, TypeError) as error:
        mistakes.append(_mistake(f"exclude: not a regular expression: {error}"))
    if mistakes:
        raise ProblemsError("The sitemap's settings (SITEMAP) have mistakes:", mistakes)
    return config


def _mistake(message):
    return Problem("", 0, "SITEMAP", message, "error")


def priority(value):
    """`value` as a priority (a number from 0 to 1), or None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 1 else None


def w3c_datetime(moment):
    """`moment` (a datetime) as the sitemap protocol dates it; a naive one as of an unknown
    offset (-00:00, RFC 3339), as pelican-sitemap did."""
    text = moment.isoformat(timespec="seconds")
    return text if moment.tzinfo is not None else text + "-00:00"


def page_address(path, output_path, obj):
    """The address of the page written at `path` (under `output_path`), relative to the site:
    the content's own `url` (which honours ARTICLE_URL and the like), else the file's place;
    "index.html" at its end left out."""
    if obj is not None:
        address = obj.url
    else:
        prefix = os.path.join(output_path, "")
        relative = path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, output_path)
        address = pathname2url(relative)
    return without_index_file(address)


def without_index_file(address):
    """`address` without "index.html" at its end (a folder's address)."""
    if address.endswith("index.html") and address[-11:-10] in ("", "/"):
        return address[:-10]
    return address


def kind_of(obj):
    return "articles" if isinstance(obj, Article) else "pages" if isinstance(obj, Page) else "indexes"


def is_listed(address, obj, excluded):
    """Whether the page at `address` (of `obj`, the content it shows, or None) is listed;
    `excluded`: the expressions of the addresses left out."""
    if obj is not None:
        if getattr(obj, "status", "published") != "published" or getattr(obj, "private", "") == "True":
            return False
    return not any(pattern.search(address) for pattern in excluded)


def own_value(obj, field, check, wanted, content_root):
    """What `check` makes of the header `field` of the content `obj` (None when it gives none);
    a value `check` refuses (None) is reported, with its file and line, as not `wanted`."""
    given = getattr(obj, field.lower(), None) if obj is not None else None
    if not given:
        return None
    value = check(given)
    if value is None:
        where = shown_path(obj.source_path, content_root), header_line(obj.source_path, field)
        report(logger, Problem(*where, field, f"{given!r} is not {wanted}"))
    return value


def changefreq(value):
    return value if value in CHANGEFREQS else None


def entry(site_url, address, obj, config, content_root):
    """The sitemap's entry (XML) of the page at `address` showing `obj` (or None), whose
    source is under `content_root`."""
    kind = kind_of(obj)
    lines = ["<url>", f"<loc>{escape(f'{site_url}/{address}', quote=False)}</loc>"]
    dated = obj is not None and (getattr(obj, "modified", None) or getattr(obj, "date", None))
    if dated:
        lines.append(f"<lastmod>{w3c_datetime(dated)}</lastmod>")
    frequency = own_value(obj, "Changefreq", changefreq, f"one of {', '.join(CHANGEFREQS)}", content_root)
    lines.append(f"<changefreq>{frequency or config['changefreqs'][kind]}</changefreq>")
    chosen = own_value(obj, "Priority", priority, "a number from 0 to 1", content_root)
    lines.append(f"<priority>{float(config['priorities'][kind]) if chosen is None else chosen}</priority>")
    for translation in getattr(obj, "translations", ()) if obj is not None else ():
        link = escape(f"{site_url}/{without_index_file(translation.url)}")
        lines.append(f'<xhtml:link rel="alternate" hreflang="{escape(translation.lang)}" href="{link}"/>')
    lines.append("</url>\n")
    return "\n".join(lines)


def sitemap_text(pages, site_url, output_path, config, content_root):
    """The sitemap of `pages` ([(path written, the content it shows or None)]); the contents'
    sources are under `content_root`."""
    listed = {}
    for path, obj in pages:
        address = page_address(path, output_path, obj)
        if is_listed(address, obj, config["exclude"]):
            listed[address] = obj
    if config["format"] == "txt":
        return "".join(f"{site_url}/{address}\n" for address in sorted(listed))
    entries = (entry(site_url, address, listed[address], config, content_root) for address in sorted(listed))
    return XML_HEADER + "".join(entries) + XML_FOOTER


class Sitemap:
    """The pages of one build, as it announces them (content_written), then its sitemap."""

    def __init__(self):
        self.pages = []
        self.config = None

    def build_begins(self, pelican):
        """initialized: a mistake in SITEMAP stops the build before anything is written."""
        declare(pelican.settings, DEFAULTS)
        self.pages = []
        self.config = sitemap_config(pelican.settings["SITEMAP"])

    def page_written(self, path, context=None):
        context = context or {}
        self.pages.append((path, context.get("article") or context.get("page")))

    def write(self, pelican):
        """finalized: write the sitemap, unless it is as it was."""
        settings, config = pelican.settings, self.config
        pages, self.pages = self.pages, []
        name = f"sitemap.{config['format']}"
        target = os.path.join(pelican.output_path, name)
        text = sitemap_text(pages, settings["SITEURL"], pelican.output_path, config, settings["PATH"])
        if not holds_text(target, text):
            write_text(target, text)
        settle(settings, RECORD_NAME, [name])


SITEMAP = Sitemap()


def register():
    signals.initialized.connect(SITEMAP.build_begins)
    signals.content_written.connect(SITEMAP.page_written)
    signals.finalized.connect(SITEMAP.write)
