"""Related posts worked out again only for the articles whose scores could have changed.

pelican-related-posts scores every article against every other that shares a tag with it
(`Counter` over the lists of its tags, then the five best): 0.25 s of every build at 5,000
posts, and `make serve` scored it all again after every save. An article's related posts
depend only on the lists of its tags, in order (the tie between two equal scores goes to the
one listed first), and on which article it is: the same lists give the same posts. So each
article's related posts are kept for the next build of the process, by its source and the
lists of its tags (as the sources of their articles, in order); an article whose lists are
as they were gets its related posts again as this build's objects of the same sources, and
the others (a new post's tags, a re-tagged post's old and new tags) are scored by
pelican-related-posts itself. A site whose articles name their related posts themselves, or
that skips posts of the same category (RELATED_POSTS_SKIP_SAME_CATEGORY), is scored whole,
as is a build in which two contents share a source.
"""

from itertools import chain
from types import SimpleNamespace

from pelican import signals
from pelican.plugins.related_posts.related_posts import add_related_posts


class KeptRelations:
    """The last build's related posts, by source: (the lists they were scored from, their sources)."""

    def __init__(self):
        self.related = {}
        self.lists = {}

    def add_related_posts(self, generator):
        """article_generator_finalized: pelican-related-posts' `add_related_posts`, done again
        only where the lists an article is scored from changed."""
        settings = generator.settings
        contents = list(chain(generator.articles, generator.drafts))
        if settings.get("RELATED_POSTS_SKIP_SAME_CATEGORY", False) or any(
            hasattr(content, "related_posts") for content in contents
        ):
            self.related, self.lists = {}, {}
            return add_related_posts(generator)
        most = settings.get("RELATED_POSTS_MAX", 5)
        lists, by_source, listed = {}, {}, set()
        keys, kept, scored = {}, [], []
        for content in contents:
            if not hasattr(content, "tags"):
                continue
            # Looked up as the plugin does (a defaultdict: a draft's own tag gets an empty list).
            key = (most, tuple(self._sources(generator.tags[tag], lists, by_source, listed) for tag in content.tags))
            keys[content.source_path] = content, key
            last = self.related.get(content.source_path)
            if last is not None and last[0] == key:
                kept.append((content, last[1]))
            else:
                scored.append(content)
        if len(by_source) != len(listed) or len(keys) != len(scored) + len(kept):
            # Two contents of one source: the sources cannot tell them apart.
            self.related, self.lists = {}, {}
            return add_related_posts(generator)
        for content, sources in kept:
            content.related_posts = [by_source[source] for source in sources]
        add_related_posts(SimpleNamespace(settings=settings, tags=generator.tags, articles=scored, drafts=[]))
        self.related = {
            source: (key, tuple(other.source_path for other in content.related_posts))
            for source, (content, key) in keys.items()
        }
        self.lists = {signature: signature for signature in lists.values()}

    def _sources(self, articles, lists, by_source, listed):
        """The sources of a tag's `articles`, in order: the same tuple as the last build's when
        they are the same (so keys compare by identity)."""
        if id(articles) not in lists:
            signature = tuple(article.source_path for article in articles)
            lists[id(articles)] = self.lists.get(signature, signature)
            for article in articles:
                by_source[article.source_path] = article
                listed.add(id(article))
        return lists[id(articles)]


KEPT = KeptRelations()


def register():
    signals.article_generator_finalized.connect(KEPT.add_related_posts)
