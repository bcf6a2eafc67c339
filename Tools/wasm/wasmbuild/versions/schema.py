"""The schema of versions.toml: which keys each table must and may hold.

A mistyped or missing key is a one-line error naming its place, found before anything is read
(not a TypeError later, deep in the code that reads it).
"""

from __future__ import annotations

from typing import Any

from ..core.errors import ConfigError

# What versions.toml may hold: per table, (required keys, optional keys). `*` is any name,
# `[]` each entry of an array of tables. A mistyped or missing key is a one-line error naming
# its place, checked before anything is read.
SCHEMA: dict[str, tuple[set[str], set[str]]] = {
    "": ({"defaults"}, {"cpython", "emscripten", "emscripten_advisories", "node_flags",
                        "port_sources", "node", "matrix", "bench", "deps", "debian",
                        "emscripten_fixes", "cpython_recipes", "wasi", "web_packages"}),
    "defaults": ({"cpython"}, {"node"}),
    "cpython.*": ({"sha256", "sources"}, set()),
    "cpython.*.sources[]": ({"provider", "url"}, set()),
    "cpython_recipes[]": ({"name", "documented_in", "cpython_from", "emscripten_from",
                          "default_emscripten", "why"},
                         {"cpython_below", "emscripten_below", "site_files", "configure",
                          "setup_local", "configure_env"}),
    "emscripten.*": (set(), {"providers", "system_package"}),
    "emscripten_advisories[]": ({"below", "problem", "fix"}, set()),
    "node_flags[]": ({"flag", "why"}, {"node_from", "node_below", "emscripten_below"}),
    "emscripten_fixes[]": ({"name", "why"}, {"applies_to", "linking", "emscripten_from",
                                              "emscripten_below", "cflags", "ldflags",
                                              "configure_env"}),
    "port_sources[]": ({"port", "port_version", "version", "provider", "url", "sha256"}, set()),
    "node.*": ({"version", "url", "sha256"}, set()),
    "web_packages.*": ({"version", "url", "sha256", "files"}, set()),
    "matrix[]": ({"python", "emscripten", "node"}, {"browsers"}),
    "bench": (set(), {"pyodide"}),
    "bench.pyodide[]": ({"version", "cpython", "sha256"}, set()),
    "deps.*": ({"version", "module", "url", "sha256"}, {"configure", "env", "build_env", "prepare"}),
    "debian": (set(), {"mirror", "security_mirror", "releases"}),
    "wasi": (set(), {"toolchains", "recipes", "fixes", "matrix"}),
    "wasi.toolchains.*": ({"clang", "wasi_libc", "sdk", "providers"}, set()),
    "wasi.recipes[]": ({"cpython_from", "toolchain", "site_files", "documented_in"},
                       {"cpython_below", "configure"}),
    "wasi.fixes[]": ({"name", "why"}, {"clang_from", "cflags"}),
    "wasi.matrix[]": ({"python", "runtimes"}, set()),
    "debian.releases.*": ({"number", "glibc"}, {"suites", "security_suite", "check_valid_until"}),
}


def _tables(data: Any, pattern: str) -> list[tuple[str, Any]]:
    """(place, table) for each table of `data` that `pattern` names."""
    found: list[tuple[str, Any]] = [("", data)]
    for part in pattern.split(".") if pattern else []:
        name, many = (part[:-2], True) if part.endswith("[]") else (part, False)
        deeper: list[tuple[str, Any]] = []
        for place, table in found:
            if not isinstance(table, dict):
                continue
            items = table.items() if name == "*" else [(name, table[name])] if name in table else []
            for key, value in items:
                where = f"{place}.{key}" if place else str(key)
                if many:
                    deeper += [(f"{where}[{i}]", v) for i, v in enumerate(value)] \
                        if isinstance(value, list) else [(where, value)]
                else:
                    deeper.append((where, value))
        found = deeper
    return found


def validate(data: Any, file_name: str = "versions.toml") -> None:
    for pattern, (required, optional) in SCHEMA.items():
        for place, table in _tables(data, pattern):
            where = f"[{place}]" if place else "the top level"
            if not isinstance(table, dict):
                raise ConfigError(f"{file_name}: {where} must be a table",
                                  fix=f"write it as [{place}] with keys under it")
            unknown = sorted(set(table) - required - optional)
            if unknown:
                raise ConfigError(f"{file_name}: unknown key {unknown[0]!r} in {where}",
                                  fix=f"use {', '.join(sorted(required | optional))}")
            missing = sorted(required - set(table))
            if missing:
                raise ConfigError(f"{file_name}: {where} lacks {missing[0]!r}",
                                  fix=f"add {missing[0]} = ... to {where}")
