"""Installing what a machine lacks for the build, where we can (Debian/Ubuntu, as root).

Each requirement is a check plus the Debian package that satisfies it. Only missing ones are
installed, so running this again on a ready machine does nothing.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .core import host
from .core.errors import ToolMissing
from .core.shell import Command, Runner
from .toolchains.toolchain import NODE_MODULE_DIRS
from .versions.config import CHECKOUT, load


@dataclass(frozen=True)
class Requirement:
    what: str
    package: str
    present: Callable[[], bool]
    purpose: str = "build"
    """'build' (every machine that builds), 'browser' (the page tests' engines), 'wasi' (the
    WASI build's toolchain) or 'clean-room' (making and entering Debian roots)."""


def _has_acorn() -> bool:
    return any(host.has_folder(folder / "acorn") for folder in NODE_MODULE_DIRS)


def _default_wasi_installs() -> dict[str, str]:
    """The WASI toolchain of the default CPython's WASI recipe (versions.toml [wasi])."""
    versions = load()
    recipe = versions.wasi.recipe_for(versions.default_cpython)
    return versions.wasi.toolchains[recipe.toolchain].installs


def _installed(shows: str) -> bool:
    return host.has(shows)


def _uses_system_emscripten() -> bool:
    return not os.environ.get("EMSDK")


REQUIREMENTS = (
    Requirement("a C compiler for the build Python", "build-essential",
                lambda: host.has_program("cc") or host.has_program("gcc")),
    Requirement("make", "make", lambda: host.has_program("make")),
    Requirement("zlib headers (the build Python zips the stdlib)", "zlib1g-dev",
                lambda: host.has_file("/usr/include/zlib.h")),
    Requirement("Node.js", "nodejs", lambda: host.has_program("node")),
    Requirement("tclsh, which SQLite's build runs to generate its sources", "tcl",
                lambda: host.has_program("tclsh")),
    # libffi's source comes as a git snapshot without a configure script.
    Requirement("autoreconf, which generates libffi's configure script", "autoconf",
                lambda: host.has_program("autoreconf")),
    Requirement("automake, for autoreconf", "automake", lambda: host.has_program("automake")),
    Requirement("libtoolize, for autoreconf", "libtool", lambda: host.has_program("libtoolize")),
    # libffi's configure.ac calls LT_SYS_SYMBOL_USCORE, defined in ltdl.m4, which Debian ships in
    # libltdl-dev, not libtool: without it autoreconf stops with "possibly undefined macro".
    Requirement("libtool's ltdl.m4 macros, for libffi's configure.ac", "libltdl-dev",
                lambda: host.has_file("/usr/share/aclocal/ltdl.m4")),
    Requirement("Emscripten (emcc)", "emscripten",
                lambda: not _uses_system_emscripten() or host.has_program("emcc")),
    Requirement("acorn, for Emscripten's JS optimizer", "node-acorn",
                lambda: not _uses_system_emscripten() or _has_acorn()),
    Requirement("ccache, so rebuilds reuse earlier compilations", "ccache",
                lambda: host.has_program("ccache")),
    Requirement("Chromium, for the browser tests", "chromium",
                lambda: host.has_program("chromium") or host.has_program("chromium-browser"),
                "browser"),
    Requirement("Firefox ESR, the browser tests' second engine (driven over WebDriver BiDi)",
                "firefox-esr", lambda: host.has_program("firefox-esr") or host.has_program("firefox"),
                "browser"),
    Requirement("WebKitWebDriver and MiniBrowser (WebKitGTK), the browser tests' third engine",
                "webkit2gtk-driver", lambda: host.has_program("WebKitWebDriver"), "browser"),
    Requirement("Xvfb, the screen MiniBrowser draws on", "xvfb",
                lambda: host.has_program("Xvfb"), "browser"),
    # An Emscripten release the system lacks (CPython 3.13's default on Debian 12) comes from a
    # Debian root: small packages, installed up front so that such a build does not stop after
    # minutes of work for want of them.
    Requirement("debootstrap, which makes minimal Debian roots (other Emscripten releases)",
                "debootstrap", lambda: host.has_program("debootstrap")),
    Requirement("bwrap (bubblewrap), which enters them", "bubblewrap",
                lambda: host.has_program("bwrap")),
    # The WASI toolchain of the default CPython's WASI recipe (versions.toml [wasi]).
    *(Requirement(f"{package}, for the WASI build", package, functools.partial(_installed, shows),
                  "wasi")
      for package, shows in _default_wasi_installs().items()),
    Requirement("git, which clones the checkout into them", "git",
                lambda: host.has_program("git"), "clean-room"),
)


EVERYTHING = ("build", "browser", "wasi")
"""What a machine that runs any task or test needs."""
_BROWSER_TASKS = frozenset({"wasm.test-browser", "wasm.test_browser", "wasm.limits"})
_WASI_WORDS = frozenset({"wasm.wasi", "wasi", "--target=wasi", "wasm.limits"})


def purposes_for(command: Sequence[str]) -> tuple[str, ...]:
    """What `command` (the words after bootstrap.py) needs installed. A newcomer's first build
    does not wait for browsers it will not start: Chromium and Firefox ESR come with a
    command that runs pages, the WASI toolchain with one that builds or runs WASI. Anything
    else (the tests, a nox session, no command) gets everything."""
    if not command or Path(command[0]).name != "invoke":
        return EVERYTHING
    words = set(command[1:command.index("--")] if "--" in command else command[1:])
    return ("build", *(["browser"] if words & _BROWSER_TASKS else []),
            *(["wasi"] if words & _WASI_WORDS else []))


def missing_packages(purposes: Sequence[str] = EVERYTHING) -> list[Requirement]:
    return [r for r in REQUIREMENTS if r.purpose in purposes and not r.present()]


def setup(*, dry_run: bool = False, runner: Runner | None = None,
          purposes: Sequence[str] = EVERYTHING) -> None:
    runner = runner or Runner(CHECKOUT, dry_run=dry_run)
    dry_run = runner.dry_run
    runner.heading(f"system packages ({', '.join(purposes)})")
    missing = missing_packages(purposes)
    if not missing:
        runner.note(f"everything for: {', '.join(purposes)} is installed")
        return
    packages = sorted({r.package for r in missing})
    for r in missing:
        runner.note(f"missing: {r.what} (Debian package {r.package})")
    if not shutil.which("apt-get"):
        if dry_run:
            runner.note("not a Debian/Ubuntu machine: install them with your package manager")
            return
        raise ToolMissing(
            f"missing {', '.join(r.what for r in missing)} and this is not a Debian/Ubuntu machine",
            fix="install them with your package manager; for Emscripten see "
            "https://emscripten.org/docs/getting_started/downloads.html (then pass --emsdk DIR)",
        )
    if not host.is_root() and not dry_run:
        raise ToolMissing(
            f"missing {', '.join(packages)} and installing needs root",
            fix=f"sudo apt-get install -y {' '.join(packages)}",
        )
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    runner.run(Command.of("apt-get", "update", cwd=runner.root, env=env))
    runner.run(Command.of("apt-get", "install", "-y", "--no-install-recommends", *packages,
                          cwd=runner.root, env=env))
    if not dry_run:
        still = missing_packages(purposes)
        if still:
            raise ToolMissing(f"still missing after apt-get: {', '.join(r.what for r in still)}",
                              fix="check the apt-get output above")


def setup_for(command: str, *, clean_room: bool = False, dry_run: bool = False) -> None:
    """`invoke wasm.setup`: what `command` (a shell line; none: everything) needs, and with
    `clean_room` what the clean room needs."""
    purposes = purposes_for(shlex.split(command))
    setup(dry_run=dry_run, purposes=(*purposes, "clean-room") if clean_room else purposes)
