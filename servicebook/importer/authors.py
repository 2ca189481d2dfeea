"""Who wrote an imported post: a closing author bio, a sign-off ("Until next time... / Liz"),
or a "Posted by" line; and whether a line reads like a person's name."""

import re
from collections.abc import Sequence

from .rendering import Paragraph

_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’.-])*")
_NOT_NAMES = {
    "The",
    "This",
    "That",
    "These",
    "Those",
    "Our",
    "My",
    "Your",
    "Their",
    "His",
    "Her",
    "It",
    "Its",
    "A",
    "An",
    "We",
    "They",
}
_THIRD_PERSON_BIO = re.compile(r"(?P<name>[^\W\d_]\S*(?:\s+[^\W\d_]\S*){1,3})\s+(?:is|was|has been)\s+(?:a|an|the)\b")
_PROFESSION_CUES = re.compile(
    r"\b(?:coach|consultant|speaker|trainer|author|writer|founder|co-founder|president|director"
    r"|specialist|expert|ceo|owner|principal|credentialed|certified|facilitator|lecturer"
    r"|blogger|entrepreneur)\b",
    re.IGNORECASE,
)
_CAREER_CUES = re.compile(
    r"\b(?:experience|career|consult\w*|speaker|trainer|author|coach\w*|founder|portfolio"
    r"|clients|credential\w*|certified|i work with"
    r"|my own (?:business|company|consultancy|practice|firm))\b",
    re.IGNORECASE,
)
_CONTACT_CUES = re.compile(
    r"\b(?:contact(?:ed)? (?:me|by|at)|e-?mail me|reach me|follow me|find me|connect with me"
    r"|my (?:web)?site|my blog)\b|(?<![\w.])@\w{2,}",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:I|I['’](?:ve|m|d|ll)|[Mm]y|me)\b")
_FIRST_PERSON_BIO_MIN_WORDS = 25
_VALEDICTION = (
    r"(?:until next time|till next time|cheers|best|best wishes|all the best"
    r"|(?:best|kind|warm|warmest) regards|regards|thanks|many thanks|thank you"
    r"|thanks for reading|sincerely|yours(?: truly)?|take care|talk soon|onwards?)"
)
_VALEDICTION_LINE = re.compile(rf"{_VALEDICTION}[\s,.…!—–-]*", re.IGNORECASE)
_VALEDICTION_WITH_NAME = re.compile(rf"{_VALEDICTION}[\s,.…!—–-]+(?P<name>.+)", re.IGNORECASE)
_SIGNATURE_DASH = re.compile(r"[-–—~]+\s*(?P<name>.+)")


def choose_author(candidates: Sequence[tuple[str, str, int]]) -> tuple[str | None, str | None, list[str]]:
    """(author, where it came from, disagreements): the first candidate, and the others that name someone else."""
    if not candidates:
        return None, None, []
    author, source, _ = candidates[0]
    disagreements = [
        f"author {author!r} ({source}) kept; {other_source} says {other!r}"
        for other, other_source, _ in candidates[1:]
        if other.casefold() != author.casefold()
    ]
    return author, source, disagreements


def looks_like_name(text: str, max_words: int = 3) -> bool:
    """ "Liz", "Kimm Viebrock", "J. O’Neil": capitalised words of letters only."""
    words = text.split()
    return (
        0 < len(words) <= max_words
        and words[0] not in _NOT_NAMES
        and all(
            _NAME_WORD.fullmatch(word) and word[0].isupper() and (not word.endswith(".") or len(word) <= 2)
            for word in words
        )
    )


def find_bio(paragraphs: Sequence[Paragraph]) -> tuple[Paragraph, str | None] | None:
    """The closing paragraph when it is an author bio, with the author's name when it says.

    Deliberately strict, since a false positive moves prose out of the body: third person
    must open with "NAME is a/an/the" and name two professional roles; first person must name
    two career facts and a way to get in touch."""
    if not paragraphs or paragraphs[-1].kind != "text":
        return None
    last = paragraphs[-1]
    text = last.text
    third_person = _THIRD_PERSON_BIO.match(text)
    if (
        third_person
        and looks_like_name(third_person["name"], max_words=4)
        and len(_distinct(_PROFESSION_CUES.findall(text))) >= 2
    ):
        return last, third_person["name"]
    if (
        _FIRST_PERSON.search(text)
        and len(text.split()) >= _FIRST_PERSON_BIO_MIN_WORDS
        and len(_distinct(_CAREER_CUES.findall(text))) >= 2
        and _CONTACT_CUES.search(text)
    ):
        return last, None
    return None


def _distinct(words: list[str]) -> set[str]:
    return {word.casefold() for word in words}


def find_sign_off(paragraphs: Sequence[Paragraph]) -> tuple[str, int] | None:
    """(name, line) when the post ends with a signature: "Until next time, Liz", a name line
    after a valediction ("Until next time..." / "Liz"), or "- Liz"."""
    if not paragraphs or paragraphs[-1].kind != "text" or len(paragraphs[-1].lines) != 1:
        return None
    number, text = paragraphs[-1].lines[0]
    with_name = _VALEDICTION_WITH_NAME.fullmatch(text)
    if with_name and looks_like_name(with_name["name"]):
        return with_name["name"], number
    dashed = _SIGNATURE_DASH.fullmatch(text)
    if dashed and looks_like_name(dashed["name"]):
        return dashed["name"], number
    before = paragraphs[-2] if len(paragraphs) > 1 else None
    if before and len(before.lines) == 1 and _VALEDICTION_LINE.fullmatch(before.text) and looks_like_name(text):
        return text, number
    return None
