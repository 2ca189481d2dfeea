"""Images that work for readers on any screen: resized, sized, lazy, described and safe.

The pure parts (addresses, markup, Pillow) are called directly; the rest builds small sites
with real image files (tests/image_files.py) and reads the pages, feeds and files back."""

import io
import json
import os
import time

import feedparser
import pytest
from bs4 import BeautifulSoup
from PIL import Image, features

import image_files
from helpers import build_small_site, case, parse_html, post, problem_lines, resolve_link
from images import process
from images.files import prune_cache
from images.markup import find_images, lacks_alt, picture_html, resolve, sized
from images.process import Copy, ImageError, Recipe, copy_widths, inspect, make_copies, plan_copies
from servicebook import site
from servicebook.feeds import absolute_html

PUBLIC = "https://servicebook.example"
RECIPE = Recipe.from_settings(site.load_settings())
MODERN = ["image/avif", "image/webp"] if features.check("avif") else ["image/webp"]


# Widths, addresses and markup


@pytest.mark.parametrize(
    "width, expected",
    [(3000, [480, 960, 1600]), (1600, [480, 960, 1600]), (1200, [480, 960, 1200]), (480, [480]), (300, [300])],
)
def test_copies_come_in_the_widths_asked_for_and_are_never_upscaled(width, expected):
    assert copy_widths(width, (480, 960, 1600)) == expected


@pytest.fixture
def content(tmp_path):
    root = tmp_path / "content"
    for relative in ("images/a.png", "posts/b.png", "posts/deep/c.png", "pictures/custom.png"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(b"")
    return root


@pytest.mark.parametrize(
    "src, site_url, expected",
    [
        ("{static}/images/a.png", "", "images/a.png"),
        ("|static|/images/a.png", "", "images/a.png"),
        ("{static}b.png", "", "posts/b.png"),
        ("{attach}deep/c.png", "", "posts/deep/c.png"),
        ("{static}../images/a.png", "", "images/a.png"),
        ("/images/a.png", "", "images/a.png"),
        ("/images/a.png?v=2#x", "", "images/a.png"),
        ("/blog/images/a.png", PUBLIC + "/blog", "images/a.png"),
        (PUBLIC + "/images/a.png", PUBLIC, "images/a.png"),
        ("//servicebook.example/images/a.png", PUBLIC, "images/a.png"),
        (PUBLIC + "/blog/images/a.png", PUBLIC + "/blog", "images/a.png"),
        ("b.png", "", "posts/b.png"),
        ("./deep/c.png", "", "posts/deep/c.png"),
        ("../images/a.png", "", "images/a.png"),
        ("images/a.png", "", "images/a.png"),  # not beside the post: from the content folder
        ("/static/custom.png", "", "pictures/custom.png"),  # a static file saved elsewhere
        ("/images/a%2Epng", "", "images/a.png"),
    ],
)
def test_every_way_of_writing_an_image_address_finds_its_file(content, src, site_url, expected):
    address = resolve(src, content / "posts", content, site_url, {"static/custom.png": content / "pictures/custom.png"})
    assert address.kind == "file"
    assert address.path == content / expected


@pytest.mark.parametrize(
    "src, site_url, kind",
    [
        ("https://cdn.example.net/a.png", PUBLIC, "external"),
        ("https://servicebook.example/a.png", "", "external"),  # a dev build: no host of its own
        (PUBLIC + "/other/a.png", PUBLIC + "/blog", "external"),
        ("data:image/png;base64,AAAA", "", "inline"),
        ("../../secret.png", "", "outside"),
        ("{static}/../../secret.png", "", "outside"),
    ],
)
def test_addresses_that_are_not_a_file_of_the_content_say_what_they_are(content, src, site_url, kind):
    assert resolve(src, content / "posts", content, site_url).kind == kind


def test_images_are_found_exactly_where_they_are_and_nowhere_else():
    html = (
        '<p>A <img src="a.png" alt="one" alt="two"></p>\n<!-- <img src="commented.png"> -->\n'
        '<script>let s = "<img src=in-script.png>";</script>\n'
        '<picture><source srcset="x.avif"><img src="own.jpg" alt="x"></picture>\n<p><img src=b.png></p>'
    )
    found = find_images(html)
    assert [tag.src for tag in found] == ["a.png", "own.jpg", "b.png"]
    assert [html[tag.start : tag.end] for tag in found] == [
        '<img src="a.png" alt="one" alt="two">',
        '<img src="own.jpg" alt="x">',
        "<img src=b.png>",
    ]
    assert found[0].attrs["alt"] == "one"  # the first of a repeated attribute, as browsers read it
    assert [tag.managed_by_author for tag in found] == [False, True, False]


@pytest.mark.parametrize(
    "tag, line, lacks",
    [
        ('<img src="a.png" alt="A bill">', "![A bill](a.png)", False),
        ('<img src="a.png" alt="">', "![](a.png)", True),
        ('<img src="a.png" alt=" ">', "![ ](a.png)", True),
        ('<img src="a.png">', '<img src="a.png">', True),
        ('<img src="a.png" alt="">', '<img src="a.png" alt="">', False),  # decoration, said in HTML
        ('<img src="a.png" alt="" role="presentation">', "![](a.png){: role=presentation}", False),
        ('<img src="a.png" aria-hidden="true">', '<img src="a.png" aria-hidden="true">', False),
    ],
)
def test_alt_text_is_missing_unless_given_or_the_image_is_marked_as_decoration(tag, line, lacks):
    assert lacks_alt(find_images(tag)[0], line) is lacks


def test_an_authors_width_or_height_is_kept_and_the_other_follows_the_picture():
    assert sized({}, 1600, 1200) == ("1600", "1200")
    assert sized({"width": "400"}, 1600, 1200) == ("400", "300")
    assert sized({"height": "300px"}, 1600, 1200) == ("400", "300")
    assert sized({"width": "50%"}, 1600, 1200) == ("1600", "1200")


def test_a_picture_offers_each_format_and_width_and_keeps_the_authors_attributes():
    tag = find_images('<img src="{static}/images/a.jpg" alt="A &quot;bill&quot;" class="wide" title="t">')[0]
    copies = {
        fmt: [Copy(f"a-{w}w.0123456789.{fmt}", f"images/a-{w}w.0123456789.{fmt}", fmt, w, w // 2) for w in (480, 960)]
        for fmt in ("avif", "webp", "jpeg")
    }
    html = picture_html(
        tag, [("image/avif", copies["avif"]), ("image/webp", copies["webp"])], copies["jpeg"], "100vw", PUBLIC, True
    )
    picture = soup(html).picture
    assert [source["type"] for source in picture.find_all("source")] == ["image/avif", "image/webp"]
    assert (
        picture.source["srcset"]
        == f"{PUBLIC}/images/a-480w.0123456789.avif 480w, {PUBLIC}/images/a-960w.0123456789.avif 960w"
    )
    image = picture.img
    assert image["src"] == f"{PUBLIC}/images/a-960w.0123456789.jpeg"
    assert (image["width"], image["height"], image["alt"], image["class"], image["title"]) == (
        "960",
        "480",
        'A "bill"',
        ["wide"],
        "t",
    )
    assert (image["loading"], image["decoding"], image["sizes"]) == ("lazy", "async", "100vw")


def soup(html):
    return BeautifulSoup(html, "html5lib")


# Pillow: reading files and making copies


def test_the_size_of_an_image_is_as_shown_after_its_exif_orientation(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(image_files.photo(1200, 800, orientation=6))
    info = inspect(path, RECIPE.max_pixels)
    assert (info.kind, info.format, info.width, info.height, info.orientation) == ("raster", "jpeg", 800, 1200, 6)


def test_svg_and_animated_images_are_recognised(tmp_path):
    (tmp_path / "a.gif").write_bytes(image_files.animated_gif())
    (tmp_path / "d.svg").write_bytes(image_files.svg(300, 120))
    (tmp_path / "w.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="64px" height="32"/>')
    assert inspect(tmp_path / "a.gif", RECIPE.max_pixels).kind == "animated"
    assert (inspect(tmp_path / "d.svg", 1).kind, inspect(tmp_path / "d.svg", 1).width) == ("vector", 300)
    assert (inspect(tmp_path / "w.svg", 1).width, inspect(tmp_path / "w.svg", 1).height) == (64, 32)


def test_files_that_cannot_be_published_raise_a_clear_error(tmp_path):
    (tmp_path / "huge.png").write_bytes(image_files.huge_png())
    (tmp_path / "text.png").write_bytes(b"not an image at all")
    (tmp_path / "cut.jpg").write_bytes(image_files.truncated(image_files.photo(800, 600)))
    with pytest.raises(ImageError, match=r"8000 × 6000 pixels \(48.0 megapixels\), over the limit of 40"):
        inspect(tmp_path / "huge.png", RECIPE.max_pixels)
    with pytest.raises(ImageError, match="is not an image this build can read"):
        inspect(tmp_path / "text.png", RECIPE.max_pixels)
    info = inspect(tmp_path / "cut.jpg", RECIPE.max_pixels)  # the header is whole; the pixels are not
    with pytest.raises(ImageError, match=r"^cannot be read \(image file is truncated\); the file is damaged"):
        make_copies(tmp_path / "cut.jpg", info, plan_copies("cut.jpg", "d", info, RECIPE), RECIPE, tmp_path / "out")


def made(tmp_path, name, data):
    """(info, {copy: Image}) for every copy of an image file, and the clean original."""
    path = tmp_path / name
    path.write_bytes(data)
    info = inspect(path, RECIPE.max_pixels)
    copies = plan_copies(name, "digest", info, RECIPE) + [process.plan_clean_original(name, "digest", info)]
    make_copies(path, info, copies, RECIPE, tmp_path / "cache")
    return info, {copy: Image.open(tmp_path / "cache" / copy.name) for copy in copies}


def test_every_copy_is_upright_and_carries_no_exif_gps_or_camera(tmp_path):
    info, copies = made(tmp_path, "photo.jpg", image_files.photo(2000, 1500, orientation=6))
    assert {copy.format for copy in copies} == {*(m.split("/")[1] for m in MODERN), "jpeg"}
    for copy, image in copies.items():
        data = (tmp_path / "cache" / copy.name).read_bytes()
        assert image.size == (copy.width, copy.height)
        assert image.height > image.width, copy  # turned as the phone was held
        assert not image.getexif(), copy
        assert b"PhoneCam" not in data and b"Exif" not in data, copy
        assert image.format.lower() == copy.format, copy
    assert max(copy.width for copy in copies) == 1500  # the clean original: the whole picture


def test_transparency_survives_and_text_metadata_does_not(tmp_path):
    _, copies = made(tmp_path, "logo.png", image_files.transparent_png(1200, 800))
    for copy, image in copies.items():
        rgba = image.convert("RGBA")
        assert rgba.getpixel((0, 0))[3] == 0, copy  # a transparent corner
        assert rgba.getpixel((copy.width // 2, copy.height // 2))[3] == 255, copy
        assert b"someone@example.com" not in (tmp_path / "cache" / copy.name).read_bytes(), copy
    assert {copy.format for copy in copies} == {*(m.split("/")[1] for m in MODERN), "png"}


def test_a_colour_profile_is_kept(tmp_path):
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = Image.open(io.BytesIO(image_files.photo(800, 600)))
    out = io.BytesIO()
    source.save(out, "JPEG", icc_profile=profile)
    _, copies = made(tmp_path, "p.jpg", out.getvalue())
    assert all(image.info.get("icc_profile") == profile for image in copies.values())


def test_the_clean_original_of_an_upright_jpeg_keeps_its_quality(tmp_path):
    data = image_files.photo(1200, 800)
    _, copies = made(tmp_path, "p.jpg", data)
    clean = next(image for copy, image in copies.items() if copy.original)
    source = Image.open(io.BytesIO(data))
    assert clean.quantization == source.quantization  # the same quantisation: no second loss
    assert not clean.getexif()


# A whole site


def photo_site():
    """Posts using images every way an author may write them."""
    return {
        "images/photo.jpg": image_files.photo(3000, 2000, orientation=6),
        "images/unused.jpg": image_files.photo(640, 480),
        "images/bill.png": image_files.screenshot(1400, 900),
        "images/spinner.gif": image_files.animated_gif(),
        "images/loop.svg": image_files.svg(300, 120),
        "posts/logo.png": image_files.transparent_png(800, 400),
        "posts/a.md": post(
            "Photos",
            "\n\n".join(
                [
                    "Intro.",
                    "![A photo of the letter]({static}/images/photo.jpg)",
                    "![The bill](/images/bill.png)",
                    '<p><img src="logo.png" alt="The logo" class="wide" title="Our logo"></p>',
                    "![Waiting](../images/spinner.gif)",
                    "![The transfer loop](/images/loop.svg)",
                    "![The photo again](../images/photo.jpg)",
                ]
            ),
            slug="a",
        ),
        "posts/b.md": post(
            "Preview", "Text.\n\n![The bill](/images/bill.png)", slug="b", Image="{static}/images/photo.jpg"
        ),
        "posts/c.md": post("No images", "Just words.", slug="c"),
    }


@pytest.fixture(scope="module")
def photo_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    started = time.perf_counter()
    result = build_small_site(folder, photo_site())
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = build_small_site(folder, {})
    print(f"\nimages: first build {first:.2f} s, rebuild {time.perf_counter() - started:.2f} s")
    return folder, result, again


def body_images(page):
    return parse_html(page).select(".post-body img")


def test_every_image_is_published_in_widths_and_formats_with_its_real_size(photo_build):
    folder, result, _ = photo_build
    page = result.output_path / "2024/a/index.html"
    photo, bill, logo, spinner, loop, again = body_images(page)
    for image in (photo, bill, logo, again):
        picture = image.parent
        assert picture.name == "picture"
        assert [source["type"] for source in picture.find_all("source")] == MODERN
        candidates = [source["srcset"] for source in picture.find_all("source")] + [image["srcset"]]
        for srcset in candidates:
            for candidate in srcset.split(", "):
                url, width = candidate.split()
                file = resolve_link(result.output_path, page, url)
                assert Image.open(file).width == int(width.rstrip("w")), url
        largest = Image.open(resolve_link(result.output_path, page, image["src"]))
        assert (image["width"], image["height"]) == (str(largest.width), str(largest.height))
    assert (photo["width"], photo["height"]) == ("1600", "2400")  # upright: a portrait
    assert [c.split()[1] for c in photo["srcset"].split(", ")] == ["480w", "960w", "1600w"]
    assert [c.split()[1] for c in logo["srcset"].split(", ")] == ["480w", "800w"]  # never upscaled
    assert (logo["class"], logo["title"], logo["alt"]) == (["wide"], "Our logo", "The logo")
    assert photo["src"] == again["src"]  # one file, two addresses, one set of copies
    # SVG and animated GIF: published as they are, sized.
    assert spinner.parent.name != "picture" and loop.parent.name != "picture"
    assert resolve_link(result.output_path, page, spinner["src"]).read_bytes() == image_files.animated_gif()
    assert resolve_link(result.output_path, page, loop["src"]).read_bytes() == image_files.svg(300, 120)
    assert (loop["width"], loop["height"], spinner["width"], spinner["height"]) == ("300", "120", "120", "80")


def test_only_the_first_image_of_a_page_loads_at_once(photo_build):
    _, result, _ = photo_build
    found = body_images(result.output_path / "2024/a/index.html")
    assert [(image.get("loading"), image.get("decoding")) for image in found] == [(None, None)] + [
        ("lazy", "async")
    ] * (len(found) - 1)


def test_no_published_image_keeps_its_exif(photo_build):
    _, result, _ = photo_build
    published = [p for p in result.output_path.rglob("*") if p.suffix in (".jpg", ".png", ".webp", ".avif")]
    assert len(published) > 20
    for path in published:
        assert not Image.open(path).getexif(), path
        data = path.read_bytes()
        assert b"PhoneCam" not in data and b"someone@example.com" not in data, path
    # Pelican's copies of the files themselves (linked, or not used at all) are clean copies.
    assert Image.open(result.output_path / "images/photo.jpg").size == (2000, 3000)
    assert Image.open(result.output_path / "images/unused.jpg").size == (640, 480)


def test_a_rebuild_encodes_nothing_and_gives_the_same_pages(photo_build, monkeypatch):
    folder, result, again = photo_build
    assert not problem_lines(result) and not problem_lines(again)
    encoded = []
    monkeypatch.setattr(process, "_saved", lambda *args, **options: encoded.append(args) or b"")
    page = (result.output_path / "2024/a/index.html").read_text(encoding="utf-8")
    build_small_site(folder, {})
    assert encoded == []
    assert (result.output_path / "2024/a/index.html").read_text(encoding="utf-8") == page


def test_a_changed_image_gets_new_copies_under_new_names(tmp_path):
    files = {"images/p.jpg": image_files.photo(1000, 700), "posts/a.md": post("A", "![A p](/images/p.jpg)", slug="a")}
    before = body_images(build_small_site(tmp_path, files).output_path / "2024/a/index.html")[0]["srcset"]
    after_build = build_small_site(tmp_path, {"images/p.jpg": image_files.photo(1000, 700, quality=60)})
    after = body_images(after_build.output_path / "2024/a/index.html")[0]["srcset"]
    assert before != after
    assert [c.split()[1] for c in before.split(", ")] == [c.split()[1] for c in after.split(", ")]


def test_the_preview_image_is_the_image_field_else_the_first_image(photo_build):
    _, result, _ = photo_build

    def og(slug):
        head = parse_html(result.output_path / f"2024/{slug}/index.html").head
        return {meta["property"]: meta["content"] for meta in head.select("meta[property^='og:image']")}

    first = og("a")
    assert first["og:image"].startswith("/images/photo-1600w.") and first["og:image"].endswith(".jpg")
    assert (first["og:image:width"], first["og:image:height"], first["og:image:alt"]) == (
        "1600",
        "2400",
        "A photo of the letter",
    )
    assert og("b")["og:image"] == first["og:image"]  # its Image: field, not its first image (the bill)
    assert og("c") == {}


def test_a_public_build_gives_absolute_preview_addresses_and_feed_enclosures(tmp_path):
    result = build_small_site(tmp_path, photo_site(), SITEURL=PUBLIC, FEED_DOMAIN=PUBLIC)
    head = parse_html(result.output_path / "2024/a/index.html").head
    preview = head.select_one("meta[property='og:image']")["content"]
    assert preview.startswith(PUBLIC + "/images/photo-1600w.")
    local = result.output_path / preview.removeprefix(PUBLIC + "/")
    atom = feedparser.parse((result.output_path / "feeds/all.atom.xml").read_bytes())
    rss = feedparser.parse((result.output_path / "feeds/all.rss.xml").read_bytes())
    for feed in (atom, rss):
        entry = next(e for e in feed.entries if e.link.endswith("/2024/a/"))
        (enclosure,) = entry.enclosures
        assert (enclosure.href, int(enclosure.length), enclosure.type) == (preview, local.stat().st_size, "image/jpeg")
        assert not next(e for e in feed.entries if e.link.endswith("/2024/c/")).enclosures
    json_feed = json.loads((result.output_path / "feeds/all.json").read_text(encoding="utf-8"))
    assert next(item for item in json_feed["items"] if item["url"].endswith("/2024/a/"))["image"] == preview
    # In the feeds, an image is a plain <img> with absolute addresses.
    content = next(e for e in atom.entries if e.link.endswith("/2024/a/")).content[0].value
    assert "<picture" not in content and "<source" not in content
    for image in soup(content).find_all("img"):
        assert image["src"].startswith(PUBLIC + "/")
        assert all(c.split()[0].startswith(PUBLIC + "/") for c in image.get("srcset", "").split(", ") if c)


def test_feed_html_unwraps_pictures_and_makes_srcset_absolute():
    html = (
        '<p><picture><source type="image/avif" srcset="/a-480w.avif 480w">'
        '<img src="/a.jpg" srcset="/a-480w.jpg 480w, a-960w.jpg 960w" alt="A"></picture> tail</p>'
    )
    assert absolute_html(html, "https://x.example/2024/p/") == (
        '<p><img src="https://x.example/a.jpg" srcset="https://x.example/a-480w.jpg 480w, '
        'https://x.example/2024/p/a-960w.jpg 960w" alt="A"> tail</p>'
    )


# Problems


def test_missing_alt_text_is_a_note_in_a_post_and_fails_a_strict_build_in_a_case_story(tmp_path):
    files = {
        "images/bill.png": image_files.screenshot(),
        "posts/a.md": post("A", "Text.\n\n![](/images/bill.png)", slug="a"),
    }
    result = build_small_site(tmp_path / "post", files, strict=True)
    assert [p.severity for p in result.problems] == ["note"]
    files = {
        "images/bill.png": image_files.screenshot(),
        "cases/a.md": case("Text.\n\n![](/images/bill.png)"),
    }
    with pytest.raises(site.BuildFailed, match=r"content/cases/a.md:16: Image: /images/bill.png has no alt text"):
        build_small_site(tmp_path / "case", files, strict=True)


def test_a_broken_image_stops_the_build_naming_it_and_every_post_that_uses_it(tmp_path):
    broken = image_files.truncated(image_files.photo(800, 600))
    files = {
        "images/broken.jpg": broken,
        "images/stray.png": b"\x89PNG\r\n\x1a\n not really",
        "posts/a.md": post("A", "Text.\n\n![A](/images/broken.jpg)", slug="a"),
        "posts/b.md": post("B", "One.\n\nTwo.\n\n![B]({static}/images/broken.jpg)", slug="b"),
    }
    with pytest.raises(site.BuildFailed) as raised:
        build_small_site(tmp_path, files)
    message = str(raised.value)
    assert "content/posts/a.md:7: Image: content/images/broken.jpg cannot be read (image file is truncated)" in message
    assert "content/posts/b.md:9: Image: content/images/broken.jpg cannot be read" in message
    assert "content/images/stray.png: Image: is not an image this build can read" in message
    assert "Traceback" not in message


def test_the_same_image_twice_in_a_post_is_named_at_each_line(tmp_path):
    files = {
        "images/a.png": image_files.screenshot(),
        "posts/a.md": post("A", "![](/images/a.png)\n\nText.\n\n![](/images/a.png)", slug="a"),
    }
    lines = problem_lines(build_small_site(tmp_path, files))
    assert lines == [
        f"content/posts/a.md:{n}: note: Image: /images/a.png has no alt text; say what it shows for readers who "
        'cannot see it, ![what it shows](...) or alt="..." (a purely decorative image: <img alt="" ...> in HTML)'
        for n in (5, 9)
    ]


def test_images_the_author_arranged_are_left_as_written(tmp_path):
    own = '<picture><source srcset="/images/a.png"><img src="/images/a.png" alt="A"></picture>'
    files = {
        "images/a.png": image_files.screenshot(),
        "posts/a.md": post("A", f'{own}\n\n<img src="/images/a.png" srcset="/images/a.png 2x" alt="B">', slug="a"),
    }
    html = (build_small_site(tmp_path, files).output_path / "2024/a/index.html").read_text(encoding="utf-8")
    assert own in html and 'srcset="/images/a.png 2x"' in html


def test_the_cache_forgets_copies_no_build_used_for_a_month(tmp_path):
    (tmp_path / "old.webp").write_bytes(b"x")
    (tmp_path / "kept.webp").write_bytes(b"x")
    (tmp_path / "recent.webp").write_bytes(b"x")
    month_ago = time.time() - 31 * 86400
    for name in ("old.webp", "kept.webp"):
        os.utime(tmp_path / name, (month_ago, month_ago))
    prune_cache(tmp_path, {"kept.webp"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.webp", "recent.webp"]
    assert time.time() - (tmp_path / "kept.webp").stat().st_mtime < 60


def test_a_drafts_images_stay_out_of_a_build_that_does_not_write_drafts(tmp_path):
    files = {
        "posts/secret.png": image_files.screenshot(),
        "posts/d.md": post("D", "![Unreleased](secret.png)", slug="d", Status="draft"),
    }
    dev = build_small_site(tmp_path / "dev", files)
    assert list((dev.output_path / "posts").glob("secret-*"))
    public = build_small_site(tmp_path / "public", files, DRAFT_SAVE_AS="", DRAFT_URL="")
    assert not (public.output_path / "posts").exists()


def test_copies_are_cached_for_ever_by_hosts_and_the_clean_original_is_not():
    from servicebook.cdn import CACHE_FOREVER, HeaderRules
    from servicebook.publish import publish_settings

    rules = HeaderRules(publish_settings())
    assert rules.headers("images/bill-960w.4ad4e7781f.avif")["Cache-Control"] == CACHE_FOREVER
    assert rules.headers("images/bill-960w.4ad4e7781f.avif")["Content-Type"] == "image/avif"
    assert rules.headers("images/bill.png")["Cache-Control"] != CACHE_FOREVER
