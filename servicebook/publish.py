"""`make publish`: the public build in public/, made whole or not at all.

1. Build with publishconf.py into a staging folder beside public/, strictly (any problem
   stops it), search index included.
2. Give the theme's assets fingerprinted names (servicebook.fingerprint).
3. Write `_headers` (servicebook.cdn) for hosts that read it.
4. Write .br and .gz copies of the text files (servicebook.precompress).
5. Record the build in `.servicebook-build.json`: SITEURL, build time, git commit, file
   count. `make deploy` ships only a folder that has it, so a dev build is never shipped.
6. Swap the staging folder in for public/ in one step.

A failure or an interrupt at any step removes the staging folder and leaves public/ as it was.

Settings (DEFAULTS, for publishconf.py): DEPLOY_TO, CNAME, DEPLOY_MAX_DELETE_SHARE,
CACHE_CONTROL_SHORT, REFERRER_POLICY, PRECOMPRESS_MIN_SIZE.
"""

import ctypes
import errno
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from servicebook import cdn, site
from servicebook.fingerprint import fingerprint
from servicebook.plugin_settings import declare
from servicebook.precompress import precompress

DEFAULTS = {
    "DEPLOY_TO": "",  # see servicebook/deploy: gh-pages:..., remote:bucket/path, or a folder
    "CNAME": "",  # GitHub Pages: the site's own domain, written as CNAME on the branch
    "DEPLOY_MAX_DELETE_SHARE": 0.25,  # a deploy refuses to delete more of the remote than this, without --force
    "CACHE_CONTROL_SHORT": "public, max-age=300",  # HTML, feeds and other files that change in place
    "REFERRER_POLICY": "strict-origin-when-cross-origin",
    "PRECOMPRESS_MIN_SIZE": 256,  # bytes: smaller files are not worth a compressed copy
}
MANIFEST = ".servicebook-build.json"


class PublishFailed(RuntimeError):
    """The public build did not complete; public/ is as it was. The message says why."""


@dataclass
class Published:
    path: Path
    seconds: float
    files: int
    problems: list  # the build's Problems: notes only (anything more stops a public build)


def publish_settings(settings_file=site.PUBLISHCONF, **overrides):
    """The public build's settings: publishconf.py, every plugin's defaults and these."""
    settings = site.load_settings(settings_file, **overrides)
    declare(settings, DEFAULTS)
    return settings


def publish(settings_file=site.PUBLISHCONF, **overrides):
    """Make the public build (see the module docstring); PublishFailed if it could not."""
    settings = publish_settings(settings_file, **overrides)
    public = Path(settings["OUTPUT_PATH"])
    staging = public.with_name(f".{public.name}.staging")
    started = time.perf_counter()
    shutil.rmtree(staging, ignore_errors=True)
    try:
        result = site.build(settings_file, strict=True, **{**overrides, "OUTPUT_PATH": staging})
        finish_public_build(staging, settings, previous=public if public.is_dir() else None)
        files = sum(1 for path in staging.rglob("*") if path.is_file())
        swap_in(staging, public)
    except BaseException as error:  # an interrupt too: public/ must stay whole
        shutil.rmtree(staging, ignore_errors=True)
        reason = "interrupted" if isinstance(error, KeyboardInterrupt) else str(error)
        raise PublishFailed(f"{reason}\nPublish failed: {public} is unchanged.") from error
    return Published(public, time.perf_counter() - started, files, result.problems)


def finish_public_build(output, settings, previous=None):
    """Steps 2 to 5 on a built folder; `previous`: the last public build, if any."""
    fingerprint(output, settings["THEME_STATIC_DIR"])
    rules = cdn.HeaderRules(settings)
    files = [path.relative_to(output).as_posix() for path in output.rglob("*") if path.is_file()]
    # The site-wide feeds first: a host may read only the first rules (Cloudflare Pages: 100).
    site_feeds = {path for paths in [settings["FEED_PATHS"].get("site", {})] for path in paths.values()}
    feeds = sorted(
        (path for path in files if rules.feeds.kind(path)),
        key=lambda path: (path not in site_feeds, path),
    )
    (output / "_headers").write_text(cdn.headers_file(settings, feeds), encoding="utf-8")
    precompress(output, settings["PRECOMPRESS_MIN_SIZE"], previous)
    write_manifest(output, settings)


def write_manifest(output, settings):
    files = sum(1 for path in output.rglob("*") if path.is_file())
    manifest = {
        "siteurl": settings["SITEURL"],
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(site.ROOT),
        "files": files + 1,  # with this one
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def git_commit(folder):
    """The commit the site was built from ("<sha>-dirty" with uncommitted changes), or None."""

    def git(*args):
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit and git("status", "--porcelain", "--untracked-files=no"):
        commit += "-dirty"
    return commit


def swap_in(staging, public):
    """Put `staging` where `public` is, in one step where the system can (Linux's
    renameat2 RENAME_EXCHANGE), else in two renames; the old build is removed."""
    if not public.exists():
        os.rename(staging, public)
        return
    if _exchange(staging, public):
        shutil.rmtree(staging)
        return
    old = public.with_name(f".{public.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(public, old)
    os.rename(staging, public)
    shutil.rmtree(old)


def _exchange(first, second):
    """Swap two paths atomically; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.EXDEV, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(second))
