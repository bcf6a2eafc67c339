"""`wasm.clean`: deleting build folders; the download cache only when asked."""

from __future__ import annotations

import functools

from .core.errors import ConfigError
from .core.layout import TARGETS, remove
from .toolchains.context import Context


def clean(ctx: Context, what: str, *, downloads: bool = False) -> None:
    """'node'/'browser'/'wasi' (every toolchain's folder of that target for this CPython), 'build'
    (the build Pythons, this machine's and those built inside roots), 'cpython' (everything
    for this CPython) or 'all' (the whole builddir)."""
    paths = ctx.paths
    if what == "wasi":
        folders = [*sorted(paths.cpython_dir(ctx.cpython.key).glob("wasi-*")),
                   paths.recipe_link("wasi")]
    elif what in TARGETS:
        cpython_dir = paths.cpython_dir(ctx.cpython.key)
        folders = [*sorted(cpython_dir.glob(f"emcc-*/emscripten-{what}")),
                   paths.recipe_link(f"emscripten-{what}")]
    elif what == "build":
        folders = [ctx.native_dir, *sorted(paths.cpython_dir(ctx.cpython.key).glob("build-debian-*")),
                   paths.recipe_link("build")]
    elif what == "cpython":
        folders = [paths.cpython_dir(ctx.cpython.key)]
    elif what == "all":
        folders = [paths.builddir]
    else:
        raise ConfigError(f"unknown clean target {what!r}",
                          fix=f"use one of: {', '.join((*TARGETS, 'build', 'cpython', 'all'))}")
    if downloads:
        folders.append(paths.downloads)
    for folder in folders:
        if folder.exists() or folder.is_symlink():
            ctx.runner.action(f"rm -rf {ctx.runner.path(folder)}", functools.partial(remove, folder))

