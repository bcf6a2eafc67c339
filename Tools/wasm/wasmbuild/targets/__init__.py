"""Targets: what a build runs in. Each says how to finish a build, how to run one module of
CPython's test suite and one limits check on it; the suite (runs.py) and the probe are written
once over this interface, defined here. There are three, one module each: node, browser and
wasi; registry finds one by name, and site_files puts Lib/wasm_site/ where the node and browser
builds find it. May import core, versions, testing, toolchains, steps, packages and browser.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..core.layout import TargetName
from ..core.shell import Command
from ..toolchains.context import Context
from ..versions.config import minor_version

if TYPE_CHECKING:  # `invoke wasm.run` loads neither (bench/task_overhead.py)
    from ..steps.source import Source
    from ..testing.testsuite import ModuleResult


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
    name: TargetName
    emscripten: bool
    """Whether Emscripten builds it (python.js); otherwise WASI's clang (python.wasm). Agrees
    with core/layout.py's EMSCRIPTEN_TARGETS, which the layers below this one go by."""
    parallel_checks: bool
    """Whether limits checks run side by side (Node processes) or one at a time (pages)."""
    setup_extras: tuple[str, ...]
    """Modules/Setup.* files its cross build adds to Setup.local (the browser's terminal)."""

    def limits_column(self, ctx: Context) -> str:
        """The column of its findings in docs/limits.md: one per browser engine."""

    def marker_environment(self, ctx: Context) -> dict[str, str]:
        """PEP 508 marker values of its Python, for choosing packages (`wasm.pip`)."""

    def require_built(self, ctx: Context) -> Path:
        """The build's folder; a ToolMissing naming the task that builds it when it is not."""

    def take_packages(self, ctx: Context, folder: Path) -> None:
        """What it does once `wasm.pip` changed the build's site-packages (the page packs them
        into the files it loads; processes read the folder itself)."""

    def check(self, ctx: Context) -> None:
        """Refuse, before any work, a build this target cannot make."""

    def build(self, ctx: Context, source: Source, build_python: Path) -> Path:
        """The toolchain's steps after the build Python: the folder holding the build."""

    def expectations_file(self, ctx: Context) -> Path:
        """Which expected-results file judges a test run of this build and runtime."""

    def session(self, ctx: Context) -> str:
        """The nox session that runs this build's suite under this runtime, as `nox -l` names it."""

    def where(self, ctx: Context) -> str:
        """Where a test run ran, for people ("" or ", in firefox")."""

    def finish(self, ctx: Context, folder: Path) -> None:
        """What the target adds to a finished cross build."""

    def provide_runtime(self, ctx: Context) -> None:
        """The step that makes what runs this build usable (a pinned Node), before a run."""

    def runtime(self, ctx: Context) -> str:
        """Names the runtime of a test run (node20, chromium): part of its results folder."""

    def suite_runner(self, ctx: Context, modules: list[str], timeout: float, results_dir: Path,
                     jobs: int) -> contextlib.AbstractContextManager[SuiteRunner]:
        """Set up running test modules (a bundle, a server...), `jobs` at a time, for as long
        as the run lasts."""

    def check_runner(self, ctx: Context, timeout: float
                     ) -> contextlib.AbstractContextManager[Callable[[str], CheckRun]]:
        """Run one check of Lib/wasm_limits.py by name, each in a fresh runtime."""

    def keyboard_interrupt(self, ctx: Context) -> tuple[str, str]:
        """Ctrl-C from outside, as a person gives it, during time.sleep(60) in the way this
        target runs Python for people: (limits status, detail)."""


def marker_environment(python_version: str, sys_platform: str, system: str, release: str,
                       version: str) -> dict[str, str]:
    """What `packaging.markers.default_environment()` gives inside a wasm32 CPython: the
    platform values differ between Emscripten and WASI, as `platform.uname()` reports them
    there (tests/e2e compare them with a running build's)."""
    return {"implementation_name": "cpython", "implementation_version": python_version,
            "os_name": "posix", "platform_machine": "wasm32",
            "platform_python_implementation": "CPython", "platform_release": release,
            "platform_system": system, "platform_version": version,
            "python_full_version": python_version,
            "python_version": minor_version(python_version),
            "sys_platform": sys_platform}


# Emscripten's uname(): sysname "Emscripten", release "1.0", version "#1".
EMSCRIPTEN_PLATFORM = ("emscripten", "Emscripten", "1.0", "#1")


def emscripten_build(ctx: Context, target: Target, source: Source, build_python: Path) -> Path:
    """The Emscripten targets' steps: the toolchain, the ports, the libraries, the cross build."""
    from ..steps import cross, deps, ports

    ctx.provide_emscripten()
    ports.ports(ctx)
    libraries = deps.deps(ctx)
    return cross.cross_build(ctx, target.name, source, build_python, libraries,
                             target.setup_extras)


def process_checks(ctx: Context, prefix: Sequence[str], timeout: float) -> Callable[[str], CheckRun]:
    """Limits checks run as `prefix wasm_limits.py --check NAME`, each a process of its own in
    the scratch folder (the Node and WASI targets)."""
    from ..core import procs
    from ..testing import limits

    ctx.runner.show(Command.of(*prefix, limits.PROBE, "--check", "NAME", cwd=ctx.paths.root))
    scratch = ctx.paths.limits_scratch
    if not ctx.dry_run:
        scratch.mkdir(parents=True, exist_ok=True)

    def check(name: str) -> CheckRun:
        with tempfile.TemporaryFile() as sink:
            code, timed_out, _ = procs.run([*prefix, str(limits.PROBE), "--check", name],
                                           cwd=scratch, sink=sink, timeout=timeout)
            sink.seek(0)
            output = "" if timed_out else sink.read().decode(errors="replace")
        return CheckRun(output, code, timed_out)

    return check


def run_in_foreground(ctx: Context, command: Command) -> int:
    """Show `command` and run it in the terminal's foreground, as typed (a REPL reads the
    terminal and gets its Ctrl-C); returns its exit status (0 in a dry run)."""
    import signal
    import subprocess

    ctx.runner.show(command)
    if ctx.dry_run:
        return 0
    # Ctrl-C is the program's to handle, as when a shell runs it: the terminal signals the
    # whole foreground group, and this process waits on. A Python handler, unlike SIG_IGN,
    # is not inherited: the program starts with the default action.
    previous = signal.signal(signal.SIGINT, lambda number, frame: None)
    try:
        status = subprocess.call(command.argv, cwd=command.cwd)
    finally:
        signal.signal(signal.SIGINT, previous)
    return 128 - status if status < 0 else status  # killed by signal N: 128 + N, as a shell says


# The program Ctrl-C interrupts in the keyboard_interrupt limits row: it says when it sleeps.
INTERRUPTED_PROGRAM = "import time; print('sleeping', flush=True); time.sleep(60)"
INTERRUPT_GRACE = 10.0
"""Seconds Python has to raise KeyboardInterrupt after the signal."""


def interrupt_process(ctx: Context, command: Command) -> tuple[str, str]:
    """SIGINT to a program run as `command` once it sleeps, as a terminal sends it on Ctrl-C
    (the Node and WASI targets): works when Python raises KeyboardInterrupt and exits 130."""
    import signal
    import subprocess
    import time

    ctx.runner.note("Ctrl-C (SIGINT) from outside, during time.sleep(60):")
    ctx.runner.show(command)
    if ctx.dry_run:
        return "works", ""
    with subprocess.Popen(command.argv, cwd=command.cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as process:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "sleeping":
            process.kill()
            return "fails", f"the program did not start (exit status {process.wait()})"
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        try:
            _, errors = process.communicate(timeout=INTERRUPT_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return "hangs", f"still sleeping {INTERRUPT_GRACE:.0f} s after SIGINT"
    took = time.monotonic() - started
    if "KeyboardInterrupt" in errors and process.returncode == 130:
        return "works", f"KeyboardInterrupt {took:.1f} s after SIGINT"
    if errors.strip().endswith("KeyboardInterrupt") and process.returncode == -signal.SIGINT:
        # The WASI runners: the runtime cannot raise it inside Python, so the run ends as an
        # uncaught one ends a native Python (its line, then death by SIGINT).
        return "fails", ("Python cannot catch it: the run ends as on an uncaught "
                         "KeyboardInterrupt (its line, then killed by SIGINT)")
    status = process.returncode
    ended = f"killed by signal {-status}" if status < 0 else f"exit status {status}"
    return "fails", f"no KeyboardInterrupt: the runtime ends ({ended})"
