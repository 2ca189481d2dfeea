"""The benchmark's corpus: articles, case stories and a page, as pure functions of (size,
seed, facets), so that two runs measure the same text."""

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from servicebook.headers import format_header

DEFAULT_SEED = 20240611
CASE_SHARE = 0.2
WORDS_PER_POST = (600, 900)
TAGS_PER_POST = (3, 5)

# Plain lower-case English words (no digits, apostrophes or markup), so every generated text
# passes the content checks and none of its lines looks like comment boilerplate.
WORDS = tuple(
    """
about above account action actually address advice after again agent agreed almost alone
already always answer anyone apology appointment around asked attempt away back balance bank
basic because before began behind being believe better between bill billing board bought
branch break brief broken budget call called calm came cancel cannot card careful case caught
certain chance change charge chat check choice claim clear clearly close colleague common
complaint contact contract control correct cost could counter credit customer daily damage
data deadline decide decision delay delivery department desk detail different direct down
during early easy email empty end engineer enough error escalate even evening every exactly
explain fact failure fair far fault fee feel field file final finally find fine first fix
fixed follow form forward found free friday front full gave given good group guide half hand
handle happen hard head hear heard help helpful hold home hope hour house however human idea
important instead invoice issue job just keep kind knew know large last late later leave left
letter level line list listen little live local long look lost made mail make manager many
matter maybe meant meter minute missing moment monday money month morning move much name
nearly need never new next night note nothing notice number office often once online open
option order other owner page paid paper part pass patient pay payment people person phone
picture place plan plain point policy polite possible post problem process promise proof
proper public question queue quick quickly quiet rather read ready real really reason receipt
record refund reply report request resolve response rest result return right rule said same
save saw script second see seemed send sent service short should show side sign simple since
small someone something soon sorry speak staff start still stop store story support sure
system take team tell term text than thank that their then there thing think third this though
three through ticket time today together told took total track transfer tried trust truth turn
twice under understand until update urgent used useful usual voice wait waiting want warm
week weekend well went what when where which while whole window without word work worked
write written wrong year yesterday young
""".split()
)
# Small words between content words make the prose read (a little) like prose.
GLUE = (
    "the",
    "a",
    "and",
    "to",
    "of",
    "in",
    "on",
    "for",
    "with",
    "it",
    "was",
    "we",
    "they",
    "but",
    "so",
    "at",
    "by",
    "from",
    "as",
    "is",
)
TAG_WORDS = tuple(
    """
access accounts appeals apps bills branches broadband callbacks cancellations chatbots claims
complaints contracts councils couriers credit deliveries deposits engineers energy fees forms
helplines holidays hospitals insurance invoices letters loans meters mortgages parcels payroll
pensions permits phones queues receipts refunds renewals repairs returns scripts subscriptions
surveys tickets trains transfers travel vouchers warranties water
""".split()
)
TAG_QUALIFIERS = (
    "fixing",
    "slow",
    "lost",
    "late",
    "unpaid",
    "missing",
    "online",
    "public",
    "local",
    "broken",
    "automated",
    "disputed",
)
CATEGORIES = (
    "Essays",
    "Field notes",
    "Guides",
    "Interviews",
    "Reviews",
    "Letters",
    "Research",
    "Opinion",
    "Explainers",
    "Roundups",
)
FIRST_NAMES = (
    "Maren",
    "Tobias",
    "Priya",
    "Jonah",
    "Alma",
    "Kwame",
    "Ines",
    "Felix",
    "Ruth",
    "Sanjay",
    "Leonie",
    "Oskar",
    "Hana",
    "Dmitri",
    "Grace",
    "Mateo",
    "Yara",
    "Ewan",
    "Noor",
    "Lukas",
)
LAST_NAMES = (
    "Holt",
    "Okafor",
    "Castellane",
    "Byrne",
    "Lindqvist",
    "Mensah",
    "Duarte",
    "Novak",
    "Achebe",
    "Rao",
    "Fischer",
    "Berg",
    "Sato",
    "Ivanov",
    "Whitfield",
    "Ortega",
    "Haddad",
    "Munro",
    "Qureshi",
    "Weber",
)
ORGANISATION_KINDS = (
    "bank",
    "broadband provider",
    "energy supplier",
    "council",
    "airline",
    "retailer",
    "streaming service",
    "insurer",
    "clinic",
    "college",
    "parcel company",
    "mobile network",
)
CASE_HEADINGS = ("What happened", "What went wrong", "How it ended")
FIRST_DATE = datetime(2015, 1, 1, 8, 0)
DATE_SPAN_MINUTES = 11 * 365 * 24 * 60


@dataclass(frozen=True)
class Entry:
    """One generated article: its content-relative path, slug and whether it is a case."""

    path: str
    slug: str
    is_case: bool


def tag_pool(rng, size=200):
    """`size` distinct tags ('lost refunds', 'broadband', ...) in a seed-determined order."""
    candidates = list(TAG_WORDS) + [f"{q} {w}" for q in TAG_QUALIFIERS for w in TAG_WORDS]
    return rng.sample(candidates, size)


def authors():
    return [f"{first} {last}" for first, last in zip(FIRST_NAMES, LAST_NAMES, strict=True)]


def _sentence_words(rng, count):
    """`count` words, about one in three a small glue word; every word counts as one."""
    return [rng.choice(GLUE) if rng.random() < 0.3 else rng.choice(WORDS) for _ in range(count)]


def sentence(rng, count):
    words = _sentence_words(rng, count)
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def _linked_sentence(rng, count, link_target):
    """A sentence of `count` words; 2-4 of them may be an inline link: to another generated
    article (`link_target(rng)` gives its path) or to an external site."""
    words = _sentence_words(rng, count)
    words[0] = words[0].capitalize()
    if count >= 6 and link_target is not None and rng.random() < 0.08:
        span = rng.randint(2, min(4, count - 2))
        start = rng.randint(0, count - span - 1)
        target = link_target(rng) if rng.random() < 0.6 else None
        if target:
            url = "{filename}/" + target
        else:
            url = f"https://example.org/{rng.choice(WORDS)}/{rng.choice(WORDS)}"
        words[start] = "[" + words[start]
        words[start + span - 1] += f"]({url})"
    return " ".join(words) + "."


def paragraph(rng, count, link_target=None):
    """Sentences of 6-18 words adding up to exactly `count` words."""
    sentences, left = [], count
    while left > 0:
        size = min(left, rng.randint(6, 18))
        if 0 < left - size < 4:  # no stub sentence at the end
            size = left
        sentences.append(_linked_sentence(rng, size, link_target))
        left -= size
    return " ".join(sentences)


def heading(rng, count):
    words = [rng.choice(WORDS) for _ in range(count)]
    return "## " + " ".join(words).capitalize()


def body(rng, words, link_target=None, headings=()):
    """Markdown with exactly `words` words: an intro, then `##` sections of paragraphs, bullet
    lists and blockquotes. `headings` are used first (case stories), then generated ones.
    `link_target(rng)`: the path of another article to link to, or None."""
    blocks, left, section = [], words, 0
    first = min(left, rng.randint(40, 80))
    blocks.append(paragraph(rng, first, link_target))
    left -= first
    while left > 0:
        if left < 40:
            blocks.append(paragraph(rng, left, link_target))
            break
        if section < len(headings):
            title = headings[section]
            blocks.append("## " + title)
            left -= len(title.split())
        else:
            size = rng.randint(2, 5)
            blocks.append(heading(rng, size))
            left -= size
        section += 1
        for _ in range(rng.randint(1, 3)):
            if left <= 0:
                break
            size = min(left, rng.randint(35, 90))
            if left - size < 10:
                size = left
            blocks.append(paragraph(rng, size, link_target))
            left -= size
        if left > 30 and rng.random() < 0.4:
            items = []
            for _ in range(rng.randint(3, 5)):
                size = min(left, rng.randint(3, 9))
                if size < 3:
                    break
                items.append("- " + sentence(rng, size)[:-1])
                left -= size
            blocks.append("\n".join(items))
        if left > 40 and rng.random() < 0.25:
            size = rng.randint(10, 25)
            blocks.append("> " + sentence(rng, size))
            left -= size
    return "\n\n".join(blocks) + "\n"


def _header(fields):
    return format_header(fields, keep_empty=True)


def _date(rng):
    moment = FIRST_DATE + timedelta(minutes=rng.randrange(DATE_SPAN_MINUTES))
    return moment.strftime("%Y-%m-%d %H:%M")


def _slug(rng, index):
    words = [rng.choice(WORDS) for _ in range(rng.randint(2, 4))]
    return "-".join(words) + f"-{index:05d}"


def _facet_values(rng, facet):
    values = facet["values"]
    if facet.get("multiple"):
        return ", ".join(rng.sample(values, rng.randint(1, min(3, len(values)))))
    return rng.choice(values)


def plan(posts, seed=DEFAULT_SEED, case_share=CASE_SHARE):
    """The articles of a corpus of `posts` articles: which are cases, their slugs and paths."""
    rng = random.Random(f"{seed}:plan")
    cases = set(rng.sample(range(posts), round(posts * case_share)))
    entries = []
    for index in range(posts):
        slug = _slug(rng, index)
        folder = "cases" if index in cases else "posts"
        entries.append(Entry(f"{folder}/{slug}.md", slug, index in cases))
    return entries


def article_text(rng, entry, targets, tags, people, facets):
    """The full text (header and body) of one generated post or case story."""
    title = sentence(rng, rng.randint(3, 8))[:-1]
    fields = {
        "Title": title,
        "Date": _date(rng),
        "Category": "Cases" if entry.is_case else rng.choice(CATEGORIES),
        "Tags": ", ".join(rng.sample(tags, rng.randint(*TAGS_PER_POST))),
        "Author": rng.choice(people),
        "Summary": sentence(rng, rng.randint(12, 25)),
        "Slug": entry.slug,
    }
    headings = ()
    if entry.is_case:
        outcome = rng.choice(facets["outcome"]["values"])
        size = rng.choice(("regional", "national", "local", "small"))
        fields["Organisation"] = f"a {size} {rng.choice(ORGANISATION_KINDS)}"
        for key, facet in facets.items():
            fields[key.title()] = outcome if key == "outcome" else _facet_values(rng, facet)
        if outcome != "unresolved":  # optional; unresolved cases have no day count
            fields["Days-To-Resolve"] = str(rng.randint(0, 120))
        fields["Lesson"] = sentence(rng, rng.randint(8, 20))
        headings = CASE_HEADINGS

    def link_target(rng):
        index = rng.randrange(len(targets))
        if targets[index] == entry.path:
            index = (index + 1) % len(targets)
        return targets[index] if targets[index] != entry.path else None

    return _header(fields) + body(rng, rng.randint(*WORDS_PER_POST), link_target, headings)


def about_page(rng):
    parts = [
        paragraph(rng, 80),
        "## " + "What you will find here",
        paragraph(rng, 90),
        "## Writing to us",
        paragraph(rng, 60),
    ]
    return _header({"Title": "About", "Slug": "about"}) + "\n\n".join(parts) + "\n"


def generate_corpus(posts, seed=DEFAULT_SEED, facets=None, case_share=CASE_SHARE):
    """{content-relative path: text} for `posts` articles (a `case_share` of them case stories
    in cases/, the rest in posts/) and pages/about.md. Same arguments, same text."""
    facets = facets if facets is not None else default_facets()
    rng = random.Random(f"{seed}:text")
    tags, people = tag_pool(rng), authors()
    entries = plan(posts, seed, case_share)
    targets = [entry.path for entry in entries]
    files = {entry.path: article_text(rng, entry, targets, tags, people, facets) for entry in entries}
    files["pages/about.md"] = about_page(rng)
    return files


def write_corpus(files, content_dir):
    content_dir = Path(content_dir)
    for relative, text in files.items():
        path = content_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content_dir


_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_WORD = re.compile(r"[A-Za-z]+")


def split_source(text):
    """(header lines, body) of a generated file."""
    header, _, rest = text.partition("\n\n")
    return header.splitlines(), rest


def word_count(markdown):
    """Words in a markdown body, not counting link addresses or markup."""
    return len(_WORD.findall(_LINK_TARGET.sub("]", markdown)))


def default_facets():
    """The site's case vocabularies (CASEBOOK_FACETS), for realistic case stories."""
    from servicebook import site

    return site.load_settings()["CASEBOOK_FACETS"]


def edit_sentence(run):
    """The sentence appended to a post for the incremental rebuild (run 0, 1, ...)."""
    return sentence(random.Random(f"edit:{run}"), 12)
