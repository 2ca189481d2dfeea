"""The images of a post's HTML: finding each `<img>`, the file its address means, and the
`<picture>` that replaces it.

Pure functions over text and paths, so the tests call them without a build.
"""

import os
import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from servicebook.process_memo import ProcessMemo

# Pelican's link syntax for files of the content: {static}, |static|, {attach}, {filename}.
_CONTENT_LINK = re.compile(r"^[{|](?P<what>static|attach|filename)[|}](?P<path>.*)$", re.S)
# What an address keeps unencoded in a srcset (RFC 3986 path characters but the comma,
# which separates the candidates).
_URL_SAFE = "/-._~!$&'()*+;=:@"
# Attributes we write on a published image; the author's others are kept as they are.
_OURS = ("src", "srcset", "sizes", "width", "height", "loading", "decoding")
# An image the author marked as decoration, which needs no alt text.
_DECORATIVE_ROLES = {"presentation", "none"}
_MARKDOWN_IMAGE = re.compile(r"!\[")


@dataclass(frozen=True, eq=False)  # each tag is itself: two alike tags are two images
class ImageTag:
    """One `<img>` start tag of an HTML text."""

    start: int  # the offsets of the tag in the text
    end: int
    attrs: dict  # attribute values as the browser reads them (entities decoded); None: no value
    in_picture: bool  # inside a <picture> the author wrote

    @property
    def src(self):
        return (self.attrs.get("src") or "").strip()

    @property
    def managed_by_author(self):
        """The author chose the sources (a <picture>, a srcset) or put the image inline (data:)."""
        return self.in_picture or "srcset" in self.attrs or self.src.startswith(("data:", "blob:"))


class _ImageFinder(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", html)]
        self.images, self.pictures = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "picture":
            self.pictures += 1
        elif tag == "img":
            line, column = self.getpos()
            start = self.line_starts[line - 1] + column
            # The first of a repeated attribute counts, as in browsers.
            values = {name: value for name, value in reversed(attrs)}
            self.images.append(ImageTag(start, start + len(self.get_starttag_text()), values, self.pictures > 0))

    def handle_endtag(self, tag):
        if tag == "picture" and self.pictures:
            self.pictures -= 1


def has_img_tag(html):
    """Whether `html` has an `<img` in any case, once per text for the process: under make
    serve a text read before is the same string, its hash kept (lowering all 5,000 texts of
    5,000 posts took 0.05 s of each rebuild)."""
    return _IMG_TAGS.get(html, lambda: "<img" in html.lower())


_IMG_TAGS = ProcessMemo(20_000)


def find_images(html):
    """Every `<img>` of `html`, in order (not those in comments, scripts or styles)."""
    finder = _ImageFinder(html)
    finder.feed(html)
    finder.close()
    return finder.images


@dataclass(frozen=True)
class Address:
    """What an image address means: a file of the content (`path`, which may not exist),
    or `kind` "external" (another host), "outside" (beyond the content folder) or "inline"."""

    kind: str  # "file", "external", "outside", "inline"
    path: Path = None
    checked_elsewhere: bool = False  # {static} links and site paths: content_checks names a missing file


def resolve(src, source_dir, content_root, site_url="", static_sources=None):
    """The file an image address in a post means.

    `source_dir` is the folder of the post, `content_root` the content folder (absolute);
    `static_sources` maps the output path of each static file to its source (a site path
    is looked up there first). Addresses, as authors write them:
      {static}a.png, {attach}a.png  relative to the post; {static}/images/a.png from the content root
      /images/a.png                 a site path (under SITEURL's path, if it has one)
      https://site/images/a.png     the site's own full address, as a site path
      a.png, ../images/a.png        relative to the post's file (else to the content root)
    """
    src = src.strip()
    if src.startswith(("data:", "blob:")):
        return Address("inline")
    link = _CONTENT_LINK.match(src)
    if link:
        path = _local_path(link["path"])
        base = content_root if path.startswith("/") else source_dir
        return _inside(content_root, Path(base) / path.lstrip("/"), checked_elsewhere=True)
    parts = urlsplit(src)
    site = urlsplit(site_url or "")
    if parts.scheme or parts.netloc:
        own = parts.scheme in ("http", "https", "") and parts.hostname and parts.hostname == site.hostname
        if not own or not (parts.path + "/").startswith(site.path.rstrip("/") + "/"):
            return Address("external")
        return _site_path(parts.path[len(site.path.rstrip("/")) :], content_root, static_sources, False)
    path = _local_path(src)
    if path.startswith("/"):
        prefix = site.path.rstrip("/")
        if prefix and (path + "/").startswith(prefix + "/"):
            path = path[len(prefix) :]
        return _site_path(path, content_root, static_sources, True)
    beside = Path(source_dir) / path
    if not beside.exists() and (Path(content_root) / path).exists():
        return _inside(content_root, Path(content_root) / path)
    return _inside(content_root, beside)


def _local_path(address):
    return unquote(address.split("#", 1)[0].split("?", 1)[0])


def _site_path(path, content_root, static_sources, checked_elsewhere):
    relative = path.lstrip("/")
    source = (static_sources or {}).get(relative)
    return _inside(content_root, Path(source or Path(content_root) / relative), checked_elsewhere)


def _inside(content_root, path, checked_elsewhere=False):
    path = Path(os.path.normpath(path))
    root = Path(os.path.normpath(content_root))
    if path != root and root not in path.parents:
        return Address("outside", path)
    return Address("file", path, checked_elsewhere)


def url_of(site_url, save_as):
    """The address of an output file, from SITEURL (root-relative when it is empty)."""
    return f"{(site_url or '').rstrip('/')}/{quote(save_as, safe=_URL_SAFE)}"


def srcset(site_url, copies):
    return ", ".join(f"{url_of(site_url, copy.save_as)} {copy.width}w" for copy in copies)


def picture_html(tag, sources, fallback, sizes, site_url, lazy):
    """A `<picture>` for `tag`: a <source> per modern format ([(mime type, [Copy])], best
    first), and the tag itself with the fallback copies, the size of the largest copy (the
    author's width or height kept, the other following the picture), and lazy loading."""
    largest = fallback[-1]
    attrs = {
        "src": url_of(site_url, largest.save_as),
        "srcset": srcset(site_url, fallback),
        "sizes": sizes,
        **dict(zip(("width", "height"), sized(tag.attrs, largest.width, largest.height), strict=True)),
        **{name: value for name, value in tag.attrs.items() if name not in _OURS},
        **loading(tag.attrs, lazy),
    }
    lines = [
        f'<source type="{mime}" srcset="{escape(srcset(site_url, copies))}" sizes="{escape(sizes)}">'
        for mime, copies in sources
    ]
    return "<picture>" + "".join(lines) + f"<img{attributes(attrs)}></picture>"


def plain_image_html(tag, url, width, height, lazy):
    """`tag` at `url` (an SVG or animated image, published as it is), with its size (when
    known) and lazy loading."""
    attrs = {"src": url, **{name: value for name, value in tag.attrs.items() if name not in _OURS}}
    if width and height:
        attrs.update(zip(("width", "height"), sized(tag.attrs, width, height), strict=True))
    attrs.update(loading(tag.attrs, lazy))
    return f"<img{attributes(attrs)}>"


def sized(attrs, width, height):
    """(width, height) attributes: the author's, else the image's; one given by the author,
    the other in proportion."""
    given_width, given_height = _pixels(attrs.get("width")), _pixels(attrs.get("height"))
    if given_width and given_height:
        return str(given_width), str(given_height)
    if given_width:
        return str(given_width), str(max(1, round(height * given_width / width)))
    if given_height:
        return str(max(1, round(width * given_height / height))), str(given_height)
    return str(width), str(height)


def _pixels(value):
    try:
        number = int(str(value).strip().removesuffix("px"))
    except ValueError:
        return None
    return number if number > 0 else None


def loading(attrs, lazy):
    """Lazy loading and async decoding for all but a page's first image; the author's own
    choice of either stays."""
    if not lazy:
        return {name: attrs[name] for name in ("loading", "decoding") if name in attrs}
    return {"loading": attrs.get("loading") or "lazy", "decoding": attrs.get("decoding") or "async"}


def attributes(attrs):
    return "".join(f" {name}" if value is None else f' {name}="{escape(str(value))}"' for name, value in attrs.items())


def replace_tags(html, replacements):
    """`html` with each ImageTag of `replacements` ({tag: new text}) replaced."""
    parts, position = [], 0
    for tag in sorted(replacements, key=lambda tag: tag.start):
        parts += [html[position : tag.start], replacements[tag]]
        position = tag.end
    return "".join(parts) + html[position:]


# Alt text


def lacks_alt(tag, source_line=""):
    """Whether the image has no alt text and was not marked as decoration: `alt=""` written
    in HTML (or role="presentation", aria-hidden="true") is decoration; a markdown image
    with nothing between the brackets is not (markdown cannot say "decoration")."""
    alt = tag.attrs.get("alt")
    if alt is not None and alt.strip():
        return False
    if (tag.attrs.get("role") or "").strip().lower() in _DECORATIVE_ROLES:
        return False
    if (tag.attrs.get("aria-hidden") or "").strip().lower() == "true":
        return False
    written_in_html = "<img" in source_line.lower() and re.search(r"\balt\s*=", source_line, re.I)
    return alt is None or not (written_in_html and not _MARKDOWN_IMAGE.search(source_line))


def source_lines_of(text, needle):
    """The numbers of the lines of `text` (a source file) that hold `needle`, in order."""
    return [number for number, line in enumerate(text.split("\n"), start=1) if needle and needle in line]
