"""What one search costs a reader: the bytes of Pagefind's bundle a browser fetches for a
one-word query, read from the bundle's own files."""

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERY_WORD = "refund"
# What Pagefind's Component UI shows before "Load more": fragments are fetched per shown result.
RESULTS_SHOWN = 5


def index_chunks(meta):
    """[(from, to, hash)] from a decoded pf_meta: the list of 3-string entries."""
    for part in meta:
        if (
            isinstance(part, list)
            and part
            and all(isinstance(c, list) and len(c) == 3 and all(isinstance(v, str) for v in c) for c in part)
        ):
            return [tuple(c) for c in part]
    return []


def chunks_for_term(chunks, term):
    """The chunk hashes Pagefind's wasm requests for a one-word `term` (request_indexes):
    the chunk whose word range holds it, else any chunk that may hold an extension of it."""
    term = term.lower()
    for lo, hi, chunk in chunks:
        if lo <= term <= hi:
            return [chunk]
    for lo, hi, chunk in chunks:
        # Both bounds and the term cut to the shorter length, as in pagefind_web's lib.rs.
        if term[: len(lo)] >= lo[: len(term)] and term[: len(hi)] <= hi[: len(term)]:
            return [chunk]
    return []


@dataclass
class QueryBytes:
    """What a browser fetches for the first one-word query on /search/ (estimate, on-disk sizes)."""

    items: list  # [(label, bytes)]
    ui_assets: int
    exact: bool
    worst: int = 0  # the same, with the largest index chunk in place of the query's

    @property
    def total(self):
        return sum(size for _, size in self.items)


def bundle_stats(bundle, term=QUERY_WORD, results_shown=RESULTS_SHOWN):
    """(bytes, files, QueryBytes) for a Pagefind bundle folder."""
    # Imported here: the plain-Pelican child imports this module without plugins/ on its path.
    from servicebook.pagefind_files import cbor_decode, read_pagefind_file

    bundle = Path(bundle)
    files = [p for p in bundle.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    language, info = next(iter(entry["languages"].items()))

    def size(name):
        path = bundle / name
        return path.stat().st_size if path.exists() else 0

    items = [
        ("pagefind-entry.json", size("pagefind-entry.json")),
        ("pagefind.js", size("pagefind.js")),
        ("pagefind-worker.js", size("pagefind-worker.js")),
        (f"wasm.{info['wasm']}.pagefind", size(f"wasm.{info['wasm']}.pagefind")),
        (f"pagefind.{info['hash']}.pf_meta", size(f"pagefind.{info['hash']}.pf_meta")),
    ]
    exact = True
    index_files = sorted((bundle / "index").glob("*.pf_index"))
    try:
        chunks = index_chunks(cbor_decode(read_pagefind_file(bundle / f"pagefind.{info['hash']}.pf_meta")))
        wanted = chunks_for_term(chunks, term)
        items += [(f"index chunk for {term!r} ({h})", size(f"index/{h}.pf_index")) for h in wanted]
        query_chunks = sum(size(f"index/{h}.pf_index") for h in wanted)
    except (OSError, ValueError, KeyError, IndexError):
        exact = False
        largest = max((p.stat().st_size for p in index_files), default=0)
        items.append((f"largest index chunk (of {len(index_files)}; meta unreadable)", largest))
        query_chunks = largest
    filters = list((bundle / "filter").glob("*.pf_filter"))
    items.append(
        (f"all {len(filters)} filter chunks (the filter pane loads them)", sum(p.stat().st_size for p in filters))
    )
    fragments = sorted(p.stat().st_size for p in (bundle / "fragment").glob("*.pf_fragment"))
    if fragments:
        median = int(statistics.median(fragments))
        items.append((f"{results_shown} result fragments (median fragment {median} B)", results_shown * median))
    ui = sum(size(name) for name in ("pagefind-component-ui.js", "pagefind-component-ui.css"))
    ui += (ROOT / "theme" / "static" / "js" / "search.js").stat().st_size
    query = QueryBytes(items, ui, exact)
    query.worst = query.total - query_chunks + max((p.stat().st_size for p in index_files), default=0)
    return (
        total,
        len(files),
        query,
        {
            "index_chunks": len(index_files),
            "index_bytes": sum(p.stat().st_size for p in index_files),
            "largest_index_chunk": max((p.stat().st_size for p in index_files), default=0),
            "fragments": len(fragments),
            "fragment_bytes": sum(fragments),
            "language": language,
        },
    )
