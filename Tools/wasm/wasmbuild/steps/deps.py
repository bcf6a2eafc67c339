"""External libraries for stdlib modules, cross-compiled with emcc (`invoke wasm.deps`).

Each library in versions.toml's [deps] is fetched and verified like every other download,
configured for wasm32-unknown-emscripten with `emconfigure`, built and installed into a prefix
per Emscripten version under the cache. A stamp records what a prefix was built from; CPython's
configure then gets the library through the variables it reads instead of pkg-config (which
would find the host's libraries).
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.layout import Layout
from ..core.shell import Runner
from ..core.stamps import file_digest, locked
from ..toolchains.context import Context
from ..toolchains.sources import fetch, unpack
from ..toolchains.toolchain import Emscripten, prepare_cache
from ..versions.config import Dependency, Versions
from ..versions.rules import EmscriptenFix
from .base import Step, merge_configure_env, run_step


@dataclass(frozen=True)
class BuiltDependency:
    dependency: Dependency
    prefix: Path

    @property
    def configure_env(self) -> dict[str, str]:
        return {k: self.dependency.expand(v, self.prefix) for k, v in self.dependency.env.items()}

    @property
    def setup_variable(self) -> str:
        """`LIBFFI_PREFIX=/path`: how Modules/Setup.local lines find the library."""
        return f"{self.dependency.name.upper()}_PREFIX={self.prefix}"


# Said explicitly, so configure knows it cross-compiles: Emscripten 3.1.69's emconfigure runs
# emcc's output through Node, configure then concludes "not cross compiling" and SQLite's build
# compiles its generator tools with emcc and fails to execute them.
BUILD_TRIPLE = f"{platform.machine()}-{'pc' if platform.machine() == 'x86_64' else 'unknown'}-linux-gnu"


def fetch_and_unpack(dep: Dependency, source: Path, layout: Layout, runner: Runner, *,
                     mirror: Path | None, offline: bool) -> Callable[[], None]:
    """The first work of a library's build: its verified archive, unpacked into `source`."""
    def work() -> None:
        archive = fetch([dep.download], what=f"{dep.name} {dep.version}",
                        downloads=layout.downloads, mirror=mirror, runner=runner, offline=offline)
        runner.action(f"mkdir -p {runner.path(source)} && tar -xf {runner.path(archive.path)} "
                      f"-C {runner.path(source)} --strip-components=1",
                      lambda: unpack(archive.path, source))

    return work


def build_dependency(dep: Dependency, emscripten: Emscripten, layout: Layout, runner: Runner, *,
                     jobs: int, mirror: Path | None, offline: bool,
                     pthreads: bool = False, pic: bool = False,
                     fixes: Sequence[EmscriptenFix] = ()) -> BuiltDependency:
    """Threaded builds link with shared memory, which wasm-ld allows only for objects compiled
    with atomics: they get their own `-pthread` build of each library. Likewise a MAIN_MODULE
    link takes only position-independent objects: `pic` builds a `-fPIC` one."""
    state = layout.emscripten_state(emscripten.key) / "deps"
    # (compile flag, folder suffix) of each variant asked for
    added = [pair for pair, wanted in ((("-pthread", "-pthread"), pthreads),
                                       (("-fPIC", "-pic"), pic)) if wanted]
    extra_cflags = [flag for flag, _ in added]
    variant = f"{dep.name}-{dep.version}" + "".join(suffix for _, suffix in added)
    prefix = state / variant
    build_env = {k: dep.expand(v, prefix) for k, v in dep.build_env.items()}
    for fix in fixes:
        build_env = merge_configure_env(build_env, fix.env())
    if extra_cflags:
        build_env["CFLAGS"] = " ".join([build_env.get("CFLAGS", "-g -O2"), *extra_cflags])
    inputs = {
        "sha256": dep.download.sha256, "configure": list(dep.configure_args),
        "build_env": build_env, "prepare": list(dep.prepare),
        "tool_files": {p.name: file_digest(p) for p in dep.build_tool_files if p.is_file()},
        "emscripten": f"{emscripten.version} {emscripten.origin}", "build": BUILD_TRIPLE}
    if fixes:
        inputs["fixes"] = [f.fingerprint for f in fixes]
    source = state / "src" / variant
    env = emscripten.env
    prepare = [emscripten.command(*dep.prepare, cwd=source)] if dep.prepare else []
    step = Step(variant, state, inputs, work=[
        fetch_and_unpack(dep, source, layout, runner, mirror=mirror, offline=offline),
        *prepare,
        emscripten.command(emscripten.tool("emconfigure"), source / "configure",
                   "--host=wasm32-unknown-emscripten", f"--build={BUILD_TRIPLE}",
                   f"--prefix={prefix}", *dep.configure_args, cwd=source,
                   env={**env, **build_env}),
        emscripten.command(emscripten.tool("emmake"), "make", f"-j{jobs}", cwd=source, env=env),
        emscripten.command(emscripten.tool("emmake"), "make", "install", cwd=source, env=env),
    ], outputs=[prefix / "lib"], lock=state / f".{variant}.lock",
                up_to_date=f"{dep.name} {dep.version}: up to date in {runner.path(prefix)}")
    run_step(runner, step)
    return BuiltDependency(dep, prefix)


def build_all(versions: Versions, emscripten: Emscripten, layout: Layout, runner: Runner, *,
              jobs: int, mirror: Path | None = None, offline: bool = False,
              pthreads: bool = False, pic: bool = False) -> list[BuiltDependency]:
    return [build_dependency(dep, emscripten, layout, runner, jobs=jobs, mirror=mirror,
                             offline=offline, pthreads=pthreads, pic=pic,
                             fixes=versions.fixes_for(emscripten.version, dep.name))
            for dep in versions.emscripten_deps]


def deps(ctx: Context) -> list[BuiltDependency]:
    """Step 2b: the libraries stdlib modules need (xz for _lzma, ...), built with emcc."""
    emscripten = ctx.emscripten
    names = ", ".join(f"{d.name} {d.version} ({d.module})" for d in ctx.versions.emscripten_deps)
    ctx.runner.heading(f"libraries for stdlib modules: {names or 'none'}")
    with locked(ctx.paths.emscripten_state(emscripten.key) / ".lock"):
        prepare_cache(emscripten, ctx.runner)
    return build_all(ctx.versions, emscripten, ctx.paths, ctx.runner, jobs=ctx.options.jobs,
                     mirror=ctx.options.mirror, offline=ctx.options.offline,
                     pthreads=ctx.profile.pthreads, pic=ctx.profile.dynamic)
