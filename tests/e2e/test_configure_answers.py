"""End to end: the configure answers the checkout ships (Tools/wasm/configure-answers) are
what a full configure with the real emcc answers today. A new machine's first build starts
from them, so a wrong one would reach a build: this runs the full configure (about 3 minutes
on 2 CPUs) and compares every shipped line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import CHECKOUT

pytestmark = pytest.mark.e2e


def quick_start_machine() -> bool:
    """The README's reference: Debian 12, whose Emscripten the default CPython builds with.
    Its configuration must ship answers; another machine's may not."""
    release = Path("/etc/debian_version")
    return release.is_file() and release.read_text().startswith("12.")


def test_shipped_answers_match_a_full_configure() -> None:
    result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "wasm.answers",
                             "--check"], capture_output=True, text=True, timeout=3600)
    if "ships no configure answers for this configuration" in result.stderr \
            and not quick_start_machine():
        pytest.skip("no configure answers shipped for this machine's configuration")
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert "shipped answers match the full configure" in result.stdout
