"""`invoke new-post` / `invoke new-case`: a new content file with every field present."""

from datetime import datetime
from pathlib import Path

from pelican.utils import slugify

from servicebook.headers import format_header


def _hint(text):
    """A markdown comment: a link-reference definition that renders as nothing."""
    return f'[//]: # "{text}"'


def new_content(content_path, folder, title, facets=None, now=None, author="", slug_subs=()):
    """Write content_path/folder/<slug>.md and return its path; never overwrite a file.

    With `facets` (CASEBOOK_FACETS) the file is a case story: every case field is present and
    the allowed values are listed in comments under the header.
    """
    now = now or datetime.now()
    slug = slugify(title, regex_subs=slug_subs) or "untitled"
    target = Path(content_path) / folder / f"{slug}.md"
    if target.exists():
        raise FileExistsError(f"{target} already exists; pick another title or edit that file")
    header = [
        ("Title", title),
        ("Date", f"{now:%Y-%m-%d %H:%M}"),
        ("Category", "Cases" if facets else "Essays"),
        ("Tags", ""),
        ("Author", author),
        ("Summary", ""),
        ("Slug", slug),
        ("Status", "draft"),
    ]
    hints = [_hint("Remove Status: draft to publish. Tags: comma-separated.")]
    if facets:
        header += [
            ("Organisation", ""),
            *((facet["label"], "") for facet in facets.values()),
            ("Days-To-Resolve", ""),
            ("Lesson", ""),
        ]
        hints += [
            _hint(
                f"{facet['label']}: {'one or more' if facet.get('multiple') else 'one'} of {', '.join(facet['values'])}"
            )
            for facet in facets.values()
        ]
        hints += [_hint("Days-To-Resolve: a whole number; delete the line if it was never resolved")]
        body = "## What happened\n\n\n\n## What went wrong\n\n\n\n## How it ended\n\n"
    else:
        body = "Write here.\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(format_header(header, keep_empty=True) + "\n".join(hints) + "\n\n" + body, encoding="utf-8")
    return target
