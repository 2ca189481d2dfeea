"""The deploy command: check public/, ship it to its target, ping the WebSub hub."""

from pathlib import Path

from servicebook.cdn import HeaderRules
from servicebook.deploy import gh_pages, sync, websub
from servicebook.deploy.targets import MANIFEST, check_public, parse_target


def deploy(to, public, settings, *, dry_run=False, force=False, progress=print):
    """Ship `public` to the target `to` names; (DeployResult, [warnings]). See the module docstring."""
    target = parse_target(to)
    check_public(public)
    if target.kind == "gh-pages":
        result = gh_pages.push(Path(public), target, cname=settings["CNAME"], dry_run=dry_run, force=force)
    else:
        result = sync.sync(
            Path(public),
            target,
            HeaderRules(settings),
            dry_run=dry_run,
            force=force,
            max_delete_share=settings["DEPLOY_MAX_DELETE_SHARE"],
            manifest=MANIFEST,
            progress=progress,
        )
    warnings = []
    if not dry_run and settings["WEBSUB_HUB"]:
        warnings = websub.ping(settings["WEBSUB_HUB"], websub.changed_feed_urls(result.uploaded, settings))
    return result, warnings


def summary(result):
    """What a deploy did, for the terminal: counts, bytes, time, and the first paths."""
    verb = "would upload" if result.dry_run else "uploaded"
    gone = "would delete" if result.dry_run else "deleted"
    lines = [
        f"{result.target}: {verb} {len(result.uploaded)} file(s) ({result.bytes_sent:,} bytes), "
        f"{gone} {len(result.deleted)}, left {result.unchanged} unchanged"
        + ("" if result.dry_run else f", in {result.seconds:.1f} s")
        + "."
    ]
    for label, paths in ((verb, result.uploaded), (gone, result.deleted)):
        lines += [f"  {label}: {path}" for path in paths[:10]]
        lines += [f"  ... and {len(paths) - 10} more"] if len(paths) > 10 else []
    return "\n".join(lines)
