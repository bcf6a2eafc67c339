"""The resolved build context: the options of a task turned, once, into the values a build is
made of (the axes CPython source x Emscripten x target x profile, and where things go).

`resolve()` checks the options and looks the CPython release up; the toolchain (Emscripten,
Node) is found on first use and then kept, because a task that builds only the native Python
needs neither. Nothing after this module looks a release or a toolchain up again: steps,
targets and front ends read the context.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..core.errors import ConfigError, DownloadError, ToolMissing
from ..core.layout import Layout, TargetName, check_target, uses_wasi
from ..core.shell import Runner
from ..versions import config, profiles
from ..versions.config import CPythonRelease, Versions
from ..versions.matrix import ENGINES
from ..versions.rules import CPythonRecipe
from . import crossing
from .emscriptens import find_emscripten, provide_emscripten
from .nodejs import Node, find_node, pinned_node_binary, provide_node
from .sources import check_cpython_tree
from .toolchain import Emscripten
from .wasi import WasiCompiler, find_wasi, provide_wasi

# A folder of pinned archives used when --mirror is not given (the clean room's --downloads).
MIRROR_VARIABLE = "CPYTHON_WASM_MIRROR"
# The Emscripten version used when --emscripten is not given (end-to-end tests of another one).
EMSCRIPTEN_VARIABLE = "CPYTHON_WASM_EMSCRIPTEN"
# The CPython release used when neither --python-version nor --source is given (likewise).
PYTHON_VARIABLE = "CPYTHON_WASM_PYTHON"


@dataclass(frozen=True)
class Options:
    """What a user asked for, as the front ends pass it (options.py's table says what each is)."""

    python_version: str | None = None
    source: Path | None = None
    emscripten: str | None = None
    emsdk: Path | None = None
    node: Path | None = None
    node_version: str | None = None
    mirror: Path | None = None
    offline: bool = False
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    dry_run: bool = False
    verbose: bool = False
    profile: str | None = None
    """A name from profiles.PROFILES; None is the default profile."""
    force: bool = False
    """Build a CPython x Emscripten pair outside the CPython recipe's known range anyway."""
    engine: str = "chromium"
    runtime: str = "wasmtime"
    """What runs the WASI build: wasmtime or node (wasi_config.RUNTIMES)."""
    dir: tuple[str, ...] = ()
    """Host folders the WASI build sees, HOST[::GUEST]; none: the whole file system."""


@dataclass
class Toolchains:
    """The toolchains of one build as they are known: None until first described, then what
    was found, then (after a `provide_*` step) what was made usable."""

    emscripten: Emscripten | None = None
    wasi: WasiCompiler | None = None
    node: Node | None = None
    provided: set[str] = field(default_factory=set)
    """The `provide_*` steps run already: a dry run shows each once."""


@dataclass(frozen=True)
class CPython:
    key: str
    """Names the build folder: the release version, or local-<version>-<path digest>."""
    version: str
    user_tree: Path | None
    """The user's checkout (only ever read), or None for a pinned release."""
    release: CPythonRelease | None
    """The pinned release with its downloads, or None for a local tree."""


@dataclass(frozen=True)
class Context:
    options: Options
    versions: Versions
    paths: Layout
    runner: Runner
    cpython: CPython
    profile: profiles.Profile
    recipe: CPythonRecipe
    """How this CPython version builds for wasm32-emscripten (versions.toml [[cpython_recipes]])."""

    toolchains: Toolchains = field(default_factory=Toolchains, compare=False, repr=False)
    """The toolchains as found and then as provided: the one part of a context that changes."""

    # -- the toolchain: described on first use, made usable by a step -------------------------
    @property
    def emscripten(self) -> Emscripten:
        """The Emscripten this build uses, described: finding it makes nothing. A version from
        a Debian root that is not made yet is `planned` until `provide_emscripten` runs."""
        if self.toolchains.emscripten is None:
            wanted = self.options.emscripten or self.versions.default_emscripten(
                self.cpython.version)
            found = find_emscripten(self.paths, emsdk=self.options.emsdk, version=wanted,
                                    runner=self.runner, versions=self.versions,
                                    binds=self._root_binds())
            check_pair(self.cpython.version, self.recipe, found.version,
                       force=self.options.force, runner=self.runner)
            self.toolchains.emscripten = found
        return self.toolchains.emscripten

    def provide_emscripten(self) -> Emscripten:
        """The recipe's step that makes the Emscripten usable (a Debian root made once, with
        what building the build Python inside it needs, when it is built there)."""
        if "emscripten" not in self.toolchains.provided:
            self.toolchains.emscripten = provide_emscripten(
                self.emscripten, self.paths, self.versions, self.runner, self._root_binds(),
                self._root_extras(self.emscripten))
            self.toolchains.provided.add("emscripten")
        return self.emscripten

    @property
    def wasi(self) -> WasiCompiler:
        """The WASI toolchain of this CPython version's WASI recipe, described."""
        if self.toolchains.wasi is None:
            toolchain = self.versions.wasi.toolchains[
                self.versions.wasi.recipe_for(self.cpython.version).toolchain]
            self.toolchains.wasi = find_wasi(self.paths, self.versions, toolchain,
                                             binds=self._root_binds())
        return self.toolchains.wasi

    def provide_wasi(self) -> WasiCompiler:
        """The recipe's step that makes the WASI toolchain usable (a Debian root made once)."""
        if "wasi" not in self.toolchains.provided:
            self.toolchains.wasi = provide_wasi(self.wasi, self.paths, self.versions,
                                                self.runner, self._root_binds(),
                                                self._root_extras(self.wasi))
            self.toolchains.provided.add("wasi")
        return self.wasi

    def provide_toolchain(self, target: TargetName) -> None:
        """The step that makes `target`'s toolchain usable."""
        _ = self.provide_wasi() if uses_wasi(target) else self.provide_emscripten()

    def build_python_place(self, target: TargetName | None = None) -> crossing.BuildPythonPlace:
        """Where the build Python of `target`'s build is built and run: on this machine, or
        inside the toolchain's Debian root when that root's C library is older (crossing.py).
        Without a target (wasm.build-python), on this machine."""
        if target is None:
            return crossing.BuildPythonPlace(self.native_dir)
        return self._place_for(self.wasi if uses_wasi(target) else self.emscripten)

    def _place_for(self, toolchain: Emscripten | WasiCompiler) -> crossing.BuildPythonPlace:
        return crossing.place(self.paths, self.versions, self.cpython.key, toolchain.provider,
                              toolchain.enter, crossing.host_glibc())

    def _root_extras(self, toolchain: Emscripten | WasiCompiler) -> tuple[str, ...]:
        """Packages the toolchain's root needs besides the toolchain's own."""
        return crossing.BUILD_PYTHON_PACKAGES if self._place_for(toolchain).in_root else ()

    def toolchain_label(self, target: TargetName) -> str:
        """Names the toolchain of a target's build in folders: emcc-3.1.6, wasi-bookworm-clang19."""
        if uses_wasi(target):
            return f"wasi-{self.wasi.toolchain.key}"
        return f"emcc-{self.emscripten.version}"

    def _root_binds(self) -> list[Path]:
        """What a Debian root's Emscripten must see of the host, at the same paths."""
        binds = [self.paths.root, self.paths.cache_root]
        if not self.paths.builddir.is_relative_to(self.paths.root):
            binds.append(self.paths.builddir)
        if self.cpython.user_tree is not None:
            binds.append(self.cpython.user_tree)
        return binds

    @property
    def node(self) -> Node:
        """The Node that runs python.js, described: --node, else the pinned release of
        --node-version or versions.toml's default (where `provide_node` puts it), else the node
        on PATH. After `provide_node`, the one it provided."""
        if self.toolchains.node is None:
            if self.options.node is not None:
                self.toolchains.node = find_node(self.options.node)
            elif major := self.options.node_version or self.versions.default_node:
                release = self.versions.node_release(major)
                return Node(pinned_node_binary(self.paths, release), release.version)
            else:
                self.toolchains.node = find_node()
        return self.toolchains.node

    def provide_node(self) -> Node:
        """The step that makes the Node usable: a pinned release fetched and unpacked once
        (nodejs.provide_node). When versions.toml's default cannot be had, the node on PATH
        runs Python instead, and a note says so."""
        major = self.options.node_version or self.versions.default_node
        if "node" in self.toolchains.provided or self.options.node is not None or not major:
            self.toolchains.provided.add("node")
            return self.node
        self.toolchains.provided.add("node")
        try:
            self.toolchains.node = provide_node(self.versions, major, self.paths, self.runner,
                                                mirror=self.options.mirror,
                                                offline=self.options.offline)
        except (DownloadError, ToolMissing) as exc:
            if self.options.node_version:  # asked for by name: no stand-in
                raise
            self.runner.note(f"pinned Node {major} unavailable ({exc.message}); "
                             "using the node on PATH")
            self.toolchains.node = find_node()
        return self.toolchains.node

    # -- names and folders of this build -----------------------------------------------------
    @property
    def dry_run(self) -> bool:
        return self.runner.dry_run

    @property
    def source_dir(self) -> Path:
        return self.paths.source_dir(self.cpython.key)

    @property
    def native_dir(self) -> Path:
        return self.paths.native_dir(self.cpython.key)

    def flavour(self, target: TargetName) -> str:
        """configure's --with-emscripten-target value: node, browser, node-debug, ..."""
        return check_target(target) + self.profile.target_suffix

    def variant(self, target: TargetName) -> str:
        """Names the build folder, results and expectations: node, browser-debug, node-size..."""
        default = self.profile.name == profiles.DEFAULT_PROFILE
        return check_target(target) + ("" if default else f"-{self.profile.name}")

    def target_dir(self, target: TargetName) -> Path:
        if uses_wasi(target):
            return self.paths.wasi_dir(self.cpython.key, self.wasi.toolchain.key,
                                       self.variant(target))
        return self.paths.target_dir(self.cpython.key, self.emscripten.version, self.variant(target))

    def python_js(self, target: TargetName) -> Path:
        return self.target_dir(target) / "python.js"

    def results_dir(self, target: TargetName, runtime: str) -> Path:
        """Where a test run of `target` under `runtime` (node20, chromium) writes its results."""
        return self.paths.results_dir(
            f"{self.cpython.key}-{self.toolchain_label(target)}-{self.variant(target)}-{runtime}")

    def page_url_path(self, target: TargetName = "browser") -> str:
        """The page's path under the served checkout. The debug flavour uses the real folder,
        not the builddir/ link, so the C sources its DWARF info names (../../src/...) resolve."""
        if self.profile.target_suffix == "-debug":
            return os.path.relpath(self.target_dir(target) / "python.html", self.paths.root)
        builddir = os.path.relpath(self.paths.builddir, self.paths.root)
        return f"{builddir}/emscripten-{self.variant(target)}/python.html"


def check_pair(cpython_version: str, recipe: CPythonRecipe, emscripten_version: str, *,
               force: bool, runner: Runner | None = None) -> None:
    """Refuse (or, with --force, warn about) an Emscripten outside the CPython recipe's range."""
    if recipe.accepts(emscripten_version):
        return
    problem = (f"CPython {cpython_version} with Emscripten {emscripten_version} is not known to "
               f"work: its recipe ({recipe.documented_in}) takes Emscripten "
               f"{recipe.emscripten_range}")
    if force:
        if runner is not None:
            runner.note(f"warning: {problem}; trying anyway (--force)")
        return
    instead = f"--emscripten {recipe.default_version}" if recipe.default_version \
        else recipe.default_described
    raise ConfigError(problem, fix=f"use {instead} (the default for CPython {cpython_version}), "
                      "or pass --force to try anyway")


def resolve_cpython(options: Options, versions: Versions) -> CPython:
    if options.source is not None:
        tree = options.source.expanduser().resolve()
        version = check_cpython_tree(tree)
        path_digest = hashlib.sha256(str(tree).encode()).hexdigest()[:8]
        return CPython(f"local-{version}-{path_digest}", version, tree, None)
    version = options.python_version or versions.default_cpython
    release = versions.cpython_release(version)  # unknown versions fail here, before any work
    return CPython(version, version, None, release)


def resolve(options: Options, *, layout: Layout | None = None, versions: Versions | None = None,
            out: TextIO | None = None) -> Context:
    """Check the options and resolve them into a context; the one place that does."""
    if options.source is not None and options.python_version is not None:
        raise ConfigError("--source and --python-version both given",
                          fix="pass only one: a local tree or a pinned release")
    if options.engine not in ENGINES:
        raise ConfigError(f"unknown browser engine {options.engine!r}",
                          fix=f"use one of: {', '.join(ENGINES)}")
    if options.jobs < 1:
        raise ConfigError(f"--jobs {options.jobs}: must be at least 1", fix="pass --jobs 1 or more")
    if options.mirror is None and os.environ.get(MIRROR_VARIABLE):
        options = dataclasses.replace(options, mirror=Path(os.environ[MIRROR_VARIABLE]))
    if options.python_version is None and options.source is None and os.environ.get(PYTHON_VARIABLE):
        options = dataclasses.replace(options, python_version=os.environ[PYTHON_VARIABLE])
    if options.emscripten is None and os.environ.get(EMSCRIPTEN_VARIABLE):
        options = dataclasses.replace(options, emscripten=os.environ[EMSCRIPTEN_VARIABLE])
    versions = versions or config.load()
    wanted = options.emscripten
    if wanted and wanted not in versions.emscripten and not (options.emsdk or os.environ.get("EMSDK")):
        # Caught before any work: only an emsdk can install a version versions.toml does not know.
        raise ConfigError(f"--emscripten {wanted}: not a version this kit knows "
                          f"({', '.join(versions.emscripten)})",
                          fix="pick one of those, or pass --emsdk DIR to install it with emsdk")
    if options.node is not None and options.node_version:
        raise ConfigError("--node and --node-version both given",
                          fix="pass only one: a local node binary or a pinned Node release")
    if options.node_version:
        versions.node_release(options.node_version)  # an unpinned Node fails before any work
    cpython = resolve_cpython(options, versions)
    recipe = versions.recipe_for(cpython.version)
    if wanted:
        check_pair(cpython.version, recipe, wanted, force=options.force)  # before any work
    layout = layout or Layout.default()
    runner = Runner(layout.root, dry_run=options.dry_run, verbose=options.verbose, out=out)
    return Context(options, versions, layout, runner, cpython, profiles.get(options.profile),
                   recipe)
