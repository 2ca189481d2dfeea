"""Reading time per article, in whole minutes.

Hand-written rather than `pelican-readtime`: that package is unmaintained since 2019 and
this is a dozen lines.
"""

import math
import re

from pelican import signals

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


def word_count(html):
    return len(_WORD.findall(_TAG.sub(" ", html)))


def reading_minutes(html, words_per_minute=220):
    """At least one minute; rounded up so a 230-word post reads as 2 minutes, not 1."""
    return max(1, math.ceil(word_count(html) / words_per_minute))


def add_reading_time(generator):
    words_per_minute = generator.settings.get("READING_WORDS_PER_MINUTE", 220)
    for article in generator.articles + generator.drafts:
        # The HTML as read: `content` would also resolve internal links, which only change
        # what is inside tags, and which a rebuild need not do for pages it reuses.
        article.reading_minutes = reading_minutes(article._content or "", words_per_minute)


def register():
    signals.article_generator_finalized.connect(add_reading_time)
