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
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ConfigError, ToolMissing
from ..core.layout import EMSCRIPTEN_TARGETS, TargetName
from ..core.shell import Action, Command
from ..core.stamps import file_digest
from ..toolchains.context import Context
from ..versions.config import TOOLS_WASM
from ..versions.rules import EmscriptenFix, file_digests
from . import configcache
from . import exports as exports_module
from .base import Step, link_recipe_path, merge_configure_env, run_step
from .beside import ready
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
                     module_lines: bool = True, extras: Sequence[str] = ()) -> str:
    """Modules/Setup.local for a cross build: our module lines (when the CPython version's
    recipe uses them), after the library prefixes they use, then the target's own Setup files
    (its Target's `setup_extras`: the browser's terminal module)."""
    template = checkout / "Modules" / "Setup.local"
    variables = "".join(f"{d.setup_variable}\n" for d in built_deps)
    body = template.read_text() if module_lines and template.is_file() else ""
    for name in extras:
        extra = checkout / "Modules" / name
        body += extra.read_text() if extra.is_file() else ""
    return variables + body


@dataclass(frozen=True)
class CrossBuild:
    """What the two steps of one cross build share: the folder, the environment of configure,
    the fixes that apply, and the files the build writes besides its own."""

    ctx: Context
    target: TargetName
    source: Source
    built_deps: Sequence[BuiltDependency]
    folder: Path
    cpython_site: Path
    env: dict[str, str]
    fixes: Sequence[EmscriptenFix]
    setup_extras: Sequence[str] = ()
    """Modules/Setup.* files of the target added to Setup.local (setup_local_text)."""

    @property
    def exports_file(self) -> Path:
        return self.folder / "c-api-exports.json"

    @property
    def sites(self) -> list[Path]:
        return site_files(self.ctx.paths.root, self.cpython_site)


def cross_build(ctx: Context, target: TargetName, source: Source, build_python: Path,
                built_deps: Sequence[BuiltDependency], setup_extras: Sequence[str] = ()) -> Path:
    build = plan(ctx, target, source, built_deps, setup_extras=setup_extras)
    ready(build_python)  # built beside the steps before this one (beside.py)
    runner = ctx.runner
    runner.heading(f"cross build: {target} target with Emscripten {ctx.emscripten.version} "
                   f"in {runner.path(build.folder)}")
    if build.fixes:
        runner.note(f"fixes for Emscripten {ctx.emscripten.version}: "
                    + ", ".join(f.name for f in build.fixes)
                    + " (versions.toml [[emscripten_fixes]])")
    inputs = configure(build, build_python)
    make(build, inputs)
    link_recipe_path(runner, ctx.paths.recipe_link(f"emscripten-{ctx.variant(target)}"),
                     build.folder)
    return build.folder


def plan(ctx: Context, target: TargetName, source: Source, built_deps: Sequence[BuiltDependency],
         folder: Path | None = None, *, setup_extras: Sequence[str] = ()) -> CrossBuild:
    """configure's environment: our site file first, the profile, the libraries, the CPython
    recipe's variables, the Emscripten fixes, and the C API exports on python.js's link."""
    folder = folder or ctx.target_dir(target)
    cpython_site = cpython_site_file(ctx, source)
    env = {**ctx.emscripten.env, "CONFIG_SITE": str(site_files(ctx.paths.root, cpython_site)[0]),
           **dict(ctx.profile.configure_env)}
    site_relative = cpython_site.relative_to(source.tree).as_posix()
    if site_relative != DEFAULT_CPYTHON_SITE:
        env["CPYTHON_WASM_SITE"] = site_relative
    for dep in built_deps:
        env = merge_configure_env(env, dep.configure_env)
    env = merge_configure_env(env, ctx.recipe.env({d.dependency.name: d.prefix
                                                   for d in built_deps}))
    fixes = ctx.versions.fixes_for(ctx.emscripten.version, dynamic=ctx.profile.dynamic)
    for fix in fixes:
        env = merge_configure_env(env, fix.env())
    # In LIBS, which the Makefile puts on python.js's link only; the extension modules it links
    # as separate files (unusable here) would fail on names they don't define.
    env = merge_configure_env(env, {"LIBS": f"-sEXPORTED_FUNCTIONS=@{folder / 'c-api-exports.json'}"})
    return CrossBuild(ctx, target, source, built_deps, folder, cpython_site, env, fixes,
                      setup_extras)


def configure_command(build: CrossBuild, build_python: Path) -> Command:
    ctx, emscripten = build.ctx, build.ctx.emscripten
    return emscripten.command(
        emscripten.tool("emconfigure"), build.source.tree / "configure", "-C",
        "--host=wasm32-unknown-emscripten", f"--build={build_triple(build.source)}",
        *ctx.recipe.configure_args(ctx.flavour(build.target)),
        f"--with-build-python={build_python}", *ctx.profile.configure_args, cwd=build.folder,
        env=build.env)


def answers_key(build: CrossBuild) -> str:
    """The key of configure's answers: everything configure's checks see. Answers are shared
    only within one profile and one set of fixes: their flags and files change what the link
    checks see (a file on LDFLAGS once made clock_gettime "missing")."""
    ctx, emscripten = build.ctx, build.ctx.emscripten
    return configcache.store_key(
        [ctx.cpython.key, build.source.configure_digest(),
         *[file_digest(p) if p.is_file() else "missing" for p in build.sites],
         emscripten.key, emscripten.origin, ctx.profile.name,
         *sorted(d.dependency.fingerprint for d in build.built_deps),
         *[f.configure_fingerprint for f in build.fixes],
         *file_digests(sorted({p for f in build.fixes for p in f.link_files})).values()],
        {str(TOOLS_WASM): "{tools}", str(ctx.paths.root): "{checkout}", str(Path.home()): "~"})


def configure(build: CrossBuild, build_python: Path) -> dict[str, object]:
    """The configure step; returns its inputs, which the make step adds to."""
    ctx, emscripten, profile, folder = build.ctx, build.ctx.emscripten, build.ctx.profile, build.folder
    command = configure_command(build, build_python)
    fingerprints = {d.dependency.name: d.dependency.fingerprint for d in build.built_deps}
    site_digests = [file_digest(p) if p.is_file() else "missing" for p in build.sites]
    setup_local = setup_local_text(ctx.paths.root, build.built_deps, ctx.recipe.setup_local,
                                   build.setup_extras)
    inputs: dict[str, object] = {
        "configure": build.source.configure_digest(),
        "argv": list(command.argv[len(emscripten.enter):]),  # not where the root is entered
        "env": {k: v for k, v in build.env.items() if k not in emscripten.env},
        "emscripten": f"{emscripten.version} {emscripten.origin}",
        "site": site_digests,
        "deps": {d.dependency.name: [fingerprints[d.dependency.name], str(d.prefix)]
                 for d in build.built_deps},
        "setup_local": hashlib.sha256(setup_local.encode()).hexdigest(),
        "exports": [*exports_module.EXTRA_EXPORTS, file_digest(exports_module.LIBC_LIST)],
        "fixes": [f.configure_fingerprint for f in build.fixes],
    }
    if profile.configure_env:
        inputs["profile_env"] = dict(profile.configure_env)
    answers = _configure_answers(build, answers_key(build))
    run_step(ctx.runner, Step(
        "configure", folder, inputs, [command], [folder / "Makefile", build.exports_file],
        before=[_forget_link(build), *write_setup_local(build, setup_local),
                placeholder_exports(build), answers[0]],
        after=[answers[1], _write_exports(build)]))
    return inputs


def make(build: CrossBuild, inputs: dict[str, object]) -> None:
    ctx, emscripten, folder = build.ctx, build.ctx.emscripten, build.folder
    command = emscripten.command(emscripten.tool("emmake"), "make", f"-j{ctx.options.jobs}",
                                 *ctx.profile.make_args, cwd=folder, env=emscripten.env)
    # Our files that only the link reads (--js-library, --post-js, a C file on the link line):
    # a change relinks, it does not reconfigure. make does not know them: a changed one
    # relinks by removing the linked files first.
    link_files = sorted({*[p for f in build.fixes for p in f.link_files],
                         *[p for d in build.built_deps for p in d.dependency.link_files]})
    run_step(ctx.runner, Step("make", folder, {**inputs, "source": build.source.digest,
                                               "link_files": file_digests(link_files)},
                              [command], [folder / "python.js", folder / "python.wasm"],
                              before=[_forget_link(build)]))


def _forget_link(build: CrossBuild) -> Action:
    """make does not relink for changed link flags (LDFLAGS) or our link files: remove the
    linked files, so a reconfigured or changed build relinks."""
    linked = [build.folder / "python.js", build.folder / "python.wasm"]

    def remove() -> None:
        for path in linked:
            path.unlink(missing_ok=True)

    return Action("rm -f " + " ".join(build.ctx.runner.path(p) for p in linked), remove)


def write_setup_local(build: CrossBuild, text: str) -> list[Action]:
    """configure keeps an existing Modules/Setup.local, and makesetup reads it: ours is written
    first (the library prefixes, then our module lines when the recipe uses them)."""
    runner, target_setup = build.ctx.runner, build.folder / "Modules" / "Setup.local"
    variables = " ".join(shlex.quote(d.setup_variable) for d in build.built_deps)
    ours = " && cat Modules/Setup.local" if build.ctx.recipe.setup_local else ""

    def write() -> None:
        target_setup.parent.mkdir(parents=True, exist_ok=True)
        target_setup.write_text(text)

    return [Action(f"mkdir -p {runner.path(target_setup.parent)} && "
                   f"(printf '%s\\n' {variables}{ours}) > {runner.path(target_setup)}", write)]


def placeholder_exports(build: CrossBuild) -> Action:
    placeholder = json.dumps(exports_module.PLACEHOLDER)

    def write() -> None:
        build.exports_file.write_text(placeholder)

    return Action(f"echo '{placeholder}' > {build.ctx.runner.path(build.exports_file)}"
                  "  # for configure's link tests", write)


def _configure_answers(build: CrossBuild, key: str) -> tuple[Action, Action]:
    """Seeding config.cache from stored answers of the same key (configcache.py), and storing
    this configure's answers afterwards."""
    runner, store, config_cache = build.ctx.runner, build.ctx.paths.configure_answers, \
        build.folder / "config.cache"
    variant = build.ctx.variant(build.target)
    siblings = [t for t in EMSCRIPTEN_TARGETS if t != build.target]

    shipped = build.ctx.paths.shipped_configure_answers

    def seed() -> None:
        config_cache.unlink(missing_ok=True)
        seeded_from = configcache.seed(config_cache, store, key, variant, siblings, shipped)
        if seeded_from:
            runner.note(f"configure starts from {seeded_from}")
        else:
            runner.note(f"no configure answers stored or shipped for this configuration "
                        f"({key}): configure runs every check, about 3 minutes on 2 CPUs")

    stored = runner.path(configcache.stored_path(store, key, variant))
    ships = runner.path(configcache.shipped_path(shipped, key))
    cache = runner.path(config_cache)
    # The shell spelling of seed() for this target's own answers or the shipped ones; the
    # Python work also falls back to a sibling target's compiler checks before the shipped.
    return (Action(f"rm -f {cache}; if [ -f {stored} ]; then grep -v '^ac_cv_env_' {stored} "
                   f"> {cache}; elif [ -f {ships} ]; then grep -v '^#' {ships} > {cache}; fi",
                   seed),
            Action(f"cp {runner.path(config_cache)} {stored}",
                   lambda: configcache.save(config_cache, store, key, variant)))


def _write_exports(build: CrossBuild) -> Action:
    """The names python.js exports, from the tree's headers and the C library's archives."""
    runner, pyconfig = build.ctx.runner, build.folder / "pyconfig.h"
    archives = exports_module.libc_archives(build.ctx.emscripten.cache_dir)

    def write() -> None:
        build.exports_file.write_text(json.dumps(
            exports_module.export_list(build.source.tree, pyconfig, archives)))

    return Action(f"python3 {runner.path(Path(exports_module.__file__))} "
                  f"{runner.path(build.source.tree)} {runner.path(pyconfig)} "
                  + "".join(f"{runner.path(a)} " for a in archives)
                  + f"> {runner.path(build.exports_file)}", write)

