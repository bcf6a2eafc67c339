"""Reusing autoconf answers (config.cache) between runs and between targets.

The cross `configure` is the slowest step of a cold build: every check runs emcc
(bench/RESULTS.md, "Build time"). Its answers depend on the compiler, the configure script and
the site files, which are all in the key of a stored cache, so a fresh build folder (after
`wasm.clean`, in a new checkout, in CI with ~/.cache restored) starts from the stored answers of
the same key.

Between targets (node, browser, their -debug flavours) only the `ac_cv_*` compile and link
results are shared. They are the same for every target because the target-specific link flags
(NODERAWFS, preloading, ...) go to LDFLAGS_NODIST, which configure's tests don't use. Left out:
`py_cv_*` (which stdlib modules the target builds), `ac_cv_env_*` (configure's record of the
environment, checked against the next run) and the Node probes that only the node target makes.

A new machine has no stored answers. For the configurations the quick start and CI build, the
checkout ships them (Tools/wasm/configure-answers/<key>.cache): only the compile and
link results, none naming a path of the machine that made them. The key covers every input that
configure sees, so an edited input finds no shipped file and configure runs in full; `invoke
wasm.answers --check` runs a full configure and compares, and the end-to-end tests run it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

_TARGET_SPECIFIC = re.compile(r"^(py_cv_|ac_cv_env_|ac_cv_path_ac_pt_NODE|ac_cv_tool_node|"
                              r"ac_cv_prog_NODE|ac_cv_path_NODE)")
MACHINE_SPECIFIC = ("env", "path", "prog", "tool")
"""ac_cv_<these>_*: configure's record of the environment, and programs found on PATH."""


def store_key(parts: Sequence[str], places: Mapping[str, str]) -> str:
    """The key of a set of inputs, the same on every machine: each folder in `places` (the
    checkout, home) is spelled by its name in the parts, not by where it is here."""
    def portable(part: str) -> str:
        for folder in sorted(places, key=len, reverse=True):  # inner folders first
            part = part.replace(folder, places[folder])
        return part

    return hashlib.sha256("\0".join(map(portable, parts)).encode()).hexdigest()[:16]


def stored_path(store: Path, key: str, flavour: str) -> Path:
    return store / f"{key}-{flavour}.cache"


def shipped_path(shipped: Path, key: str) -> Path:
    return shipped / f"{key}.cache"


def portable_lines(text: str) -> list[str]:
    """The answers a checkout may ship: compile and link results, no program found on PATH
    (ac_cv_path_*, ac_cv_prog_*: configure finds them again in a moment) and nothing naming a
    path of the machine."""
    return [line for line in text.splitlines()
            if line.startswith("ac_cv_") and "/" not in line
            and not line.startswith(tuple(f"ac_cv_{kind}_" for kind in MACHINE_SPECIFIC))]


def portable_lines_shell(config_cache: str) -> str:
    """portable_lines as a shell pipeline, for the printed recipe."""
    return (f"grep '^ac_cv_' {config_cache} | grep -Ev '^ac_cv_({'|'.join(MACHINE_SPECIFIC)})_' "
            "| grep -v /")


def _shared_lines(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True)
                   if line.startswith("ac_cv_") and not _TARGET_SPECIFIC.match(line))


def seed(config_cache: Path, store: Path, key: str, flavour: str,
         siblings: Sequence[str], shipped: Path | None = None) -> str | None:
    """Fill `config_cache` from the store, or else from the answers the checkout ships; returns
    where the answers came from, or None."""
    own = stored_path(store, key, flavour)
    if own.is_file():
        text = "".join(line for line in own.read_text().splitlines(keepends=True)
                       if not line.startswith("ac_cv_env_"))
        config_cache.write_text(text)
        return f"stored answers of an earlier {flavour} configure"
    for sibling in siblings:
        other = stored_path(store, key, sibling)
        if other.is_file():
            config_cache.write_text(_shared_lines(other.read_text()))
            return f"the compiler checks of the {sibling} configure"
    if shipped is not None and shipped_path(shipped, key).is_file():
        lines = portable_lines(shipped_path(shipped, key).read_text())
        config_cache.write_text("".join(f"{line}\n" for line in lines))
        return f"the answers the checkout ships for this configuration ({key}.cache)"
    return None


def save(config_cache: Path, store: Path, key: str, flavour: str) -> None:
    if not config_cache.is_file():
        return
    store.mkdir(parents=True, exist_ok=True)
    target = stored_path(store, key, flavour)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    shutil.copyfile(config_cache, tmp)
    os.replace(tmp, target)


def ship(config_cache: Path, shipped: Path, key: str, about: Sequence[str]) -> Path:
    """Write the portable answers of a full configure's `config_cache` as the shipped answers
    of `key`, under comment lines saying what they answer."""
    shipped.mkdir(parents=True, exist_ok=True)
    target = shipped_path(shipped, key)
    header = "".join(f"# {line}\n" for line in about)
    target.write_text(header + "".join(f"{line}\n"
                                       for line in portable_lines(config_cache.read_text())))
    return target


def differences(config_cache: Path, shipped: Path, key: str) -> list[str]:
    """How the shipped answers of `key` differ from a full configure's `config_cache`: `-` a
    shipped line the configure did not give, `+` one it gave that is not shipped."""
    theirs = portable_lines(config_cache.read_text())
    ours = portable_lines(shipped_path(shipped, key).read_text())
    theirs_set, ours_set = set(theirs), set(ours)
    return ([f"- {line}" for line in ours if line not in theirs_set]
            + [f"+ {line}" for line in theirs if line not in ours_set])
