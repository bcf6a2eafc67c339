"""The WASI part of versions.toml ([wasi]): toolchains, the recipe of each CPython range, the
fixes clang versions need, and the WASI test matrix; read into frozen dataclasses.

A WASI toolchain here is one Debian release's clang, lld, compiler-rt for wasm32 and wasi-libc,
used in place of the WASI SDK (which cannot be downloaded everywhere); each CPython range names
the toolchain whose wasi-libc is of the WASI SDK era its own recipe was written for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError
from .rules import parse_version
from .schema import from_toml, toml

RUNTIMES = ("wasmtime", "node")


@dataclass(frozen=True)
class WasiToolchain:
    name: str = field(metadata=toml(key=True))
    """The Debian release whose packages make it: bookworm, trixie."""
    clang: str
    """The LLVM major version: clang-19, lld-19, llvm-19, libclang-rt-19-dev-wasm32."""
    wasi_libc: str
    """The wasi-libc package version it is tested with."""
    sdk: str
    """The WASI SDK release whose libc this one matches (what CPython's recipes name)."""
    providers: tuple[str, ...]

    @property
    def key(self) -> str:
        """Names the build folder: wasi-<release>-clang<N>."""
        return f"{self.name}-clang{self.clang}"

    @property
    def packages(self) -> tuple[str, ...]:
        return tuple(self.installs)

    @property
    def installs(self) -> dict[str, str]:
        """Each package and a program (on PATH) or file (absolute) that shows it is installed."""
        n = self.clang
        return {f"clang-{n}": f"clang-{n}", f"lld-{n}": f"wasm-ld-{n}",
                f"llvm-{n}": f"llvm-ar-{n}",
                f"libclang-rt-{n}-dev-wasm32":
                    f"/usr/lib/llvm-{n}/lib/clang/{n}/lib/wasi/libclang_rt.builtins-wasm32.a",
                "wasi-libc": "/usr/lib/wasm32-wasi/libc.a"}


@dataclass(frozen=True, kw_only=True)  # keyword-only: the optional cpython_below stays in place
class WasiRecipe:
    cpython_from: str
    cpython_below: str | None = None
    toolchain: str
    site_files: tuple[str, ...]
    documented_in: str
    configure: tuple[str, ...] = ()

    def accepts(self, cpython_version: str) -> bool:
        version = parse_version(cpython_version)
        return version >= parse_version(self.cpython_from) and (
            self.cpython_below is None or version < parse_version(self.cpython_below))

    def site_file(self, tree: Path) -> Path | None:
        return next((tree / name for name in self.site_files if (tree / name).is_file()), None)


@dataclass(frozen=True)
class WasiFix:
    """A change to the WASI build that some clang versions need, with its reason."""

    name: str
    why: str
    clang_from: str = "0"
    cflags: tuple[str, ...] = ()

    def applies(self, clang: str) -> bool:
        return parse_version(clang) >= parse_version(self.clang_from)


@dataclass(frozen=True)
class WasiMatrixEntry:
    """A [[wasi.matrix]] entry: a CPython release and the runtimes it is tested with."""

    python: str
    runtimes: tuple[str, ...]


def _sessions(entries: tuple[WasiMatrixEntry, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((entry.python, runtime) for entry in entries for runtime in entry.runtimes)


@dataclass(frozen=True)
class WasiData:
    toolchains: dict[str, WasiToolchain] = field(default_factory=dict)
    recipes: tuple[WasiRecipe, ...] = ()
    fixes: tuple[WasiFix, ...] = ()
    matrix: tuple[tuple[str, str], ...] = field(
        default=(), metadata=toml(read=(tuple[WasiMatrixEntry, ...], _sessions)))
    """(python, runtime) of every declared WASI test session."""

    def recipe_for(self, cpython_version: str) -> WasiRecipe:
        for recipe in self.recipes:
            if recipe.accepts(cpython_version):
                return recipe
        known = ", ".join(r.cpython_from + "+" for r in self.recipes)
        raise ConfigError(f"CPython {cpython_version} has no WASI recipe in versions.toml "
                          f"(known: {known})", fix="pick a CPython version with a WASI recipe")

    def fixes_for(self, clang: str) -> tuple[WasiFix, ...]:
        return tuple(f for f in self.fixes if f.applies(clang))


def parse_wasi(data: dict[str, Any], cpython_versions: Sequence[str]) -> WasiData:
    """The [wasi] table `data`, checked against the pinned CPython versions."""
    wasi = from_toml(WasiData, data, "wasi")
    check_wasi(wasi, cpython_versions)
    return wasi


def check_wasi(wasi: WasiData, cpython_versions: Sequence[str]) -> None:
    """What [wasi] names must exist: each recipe's toolchain, each session's CPython and runtime."""
    for recipe in wasi.recipes:
        if recipe.toolchain not in wasi.toolchains:
            raise ConfigError(f"versions.toml: a [[wasi.recipes]] entry names the unknown WASI "
                              f"toolchain {recipe.toolchain!r}", fix="name a [wasi.toolchains.X]")
    for python, runtime in wasi.matrix:
        if runtime not in RUNTIMES or python not in cpython_versions:
            raise ConfigError(f"versions.toml: [[wasi.matrix]] {python} with "
                              f"{runtime}: not a pinned CPython and a known runtime",
                              fix=f"runtimes are {', '.join(RUNTIMES)}")
