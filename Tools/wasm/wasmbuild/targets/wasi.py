"""The WASI target: python.wasm run by a WASI runtime from the host, one process per test
module or check (nothing inside WASI can start a process).

Runtimes: wasmtime (the runtime the PyPI `wasmtime` package embeds, through
Tools/wasm/wasi/run_wasmtime.py) and Node's built-in WASI (Tools/wasm/wasi/run_node.mjs).
Both get the same arguments: the host's file system at the same paths (so paths on the
command line mean what they mean on the host), the build's stdlib on PYTHONPATH, and the
working folder, which the program moves to at start-up (Lib/wasi_site/sitecustomize.py):
WASI has no working folder of its own.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..core.errors import ConfigError, ToolMissing
from ..core.layout import SITE_PACKAGES, TargetName
from ..core.shell import Action, Command
from ..core.stamps import file_digest
from ..steps.source import Source
from ..steps.wasi_build import wasi_build
from ..testing import expectations, testsuite
from ..toolchains.context import Context
from ..versions.config import CHECKOUT, TOOLS_WASM, minor_version
from . import (
    INTERRUPTED_PROGRAM,
    CheckRun,
    SuiteRunner,
    interrupt_process,
    marker_environment,
    process_checks,
    run_in_foreground,
)

RUNNERS = {"wasmtime": TOOLS_WASM / "wasi" / "run_wasmtime.py",
           "node": TOOLS_WASM / "wasi" / "run_node.mjs"}
SITE = CHECKOUT / "Lib" / "wasi_site"
SHARED_SITE = CHECKOUT / "Lib" / "wasm_site"
LAUNCHER = "python.sh"


def built_python_wasm(ctx: Context) -> Path:
    wasm = ctx.target_dir("wasi") / "python.wasm"
    if not wasm.is_file() and not ctx.dry_run:
        raise ToolMissing(f"{ctx.runner.path(wasm)} does not exist: the WASI target is not built",
                          fix="run `invoke wasm.wasi` first (same --python-version/--source)")
    return wasm


def stdlib_path(ctx: Context) -> list[str]:
    """PYTHONPATH: our start-up folder and the modules it shares with the Emscripten builds
    (the asyncio loop), the build's own modules (pybuilddir.txt names the folder of its
    sysconfig data), the source tree's Lib and the build's site-packages."""
    folder = ctx.target_dir("wasi")
    named = folder / "pybuilddir.txt"
    build_lib = folder / (named.read_text().strip() if named.is_file()
                          else f"build/lib.wasi-wasm32-{'.'.join(ctx.cpython.version.split('.')[:2])}")
    return [str(SITE), str(SHARED_SITE), str(build_lib), str(ctx.source_dir / "Lib"),
            str(folder / SITE_PACKAGES)]


def launcher_python() -> str:
    """The Python a launcher runs wasmtime's runner with: the checkout's own environment
    (bootstrap.py's .venv, which has the wasmtime package), which outlives the environment a
    build ran in (a nox session's, removed with .nox)."""
    checkout_python = CHECKOUT / ".venv" / "bin" / "python"
    return str(checkout_python) if checkout_python.is_file() else sys.executable


def runtime_prefix(ctx: Context, runtime: str, cwd: str | None = None,
                   python: str = sys.executable) -> list[str]:
    """The words before Python's own arguments: the runtime, what it maps, python.wasm."""
    mapped = [word for folder in mapped_folders(ctx) for word in ("--dir", folder)]
    mapped += ["--inherit-env",
              "--env", f"PYTHONPATH={':'.join(stdlib_path(ctx))}",
              "--env", f"PWD={cwd or os.getcwd()}", "--env", "PYTHONDONTWRITEBYTECODE=1"]
    wasm = str(built_python_wasm(ctx))
    if runtime == "node":
        return [str(ctx.provide_node().path), "--no-warnings", str(RUNNERS["node"]), *mapped, wasm]
    return [python, str(RUNNERS["wasmtime"]), *mapped, wasm]


def mapped_folders(ctx: Context) -> list[str]:
    """What python.wasm sees of the host, as HOST::GUEST: by default all of it at the same
    paths, as a native Python sees it; with --dir, only those folders and the build's own
    (its folder, stdlib and site-packages, at the same paths)."""
    if not ctx.options.dir:
        return ["/::/"]
    for given in ctx.options.dir:
        host = given.partition("::")[0]
        if not Path(host).is_dir():
            raise ConfigError(f"--dir {given}: {host} is not a folder on this machine",
                              fix="pass an existing folder, as HOST or HOST::GUEST")
    build = ctx.target_dir("wasi")  # python.wasm's folder: its start-up looks there too
    own = [str(build), *(folder for folder in stdlib_path(ctx)
                         if Path(folder).is_dir() and not Path(folder).is_relative_to(build))]
    return [*ctx.options.dir, *(f"{folder}::{folder}" for folder in own)]


def run_wasi(ctx: Context, args: Sequence[str]) -> int:
    """Run python.wasm with `args` under the chosen runtime; returns its exit status."""
    return run_in_foreground(
        ctx, Command.of(*runtime_prefix(ctx, ctx.options.runtime), *args, cwd=Path.cwd()))


class WasiTarget:
    name: TargetName = "wasi"
    emscripten = False
    parallel_checks = True
    setup_extras: tuple[str, ...] = ()

    def marker_environment(self, ctx: Context) -> dict[str, str]:
        # wasi-libc's uname(): sysname "wasi", release and version "0.0.0".
        return marker_environment(ctx.cpython.version, "wasi", "wasi", "0.0.0", "0.0.0")

    def require_built(self, ctx: Context) -> Path:
        return built_python_wasm(ctx).parent

    def take_packages(self, ctx: Context, folder: Path) -> None:
        """Its Python reads site-packages where wasm.pip put it."""

    def limits_column(self, ctx: Context) -> str:
        return self.name

    def check(self, ctx: Context) -> None:
        ctx.versions.wasi.recipe_for(ctx.cpython.version)  # no WASI recipe: before any work

    def build(self, ctx: Context, source: Source, build_python: Path) -> Path:
        return wasi_build(ctx, source, build_python)

    def finish(self, ctx: Context, folder: Path) -> None:
        """A launcher beside python.wasm, as CPython's own WASI build writes one: the build
        runs without the tasks (`builddir/wasi/python.sh -c ...`)."""
        launcher = folder / LAUNCHER
        mark = "@PWD@"
        line = " ".join(shlex.quote(w) for w in runtime_prefix(ctx, "wasmtime", cwd=mark,
                                                               python=launcher_python()))
        line = line.replace(f"PWD={mark}", '"PWD=$PWD"')
        text = ("#!/bin/sh\n# Runs this WASI build of CPython under wasmtime (the PyPI package, "
                "through the kit's runner), in the current folder.\n"
                f'exec {line} "$@"\n')

        def write() -> None:
            launcher.write_text(text)
            launcher.chmod(0o755)

        shown = ctx.runner.path(launcher)
        ctx.runner.do(Action(f"cat > {shown} <<'EOF' && chmod +x {shown}\n{text}EOF", write))

    def provide_runtime(self, ctx: Context) -> None:
        if ctx.options.runtime == "node":
            ctx.provide_node()

    def runtime(self, ctx: Context) -> str:
        if ctx.options.runtime == "node":
            return f"node{ctx.node.version.split('.')[0]}"
        return ctx.options.runtime

    def expectations_file(self, ctx: Context) -> Path:
        """Per CPython feature release, WASI toolchain and runtime."""
        minor = minor_version(ctx.cpython.version)
        return (expectations.EXPECTATIONS_DIR / f"cpython-{minor}" /
                f"{ctx.toolchain_label('wasi')}-{ctx.variant('wasi')}-{ctx.options.runtime}.toml")

    def session(self, ctx: Context) -> str:
        return f"test_wasi(python='{ctx.cpython.version}', runtime='{ctx.options.runtime}')"

    def where(self, ctx: Context) -> str:
        return f", under {ctx.options.runtime}"

    @contextlib.contextmanager
    def suite_runner(self, ctx: Context, modules: list[str], timeout: float, results_dir: Path,
                     jobs: int) -> Iterator[SuiteRunner]:
        prefix = runtime_prefix(ctx, ctx.options.runtime, cwd=str(results_dir))
        ctx.runner.note(f"python.wasm {file_digest(built_python_wasm(ctx))[:12] if not ctx.dry_run else ''} "
                        f"under {ctx.options.runtime}")
        yield SuiteRunner(
            lambda module, ignore: testsuite.run_one(prefix, module, results_dir, timeout,
                                                     results_dir, ignore),
            prefix, min(jobs, ctx.options.jobs))

    @contextlib.contextmanager
    def check_runner(self, ctx: Context, timeout: float) -> Iterator[Callable[[str], CheckRun]]:
        prefix = runtime_prefix(ctx, ctx.options.runtime, cwd=str(ctx.paths.limits_scratch))
        yield process_checks(ctx, prefix, timeout)

    def keyboard_interrupt(self, ctx: Context) -> tuple[str, str]:
        return interrupt_process(ctx, Command.of(
            *runtime_prefix(ctx, ctx.options.runtime), "-c", INTERRUPTED_PROGRAM,
            cwd=ctx.paths.root))
