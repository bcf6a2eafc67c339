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


@dataclass(frozen=True)
class CheckRun:
    """One run of Python on the target (a limits check)."""

    output: str
    status: int | None
    """The exit status; None when the runtime gave none (a page that never finished)."""
    timed_out: bool


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
    parallel_checks: bool
    """Whether limits checks run side by side (Node processes) or one at a time (pages)."""

    def expectations_variant(self, ctx: Context) -> str:
        """Which expected-results file judges a test run: node, browser, browser-firefox..."""

    def where(self, ctx: Context) -> str:
        """Where a test run ran, for people ("" or ", in firefox")."""

    def finish(self, ctx: Context, folder: Path) -> None:
        """What the target adds to a finished cross build."""

    def runtime(self, ctx: Context) -> str:
        """Names the runtime of a test run (node20, chromium): part of its results folder."""

    def suite_runner(self, ctx: Context, modules: list[str], timeout: float, results_dir: Path,
                     jobs: int) -> contextlib.AbstractContextManager[SuiteRunner]:
        """Set up running test modules (a bundle, a server...), `jobs` at a time, for as long
        as the run lasts."""

    def check_runner(self, ctx: Context, timeout: float
                     ) -> contextlib.AbstractContextManager[Callable[[str], CheckRun]]:
        """Run one check of Lib/wasm_limits.py by name, each in a fresh runtime."""


def get(name: str) -> Target:
    from .browser import BrowserTarget
    from .node import NodeTarget

    chosen: dict[str, Target] = {"node": NodeTarget(), "browser": BrowserTarget()}
    return chosen[check_target(name)]

