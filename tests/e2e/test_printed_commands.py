"""End to end: the commands the tasks print are the documentation, so each runs as printed,
pasted into a new shell at the checkout's root: wasm.run's line, wasm.test's line for one
module, and the Node build's configure-to-make lines after a real build. Needs the Node build
(`invoke wasm.node`), which the last test configures and links again."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ..conftest import CHECKOUT

pytestmark = pytest.mark.e2e


def printed(*task: str) -> list[str]:
    """The shell lines a dry run of `task` prints (comments and headings left out)."""
    shown = subprocess.run([sys.executable, "-m", "invoke", "--dry", *task], cwd=CHECKOUT,
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stdout[-2000:] + shown.stderr[-2000:]
    return [line for line in shown.stdout.splitlines() if line.strip() and not line.startswith("#")]


def in_a_new_shell(script: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """bash at the checkout's root with a login-like environment, nothing of this process's."""
    env = {"HOME": os.environ["HOME"], "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    return subprocess.run(["bash", "-c", script], cwd=CHECKOUT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def node_build() -> None:
    built = subprocess.run([sys.executable, "-m", "invoke", "wasm.node"], cwd=CHECKOUT,
                           capture_output=True, text=True, timeout=3600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]


def run_line() -> str:
    return printed("wasm.run", "--", "-c", "import sys; print(sys.platform, 6 * 7)")[-1]


def test_wasm_run_line(node_build: None) -> None:
    ran = in_a_new_shell(run_line(), timeout=120)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip() == "emscripten 42"


def test_wasm_test_line_for_one_module(node_build: None) -> None:
    line = printed("wasm.test", "--", "test_bisect")[-1]
    assert "-m test" in line and line.endswith("test_bisect)")
    ran = in_a_new_shell(line, timeout=300)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert "Tests result: SUCCESS" in ran.stdout


def test_configure_and_make_lines_after_a_real_build(node_build: None) -> None:
    lines = printed("wasm.node")
    first = next(i for i, line in enumerate(lines)
                 if line.startswith("rm -f ") and "emscripten-node/python.js" in line)
    last = max(i for i, line in enumerate(lines) if "emmake make -j" in line)
    steps = lines[first:last + 1]
    assert any("/configure -C " in line for line in steps), steps
    ran = in_a_new_shell("set -e\n" + "\n".join(steps), timeout=1800)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    works = in_a_new_shell(run_line(), timeout=120)
    assert works.returncode == 0 and works.stdout.strip() == "emscripten 42", works.stderr
