"""Where things live: the build area inside the checkout and the caches outside it.

    builddir/cpython-<key>/src                              unpacked release or snapshot of --source
    builddir/cpython-<key>/build                            the native "build Python"
    builddir/cpython-<key>/build-debian-<release>           one built inside an older root
    builddir/cpython-<key>/emcc-<version>/emscripten-<target>   one folder per target
    builddir/cpython-<key>/wasi-<toolchain>/wasi            a WASI build
    builddir/build, builddir/emscripten-<target>            links to the last build, as in the recipe
    ~/.cache/cpython-wasm/downloads                         verified archives
    ~/.cache/cpython-wasm/emscripten/<version>-<provider>   a writable Emscripten cache, when needed
    builddir/test-results/<build>-<runtime>                 a test run's results
    ~/.cache/cpython-wasm/roots                             Debian roots for the clean room
    ~/.cache/cpython-wasm/toolchains/debian-<release>       a root providing that release's Emscripten

Every path the kit writes is a method or property here.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from .errors import ConfigError

TOOLS_WASM = Path(__file__).resolve().parents[2]  # Tools/wasm
CHECKOUT = TOOLS_WASM.parent.parent

SITE_PACKAGES = "site-packages"
"""A build's folder of third-party packages (`wasm.pip`), beside python.js or python.wasm."""

TargetName = Literal["node", "browser", "wasi"]
"""What a build runs in: one module each in targets/, whose `Target` says how it differs."""
TARGET_NAMES: tuple[TargetName, ...] = get_args(TargetName)
EMSCRIPTEN_TARGETS: tuple[TargetName, ...] = ("node", "browser")
"""The targets Emscripten builds; WASI's clang builds the others. Named here, not only by each
`Target` (its `emscripten`), because toolchains/context.py, below targets/, picks a target's
toolchain by it."""
PROCESS_TARGETS: tuple[TargetName, ...] = ("node", "wasi")
"""The targets whose Python runs as a process on this machine (`wasm.run`, `wasm.test
--target`); the browser build's runs in pages (`wasm.test-browser`)."""


def check_target(target: str) -> TargetName:
    """`target` as a target name, or a ConfigError naming the known ones."""
    for name in TARGET_NAMES:
        if name == target:
            return name
    raise ConfigError(f"unknown target {target!r}", fix=f"use one of: {', '.join(TARGET_NAMES)}")


def uses_wasi(target: TargetName) -> bool:
    """Whether WASI's clang builds `target` (Emscripten builds the others). Asked of
    EMSCRIPTEN_TARGETS rather than of the `Target` (whose `emscripten` says the same,
    tests/unit/test_wasi.py checks) by the layers below targets/, which may not import it:
    toolchains/context.py picks a target's toolchain by it."""
    return check_target(target) not in EMSCRIPTEN_TARGETS


def default_cache_root() -> Path:
    override = os.environ.get("CPYTHON_WASM_CACHE")
    if override:
        return Path(override).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return (base / "cpython-wasm").resolve()


@dataclass(frozen=True)
class Layout:
    root: Path
    cache_root: Path
    builddir: Path

    @classmethod
    def default(cls, root: Path = CHECKOUT) -> Layout:
        """builddir/ in the checkout, unless CPYTHON_WASM_BUILDDIR names another folder."""
        override = os.environ.get("CPYTHON_WASM_BUILDDIR")
        builddir = Path(override).expanduser().resolve() if override else root / "builddir"
        return cls(root=root, cache_root=default_cache_root(), builddir=builddir)

    @property
    def downloads(self) -> Path:
        return self.cache_root / "downloads"

    def emscripten_state(self, key: str) -> Path:
        return self.cache_root / "emscripten" / key

    def cpython_dir(self, cpython_key: str) -> Path:
        return self.builddir / f"cpython-{cpython_key}"

    def source_dir(self, cpython_key: str) -> Path:
        return self.cpython_dir(cpython_key) / "src"

    def native_dir(self, cpython_key: str, root_release: str | None = None) -> Path:
        """The build Python: built on this machine, or inside a Debian root (crossing.py)."""
        name = "build" if root_release is None else f"build-debian-{root_release}"
        return self.cpython_dir(cpython_key) / name

    def target_dir(self, cpython_key: str, emscripten_version: str, variant: str) -> Path:
        """An Emscripten build of a target's variant (node, browser-debug, ...)."""
        return self.cpython_dir(cpython_key) / f"emcc-{emscripten_version}" / f"emscripten-{variant}"

    def wasi_dir(self, cpython_key: str, toolchain_key: str, variant: str) -> Path:
        """builddir/cpython-<key>/wasi-<toolchain>/<variant>: a WASI build."""
        return self.cpython_dir(cpython_key) / f"wasi-{toolchain_key}" / variant

    def recipe_link(self, name: str) -> Path:
        """`builddir/build`, `builddir/emscripten-node`, ...: the recipe's paths."""
        return self.builddir / name

    def results_dir(self, name: str) -> Path:
        """A test run's results: results.jsonl, junit.xml and one log per module."""
        return self.builddir / "test-results" / name

    @property
    def configure_answers(self) -> Path:
        """Stored config.cache files, shared between build folders (configcache.py)."""
        return self.cache_root / "configure"

    @property
    def shipped_configure_answers(self) -> Path:
        """configure answers the checkout ships for the quick start's configurations
        (configcache.py), checked by `invoke wasm.answers --check`. Not under
        Tools/wasm/emscripten, whose files change what a build makes: these only save time."""
        return self.root / "Tools" / "wasm" / "configure-answers"

    @property
    def dist(self) -> Path:
        return self.builddir / "dist"

    @property
    def limits_scratch(self) -> Path:
        return self.builddir / "limits-scratch"

    def emscripten_cache(self, key: str) -> Path:
        """The writable EM_CACHE given to an Emscripten whose own cache is read-only."""
        return self.emscripten_state(key) / "cache"

    def node_release(self, version: str) -> Path:
        """A pinned Node release, unpacked (bin/node)."""
        return self.cache_root / "node" / version

    @property
    def ccache(self) -> Path:
        return self.cache_root / "ccache"

    @property
    def roots(self) -> Path:
        """Pristine Debian root tarballs, and unpacked roots under run/ (roots.py)."""
        return self.cache_root / "roots"

    @property
    def toolchain_roots(self) -> Path:
        """Debian roots that provide another release's Emscripten (toolroots.py)."""
        return self.cache_root / "toolchains"

    def clean_room(self, release: str) -> Path:
        """Logs and report of a clean-room run (cleanroom/room.py)."""
        return self.builddir / "clean-room" / release

    @staticmethod
    def logs(folder: Path) -> Path:
        return folder / "logs"

    @staticmethod
    def stamp(folder: Path, step: str) -> Path:
        return folder / ".stamps" / f"{step}.json"


def remove(path: Path) -> None:
    """Delete a file, link or folder tree the kit wrote."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
