"""Comment-free content: old blogs' comment and sharing footers never reach a page or feed,
and nothing else an author wrote is removed.

Runs on every article and page as it is read, so the cleaned HTML is what the templates, the
feeds and the search index all see. Only what is boilerplate in its context goes (see
servicebook.boilerplate.footer_blocks): a footer block as a platform prints it ("Like this:"
then "Like Loading..."; "No comments:" then "Post a Comment"), or a comment thread after its
count. A line inside a paragraph of prose, a heading, a quote, code or a table is never
removed, whatever its words. Text that looks like a footer but has nothing around it to
confirm that is kept and reported as a note. Links to comment pages or feeds lose their link,
never their text.

Every removal is a warning naming the file and line, so the author can delete it from the
source (strict builds fail on it). Settings: COMMENT_BOILERPLATE_PATTERNS, whole-block
patterns the site asks to remove wherever they stand as a paragraph of their own (default
none).
"""

import functools
import logging
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import lxml.html
from pelican import signals

from servicebook.boilerplate import Block, compile_patterns, footer_blocks, is_boilerplate, normalise
from servicebook.hashing import digest
from servicebook.plugin_settings import declare
from servicebook.problems import Problem, report, shown_path
from servicebook.records import JsonRecord
from servicebook.signals import content_reused

logger = logging.getLogger(__name__)

# Whole-paragraph patterns the site asks to remove as well (e.g. r"powered by blogger").
DEFAULTS = {"COMMENT_BOILERPLATE_PATTERNS": []}

# The cheap pre-check: the text lines of the HTML (block tags and <br> end a line).
_LINE_END = re.compile(r"<(?:br|/?(?:p|li|h[1-6]|div|dt|dd|blockquote|ul|ol|pre|table|tr|td|th))\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_COMMENT_LINK = re.compile(
    r"#comments?\b|/comments?(/|$|\?|\.)|comments?/feed|comments?rss|showcomment|replytocom", re.I
)
_BLOCK_TAGS = frozenset(
    "p li div dt dd h1 h2 h3 h4 h5 h6 pre blockquote table thead tbody tfoot tr td th ul ol dl figure figcaption "
    "section article aside header footer nav address details summary hr form fieldset main".split()
)
# What an author set apart on purpose: never removed, whatever its words.
_NEVER_REMOVED = frozenset(
    "h1 h2 h3 h4 h5 h6 pre code kbd samp blockquote table dl figure details script style".split()
)
_MEDIA = ("img", "picture", "video", "audio", "iframe", "svg", "object", "embed")


@dataclass
class Finding:
    what: str  # "footer", "thread", "asked", "doubtful" (kept) or "link" (unlinked)
    lines: list  # the text it is about, line by line


def _might_hold_boilerplate(html, asked):
    """True if a text line of `html` is boilerplate or a link points at comments. Most
    articles have neither and are left byte-for-byte alone, without parsing them."""
    if _COMMENT_LINK.search(html):
        return True
    text = unescape(_TAG.sub("", _LINE_END.sub("\n", html)))
    return any(is_boilerplate(line) or (asked and asked.match(normalise(line))) for line in text.split("\n"))


def _text_lines(element):
    """The lines of text of `element` (<br> and newlines end a line), typography as shown."""

    def text(node):
        parts = [node.text or ""] if isinstance(node.tag, str) else []
        for child in node:
            parts.append("\n" if child.tag == "br" else text(child))
            parts.append(child.tail or "")
        return "".join(parts)

    return [line for line in (normalise(part) for part in text(element).split("\n")) if line]


def _is_leaf(element):
    return not any(isinstance(node.tag, str) and node.tag in _BLOCK_TAGS for node in element.iterdescendants())


def text_blocks(container, kept=False, found=None):
    """[(element or None, Block)] in reading order: each leaf block, and any loose text
    (which no footer spans and which is never removed). Empty blocks are left out."""
    found = [] if found is None else found
    if (container.text or "").strip():
        found.append((None, Block([normalise(container.text)], removable=False)))
    for child in container:
        if not isinstance(child.tag, str):  # an HTML comment
            pass
        elif child.tag in _BLOCK_TAGS and not _is_leaf(child):
            text_blocks(child, kept or child.tag in _NEVER_REMOVED, found)
        else:
            lines = _text_lines(child)
            has_media = child.tag in _MEDIA or any(True for _ in child.iter(*_MEDIA))
            set_apart = kept or child.tag in _NEVER_REMOVED or any(True for _ in child.iter(*_NEVER_REMOVED))
            if lines or has_media:
                removable = child.tag in _BLOCK_TAGS and not set_apart and not has_media
                found.append((child if removable else None, Block(lines or ["(media)"], removable)))
        if (child.tail or "").strip():
            found.append((None, Block([normalise(child.tail)], removable=False)))
    return found


def strip_boilerplate(html, asked=None):
    """(`html` without comment footers, threads and comment links; [Finding]).

    `asked`: a compiled COMMENT_BOILERPLATE_PATTERNS matcher, or None."""
    if not html or not _might_hold_boilerplate(html, asked):
        return html, []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    blocks = text_blocks(root)
    findings, doomed = [], []
    for found in footer_blocks([block for _, block in blocks], asked):
        chosen = blocks[found.start : found.end]
        findings.append(Finding(found.what, found.lines or [line for _, block in chosen for line in block.lines]))
        if found.what != "doubtful":
            doomed += [element for element, _ in chosen]
    for element in doomed:
        _remove(element)
    for link in list(root.iter("a")):
        if _COMMENT_LINK.search(link.get("href", "")):
            findings.append(Finding("link", [link.get("href")]))
            link.drop_tag()
    if not doomed and not any(finding.what == "link" for finding in findings):
        return html, findings
    return _inner_html(root), findings


def _remove(element):
    """Drop `element`, then any list or division it leaves empty."""
    parent = element.getparent()
    if not (element.tail or "").strip():
        element.tail = None
    element.drop_tree()  # keeps the text that follows the element
    while (
        parent is not None
        and parent.getparent() is not None
        and parent.tag in ("ul", "ol", "div")
        and not len(parent)
        and not (parent.text or "").strip()
    ):
        element, parent = parent, parent.getparent()
        element.drop_tree()


def _inner_html(element):
    return (element.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in element)


@functools.lru_cache(maxsize=4)
def _asked(patterns):
    return compile_patterns(patterns) if patterns else None


class KnownClean:
    """Digests of the HTML (with the pattern list) found free of boilerplate by earlier
    builds, kept in CACHE_PATH when CACHE_CONTENT is on: a rebuild looks again only at what
    changed. HTML with findings is never recorded, so they are reported on every build."""

    current = None

    def __init__(self, settings):
        self.record = JsonRecord(settings, "comment-free.json")
        self.seen, self.digests = set(), set(self.record.load([]))

    def save(self):
        self.record.save(sorted(self.seen))


def _quoted(lines):
    """'first line' … 'last line' of a finding."""
    return " … ".join(repr(line) for line in ([lines[0], lines[-1]] if len(lines) > 1 else lines))


_REMOVED = {
    "footer": "a comment and sharing footer of an old blog",
    "thread": "a comment thread",
    "asked": "what COMMENT_BOILERPLATE_PATTERNS asks to remove",
}


def finding_problem(finding, source, source_lines, summary_line=0):
    """The Problem that tells the author about `finding` in `source` (its text: `source_lines`)."""
    first = summary_line or _line_of(source_lines, finding.lines[0])
    last = first if summary_line or len(finding.lines) == 1 else _line_of(source_lines, finding.lines[-1], after=first)
    quoted = _quoted(finding.lines) + (f", lines {first}-{last}" if first and last > first else "")
    if finding.what == "doubtful":
        return Problem(
            source,
            first,
            "Boilerplate",
            f"{quoted} looks like a blog's comment footer, but nothing around it confirms that, "
            "so it stays; delete it if you did not write it",
            "note",
        )
    if finding.what == "link":
        return Problem(
            source,
            first,
            "Link",
            f"{finding.lines[0]} points at comments: the link was removed, "
            "its text kept; remove the link from the source",
        )
    return Problem(
        source, first, "Boilerplate", f"removed {_REMOVED[finding.what]} ({quoted}); delete it from the source"
    )


def _line_of(source_lines, text, after=0):
    """The first line after `after` holding `text` (as the patterns see it), or 0."""
    wanted = normalise(text).lower()
    return next(
        (
            number
            for number, line in enumerate(source_lines, start=1)
            if number > after and wanted in normalise(line).lower()
        ),
        0,
    )


def clean_content(content):
    """content_object_init handler: clean an article's or page's HTML, and its `Summary:`
    (list pages, feeds and the meta description show it), in place."""
    patterns = tuple(content.settings["COMMENT_BOILERPLATE_PATTERNS"])
    parts = {"_content": content._content or "", "_summary": getattr(content, "_summary", None) or ""}
    known = KnownClean.current
    key = digest(repr(patterns), *parts.values()) if known else None
    if known and key in known.digests:
        known.seen.add(key)
        content._known_clean = key
        return
    found = False
    for attribute, html in parts.items():
        cleaned, findings = strip_boilerplate(html, _asked(patterns)) if html else (html, [])
        found = found or bool(findings)
        _report(content, findings, attribute == "_summary")
        if cleaned == html:
            continue
        if attribute == "_summary" and not unescape(_TAG.sub("", cleaned)).strip():
            # Nothing left: Pelican makes the summary from the text, as for a post without one.
            del content._summary
            content.metadata.pop("summary", None)
        else:
            setattr(content, attribute, cleaned)
            if attribute == "_summary":
                content.metadata["summary"] = cleaned
    if known and not found:
        known.seen.add(key)
        content._known_clean = key


def note_reused(content):
    """servicebook.signals.content_reused: a content cleaned by the last build, whose
    source has not changed, is still known clean."""
    key = getattr(content, "_known_clean", None)
    if KnownClean.current is not None and key is not None:
        KnownClean.current.seen.add(key)


def _report(content, findings, in_summary):
    if not findings:
        return
    path = Path(content.source_path)
    source_lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    source = shown_path(path, content.settings["PATH"])
    summary_line = _line_of(source_lines, "summary:") if in_summary else 0
    for finding in findings:
        report(logger, finding_problem(finding, source, source_lines, summary_line))


def start(pelican):
    """initialized: this plugin's settings, and what earlier builds found clean."""
    declare(pelican.settings, DEFAULTS)
    KnownClean.current = KnownClean(pelican.settings)


def save_known_clean(pelican):
    """finalized: keep this build's clean digests (only those: the file stays small)."""
    if KnownClean.current is not None:
        KnownClean.current.save()
        KnownClean.current = None


def register():
    signals.initialized.connect(start)
    signals.content_object_init.connect(clean_content)
    signals.finalized.connect(save_known_clean)
    content_reused.connect(note_reused)
