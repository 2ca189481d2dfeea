"""Reading time per article, in whole minutes.

Settings: READING_WORDS_PER_MINUTE (DEFAULTS). Hand-written rather than `pelican-readtime`:
that package is unmaintained since 2019 and this is a dozen lines.
"""

import functools
import math
import re

from pelican import signals

from servicebook.plugin_settings import declare
from servicebook.signals import content_refreshed

DEFAULTS = {"READING_WORDS_PER_MINUTE": 220}

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


# make serve keeps the text of every unchanged post from one build to the next
# (servicebook.kept_content): its words are counted once, not on every rebuild.
@functools.lru_cache(maxsize=1 << 14)
def word_count(html):
    return len(_WORD.findall(_TAG.sub(" ", html)))


def reading_minutes(html, words_per_minute=DEFAULTS["READING_WORDS_PER_MINUTE"]):
    """At least one minute; rounded up so a 230-word post reads as 2 minutes, not 1."""
    return max(1, math.ceil(word_count(html) / words_per_minute))


def add_reading_time(generator):
    words_per_minute = generator.settings["READING_WORDS_PER_MINUTE"]
    for article in generator.articles + generator.drafts:
        # The HTML as read: `content` would also resolve internal links, which only change
        # what is inside tags, and which a rebuild need not do for pages it reuses.
        article.reading_minutes = reading_minutes(article._content or "", words_per_minute)


def refresh_reading_time(content, context=None):
    """content_refreshed: a post re-read alone (make serve's quick page) gets its new time."""
    if hasattr(content, "reading_minutes"):
        content.reading_minutes = reading_minutes(content._content or "", content.settings["READING_WORDS_PER_MINUTE"])


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)


def register():
    signals.initialized.connect(declare_settings)
    signals.article_generator_finalized.connect(add_reading_time)
    content_refreshed.connect(refresh_reading_time)
