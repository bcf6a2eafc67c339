"""End to end: the real clang and wasi-libc build the WASI target, and the real runtimes run it:
wasmtime (the PyPI package) and Node's node:wasi, as a person runs them (the task, and the
launcher beside python.wasm, from another folder)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ..conftest import CHECKOUT, built_cpython_version
from .test_node_build import explain, invoke

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def wasi_build() -> Path:
    result = invoke("wasm.wasi")
    assert result.returncode == 0, explain(result)
    return CHECKOUT / "builddir" / "wasi"


@pytest.mark.parametrize("runtime", ["wasmtime", "node"])
def test_run_prints_wasi_and_the_version(wasi_build: Path, runtime: str) -> None:
    result = invoke("wasm.run", "--target", "wasi", "--runtime", runtime, "--", "-c",
                    "import sys, json; print(json.dumps([sys.platform, sys.version.split()[0], "
                    "sys.argv[1:]]))", "a b", "é")
    assert result.returncode == 0, explain(result)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "wasi", built_cpython_version(), ["a b", "é"]]


def test_the_launcher_runs_a_script_from_its_folder_with_its_environment(
        wasi_build: Path, tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("VALUE = 'from the folder'\n")
    (tmp_path / "main.py").write_text(
        "import os, sys, helper\n"
        "print(helper.VALUE, os.environ['KIT_PROBE'], os.getcwd() == sys.argv[1])\n"
        "open('written.txt', 'w').write('hi')\n"
        "sys.exit(7)\n")
    result = subprocess.run([str(wasi_build / "python.sh"), "main.py", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "KIT_PROBE": "passed through"})
    assert result.returncode == 7, result.stderr[-3000:]
    assert result.stdout.strip() == "from the folder passed through True"
    assert (tmp_path / "written.txt").read_text() == "hi"


def test_the_suite_counts_a_passing_and_a_skipped_module(wasi_build: Path) -> None:
    result = invoke("wasm.test", "--target", "wasi", "--", "-j", "2", "test_bisect", "test_zlib",
                    timeout=900)
    assert result.returncode == 0, explain(result)
    assert "modules: 1 passed, 1 skipped, 0 failed" in result.stdout


@pytest.mark.parametrize("runtime", ["wasmtime", "node"])
def test_the_printed_command_runs_as_printed(wasi_build: Path, runtime: str) -> None:
    shown = invoke("--dry", "wasm.run", "--target", "wasi", "--runtime", runtime, "--", "-c",
                   "import os, sys; print(sys.platform, os.getcwd())")
    assert shown.returncode == 0, explain(shown)
    line = shown.stdout.strip().splitlines()[-1]
    ran = subprocess.run(["bash", "-c", line], cwd=CHECKOUT, capture_output=True, text=True,
                         timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip() == f"wasi {CHECKOUT}"
