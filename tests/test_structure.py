"""The shape of the code: plugins that stand alone, shared code in the servicebook package,
settings declared once, no sys.path edits, modules of a size one can read, a theme a child
theme can override."""

import ast
import importlib
import re

from helpers import ROOT, SETTINGS, build_small_site, html_pages, parse_html, post
from servicebook import output_checks

PLUGINS = sorted(path.name for path in (ROOT / "plugins").iterdir() if (path / "__init__.py").exists())
PRODUCT_FILES = sorted(
    path
    for folder in ("servicebook", "plugins")
    for path in (ROOT / folder).rglob("*.py")
    if "__pycache__" not in path.parts
) + [ROOT / "tasks.py", ROOT / "pelicanconf.py", ROOT / "publishconf.py"]
# A module one can read in a sitting.
MOST_LINES = 450


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def test_no_plugin_imports_another():
    for plugin in PLUGINS:
        for path in (ROOT / "plugins" / plugin).rglob("*.py"):
            others = set(imported_modules(path)) & (set(PLUGINS) - {plugin})
            assert not others, f"{path.relative_to(ROOT)} imports the plugin(s) {sorted(others)}"


def test_the_servicebook_package_imports_no_plugin():
    for path in (ROOT / "servicebook").rglob("*.py"):
        assert not set(imported_modules(path)) & set(PLUGINS), path.relative_to(ROOT)


def test_no_file_outside_the_tests_edits_sys_path():
    for path in PRODUCT_FILES:
        assert "sys.path" not in path.read_text(encoding="utf-8"), path.relative_to(ROOT)


def test_no_product_module_is_too_long_to_read():
    lengths = {path.relative_to(ROOT): len(path.read_text(encoding="utf-8").splitlines()) for path in PRODUCT_FILES}
    assert {path: n for path, n in lengths.items() if n > MOST_LINES} == {}


def test_plugin_settings_are_declared_once_and_read_with_brackets():
    for plugin in PLUGINS:
        module = importlib.import_module(plugin)
        for key in getattr(module, "DEFAULTS", {}):
            assert key in SETTINGS, key  # applied by load_settings, as by a build
            for path in (ROOT / "plugins" / plugin).rglob("*.py"):
                text = path.read_text(encoding="utf-8")
                assert f'.get("{key}"' not in text, f"{path.relative_to(ROOT)} reads {key} with a fallback of its own"


def test_every_url_in_the_theme_comes_from_the_settings(tmp_path):
    moved = {
        "TAGS_URL": "topics/",
        "TAGS_SAVE_AS": "topics/index.html",
        "ARCHIVES_URL": "past/",
        "ARCHIVES_SAVE_AS": "past/index.html",
        "CATEGORIES_URL": "sections/",
        "CATEGORIES_SAVE_AS": "sections/index.html",
        "AUTHORS_URL": "writers/",
        "AUTHORS_SAVE_AS": "writers/index.html",
        "SEARCH_URL": "find/",
        "SEARCH_SAVE_AS": "find/index.html",
        "THEME_STATIC_DIR": "static",
        "SEARCH_INDEX_DIR": "search-index",
        "MENUITEMS": (("Topics", "topics/"),),
    }
    files = {
        "posts/a.md": post("A", "Words about billing.", slug="a", tags="billing"),
        "pages/about.md": "Title: About\n\nUs.\n",
    }
    output = build_small_site(tmp_path, files, **moved).output_path
    assert output_checks.check_links(output)[1] == []
    for old in ("/tags/", "/archives/", "/categories/", "/authors/", "/search/", "/theme/", "/pagefind/"):
        for page in html_pages(output):
            assert f'"{old}' not in page.read_text(encoding="utf-8"), (old, page)
    search = parse_html(output / "find/index.html")
    assert search.select_one("pagefind-config")["bundle-path"] == "/search-index/"
    assert (output / "search-index" / "pagefind-entry.json").exists()


def test_a_child_theme_overrides_a_block_and_keeps_the_rest(tmp_path):
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "base.html").write_text(
        '{% extends "!theme/base.html" %}{% block footer %}<footer class="child">Our own footer</footer>{% endblock %}',
        encoding="utf-8",
    )
    output = build_small_site(
        tmp_path, {"posts/a.md": post("A", "Words.", slug="a")}, THEME_TEMPLATES_OVERRIDES=[str(overrides)]
    ).output_path
    page = parse_html(output / "2024/a/index.html")
    assert page.select_one("footer.child").get_text() == "Our own footer" and not page.select("footer.site-footer")
    assert page.select_one("header.site-header nav") and page.select_one("article h1").get_text() == "A"
    assert re.search(r"Search", page.select_one("form.search-box").get_text())


def test_publishconf_is_pelicanconf_with_its_own_changes():
    from servicebook import site

    local, public = site.load_settings(), site.load_settings(site.PUBLISHCONF)
    changed = {key for key in set(local) | set(public) if local.get(key) != public.get(key)}
    # RELATIVE_URLS is False in both (publishconf says so again, for clarity).
    assert changed == {
        "SITEURL",
        "FEED_DOMAIN",
        "OUTPUT_PATH",
        "DELETE_OUTPUT_DIRECTORY",
        "PROBLEMS_PANEL",
        "DRAFT_SAVE_AS",
        "DRAFT_URL",
        "CACHE_CONTENT",
        "LOAD_CONTENT_CACHE",
        "DEPLOY_TO",
    }
