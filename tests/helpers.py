"""Helpers shared by the tests: building small sites, reading content headers and built
pages, running `make` in a copy of the project, reading objects back from rclone."""

import contextlib
import json
import os
import subprocess
import threading
from pathlib import Path

from bs4 import BeautifulSoup

from servicebook import devserver, headers, site
from servicebook.deploy.sync import find_rclone
from servicebook.output_checks import html_pages, target_file  # noqa: F401 - shared with the tests
from servicebook.pagefind_files import cbor_decode, read_pagefind_file

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
# The dev build's settings: pelicanconf.py with every plugin's defaults.
SETTINGS = site.load_settings()


def read_header(path):
    """The `Key: value` metadata header of a content file, keys lower-cased, values only."""
    return {key: field.value for key, field in headers.read_header(Path(path).read_text(encoding="utf-8")).items()}


def content_articles(content=CONTENT):
    """(path, header) of every article source (posts and cases)."""
    return [
        (path, read_header(path)) for folder in ("posts", "cases") for path in sorted((content / folder).glob("*.md"))
    ]


def is_draft(header):
    return header.get("status", "published").lower() == "draft"


def parse_html(path):
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html5lib")


def resolve_link(output, page, href):
    """The file in `output` that a root-relative or relative `href` on `page` points at."""
    return target_file(output, page, href.split("#", 1)[0].split("?", 1)[0])


def write_content(content_dir, files):
    """Write {relative path: text} under `content_dir` (UTF-8 unless the value is bytes)."""
    for relative, text in files.items():
        path = Path(content_dir) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


def build_small_site(tmp_path, files, settings_file=None, strict=False, **overrides):
    """Build a site from `files` (see write_content) with our settings, into tmp_path/output."""
    write_content(tmp_path / "content", files)
    return site.build(
        settings_file or site.PELICANCONF,
        strict=strict,
        PATH=tmp_path / "content",
        OUTPUT_PATH=tmp_path / "output",
        CACHE_PATH=tmp_path / "cache",
        IMAGES_CACHE_PATH=tmp_path / "cache" / "images",
        **overrides,
    )


def problem_lines(result):
    """A build's problems as the terminal shows them, one line each."""
    return [str(problem) for problem in result.problems]


def post(title, body, date="2024-01-02 10:00", tags="", slug=None, **extra):
    """The text of a markdown post with a Pelican header."""
    header = {"Title": title, "Date": date, "Tags": tags, "Slug": slug, **extra}
    lines = [f"{key}: {value}" for key, value in header.items() if value]
    return "\n".join(lines) + "\n\n" + body + "\n"


def daily_posts(count, body, tags=lambda i: f"t{i % 3}"):
    """{"posts/pNN.md": text} of `count` posts, slug pNN, one a day from 2024-01-01, with
    `body(i)` and `tags(i)`."""
    return {
        f"posts/p{i:02d}.md": post(
            f"Post {i}", body(i), slug=f"p{i:02d}", date=f"2024-01-{i + 1:02d} 10:00", tags=tags(i)
        )
        for i in range(count)
    }


# Pagefind's bundle is rebuilt every time; the problem panel's file records how long the
# build took.
NOT_COMPARED = ("pagefind", ".servicebook")


def case(body="Body."):
    """The text of a case story the casebook accepts, with `body` as its text (from line 14)."""
    return f"""Title: A case
Date: 2024-02-03
Tags: billing
Summary: Short.
Organisation: a carrier
Sector: Telecom
Channel: phone
Failure: billing error
Outcome: resolved
Escalation: public/social media
Days-To-Resolve: 12
Lesson: Ask once, in public.

{body}
"""


def output_files(root):
    """{output-relative path: bytes} of a built site, for comparing two builds."""
    root = Path(root)
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).parts[0] not in NOT_COMPARED
    }


@contextlib.contextmanager
def running_dev_server(root, recent=None):
    """(server, its base address): `make serve`'s server (servicebook.devserver) for `root`,
    with the search's recent changes in `recent`, in a thread until the block ends."""
    server = devserver.SiteServer(("127.0.0.1", 0), root, recent)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def changed_without(plugin, tmp_path, files, undo=lambda: None, **overrides):
    """The output files (see `output_files`) that differ between a small site built with
    every plugin and one built without `plugin`; `undo()`, called between the two builds,
    puts back what registering the plugin changed in this process (a build registers every
    plugin it lists, and a plugin that replaces a function of Pelican's leaves it replaced).
    Both sites must hold the same files."""
    build_small_site(tmp_path / "with", files, **overrides)
    undo()
    plugins = [name for name in SETTINGS["PLUGINS"] if name != plugin]
    build_small_site(tmp_path / "without", files, PLUGINS=plugins, **overrides)
    built, without = output_files(tmp_path / "with" / "output"), output_files(tmp_path / "without" / "output")
    assert built.keys() == without.keys()
    return [name for name in built if built[name] != without[name]]


def remote_objects(target):
    """{path: metadata} of the objects at an rclone target, read back through rclone."""
    listing = subprocess.run(
        [find_rclone(), "lsjson", "-R", "--files-only", "--metadata", "--hash", target.location],
        capture_output=True,
        text=True,
        check=True,
    )
    return {entry["Path"]: {**entry["Metadata"], **entry["Hashes"]} for entry in json.loads(listing.stdout)}


def make(target, folder, *variables):
    """`make target [VARIABLE=value ...]` in `folder`, with the venv of this checkout: never
    (re)installing into it, and importing the copy's own servicebook package before the one
    installed there."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(folder)}
    return subprocess.run(
        ["make", "--no-print-directory", "--old-file", ".venv/.installed", target, *variables],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def fragments(bundle):
    """The pages a Pagefind bundle holds: its fragments, decoded (url, content, meta, filters)."""
    return [json.loads(read_pagefind_file(path)) for path in sorted((bundle / "fragment").glob("*.pf_fragment"))]


def filter_index(bundle):
    """{filter name: {value: number of pages}} from the filter files Pagefind's search uses."""
    filters = {}
    for path in (bundle / "filter").glob("*.pf_filter"):
        name, values = cbor_decode(read_pagefind_file(path))
        filters[name] = {value: len(pages) for value, pages in values}
    return filters
