"""Rules of versions.toml that depend on version numbers: advisories, Node flags, our fixes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .stamps import file_digest

TOOLS_WASM = Path(__file__).resolve().parent.parent


def parse_version(text: str) -> tuple[int, ...]:
    """'3.1.6' -> (3, 1, 6); 'v20.1.0' -> (20, 1, 0); trailing non-digits are ignored."""
    numbers = re.findall(r"\d+", text.lstrip("v").split("-")[0])
    if not numbers:
        raise ConfigError(f"not a version number: {text!r}", fix="use digits and dots, e.g. 3.1.6")
    return tuple(int(n) for n in numbers)


def tool_files(values: Iterable[str]) -> tuple[Path, ...]:
    found = re.findall(r"\{tools\}/(\S+)", " ".join(values))
    return tuple(TOOLS_WASM / name for name in sorted(set(found)))





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

    def applies(self, emscripten_version: str) -> bool:
        version = parse_version(emscripten_version)
        if self.emscripten_from and version < parse_version(self.emscripten_from):
            return False
        return not (self.emscripten_below and version >= parse_version(self.emscripten_below))

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
