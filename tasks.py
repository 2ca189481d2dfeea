"""Servicebook tasks. Each task is a thin call into `servicebook` or `plugins/`."""

import functools
import json
import sys
from pathlib import Path

from invoke import task as invoke_task
from invoke.exceptions import Exit

from servicebook import authoring, site
from servicebook.devserver import PortInUse

# What an author fixes, named by what it raises: not a traceback.
AUTHOR_ERRORS = (site.SettingsFailed, PortInUse)


def task(*args, **kwargs):
    """invoke's @task, for a body that may meet an author's mistake (AUTHOR_ERRORS: a broken
    settings file, a port in use): the author gets what to fix, not a traceback."""

    def author_checked(body):
        @functools.wraps(body)
        def run(c, *positional, **named):
            try:
                return body(c, *positional, **named)
            except AUTHOR_ERRORS as error:
                raise Exit(str(error), code=1) from None

        return invoke_task(**kwargs)(run)

    return author_checked(args[0]) if args and callable(args[0]) else author_checked


def _build(settings_file=site.PELICANCONF, strict=False):
    try:
        return site.build(settings_file, strict=strict)
    except site.BuildFailed as error:
        raise Exit(str(error), code=1) from None


@task
def build(c, strict=False):
    """Build the site into output/ (content cache on), printing every problem; --strict fails on any warning."""
    print(_build(strict=strict).report())


@task
def serve(c, port=8000):
    """Build, serve on http://127.0.0.1:PORT and rebuild on changes (live reload)."""
    site.serve(port=port)


@task
def publish(c):
    """Build the public site into public/ (publishconf.py), whole or not at all."""
    from servicebook.problems import format_report
    from servicebook.publish import PublishFailed
    from servicebook.publish import publish as publish_site

    try:
        published = publish_site()
    except PublishFailed as error:
        raise Exit(str(error), code=1) from None
    if published.problems:
        print(format_report(published.problems))
    print(f"Published {published.path} in {published.seconds:.2f} s: {published.files} files.")


@task(
    help={
        "to": "gh-pages:<git remote>[#branch], <rclone remote>:<bucket/path>, or a folder (default: DEPLOY_TO)",
        "dry-run": "show what would be uploaded and deleted; change nothing",
        "force": "delete more than DEPLOY_MAX_DELETE_SHARE of the remote, or force-push the branch",
    }
)
def deploy(c, to=None, dry_run=False, force=False):
    """Ship public/ (made by `make publish`) to readers."""
    from servicebook.deploy import DeployError
    from servicebook.deploy.run import deploy as deploy_site
    from servicebook.deploy.run import summary
    from servicebook.publish import publish_settings

    settings = publish_settings()
    try:
        result, warnings = deploy_site(
            to or settings["DEPLOY_TO"], settings["OUTPUT_PATH"], settings, dry_run=dry_run, force=force
        )
    except DeployError as error:
        raise Exit(f"Deploy failed: {error}", code=1) from None
    print(summary(result))
    for warning in warnings:
        print(f"warning: {warning}")


@task
def clean(c):
    """Remove output/ and the content cache."""
    site.clean()


@task
def check(c):
    """Strict build, then links, HTML, feeds, page safety, axe-core and CSP; fails on any problem."""
    from servicebook import output_checks as checks

    result = _build(strict=True)
    report = checks.check_output(result.output_path)
    checks.check_in_browser(result.output_path, report)
    print(result.report())
    print(report.summary())
    if not report.ok:
        raise Exit("make check failed (problems above).", code=1)


@task
def lint(c):
    """ruff: the lint rules and the format in pyproject.toml, checked (nothing is changed)."""
    c.run(f"{sys.executable} -m ruff check .", pty=False)
    c.run(f"{sys.executable} -m ruff format --check .", pty=False)


@task
def test(c):
    """Run the whole test suite."""
    c.run(f"{sys.executable} -m pytest", pty=False)


@task(
    name="import-posts",
    help={
        "source": "a dump file or a folder of them (*.txt, *.md, *.html)",
        "dest": "the folder for the new posts, e.g. content/posts/imported",
        "dry-run": "report only, write nothing",
        "force": "overwrite posts that already exist",
        "report": "also write the report as JSON to this file",
    },
)
def import_posts(c, source, dest, dry_run=False, force=False, report=None):
    """Turn plain-text dumps of old blog posts into markdown posts, with a report."""
    from servicebook.importer import import_posts as run_import

    result = run_import(Path(source), Path(dest), dry_run=dry_run, force=force, settings=site.load_settings())
    print(result.as_text())
    if report:
        Path(report).write_text(json.dumps(result.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    if not result.ok:
        raise Exit("The import had errors (see above).", code=1)


def _new(folder, title, facets=None):
    settings = site.load_settings()
    try:
        path = authoring.new_content(
            settings["PATH"],
            folder,
            title,
            facets,
            author=settings["AUTHOR"],
            slug_subs=settings["SLUG_REGEX_SUBSTITUTIONS"],
        )
    except FileExistsError as error:
        raise Exit(str(error), code=1) from None
    print(f"Created {path}")


@task(help={"title": "the post's title"})
def new_post(c, title):
    """Write content/posts/<slug>.md as a draft with every field present."""
    _new("posts", title)


@task(help={"title": "the case story's title"})
def new_case(c, title):
    """Write content/cases/<slug>.md as a draft with every case field and the allowed values."""
    settings = site.load_settings()
    _new(settings["CASEBOOK_PATH"], title, settings["CASEBOOK_FACETS"])


@task(
    help={
        "posts": "articles in the generated corpus (default 2000; 20% of them case stories)",
        "repeat": "runs of each measurement; the median is reported (default 3)",
        "keep": "keep the corpus and outputs in this folder instead of a temporary one",
        "no-write": "print the results only; leave BENCHMARKS.md alone",
    }
)
def bench(c, posts=2000, repeat=3, keep=None, no_write=False):
    """Benchmark the build against plain Pelican on a generated corpus; updates BENCHMARKS.md."""
    from servicebook import bench as benchmark

    try:
        benchmark.run(posts=posts, repeat=repeat, keep=keep, write=not no_write)
    except benchmark.BenchError as error:
        raise Exit(str(error), code=1) from None
