"""Deploy targets, what a deploy did, and the check that public/ is a public build."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from servicebook.publish import MANIFEST

# "C:\\site" or "/var/www": a local path; "s3:bucket/site", "r2:site", "r2,region=x:site",
# ":s3,provider=Other:bucket": an rclone remote (named, with options, or made on the fly).
_REMOTE = re.compile(r"^(?P<remote>:?[A-Za-z0-9_][\w.-]*(?:,[^:/]*)?):(?P<path>.*)$")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


class DeployError(RuntimeError):
    """A deploy that cannot go on; the message says what to do."""


@dataclass(frozen=True)
class Target:
    kind: str  # "gh-pages", "rclone" or "local"
    location: str  # the git remote, "remote:path", or the folder
    branch: str = ""  # gh-pages only


def parse_target(to):
    """The Target that `to` names, or DeployError saying which forms there are."""
    to = (to or "").strip()
    if not to:
        raise DeployError("no deploy target: give one with `make deploy TO=...` or set DEPLOY_TO in publishconf.py")
    if to.startswith("gh-pages:"):
        location, _, branch = to[len("gh-pages:") :].partition("#")
        if not location:
            raise DeployError(f"{to!r}: say where to push, e.g. gh-pages:git@github.com:you/site.git#gh-pages")
        return Target("gh-pages", location, branch or "gh-pages")
    if _REMOTE.match(to) and not Path(to).is_absolute() and not _WINDOWS_DRIVE.match(to):
        return Target("rclone", to)
    return Target("local", str(Path(to).expanduser()))


@dataclass
class DeployResult:
    """What a deploy did (or, with --dry-run, would do): paths relative to public/."""

    target: str
    uploaded: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    unchanged: int = 0
    bytes_sent: int = 0
    seconds: float = 0.0
    dry_run: bool = False


def check_public(public):
    """DeployError unless `public` is a whole public build (made by `make publish`)."""
    public = Path(public)
    if not (public / MANIFEST).is_file():
        what = "does not exist" if not public.exists() else f"has no {MANIFEST}: it is not a public build"
        raise DeployError(f"{public} {what}; run `make publish` first (a dev build is never deployed)")
    if not any(path.is_file() and path.name != MANIFEST for path in public.rglob("*")):
        raise DeployError(f"{public} holds no site; run `make publish` first")
