"""Brotli and gzip copies beside the public build's text files (`index.html.br`,
`index.html.gz`), for servers that send a precompressed file as it is (nginx's
`brotli_static` and `gzip_static`, Caddy's `precompressed`) and for hosts that take them.

Compression is done by the maintained `brotli` library (quality 11) and the standard
library's gzip (level 9), on every core. We do it here rather than with the
pelican-precompress plugin because it must come after everything else a public build does
to its files (the search index, fingerprinted names rewritten into the pages), which a
Pelican `finalized` hook cannot be sure of. A copy that would not be smaller is not written.
"""

import gzip
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import brotli

from servicebook.fingerprint import TEXT_SUFFIXES

COMPRESSED_SUFFIXES = (".br", ".gz")


def compress_file(path):
    """Write `path`.br and `path`.gz where they are smaller; returns the bytes written."""
    data = Path(path).read_bytes()
    written = 0
    for suffix, compressed in (
        (".br", brotli.compress(data, mode=brotli.MODE_TEXT, quality=11)),
        (".gz", gzip.compress(data, compresslevel=9, mtime=0)),
    ):
        if len(compressed) < len(data):
            Path(f"{path}{suffix}").write_bytes(compressed)
            written += len(compressed)
    return written


def precompress(output, min_size):
    """Compress every text file of `output` of at least `min_size` bytes; returns how many."""
    paths = [
        path
        for path in Path(output).rglob("*")
        if path.suffix in TEXT_SUFFIXES and path.is_file() and path.stat().st_size >= min_size
    ]
    workers = min(len(os.sched_getaffinity(0)), len(paths)) or 1
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(compress_file, paths, chunksize=16))
    return len(paths)
