"""What reading a page costs a reader on a phone, measured in headless Chromium.

The page is opened on a 360 px wide screen (a common phone: twice as many pixels as CSS
pixels), then read to the end: it is scrolled a screenful at a time, so every lazy image
the reader would see loads. What counts is what went over the network (the browser's own
Resource Timing: bodies as sent, and headers), from an empty cache.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
BUDGET = 300_000  # bytes for a whole article, images and all
_READ_TO_THE_END = """async () => {
  for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight) {
    scrollTo(0, y);
    await new Promise(resolve => setTimeout(resolve, 60));
  }
}"""
_ALL_IMAGES_LOADED = "() => [...document.images].every(image => image.complete)"
_TRANSFERS = """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
  .map(entry => [entry.name, entry.initiatorType, entry.transferSize])"""


@dataclass(frozen=True)
class Transfer:
    url: str
    kind: str  # the Resource Timing initiator: navigation, img, link, script, fetch...
    size: int  # bytes over the network


def transfers(browser, url):
    """Every Transfer of loading `url` and reading it to the end on a phone."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(url, wait_until="networkidle")
        page.evaluate(_READ_TO_THE_END)
        page.wait_for_function(_ALL_IMAGES_LOADED, timeout=15_000)
        page.wait_for_load_state("networkidle")
        return [Transfer(*entry) for entry in page.evaluate(_TRANSFERS)]
    finally:
        context.close()


def over_budget(found, budget=BUDGET):
    """'' when `found` (Transfers) fits the budget, else what it weighs and which images, the
    largest first, take it over: the ones to make smaller, or fewer."""
    total = sum(transfer.size for transfer in found)
    if total <= budget:
        return ""
    images = sorted((t for t in found if t.kind in ("img", "image")), key=lambda t: -t.size)
    named, rest = [], total
    for image in images:
        if rest <= budget:
            break
        named.append(image)
        rest -= image.size
    message = f"{kb(total)} on a 360 px phone screen, over the {kb(budget)} budget"
    if named:
        message += "; the images that take it over: " + ", ".join(
            f"{urlsplit(t.url).path} ({kb(t.size)})" for t in named
        )
    return message


def kb(size):
    return f"{size / 1000:.0f} KB"
