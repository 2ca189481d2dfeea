"""Deploying to GitHub Pages, or any host that serves a git branch: one commit of public/
on the branch (default gh-pages), with `.nojekyll` (so GitHub serves every file as it is)
and a `CNAME` file when the CNAME setting names the site's domain, pushed to the remote.

The commit is made with ghp-import in a scratch repository, on top of the remote branch's
latest commit (fetched shallowly), so the project's own repository is never touched and
the branch keeps its history. A deploy that changes nothing pushes nothing.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from servicebook.deploy.targets import DeployError, DeployResult

_IDENTITY = {"GIT_AUTHOR_NAME": "Servicebook", "GIT_AUTHOR_EMAIL": "servicebook@localhost"}


def _git(repo, *args, check=True):
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
        raise DeployError(f"git {args[0]} failed: {lines[-1] if lines else f'exit {done.returncode}'}")
    return done


def _identity(repo):
    """Committer name and address for ghp-import: the user's git identity, else ours."""
    env = dict(os.environ)
    for key, config in (("GIT_COMMITTER_NAME", "user.name"), ("GIT_COMMITTER_EMAIL", "user.email")):
        configured = _git(repo, "config", config, check=False).stdout.strip()
        env.setdefault(key, configured or _IDENTITY[key.replace("COMMITTER", "AUTHOR")])
    return env


def push(public, target, cname="", dry_run=False, force=False, message=None):
    """Commit `public` onto `target.branch` of `target.location` and push it; DeployResult."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="servicebook-gh-pages-") as scratch:
        repo = Path(scratch)
        _git(repo, "init", "--quiet")
        _git(repo, "remote", "add", "target", target.location)
        fetched = _git(repo, "fetch", "--quiet", "--depth=1", "target", target.branch, check=False)
        if fetched.returncode != 0 and "couldn't find remote ref" not in fetched.stderr:
            reason = fetched.stderr.strip().splitlines()[-1] if fetched.stderr.strip() else "unreachable"
            raise DeployError(f"cannot reach {target.location}: {reason}")
        before = "refs/remotes/target/" + target.branch if fetched.returncode == 0 else None
        _import(repo, public, target.branch, cname, message or _message(public))
        changed = _changes(repo, before, target.branch)
        result = DeployResult(f"gh-pages:{target.location}#{target.branch}", dry_run=dry_run)
        result.uploaded = [path for status, path in changed if status != "D"]
        result.deleted = [path for status, path in changed if status == "D"]
        result.unchanged = len(_tree(repo, target.branch)) - len(result.uploaded)
        result.bytes_sent = sum((public / path).stat().st_size for path in result.uploaded if (public / path).is_file())
        if changed and not dry_run:
            pushed = _git(repo, "push", *(["--force"] if force else []), "target", target.branch, check=False)
            if pushed.returncode != 0:
                hint = (
                    "; pull the branch's changes in or re-run with --force to replace them"
                    if "rejected" in (pushed.stderr)
                    else ""
                )
                raise DeployError(
                    f"git push to {target.location} failed: {pushed.stderr.strip().splitlines()[-1]}{hint}"
                )
    result.seconds = time.perf_counter() - started
    return result


def _message(public):
    manifest = public / ".servicebook-build.json"
    return f"Publish Servicebook ({manifest.read_text(encoding='utf-8').strip()})" if manifest.exists() else "Publish"


def _import(repo, public, branch, cname, message):
    """ghp-import's commit of `public` on `branch` (on top of the fetched branch, if any)."""
    command = [
        sys.executable,
        "-m",
        "ghp_import",
        "--no-jekyll",
        "--remote",
        "target",
        "--branch",
        branch,
        "--message",
        message,
        str(public),
    ]
    if cname:
        command[3:3] = ["--cname", cname]
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=_identity(repo))
    if done.returncode != 0 or _git(repo, "rev-parse", "--verify", "--quiet", branch, check=False).returncode:
        raise DeployError(f"ghp-import could not commit {public}: {(done.stderr or done.stdout).strip()}")


def _tree(repo, branch):
    """Every file path on `branch`."""
    return [path for path in _git(repo, "ls-tree", "-r", "-z", "--name-only", branch).stdout.split("\0") if path]


def _changes(repo, before, branch):
    """[(status, path)] that the new commit changes against `before` (every file if None)."""
    if before is None:
        return [("A", path) for path in _tree(repo, branch)]
    fields = _git(repo, "diff", "-z", "--name-status", "--no-renames", before, branch).stdout.split("\0")
    return list(zip(fields[0:-1:2], fields[1::2], strict=False))
