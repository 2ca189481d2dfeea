"""Clear messages for content mistakes, naming the file and line and what to do.

Every markdown file is checked before Pelican reads it (encoding, title, date, typos in
field names, empty body, tags with no letters, markup in titles or tags, links to missing
files). Problems are logged as warnings: `make serve` shows them and goes on, strict builds
(`make check`, `make publish`, CI) fail on them. Two files that would be written to the same
URL always stop the build, since Pelican would otherwise abort half-way through writing.
"""

import logging
import os
from pathlib import Path

from pelican import signals

from tag_normalise.tag_normalise import tag_key

from .source import (
    PELICAN_KEYS,
    Problem,
    body_of,
    date_problems,
    decode,
    link_problems,
    markup_problems,
    read_header,
    typo_problems,
)

logger = logging.getLogger(__name__)


class DuplicateOutputError(Exception):
    def __init__(self, problems):
        self.problems = [str(p) for p in problems]
        super().__init__("Two files would be written to the same URL:\n" + "\n".join(f"  {p}" for p in self.problems))


def check_source(raw, source_path, content_root, checked_elsewhere=False):
    """Every problem of one content file. `checked_elsewhere`: the casebook already checks
    this file's date and field names (and stops the build on them)."""
    source = os.path.relpath(source_path, content_root.parent)
    text, problems = decode(raw, source)
    if problems:
        return problems
    header = read_header(text)
    if not header:
        return [Problem(source, 1, "Header", "no `Key: value` header; start the file with `Title: ...` and `Date: ...`")]
    if not header.get("title") or not header["title"].value:
        line = header["title"].line if "title" in header else 1
        problems.append(Problem(source, line, "Title", "missing or empty; add `Title: ...` to the header"))
    if not checked_elsewhere:
        problems += date_problems(header, source) + typo_problems(header, PELICAN_KEYS, source)
    problems += markup_problems(header, source)
    if "tags" in header:
        for tag in header["tags"].value.split(","):
            if tag.strip() and not tag_key(tag):
                problems.append(Problem(source, header["tags"].line, "Tags",
                                        f"tag {tag.strip()!r} has no letters or digits; remove it"))
    body, body_line = body_of(text)
    if not body.strip():
        problems.append(Problem(source, body_line or len(header) + 1, "Body",
                                "empty; write the text under the header (after one blank line)"))
    problems += link_problems(body, body_line, Path(source_path), content_root, source)
    return problems


def check_files(generator, paths, excludes):
    settings = generator.settings
    content_root = Path(generator.path)
    cases = content_root / settings.get("CASEBOOK_PATH", "cases")
    for relative in generator.get_files(paths, exclude=excludes, extensions=("md", "markdown")):
        path = content_root / relative
        for problem in check_source(path.read_bytes(), path, content_root, path.is_relative_to(cases)):
            logger.warning("%s", problem)


def check_articles(generator):
    check_files(generator, generator.settings["ARTICLE_PATHS"], generator.settings["ARTICLE_EXCLUDES"])


def check_pages(generator):
    check_files(generator, generator.settings["PAGE_PATHS"], generator.settings["PAGE_EXCLUDES"])


def duplicate_outputs(contents, content_root):
    """Problems for every output path claimed by more than one source."""
    claims = {}
    for content in contents:
        if content.save_as:
            claims.setdefault(content.save_as, []).append(os.path.relpath(content.source_path, content_root.parent))
    return [
        Problem(" and ".join(sorted(sources)), 0, "Slug", f"all would be written to {save_as}; give each a different `Slug:`")
        for save_as, sources in claims.items() if len(sources) > 1
    ]


def refuse_duplicates(generators):
    """all_generators_finalized: stop before anything is written."""
    contents, content_root = [], None
    for generator in generators:
        content_root = content_root or Path(generator.path)
        for attribute in ("articles", "drafts", "hidden_articles", "pages", "hidden_pages", "draft_pages"):
            contents += getattr(generator, attribute, [])
    problems = duplicate_outputs(contents, content_root)
    if problems:
        raise DuplicateOutputError(problems)


def register():
    signals.article_generator_init.connect(check_articles)
    signals.page_generator_init.connect(check_pages)
    signals.all_generators_finalized.connect(refuse_duplicates)
