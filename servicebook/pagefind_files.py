"""Reading the files Pagefind writes: gzip, a `pagefind_dcd` header, then CBOR or JSON.

Used by servicebook.pagefind (to tell that a file is written whole), the tests (to check
what was indexed) and the benchmark (to size one query).
"""

import gzip
import json
import os
import struct
from pathlib import Path

HEADER = b"pagefind_dcd"
# A page's fragment (its URL, text, metadata and filters) is `fragment/<page id><this>`.
FRAGMENT_SUFFIX = ".pf_fragment"
ENTRY = "pagefind-entry.json"
# Pagefind's metadata is a list: its version, then its pages ([page id, word count] each),
# index chunks, filters and sorts.
META_PAGES = 1


def fragment_page_id(path):
    """The page id Pagefind names a fragment file after (and the search's results use)."""
    return os.path.basename(path)[: -len(FRAGMENT_SUFFIX)]


def named_fragments(folder):
    """The fragment files (paths, as text) of the pages the bundle in `folder` holds: those its
    entry's metadata names, as the search reads them. Not every file in its `fragment` folder:
    while a bundle is replaced (servicebook.pagefind_bundle), the old bundle's files stay
    beside the new entry for a moment. OSError, ValueError or EOFError from a bundle being
    written, or none."""
    entry = json.loads(Path(folder, ENTRY).read_text(encoding="utf-8"))
    paths = []
    for language in entry["languages"].values():
        meta = cbor_decode(read_pagefind_file(Path(folder, f"pagefind.{language['hash']}.pf_meta")))
        paths += [os.path.join(folder, "fragment", f"{page_id}{FRAGMENT_SUFFIX}") for page_id, _ in meta[META_PAGES]]
    return paths


def read_pagefind_file(path):
    """The payload of a Pagefind data file: gunzipped, header stripped."""
    data = gzip.decompress(Path(path).read_bytes())
    if not data.startswith(HEADER):
        raise ValueError(f"{path}: not a Pagefind data file (no {HEADER!r} header)")
    return data[len(HEADER) :]


def cbor_decode(data):
    """Decode the CBOR subset Pagefind writes (integers, strings, arrays, maps, simple values,
    floats); anything else, or bytes after the value, is a ValueError."""

    def item(at):
        initial = data[at]
        major, info = initial >> 5, initial & 0x1F
        at += 1
        if info < 24:
            value = info
        elif info <= 27:
            size = 1 << (info - 24)
            value = int.from_bytes(data[at : at + size], "big")
            at += size
        else:
            raise ValueError(f"unsupported CBOR item {initial:#x} at {at - 1}")
        if major == 0:
            return value, at
        if major == 1:
            return -1 - value, at
        if major in (2, 3):
            raw = bytes(data[at : at + value])
            return (raw if major == 2 else raw.decode("utf-8")), at + value
        if major == 4:
            items = []
            for _ in range(value):
                element, at = item(at)
                items.append(element)
            return items, at
        if major == 5:
            mapping = {}
            for _ in range(value):
                key, at = item(at)
                mapping[key], at = item(at)
            return mapping, at
        if major == 6:  # a tag: the tagged value is what matters here
            return item(at)
        if major == 7 and info in (20, 21, 22):
            return {20: False, 21: True, 22: None}[info], at
        if major == 7 and info == 26:
            return struct.unpack(">f", value.to_bytes(4, "big"))[0], at
        raise ValueError(f"unsupported CBOR major type {major} at {at - 1}")

    value, end = item(0)
    if end != len(data):
        raise ValueError(f"{len(data) - end} trailing bytes after the CBOR value")
    return value
