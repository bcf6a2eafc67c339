"""Step 3, the cross build: the recipe's `CONFIG_SITE=... emconfigure ../../configure -C
--host=wasm32-unknown-emscripten --build=... --with-build-python=...` with the options of the
CPython version's own recipe (3.11-3.13: --with-emscripten-target=<target>), then `emmake make`,
in one folder per CPython x Emscripten x target.

Around the recipe: our site file and Modules/Setup.local, the libraries of the deps step, the
Emscripten corrections in Tools/wasm/emscripten/, the C API exports for ctypes.pythonapi, and
configure answers shared between build folders (configcache.py).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .. import configcache
from .. import exports as exports_module
from ..context import Context
from ..errors import ConfigError, ToolMissing
from ..layout import TARGETS
from ..rules import file_digests
from ..stamps import file_digest
from .base import Step, link_recipe_path, merge_configure_env, run_step
from .deps import BuiltDependency
from .source import Source

SITE_FILE_NAME = "config.site-wasm32-emscripten"
# Where CPython 3.11-3.13 keep their site file; ours reads the one CPYTHON_WASM_SITE names, this
# one when it is unset.
DEFAULT_CPYTHON_SITE = f"Tools/wasm/{SITE_FILE_NAME}"


def build_triple(source: Source) -> str:
    guess = source.tree / "config.guess"
    if not guess.is_file():
        return f"$({guess})"  # dry run before the source exists
    try:
        found = subprocess.run([str(guess)], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolMissing(f"cannot run {guess}: {exc}", fix="check that sh, uname and sed work") \
            from None
    if found.returncode != 0 or not found.stdout.strip():
        last = (found.stderr.strip().splitlines() or ["no output"])[-1]
        raise ToolMissing(f"{guess.name} could not name this machine: {last}",
                          fix="config.guess needs sh, uname and sed on PATH")
    return found.stdout.strip()


def cpython_site_file(ctx: Context, source: Source) -> Path:
    """The CPython tree's own site file, as its recipe names it."""
    found = ctx.recipe.site_file(source.tree)
    if found is None and not ctx.dry_run:
        raise ConfigError(
            f"{source.tree} has none of the site files the CPython {ctx.cpython.version} recipe "
            f"names ({', '.join(ctx.recipe.site_files)})",
            fix="check that the tree is a complete CPython checkout of that version")
    return found or source.tree / DEFAULT_CPYTHON_SITE


def site_files(checkout: Path, cpython_site: Path) -> list[Path]:
    """Ours first; CPython's own one is read by it."""
    return [checkout / SITE_FILE_NAME, cpython_site]


def setup_local_text(checkout: Path, built_deps: Sequence[BuiltDependency],
                     module_lines: bool = True) -> str:
    """Modules/Setup.local for a cross build: our module lines (when the CPython version's
    recipe uses them), after the library prefixes they use."""
    template = checkout / "Modules" / "Setup.local"
    variables = "".join(f"{d.setup_variable}\n" for d in built_deps)
    body = template.read_text() if module_lines and template.is_file() else ""
    return variables + body


def cross_build(ctx: Context, target: str, source: Source, build_python: Path,
                built_deps: Sequence[BuiltDependency]) -> Path:
    runner, emscripten, profile = ctx.runner, ctx.emscripten, ctx.profile
    folder = ctx.target_dir(target)
    runner.heading(f"cross build: {target} target with Emscripten {emscripten.version} "
                   f"in {runner.path(folder)}")
    cpython_site = cpython_site_file(ctx, source)
    sites = site_files(ctx.paths.root, cpython_site)
    env = {**emscripten.env, "CONFIG_SITE": str(sites[0]), **dict(profile.configure_env)}
    site_relative = cpython_site.relative_to(source.tree).as_posix()
    if site_relative != DEFAULT_CPYTHON_SITE:
        env["CPYTHON_WASM_SITE"] = site_relative
    for dep in built_deps:
        env = merge_configure_env(env, dep.configure_env)
    env = merge_configure_env(env, ctx.recipe.env({d.dependency.name: d.prefix
                                                   for d in built_deps}))
    fixes = ctx.versions.fixes_for(emscripten.version, dynamic=ctx.profile.dynamic)
    for fix in fixes:
        env = merge_configure_env(env, fix.env())
    if fixes:
        runner.note("fixes for Emscripten " + emscripten.version + ": "
                    + ", ".join(f.name for f in fixes) + " (versions.toml [[emscripten_fixes]])")
    exports_file = folder / "c-api-exports.json"
    env = merge_configure_env(env, {
        # In LIBS, which the Makefile puts on python.js's link only; the extension modules
        # it links as separate files (unusable here) would fail on names they don't define.
        "LIBS": f"-sEXPORTED_FUNCTIONS=@{exports_file}",
    })
    # Each one digests files of ours: computed once here.
    fingerprints = {d.dependency.name: d.dependency.fingerprint for d in built_deps}
    setup_local = setup_local_text(ctx.paths.root, built_deps, ctx.recipe.setup_local)
    configure = emscripten.command(
        emscripten.tool("emconfigure"), source.tree / "configure", "-C",
        "--host=wasm32-unknown-emscripten",
        f"--build={build_triple(source)}",
        *ctx.recipe.configure_args(ctx.flavour(target)),
        f"--with-build-python={build_python}",
        *profile.configure_args,
        cwd=folder, env=env,
    )
    site_digests = [file_digest(p) if p.is_file() else "missing" for p in sites]
    configure_digest = source.configure_digest()
    inputs = {
        "configure": configure_digest,
        "argv": list(configure.argv[len(emscripten.enter):]),  # not where the root is entered
        "env": {k: v for k, v in env.items() if k not in emscripten.env},
        "emscripten": f"{emscripten.version} {emscripten.origin}",
        "site": site_digests,
        "deps": {d.dependency.name: [fingerprints[d.dependency.name], str(d.prefix)]
                 for d in built_deps},
        "setup_local": hashlib.sha256(setup_local.encode()).hexdigest(),
        "exports": [*exports_module.EXTRA_EXPORTS, file_digest(exports_module.LIBC_LIST)],
        "fixes": [f.configure_fingerprint for f in fixes],
    }
    if profile.configure_env:
        inputs["profile_env"] = dict(profile.configure_env)
    variant = ctx.variant(target)
    store = ctx.paths.configure_answers
    # Answers are shared only within one profile: its flags may change compile checks.
    key = configcache.store_key([ctx.cpython.key, configure_digest, *site_digests,
                                 emscripten.key, emscripten.origin, profile.name,
                                 *sorted(fingerprints.values())])
    config_cache = folder / "config.cache"

    def force_relink() -> None:
        for linked in ("python.js", "python.wasm"):
            (folder / linked).unlink(missing_ok=True)

    def before_configure() -> None:
        config_cache.unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        # make does not relink for changed link flags (LDFLAGS): a reconfigured build relinks.
        force_relink()
        # configure keeps an existing Modules/Setup.local; makesetup reads it.
        target_setup = folder / "Modules" / "Setup.local"
        variables = " ".join(d.setup_variable for d in built_deps)
        ours = " && cat Modules/Setup.local" if ctx.recipe.setup_local else ""
        runner.say(f"mkdir -p {runner.path(target_setup.parent)} && "
                   f"(printf '%s\\n' {variables}{ours}) > {runner.path(target_setup)}")
        target_setup.parent.mkdir(exist_ok=True)
        target_setup.write_text(setup_local)
        placeholder = json.dumps(exports_module.PLACEHOLDER)
        runner.say(f"echo '{placeholder}' > {runner.path(exports_file)}"
                   "  # for configure's link tests")
        exports_file.write_text(placeholder)
        seeded_from = configcache.seed(config_cache, store, key, variant,
                                       [t for t in TARGETS if t != target])
        if seeded_from:
            runner.note(f"configure starts from {seeded_from} ({runner.path(store)})")

    def after_configure() -> None:
        configcache.save(config_cache, store, key, variant)
        pyconfig = folder / "pyconfig.h"
        archives = exports_module.libc_archives(emscripten.cache_dir)
        runner.say(f"python3 {runner.path(Path(exports_module.__file__))} "
                   f"{runner.path(source.tree)} {runner.path(pyconfig)} "
                   + "".join(f"{runner.path(a)} " for a in archives)
                   + f"> {runner.path(exports_file)}")
        exports_file.write_text(json.dumps(
            exports_module.export_list(source.tree, pyconfig, archives)))

    run_step(runner, Step("configure", folder, inputs, [configure],
                          [folder / "Makefile", exports_file],
                          before=before_configure, after=after_configure))
    make = emscripten.command(emscripten.tool("emmake"), "make", f"-j{ctx.options.jobs}",
                      *profile.make_args, cwd=folder, env=emscripten.env)
    # Our files that only the link reads (--js-library, --post-js, a C file on the link line):
    # a change relinks, it does not reconfigure.
    link_files = sorted({*[p for f in fixes for p in f.link_files],
                         *[p for d in built_deps for p in d.dependency.link_files]})

    # make does not know these files either: a changed one relinks by the same means.
    run_step(runner, Step("make", folder, {**inputs, "source": source.digest,
                                           "link_files": file_digests(link_files)}, [make],
                          [folder / "python.js", folder / "python.wasm"], before=force_relink))
    link_recipe_path(runner, ctx.paths.recipe_link(f"emscripten-{variant}"), folder)
    return folder
