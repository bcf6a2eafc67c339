"""The Node.js target: python.js run by node, one process per test module or check."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import ToolMissing
from ..core.layout import TargetName
from ..core.shell import Command
from ..toolchains.context import Context
from ..toolchains.nodejs import node_flags
from ..versions.config import TOOLS_WASM

if TYPE_CHECKING:
    from ..steps.source import Source
from . import (
    EMSCRIPTEN_PLATFORM,
    INTERRUPTED_PROGRAM,
    CheckRun,
    SuiteRunner,
    emscripten_build,
    interrupt_process,
    marker_environment,
    process_checks,
    run_in_foreground,
)


def built_python_js(ctx: Context, target: TargetName) -> Path:
    python_js = ctx.python_js(target)
    if not python_js.is_file() and not ctx.dry_run:
        same = f" --profile {ctx.profile.name}" if ctx.options.profile else ""
        shown = {"node": "Node"}.get(target, target)
        raise ToolMissing(f"{ctx.runner.path(python_js)} does not exist: the {shown} target "
                          "is not built",
                          fix=f"run `invoke wasm.{target}{same}` first (same "
                          "--python-version/--source/--profile)")
    return python_js


# python.js in a worker thread, so that Ctrl-C reaches Python and a terminal gets a line editor
# (the file says how); the test suite runs python.js directly, one process per module.
PYTHON_RUNNER = TOOLS_WASM / "node" / "python_runner.cjs"


def node_command(ctx: Context, args: Sequence[str], *, optimize: bool = False) -> Command:
    """`node <flags this Node and Emscripten need> python_runner.cjs python.js args...`"""
    node = ctx.provide_node()
    flags = node_flags(ctx.versions, node, ctx.emscripten.version)
    if optimize:
        # V8 starts wasm in its baseline compiler and has no on-stack replacement for wasm:
        # the interpreter loop, entered once per program, never leaves baseline code.
        # Compiling with the optimising tier from the start runs Python code faster under
        # older Node releases, for more start-up (bench/RESULTS.md, "Runtime").
        flags.append("--no-liftoff")
    return Command.of(node.path, *flags, PYTHON_RUNNER, ctx.python_js("node"), *args,
                      cwd=Path.cwd())


def run_python(ctx: Context, args: Sequence[str], *, optimize: bool = False) -> int:
    """Run the Node build's python.js with `args`; returns its exit status."""
    built_python_js(ctx, "node")
    return run_in_foreground(ctx, node_command(ctx, args, optimize=optimize))


class NodeTarget:
    name: TargetName = "node"
    emscripten = True
    parallel_checks = True
    setup_extras: tuple[str, ...] = ()

    def marker_environment(self, ctx: Context) -> dict[str, str]:
        return marker_environment(ctx.cpython.version, *EMSCRIPTEN_PLATFORM)

    def require_built(self, ctx: Context) -> Path:
        return built_python_js(ctx, self.name).parent

    def take_packages(self, ctx: Context, folder: Path) -> None:
        """Its Python reads site-packages where wasm.pip put it."""

    def limits_column(self, ctx: Context) -> str:
        return self.name

    def check(self, ctx: Context) -> None:
        """Emscripten is found when the toolchain step needs it (a dry run shows the rest)."""

    def build(self, ctx: Context, source: Source, build_python: Path) -> Path:
        return emscripten_build(ctx, self, source, build_python)

    def expectations_file(self, ctx: Context) -> Path:
        from ..testing import expectations  # not loaded by `invoke wasm.run` (bench/task_overhead.py)

        return expectations.expectations_path(ctx.cpython.version, ctx.emscripten.version,
                                              ctx.variant(self.name))

    def session(self, ctx: Context) -> str:
        return (f"test_node(python='{ctx.cpython.version}', emscripten='{ctx.emscripten.version}', "
                f"node='{ctx.node.version.split('.')[0]}')")

    def where(self, ctx: Context) -> str:
        return ""

    def finish(self, ctx: Context, folder: Path) -> None:
        from . import site_files

        site_files.install_for_node(ctx.runner, folder)

    def provide_runtime(self, ctx: Context) -> None:
        ctx.provide_node()

    def runtime(self, ctx: Context) -> str:
        return f"node{ctx.node.version.split('.')[0]}"

    def _prefix(self, ctx: Context) -> list[str]:
        python_js = built_python_js(ctx, "node")
        node = ctx.provide_node()
        return [str(node.path), *node_flags(ctx.versions, node, ctx.emscripten.version),
                str(python_js)]

    @contextlib.contextmanager
    def suite_runner(self, ctx: Context, modules: list[str], timeout: float, results_dir: Path,
                     jobs: int) -> Iterator[SuiteRunner]:
        from ..testing import testsuite

        prefix = self._prefix(ctx)
        ctx.runner.note(f"Node {ctx.node.version} ({ctx.runner.path(ctx.node.path)})")
        yield SuiteRunner(
            lambda module, ignore: testsuite.run_one(prefix, module, results_dir, timeout,
                                                     results_dir, ignore),
            prefix, min(jobs, ctx.options.jobs))

    @contextlib.contextmanager
    def check_runner(self, ctx: Context, timeout: float) -> Iterator[Callable[[str], CheckRun]]:
        yield process_checks(ctx, self._prefix(ctx), timeout)

    def keyboard_interrupt(self, ctx: Context) -> tuple[str, str]:
        built_python_js(ctx, "node")
        return interrupt_process(ctx, node_command(ctx, ["-c", INTERRUPTED_PROGRAM]))
