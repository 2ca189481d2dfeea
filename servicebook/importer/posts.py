"""One dump file -> posts: splitting at date lines, titles, authors, bios, tags, e-mail."""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pelican.utils import slugify

from servicebook.emails import EMAIL

from .authors import choose_author, find_bio, find_sign_off
from .cleanup import SeparatedLines, separate_boilerplate
from .dates import DateLine, parse_date_line
from .decoding import DumpError, decode_dump
from .rendering import Paragraph, build_paragraphs, render_markdown, sentences, shorten, summarize
from .report import EmailNote, FileReport, Message, Post, SourceLine
from .settings import ImportSettings

DROPPED_EMAIL = "[e-mail address removed]"
_TITLE_MAX_CHARACTERS = 150  # a longer line after a date line is prose, not a title
_FALLBACK_TITLE_LIMIT = 80
_HEADING_LIKE_CHARACTERS = 100  # a title above a byline is shorter than this
_SENTENCE_PUNCTUATION = tuple(".,;:")
_SLUG_LIMIT = 60
_MAX_SUGGESTED_TAGS = 5
_MIN_KEYWORD_HITS = 2  # one passing mention is not what a post is about


@dataclass(frozen=True)
class Segment:
    """The lines of one post (or of the text before the first post) in a dump."""

    lines: tuple[tuple[int, str], ...]  # the body's lines, after any date and title lines
    first_line: int
    last_line: int
    date_line: tuple[int, str, DateLine] | None = None
    title_line: tuple[int, str] | None = None


def parse_dump(
    data: bytes, *, source_name: str, fallback_date: dt.date, settings: ImportSettings | None = None
) -> FileReport:
    """Everything one dump file holds, as posts plus what was removed and why."""
    settings = settings or ImportSettings()
    report = FileReport(source_name)
    try:
        decoded = decode_dump(data)
    except DumpError as error:
        report.errors.append(Message(source_name, error.line, error.message))
        return report
    report.encoding = decoded.encoding
    report.warnings += [Message(source_name, line, text) for line, text in decoded.warnings]
    segments, split_warnings = split_posts(decoded.lines, settings.boilerplate)
    report.warnings += [Message(source_name, line, text) for line, text in split_warnings]
    has_dated_posts = any(segment.date_line for segment in segments)
    for segment in segments:
        separated = separate_boilerplate(segment.lines, settings.boilerplate)
        if segment.date_line is None and not any(text for _, text in separated.kept):
            report.removed += separated.removed  # only boilerplate before the first post
            continue
        post = assemble_post(
            segment, separated, source_name=source_name, fallback_date=fallback_date, settings=settings
        )
        if segment.date_line is None and has_dated_posts:
            post.warnings.append(
                Message(
                    source_name,
                    segment.first_line,
                    f"text before the first date line (lines {segment.first_line}-"
                    f"{segment.last_line}) imported as a separate draft",
                )
            )
        report.posts.append(post)
    if not report.posts:
        report.errors.append(Message(source_name, None, "no recognisable post: only boilerplate and blank lines"))
    share_the_author(report.posts)
    return report


def share_the_author(posts: Sequence[Post]) -> None:
    """Posts of one dump with no author of their own get the author the others agree on
    (one blog's two posts, signed once), with a warning to check it; otherwise a warning
    that the site's default author will be shown."""
    named = {(post.author, post.author_source) for post in posts if post.author}
    agreed = min(named) if len({author.casefold() for author, _ in named}) == 1 else None
    for post in posts:
        if post.author:
            continue
        if agreed:
            author, source = agreed
            post.author, post.author_source = author, f"another post in this file ({source})"
            post.warnings.append(
                Message(
                    post.source_name,
                    post.first_line,
                    f"no author of its own: {author!r} taken from another post in this file ({source}); check it",
                )
            )
        else:
            post.warnings.append(
                Message(
                    post.source_name,
                    post.first_line,
                    "no author found: the site will show its default AUTHOR; "
                    "add `Author: NAME` to the written file if you know it",
                )
            )


def split_posts(lines: Sequence[str], boilerplate: re.Pattern) -> tuple[list[Segment], list[tuple[int, str]]]:
    """Cut a dump at each date line followed by a title (or at a date line opening the file).
    Text before the first such line becomes an undated segment."""
    numbered = list(enumerate(lines, start=1))
    date_lines = {index: parsed for index, (_, text) in enumerate(numbered) if (parsed := parse_date_line(text))}
    first_text = _next_text_line(numbered, -1)
    titles: dict[int, int | None] = {}  # index of a post's date line -> index of its title
    warnings = []
    for index, parsed in date_lines.items():
        following = _next_text_line(numbered, index)
        if following is None or following in date_lines:
            warnings.append((index + 1, "a date line with no title after it: kept as text"))
            continue
        title_above = (
            _title_above_byline(numbered, index, following, date_lines, boilerplate) if parsed.byline else None
        )
        if title_above is not None:
            titles[index] = title_above
        elif _could_be_title(numbered[following][1], boilerplate):
            titles[index] = following
        elif index == first_text:
            titles[index] = None  # a date opening the file starts a post even without a title
        else:
            warnings.append((index + 1, "a date line with no title after it: kept as text"))
            continue
        if parsed.weekday_conflict:
            warnings.append((index + 1, parsed.weekday_conflict))
    # A post starts at its date line, or at its title when the title stands above the date.
    starts = [min(date, title if title is not None else date) for date, title in titles.items()]
    segments = []
    first_start = starts[0] if starts else len(numbered)
    if _next_text_line(numbered, -1, first_start) is not None:
        segments.append(_segment(numbered[:first_start]))
    for start, end, (date, title) in zip(starts, starts[1:] + [len(numbered)], titles.items(), strict=False):
        body_from = max(date, title if title is not None else date) + 1
        number, text = numbered[date]
        segments.append(
            _segment(
                numbered[start:end],
                body_from - start,
                date_line=(number, text, date_lines[date]),
                title_line=None if title is None else numbered[title],
            )
        )
    return segments, warnings


def _title_above_byline(numbered, date: int, following: int, date_lines, boilerplate: re.Pattern) -> int | None:
    """WordPress themes print the title, then "Posted on … by NAME", then the post: the line
    above a byline is the title when it stands alone like a heading and the line below does
    not. When both could be titles, the line below wins, as for every other date line."""
    above = next(
        (index for index in range(date - 1, max(date - 3, -1), -1) if numbered[index][1].strip()), None
    )  # at most one blank line between
    if above is None or above in date_lines or (above > 0 and numbered[above - 1][1].strip()):
        return None
    if _reads_like_heading(numbered[above][1], boilerplate) and not _reads_like_heading(
        numbered[following][1], boilerplate
    ):
        return above
    return None


def _reads_like_heading(text: str, boilerplate: re.Pattern) -> bool:
    text = text.strip()
    return (
        _could_be_title(text, boilerplate)
        and len(text) <= _HEADING_LIKE_CHARACTERS
        and not text.endswith(_SENTENCE_PUNCTUATION)
    )


def _next_text_line(numbered, after: int, before: int | None = None) -> int | None:
    end = len(numbered) if before is None else before
    return next((index for index in range(after + 1, end) if numbered[index][1].strip()), None)


def _could_be_title(text: str, boilerplate: re.Pattern) -> bool:
    """Titles are short and do not end like a sentence: "June 3, 2015" then "I called the
    bank." is a timeline inside a post, not a new post."""
    text = text.strip()
    ends_a_sentence = text.endswith(".") and not text.endswith("..")
    return len(text) <= _TITLE_MAX_CHARACTERS and not boilerplate.match(text) and not ends_a_sentence


def _segment(lines, body_from: int = 0, **found) -> Segment:
    numbers = [number for number, text in lines if text.strip()]
    return Segment(tuple(lines[body_from:]), numbers[0], numbers[-1], **found)


def assemble_post(
    segment: Segment, separated: SeparatedLines, *, source_name: str, fallback_date: dt.date, settings: ImportSettings
) -> Post:
    warnings: list[Message] = []
    emails: list[EmailNote] = []

    def hide(number: int, text: str) -> str:
        hidden, found = hide_email_addresses(text, settings.email_policy)
        emails.extend(EmailNote(number, address, replacement) for address, replacement in found)
        return hidden

    paragraphs = build_paragraphs([(number, hide(number, text)) for number, text in separated.kept])
    bio = find_bio(paragraphs)
    if bio:
        paragraphs = paragraphs[:-1]
    if segment.title_line:
        title_number, title_text = segment.title_line
        title = " ".join(hide(title_number, title_text).split())
    else:
        title = fallback_title(paragraphs)
        problem = "no date line and no title" if segment.date_line is None else "no title after the date line"
        warnings.append(
            Message(source_name, segment.first_line, f"{problem}: title made from the first sentence: {title!r}")
        )
    if segment.date_line:
        number, text, parsed = segment.date_line
        date, date_line = parsed.date, SourceLine(number, text, "date")
    else:
        date, date_line = fallback_date, None
        warnings.append(
            Message(
                source_name,
                segment.first_line,
                f"undated: imported as Status: draft with the file's modification date {fallback_date.isoformat()}",
            )
        )

    def holds_an_address(text: str, number: int, use: str) -> bool:
        """A name or label with an e-mail address in it is never published; the report says so."""
        found = EMAIL.findall(text)
        emails.extend(EmailNote(number, address, f"not used as {use}") for address in found)
        return bool(found)

    author, author_source, disagreements = choose_author(
        [
            (name, source, number)
            for name, source, number in _author_candidates(segment, separated, bio, paragraphs)
            if not holds_an_address(name, number, "the author")
        ]
    )
    warnings += [Message(source_name, None, text) for text in disagreements]
    body_text = " ".join(paragraph.text for paragraph in paragraphs)
    if not body_text:
        warnings.append(Message(source_name, segment.first_line, "post has no body text"))
    label_lines = [line for line in separated.removed if line.reason == "labels"]
    labels = [
        label
        for label in separated.labels
        if not holds_an_address(label, next(line.number for line in label_lines if label in line.text), "a tag")
    ]
    tags = labels or suggest_tags(f"{title} {body_text}", settings.tag_vocabulary)
    return Post(
        source_name=source_name,
        title=title,
        date=date,
        draft=date_line is None,
        body=render_markdown(paragraphs),
        summary=summarize(paragraphs),
        slug=make_slug(title, settings.slug_substitutions),
        first_line=segment.first_line,
        last_line=segment.last_line,
        date_line=date_line,
        title_line=segment.title_line[0] if segment.title_line else None,
        author=author,
        author_source=author_source,
        bio=" ".join(bio[0].text.split()) if bio else None,
        bio_lines=bio[0].numbers if bio else (),
        tags=tags,
        tags_suggested=bool(tags) and not labels,
        removed=separated.removed,
        emails=sorted(emails, key=lambda note: note.line),
        warnings=warnings,
    )


def _author_candidates(
    segment: Segment,
    separated: SeparatedLines,
    bio: tuple[Paragraph, str | None] | None,
    paragraphs: Sequence[Paragraph],
) -> list[tuple[str, str, int]]:
    """(name, where it came from, line) of each author the post names, most trusted first:
    the byline on the date line, a "Posted by" footer, the bio, the sign-off."""
    candidates = []
    if segment.date_line and segment.date_line[2].author:
        candidates.append((segment.date_line[2].author, f"byline, line {segment.date_line[0]}", segment.date_line[0]))
    if separated.posted_by:
        name, number = separated.posted_by
        candidates.append((name, f"'Posted by' line {number}", number))
    if bio and bio[1]:
        candidates.append((bio[1], f"author bio, line {bio[0].numbers[0]}", bio[0].numbers[0]))
    sign_off = find_sign_off(paragraphs)
    if sign_off:
        candidates.append((sign_off[0], f"sign-off, line {sign_off[1]} (kept in the body)", sign_off[1]))
    return candidates


def hide_email_addresses(text: str, policy: str) -> tuple[str, list[tuple[str, str]]]:
    """`text` with each e-mail address cloaked (`name [at] example [dot] com`) or dropped,
    and the (address, replacement) pairs for the report."""
    found = []

    def replace(match: re.Match) -> str:
        address = match.group()
        replacement = DROPPED_EMAIL if policy == "drop" else address.replace("@", " [at] ").replace(".", " [dot] ")
        found.append((address, replacement))
        return replacement

    return EMAIL.sub(replace, text), found


def fallback_title(paragraphs: Sequence[Paragraph]) -> str:
    prose = next((p.text for p in paragraphs if p.kind == "text"), paragraphs[0].text if paragraphs else "")
    found = sentences(prose)
    return shorten(found[0], _FALLBACK_TITLE_LIMIT) if found else "Untitled"


def suggest_tags(text: str, vocabulary: Mapping[str, Sequence[str]]) -> list[str]:
    """Up to five tags whose keywords occur at least twice in `text`, most hits first.
    Keywords with capitals ("HR") match case-sensitively, others in any case."""
    scores = {}
    for tag, keywords in vocabulary.items():
        hits = sum(
            len(
                re.findall(
                    rf"(?<!\w){re.escape(keyword)}(?!\w)", text, 0 if keyword != keyword.lower() else re.IGNORECASE
                )
            )
            for keyword in keywords
        )
        if hits >= _MIN_KEYWORD_HITS:
            scores[tag] = hits
    return sorted(scores, key=lambda tag: (-scores[tag], tag))[:_MAX_SUGGESTED_TAGS]


def make_slug(title: str, substitutions: Sequence[tuple[str, str]]) -> str:
    """Pelican's own slug for `title`, cut at a hyphen to stay a readable file name."""
    slug = slugify(title, regex_subs=substitutions)
    if len(slug) > _SLUG_LIMIT:
        slug = slug[:_SLUG_LIMIT].rsplit("-", 1)[0]
    return slug.strip("-") or "post"
