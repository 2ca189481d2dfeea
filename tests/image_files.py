"""Real image files for the tests, made with Pillow: photos with EXIF orientation and GPS,
PNGs with transparency, animated GIFs, images too large to publish, truncated files."""

import io
import random

from PIL import Image, ImageDraw

ORIENTATION, GPS_IFD, MAKE = 0x0112, 0x8825, 0x010F
# Somewhere in London, as a phone writes it.
GPS = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}


def _saved(image, format_, **options):
    out = io.BytesIO()
    image.save(out, format_, **options)
    return out.getvalue()


def photo(width=3000, height=2000, orientation=1, gps=True, quality=92):
    """A JPEG with the detail of a photo (gradients and noise), `width` × `height` as
    stored, with an EXIF orientation, the camera's make and (by default) a GPS position."""
    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
            noise(width, height),
        ],
    )
    ImageDraw.Draw(base).rectangle([width // 10, height // 10, width // 3, height // 2], fill=(200, 30, 30))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PhoneCam"
    if gps:
        exif[GPS_IFD] = GPS
    return _saved(base, "JPEG", exif=exif, quality=quality)


def noise(width, height, seed=7):
    """Grey noise, the same on every run (so file sizes are too)."""
    return Image.frombytes("L", (width, height), random.Random(seed).randbytes(width * height))


def transparent_png(width=1200, height=800):
    """A PNG with an opaque shape on a transparent ground, and a text chunk of metadata."""
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse([width // 4, height // 4, 3 * width // 4, 3 * height // 4], fill=(20, 90, 200, 255))
    info = PngInfo()
    info.add_text("Author", "someone@example.com")
    return _saved(image, "PNG", pnginfo=info)


def screenshot(width=1400, height=900):
    """A flat-colour PNG with lines of 'text', like a screenshot of a bill."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for row in range(40, height - 40, 36):
        draw.rectangle([60, row, 60 + (row * 37) % (width - 200) + 100, row + 14], fill=(40, 40, 40))
    return _saved(image, "PNG")


def animated_gif(frames=4, size=(120, 80)):
    pictures = [Image.new("RGB", size, (60 * frame, 120, 200 - 40 * frame)) for frame in range(frames)]
    return _saved(pictures[0], "GIF", save_all=True, append_images=pictures[1:], duration=100, loop=0)


def huge_png(width=8000, height=6000):
    """A PNG over 40 megapixels that is small on disk (one colour, one bit a pixel)."""
    return _saved(Image.new("1", (width, height), 1), "PNG")


def truncated(data, keep=0.5):
    """The first part of an image file, as a download cut short leaves it."""
    return data[: int(len(data) * keep)]


def svg(width=300, height=120):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="#0b5cad"/></svg>'
    ).encode()
