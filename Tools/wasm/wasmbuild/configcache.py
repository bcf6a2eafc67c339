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
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

_TARGET_SPECIFIC = re.compile(r"^(py_cv_|ac_cv_env_|ac_cv_path_ac_pt_NODE|ac_cv_tool_node|"
                              r"ac_cv_prog_NODE|ac_cv_path_NODE)")


def store_key(parts: Sequence[str]) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def stored_path(store: Path, key: str, flavour: str) -> Path:
    return store / f"{key}-{flavour}.cache"


def _shared_lines(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True)
                   if line.startswith("ac_cv_") and not _TARGET_SPECIFIC.match(line))


def seed(config_cache: Path, store: Path, key: str, flavour: str,
         siblings: Sequence[str]) -> str | None:
    """Fill `config_cache` from the store; returns where the answers came from, or None."""
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
    return None


def save(config_cache: Path, store: Path, key: str, flavour: str) -> None:
    if not config_cache.is_file():
        return
    store.mkdir(parents=True, exist_ok=True)
    target = stored_path(store, key, flavour)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    shutil.copyfile(config_cache, tmp)
    os.replace(tmp, target)
