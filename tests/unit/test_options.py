"""The option table (wasmbuild.options) and the task signatures generated from it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from wasmbuild import config, options
from wasmbuild.errors import ConfigError

from ..conftest import CHECKOUT

TASKS = sorted({task for option in options.OPTIONS for task in option.tasks})


def help_of(task: str) -> str:
    result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "--help",
                             f"wasm.{task}"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def listed_options(text: str) -> dict[str, str]:
    """--flag -> its help text (joined over wrapped lines), from invoke's --help output."""
    found: dict[str, str] = {}
    current = ""
    for line in text.split("Options:", 1)[1].splitlines():
        match = re.match(r"  (?:-\w(?: \w+)?, )?(--[\w-]+)(?:=\w+)?\s+(.*)", line)
        if match:
            current = match.group(1)
            found[current] = match.group(2)
        elif current and line.strip():
            found[current] += " " + line.strip()
    return {flag: re.sub(r"\s+", " ", text) for flag, text in found.items()}


@pytest.mark.parametrize("task", TASKS)
def test_help_lists_exactly_the_options_the_task_takes_with_their_defaults(task: str) -> None:
    listed = listed_options(help_of(task))
    table = options.for_task(task)
    assert sorted(listed) == sorted(o.flag for o in table)
    for option in table:
        # (compared without white space: the help wraps lines, also after a hyphen)
        assert re.sub(r"\s", "", listed[option.flag]) == re.sub(r"\s", "", option.help_text())


def test_the_help_names_the_current_defaults() -> None:
    versions = config.load()
    node = listed_options(help_of("node"))
    assert f"(default: {versions.default_cpython})" in node["--python-version"]
    run = listed_options(help_of("run"))
    assert f"(default: {versions.default_node})" in run["--node-version"]
    assert "default: the node on PATH" not in run["--node"]


def test_no_option_is_declared_twice_for_one_task() -> None:
    for task in TASKS:
        names = [o.name for o in options.for_task(task)]
        assert len(names) == len(set(names)), task


def test_numbers_and_choices_are_checked_in_one_line() -> None:
    with pytest.raises(ConfigError, match=r"--jobs abc: not a whole number"):
        options.parse("node", {"jobs": "abc"}, {})
    with pytest.raises(ConfigError, match=r"--jobs 0: must be at least 1"):
        options.parse("node", {"jobs": "0"}, {})
    with pytest.raises(ConfigError, match=r"--port 70000: must be at most 65535"):
        options.parse("serve", {"port": "70000"}, {})
    with pytest.raises(ConfigError, match=r"--engine lynx: not one of chromium, firefox"):
        options.parse("test-browser", {"engine": "lynx"}, {})
    values = options.parse("node", {"jobs": "3", "source": "~/src"}, {})
    assert values["jobs"] == 3 and values["source"] == Path("~/src").expanduser()


def test_a_chained_task_inherits_which_build_but_not_how_to_fetch() -> None:
    first_given = {"emscripten": "3.1.69", "profile": "threads", "offline": True}
    first = options.parse("node", first_given, {})
    inherited = options.inheritable(first, first_given)
    assert inherited == {"emscripten": "3.1.69", "profile": "threads"}
    second = options.parse("run", {}, inherited)
    assert (second["emscripten"], second["profile"], second["offline"]) == ("3.1.69", "threads",
                                                                            False)
    assert options.parse("run", {"emscripten": "6.0.5"}, inherited)["emscripten"] == "6.0.5"


def test_library_options_are_built_by_name() -> None:
    built = options.build_options(options.parse("run", {"debug": True, "node_version": "22"}, {}),
                                  dry_run=True)
    assert (built.profile, built.node_version, built.dry_run) == ("debug", "22", True)
    built = options.build_options(options.parse("run", {"node": "/usr/bin/node"}, {}),
                                  dry_run=False)
    assert built.node == Path("/usr/bin/node") and built.node_version is None
