"""The option table (wasmbuild.options) and the task signatures generated from it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from wasmbuild import options
from wasmbuild.core.errors import ConfigError
from wasmbuild.versions import config

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
        match = re.match(r"  (?:-\w(?: \w+)?, )?(--(?:\[no-\])?[\w-]+)(?:=\w+)?\s+(.*)", line)
        if match:
            current = match.group(1).replace("[no-]", "")
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
    values = options.parse("node", {"jobs": "3", "source": str(CHECKOUT)}, {})
    assert values["jobs"] == 3 and values["source"] == CHECKOUT


def test_defaults_are_values_of_the_options_type() -> None:
    assert options.parse("limits", {}, {})["targets"] == ("node", "browser")
    assert options.parse("limits", {"targets": "wasi,node"}, {})["targets"] == ("wasi", "node")
    assert options.parse("serve", {}, {})["port"] == 8000
    assert options.parse("node", {}, {})["jobs"] >= 1


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


def bad_values(option: options.Option) -> list[str]:
    """Values of the wrong type or out of range for `option`."""
    if option.kind == "number":
        values = ["abc", "1.5", "", "-1"]
        if option.minimum >= 1:
            values.append("0")
        if option.maximum is not None:
            values.append(str(option.maximum + 1))
        return values
    if option.kind == "path":
        values = ["/nonexistent/kit-fuzz", ""] if option.must_be else [""]
        if option.must_be == "file":
            values.append("/")  # a folder where a file is needed
        return values
    if option.choices is not None:
        return ["no-such-choice", ""]
    if option.name == "bind":
        return ["not an address", "", "999.1.1.1"]
    if option.name == "targets":
        return ["wasm64", "node,", ""]
    return [""]


CASES = [(task, option.name, value) for task in TASKS for option in options.for_task(task)
         if option.kind not in ("flag", "list") for value in bad_values(option)]


@pytest.mark.parametrize(("task", "name", "value"), CASES,
                         ids=[f"{t}--{n}={v[:12]}" for t, n, v in CASES])
def test_every_option_refuses_bad_values_in_one_line(task: str, name: str, value: str) -> None:
    """Checked where the value is read, before any work, lock or file."""
    option = next(o for o in options.for_task(task) if o.name == name)
    with pytest.raises(ConfigError) as error:
        options.parse(task, {name: value}, {})
    assert option.flag in error.value.message and "\n" not in error.value.message
    assert error.value.fix


@pytest.mark.parametrize("args", [["wasm.node", "--jobs", "-1"], ["wasm.serve", "--port", "abc"],
                                  ["wasm.run", "--node", "/"], ["wasm.wasi", "--mirror", "/nope"],
                                  ["wasm.test", "--target", "wasm64"]])
def test_a_bad_value_through_invoke_is_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), *args],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and "\nfix: " in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []


def test_bench_scripts_take_the_build_options_of_the_tasks() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    options.add_build_options(parser)
    given = parser.parse_args(["--python-version", "3.13.5", "--emscripten", "4.0.8"])
    assert (given.python_version, given.emscripten) == ("3.13.5", "4.0.8")
    left_out = parser.parse_args([])
    assert (left_out.python_version, left_out.emscripten) == (None, None)  # the library decides
    shown = parser.format_help()
    for name in options.BUILD_OPTIONS:
        row = next(o for o in options.for_task("node") if o.name == name)
        assert row.flag in shown and row.help.split()[0] in shown
    bench = CHECKOUT / "bench"
    for script in bench.glob("*.py"):
        text = script.read_text()
        assert 'add_argument("--python-version"' not in text, script.name
