"""The recipe, as the seed README gives it, and the order the tasks run its steps in.

    source        the CPython release (or a snapshot of --source)          steps/source.py
    build Python  configure -C && make, natively                          steps/native.py
    toolchain     Emscripten from a Debian root, made once (when not the system's)  emscriptens.py
    ports         embuilder build zlib bzip2                              steps/ports.py
    deps          xz, SQLite, libffi built with emcc                      steps/deps.py
    cross build   emconfigure configure --host=wasm32-... && emmake make  steps/cross.py
    finish        what the target adds (the browser's page)               targets/

`invoke wasm.build-python` runs the first two, `wasm.ports` and `wasm.deps` one each,
`wasm.node` and `wasm.browser` all of them; `invoke --dry` prints them in this order. Every
step skips itself when it is up to date (steps/base.py). The build Python builds beside the
toolchain, ports and deps steps (beside.py): the cross build is the first to need it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from . import provision
from .core.layout import TargetName
from .steps import answers, deps, native, ports, source
from .steps.base import exclusive
from .steps.beside import Beside, forget, ready
from .targets import registry
from .toolchains.context import Context


def _lock(ctx: Context) -> Path:
    """One build of a CPython at a time: its folders are shared by all its targets."""
    return ctx.paths.cpython_dir(ctx.cpython.key) / ".lock"


def _show_setup(ctx: Context, target: TargetName = "node") -> None:
    """A dry run starts with the system packages `invoke wasm.setup` would install for it, so
    the first look at the recipe, before anything is installed, shows the whole of it."""
    if ctx.dry_run:
        provision.setup(dry_run=True, runner=ctx.runner,
                        purposes=provision.purposes_for(["invoke", f"wasm.{target}"]))


def build_python(ctx: Context) -> Path:
    _show_setup(ctx)
    with exclusive(_lock(ctx), ctx.runner):
        return native.build_python(ctx, source.fetch_source(ctx))


def build_ports(ctx: Context) -> None:
    _show_setup(ctx)
    ctx.provide_emscripten()
    ports.ports(ctx)


def build_deps(ctx: Context) -> list[deps.BuiltDependency]:
    _show_setup(ctx)
    ctx.provide_emscripten()
    return deps.deps(ctx)


def build_target(ctx: Context, target: TargetName) -> Path:
    """Every step, for `target` (node, browser): the folder holding python.js."""
    chosen = registry.get(target)
    chosen.check(ctx)
    _show_setup(ctx, target)
    with exclusive(_lock(ctx), ctx.runner):
        tree = source.fetch_source(ctx)
        with _build_python_beside(ctx, tree, target) as build_python:
            folder = chosen.build(ctx, tree, build_python)
        chosen.finish(ctx, folder)
        return folder


@contextlib.contextmanager
def _build_python_beside(ctx: Context, tree: source.Source, target: TargetName) -> Iterator[Path]:
    """The build Python of `target`'s build, built beside the steps in the block; they get
    its path, and the first to run it waits for it (beside.ready). One built inside the
    toolchain's root (crossing.py) starts once that root is made."""
    place = ctx.build_python_place(target)
    if place.in_root:
        ctx.provide_toolchain(target)
    python = place.python
    Beside(ctx, "the build Python", lambda side: native.build_python(side, tree, place),
           makes=python)
    try:
        yield python
        ready(python)  # a target that never ran it (none today) still reports its failure
    finally:
        forget(python)


def configure_answers(ctx: Context, target: TargetName, *, check: bool) -> Path:
    """The cross configure of `target` in full, its answers shipped or checked (configcache.py)."""
    _show_setup(ctx)
    with exclusive(_lock(ctx), ctx.runner):
        tree = source.fetch_source(ctx)
        with _build_python_beside(ctx, tree, target) as build_python:
            ctx.provide_emscripten()
            ports.ports(ctx)
            libraries = deps.deps(ctx)
            return answers.answers_check(ctx, target, tree, ready(build_python), libraries,
                                         check=check,
                                         setup_extras=registry.get(target).setup_extras)
