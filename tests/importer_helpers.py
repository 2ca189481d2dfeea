"""What the importer tests share: parsing a dump given as text, and reading what was written."""

import datetime as dt
import html
import re
from collections import Counter
from pathlib import Path

import markdown
import pytest

from servicebook.importer import ImportSettings
from servicebook.importer.posts import parse_dump

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dumps"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"seed dumps not found at {SEEDS} (shared/ is not checked out)"
)
FILE_DATE = dt.date(2020, 1, 2)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def parse(text: str | bytes, **settings):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_dump(
        data, source_name="dump.txt", fallback_date=FILE_DATE, settings=ImportSettings.from_mapping(settings)
    )


def only_post(text: str, **settings):
    report = parse(text, **settings)
    assert not report.errors
    assert len(report.posts) == 1, [post.title for post in report.posts]
    return report.posts[0]


def html_text(markdown_text: str) -> str:
    """What a reader sees: Markdown rendered like Pelican does, tags stripped, entities decoded."""
    rendered = markdown.markdown(markdown_text, extensions=["extra"])
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def paragraph_count(markdown_text: str) -> int:
    return markdown.markdown(markdown_text, extensions=["extra"]).count("<p>")


def body_of(written: Path) -> str:
    return written.read_text(encoding="utf-8").split("\n\n", 1)[1]


def words(text: str) -> Counter:
    return Counter(word.casefold() for word in re.findall(r"\w+", text))


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def seed_line(prefix: str, number: int) -> str:
    return seed(prefix).read_text(encoding="utf-8").splitlines()[number - 1].strip()


POST = "{date}\n\nA Title\n\nFirst paragraph here. It has two sentences.\n"

# A closing bio written in the third person (the writing tests use it too).
THIRD_PERSON_BIO = (
    "Dana Whitfield is a certified customer-experience coach and author who helps support teams keep their customers."
)
