"""steady_templates: a template is compiled once per process and environment setup, and
again when its source changes; the pages are the same as without the cache."""

import os
import shutil
from collections import Counter

import jinja2
import pytest
from jinja2 import DictLoader, Environment

from helpers import build_small_site, daily_posts
from steady_templates import steady_templates


@pytest.fixture
def compiled(monkeypatch):
    """The names of the templates Jinja compiles, in order, with a new process cache."""
    names = []
    compile_ = Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return compile_(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(Environment, "compile", counting)
    monkeypatch.setattr(steady_templates, "PROCESS_CACHE", steady_templates.ProcessBytecodeCache())
    return names


def environment(templates, **options):
    env = Environment(loader=DictLoader(templates), **options)
    env.bytecode_cache = steady_templates.PROCESS_CACHE
    return env


def test_a_template_is_compiled_once_for_every_environment_set_up_alike(compiled):
    templates = {"page.html": "{% for x in items %}<{{ x|upper }}>{% endfor %}"}
    first = environment(templates, trim_blocks=True).get_template("page.html").render(items=["a", "b"])
    second = environment(templates, trim_blocks=True).get_template("page.html").render(items=["a", "b"])
    assert first == second == "<A><B>"
    assert compiled == ["page.html"]


def test_a_changed_source_or_other_options_compile_again(compiled):
    templates = {"page.html": "{% if x %}\n{{ x }}\n{% endif %}"}
    assert environment(templates).get_template("page.html").render(x=1) == "\n1\n"
    # Another syntax option compiles to other code (here, other whitespace).
    assert environment(templates, trim_blocks=True).get_template("page.html").render(x=1) == "1\n"
    templates["page.html"] = "[{{ x }}]"
    assert environment(templates).get_template("page.html").render(x=1) == "[1]"
    assert compiled == ["page.html"] * 3


def test_a_filter_no_longer_there_is_reported_as_without_the_cache(compiled):
    templates = {"page.html": "{{ x|shout }}"}
    with_filter = environment(templates)
    with_filter.filters["shout"] = lambda value: f"{value}!"
    assert with_filter.get_template("page.html").render(x="hi") == "hi!"
    with pytest.raises(jinja2.TemplateAssertionError, match="shout"):
        environment(templates).get_template("page.html")


def test_a_rebuild_compiles_no_template_and_writes_the_same_pages(tmp_path, compiled):
    files = daily_posts(3, lambda i: f"Body {i}.")
    build_small_site(tmp_path, files)
    assert compiled, "the first build compiles the theme"
    pages = {path: path.read_bytes() for path in (tmp_path / "output").rglob("*.html")}
    compiled.clear()
    build_small_site(tmp_path, files, RENDER_CACHE=False)
    assert compiled == []
    assert {path: path.read_bytes() for path in (tmp_path / "output").rglob("*.html")} == pages


def test_a_build_loads_each_template_once_and_the_next_build_sees_a_changed_one(tmp_path, monkeypatch):
    from servicebook.site import ROOT

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    files = daily_posts(12, lambda i: f"Body {i}.")
    looked = []
    getmtime = os.path.getmtime

    def noted(path):
        looked.append(path)
        return getmtime(path)

    monkeypatch.setattr(os.path, "getmtime", noted)
    build_small_site(tmp_path, files, THEME=str(theme), RENDER_CACHE=False)
    templates = [path for path in looked if str(path).startswith(str(theme / "templates"))]
    # Once per environment that loads it (the articles', the pages' ...), not once per page.
    assert max(Counter(templates).values()) <= 4
    index = theme / "templates" / "index.html"
    index.write_text(index.read_text().replace("Latest stories", "Newest stories"))
    build_small_site(tmp_path, files, THEME=str(theme), RENDER_CACHE=False)
    assert "Newest stories" in (tmp_path / "output" / "index.html").read_text()
