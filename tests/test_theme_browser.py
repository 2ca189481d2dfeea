"""The theme in a real browser: dark mode passes axe-core, pages fit a 360 px screen,
print hides what paper cannot use, and keyboard focus is visible."""

import pytest

from servicebook.accessibility import axe_violations
from servicebook.output_checks import key_pages

pytest_plugins = ["browser_fixtures"]

DARK_LOW_CONTRAST = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
    "<style>@media (prefers-color-scheme: dark) { body { background: #000 } p { color: #222 } }</style>"
    "</head><body><main><h1>t</h1><p>Hard to read in the dark.</p></main></body></html>"
)


@pytest.mark.usefixtures("axe")
def test_axe_in_dark_mode_finds_what_light_mode_does_not(tmp_path, browser, serve_folder):
    (tmp_path / "dark.html").write_text(DARK_LOW_CONTRAST, encoding="utf-8")
    url = serve_folder(tmp_path).url("/dark.html")
    assert not any(v.startswith("color-contrast") for v in axe_violations(browser, url))
    assert any(v.startswith("color-contrast") for v in axe_violations(browser, url, color_scheme="dark"))


def pages_to_look_at(output):
    return [*key_pages(output), "/archives/", "/subscribe/", "/404.html", "/cases/channel/phone/"]


def test_pages_fit_a_narrow_phone(built_site, new_page, site_server):
    page = new_page(viewport={"width": 360, "height": 740})
    for path in pages_to_look_at(built_site.output_path):
        page.goto(site_server.url(path), wait_until="networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path


def test_print_hides_navigation_search_and_footer(built_site, new_page, site_server):
    page = new_page()
    page.emulate_media(media="print")
    page.goto(site_server.url(key_pages(built_site.output_path)[1]), wait_until="networkidle")
    for selector in ("nav[aria-label=Main]", "form.search-box", "footer.site-footer"):
        assert page.eval_on_selector(selector, "e => getComputedStyle(e).display") == "none", selector
    assert page.eval_on_selector("main h1", "e => getComputedStyle(e).display") != "none"


def test_dark_mode_follows_the_system_setting(new_page, site_server):
    def colours(scheme):
        page = new_page(color_scheme=scheme)
        page.goto(site_server.url("/"), wait_until="networkidle")
        return page.evaluate(
            "() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
        )

    def lightness(css_rgb):
        return sum(int(part) for part in css_rgb[css_rgb.index("(") + 1 :].rstrip(")").split(",")[:3]) / 3

    (light_background, light_text), (dark_background, dark_text) = colours("light"), colours("dark")
    assert lightness(light_background) > 200 > lightness(light_text)
    assert lightness(dark_background) < 60 < lightness(dark_text)


def test_keyboard_focus_is_visible(new_page, site_server):
    page = new_page()
    page.goto(site_server.url("/"), wait_until="networkidle")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        return {text: e.textContent.trim(), outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
    assert focused["text"] == "Skip to content"
    assert focused["outline"] != "none" and focused["width"] >= 2, focused
