"""The WASI cross build: the CPython version's own WASI recipe (its `config.site-wasm32-wasi`,
`configure --host=wasm32-unknown-wasi --build=... --with-build-python=...`, `make`), with
Debian's clang, llvm tools and wasi-libc in place of the WASI SDK's (wasi.py), in one folder
per CPython x WASI toolchain.

Around the recipe: the libraries of zlib, _bz2, _lzma and _sqlite3 (wasi_deps.py), the clang
versions' fixes from versions.toml ([[wasi.fixes]]) and an empty Modules/Setup.local, as
CPython's own WASI build makes one.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import ConfigError
from ..core.shell import Action
from ..core.stamps import file_digest
from ..toolchains.context import Context
from .base import Step, link_recipe_path, merge_configure_env, run_step
from .beside import ready
from .cross import build_triple
from .source import Source
from .wasi_deps import wasi_libraries


def wasi_build(ctx: Context, source: Source, build_python: Path) -> Path:
    compiler = ctx.provide_wasi()
    python = ready(build_python)  # built beside the toolchain step (beside.py)
    runner, folder = ctx.runner, ctx.target_dir("wasi")
    recipe = ctx.versions.wasi.recipe_for(ctx.cpython.version)
    runner.heading(f"WASI build: CPython {ctx.cpython.version} with {compiler.clang} and "
                   f"wasi-libc of {compiler.toolchain.name} in {runner.path(folder)}")
    site = recipe.site_file(source.tree)
    if site is None and not ctx.dry_run:
        raise ConfigError(f"{source.tree} has none of the WASI site files its recipe names "
                          f"({', '.join(recipe.site_files)})",
                          fix="check that the tree is a complete CPython checkout")
    site = site or source.tree / recipe.site_files[0]
    fixes = ctx.versions.wasi.fixes_for(compiler.toolchain.clang)
    if fixes:
        runner.note(f"fixes for clang {compiler.toolchain.clang}: "
                    + ", ".join(f.name for f in fixes) + " (versions.toml [[wasi.fixes]])")
    libraries = wasi_libraries(ctx, compiler)
    env = {"CONFIG_SITE": str(site), **compiler.env([c for f in fixes for c in f.cflags])}
    for extra in (*(library.configure_env for library in libraries),
                  dict(ctx.profile.configure_env)):
        env = merge_configure_env(env, extra)
    configure = compiler.command(
        source.tree / "configure", "-C", "--host=wasm32-unknown-wasi",
        f"--build={build_triple(source)}", f"--with-build-python={python}",
        *recipe.configure, *ctx.profile.configure_args, cwd=folder, env=env)
    inputs = {"configure": source.configure_digest(), "argv": list(configure.argv),
              "env": env, "site": file_digest(site) if site.is_file() else "missing",
              "toolchain": [compiler.provider, compiler.toolchain.wasi_libc],
              "libraries": [library.dependency.wasi_fingerprint for library in libraries]}
    run_step(runner, Step("configure", folder, inputs, [configure], [folder / "Makefile"],
                          before=_fresh_folder(ctx, folder)))
    make = compiler.command("make", f"-j{ctx.options.jobs}", *ctx.profile.make_args, cwd=folder)
    run_step(runner, Step("make", folder, {**inputs, "source": source.digest,
                                           "make_args": list(ctx.profile.make_args)}, [make],
                          [folder / "python.wasm"]))
    link_recipe_path(runner, ctx.paths.recipe_link(ctx.variant("wasi")), folder)
    return folder


def _fresh_folder(ctx: Context, folder: Path) -> list[Action]:
    """Before configure: no stale answers, and the empty Modules/Setup.local CPython's WASI
    build writes (makesetup reads it; the stdlib's shared modules are built in)."""
    cache, setup = folder / "config.cache", folder / "Modules" / "Setup.local"

    def forget() -> None:
        cache.unlink(missing_ok=True)

    def empty_setup() -> None:
        setup.parent.mkdir(parents=True, exist_ok=True)
        setup.write_text("")

    return [Action(f"rm -f {ctx.runner.path(cache)}", forget),
            Action(f"mkdir -p {ctx.runner.path(setup.parent)} && : > {ctx.runner.path(setup)}",
                   empty_setup)]
