"""Comment-free content: old blogs' comment and sharing boilerplate never reaches a page or feed.

Runs on every article and page as it is read, so the cleaned HTML is what the templates, the
feeds and the search index all see. Removed lines are logged with the file name: an author
who pasted "Post a Comment" learns it was dropped and can delete it from the source.
"""

import functools
import hashlib
import json
import logging
import re
from html import unescape
from pathlib import Path

import lxml.html
from pelican import signals

from .boilerplate import DEFAULT_BOILERPLATE_PATTERNS, DEFAULT_MATCHER, compile_patterns, is_boilerplate

logger = logging.getLogger(__name__)

# The cheap pre-check: the text lines of the HTML (block tags and <br> end a line).
_LINE_END = re.compile(r"<(?:br|/?(?:p|li|h[1-6]|div|dt|dd|blockquote|ul|ol|pre|table|tr|td|th))\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_COMMENT_LINK = re.compile(r"#comments?\b|/comments?(/|$|\?|\.)|comments?/feed|comments?rss|showcomment|replytocom", re.I)
_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "dt", "dd", "span", "a")
# A line inside a paragraph: separated by <br> or by a markdown soft line break.
_LINE_BREAK = re.compile(r"(<br\s*/?>\s*|\n)", re.I)


def _text(element):
    return " ".join(element.text_content().split())


def _might_hold_boilerplate(html, matcher):
    """True if a text line of `html` is boilerplate or a link points at comments. Most
    articles have neither and are left byte-for-byte alone, without parsing them."""
    if _COMMENT_LINK.search(html):
        return True
    text = unescape(_TAG.sub("", _LINE_END.sub("\n", html)))
    return any(is_boilerplate(" ".join(line.split()), matcher) for line in text.split("\n"))


def strip_boilerplate(html, matcher=None):
    """Return (`html` without comment boilerplate, the removed texts in document order).

    Whole blocks whose text is boilerplate are removed; lines inside a paragraph split by
    <br> are removed one by one; links to comment pages or feeds are unwrapped (their text
    stays, the link goes).
    """
    matcher = matcher or DEFAULT_MATCHER
    if not html or not _might_hold_boilerplate(html, matcher):
        return html, []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    removed = []
    for element in list(root.iter(*_BLOCKS)):
        if element.getparent() is None:
            continue
        if is_boilerplate(_text(element), matcher):
            removed.append(_text(element))
            element.drop_tree()  # keeps the text that follows the element
        elif element.tag == "p" and (element.find("br") is not None or "\n" in element.text_content()):
            removed += _strip_lines(element, matcher)
    for link in list(root.iter("a")):
        if _COMMENT_LINK.search(link.get("href", "")):
            removed.append(f"link to {link.get('href')}")
            link.drop_tag()
    for empty_list in [el for el in root.iter("ul", "ol") if not len(el)]:
        empty_list.drop_tree()
    if not removed:
        return html, []
    return _inner_html(root), removed


def _inner_html(element):
    return (element.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in element)


def _strip_lines(paragraph, matcher):
    """Drop the boilerplate lines of a <br>-separated paragraph, keep the rest as written."""
    parts = _LINE_BREAK.split(_inner_html(paragraph))
    kept, removed = [], []
    for line, separator in zip(parts[0::2], parts[1::2] + [""]):
        text = _text(lxml.html.fragment_fromstring(line, create_parent="span"))
        if is_boilerplate(text, matcher):
            removed.append(text)
        else:
            kept.append(line + separator)
    if not removed:
        return []
    kept_html = re.sub(r"(<br\s*/?>\s*|\n)$", "", "".join(kept), flags=re.I)
    replacement = lxml.html.fragment_fromstring(f"<p>{kept_html}</p>")
    replacement.tail = paragraph.tail
    paragraph.getparent().replace(paragraph, replacement)
    return removed


@functools.lru_cache(maxsize=4)
def _matcher(patterns):
    return compile_patterns(patterns)


class KnownClean:
    """Digests of the HTML (with the pattern list) found free of boilerplate by earlier
    builds, kept in CACHE_PATH when CACHE_CONTENT is on: a rebuild looks again only at what
    changed. HTML that held boilerplate is never recorded, so its warnings come every build."""

    current = None

    def __init__(self, settings):
        self.path = Path(settings["CACHE_PATH"]) / "comment-free.json" if settings.get("CACHE_CONTENT") else None
        self.seen, self.digests = set(), set()
        if self.path:
            try:
                self.digests = set(json.loads(self.path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                self.digests = set()

    def save(self):
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(sorted(self.seen)), encoding="utf-8")


def _digest(html, patterns):
    return hashlib.blake2b(repr(patterns).encode() + b"\0" + html.encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def clean_content(content):
    """content_object_init handler: clean an article's or page's HTML, and its `Summary:`
    (list pages, feeds and the meta description show it), in place."""
    patterns = tuple(content.settings.get("COMMENT_BOILERPLATE_PATTERNS", DEFAULT_BOILERPLATE_PATTERNS))
    parts = {"_content": content._content or "", "_summary": getattr(content, "_summary", None) or ""}
    known = KnownClean.current
    digest = _digest("\0".join(parts.values()), patterns) if known else None
    if known and digest in known.digests:
        known.seen.add(digest)
        return
    found = False
    for attribute, html in parts.items():
        cleaned, removed = strip_boilerplate(html, _matcher(patterns)) if html else (html, [])
        if not removed:
            continue
        found = True
        for text in removed:
            logger.warning("%s: removed comment boilerplate %r (delete it from the source)", content.source_path, text)
        if attribute == "_summary" and not unescape(_TAG.sub("", cleaned)).strip():
            # Nothing left: Pelican makes the summary from the text, as for a post without one.
            del content._summary
            content.metadata.pop("summary", None)
        else:
            setattr(content, attribute, cleaned)
            if attribute == "_summary":
                content.metadata["summary"] = cleaned
    if known and not found:
        known.seen.add(digest)


def load_known_clean(pelican):
    KnownClean.current = KnownClean(pelican.settings)


def save_known_clean(pelican):
    """finalized: keep this build's clean digests (only those: the file stays small)."""
    if KnownClean.current is not None:
        KnownClean.current.save()
        KnownClean.current = None


def register():
    signals.initialized.connect(load_known_clean)
    signals.content_object_init.connect(clean_content)
    signals.finalized.connect(save_known_clean)
