"""The published copies of one image file, made with Pillow.

A raster image is published in a few widths (never wider than the file), each in the modern
formats (AVIF when this Pillow can write it, then WebP) and in a fallback format every
browser shows (the file's own: JPEG, PNG or WebP; PNG or JPEG for the rest), plus a clean
copy at the file's own address for links to it. Every copy is turned upright by its EXIF
orientation and carries no metadata: no EXIF (GPS, camera, times), XMP, IPTC or comments,
only the colour profile. Animated images and SVG are published as they are.

Copies are named by what makes them (`photo-960w.0123456789.webp`: the source's bytes, the
format and its quality), so the name never changes unless the picture does (CDNs may cache
them for ever) and a rebuild finds the copies it made before in the cache folder.

Pure functions over files: the plugin decides which files, and where the copies go.
"""

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree
from PIL import Image, ImageOps, features

from servicebook.hashing import digest
from servicebook.media import VECTOR_SUFFIXES
from servicebook.writing import replaced_whole

# Pillow's names of the formats a browser shows, as our format keys.
_FORMAT_KEYS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "AVIF": "avif", "GIF": "gif"}
# Formats kept as the fallback copy: every browser shows them (AVIF and GIF are left out:
# older browsers lack the first, the second has 256 colours).
_FALLBACK_KEYS = {"jpeg", "png", "webp"}
_PILLOW_ALIASES = {"MPO": "JPEG"}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "avif": "avif", "gif": "gif", "svg": "svg"}
MIME_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
    "gif": "image/gif",
    "svg": "image/svg+xml",
}
ORIENTATION = 0x0112  # the EXIF tag
_TURNED = {5, 6, 7, 8}  # orientations that swap width and height
# Bump when the copies made from the same source and settings change (resampling, options).
RECIPE_VERSION = "1"
# Pillow's errors for a file it cannot decode (a truncated JPEG raises OSError, a damaged
# header SyntaxError or ValueError; a file it refuses to open, DecompressionBombError).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


class ImageError(Exception):
    """An image file that cannot be published; the message says why and what to do."""


@dataclass(frozen=True)
class Recipe:
    """How copies are made: the site's IMAGES_* settings, as this Pillow can do them."""

    widths: tuple  # the widths of the copies, in pixels
    formats: tuple  # modern formats, best first ("avif", "webp"), those this Pillow writes
    quality: tuple  # ((format, quality), ...)
    max_pixels: int

    @classmethod
    def from_settings(cls, settings):
        return cls(
            widths=tuple(sorted(set(settings["IMAGES_WIDTHS"]))),
            formats=tuple(f for f in settings["IMAGES_FORMATS"] if can_write(f)),
            quality=tuple(sorted(settings["IMAGES_QUALITY"].items())),
            max_pixels=settings["IMAGES_MAX_PIXELS"],
        )

    def quality_of(self, format_key):
        return dict(self.quality).get(format_key)


def can_write(format_key):
    """Whether this Pillow can write the format (AVIF needs a Pillow built with libavif)."""
    return features.check(format_key) if format_key in ("avif", "webp") else format_key in _FORMAT_KEYS


@dataclass(frozen=True)
class ImageInfo:
    """What publishing an image file needs to know, from its header."""

    kind: str  # "raster", "animated" (published as it is) or "vector" (SVG, as it is)
    format: str  # our key: "jpeg", "png", "webp", "avif", "gif", "svg", or Pillow's name ("TIFF")
    width: int  # as shown: after the EXIF orientation (0 for an SVG that gives no size)
    height: int
    alpha: bool = False
    orientation: int = 1


@dataclass(frozen=True)
class Copy:
    """One published copy: `name` in the cache folder, `save_as` in the output."""

    name: str
    save_as: str
    format: str
    width: int
    height: int
    original: bool = False  # the clean copy at the image's own address

    @property
    def mime_type(self):
        return MIME_TYPES[self.format]


def inspect(path, max_pixels):
    """ImageInfo of the image file at `path`, from its header (the pixels are read when the
    copies are made). ImageError for a file that is not an image or is too large."""
    path = Path(path)
    if path.suffix.lower() in VECTOR_SUFFIXES:
        return ImageInfo("vector", "svg", *svg_size(path))
    try:
        with warnings.catch_warnings():
            # Our own limit (below) is the one that speaks; Pillow's warning is only noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageError(
                        f"is {width} × {height} pixels ({width * height / 1e6:.1f} megapixels), over the limit of "
                        f"{max_pixels / 1e6:g} (IMAGES_MAX_PIXELS); scale it down before adding it"
                    )
                orientation = _orientation(image)
                if orientation in _TURNED:
                    width, height = height, width
                # A phone's JPEG often holds a second picture (MPO): it is a still photo.
                still = image.format == "MPO" or not getattr(image, "is_animated", False)
                return ImageInfo(
                    "raster" if still else "animated",
                    _FORMAT_KEYS.get(_PILLOW_ALIASES.get(image.format, image.format), image.format),
                    width,
                    height,
                    image.has_transparency_data,
                    orientation,
                )
    except _DECODE_ERRORS as error:
        raise ImageError(unreadable(error)) from None


def unreadable(error):
    """What Pillow's error says about a file, for an author."""
    if isinstance(error, Image.UnidentifiedImageError):
        return "is not an image this build can read (or it is damaged); export it again as JPEG or PNG"
    reason = re.sub(r"\s*\(\d+ bytes not processed\)", "", str(error))  # Pillow's count says nothing to an author
    return f"cannot be read ({reason}); the file is damaged or cut short: export or download it again"


def _orientation(image):
    try:
        return int(image.getexif().get(ORIENTATION, 1))
    except Exception:  # noqa: BLE001 - damaged EXIF: show the image as stored
        return 1


def svg_size(path):
    """(width, height) an SVG declares (its width and height in pixels, else its viewBox),
    or (0, 0). The file is parsed without fetching or expanding anything."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except (etree.XMLSyntaxError, OSError):
        return 0, 0
    try:
        return _svg_length(root.get("width")), _svg_length(root.get("height"))
    except ValueError:
        pass
    try:
        _x, _y, width, height = (float(part) for part in (root.get("viewBox") or "").replace(",", " ").split())
        return round(width), round(height)
    except ValueError:
        return 0, 0


def _svg_length(value):
    number = float((value or "").strip().removesuffix("px"))
    if number <= 0:
        raise ValueError(value)
    return round(number)


def fallback_format(info):
    """The format every browser gets: the file's own where all show it, else PNG for
    images with transparency or few colours, JPEG for the rest."""
    if info.format in _FALLBACK_KEYS:
        return info.format
    return "png" if info.alpha or info.format == "gif" else "jpeg"


def copy_widths(width, widths):
    """The widths of the copies of an image `width` pixels wide: each of `widths` below it,
    and the image's own width up to the largest of them (never upscaled)."""
    return sorted({w for w in widths if w < width} | {min(width, max(widths))})


def plan_copies(relative, source_digest, info, recipe):
    """The resized copies of a raster image at `relative` (its path in the content), modern
    formats first, then the fallback, each by width; [] for SVG and animated images."""
    if info.kind != "raster":
        return []
    path = PurePosixPath(relative)
    formats = [f for f in recipe.formats if f != fallback_format(info)] + [fallback_format(info)]
    copies = []
    for format_key in formats:
        for width in copy_widths(info.width, recipe.widths):
            height = max(1, round(info.height * width / info.width))
            made_by = digest(source_digest, RECIPE_VERSION, format_key, str(recipe.quality_of(format_key)), str(width))
            name = f"{path.stem}-{width}w.{made_by[:10]}.{EXTENSIONS[format_key]}"
            copies.append(Copy(name, str(path.with_name(name)), format_key, width, height))
    return copies


def plan_clean_original(relative, source_digest, info):
    """The copy published at the image's own address (for links to it): the same format and
    size, upright, without metadata. None for SVG and animated images, published as they are."""
    if info.kind != "raster":
        return None
    path = PurePosixPath(relative)
    made_by = digest(source_digest, RECIPE_VERSION, "original")
    name = f"{path.stem}.{made_by[:10]}.original{path.suffix.lower()}"
    return Copy(name, str(path), info.format, info.width, info.height, original=True)


def make_copies(path, info, copies, recipe, folder):
    """Write each of `copies` (resized copies, and the clean original) of the image at `path`
    that `folder` lacks. ImageError if the file cannot be decoded."""
    folder = Path(folder)
    missing = [copy for copy in copies if not (folder / copy.name).exists()]
    if not missing:
        return
    try:
        with Image.open(path) as image:
            image.load()
            profile = image.info.get("icc_profile")
            transparency = image.info.get("transparency")
            upright = None
            for copy in missing:
                if copy.original:
                    data = _encode_original(image, info, profile, transparency)
                else:
                    if upright is None:
                        upright = _upright(image, info)
                    data = _encode(_resized(upright, copy.width, copy.height), copy.format, recipe, profile)
                _write(folder / copy.name, data)
    except _DECODE_ERRORS as error:
        raise ImageError(unreadable(error)) from None


def _upright(image, info):
    """The image turned by its EXIF orientation, in a mode every encoder takes, alpha
    premultiplied so that resizing does not darken the edges of transparent parts."""
    shown = ImageOps.exif_transpose(image) if info.orientation != 1 else image
    if shown.mode not in ("RGB", "RGBA", "L", "LA") or info.alpha and shown.mode in ("RGB", "L"):
        shown = shown.convert("RGBA" if info.alpha else "RGB")
    return shown.convert({"RGBA": "RGBa", "LA": "La"}[shown.mode]) if shown.mode in ("RGBA", "LA") else shown


def _resized(image, width, height):
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return image.convert({"RGBa": "RGBA", "La": "LA"}[image.mode]) if image.mode in ("RGBa", "La") else image


_OPTIONS = {
    "jpeg": lambda quality: {"quality": quality, "optimize": True, "progressive": True},
    "png": lambda quality: {"compress_level": 9},
    "webp": lambda quality: {"quality": quality, "method": 4},
    "avif": lambda quality: {"quality": quality},
}


def _encode(image, format_key, recipe, profile):
    if format_key == "jpeg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.info = {}  # nothing of the source's metadata may ride along
    extra = {"icc_profile": profile} if profile else {}
    return _saved(image, format_key.upper(), **_OPTIONS[format_key](recipe.quality_of(format_key)), **extra)


def _encode_original(image, info, profile, transparency):
    """The file again, upright and without metadata. A JPEG that needs no turning keeps its
    own quantisation (no visible loss); one that does is encoded at quality 90."""
    pillow_format = {key: name for name, key in _FORMAT_KEYS.items()}.get(info.format, info.format)
    extra = {"icc_profile": profile} if profile else {}
    if transparency is not None:  # a palette's transparent entry, kept by turning
        extra["transparency"] = transparency
    if info.format == "jpeg" and info.orientation == 1:
        image.info = {}  # nothing of the source's metadata may ride along (a JPEG comment would)
        return _saved(image, "JPEG", quality="keep", **extra)
    upright = ImageOps.exif_transpose(image) if info.orientation != 1 else image.copy()
    upright.info = {}
    options = {"quality": 90} if info.format in ("jpeg", "webp", "avif") else {}
    return _saved(upright, pillow_format, **options, **extra)


def _saved(image, pillow_format, **options):
    out = io.BytesIO()
    image.save(out, pillow_format, **options)
    return out.getvalue()


def _write(path, data):
    """Whole or not at all: another build may be reading the same cache."""
    with replaced_whole(path, "wb") as handle:
        handle.write(data)
