"""Targets: what a build runs in. Each says how to finish a build, how to run one module of
CPython's test suite and one limits check on it; the suite (runs.py) and the probe are written
once over this interface. A new target (WASI, say) is one more module here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..context import Context, check_target
from ..testsuite import ModuleResult

CheckResult = tuple[str, int | None, bool]
"""(output, exit status, timed out) of one run of Python on the target."""


@dataclass(frozen=True)
class SuiteRunner:
    run_module: Callable[[str, Sequence[str]], ModuleResult]
    """Runs one module, leaving out the given test ids."""
    shown: list[str]
    """The command line a person would use for one module (printed before the run)."""
    jobs: int
    """How many modules can run at once on this target."""


class Target(Protocol):
    name: str

    def finish(self, ctx: Context, folder: Path) -> None:
        """What the target adds to a finished cross build."""

    def runtime(self, ctx: Context) -> str:
        """Names the runtime of a test run (node20, chromium): part of its results folder."""

    def suite_runner(self, ctx: Context, modules: list[str], timeout: float, results_dir: Path,
                     jobs: int) -> contextlib.AbstractContextManager[SuiteRunner]:
        """Set up running test modules (a bundle, a server...), `jobs` at a time, for as long
        as the run lasts."""

    def check_runner(self, ctx: Context, timeout: float
                     ) -> contextlib.AbstractContextManager[Callable[[str], CheckResult]]:
        """Run one check of Lib/wasm_limits.py by name, each in a fresh runtime."""


def get(name: str) -> Target:
    from .browser import BrowserTarget
    from .node import NodeTarget

    chosen: dict[str, Target] = {"node": NodeTarget(), "browser": BrowserTarget()}
    return chosen[check_target(name)]

