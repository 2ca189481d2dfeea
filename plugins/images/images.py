"""Images that work for readers on any screen: resized, sized, lazy, described, and safe.

Once every post and page is read (all_generators_finalized), each `<img>` of their HTML, as
markdown or raw HTML, by any address (`{static}`, `{attach}`, a site path, the site's full
URL, a path relative to the post), becomes a `<picture>`: its widths (IMAGES_WIDTHS, never
upscaled) in AVIF and WebP and in a fallback format every browser shows, with srcset and
sizes, the width and height of the real picture, and lazy loading and async decoding for
every image of a page but the first. The copies are made with Pillow (markup.py,
process.py) in one thread per CPU, upright by their EXIF orientation and with no
metadata, and kept in a cache folder by what they are made of: a rebuild encodes nothing
it encoded before. When the pages are written (finalized), the copies go to the output,
and every raster image Pelican copied as a static file is replaced by its clean copy: no
published file keeps its EXIF (GPS above all). SVG and animated images are published as
they are; an image the author gave a <picture>, a srcset or a data: address is left alone.

A post's preview image (`preview_image`, a servicebook.media.PreviewImage) is its `Image:`
field, else its first image: the theme publishes it as og:image, the feeds as an enclosure.

Problems, each naming the post and line: an image without alt text (a note; a warning,
which fails strict builds, in IMAGES_ALT_REQUIRED_PATHS: the case stories); an image on
another host or outside the content folder, or a relative address with no file behind it (a
warning; a missing file behind a {static} link or site path is content_checks' to name); an
image file that cannot be read, or that is larger than IMAGES_MAX_PIXELS, stops the build
with a message naming it and every post that uses it.

Settings (DEFAULTS): IMAGES_WIDTHS, IMAGES_FORMATS, IMAGES_QUALITY, IMAGES_SIZES (must
match the theme's column), IMAGES_MAX_PIXELS, IMAGES_ALT_REQUIRED_PATHS, IMAGES_CACHE_PATH
("" is CACHE_PATH/images). Also read: PATH, SITEURL, CACHE_PATH, CACHE_CONTENT.
"""

import logging
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pelican import signals
from pelican.contents import Content

from servicebook.contents import contents_in
from servicebook.hashing import digest
from servicebook.headers import body_of, header_line
from servicebook.media import IMAGE_SUFFIXES, VECTOR_SUFFIXES, PreviewImage
from servicebook.outputs_made import settle
from servicebook.plugin_settings import declare
from servicebook.problems import Problem, ProblemsError, report, shown_path
from servicebook.records import JsonRecord
from servicebook.signals import content_refreshed
from servicebook.workers import usable_cpus

from .files import place, prune_cache
from .markup import (
    find_images,
    has_img_tag,
    lacks_alt,
    picture_html,
    plain_image_html,
    replace_tags,
    resolve,
    source_lines_of,
    url_of,
)
from .process import (
    MIME_TYPES,
    ImageError,
    ImageInfo,
    Recipe,
    inspect,
    make_copies,
    plan_clean_original,
    plan_copies,
)

logger = logging.getLogger(__name__)

DEFAULTS = {
    "IMAGES_WIDTHS": [480, 960, 1600],
    # Modern formats, best first; AVIF only where Pillow can write it.
    "IMAGES_FORMATS": ["avif", "webp"],
    "IMAGES_QUALITY": {"jpeg": 82, "webp": 80, "avif": 60},
    # How wide an image is shown: our theme's column (42rem of 17px, less 2 × 1.25rem padding).
    "IMAGES_SIZES": "(max-width: 714px) calc(100vw - 43px), 672px",
    "IMAGES_MAX_PIXELS": 40_000_000,
    # Folders of the content whose images must have alt text in strict builds.
    "IMAGES_ALT_REQUIRED_PATHS": ["cases"],
    "IMAGES_CACHE_PATH": "",  # "": CACHE_PATH/images
}
FIELD = "Image"
# The copies this build put in the output: the next build removes those it no longer makes.
OUTPUTS_RECORD = "image-copies.json"
# What each build leaves for `finalized` to copy, by output folder: [(from, to relative to the output)].
_pending = {}


class ImageProblemsError(ProblemsError):
    def __init__(self, problems):
        super().__init__("Images that cannot be published:", problems)


@dataclass
class Use:
    """One place a post or page uses an image file."""

    content: Content
    source: str  # the post, as the author knows it: content/posts/x.md
    line: int
    tag: object = None  # the markup.ImageTag; None for the `Image:` field


@dataclass
class ImageFile:
    """One image file of the content and what the build publishes of it."""

    path: Path
    relative: str  # in the content folder: images/photo.jpg
    static_save_as: str = ""  # where Pelican copies it, if it is a static file
    info: ImageInfo = None
    copies: list = field(default_factory=list)  # resized copies: modern formats, then the fallback
    clean: object = None  # the clean copy Pelican's static copy is replaced by
    error: str = ""

    @property
    def address(self):
        """Where the file itself is published (SVG and animated images are linked there)."""
        return self.static_save_as or self.relative


def enabled(settings):
    """False in a build of this process without this plugin: its receivers stay connected."""
    return "IMAGES_WIDTHS" in settings


def cache_folder(settings):
    return Path(settings["IMAGES_CACHE_PATH"] or Path(settings["CACHE_PATH"]) / "images")


class SiteImages:
    """The images of one build: found in its posts, made into copies, written into the pages."""

    def __init__(self, settings, context):
        self.settings, self.context = settings, context
        self.root = Path(os.path.abspath(settings["PATH"]))
        self.recipe = Recipe.from_settings(settings)
        self.cache = cache_folder(settings)
        self.record = JsonRecord(settings, "images.json")
        self.known = self.record.load({})
        self.files = {}  # path -> ImageFile
        self.uses = {}  # path -> [Use]
        self.tags = {}  # content -> [(ImageTag, path or None)]
        self.problems = []
        for static in context.get("staticfiles", []):
            path = Path(os.path.normpath(self.root / static.source_path))
            # (A {static} link to a missing file is a static file too: content_checks names it.)
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                self._file(path).static_save_as = static.save_as

    def _file(self, path):
        if path not in self.files:
            self.files[path] = ImageFile(path, path.relative_to(self.root).as_posix())
        return self.files[path]

    def problem(self, source, line, message, severity="warning"):
        self.problems.append(Problem(source, line, FIELD, message, severity))

    # Finding the images

    def find(self, contents):
        static_sources = {image.static_save_as: path for path, image in self.files.items()}
        for content in contents:
            if not content.save_as:  # not written (a draft in the public build): nothing of it is published
                continue
            html = content._content or ""
            field_value = content.metadata.get("image")
            if not field_value and not has_img_tag(html):
                continue
            source_path = Path(content.source_path)
            source = shown_path(source_path, self.root)
            text = source_path.read_text(encoding="utf-8-sig", errors="replace")
            body, body_line = body_of(text)
            seen = Counter()
            found = self.tags[content] = []
            for tag in find_images(html):
                seen[tag.src] += 1
                line = _nth_line(body, tag.src, seen[tag.src], body_line)
                self._check_alt(tag, source_path, source, line, text)
                if tag.managed_by_author or not tag.src:
                    found.append((tag, None))
                    continue
                address = resolve(tag.src, source_path.parent, self.root, self.settings["SITEURL"], static_sources)
                path = self._usable(address, tag.src, source, line)
                found.append((tag, path))
                if path:
                    self.uses.setdefault(path, []).append(Use(content, source, line, tag))
            if field_value:
                line = header_line(str(source_path), FIELD)
                address = resolve(field_value, source_path.parent, self.root, self.settings["SITEURL"], static_sources)
                path = self._usable(address, field_value, source, line, checked_elsewhere=False)
                if path and path.suffix.lower() in VECTOR_SUFFIXES:
                    self.problem(
                        source,
                        line,
                        f"{field_value} is an SVG, which sites showing previews ignore; give a PNG or JPEG",
                    )
                elif path:
                    self.uses.setdefault(path, []).append(Use(content, source, line))

    def _check_alt(self, tag, source_path, source, line, text):
        source_line = text.split("\n")[line - 1] if line else ""
        if not lacks_alt(tag, source_line):
            return
        relative = os.path.relpath(source_path, self.root).replace(os.sep, "/")
        required = any(
            relative.startswith(folder.strip("/") + "/") for folder in self.settings["IMAGES_ALT_REQUIRED_PATHS"]
        )
        self.problem(
            source,
            line,
            f"{tag.src or 'an image'} has no alt text; say what it shows for readers who cannot see it, "
            '![what it shows](...) or alt="..." (a purely decorative image: <img alt="" ...> in HTML)',
            "warning" if required else "note",
        )

    def _usable(self, address, written, source, line, checked_elsewhere=None):
        """The image file behind an address, or None (with a problem where the reader misses something)."""
        if address.kind == "external":
            self.problem(
                source,
                line,
                f"{written} is on another host, and pages load nothing from other hosts (img-src 'self'); "
                "save the image under content/images/ and link it from there",
            )
        elif address.kind == "outside":
            self.problem(source, line, f"{written} is outside the content folder; move it into content/images/")
        elif address.kind == "file":
            suffix = address.path.suffix.lower()
            if address.path.is_file():
                return self._file(address.path).path if suffix in IMAGE_SUFFIXES else None
            if not (address.checked_elsewhere if checked_elsewhere is None else checked_elsewhere):
                shown = os.path.relpath(address.path, self.root.parent)
                self.problem(
                    source, line, f"{written} points at a missing image ({shown}); fix the path or add the file"
                )
        return None

    # Making the copies

    def make(self):
        """Inspect every image file and make the copies the cache lacks, one thread per CPU
        (Pillow lets go of the GIL while it decodes, resizes and encodes)."""
        for image in self.files.values():
            if image.path in self.uses or image.static_save_as:
                self._plan(image)
        todo = [image for image in self.files.values() if image.info and not image.error]
        self.cache.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=max(1, min(usable_cpus(), len(todo)))) as pool:
            results = {image.path: pool.submit(self._make, image) for image in todo}
        for path, result in results.items():
            if result.result():
                self.files[path].error = result.result()
        self.record.save(self.known)
        for image in self.files.values():
            if image.error:
                self._report_error(image)

    def _plan(self, image):
        try:
            digest_, image.info = self._inspect(image.path)
        except ImageError as error:
            image.error = str(error)
            return
        if image.path in self.uses:
            image.copies = plan_copies(image.relative, digest_, image.info, self.recipe)
        if image.static_save_as:
            image.clean = plan_clean_original(image.relative, digest_, image.info)

    def _inspect(self, path):
        """(digest of the file, ImageInfo), remembered by the file's size and time."""
        stat = path.stat()
        key, stamp = str(path), [stat.st_size, stat.st_mtime_ns]
        known = self.known.get(key)
        if known and known[0] == stamp:
            return known[1], ImageInfo(*known[2])
        found = digest(path.read_bytes()), inspect(path, self.recipe.max_pixels)
        self.known[key] = [stamp, found[0], list(vars(found[1]).values())]
        return found

    def _make(self, image):
        try:
            make_copies(image.path, image.info, [*image.copies, *filter(None, [image.clean])], self.recipe, self.cache)
        except ImageError as error:
            self.known.pop(str(image.path), None)
            return str(error)
        return ""

    def _report_error(self, image):
        shown = os.path.relpath(image.path, self.root.parent)
        uses = self.uses.get(image.path, [])
        for use in uses:
            self.problem(use.source, use.line, f"{shown} {image.error}", "error")
        if not uses:
            self.problem(shown, 0, image.error, "error")

    # Writing them into the pages

    def rewrite(self):
        """Each post's images become <picture>s (or sized, lazy <img>s); each post gets its preview image."""
        for content, tags in self.tags.items():
            replacements = {
                tag: self._markup(tag, self.files[path], lazy=number > 0)
                for number, (tag, path) in enumerate(tags)
                if path in self.files and self.files[path].info and not self.files[path].error
            }
            if replacements:
                content._content = replace_tags(content._content, replacements)
        forget_rendered(self.tags)
        by_content = {}
        for path, uses in self.uses.items():
            for use in uses:
                by_content.setdefault(use.content, []).append((use, self.files[path]))
        for content, uses in by_content.items():
            content.preview_image = preview(uses, self.cache)

    def _markup(self, tag, image, lazy):
        site_url = self.settings["SITEURL"]
        if not image.copies:  # SVG and animated images: the file as it is
            return plain_image_html(tag, url_of(site_url, image.address), image.info.width, image.info.height, lazy)
        fallback = [copy for copy in image.copies if copy.format == image.copies[-1].format]
        modern = {}
        for copy in image.copies[: -len(fallback)]:
            modern.setdefault(MIME_TYPES[copy.format], []).append(copy)
        return picture_html(tag, list(modern.items()), fallback, self.settings["IMAGES_SIZES"], site_url, lazy)

    def outputs(self):
        """[(file, path in the output)] for `finalized` to copy."""
        found = []
        for image in self.files.values():
            if image.error:
                continue
            found += [(self.cache / copy.name, copy.save_as) for copy in image.copies]
            if image.clean:
                found.append((self.cache / image.clean.name, image.static_save_as))
            elif image.info and image.info.kind != "raster" and image.path in self.uses and not image.static_save_as:
                found.append((image.path, image.relative))  # SVG and animated, as they are
        return found


def preview(uses, cache):
    """The PreviewImage of a post from its [(Use, ImageFile)]: its `Image:` field, else its first
    image that sites show as a preview (not an SVG). None when there is none."""
    uses = sorted(uses, key=lambda pair: (pair[0].tag is not None, pair[0].tag.start if pair[0].tag else 0))
    for use, image in uses:
        if image.error or not image.info or image.info.kind == "vector":
            continue
        alt = (use.tag.attrs.get("alt") or "").strip() if use.tag else ""
        if image.copies:
            copy = image.copies[-1]  # the widest fallback copy: every site shows it
            size = (cache / copy.name).stat().st_size
            return PreviewImage(url_of("", copy.save_as)[1:], copy.width, copy.height, copy.mime_type, size, alt)
        mime = MIME_TYPES.get(image.info.format, "application/octet-stream")
        size = image.path.stat().st_size
        return PreviewImage(url_of("", image.address)[1:], image.info.width, image.info.height, mime, size, alt)
    return None


def _nth_line(body, needle, nth, body_line):
    """The line of the `nth` occurrence of `needle` in the body (the last one found if fewer), or 0."""
    lines = source_lines_of(body, needle)
    return lines[min(nth, len(lines)) - 1] + body_line - 1 if lines else 0


def forget_rendered(contents):
    """Pelican memoizes each content's rendered text and summary: drop what was rendered
    before its images were rewritten."""
    ids = {id(content) for content in contents}
    for memo in (Content.get_content.cache, Content.get_summary.cache):
        # list(memo) copies it in one step: make serve's quick page may render meanwhile.
        for key in [key for key in list(memo) if key and id(key[0]) in ids]:
            memo.pop(key, None)


def prepare(generators):
    """all_generators_finalized: find, make and write in the images, before any page is written."""
    settings, context = generators[0].settings, generators[0].context
    if not enabled(settings):
        return
    images = SiteImages(settings, context)
    images.find(contents_in(context))
    images.make()
    for problem in images.problems:
        if problem.severity != "error":
            report(logger, problem)
    errors = [problem for problem in images.problems if problem.severity == "error"]
    if errors:
        raise ImageProblemsError(errors)
    images.rewrite()
    statics = {image.static_save_as for image in images.files.values()}
    _pending[os.path.abspath(settings["OUTPUT_PATH"])] = (images.cache, images.outputs(), statics)


def refresh(content, context=None):
    """content_refreshed: one post re-read alone (make serve's quick page) gets its images
    made, placed in the output and written in, and its preview image, as `prepare` and
    `publish` do for a whole build. An image error stops it (the whole build reports it)."""
    settings = content.settings
    if not enabled(settings):
        return
    content.__dict__.pop("preview_image", None)
    images = SiteImages(settings, context)
    images.find([content])
    images.make()
    errors = [problem for problem in images.problems if problem.severity == "error"]
    if errors:
        raise ImageProblemsError(errors)
    images.rewrite()
    output = Path(settings["OUTPUT_PATH"])
    for source, relative in images.outputs():
        place(source, output / relative)


def publish(pelican):
    """finalized: the copies into the output, over Pelican's copies of the originals."""
    pending = _pending.pop(os.path.abspath(pelican.settings["OUTPUT_PATH"]), None)
    if pending is None:
        return
    cache, outputs, statics = pending
    output = Path(pelican.settings["OUTPUT_PATH"])
    for source, relative in outputs:
        place(source, output / relative)
    # The clean copies over static files are the static files' (plugins/static_files).
    settle(pelican.settings, OUTPUTS_RECORD, [relative for _, relative in outputs if relative not in statics])
    prune_cache(cache, {source.name for source, _ in outputs if source.parent == cache})


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)


def register():
    signals.initialized.connect(declare_settings)
    signals.all_generators_finalized.connect(prepare)
    signals.finalized.connect(publish)
    content_refreshed.connect(refresh)
