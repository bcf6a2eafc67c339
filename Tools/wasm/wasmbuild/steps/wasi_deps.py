"""The libraries of the stdlib's compression and database modules (zlib, _bz2, _lzma, _sqlite3)
for the WASI builds, cross-compiled with the WASI toolchain's clang from the same verified
archives as the Emscripten builds use.

Each library of versions.toml's [deps] with a [deps.NAME.wasi] table is built into a prefix
per WASI toolchain under the cache, with its own configure and make where they work for
wasm32-wasi, else the named make targets and files. A stamp records what a prefix was built
from; CPython's WASI configure then gets each library through the variables it reads instead
of pkg-config (deps.BuiltDependency.configure_env).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..core.layout import Layout
from ..core.shell import Action, Runner
from ..toolchains.context import Context
from ..toolchains.wasi import WasiCompiler
from ..versions.config import Dependency, WasiLibraryBuild
from .base import Step, Work, run_step
from .deps import BUILD_TRIPLE, BuiltDependency, fetch_and_unpack

# wasm has no use for the libraries' debug information in python.wasm's size.
BASE_CFLAGS = ("-O2",)


def wasi_library(dep: Dependency, compiler: WasiCompiler, layout: Layout, runner: Runner, *,
                 jobs: int, mirror: Path | None, offline: bool) -> BuiltDependency:
    how = dep.wasi
    assert how is not None
    state = compiler.sysroot.parent / "deps"
    variant = f"{dep.name}-{dep.version}"
    prefix, source = state / variant, state / "src" / variant
    cflags = " ".join(dep.expand(flag, prefix) for flag in (*BASE_CFLAGS, *how.cflags))
    env = {**compiler.env(), "CFLAGS": cflags}
    work: list[Work] = [fetch_and_unpack(dep, source, layout, runner, mirror=mirror,
                                         offline=offline)]
    work += _configure(dep, how, compiler, source, prefix, env)
    make_variables = [] if how.configure != "none" else [
        f"{name}={env[name]}" for name in ("CC", "AR", "RANLIB", "CFLAGS")]
    work.append(compiler.command("make", f"-j{jobs}", *make_variables, *how.make, cwd=source,
                                 env=env))
    work += _install(how, compiler, source, prefix, env, runner)
    inputs = {"library": dep.wasi_fingerprint, "toolchain": compiler.toolchain.key,
              "libc": compiler.toolchain.wasi_libc, "provider": compiler.provider,
              "cc": env["CC"].removeprefix("ccache "), "build": BUILD_TRIPLE}
    step = Step(variant, state, inputs, work=work, outputs=[prefix / "lib"],
                lock=state / f".{variant}.lock",
                up_to_date=f"{dep.name} {dep.version} for WASI: up to date in {runner.path(prefix)}")
    run_step(runner, step)
    return BuiltDependency(dep, prefix)


def _configure(dep: Dependency, how: WasiLibraryBuild, compiler: WasiCompiler, source: Path,
               prefix: Path, env: dict[str, str]) -> list[Work]:
    if how.configure == "none":
        return []
    words: list[str | Path] = [source / "configure", f"--prefix={prefix}"]
    if how.configure == "autoconf":
        words += ["--host=wasm32-unknown-wasi", f"--build={BUILD_TRIPLE}", *dep.configure_args]
    return [compiler.command(*words, *how.args, cwd=source, env=env)]


def _install(how: WasiLibraryBuild, compiler: WasiCompiler, source: Path, prefix: Path,
             env: dict[str, str], runner: Runner) -> list[Work]:
    if not how.install:
        return [compiler.command("make", "install", cwd=source, env=env)]
    pairs = [(source / name, prefix / folder) for folder, names in how.install.items()
             for name in names]

    def copy() -> None:
        for path, folder in pairs:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, folder / path.name)

    shown = " && ".join(f"mkdir -p {runner.path(folder)} && cp {runner.path(path)} "
                        f"{runner.path(folder)}/" for path, folder in pairs)
    return [Action(shown, copy)]


def wasi_libraries(ctx: Context, compiler: WasiCompiler) -> list[BuiltDependency]:
    """The WASI build's step before configure: each library it links, built once per toolchain."""
    wanted = ctx.versions.wasi_deps
    if not wanted:
        return []
    ctx.runner.heading("libraries for the WASI build's stdlib modules: "
                       + ", ".join(f"{d.name} {d.version} ({d.module})" for d in wanted))
    return [wasi_library(dep, compiler, ctx.paths, ctx.runner, jobs=ctx.options.jobs,
                         mirror=ctx.options.mirror, offline=ctx.options.offline)
            for dep in wanted]
