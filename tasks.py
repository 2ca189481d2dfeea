"""Servicebook tasks. Each task is a thin call into `servicebook` or `plugins/`."""

import sys
from pathlib import Path

from invoke import task

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent / "plugins")]

from servicebook import site  # noqa: E402


@task
def build(c, strict=False):
    """Build the site into output/ (content cache on)."""
    result = site.build(strict=strict)
    print(f"Built {result.output_path} in {result.seconds:.2f} s with {len(result.problems)} warnings.")


@task
def serve(c, port=8000):
    """Build, serve on http://127.0.0.1:PORT and rebuild on changes (live reload)."""
    site.serve(port=port)


@task
def publish(c):
    """Build the public site with publishconf.py (absolute URLs, no drafts)."""
    result = site.build(site.PUBLISHCONF, strict=True)
    print(f"Published to {result.output_path} in {result.seconds:.2f} s.")


@task
def clean(c):
    """Remove output/ and the content cache."""
    site.clean()


@task
def test(c):
    """Run the whole test suite."""
    c.run(f"{sys.executable} -m pytest", pty=False)
