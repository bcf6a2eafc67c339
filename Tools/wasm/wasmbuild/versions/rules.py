"""Rules of versions.toml that depend on version numbers: advisories, Node flags, our fixes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import ConfigError
from ..core.layout import TOOLS_WASM
from ..core.stamps import file_digest


def parse_version(text: str) -> tuple[int, ...]:
    """'3.1.6' -> (3, 1, 6); 'v20.1.0' -> (20, 1, 0); trailing non-digits are ignored."""
    numbers = re.findall(r"\d+", text.lstrip("v").split("-")[0])
    if not numbers:
        raise ConfigError(f"not a version number: {text!r}", fix="use digits and dots, e.g. 3.1.6")
    return tuple(int(n) for n in numbers)


def tool_files(values: Iterable[str]) -> tuple[Path, ...]:
    found = re.findall(r"\{tools\}/(\S+)", " ".join(values))
    return tuple(TOOLS_WASM / name for name in sorted(set(found)))


def in_range(version: str, start: str | None, below: str | None) -> bool:
    """start <= version < below, either bound optional."""
    parsed = parse_version(version)
    if start and parsed < parse_version(start):
        return False
    return not (below and parsed >= parse_version(below))


def describe_range(start: str | None, below: str | None) -> str:
    if start and below:
        return f"{start} up to (not including) {below}"
    if start:
        return f"{start} or newer"
    return f"before {below}" if below else "any version"


def file_digests(paths: Iterable[Path]) -> dict[str, str]:
    """Digests of files of ours, by their path under Tools/wasm: editing one must rebuild."""
    return {str(p.relative_to(TOOLS_WASM)): file_digest(p) if p.is_file() else "missing"
            for p in paths}


@dataclass(frozen=True)
class Advisory:
    below: str
    problem: str
    fix: str

    def applies_to(self, version: str) -> bool:
        return parse_version(version) < parse_version(self.below)


@dataclass(frozen=True)
class NodeFlagRule:
    flag: str
    why: str
    node_from: str | None = None
    node_below: str | None = None
    emscripten_below: str | None = None

    def applies(self, node_version: str, emscripten_version: str) -> bool:
        node = parse_version(node_version)
        if self.node_from and node < parse_version(self.node_from):
            return False
        if self.node_below and node >= parse_version(self.node_below):
            return False
        emscripten = parse_version(emscripten_version)
        return not (self.emscripten_below and emscripten >= parse_version(self.emscripten_below))


@dataclass(frozen=True)
class EmscriptenFix:
    """A change to the build that some Emscripten versions need (versions.toml [[emscripten_fixes]])."""

    name: str
    why: str
    applies_to: str = "cpython"
    """'cpython' (CPython's configure and link) or the name of a library in [deps]."""
    emscripten_from: str | None = None
    emscripten_below: str | None = None
    cflags: str = ""
    ldflags: str = ""
    configure_env: dict[str, str] = field(default_factory=dict)
    """Answers for configure (ac_cv_... variables)."""
    linking: str = "any"
    """'static' for a fix that only a build without dynamic linking needs ('any': both)."""

    def applies(self, emscripten_version: str, dynamic: bool = False) -> bool:
        if dynamic and self.linking == "static":
            return False
        return in_range(emscripten_version, self.emscripten_from, self.emscripten_below)

    def env(self) -> dict[str, str]:
        """What it adds to a configure's environment, {tools} filled in."""
        added = {k: v for k, v in (("CFLAGS", self.cflags), ("LDFLAGS", self.ldflags)) if v}
        added.update(self.configure_env)
        return {k: v.replace("{tools}", str(TOOLS_WASM)) for k, v in added.items()}

    @property
    def tool_files(self) -> tuple[Path, ...]:
        return tool_files([self.cflags, self.ldflags])

    @property
    def fingerprint(self) -> str:
        return json.dumps([self.name, self.env(), file_digests(self.tool_files)], sort_keys=True)

    @property
    def link_files(self) -> tuple[Path, ...]:
        """Its files that only CPython's link reads (ldflags): editing one relinks python.js."""
        return tool_files([self.ldflags])

    @property
    def configure_fingerprint(self) -> str:
        """What CPython's configure sees of it: its flags, and the files its cflags name."""
        return json.dumps([self.name, self.env(), file_digests(tool_files([self.cflags]))],
                          sort_keys=True)


SYSTEM_EMSCRIPTEN = "system"
"""A recipe's default_emscripten meaning the distribution's emcc, whatever its version."""


@dataclass(frozen=True)
class CPythonRecipe:
    """How a range of CPython feature releases builds for wasm32-emscripten, as that version's
    own Tools/wasm (or Platforms/emscripten) documents it (versions.toml [[cpython_recipes]])."""

    name: str
    documented_in: str
    """Where the CPython tree describes the recipe."""
    cpython_from: str
    emscripten_from: str
    """The oldest Emscripten known to work with it (that version's docs, or our own proof)."""
    default_emscripten: str
    """The version used when none is asked for, or "system" (the distribution's emcc)."""
    why: str
    cpython_below: str | None = None
    emscripten_below: str | None = None
    site_files: tuple[str, ...] = ()
    """CPython's own autoconf site file, relative to the tree: the first that exists is read."""
    configure: tuple[str, ...] = ()
    """Its configure options; {flavour} is the target (node, browser, node-debug, ...)."""
    setup_local: bool = False
    """Whether our Modules/Setup.local (module lines configure leaves out) is used."""
    configure_env: dict[str, str] = field(default_factory=dict)
    """Variables for its configure; {deps.NAME} is the install prefix of library NAME."""

    def __post_init__(self) -> None:
        if self.default_version is not None and not self.accepts(self.default_version):
            raise ConfigError(f"versions.toml: recipe {self.name}'s default_emscripten "
                              f"{self.default_version} is outside its range "
                              f"({self.emscripten_range})", fix="change one of them")

    @property
    def default_version(self) -> str | None:
        """The Emscripten version used when none is asked for; None: the system's emcc."""
        return None if self.default_emscripten == SYSTEM_EMSCRIPTEN else self.default_emscripten

    @property
    def default_described(self) -> str:
        return self.default_version or "the system's emcc"

    def covers(self, cpython_version: str) -> bool:
        return in_range(cpython_version, self.cpython_from, self.cpython_below)

    def accepts(self, emscripten_version: str) -> bool:
        return in_range(emscripten_version, self.emscripten_from, self.emscripten_below)

    @property
    def emscripten_range(self) -> str:
        return describe_range(self.emscripten_from, self.emscripten_below)

    @property
    def cpython_range(self) -> str:
        return describe_range(self.cpython_from, self.cpython_below)

    def configure_args(self, flavour: str) -> list[str]:
        return [arg.replace("{flavour}", flavour) for arg in self.configure]

    def env(self, prefixes: dict[str, Path]) -> dict[str, str]:
        """configure_env with each {deps.NAME} filled in; a variable naming a library that was
        not built is left out (configure then finds no library and leaves the module out)."""
        filled: dict[str, str] = {}
        for key, value in self.configure_env.items():
            names = re.findall(r"\{deps\.(\w+)\}", value)
            if any(n not in prefixes for n in names):
                continue
            for name in names:
                value = value.replace(f"{{deps.{name}}}", str(prefixes[name]))
            filled[key] = value
        return filled

    def site_file(self, tree: Path) -> Path | None:
        for relative in self.site_files:
            if (tree / relative).is_file():
                return tree / relative
        return None
