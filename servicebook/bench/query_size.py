"""What one search costs a reader: the bytes of Pagefind's bundle a browser fetches for a
one-word query, read from the bundle's own files."""

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from servicebook.search_shards import SHARD_FOLDERS

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
    """(bytes, files, QueryBytes) for a Pagefind bundle folder, and the shards in it (a search
    fetches each shard's entry, metadata, index chunk and filters; Pagefind's scripts and
    WebAssembly once, from the first)."""
    bundle = Path(bundle)
    files = [p for p in bundle.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    shards = [bundle, *sorted(bundle.glob(SHARD_FOLDERS))]
    parts = [_shard_query(shard, term, shard == bundle) for shard in shards]
    items = [
        (label if len(shards) == 1 else f"{shard.name}: {label}", size)
        for shard, part in zip(shards, parts, strict=True)
        for label, size in part[0]
    ]
    index_files = [path for shard in shards for path in (shard / "index").glob("*.pf_index")]
    fragments = sorted(p.stat().st_size for shard in shards for p in (shard / "fragment").glob("*.pf_fragment"))
    if fragments:
        median = int(statistics.median(fragments))
        items.append((f"{results_shown} result fragments (median fragment {median} B)", results_shown * median))
    ui = sum(
        (bundle / name).stat().st_size
        for name in ("pagefind-component-ui.js", "pagefind-component-ui.css")
        if (bundle / name).exists()
    )
    ui += (ROOT / "theme" / "static" / "js" / "search.js").stat().st_size
    query = QueryBytes(items, ui, all(part[2] for part in parts))
    # The largest chunk of each shard in place of the query's.
    query.worst = query.total - sum(part[1] for part in parts) + sum(part[3] for part in parts)
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
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
            "language": next(iter(entry["languages"])),
            "shards": len(shards),
        },
    )


def _shard_query(bundle, term, first):
    """What a one-word search fetches of one bundle: ([(label, bytes)], the query's index
    chunks' bytes, whether they are known exactly, the largest chunk's bytes)."""
    # Imported here: the plain-Pelican child imports this module without plugins/ on its path.
    from servicebook.pagefind_files import cbor_decode, read_pagefind_file

    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    info = next(iter(entry["languages"].values()))

    def size(name):
        path = bundle / name
        return path.stat().st_size if path.exists() else 0

    items = [("pagefind-entry.json", size("pagefind-entry.json"))]
    if first:
        items += [
            ("pagefind.js", size("pagefind.js")),
            ("pagefind-worker.js", size("pagefind-worker.js")),
            (f"wasm.{info['wasm']}.pagefind", size(f"wasm.{info['wasm']}.pagefind")),
        ]
    items.append((f"pagefind.{info['hash']}.pf_meta", size(f"pagefind.{info['hash']}.pf_meta")))
    index_files = sorted((bundle / "index").glob("*.pf_index"))
    largest = max((p.stat().st_size for p in index_files), default=0)
    try:
        chunks = index_chunks(cbor_decode(read_pagefind_file(bundle / f"pagefind.{info['hash']}.pf_meta")))
        wanted = chunks_for_term(chunks, term)
        items += [(f"index chunk for {term!r} ({h})", size(f"index/{h}.pf_index")) for h in wanted]
        query_chunks, exact = sum(size(f"index/{h}.pf_index") for h in wanted), True
    except (OSError, ValueError, KeyError, IndexError):
        items.append((f"largest index chunk (of {len(index_files)}; meta unreadable)", largest))
        query_chunks, exact = largest, False
    filters = list((bundle / "filter").glob("*.pf_filter"))
    items.append(
        (f"all {len(filters)} filter chunks (the filter pane loads them)", sum(p.stat().st_size for p in filters))
    )
    return items, query_chunks, exact, largest
