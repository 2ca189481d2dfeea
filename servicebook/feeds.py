"""Comment-free Atom, RSS 2.0 and JSON Feed 1.1 feeds that stay well-formed under any input.

The feeds plugin writes the site's, each tag's and each category's feeds with this, and the
casebook its facet feeds. We write feeds ourselves rather than with Pelican's feed writer
(its FEED_* settings are off) because subscribers need what it does not do: an XSLT view for
browsers, a JSON Feed, absolute links inside the content, and text scrubbed of characters
XML 1.0 forbids. Atom and RSS are still rendered by feedgenerator, the library Pelican uses.

With WEBSUB_HUB set, every feed names that WebSub hub and its own address, so readers that
speak WebSub subscribe to the hub and get new stories pushed instead of polling; the deploy
tells the hub which feeds changed (servicebook.deploy.websub).

Settings (DEFAULTS): TAXONOMY_FEED_MAX_ITEMS, FEED_FULL_CONTENT, FEED_ID_AUTHORITY, WEBSUB_HUB; and
Pelican's FEED_MAX_ITEMS (items in the site-wide feeds), FEED_DOMAIN, TIMEZONE,
DEFAULT_LANG, AUTHOR.
"""

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from io import StringIO
from urllib.parse import urljoin, urlparse

import lxml.html
from feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from feedgenerator.django.utils.encoding import iri_to_uri
from feedgenerator.django.utils.feedgenerator import Stylesheet
from feedgenerator.django.utils.xmlutils import SimplerXMLGenerator
from markupsafe import Markup
from pelican.utils import set_date_tzinfo

from servicebook.writing import write_generated

DEFAULTS = {
    "TAXONOMY_FEED_MAX_ITEMS": 20,  # per tag, category and case facet
    "FEED_FULL_CONTENT": True,  # False: items carry the summary only
    # Entry ids are tag: URIs under this name; never change it once the site is public.
    "FEED_ID_AUTHORITY": "servicebook.example",
    # A WebSub hub's URL (e.g. "https://pubsubhubbub.appspot.com/"); "": feeds name no hub.
    "WEBSUB_HUB": "",
}
MIME_TYPES = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}
# Everything XML 1.0 allows (https://www.w3.org/TR/xml/#charsets); the rest is dropped.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text):
    """`text` without control characters, lone surrogates and U+FFFE/U+FFFF."""
    return _NOT_XML_CHAR.sub("", text) if text else text


def absolute_html(html, base_url):
    """`html` re-serialised as well-formed markup, every link and image made absolute.

    Readers show feed items out of the site's context, so `../img.png` or `/tags/` must
    carry the site's origin. Parsing also closes tags a broken post left open. A <picture>
    gives way to its <img> (whose srcset still offers every width): readers' sanitisers
    often drop <source>, and some drop the <picture> with all it holds.
    """
    html = xml_safe(html or "")
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for picture in list(root.iter("picture")):
        image = next(picture.iter("img"), None)
        if image is None:
            picture.drop_tree()
        else:
            image.tail = picture.tail
            picture.getparent().replace(picture, image)
    root.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
    for element in root.xpath("//img[@srcset] | //source[@srcset]"):
        element.set("srcset", absolute_srcset(element.get("srcset"), base_url))
    inner = (root.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return xml_safe(inner)


def absolute_srcset(value, base_url):
    """A srcset (`a.jpg 480w, b.jpg 960w`) with each address made absolute."""
    candidates = []
    for candidate in value.split(","):
        parts = candidate.split()
        if parts:
            candidates.append(" ".join([urljoin(base_url, parts[0]), *parts[1:]]))
    return ", ".join(candidates)


def plain_text(html):
    """Titles (HTML, after typogrify) as text: tags stripped, entities decoded, XML-safe. Typogrify's
    no-break spaces (widow control) are a page-layout device, not text, so they go too."""
    return xml_safe(Markup(html or "").striptags().replace("\u00a0", " "))


def name_text(name):
    """Author, tag and category names are plain text already (the templates escape them):
    only made XML-safe, so `R&D <ops>` reaches a reader as the author typed it."""
    return xml_safe(str(name or "").replace("\u00a0", " "))


def entry_id(authority, published, url):
    """A tag: URI (RFC 4151) that survives edits and rebuilds: it depends only on the
    configured authority, the publication date and the article's path."""
    return f"tag:{authority},{published:%Y-%m-%d}:/{url.lstrip('/')}"


@dataclass
class FeedItem:
    id: str
    url: str
    title: str
    content_html: str
    summary_html: str
    published: datetime
    updated: datetime
    author: str
    tags: list = field(default_factory=list)
    image: Enclosure = None  # the post's preview image (servicebook.media), its address absolute
    # The item's XML by feed class (see KeptItemXml): an item is in several feeds, and one
    # made from an unchanged article is kept from build to build (make serve).
    xml: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass
class FeedInfo:
    title: str
    home_url: str
    feed_url: str
    description: str
    language: str
    author: str
    stylesheet: str = ""
    hub: str = ""  # the WebSub hub the feed names; "": none


def feed_domain(settings):
    """Where the feeds' links lead: FEED_DOMAIN, or SITEURL where it is not set (Pelican's own
    default; None or "" is not set either), without a trailing slash."""
    return (settings.get("FEED_DOMAIN") or settings.get("SITEURL") or "").rstrip("/")


def feed_item(article, settings):
    """A FeedItem from a Pelican article, with everything made safe for XML and readers.

    Made once per article and build (kept on the article): an article appears in the site
    feed, a feed per tag and category, and the casebook's facet feeds."""
    if "_feed_item" not in article.__dict__:
        article._feed_item = _make_feed_item(article, settings)
    return article._feed_item


def _make_feed_item(article, settings):
    domain = feed_domain(settings)
    url = f"{domain}/{article.url}"
    timezone = settings["TIMEZONE"]
    published = set_date_tzinfo(article.date, timezone)
    updated = set_date_tzinfo(getattr(article, "modified", None) or article.date, timezone)
    summary = absolute_html(article.get_summary(domain), url)
    content = absolute_html(article.get_content(domain), url) if settings["FEED_FULL_CONTENT"] else summary
    names = [name_text(tag.name) for tag in getattr(article, "tags", [])]
    preview = getattr(article, "preview_image", None)
    return FeedItem(
        id=entry_id(settings["FEED_ID_AUTHORITY"], published, article.url),
        url=url,
        title=plain_text(article.title),
        content_html=content,
        summary_html=summary,
        published=published,
        updated=updated,
        author=name_text(", ".join(author.name for author in getattr(article, "authors", [])) or settings["AUTHOR"]),
        tags=[name_text(article.category.name)] + names if getattr(article, "category", None) else names,
        image=Enclosure(iri_to_uri(f"{domain}/{preview.url}"), str(preview.length), preview.mime_type)
        if preview
        else None,
    )


class KeptItemXml:
    """A feedgenerator feed that writes each item's XML once per FeedItem (`kept`, handed to
    `add_item`) and feed class: a new post's rebuild writes the 36 feeds it enters again, and
    their other items are as they were (the feeds' writing in such rebuilds at 5,000 posts:
    0.10 s before, 0.07 s). An item's elements are made of the item alone (feedgenerator's
    `add_item_elements`)."""

    def write_items(self, handler):
        for item in self.items:
            kept = item["kept"].xml
            xml = kept.get(type(self))
            if xml is None:
                written = StringIO()
                own = SimplerXMLGenerator(written, "utf-8", short_empty_elements=True)
                saved, self.items = self.items, [item]
                try:
                    super().write_items(own)
                finally:
                    self.items = saved
                xml = kept[type(self)] = written.getvalue()
            handler.ignorableWhitespace(xml)  # XMLGenerator's way to write text as it is


class StyledAtom1Feed(KeptItemXml, Atom1Feed):
    """Atom with the xml-stylesheet instruction, which feedgenerator writes only for RSS, and
    the WebSub hub link (the self link is feedgenerator's)."""

    def __init__(self, *args, hub="", **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = iri_to_uri(hub)

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.hub:
            handler.addQuickElement("link", "", {"rel": "hub", "href": self.hub})

    def write(self, outfile, encoding):
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        for stylesheet in self.feed["stylesheets"] or []:
            handler.processingInstruction("xml-stylesheet", stylesheet)
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")


class HubRss201rev2Feed(KeptItemXml, Rss201rev2Feed):
    """RSS 2.0 that, given a hub, names it and itself in atom:link elements (feedgenerator
    declares the atom namespace). feedgenerator's own self link has no type, which the RSS
    Best Practices Profile asks for: with a hub we write a typed one in its place. Without a
    hub the feed is feedgenerator's, unchanged."""

    def __init__(self, *args, feed_url=None, hub="", **kwargs):
        super().__init__(*args, feed_url=None if hub else feed_url, **kwargs)
        self.hub, self.self_url = iri_to_uri(hub), iri_to_uri(feed_url)

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.hub:
            typed_self = {"rel": "self", "href": self.self_url, "type": MIME_TYPES["rss"]}
            handler.addQuickElement("atom:link", None, typed_self)
            handler.addQuickElement("atom:link", None, {"rel": "hub", "href": self.hub})


def _syndication_feed(feed_class, info, items):
    feed = feed_class(
        title=info.title,
        link=info.home_url,
        description=info.description,
        language=info.language,
        author_name=info.author,
        feed_url=info.feed_url,
        feed_guid=info.feed_url,
        stylesheets=[Stylesheet(info.stylesheet, mimetype="text/xsl")] if info.stylesheet else None,
        hub=info.hub,
    )
    for item in items:
        feed.add_item(
            title=item.title,
            link=item.url,
            unique_id=item.id,
            unique_id_is_permalink=False,
            description=item.summary_html if feed_class is StyledAtom1Feed else item.content_html,
            content=item.content_html if feed_class is StyledAtom1Feed else None,
            author_name=item.author,
            pubdate=item.published,
            updateddate=item.updated,
            categories=item.tags,
            enclosures=[item.image] if item.image else None,
            kept=item,
        )
    return feed.writeString("utf-8")


def render_atom(info, items):
    return _syndication_feed(StyledAtom1Feed, info, items)


def render_rss(info, items):
    return _syndication_feed(HubRss201rev2Feed, info, items)


def render_json(info, items):
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/); small enough to write by hand."""
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "home_page_url": info.home_url,
        "feed_url": info.feed_url,
        "description": info.description,
        "language": info.language,
        "authors": [{"name": info.author}],
        **({"hubs": [{"type": "WebSub", "url": info.hub}]} if info.hub else {}),
        "items": [
            {
                "id": item.id,
                "url": item.url,
                "title": item.title,
                "content_html": item.content_html,
                "summary": plain_text(item.summary_html),
                "date_published": item.published.isoformat(),
                "date_modified": item.updated.isoformat(),
                "authors": [{"name": item.author}],
                "tags": item.tags,
                **({"image": item.image.url} if item.image else {}),
            }
            for item in items
        ],
    }
    return json.dumps(feed, ensure_ascii=False, indent=1)


RENDERERS = {"atom": render_atom, "rss": render_rss, "json": render_json}


class FeedPaths:
    """Which files of a build are feeds, and of which kind: the site's FEED_PATHS and the
    casebook's CASEBOOK_FEED_PATHS patterns, `{slug}` matching anything ("/" included:
    facet slugs are "sector/telecom")."""

    def __init__(self, settings):
        sets = [*settings["FEED_PATHS"].values(), settings.get("CASEBOOK_FEED_PATHS", {})]
        self.patterns = [
            (re.compile(".+".join(re.escape(part) for part in pattern.split("{slug}"))), kind)
            for paths in sets
            for kind, pattern in paths.items()
        ]

    def kind(self, path):
        """ "atom", "rss", "json", or None for a file that is not a feed."""
        return next((kind for regex, kind in self.patterns if regex.fullmatch(path)), None)


def stylesheet_url(settings):
    """The XSLT view, root-relative: browsers apply XSLT only from the feed's own origin."""
    return urlparse(settings["SITEURL"] or "").path.rstrip("/") + f"/{settings['THEME_STATIC_DIR']}/feed.xsl"


def write_feed_set(generator, paths, info, articles, slug="", limit=None, writer=None):
    """Write a feed of the newest `limit` (default FEED_MAX_ITEMS) of `articles` once per
    format in `paths` ({format: path pattern}); return the files.

    With a writer that can reuse output (the render_cache plugin's), a feed whose articles,
    settings and theme did not change since the last build is left as it is."""
    settings = generator.settings
    domain = feed_domain(settings)
    limit = limit or settings["FEED_MAX_ITEMS"] or None
    newest = sorted(articles, key=lambda article: article.date, reverse=True)[:limit]
    written = []
    for kind, pattern in paths.items():
        relative = pattern.format(slug=slug)
        feed_info = replace(
            info,
            feed_url=f"{domain}/{relative}",
            stylesheet=stylesheet_url(settings) if kind != "json" else "",
            hub=settings["WEBSUB_HUB"],
        )

        def render(kind=kind, feed_info=feed_info):
            return RENDERERS[kind](feed_info, [feed_item(article, settings) for article in newest])

        written.append(
            write_generated(
                writer, generator.output_path, relative, [kind, feed_info, *newest], render, generator.context
            )
        )
    return written


def feed_info(settings, title, url, description):
    """FeedInfo for a feed whose home page is `url` (relative to the feed domain). Its
    title and description are made of settings and names: plain text."""
    return FeedInfo(
        title=name_text(title),
        home_url=f"{feed_domain(settings)}/{url}",
        feed_url="",
        description=name_text(description),
        language=settings["DEFAULT_LANG"],
        author=name_text(settings["AUTHOR"] or ""),
    )
