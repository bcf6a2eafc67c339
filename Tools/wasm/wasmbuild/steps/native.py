"""Step 1, the build Python: the recipe's `mkdir -p builddir/build && cd builddir/build &&
../../configure -C && make -j$(nproc)`, in builddir/cpython-<key>/build; or, for a toolchain
whose Debian root has an older C library than this machine, the same inside that root, in
builddir/cpython-<key>/build-debian-<release> (crossing.py)."""

from __future__ import annotations

from pathlib import Path

from ..core.shell import Action
from ..toolchains.context import Context
from ..toolchains.crossing import BuildPythonPlace
from .base import Step, link_recipe_path, run_step
from .source import Source


def build_python(ctx: Context, source: Source, place: BuildPythonPlace | None = None) -> Path:
    place = place or ctx.build_python_place()
    folder = place.folder
    where = f" inside the Debian {place.release} root" if place.in_root else ""
    ctx.runner.heading(f"build Python: native CPython {ctx.cpython.version}{where} "
                       f"in {ctx.runner.path(folder)}")
    if place.in_root:
        ctx.runner.note(f"built there because {place.why}")
    configure = place.command(source.tree / "configure", "-C", cwd=folder)
    inputs = {"configure": source.configure_digest(), "argv": list(configure.argv)}
    cache = folder / "config.cache"  # answers of an earlier configure may be stale
    forget = Action(f"rm -f {ctx.runner.path(cache)}", lambda: cache.unlink(missing_ok=True))
    run_step(ctx.runner, Step("configure", folder, inputs, [configure], [folder / "Makefile"],
                              before=[forget]))
    make = place.command("make", f"-j{ctx.options.jobs}", cwd=folder)
    run_step(ctx.runner, Step("make", folder, {**inputs, "source": source.digest}, [make],
                              [place.python]))
    if not place.in_root:  # the recipe's builddir/build is this machine's
        link_recipe_path(ctx.runner, ctx.paths.recipe_link("build"), folder)
    return place.python
