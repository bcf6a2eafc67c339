"""`wasm.clean`: deleting build folders; the download cache only when asked."""

from __future__ import annotations

import functools
from pathlib import Path

from .core.errors import ConfigError
from .core.layout import TARGET_NAMES, remove
from .targets import Target, registry
from .toolchains.context import Context

CHOICES = (*TARGET_NAMES, "build", "cpython", "all")
"""What `--what` takes."""


def clean(ctx: Context, what: str, *, downloads: bool = False) -> None:
    """'node'/'browser'/'wasi' (every toolchain's folder of that target for this CPython), 'build'
    (the build Pythons, this machine's and those built inside roots), 'cpython' (everything
    for this CPython) or 'all' (the whole builddir)."""
    paths = ctx.paths
    if what in TARGET_NAMES:
        folders = _target_folders(ctx, registry.get(what))
    elif what == "build":
        folders = [ctx.native_dir, *sorted(paths.cpython_dir(ctx.cpython.key).glob("build-debian-*")),
                   paths.recipe_link("build")]
    elif what == "cpython":
        folders = [paths.cpython_dir(ctx.cpython.key)]
    elif what == "all":
        folders = [paths.builddir]
    else:
        raise ConfigError(f"unknown clean target {what!r}",
                          fix=f"use one of: {', '.join(CHOICES)}")
    if downloads:
        folders.append(paths.downloads)
    for folder in folders:
        if folder.exists() or folder.is_symlink():
            ctx.runner.action(f"rm -rf {ctx.runner.path(folder)}", functools.partial(remove, folder))



def _target_folders(ctx: Context, target: Target) -> list[Path]:
    """Every toolchain's build folder of `target` for this CPython, and the recipe's link."""
    cpython_dir = ctx.paths.cpython_dir(ctx.cpython.key)
    if target.emscripten:
        return [*sorted(cpython_dir.glob(f"emcc-*/emscripten-{target.name}")),
                ctx.paths.recipe_link(f"emscripten-{target.name}")]
    return [*sorted(cpython_dir.glob("wasi-*")), ctx.paths.recipe_link("wasi")]
