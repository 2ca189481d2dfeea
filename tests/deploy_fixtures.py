"""Fixtures for the tests that publish and deploy: a real S3 endpoint (`rclone serve s3` on
127.0.0.1, over a temporary folder), an rclone config of our own, and a copy of the project
to run `make` targets in (helpers.make). Use with `pytest_plugins = ["deploy_fixtures"]`."""

import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from helpers import ROOT
from servicebook.deploy import Target
from servicebook.deploy.sync import find_rclone
from servicebook.devserver import free_port

SERVER_START_SECONDS = 30
KEY_ID, SECRET = "KEYID", "SECRET"


@pytest.fixture
def rclone_env(tmp_path, monkeypatch):
    """An empty rclone config of our own: nobody's real remotes take part."""
    config = tmp_path / "rclone.conf"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("RCLONE_CONFIG", str(config))


def wait_until_answering(url, process):
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rclone serve s3 stopped: {process.stderr.read()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answered (403 without credentials)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"rclone serve s3 did not answer at {url} within {SERVER_START_SECONDS} s")


@pytest.fixture
def s3(tmp_path, rclone_env, monkeypatch):
    """`rclone serve s3` over a folder holding one bucket; "tests3:site/www" reaches it."""
    served = tmp_path / "served"
    (served / "site").mkdir(parents=True)
    port = free_port()
    command = [find_rclone(), "serve", "s3", str(served), "--addr", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, "--auth-key", f"{KEY_ID},{SECRET}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/", process)
        for name, value in {
            "TYPE": "s3",
            "PROVIDER": "Other",
            "ENDPOINT": f"http://127.0.0.1:{port}",
            "ACCESS_KEY_ID": KEY_ID,
            "SECRET_ACCESS_KEY": SECRET,
        }.items():
            monkeypatch.setenv(f"RCLONE_CONFIG_TESTS3_{name}", value)
        yield Target("rclone", "tests3:site/www")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    """The project as a clone has it (its .venv shared): for running `make` targets in."""
    copy = tmp_path_factory.mktemp("project") / "servicebook"
    ignored = shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "output", "public", ".cache", "tests", "__pycache__"
    )
    shutil.copytree(ROOT, copy, ignore=ignored)  # copy2 keeps the dates: make sees the venv is current
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy
