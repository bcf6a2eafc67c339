"""End to end: docs/limits.md's table is what a fresh probe of the builds measures."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ..conftest import CHECKOUT

pytestmark = pytest.mark.e2e


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), *args],
                          capture_output=True, text=True, timeout=3600)


def test_documented_limitations_table_matches_a_fresh_probe() -> None:
    for task in ("wasm.node", "wasm.browser"):
        built = invoke(task)
        assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    probe = invoke("wasm.limits", "--check")
    assert probe.returncode == 0, probe.stdout[-6000:] + probe.stderr[-2000:]
    assert "| `socketpair` | network |" in probe.stdout
