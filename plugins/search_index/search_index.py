"""Full-text search: index the built site with Pagefind at the end of every build.

Runs on Pelican's `finalized` signal, so `make build`, `make publish` and every rebuild of
`make serve` leave a fresh index in OUTPUT_PATH/pagefind/. Only pages with a
`data-pagefind-body` element are indexed (article, case and page bodies: see the theme);
titles, dates and authors come from `data-pagefind-meta`, and every `data-pagefind-filter`
the templates carry (tag, category, case facets, ...) becomes a filter: nothing here knows
their names.

The pages to index are chosen here, not by Pagefind: drafts (DRAFT_SAVE_AS and friends) are
left out, so the dev server's search finds what the public site will. They are copied into a
staging folder and `python -m pagefind --site STAGING --output-path OUTPUT/pagefind` indexes
exactly those; the URLs Pagefind records are the pages' paths under OUTPUT_PATH.

Settings:
  SEARCH_INDEX          True (default) or False: switch indexing off.
  SEARCH_INDEX_EXCLUDE  glob patterns of output paths never to index, e.g. ["drafts/*"];
                        default: derived from the draft save-as settings.
  SEARCH_INDEX_EXCLUDE_SELECTORS
                        CSS selectors whose text is not indexed (their data-pagefind-meta
                        and -filter values still are); default: hidden elements and the
                        byline (`.meta`: date, author, category, reading time), which results
                        show from the metadata anyway and which would crowd every excerpt.
  SEARCH_INDEX_TIMEOUT  seconds Pagefind may take (default 300).

Any failure of Pagefind raises SearchIndexError, which fails the build with its output.
"""

import fnmatch
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path, PurePosixPath

from pelican import signals

logger = logging.getLogger(__name__)

BUNDLE_DIR = "pagefind"
DEFAULT_TIMEOUT = 300
DEFAULT_EXCLUDE_SELECTORS = ("[hidden]", ".meta")
# Where Pelican writes drafts; their pages are never indexed.
DRAFT_SETTINGS = ("DRAFT_SAVE_AS", "DRAFT_LANG_SAVE_AS", "DRAFT_PAGE_SAVE_AS", "DRAFT_PAGE_LANG_SAVE_AS")
# A real start tag carrying the attribute; text that merely mentions it is escaped (&lt;).
_BODY_TAG = re.compile(r"<[A-Za-z][^<>]*?\sdata-pagefind-body(?=[\s=/>])")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


class SearchIndexError(RuntimeError):
    """Pagefind could not index the site; the message says why (with Pagefind's output)."""

    def __init__(self, message):
        super().__init__(message)
        # servicebook.site.build turns exceptions with `problems` into BuildFailed.
        self.problems = [message]


def has_search_body(html):
    """True when the page has an element marked `data-pagefind-body`."""
    return bool(_BODY_TAG.search(html))


def save_as_pattern(save_as):
    """A glob matching every path a `*_SAVE_AS` template can produce ("" for none).

    "drafts/{slug}/index.html" -> "drafts/*/index.html"
    """
    return _PLACEHOLDER.sub("*", save_as or "").lstrip("/")


def exclude_patterns(settings):
    """SEARCH_INDEX_EXCLUDE if set, else one pattern per draft save-as setting in use."""
    configured = settings.get("SEARCH_INDEX_EXCLUDE")
    if configured is not None:
        return [configured] if isinstance(configured, str) else list(configured)
    patterns = (save_as_pattern(settings.get(name)) for name in DRAFT_SETTINGS)
    return sorted({pattern for pattern in patterns if pattern})


def is_excluded(relative_path, patterns):
    """Whether an output path ("2024/slug/index.html", "/" separated) matches a pattern."""
    return any(fnmatch.fnmatchcase(relative_path, pattern) for pattern in patterns)


def pages_to_index(output_path, patterns=(), bundle_dir=BUNDLE_DIR):
    """Sorted output-relative paths of the HTML pages that have a search body.

    Skips the search bundle itself and paths matching `patterns`.
    """
    output_path = Path(output_path)
    pages = []
    for path in output_path.rglob("*.html"):
        relative = path.relative_to(output_path).as_posix()
        if PurePosixPath(relative).parts[0] == bundle_dir or is_excluded(relative, patterns):
            continue
        if has_search_body(path.read_text(encoding="utf-8", errors="replace")):
            pages.append(relative)
    return sorted(pages)


def pagefind_command(site_dir, bundle_path, exclude_selectors=(), python=sys.executable):
    command = [python, "-m", "pagefind", "--site", str(site_dir), "--output-path", str(bundle_path)]
    if isinstance(exclude_selectors, str):
        exclude_selectors = [exclude_selectors]
    if exclude_selectors:
        # The CLI takes one selector; a selector list does the same job.
        command += ["--exclude-selectors", ", ".join(exclude_selectors)]
    return command


def indexed_page_count(entry):
    """Pages in a parsed `pagefind-entry.json`, all languages together."""
    return sum(language.get("page_count", 0) for language in entry.get("languages", {}).values())


def output_tail(text, lines=25):
    kept = [line for line in (text or "").strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def failure_message(problem, command, output=""):
    message = f"Search index: {problem}.\n  command: {' '.join(command)}"
    tail = output_tail(output)
    if tail:
        message += "\n  Pagefind said:\n" + "\n".join(f"    {line}" for line in tail.splitlines())
    return message


def check_pagefind_installed():
    if importlib.util.find_spec("pagefind") is None:
        raise SearchIndexError(
            "Search index: the pagefind package is not installed; run `make build` (or "
            "`pip install -r requirements.txt -c constraints.txt`), or set SEARCH_INDEX = False"
        )
    from pagefind.service import get_executable

    if get_executable() is None:
        raise SearchIndexError(
            "Search index: the Pagefind binary is missing; install `pagefind[bin]` "
            "(pip install -r requirements.txt -c constraints.txt)"
        )


def remove_old_bundle(bundle_path):
    """Delete a previous index so no stale fragment survives; refuse to delete anything else."""
    if not bundle_path.exists():
        return
    looks_like_bundle = (bundle_path / "pagefind-entry.json").exists() or (bundle_path / "pagefind.js").exists()
    if not bundle_path.is_dir() or not (looks_like_bundle or not any(bundle_path.iterdir())):
        raise SearchIndexError(
            f"Search index: {bundle_path} exists and is not a Pagefind index; move it away, "
            "Pagefind writes the search index there"
        )
    shutil.rmtree(bundle_path)


def stage_pages(output_path, pages, staging):
    """Hard-link (or copy) `pages` from the output into `staging`, keeping their paths."""
    for relative in pages:
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(output_path / relative, target)
        except OSError:
            shutil.copyfile(output_path / relative, target)


def run_pagefind(staging, bundle_path, timeout, exclude_selectors=()):
    command = pagefind_command(staging, bundle_path, exclude_selectors)
    try:
        # cwd=staging: Pagefind also reads pagefind.yml/.toml/.json from its working folder.
        done = subprocess.run(
            command, cwd=staging, capture_output=True, text=True, errors="replace", timeout=timeout
        )
    except subprocess.TimeoutExpired as error:
        output = (error.stdout or b"") + (error.stderr or b"")
        if isinstance(output, bytes):
            output = output.decode("utf-8", "replace")
        raise SearchIndexError(failure_message(f"Pagefind did not finish within {timeout} s", command, output))
    except OSError as error:
        raise SearchIndexError(failure_message(f"could not run Pagefind ({error})", command))
    output = f"{done.stdout}\n{done.stderr}"
    if done.returncode != 0:
        raise SearchIndexError(failure_message(f"Pagefind failed with exit code {done.returncode}", command, output))
    return command, output


def build_index(
    output_path, pages, timeout=DEFAULT_TIMEOUT, exclude_selectors=DEFAULT_EXCLUDE_SELECTORS, bundle_dir=BUNDLE_DIR
):
    """Index `pages` (output-relative paths) into OUTPUT/bundle_dir; returns pagefind-entry.json."""
    output_path = Path(output_path).resolve()
    bundle_path = output_path / bundle_dir
    check_pagefind_installed()
    remove_old_bundle(bundle_path)
    with tempfile.TemporaryDirectory(prefix="servicebook-search-") as staging:
        staging = Path(staging)
        stage_pages(output_path, pages, staging)
        command, output = run_pagefind(staging, bundle_path, timeout, exclude_selectors)
    entry_file = bundle_path / "pagefind-entry.json"
    try:
        entry = json.loads(entry_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SearchIndexError(failure_message(f"Pagefind wrote no readable {entry_file} ({error})", command, output))
    indexed = indexed_page_count(entry)
    if indexed != len(pages):
        raise SearchIndexError(
            failure_message(f"Pagefind indexed {indexed} pages, expected {len(pages)}", command, output)
        )
    logger.debug("Pagefind output:\n%s", output)
    return entry


def index_site(pelican):
    """The `finalized` handler: index pelican.output_path unless SEARCH_INDEX is False."""
    settings = pelican.settings
    if not settings.get("SEARCH_INDEX", True):
        logger.info("Search index: off (SEARCH_INDEX = False)")
        return
    started = time.perf_counter()
    output_path = Path(pelican.output_path)
    pages = pages_to_index(output_path, exclude_patterns(settings))
    if not pages:
        remove_old_bundle(output_path / BUNDLE_DIR)
        logger.warning(
            "Search index: no page in %s has a data-pagefind-body element, so there is nothing to "
            "index and /search/ will find nothing",
            output_path,
        )
        return
    entry = build_index(
        output_path,
        pages,
        timeout=settings.get("SEARCH_INDEX_TIMEOUT", DEFAULT_TIMEOUT),
        exclude_selectors=settings.get("SEARCH_INDEX_EXCLUDE_SELECTORS", DEFAULT_EXCLUDE_SELECTORS),
    )
    logger.info(
        "Search index: %d pages indexed by Pagefind %s into %s in %.2f s",
        len(pages),
        entry.get("version", "?"),
        output_path / BUNDLE_DIR,
        time.perf_counter() - started,
    )


def register():
    signals.finalized.connect(index_site)
