"""Clear messages for content mistakes, naming the file and line and what to do.

Every markdown file is checked before Pelican reads it (encoding, title, date, typos in
field names, empty body, tags with no letters, markup in titles or tags, links to missing
files). Problems are logged as warnings: `make serve` shows them and goes on, strict builds
(`make check`, `make publish`, CI) fail on them. Two files that would be written to the same
URL always stop the build, since Pelican would otherwise abort half-way through writing.
"""

import logging
import os
import re
from dataclasses import replace
from pathlib import Path, PurePosixPath

from pelican import signals
from pelican.generators import ArticlesGenerator
from pelican.readers import ensure_metadata_list
from pelican.utils import slugify

from servicebook.folders import files_under
from servicebook.hashing import digest, source_stamp, source_stat
from servicebook.headers import (
    PELICAN_KEYS,
    body_of,
    date_problems,
    decode,
    duplicate_problems,
    read_header,
    typo_problems,
)
from servicebook.media import IMAGE_SUFFIXES
from servicebook.problems import SKIPPED, Problem, ProblemsError, report, shown_path
from servicebook.process_memo import ProcessMemo, time_locale
from servicebook.records import JsonRecord
from servicebook.signals import fixed_outputs, headers_checked_elsewhere
from servicebook.tags import tag_key

from .body import control_problems, heading_problems, link_problems, markup_problems, wordless_problems

logger = logging.getLogger(__name__)
_H1 = re.compile(r"<h1[\s>]", re.I)


class DuplicateOutputError(ProblemsError):
    def __init__(self, problems):
        super().__init__(
            "Two pages would be written to the same URL:", [replace(p, severity="error") for p in problems]
        )


def check_source(raw, source_path, content_root, checked_elsewhere=False, needs_date=False, slug=None, linked=None):
    """Every problem of one content file. `checked_elsewhere`: the casebook already checks
    this file's date and field names (and stops the build on them). `needs_date`: articles
    must have a date, pages need not. `slug(name)`: the URL slug Pelican would give a tag or
    category, to catch names (e.g. in scripts unidecode cannot spell) that give none. The
    list `linked`, when given, gets every file its links name, there or not."""
    source = os.path.relpath(source_path, content_root.parent)
    text, problems = decode(raw, source)
    if problems:
        return problems
    header = read_header(text)
    if not header:
        return [
            Problem(source, 1, "Header", "no `Key: value` header; start the file with `Title: ...` and `Date: ...`")
        ]
    if not header.get("title") or not header["title"].value:
        line = header["title"].line if "title" in header else 1
        problems.append(Problem(source, line, "Title", "missing or empty; add `Title: ...` to the header"))
    problems += control_problems(text, source) + duplicate_problems(text, source)
    if not checked_elsewhere:
        problems += date_problems(header, source, needs_date) + typo_problems(header, PELICAN_KEYS, source)
    problems += markup_problems(header, source)
    # Split as Pelican does: on ";" when there is one, else on ",".
    named = [
        (key, name) for key in ("tags", "authors") if key in header for name in ensure_metadata_list(header[key].value)
    ]
    named += [(key, header[key].value) for key in ("category", "author") if key in header]
    for key, name in named:
        if name.strip() and not tag_key(name):
            problems.append(
                Problem(source, header[key].line, key.title(), f"{name.strip()!r} has no letters or digits; remove it")
            )
        elif name.strip() and slug and not slug(name):
            problems.append(
                Problem(
                    source,
                    header[key].line,
                    key.title(),
                    f"{name.strip()!r} gives an empty web address; add letters a-z or digits",
                )
            )
    title = header.get("title")
    if title and title.value and slug and "slug" not in header and not slug(title.value):
        problems.append(
            Problem(
                source,
                title.line,
                "Title",
                f"{title.value!r} gives an empty web address; add `Slug: ...` with letters a-z or digits",
            )
        )
    body, body_line = body_of(text)
    if not body.strip():
        problems.append(
            Problem(
                source,
                body_line or len(header) + 1,
                "Body",
                "empty; write the text under the header (after one blank line)",
            )
        )
    else:
        problems += wordless_problems(body, body_line, source)
    problems += link_problems(body, body_line, Path(source_path), content_root, source, linked)
    return problems


class CheckRecord:
    """The problems found in each file by the last build, by a key of everything they depend
    on: the file, the settings, and whether each file its links name is there. A rebuild
    checks only changed files (not every file once one is added or removed), and still
    reports every problem of every file. Kept in CACHE_PATH when CACHE_CONTENT is on."""

    VERSION = "4"

    def __init__(self, settings):
        self.record = JsonRecord(settings, "content-checks.json")
        self.files = self.record.load({})
        # Whether an entry changed since the load, and the sources looked at: with nothing
        # changed, the record is not written again (0.2 s of JSON at 5,000 posts, twice a build).
        self.changed = False
        self.checked = set()

    def there(self, path):
        """Whether the file at `path` exists, as the build first saw it (servicebook.hashing.
        stats_held): posts link to the same files (13,651 links to 4,685 files at 5,000 posts)."""
        return source_stat(path) is not None

    def problems(self, source, settings_key, check):
        """`check(raw, linked)`'s problems for the file at `source`, given its bytes (it adds to
        the list `linked` the files its links name), or the recorded ones when the file and
        `settings_key` are as they were and each of those files is there or not as it was.
        An unchanged file is known by its stamp, so it is not read again, else by its bytes."""
        stamp = source_stamp(source)
        self.checked.add(source)
        recorded = self.files.get(source)
        if recorded is not None and not all(self.there(path) == there for path, there in recorded[2]):
            recorded = None
        if recorded is not None and recorded[3] == stamp and recorded[4] == settings_key:
            return [Problem(*fields) for fields in recorded[1]]
        raw = Path(source).read_bytes()
        key = digest(raw, settings_key)
        self.changed = True
        if recorded is not None and recorded[0] == key:
            recorded[3:] = [stamp, settings_key]
            return [Problem(*fields) for fields in recorded[1]]
        linked = []
        problems = check(raw, linked)
        self.files[source] = [
            key,
            [[p.source, p.line, p.field, p.message, p.severity] for p in problems],
            [[path, self.there(path)] for path in dict.fromkeys(linked)],
            stamp,
            settings_key,
        ]
        return problems

    def save(self):
        """Keep the entries of the files still there (articles and pages share the record:
        each build checks only its own files, so the others are looked for on disk)."""
        gone = [source for source in self.files if source not in self.checked and source_stat(source) is None]
        for source in gone:
            del self.files[source]
        self.record.save(self.files, changed=self.changed or bool(gone))


def check_files(generator, paths, excludes, needs_date):
    settings = generator.settings
    content_root = Path(generator.path)
    # Folders whose headers another plugin checks (the casebook's cases), as text (0.03 s less at 5,000 posts).
    elsewhere = tuple(os.path.join(str(content_root / f), "") for _, f in headers_checked_elsewhere.send(settings) if f)

    def slug(name):
        return slugify(
            name, regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"], use_unicode=settings["SLUGIFY_USE_UNICODE"]
        )

    record = CheckRecord(settings)
    shared = repr(
        (
            CheckRecord.VERSION,
            str(content_root),
            settings["SLUG_REGEX_SUBSTITUTIONS"],
            settings["SLUGIFY_USE_UNICODE"],
            needs_date,
        )
    )
    for relative in generator.get_files(paths, exclude=excludes, extensions=("md", "markdown")):
        path = os.path.normpath(os.path.join(content_root, relative))  # as str(content_root / relative)
        header_checked_elsewhere = path.startswith(elsewhere)

        def check(raw, linked, path=path, header_checked_elsewhere=header_checked_elsewhere):
            return check_source(raw, Path(path), content_root, header_checked_elsewhere, needs_date, slug, linked)

        for problem in record.problems(path, shared + str(header_checked_elsewhere), check):
            report(logger, problem)
    record.save()


def check_rendered_headings(content):
    """content_object_init: the title is a page's only <h1>. Markdown makes one from `# x`,
    `#x`, `- #x`, `> #x` or an `===` underline, so look at the HTML, then find the line.
    The Summary is markdown too, and every list page shows it."""
    in_body = bool(_H1.search(content._content or ""))
    in_summary = bool(_H1.search(str(content.metadata.get("summary") or "")))
    if not (in_body or in_summary):
        return
    source_path = Path(content.source_path)
    content_root = Path(content.settings["PATH"])
    source = os.path.relpath(source_path, content_root.parent)
    text, _ = decode(source_path.read_bytes(), source)
    problems = []
    if in_body:
        body, body_line = body_of(text)
        problems += heading_problems(body, body_line, source) or [
            Problem(source, 0, "Heading", "a level-1 heading in the text; the title is the only one, use ## instead")
        ]
    if in_summary:
        line = read_header(text).get("summary")
        problems.append(
            Problem(
                source,
                line.line if line else 0,
                "Summary",
                "markdown makes it a level-1 heading (it starts with #); start it with a word, or \\#",
            )
        )
    for problem in problems:
        report(logger, problem)


def check_articles(generator):
    check_files(generator, generator.settings["ARTICLE_PATHS"], generator.settings["ARTICLE_EXCLUDES"], True)


def check_pages(generator):
    check_files(generator, generator.settings["PAGE_PATHS"], generator.settings["PAGE_EXCLUDES"], False)


def sources_by(contents, content_root, key, wanted=lambda key, group: len(group) > 1):
    """{key(content): [source files, relative to the project]} for the groups of `contents`
    that are `wanted` (by default those of more than one). Only those paths are made
    relative: that is slow, and most groups are of one content."""
    groups = {}
    for content in contents:
        groups.setdefault(key(content), []).append(content.source_path)
    project = content_root.parent
    return {
        key: [os.path.relpath(source, project) for source in group]
        for key, group in groups.items()
        if wanted(key, group)
    }


def duplicate_outputs(contents, content_root, fixed=None):
    """Problems for every output path claimed by more than one source, or by a source and
    one of the `fixed` pages ({save_as: description}) that Pelican writes itself."""
    # normpath: an empty slug makes "2024//index.html", the year archive's file.
    fixed = {os.path.normpath(save_as): what for save_as, what in (fixed or {}).items()}
    claims = sources_by(
        [c for c in contents if c.save_as],
        content_root,
        lambda c: os.path.normpath(c.save_as),
        lambda save_as, group: len(group) > 1 or save_as in fixed,
    )
    return [
        Problem(
            " and ".join(sorted(sources)),
            0,
            "Slug",
            f"all would be written to {save_as}; give each a different `Slug:`",
        )
        for save_as, sources in claims.items()
        if len(sources) > 1
    ] + [
        Problem(
            " and ".join(sorted(sources)),
            0,
            "Slug",
            f"would be written to {save_as}, which is {fixed[save_as]}; give it a different `Slug:`",
        )
        for save_as, sources in claims.items()
        if save_as in fixed
    ]


def pages_the_site_makes(generator):
    """{save_as: description} of the pages an articles generator writes beside the content:
    the direct templates, tag, category and author pages, the date archives, and what other
    plugins claim through servicebook.signals.fixed_outputs (the casebook's pages)."""
    settings = generator.settings
    fixed = {
        settings.get(f"{name.upper()}_SAVE_AS", f"{name}.html"): f"the {name} page"
        for name in settings["DIRECT_TEMPLATES"]
    }
    fixed.update(
        {save_as: f"the page made from {template}" for template, save_as in settings["TEMPLATE_PAGES"].items()}
    )
    taxonomies = [("tag", tag) for tag in generator.tags] + [("category", c) for c, _ in generator.categories]
    fixed.update({item.save_as: f"the page of {kind} {item.name!r}" for kind, item in taxonomies})
    fixed.update({author.save_as: f"the page of author {author.name!r}" for author, _ in generator.authors})
    locale_now = time_locale()
    for period in ("year", "month", "day"):
        pattern = settings.get(f"{period.upper()}_ARCHIVE_SAVE_AS")
        if pattern:
            fixed.update(
                {archive_of(pattern, article.date, locale_now): f"the {period} archive" for article in generator.dates}
            )
    for _, claimed in fixed_outputs.send(generator):
        fixed.update(claimed or {})
    return fixed


# (pattern, date, its zone, time locale) -> the archive's file: every build of a process
# formats the same dates (15,000 at 5,000 posts: 0.2 s of each `make serve` rebuild).
_ARCHIVES = ProcessMemo(200_000)


def archive_of(pattern, date, locale_now):
    """The file of the archive `pattern` for `date` (month names follow the time locale)."""
    return _ARCHIVES.get((pattern, date, date.tzinfo, locale_now), lambda: pattern.format(date=date))


# Pelican groups content by slug to find translations: two posts in one language with one
# slug is a mistake it only warns about, without naming the files.
_TRANSLATION_GROUPS = (
    ("articles", "translations"),
    ("drafts", "drafts_translations"),
    ("hidden_articles", "hidden_translations"),
    ("pages", "translations"),
    ("hidden_pages", "hidden_translations"),
    ("draft_pages", "draft_translations"),
)


def shared_slugs(contents, content_root):
    """Problems for content of one language and status that shares a slug."""
    groups = sources_by(contents, content_root, lambda content: (content.slug, content.lang))
    return [
        Problem(
            " and ".join(sorted(sources)),
            0,
            "Slug",
            f"all have the slug {slug!r}, so Pelican takes them for translations of one post; "
            "give each a different `Slug:`",
        )
        for (slug, _), sources in groups.items()
        if len(sources) > 1
    ]


def report_shared_slugs(generator, content_root):
    for originals, translations in _TRANSLATION_GROUPS:
        if hasattr(generator, originals):
            contents = getattr(generator, originals) + getattr(generator, translations, [])
            for problem in shared_slugs(contents, content_root):
                report(logger, problem)


def refuse_duplicates(generators):
    """all_generators_finalized: stop before anything is written."""
    contents, content_root, fixed = [], None, {}
    for generator in generators:
        content_root = content_root or Path(generator.path)
        for attribute in ("articles", "drafts", "hidden_articles", "pages", "hidden_pages", "draft_pages"):
            contents += getattr(generator, attribute, [])
        if isinstance(generator, ArticlesGenerator):
            fixed.update(pages_the_site_makes(generator))
        report_shared_slugs(generator, content_root)
    problems = duplicate_outputs(contents, content_root, fixed)
    if problems:
        raise DuplicateOutputError(problems)


# Files nobody means to publish: editors' backups and swap files, and hidden files.
_NOT_CONTENT = re.compile(r"(^|/)\.|~$|\.(swp|swo|bak|tmp)$|(^|/)#[^/]*#$")


def unread_files(all_files, read, content_folders, readable_suffixes):
    """Problems for the files under the content folder that no generator took: a file
    Pelican can read (markdown) outside the content folders, or a file it cannot read among
    them (a post saved as .txt). `all_files` and `read` are paths relative to the content folder."""
    problems = []
    folders = ", ".join(f"{folder}/" for folder in content_folders)
    for relative in sorted(set(all_files) - set(read)):
        inside = any(relative.startswith(f"{folder}/") for folder in content_folders)
        readable = relative.rsplit(".", 1)[-1] in readable_suffixes
        # An image beside a post is what its relative addresses are read from (plugins/images).
        if _NOT_CONTENT.search(relative) or PurePosixPath(relative).suffix.lower() in IMAGE_SUFFIXES:
            continue
        if readable and not inside:
            problems.append(
                Problem(
                    relative, 0, SKIPPED, f"not published (only files in {folders} are read; move it into one of them)"
                )
            )
        elif inside and not readable:
            problems.append(
                Problem(
                    relative,
                    0,
                    SKIPPED,
                    "not published (not a markdown file; name it *.md if it is a post or page)",
                    "note",
                )
            )
    return problems


def report_unread_files(generators):
    """all_generators_finalized: say which files in the content folder were left unread."""
    generator = generators[0]
    settings, context, content_root = generator.settings, generator.context, Path(generator.path)
    read = set(context["generated_content"]) | set(context["static_content"])
    all_files = files_under(content_root)
    folders = settings["ARTICLE_PATHS"] + settings["PAGE_PATHS"]
    for problem in unread_files(all_files, read, folders, set(generator.readers.readers)):
        report(logger, replace(problem, source=shown_path(problem.source, content_root)))


def register():
    signals.article_generator_init.connect(check_articles)
    signals.page_generator_init.connect(check_pages)
    signals.all_generators_finalized.connect(refuse_duplicates)
    signals.all_generators_finalized.connect(report_unread_files)
    signals.content_object_init.connect(check_rendered_headings)
