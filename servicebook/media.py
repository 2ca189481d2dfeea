"""What the images plugin shares: which files are images, and the preview image it hands
the theme and the feeds.

`article.preview_image` (or a page's) is a PreviewImage, or absent when the post has no image
a site could show as its preview. The theme publishes it as og:image, the feeds as an
enclosure (Atom, RSS) or `image` (JSON Feed).
"""

from dataclasses import dataclass

RASTER_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".tif", ".tiff", ".bmp"})
VECTOR_SUFFIXES = frozenset({".svg"})
IMAGE_SUFFIXES = RASTER_SUFFIXES | VECTOR_SUFFIXES


@dataclass(frozen=True)
class PreviewImage:
    url: str  # relative to SITEURL, URL-encoded: images/photo-1600w.0123456789.jpg
    width: int
    height: int
    mime_type: str
    length: int  # bytes, as feed enclosures give it
    alt: str = ""
