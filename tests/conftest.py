from __future__ import annotations

import os
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

import pytest  # noqa: E402
from wasmbuild.versions import config  # noqa: E402


def built_cpython_version() -> str:
    """The CPython release the end-to-end builds make: CPYTHON_WASM_PYTHON, else the default."""
    return os.environ.get("CPYTHON_WASM_PYTHON") or config.load().default_cpython


def built_emscripten_version(target: str = "browser") -> str:
    """The Emscripten version of the last build of `target`: builddir/emscripten-<target> links
    to builddir/cpython-<key>/emcc-<version>/emscripten-<target> (the default depends on the
    machine: Debian 12's emcc is 3.1.6, Debian 13's 3.1.69)."""
    link = CHECKOUT / "builddir" / f"emscripten-{target}"
    folder = link.resolve().parent.name
    assert folder.startswith("emcc-"), f"{link} does not point into a build folder: {folder}"
    return folder.removeprefix("emcc-")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Expose each phase's report on the test item, so fixtures can save artifacts on failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
