"""Published images as a phone's browser gets them (headless Chromium): the right copy for
the screen, lazy loading below the fold, no layout shift, and the page-weight budget."""

import pytest
from PIL import features

import image_files
from helpers import build_small_site, post
from servicebook.output_checks import pages_with_images
from servicebook.page_weight import BUDGET, PHONE, over_budget, transfers

pytest_plugins = ["browser_fixtures"]

WORDS = " ".join(["A long paragraph of the story, read on a small screen before the next picture."] * 30)
# Layout shifts while the page loads and is read (Chrome's Cumulative Layout Shift).
_LAYOUT_SHIFT = """async () => {
  window.__shift = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) window.__shift += e.value; })
    .observe({type: 'layout-shift', buffered: true});
  for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight) {
    scrollTo(0, y);
    await new Promise(resolve => setTimeout(resolve, 80));
  }
  return window.__shift;
}"""


@pytest.fixture(scope="module")
def photo_story(tmp_path_factory):
    folder = tmp_path_factory.mktemp("story")
    body = "\n\n".join(
        [
            "![The letter, photographed](/images/first.jpg)",
            WORDS,
            "![The bill](/images/bill.png)",
            WORDS,
            WORDS,
            "![The meter](/images/last.jpg)",
        ]
    )
    files = {
        "images/first.jpg": image_files.photo(2400, 1600),
        "images/bill.png": image_files.screenshot(1400, 900),
        "images/last.jpg": image_files.photo(2000, 1500, orientation=6),
        "posts/story.md": post("Story", body, slug="story"),
        "posts/heavy.md": post(
            "Heavy",
            "\n\n".join(f"![Noise {n}](/images/noise-{n}.jpg)" for n in range(6)),
            slug="heavy",
        ),
        **{f"images/noise-{n}.jpg": image_files.photo(1600, 1600, quality=95) for n in range(6)},
    }
    return build_small_site(folder, files).output_path


def test_a_phone_gets_a_modern_copy_sized_for_its_screen_and_lazy_images_wait(photo_story, browser, serve_folder):
    server = serve_folder(photo_story)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url.rsplit("/", 1)[-1]))
    page.goto(server.url("/2024/story/"), wait_until="networkidle")
    chosen = page.evaluate("() => [...document.images].map(image => image.currentSrc.split('/').pop())")
    modern = ".avif" if features.check("avif") else ".webp"
    # 360 CSS px at twice the pixels: the 960 px copy, in the best format the browser takes.
    assert chosen[0].startswith("first-960w.") and chosen[0].endswith(modern), chosen
    assert not [name for name in requested if name.startswith("last-")], requested  # far below: not yet
    page.evaluate("() => scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("() => document.images[2].complete && document.images[2].naturalWidth")
    assert page.evaluate("() => document.images[2].currentSrc").rsplit("/", 1)[-1].startswith("last-960w.")
    context.close()


def test_images_take_their_place_before_they_load(photo_story, browser, serve_folder):
    server = serve_folder(photo_story)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(server.url("/2024/story/"), wait_until="domcontentloaded")
    assert page.evaluate(_LAYOUT_SHIFT) < 0.01
    boxes = page.evaluate("() => [...document.images].map(i => i.getBoundingClientRect().height / i.width)")
    assert boxes == pytest.approx([1600 / 2400, 900 / 1400, 2000 / 1500], rel=0.01)  # the last one turned upright
    context.close()


def test_the_page_weight_budget_passes_a_story_and_names_the_images_of_a_heavy_one(photo_story, browser, serve_folder):
    server = serve_folder(photo_story)
    assert pages_with_images(photo_story) == ["/2024/heavy/", "/2024/story/"]
    story = transfers(browser, server.url("/2024/story/"))
    assert {t.url.rsplit("/", 1)[-1].split("-")[0] for t in story if t.kind == "img"} == {"first", "bill", "last"}
    total = sum(t.size for t in story)
    print(f"\nstory with three images, read to the end on a phone: {total / 1000:.0f} KB")
    assert total < BUDGET and over_budget(story) == ""
    heavy = transfers(browser, server.url("/2024/heavy/"))
    verdict = over_budget(heavy)
    assert verdict.startswith(f"{sum(t.size for t in heavy) / 1000:.0f} KB on a 360 px phone screen, over the 300 KB")
    named = verdict.split("the images that take it over: ")[1].split(", ")
    sizes = [int(name.rsplit("(", 1)[1].removesuffix(" KB)")) for name in named]
    assert named and all(name.startswith("/images/noise-") for name in named)
    assert sizes == sorted(sizes, reverse=True)
    unnamed = sum(t.size for t in heavy) - sum(
        t.size for t in heavy if t.url.endswith(tuple(n.split()[0] for n in named))
    )
    assert unnamed <= BUDGET  # without the images named, the page fits
