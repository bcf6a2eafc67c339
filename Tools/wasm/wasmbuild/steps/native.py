"""Step 1, the build Python: the recipe's `mkdir -p builddir/build && cd builddir/build &&
../../configure -C && make -j$(nproc)`, in builddir/cpython-<key>/build."""

from __future__ import annotations

from pathlib import Path

from ..context import Context
from ..shell import Action, Command
from .base import Step, link_recipe_path, run_step
from .source import Source


def python_path(ctx: Context) -> Path:
    return ctx.native_dir / "python"


def build_python(ctx: Context, source: Source) -> Path:
    folder = ctx.native_dir
    python = python_path(ctx)
    ctx.runner.heading(f"build Python: native CPython {ctx.cpython.version} "
                       f"in {ctx.runner.path(folder)}")
    configure = Command.of(source.tree / "configure", "-C", cwd=folder)
    inputs = {"configure": source.configure_digest(), "argv": list(configure.argv)}
    cache = folder / "config.cache"  # answers of an earlier configure may be stale
    forget = Action(f"rm -f {ctx.runner.path(cache)}", lambda: cache.unlink(missing_ok=True))
    run_step(ctx.runner, Step("configure", folder, inputs, [configure], [folder / "Makefile"],
                              before=[forget]))
    make = Command.of("make", f"-j{ctx.options.jobs}", cwd=folder)
    run_step(ctx.runner, Step("make", folder, {**inputs, "source": source.digest}, [make],
                              [python]))
    link_recipe_path(ctx.runner, ctx.paths.recipe_link("build"), folder)
    return python
