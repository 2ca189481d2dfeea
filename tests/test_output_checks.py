"""`invoke check`'s checks: green on the sample site, and each able to fail."""

import functools
import json
import re

import pytest

from servicebook import output_checks
from servicebook.accessibility import axe_violations, csp_violations

pytest_plugins = ["browser_fixtures"]

CSP = (
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; script-src 'self' "
    "'wasm-unsafe-eval'; object-src 'none'\">"
)


def page(body, head=CSP, lang="en"):
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta '
        f'charset="utf-8">{head}<title>t</title></head><body>{body}</body></html>'
    )


def write(folder, files):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def test_the_sample_site_passes_every_static_check(built_site):
    report = output_checks.check_output(built_site.output_path)
    assert report.ok, report.summary()
    assert report.counts["links"] > 1000 and report.counts["feeds"] > 50 and report.counts["html pages"] > 50


def test_links_and_fragments_must_resolve(tmp_path):
    write(
        tmp_path,
        {
            "index.html": page(
                '<h1>x</h1><a href="/a/">a</a> <a href="/a/#here">ok</a> <a href="/a/#gone">bad</a>'
                ' <a href="/missing/">m</a> <a href="https://example.org/">ext</a> <a href="#top">t</a>'
                ' <img alt="" src="a/index.html" srcset="a/index.html 1x, /big.png 2x"><video poster="p.jpg">'
            ),
            "a/index.html": page('<h1 id="here">a</h1>'),
        },
    )
    count, problems, external = output_checks.check_links(tmp_path)
    assert count == 9
    assert problems == [
        "index.html: '/a/#gone': no element with id 'gone' on that page",
        "index.html: a href='/missing/' points at a missing file",
        "index.html: '#top': no element with id 'top' on that page",
        "index.html: img srcset='/big.png' points at a missing file",
        "index.html: video poster='p.jpg' points at a missing file",
    ]
    assert external == ["https://example.org/"]


def test_html_structure_problems_are_found(tmp_path):
    write(
        tmp_path,
        {
            "one.html": page("<h1>a</h1><h1>b</h1><img src='x.png'>", lang=""),
            "two.html": page("<p>no heading</p></div>"),
        },
    )
    count, problems = output_checks.check_html(tmp_path)
    assert count == 2
    assert "one.html: 2 <h1> elements, want exactly one" in problems
    assert "one.html: <html> has no lang" in problems
    assert "one.html: <img src='x.png'> has no alt text" in problems
    assert any(p.startswith("two.html: not valid HTML5") for p in problems)


def test_feed_problems_are_found(tmp_path):
    write(
        tmp_path,
        {
            "feeds/bad.atom.xml": "<feed xmlns='http://www.w3.org/2005/Atom'><title>x &</title></feed>",
            "feeds/page.rss.xml": "<html><body>not a feed</body></html>",
            "feeds/bad.json": '{"version": "https://jsonfeed.org/version/1", "title": "t", "items": [{"id": "1"}]}',
        },
    )
    count, problems = output_checks.check_feeds(tmp_path)
    assert count == 3
    assert any(p.startswith("feeds/bad.atom.xml: not well-formed XML") for p in problems)
    assert any(p.startswith("feeds/bad.atom.xml: feedparser: ") for p in problems)
    assert problems.count("feeds/page.rss.xml: feedparser does not recognise it as a feed") == 1
    assert "feeds/bad.json: item 0 lacks id or content" in problems


def test_page_safety_problems_are_found(tmp_path):
    write(
        tmp_path,
        {
            "a.html": page(
                '<h1>a</h1><script src="https://cdn.example/x.js"></script><script>alert(1)</script>'
                '<p style="color:red" onclick="x()">write to someone@example.com</p>'
                '<audio src="https://media.example/a.mp3"></audio><video poster="//media.example/p.jpg"></video>'
                '<embed src="https://media.example/e.swf"><img alt="" src="/ok.png" '
                'srcset="/ok.png 1x, https://img.example/big.png 2x"><a href="https://elsewhere.example/">'
                'a link is fine</a><link rel="alternate" href="https://elsewhere.example/feed">'
            ),
            "b.html": page("<h1>b</h1>", head=""),
            "c.html": page("<h1>c</h1>", head=CSP.replace(" 'wasm-unsafe-eval'", "")),
        },
    )
    _, problems = output_checks.check_page_safety(tmp_path)
    assert problems == [
        "a.html: loads 'https://cdn.example/x.js' from another host",
        "a.html: loads 'https://media.example/a.mp3' from another host",
        "a.html: loads '//media.example/p.jpg' from another host",
        "a.html: loads 'https://media.example/e.swf' from another host",
        "a.html: loads 'https://img.example/big.png' from another host",
        "a.html: inline <script> (the CSP blocks it)",
        "a.html: inline style (the CSP blocks it)",
        "a.html: inline event handler onclick on <p>",
        "b.html: no Content-Security-Policy <meta>",
        "c.html: CSP lacks \"script-src 'self' 'wasm-unsafe-eval'\"",
        "a.html: e-mail address in clear: someone@example.com",
    ]


def test_key_pages_are_real_pages(built_site):
    pages = output_checks.key_pages(built_site.output_path)
    assert len(pages) == 6
    for path in pages:
        target = built_site.output_path / path.split("?")[0].lstrip("/") / "index.html"
        assert target.exists(), path


@pytest.mark.usefixtures("axe")
def test_axe_and_csp_are_clean_on_the_key_pages(built_site, browser):
    report = output_checks.check_in_browser(built_site.output_path, output_checks.CheckReport(), browser=browser)
    assert report.ok, report.summary()
    assert report.counts["accessibility (axe-core)"] == report.counts["accessibility, dark mode (axe-core)"] == 6
    # The sample's pages with images (a case story with a photo and a screenshot, a post with
    # a diagram) fit the page-weight budget.
    assert report.counts["page weight, read to the end (300 KB budget)"] == 2


@pytest.mark.usefixtures("axe")
def test_axe_and_csp_checks_can_fail(tmp_path, browser, serve_folder):
    write(
        tmp_path,
        {
            "bad.html": page(
                '<h1>bad</h1><img src="x.png"><script>window.ran = 1</script><input type="text"><a href="/"></a>'
            ),
        },
    )
    server = serve_folder(tmp_path)
    violations = axe_violations(browser, server.url("/bad.html"))
    assert any(v.startswith("image-alt (critical)") for v in violations), violations
    assert any(v.startswith("link-name (serious)") for v in violations), violations
    assert csp_violations(browser, server.url("/bad.html")) == ["script-src-elem blocked inline"]


@pytest.fixture
def tasks_build_in_tmp(tmp_path, monkeypatch):
    """The invoke tasks as `make` runs them, building the real sample site into tmp_path instead of output/."""
    from servicebook import site

    real_build = site.build
    monkeypatch.setattr(
        site,
        "build",
        lambda *args, **overrides: real_build(
            *args, **{"OUTPUT_PATH": tmp_path / "output", "CACHE_PATH": tmp_path / "cache", **overrides}
        ),
    )
    return tmp_path / "output"


@pytest.fixture
def checks_use_the_tests_browser(monkeypatch, browser, axe):
    """One Playwright per thread: the task's browser checks use the tests' browser."""
    monkeypatch.setattr(
        output_checks, "check_in_browser", functools.partial(output_checks.check_in_browser, browser=browser)
    )


def test_invoke_build_leaves_the_search_index(tasks_build_in_tmp, capsys):
    from invoke import Context

    import tasks

    tasks.build(Context())
    assert re.search(r"^Built \S+ in [\d.]+ s\.$", capsys.readouterr().out, re.M)
    entry = json.loads((tasks_build_in_tmp / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] > 20


@pytest.mark.usefixtures("checks_use_the_tests_browser")
def test_invoke_check_passes_on_the_sample_site_and_prints_counts(tasks_build_in_tmp, capsys):
    from invoke import Context

    import tasks

    tasks.check(Context())  # raises Exit on any problem
    printed = capsys.readouterr().out
    for name in (
        "links",
        "html pages",
        "feeds",
        "page safety",
        "accessibility (axe-core)",
        "accessibility, dark mode (axe-core)",
    ):
        assert re.search(rf"^{re.escape(name)}: [1-9]\d* checked, 0 problem\(s\)$", printed, re.M), name
    assert "external links (listed, not fetched): " in printed


@pytest.mark.usefixtures("checks_use_the_tests_browser")
def test_invoke_check_fails_on_a_problem(tasks_build_in_tmp, monkeypatch, capsys):
    """The task as `make check` runs it: strict build, every check, a summary, exit code 1."""
    from invoke import Context
    from invoke.exceptions import Exit

    import tasks

    real_build = tasks._build

    def build_with_a_broken_link(strict):
        assert strict
        result = real_build(strict=True)
        index = result.output_path / "index.html"
        index.write_text(
            index.read_text(encoding="utf-8").replace("</main>", '<a href="/gone/">x</a></main>'), encoding="utf-8"
        )
        return result

    monkeypatch.setattr(tasks, "_build", build_with_a_broken_link)
    with pytest.raises(Exit) as exited:
        tasks.check(Context())
    assert exited.value.code == 1
    printed = capsys.readouterr().out
    assert "links: " in printed and "checked, 1 problem(s)" in printed
    assert "index.html: a href='/gone/' points at a missing file" in printed
