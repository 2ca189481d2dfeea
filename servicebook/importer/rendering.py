"""Dump lines -> Markdown paragraphs, and a post -> a Pelican Markdown file."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from servicebook.headers import format_header, header_value

from .report import Post

_LIST_ITEM = re.compile(r"(?P<marker>[-*+•‣◦]|\d{1,3}\.)\s+(?P<content>\S.*)")
_SEPARATOR = re.compile(r"[-*_=~•\s]+")  # "* * *", "----": decoration, never a list
_TERMINAL_PUNCTUATION = tuple(".!?:;,…\"”’')")
# Characters that would turn a heading's text into markup; such lines stay paragraphs.
_MARKUP_CHARACTERS = re.compile(r"[\\`*_\[\]<>#&|{}]")
_HEADING_MAX_CHARACTERS = 60
_HEADING_MAX_WORDS = 8
_ENTITY = re.compile(r"&(?=#?\w+;)")
_INLINE_SPECIAL = re.compile(r"[\\`*_\[]")
_LINE_START_SPECIAL = re.compile(r"[#>]|[-+](?=\s|$|-)")
_LINE_START_NUMBER = re.compile(r"^(\d+)\.(?=\s|$)")
# Markdown has no backslash escape for these, so the first character becomes an entity:
# ": text" after a paragraph makes a definition list, "~~~" opens a fenced code block.
_LINE_START_UNESCAPABLE = re.compile(r"^(?::(?=\s|$)|~(?=~~))")
# Python-Markdown merges adjacent lists (even bullets then numbers) unless something
# stands between them; an empty HTML comment does, and shows nothing.
_LIST_BREAK = "<!-- -->"
IMPORTED_FROM = "Imported-From"  # the header field naming the dump a post came from
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’')]*\s+(?=[\"“‘'(]?[A-Z0-9])")


@dataclass(frozen=True)
class Paragraph:
    kind: str  # "text", "heading" or "list"
    lines: tuple[tuple[int, str], ...]  # (line number, text stripped of surrounding space)

    @property
    def text(self) -> str:
        return " ".join(text for _, text in self.lines)

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(number for number, _ in self.lines)


def build_paragraphs(lines: Sequence[tuple[int, str]]) -> list[Paragraph]:
    """Group kept lines into paragraphs. In dumps one line is one paragraph, even with single
    newlines between lines, except a hard-wrapped line (no closing punctuation, next line starts
    in lower case), which continues its paragraph. A short title-cased line directly followed by
    prose (no blank line between) is a heading."""
    paragraphs: list[Paragraph] = []
    for block in _blocks(lines):
        index = 0
        while index < len(block):
            number, text = block[index]
            following = block[index + 1][1] if index + 1 < len(block) else None
            if _is_list_item(text):
                end = index + 1
                while (
                    end < len(block)
                    and _is_list_item(block[end][1])
                    and _is_numbered(block[end][1]) == _is_numbered(text)
                ):
                    end += 1
                paragraphs.append(Paragraph("list", tuple(block[index:end])))
            elif _is_heading(text, following):
                end = index + 1
                paragraphs.append(Paragraph("heading", ((number, text),)))
            else:
                end = index + 1
                while end < len(block) and _continues(block[end - 1][1], block[end][1]):
                    end += 1
                paragraphs.append(Paragraph("text", tuple(block[index:end])))
            index = end
    return paragraphs


def _blocks(lines: Sequence[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    blocks, current = [], []
    for number, text in lines:
        if text.strip():
            current.append((number, text.strip()))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _is_list_item(text: str) -> bool:
    return bool(_LIST_ITEM.fullmatch(text)) and not _SEPARATOR.fullmatch(text)


def _is_numbered(list_item: str) -> bool:
    return list_item[0].isdigit()


def _continues(previous: str, text: str) -> bool:
    return not previous.endswith(_TERMINAL_PUNCTUATION) and text[:1].islower() and not _is_list_item(text)


def _is_heading(text: str, following: str | None) -> bool:
    words = text.split()
    return (
        following is not None
        and len(following) > len(text)
        and not _continues(text, following)
        and not _is_list_item(following)
        and len(text) <= _HEADING_MAX_CHARACTERS
        and len(words) <= _HEADING_MAX_WORDS
        and text[:1].isupper()
        and not text.endswith(_TERMINAL_PUNCTUATION)
        and not _MARKUP_CHARACTERS.search(text)
        and all(word[:1].isupper() or word[:1].isdigit() for word in words if len(word) >= 4)
    )


def escape_inline(text: str) -> str:
    """Escape what Markdown would read as markup anywhere in a line."""
    text = _INLINE_SPECIAL.sub(r"\\\g<0>", text)
    text = _ENTITY.sub("&amp;", text)
    return text.replace("<", "&lt;")


def escape_line(text: str) -> str:
    """Escape a whole line: inline markup plus what only matters at the start of a line
    (`#` headings, `>` quotes, `-`/`+` bullets and rules, `1.` numbered lists, `:` definitions,
    `~~~` code fences)."""
    text = escape_inline(text)
    text = _LINE_START_NUMBER.sub(r"\1\\.", text, count=1)
    text = _LINE_START_UNESCAPABLE.sub(lambda found: f"&#{ord(found[0])};", text, count=1)
    return "\\" + text if _LINE_START_SPECIAL.match(text) else text


def render_markdown(paragraphs: Sequence[Paragraph]) -> str:
    blocks = []
    for previous, paragraph in zip([None, *paragraphs], paragraphs, strict=False):
        if paragraph.kind == "heading":
            blocks.append("## " + escape_inline(paragraph.text))
        elif paragraph.kind == "list":
            if previous and previous.kind == "list":
                blocks.append(_LIST_BREAK)
            blocks.append("\n".join(_render_list_item(text) for _, text in paragraph.lines))
        else:
            blocks.append("\n".join(escape_line(text) for _, text in paragraph.lines))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _render_list_item(text: str) -> str:
    match = _LIST_ITEM.fullmatch(text)
    marker = match["marker"] if match["marker"][0].isdigit() else "-"  # Markdown has no "•"
    return f"{marker} {escape_line(match['content'])}"


def sentences(text: str) -> list[str]:
    return [sentence for sentence in _SENTENCE_END.split(" ".join(text.split())) if sentence]


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


def summarize(paragraphs: Sequence[Paragraph], limit: int = 200) -> str:
    """First sentence, or two when both fit in `limit`, of the first prose paragraph."""
    prose = next((paragraph.text for paragraph in paragraphs if paragraph.kind == "text"), "")
    found = sentences(prose)
    if not found:
        return ""
    if len(found) > 1 and len(found[0]) + 1 + len(found[1]) <= limit:
        return f"{found[0]} {found[1]}"
    return shorten(found[0], limit)


def render_post_file(post: Post, category: str) -> str:
    """The Pelican Markdown file: `Key: value` header, blank line, body."""
    header = [
        ("Title", post.title),
        ("Date", post.date.isoformat()),
        ("Category", category),
        ("Tags", ", ".join(post.tags)),
        ("Author", post.author),
        ("Bio", post.bio),
        # Pelican reads a Summary as markdown: escaped like the body, it shows as written.
        ("Summary", escape_line(header_value(post.summary)) if post.summary else None),
        ("Slug", post.slug),
        ("Status", "draft" if post.draft else None),
        (IMPORTED_FROM, post.source_name),
    ]
    return format_header(header) + post.body
