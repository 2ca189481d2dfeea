"""The project as a new user meets it: the README's commands and tasks, pinned dependencies,
CI running exactly the README's test command, a theme that loads nothing from elsewhere."""

import re

from invoke import Collection

import tasks
from helpers import ROOT
from servicebook import site

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_sections():
    return re.findall(r"^## (.+)$", README, re.M)


def test_readme_starts_with_the_two_commands_then_layout_writing_and_tasks():
    sections = readme_sections()
    assert sections[0] == "Two commands"
    order = [sections.index(name) for name in ("Two commands", "Layout", "Writing a post", "Tasks")]
    assert order == sorted(order), sections
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.splitlines()] == ["make serve", "make test"]


def test_ci_runs_exactly_the_readmes_test_command():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in ci if line and not line.startswith("#")]
    assert commands[-1] == "make test"


def test_every_task_and_make_target_is_in_the_readme():
    tasks_section = README.split("## Tasks", 1)[1].split("\n## ", 1)[0]
    for name in Collection.from_module(tasks).task_names:
        assert f"invoke {name}" in tasks_section, name
    phony = re.search(r"^\.PHONY: (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    for target in phony:
        assert f"`make {target}" in tasks_section, target


def test_every_dependency_is_pinned():
    for name in ("requirements.txt", "requirements-dev.txt", "constraints.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-r "):
                assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), f"{name}: {line!r} is not pinned"


def test_the_theme_loads_no_font_script_or_style_from_another_host():
    for path in (ROOT / "theme").rglob("*"):
        if path.suffix in {".css", ".html", ".xsl", ".js"}:
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text), path
            assert not re.search(r"""(src|href)=["'](https?:)?//""", text), path


def test_clean_removes_the_output_and_the_cache(tmp_path):
    output, cache = tmp_path / "output", tmp_path / ".cache"
    for folder in (output / "2024", cache / "pelican"):
        folder.mkdir(parents=True)
        (folder / "file").write_text("x")
    site.clean(output, cache)
    assert not output.exists() and not cache.exists()
    site.clean(output, cache)  # twice is fine: nothing to remove


def test_without_chromium_browser_tests_skip_loudly_and_ci_makes_that_a_failure(tmp_path):
    import os
    import subprocess
    import sys

    one_browser_test = "tests/test_theme_browser.py::test_keyboard_focus_is_visible"
    env = {key: value for key, value in os.environ.items() if key != "SERVICEBOOK_REQUIRE_BROWSER"}
    env["SERVICEBOOK_CHROMIUM"] = str(tmp_path / "no-chromium-here")

    def run(**extra):
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", one_browser_test],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )

    skipped = run()
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout, skipped.stdout
    assert "BROWSER TESTS SKIPPED: no Chromium at" in skipped.stdout
    required = run(SERVICEBOOK_REQUIRE_BROWSER="1")
    assert required.returncode != 0 and "1 error" in required.stdout, required.stdout
    assert "Browser tests cannot run: no Chromium at" in required.stdout


def test_the_github_workflow_tests_publishes_and_deploys_with_the_pages_actions():
    workflow = (ROOT / ".github/workflows/publish.yml").read_text(encoding="utf-8")
    steps = re.findall(r"run: (make [\w ]+)|uses: (actions/[\w-]+)", workflow)
    ran = [run or uses for run, uses in steps]
    assert ran.index("make lint test") < ran.index("make publish") < ran.index("actions/upload-pages-artifact")
    assert "actions/deploy-pages" in ran and "branches: [main]" in workflow and "path: public" in workflow
