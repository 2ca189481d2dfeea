"""Moved posts keep their readers: the old addresses in `Aliases:` get redirect pages and
`_redirects` lines; an address that is not the site's is a warning, a collision stops the build."""

from types import SimpleNamespace

import pytest

from aliases.aliases import (
    Redirect,
    alias_path,
    collisions,
    output_file,
    parse_aliases,
    plan_redirects,
    redirect_lines,
)
from helpers import SETTINGS, build_small_site, parse_html, post, problem_lines
from servicebook import output_checks, site

PUBLIC = "https://servicebook.example"


def with_aliases(plugins):
    """The site's plugins with this one, where it goes: after the content plugins."""
    plugins = list(plugins)
    if "aliases" not in plugins:
        plugins.insert(plugins.index("reading_time") + 1, "aliases")
    return plugins


PLUGINS = with_aliases(SETTINGS["PLUGINS"])


# Pure parts


@pytest.mark.parametrize(
    "address, site_url, expected",
    [
        ("/2019/old-slug/", "", "/2019/old-slug/"),
        (" /blog/2019/05/old-post.html ", "", "/blog/2019/05/old-post.html"),
        ("/old", "", "/old"),
        ("/", "", "/"),
        ("https://servicebook.example/2019/old/", PUBLIC, "/2019/old/"),
        ("http://SERVICEBOOK.example", PUBLIC, "/"),
        ("//servicebook.example/old.htm", PUBLIC, "/old.htm"),
        ("/café/", "", "/caf%C3%A9/"),
        ("/caf%C3%A9/", "", "/caf%C3%A9/"),
        ("https://servicebook.example/blog/2019/old/", PUBLIC + "/blog", "/2019/old/"),
    ],
)
def test_an_old_address_is_reduced_to_its_site_path(address, site_url, expected):
    assert alias_path(address, site_url) == expected


def test_other_hosts_of_the_site_are_named_in_a_setting():
    assert alias_path("https://www.servicebook.example/old/", PUBLIC, ["www.servicebook.example"]) == "/old/"
    assert alias_path("https://servicebook.example/old/", "", ["servicebook.example"]) == "/old/"


@pytest.mark.parametrize(
    "address, site_url, says",
    [
        ("", PUBLIC, "an empty address"),
        ("/old post/", PUBLIC, "has a space in it"),
        ("/?p=12", PUBLIC, "has a ? or #"),
        ("/old/#top", PUBLIC, "has a ? or #"),
        ("mailto:editors@servicebook.example", PUBLIC, "is not a web address"),
        ("2019/old/", PUBLIC, "does not start with /: skipped; give the path from the site's root: /2019/old/"),
        ("https://elsewhere.example/x/", PUBLIC, "is on another host (elsewhere.example), not this site"),
        ("//elsewhere.example/x/", PUBLIC, "is on another host (elsewhere.example)"),
        ("https://servicebook.example/x/", "", "add servicebook.example to ALIASES_HOSTS"),
        ("https://servicebook.example/other/x/", PUBLIC + "/blog", "is outside this site"),
        ("/a/../b/", PUBLIC, "has a . or .."),
        ("/a/%2e%2e/b/", PUBLIC, "has a . or .."),
    ],
)
def test_an_address_that_is_not_the_sites_says_why(address, site_url, says):
    with pytest.raises(ValueError) as error:
        alias_path(address, site_url)
    assert says in str(error.value)


def test_aliases_are_separated_by_commas_once_each_and_bad_ones_reported():
    paths, messages = parse_aliases("/a/, https://servicebook.example/a/, , /b.html, ftp://x/", PUBLIC)
    assert paths == ["/a/", "/b.html"]
    assert len(messages) == 2 and "an empty address" in messages[0] and "not a web address" in messages[1]
    assert parse_aliases(["/a/", "/b/"]) == (["/a/", "/b/"], [])  # the field given twice


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/", "index.html"),
        ("/2019/old-slug/", "2019/old-slug/index.html"),
        ("/2019/old-slug", "2019/old-slug/index.html"),
        ("/blog/2019/05/old-post.html", "blog/2019/05/old-post.html"),
        ("/old.HTM", "old.HTM"),
        ("/caf%C3%A9/", "café/index.html"),
    ],
)
def test_an_old_address_is_written_where_a_static_host_looks_for_it(path, expected):
    assert output_file(path) == expected


def redirect(old, target="2024/new/", source="content/posts/new.md", line=3):
    return Redirect(old, output_file(old), target, "New", "en", source, line)


def test_redirect_lines_are_the_paths_a_browser_asks_for_sorted():
    redirects = [redirect("/z/", "2024/a/"), redirect("/2019/old-slug/", "2024/new-slug/"), redirect("/a.html")]
    assert redirect_lines(redirects) == [
        "/2019/old-slug/ /2024/new-slug/ 301",
        "/a.html /2024/new/ 301",
        "/z/ /2024/a/ 301",
    ]
    assert redirect_lines([redirect("/old/")], PUBLIC + "/blog/") == ["/blog/old/ /blog/2024/new/ 301"]
    assert redirect_lines([]) == []


def content(tmp_path, name, aliases, save_as, url):
    """A stand-in for a Pelican post read from content/posts/`name`."""
    source = tmp_path / "content" / "posts" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(f"Title: {name}\nDate: 2024-01-02\nAliases: {aliases}\n\nBody.\n", encoding="utf-8")
    metadata = {"aliases": aliases}
    return SimpleNamespace(metadata=metadata, source_path=str(source), save_as=save_as, url=url, title=name, lang="en")


def plan_settings(tmp_path):
    return {"SITEURL": PUBLIC, "ALIASES_HOSTS": [], "PATH": str(tmp_path / "content")}


def test_a_plan_has_one_redirect_per_old_address_and_warns_with_file_and_line(tmp_path):
    contents = [
        content(tmp_path, "a.md", "/old-a/, /old-a, https://elsewhere.example/x/", "2024/a/index.html", "2024/a/"),
        content(tmp_path, "b.md", "/b.html", "2024/b/index.html", "2024/b/"),
    ]
    redirects, problems = plan_redirects(contents, plan_settings(tmp_path))
    assert [(r.old, r.save_as, r.target_url, r.source, r.line) for r in redirects] == [
        ("/b.html", "b.html", "2024/b/", "content/posts/b.md", 3),
        ("/old-a/", "old-a/index.html", "2024/a/", "content/posts/a.md", 3),
    ]
    assert [(str(p), p.severity) for p in problems] == [
        (
            "content/posts/a.md:3: Aliases: 'https://elsewhere.example/x/' is on another host (elsewhere.example), "
            "not this site (servicebook.example): skipped; an address elsewhere can only be redirected there",
            "warning",
        )
    ]


def test_a_plan_refuses_a_posts_own_address_and_an_address_two_posts_give(tmp_path):
    contents = [
        content(tmp_path, "a.md", "/2024/a/, /old/", "2024/a/index.html", "2024/a/"),
        content(tmp_path, "b.md", "/old/", "2024/b/index.html", "2024/b/"),
    ]
    redirects, problems = plan_redirects(contents, plan_settings(tmp_path))
    assert redirects == []
    assert {str(p) for p in problems} == {
        "content/posts/a.md:3: Aliases: /2024/a/ is this post's own address; remove it",
        "content/posts/a.md:3: Aliases: /old/ is also an old address (Aliases:) of content/posts/b.md:3; "
        "keep it in one of them",
        "content/posts/b.md:3: Aliases: /old/ is also an old address (Aliases:) of content/posts/a.md:3; "
        "keep it in one of them",
    }
    assert {p.severity for p in problems} == {"error"}


def test_a_redirect_over_a_page_the_site_makes_is_an_error():
    (problem,) = collisions([redirect("/404.html"), redirect("/fine/")], {"404.html": "the page made from 404.html"})
    assert str(problem) == (
        "content/posts/new.md:3: Aliases: /404.html would be written over 404.html, "
        "which is the page made from 404.html; remove it"
    )
    assert problem.severity == "error"


# Built sites

FILES = {
    "posts/new.md": post(
        "New home",
        "Words about billing.",
        slug="new-slug",
        tags="billing",
        Aliases="/2019/old-slug/, https://servicebook.example/blog/2019/05/old-post.html, https://elsewhere.example/x/",
    ),
    "posts/other.md": post("Other", "Other words.", slug="other"),
    "pages/about.md": "Title: About\nAliases: /about-us/\n\nUs.\n",
}
OLD_PAGES = {
    "2019/old-slug/index.html": "2024/new-slug/",
    "blog/2019/05/old-post.html": "2024/new-slug/",
    "about-us/index.html": "about/",
}
REDIRECTS = (
    "/2019/old-slug/ /2024/new-slug/ 301\n/about-us/ /about/ 301\n/blog/2019/05/old-post.html /2024/new-slug/ 301\n"
)


@pytest.fixture(scope="module")
def dev_site(tmp_path_factory):
    # The dev build's SITEURL is empty: the public host is named for full URLs.
    tmp_path = tmp_path_factory.mktemp("aliases-dev")
    return build_small_site(tmp_path, FILES, PLUGINS=PLUGINS, ALIASES_HOSTS=["servicebook.example"])


@pytest.fixture(scope="module")
def public_site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("aliases-public")
    return build_small_site(tmp_path, FILES, settings_file=site.PUBLISHCONF, PLUGINS=PLUGINS)


def assert_redirects_to(page, target):
    assert page.html["lang"] == "en" and len(page.find_all("h1")) == 1
    assert page.find("meta", attrs={"http-equiv": "refresh"})["content"] == f"0; url={target}"
    assert page.find("link", rel="canonical")["href"] == target
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert [a["href"] for a in page.select("main a")] == [target]
    assert "default-src 'self'" in page.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert not page.find("script") and not page.find("style") and not page.find(style=True)


def test_each_old_address_has_a_page_leading_to_the_new_one(dev_site):
    for old, new in OLD_PAGES.items():
        assert_redirects_to(parse_html(dev_site.output_path / old), f"/{new}")
    assert (dev_site.output_path / "_redirects").read_text(encoding="utf-8") == REDIRECTS


def test_the_site_with_redirects_passes_the_output_checks(dev_site):
    output = dev_site.output_path
    assert output_checks.check_links(output)[1] == []
    assert output_checks.check_html(output)[1] == []
    assert output_checks.check_page_safety(output)[1] == []


def test_redirects_are_not_in_the_sitemap(dev_site):
    sitemap = (dev_site.output_path / "sitemap.xml").read_text(encoding="utf-8")
    assert "2024/new-slug/" in sitemap and "old" not in sitemap and "about-us" not in sitemap


def test_an_address_on_another_host_is_a_warning_with_file_and_line_and_skipped(dev_site):
    assert problem_lines(dev_site) == [
        "content/posts/new.md:5: Aliases: 'https://elsewhere.example/x/' is on another host (elsewhere.example), "
        "not this site (servicebook.example): skipped; an address elsewhere can only be redirected there"
    ]
    assert not (dev_site.output_path / "x").exists()
    assert "elsewhere" not in (dev_site.output_path / "_redirects").read_text(encoding="utf-8")


def test_the_public_site_redirects_to_absolute_addresses(public_site):
    output = public_site.output_path
    for old, new in OLD_PAGES.items():
        assert_redirects_to(parse_html(output / old), f"{PUBLIC}/{new}")
    assert (output / "_redirects").read_text(encoding="utf-8") == REDIRECTS
    assert output_checks.check_links(output, PUBLIC)[1] == []
    assert output_checks.check_page_safety(output, PUBLIC)[1] == []


def failed_build(tmp_path, files, **overrides):
    with pytest.raises(site.BuildFailed) as error:
        build_small_site(tmp_path, files, PLUGINS=PLUGINS, **overrides)
    return str(error.value)


def test_an_old_address_that_is_another_posts_address_stops_the_build(tmp_path):
    message = failed_build(
        tmp_path,
        {
            "posts/new.md": post("New", "Words.", slug="new", Aliases="/2024/other/"),
            "posts/other.md": post("Other", "Words.", slug="other"),
        },
    )
    assert (
        "content/posts/other.md: Slug: would be written to 2024/other/index.html, "
        "which is the old address (Aliases:) of content/posts/new.md"
    ) in message


def test_an_old_address_two_posts_give_stops_the_build(tmp_path):
    message = failed_build(
        tmp_path,
        {
            "posts/a.md": post("A", "Words.", slug="a", Aliases="/old/"),
            "posts/b.md": post("B", "Words.", slug="b", Aliases="https://servicebook.example/old"),
        },
        ALIASES_HOSTS=["servicebook.example"],
    )
    assert "content/posts/a.md:4: Aliases: /old/ is also an old address (Aliases:) of content/posts/b.md:4" in message
    assert "content/posts/b.md:4: Aliases: /old is also an old address (Aliases:) of content/posts/a.md:4" in message
    assert not (tmp_path / "output" / "old").exists()


def test_a_posts_own_address_as_an_old_one_stops_the_build(tmp_path):
    message = failed_build(tmp_path, {"posts/a.md": post("A", "Words.", slug="a", Aliases="/2024/a/")})
    assert "content/posts/a.md:4: Aliases: /2024/a/ is this post's own address; remove it" in message


def test_an_old_address_over_a_page_the_site_makes_stops_the_build(tmp_path):
    message = failed_build(tmp_path, {"posts/a.md": post("A", "Words.", slug="a", Aliases="/404.html")})
    assert "content/posts/a.md:4: Aliases: /404.html would be written over 404.html" in message
    message = failed_build(
        tmp_path / "tag", {"posts/a.md": post("A", "Words.", slug="a", tags="billing", Aliases="/tag/billing/")}
    )
    assert "content/posts/a.md:5: Aliases: /tag/billing/ would be written over tag/billing/index.html" in message


def test_a_site_without_aliases_has_no_redirects_file(tmp_path):
    output = build_small_site(tmp_path, {"posts/a.md": post("A", "Words.", slug="a")}, PLUGINS=PLUGINS).output_path
    assert (output / "2024/a/index.html").exists() and not (output / "_redirects").exists()


def test_a_child_theme_changes_the_redirect_page(tmp_path):
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "redirect.html").write_text(
        '<!doctype html><html lang="en"><title>x</title><h1>Gone to {{ redirect.target_url }}</h1></html>',
        encoding="utf-8",
    )
    output = build_small_site(
        tmp_path,
        {"posts/a.md": post("A", "Words.", slug="a", Aliases="/old/")},
        PLUGINS=PLUGINS,
        THEME_TEMPLATES_OVERRIDES=[str(overrides)],
    ).output_path
    assert parse_html(output / "old/index.html").h1.get_text() == "Gone to 2024/a/"


def test_checking_addresses_leaves_an_attach_link_free_to_move_its_file(tmp_path):
    # The check reads where every static file goes; Pelican lets {attach} move a file only
    # while nothing has read its location.
    files = {
        "posts/a.md": post("A", "The [figures]({attach}../images/figures.csv).", slug="a", Aliases="/old/"),
        "images/figures.csv": "a,b\n1,2\n",
    }
    result = build_small_site(tmp_path, files)
    assert (result.output_path / "2024" / "a" / "figures.csv").exists()
    assert not [line for line in problem_lines(result) if "{attach}" in line]
