"""Comment and sharing boilerplate that old blogs printed around their posts.

Each kind of boilerplate line has a pattern that must match the whole line (case-insensitive,
surrounding whitespace and typography ignored), so a sentence that merely mentions comments
never matches. Two users:

- the importer (servicebook.importer) removes every matching line from old dumps and lists
  each one in its report, which a person reviews;
- the build (plugins/comment_free) removes only footer blocks as the platforms print them
  (`footer_blocks`): a line is boilerplate there only in its context, because "like this:"
  or "Share this:" on its own is as likely to be the author's own words.
"""

import re
from dataclasses import dataclass

_SHARE_NAME = (
    r"twitter|facebook|linkedin|pinterest|reddit|tumblr|pocket|telegram|whatsapp|skype"
    r"|mastodon|threads|bluesky|e-?mail|print|more|x|tweet|share|pin it"
    r"|click to (?:share|email|print)\b.{0,80}|share on .{1,40}"
)
_NUMBER = r"no|\d+|one|two|three|four|five|six|seven|eight|nine|ten"

# kind -> whole-line pattern.
LINE_KINDS = {
    "likes": r"like this:?",
    "likes-widget": (
        r"(?:like\s+)?loading(?:\.\.\.|…)|be the first to like this\.?|\d+ (?:bloggers|people) like "
        r"this\.?"
    ),
    "share": r"share this(?: post| article)?:?",
    "share-buttons": rf"(?:{_SHARE_NAME})(?:\s*[|·,/]?\s*(?:{_SHARE_NAME}))*",
    "blogger-share": r"(?:email this|blogthis!|share to (?:twitter|facebook|pinterest|x))"
    r"(?:\s*(?:email this|blogthis!|share to (?:twitter|facebook|pinterest|x)))*",
    "comment-count": (
        rf"(?:{_NUMBER}) (?:comments?|responses?|replies|thoughts?)(?: (?:on|to) "
        rf"[\"“”][^\"“”]{{1,150}}[\"“”])?:?"
    ),
    "comment-form": r"post a comment\.?|leave a (?:reply|comment)\.?|add a comment\.?|cancel reply"
    r"|your email address will not be published\.?.{0,80}|post comment",
    "comment-feed": (
        r"subscribe to:? post comments(?: \(atom\)| \[atom\])?|subscribe to:? comments(?: \(atom\)| "
        r"\[atom\])?"
    ),
    "posts-feed": r"subscribe to:? posts(?: \(atom\)| \[atom\])?",
    "navigation": (
        r"(?:<<|«)\s*home|newer posts?\s*(?:[/|]?\s*older posts?)?\s*(?:[/|]?\s*home)?|older "
        r"posts?\s*(?:[/|]?\s*home)?"
    ),
    "labels": r"labels:[\s,]*",
    "posted-by": rf"posted by .{{1,60}} at \d{{1,2}}:\d{{2}}\s*(?:am|pm)?\s*(?:(?:{_NUMBER}) comments?:?)?",
}

# Two kinds that, printed one after the other, are a platform's footer and nothing else:
# WordPress's likes and sharing widgets, Blogger's comment count, form, feed and navigation.
CONFIRMING_PAIRS = frozenset(
    {
        ("likes", "likes-widget"),
        ("share", "share-buttons"),
        ("share", "blogger-share"),
        ("comment-count", "comment-form"),
        ("comment-form", "comment-feed"),
        ("comment-feed", "comment-form"),
        ("comment-form", "navigation"),
        ("navigation", "comment-feed"),
        ("navigation", "posts-feed"),
        ("posted-by", "blogger-share"),
        ("posted-by", "labels"),
        ("posted-by", "comment-count"),
    }
)
# Kinds that hardly occur as a paragraph of prose: standing alone, they are reported (kept).
FOOTER_ONLY_KINDS = frozenset(
    {
        "likes-widget",
        "blogger-share",
        "comment-count",
        "comment-form",
        "comment-feed",
        "posts-feed",
        "labels",
        "posted-by",
    }
)

# Every kind of line that is boilerplate on its own in a dump (share buttons are boilerplate
# only after "Share this:"): what the importer removes.
DEFAULT_BOILERPLATE_PATTERNS = tuple(pattern for kind, pattern in LINE_KINDS.items() if kind != "share-buttons")
_KINDS = {kind: re.compile(rf"(?:{pattern})", re.IGNORECASE) for kind, pattern in LINE_KINDS.items()}
# "Jane said...", "jsmith says:", "On June 3, 2015, Jane wrote:": the first line of a comment.
COMMENT_AUTHOR = re.compile(r"(?:on .{4,40}?,\s*)?[^.!?]{1,60}?\s+(?:said|says|wrote)\s*(?:\.\.\.|:)?", re.IGNORECASE)
# Replaced one by one: str.translate with a table looks up every character (about 80 µs for
# a paragraph of 1,800 characters, against 2.5 µs), and every line of every post is checked.
_TYPOGRAPHY = {"…": "...", "«": "<<", "’": "'", "‘": "'", "“": '"', "”": '"'}


def normalise(line):
    """`line` as the patterns see it: typography undone, whitespace collapsed."""
    for mark, plain in _TYPOGRAPHY.items():
        line = line.replace(mark, plain)
    return " ".join(line.split())


def compile_patterns(patterns):
    """One regex that matches a whole line for any of `patterns`."""
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"^\s*(?:{joined})\s*$", re.IGNORECASE)


DEFAULT_MATCHER = compile_patterns(DEFAULT_BOILERPLATE_PATTERNS)


def is_boilerplate(line, matcher=DEFAULT_MATCHER):
    """True when the whole of `line` is comment/sharing boilerplate of some kind."""
    line = normalise(line)
    return bool(line) and bool(matcher.match(line))


def line_kind(line):
    """The kind of boilerplate `line` is, or None."""
    line = normalise(line)
    return next((kind for kind, pattern in _KINDS.items() if pattern.fullmatch(line)), None) if line else None


def is_comment_author(line):
    line = normalise(line)
    return bool(COMMENT_AUTHOR.fullmatch(line)) and len(line.split()) <= 8


@dataclass
class Block:
    """A block of text as the reader sees it (a paragraph, a list item): its lines, and
    whether it may be removed at all (headings, code, quotes and tables never are)."""

    lines: list
    removable: bool = True


@dataclass
class Found:
    start: int  # index of the first block
    end: int  # index after the last block
    what: str  # "footer", "thread", "asked" (COMMENT_BOILERPLATE_PATTERNS) or "doubtful"
    lines: list = None  # the lines it is about, when not all lines of its blocks


def footer_blocks(blocks, asked=None):
    """The footers among `blocks` (in document order), as Found ranges.

    A block is boilerplate when every one of its lines is; consecutive boilerplate blocks
    form a run. A run is a footer ("footer") when two of its lines, one after the other,
    are a CONFIRMING_PAIRS pair. A comment count followed by "NAME said..." opens a comment
    thread ("thread") that runs to the end of the text. A run that is neither but holds a
    FOOTER_ONLY_KINDS line, or a footer printed inside a paragraph of prose, is "doubtful":
    kept, and reported. `asked` (a compiled pattern,
    the site's COMMENT_BOILERPLATE_PATTERNS) marks blocks the site asks to remove
    wherever they stand ("asked").
    """
    kinds = [_block_kinds(block, asked) for block in blocks]
    found, index = [], 0
    while index < len(blocks):
        if kinds[index] is None:
            glued = _footer_in_prose(blocks[index])
            found += [Found(index, index + 1, "doubtful", glued)] if glued else []
            index += 1
            continue
        end = index
        while end < len(blocks) and kinds[end] is not None:
            end += 1
        if end < len(blocks) and _opens_thread(blocks[end - 1], kinds[end - 1], blocks[end]):
            # The comments go on to the end, or to a heading, quote, code or table of the author's.
            end = next((i for i in range(end, len(blocks)) if not blocks[i].removable), len(blocks))
            found.append(Found(index, end, "thread"))
        else:
            found += _judge_run(index, end, kinds)
        index = end
    return found


def _block_kinds(block, asked):
    if not block.removable or not block.lines:
        return None
    if asked is not None and all(asked.match(normalise(line)) for line in block.lines):
        return ["asked"]
    kinds = [line_kind(line) for line in block.lines]
    return None if None in kinds else kinds


def _footer_in_prose(block):
    """The lines of a footer printed inside a paragraph of prose (kept: its lines are part of
    the paragraph), or None."""
    if not block.removable:
        return None
    kinds = [line_kind(line) for line in block.lines]
    pairs = [index for index, pair in enumerate(zip(kinds, kinds[1:], strict=False)) if pair in CONFIRMING_PAIRS]
    if not pairs:
        return None
    end = pairs[-1] + 2
    while end < len(kinds) and kinds[end] is not None:
        end += 1
    return block.lines[pairs[0] : end]


def _opens_thread(count_block, count_kinds, block):
    """A comment count of one or more, then a block that starts "NAME said..."."""
    counted = count_kinds[-1] == "comment-count" and not re.match(
        r"(?:no|0+)\b", normalise(count_block.lines[-1]), re.I
    )
    return counted and block.removable and bool(block.lines) and is_comment_author(block.lines[0])


def _judge_run(start, end, kinds):
    items = [kind for block_kinds in kinds[start:end] for kind in block_kinds]
    if any(pair in CONFIRMING_PAIRS for pair in zip(items, items[1:], strict=False)):
        return [Found(start, end, "footer")]
    # Blocks the site asks to remove go on their own; the rest of the run is judged without them.
    asked = [Found(i, i + 1, "asked") for i in range(start, end) if kinds[i] == ["asked"]]
    if FOOTER_ONLY_KINDS.intersection(items):
        doubtful = [i for i in range(start, end) if kinds[i] != ["asked"]]
        asked.append(Found(doubtful[0], doubtful[-1] + 1, "doubtful"))
    return asked
