"""What a public build's files should be served with: Content-Type, Cache-Control and, for a
precompressed copy, Content-Encoding.

One set of rules, used by every deploy that sets object headers (rclone's S3, R2, GCS...) and
written out as `_headers` for hosts that read it (Netlify, Cloudflare Pages):

- fingerprinted theme assets (`site.3f2a9c1e.css`) and Pagefind's content-addressed chunks
  never change under their name: cached for a year, `immutable`;
- HTML, feeds and the rest change in place: cached briefly (CACHE_CONTROL_SHORT), so a
  deploy reaches readers within minutes;
- feeds get their own media types (`application/atom+xml`, `application/rss+xml`,
  `application/feed+json`), found by the site's feed paths (servicebook.feeds.FeedPaths);
- a `.gz` or `.br` copy gets the type and cache rule of its original, and its encoding.
"""

import re
from pathlib import PurePosixPath

from servicebook.feeds import MIME_TYPES as FEED_TYPES
from servicebook.feeds import FeedPaths

CACHE_FOREVER = "public, max-age=31536000, immutable"
ENCODINGS = {".gz": "gzip", ".br": "br"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xslt+xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".woff2": "font/woff2",
    ".wasm": "application/wasm",
    # Pagefind's data files (gzip inside, read by its own JavaScript) and its wasm modules.
    ".pagefind": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}
# A name we fingerprinted: stem, dot, 10 hex digits, dot, extension.
FINGERPRINTED = re.compile(r"\.[0-9a-f]{10}\.[^.]+$")
# Pagefind names its chunks by their content: pagefind.en_551634171f.pf_meta, index/en_b7f0d7b.pf_index ...
_PAGEFIND_CHUNK = re.compile(r"\.pf_(?:meta|index|fragment|filter)$")
_PAGEFIND_CHUNKS = ("fragment", "index", "filter")  # its folders of chunks


class HeaderRules:
    """The headers of each file of a public build, by its path relative to the build."""

    def __init__(self, settings):
        self.short = settings["CACHE_CONTROL_SHORT"]
        self.feeds = FeedPaths(settings)

    def content_type(self, relative):
        kind = self.feeds.kind(str(PurePosixPath(relative)))
        if kind:
            return FEED_TYPES[kind]
        return CONTENT_TYPES.get(PurePosixPath(relative).suffix.lower(), "application/octet-stream")

    def cache_control(self, relative):
        name = PurePosixPath(relative).name
        return CACHE_FOREVER if FINGERPRINTED.search(name) or _PAGEFIND_CHUNK.search(name) else self.short

    def headers(self, relative):
        """{header: value} for the file at `relative` ("theme/css/site.3f2a9c1e05.css", "index.html.br")."""
        path = PurePosixPath(relative)
        encoding = ENCODINGS.get(path.suffix)
        original = str(path.with_suffix("")) if encoding else str(path)
        found = {"Content-Type": self.content_type(original), "Cache-Control": self.cache_control(original)}
        if encoding:
            found["Content-Encoding"] = encoding
        return found


def headers_file(settings, feeds):
    """The text of `_headers` (the Netlify and Cloudflare Pages format) for a public build:
    the Content-Security-Policy as a real HTTP header (which, unlike the pages' meta tag, can
    also forbid framing), nosniff and a Referrer-Policy for every path; a year's cache for
    fingerprinted assets and Pagefind's chunks (of every shard); a short one for the folders that hold feeds;
    and the media type of each feed in `feeds` (paths of the build, in order). Hosts merge every rule
    that matches a path (a repeated header is joined), so no path gets two Cache-Control
    rules: HTML keeps the host's own, revalidated, default."""
    # Pagefind's chunks, in the index's first bundle and in each other shard (`:shard`, one
    # folder's name, in the hosts' path patterns; see servicebook.search_shards).
    index = settings["SEARCH_INDEX_DIR"]
    chunks = [f"{index}/{bundle}{part}" for bundle in ("", ":shard/") for part in _PAGEFIND_CHUNKS]
    forever = [settings["THEME_STATIC_DIR"], *chunks]
    rules = [
        (
            "/*",
            {
                "Content-Security-Policy": f"{settings['CONTENT_SECURITY_POLICY']}; frame-ancestors 'self'",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": settings["REFERRER_POLICY"],
            },
        )
    ]
    rules += [(f"/{folder}/*", {"Cache-Control": CACHE_FOREVER}) for folder in forever]
    feed_folders = sorted({PurePosixPath(path).parts[0] for path in feeds if len(PurePosixPath(path).parts) > 1})
    rules += [(f"/{folder}/*", {"Cache-Control": settings["CACHE_CONTROL_SHORT"]}) for folder in feed_folders]
    content_type = HeaderRules(settings).content_type
    rules += [(f"/{path}", {"Content-Type": content_type(path)}) for path in feeds]
    return "".join(
        f"{path}\n" + "".join(f"  {name}: {value}\n" for name, value in headers.items()) for path, headers in rules
    )
