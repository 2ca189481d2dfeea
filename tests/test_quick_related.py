"""Related posts kept between builds are what pelican-related-posts works out for every build."""

import random
from collections import defaultdict
from types import SimpleNamespace

import pytest
from pelican.plugins.related_posts.related_posts import add_related_posts

from helpers import build_small_site, parse_html, post
from quick_related import quick_related

TAGS = [f"t{n}" for n in range(8)]


class Article:  # no equality but identity, as Pelican's
    def __init__(self, source_path, tags, **more):
        self.source_path = source_path
        if tags is not None:
            self.tags = list(tags)
        vars(self).update(more)


def site_of(sources, drafts=(), settings=None):
    """A generator as the plugin sees it, with new objects (as each build makes): `sources`
    {path: tags} in order; Pelican lists each tag's articles in the articles' order."""
    articles = [Article(path, tags) for path, tags in sources.items()]
    tags = defaultdict(list)
    for article in articles:
        for tag in getattr(article, "tags", []):
            tags[tag].append(article)
    return SimpleNamespace(
        settings={"RELATED_POSTS_MAX": 3, **(settings or {})},
        articles=articles,
        drafts=[Article(path, tags) for path, tags in drafts],
        tags=tags,
    )


def related(generator):
    return {
        content.source_path: [other.source_path for other in content.related_posts]
        for content in [*generator.articles, *generator.drafts]
        if hasattr(content, "related_posts")
    }


def a_change(rng, sources, step):
    """One edit of a site's sources: a post added, deleted, re-tagged or moved in the order."""
    sources = dict(sources)
    kind = rng.choice(["add", "delete", "retag", "move"] if sources else ["add"])
    if kind == "add":
        sources[f"new-{step}.md"] = rng.sample(TAGS, rng.randint(0, 3))
    elif kind == "delete":
        del sources[rng.choice(list(sources))]
    elif kind == "retag":
        sources[rng.choice(list(sources))] = rng.sample(TAGS, rng.randint(0, 3))
    else:
        path = rng.choice(list(sources))
        tags = sources.pop(path)
        items = list(sources.items())
        items.insert(rng.randint(0, len(items)), (path, tags))
        sources = dict(items)
    return sources


@pytest.mark.parametrize("seed", range(12))
def test_every_build_relates_what_the_plugin_relates_after_any_edits(seed):
    rng = random.Random(seed)
    sources = {f"p{n}.md": rng.sample(TAGS, rng.randint(0, 3)) for n in range(rng.randint(1, 25))}
    drafts = [("draft.md", ["t1", "only-in-a-draft"])]
    kept = quick_related.KeptRelations()
    for step in range(15):
        expected, ours = site_of(sources, drafts), site_of(sources, drafts)
        add_related_posts(expected)
        kept.add_related_posts(ours)
        assert related(ours) == related(expected)
        assert dict(ours.tags).keys() == dict(expected.tags).keys()
        sources = a_change(rng, sources, step)


def test_only_the_posts_that_share_a_changed_tag_are_scored_again(monkeypatch):
    sources = {f"p{n}.md": [TAGS[n % 4], TAGS[4 + n % 3]] for n in range(12)}
    kept = quick_related.KeptRelations()
    kept.add_related_posts(site_of(sources))
    scored = []

    def scoring(generator):
        scored.extend(content.source_path for content in generator.articles)
        add_related_posts(generator)

    monkeypatch.setattr(quick_related, "add_related_posts", scoring)
    kept.add_related_posts(site_of(sources))
    assert scored == []
    sources["p0.md"] = ["t0", "t7"]
    generator = site_of(sources)
    kept.add_related_posts(generator)
    # p0 itself; t7 gained p0 and t4 lost it (t0 lists the same posts).
    assert sorted(scored) == sorted(path for path, tags in sources.items() if {"t4", "t7"} & {*tags} or path == "p0.md")
    expected = site_of(sources)
    add_related_posts(expected)
    assert related(generator) == related(expected)


@pytest.mark.parametrize(
    "settings, forced",
    [({"RELATED_POSTS_SKIP_SAME_CATEGORY": True}, False), ({}, True)],
    ids=["skipping a category", "related posts named in a header"],
)
def test_a_site_the_sources_cannot_key_is_scored_whole(monkeypatch, settings, forced):
    sources = {f"p{n}.md": ["t0"] for n in range(4)}
    kept = quick_related.KeptRelations()
    whole = []
    monkeypatch.setattr(quick_related, "add_related_posts", whole.append)
    for _ in range(2):
        generator = site_of(sources, settings=settings)
        if forced:
            generator.articles[0].related_posts = "p1"
        kept.add_related_posts(generator)
        assert whole[-1] is generator
    assert len(whole) == 2


def test_two_contents_of_one_source_are_scored_whole(monkeypatch):
    generator = site_of({"p0.md": ["t0"], "p1.md": ["t0"]})
    twin = Article("p0.md", ["t0"])
    generator.articles.append(twin)
    generator.tags["t0"].append(twin)
    whole = []
    monkeypatch.setattr(quick_related, "add_related_posts", whole.append)
    quick_related.KeptRelations().add_related_posts(generator)
    assert whole == [generator]


def test_a_rebuilt_site_shows_the_posts_a_re_tag_relates(tmp_path):
    files = {
        "posts/a.md": post("Alpha", "Words.", tags="red, blue", slug="a"),
        "posts/b.md": post("Beta", "Words.", tags="red", slug="b", date="2024-01-03 10:00"),
        "posts/c.md": post("Gamma", "Words.", tags="green", slug="c", date="2024-01-04 10:00"),
    }

    def related_titles(result, slug):
        page = parse_html(next(result.output_path.rglob(f"{slug}/index.html")))
        section = page.find("aside", class_="related")
        return sorted(link.get_text(" ", strip=True) for link in section.find_all("a")) if section else []

    result = build_small_site(tmp_path, files)
    assert related_titles(result, "c") == []
    assert related_titles(result, "a") == ["Beta"]
    files["posts/c.md"] = post("Gamma", "Words.", tags="green, blue", slug="c", date="2024-01-04 10:00")
    result = build_small_site(tmp_path, files)
    assert related_titles(result, "c") == ["Alpha"]
    assert related_titles(result, "a") == ["Beta", "Gamma"]
