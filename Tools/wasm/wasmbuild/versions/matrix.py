"""The test matrix of versions.toml ([[matrix]]): declared combinations of CPython release,
Emscripten, Node and browser engine, checked against the recipes (never a blind cross
product)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from ..core.errors import ConfigError
from .rules import CPythonRecipe

ENGINES = ("chromium", "firefox", "webkit")
"""Browser engines the browser runs drive: Debian's Chromium, Firefox ESR and WebKitGTK."""


@dataclass(frozen=True)
class MatrixEntry:
    """One entry of the test matrix: a CPython release and what it is tested with."""

    python: str
    emscripten: tuple[str, ...]
    node: tuple[str, ...]
    browsers: tuple[str, ...] = ("chromium",)


@dataclass(frozen=True)
class Matrix:
    releases: tuple[MatrixEntry, ...]

    def node_runs(self) -> list[tuple[str, str, str]]:
        """(python, emscripten, node) of every Node test session."""
        return [(r.python, e, n) for r in self.releases for e in r.emscripten for n in r.node]

    def browser_runs(self) -> list[tuple[str, str, str]]:
        """(python, emscripten, browser) of every browser test session."""
        return [(r.python, e, b) for r in self.releases for e in r.emscripten for b in r.browsers]

    @property
    def emscripten(self) -> tuple[str, ...]:
        """Every Emscripten version tested, once each, in order."""
        return tuple(dict.fromkeys(e for r in self.releases for e in r.emscripten))


def check_matrix(matrix: Matrix, recipe_for: Callable[[str], CPythonRecipe],
                 pinned_cpython: Collection[str], pinned_node: Collection[str]) -> None:
    """A matrix entry must agree with the rest of versions.toml: its CPython pinned, its
    Emscripten versions inside that CPython's recipe, its Node versions pinned."""
    def bad(problem: str, fix: str) -> ConfigError:
        return ConfigError(f"versions.toml: {problem}", fix=fix)

    for release in matrix.releases:
        if release.python not in pinned_cpython:
            raise bad(f"[[matrix]] names CPython {release.python}, which [cpython] does not pin",
                      "pin it under [cpython] or drop the entry")
        recipe = recipe_for(release.python)
        for emscripten in release.emscripten:
            if not recipe.accepts(emscripten):
                raise bad(f"[[matrix]] tests CPython {release.python} with Emscripten "
                          f"{emscripten}, outside its recipe's range ({recipe.emscripten_range})",
                          f"widen recipe {recipe.name}'s range or drop {emscripten}")
        unknown = [b for b in release.browsers if b not in ENGINES]
        if unknown:
            raise bad(f"[[matrix]] names browser {unknown[0]!r}, which the kit cannot drive",
                      f"use one of: {', '.join(ENGINES)}")
        unpinned = [n for n in release.node if n not in pinned_node]
        if unpinned:
            raise bad(f"[[matrix]] names Node {unpinned[0]}, which [node] does not pin",
                      "pin it under [node] or drop it")
