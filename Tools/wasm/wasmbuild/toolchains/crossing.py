"""What crosses between this machine and a Debian toolchain root, and where the build Python is
built so that no program runs on a C library older than the one it was linked against.

A toolchain root (toolroots.py) runs its own programs: emcc, clang, node, gcc, make, tclsh,
ccache and python3 come from the root's packages. One program the kit builds crosses into it:
the build Python. The cross configure checks it (`--with-build-python`) and the cross make runs
it (freezing modules, generating sources, zipping the stdlib), inside the root. What comes out
of a root to run on this machine is WebAssembly (python.js, python.wasm), which needs neither
side's C library; nothing built inside a root is run outside it.

A program linked against GNU libc runs with that version or a newer one (glibc keeps every old
symbol version) and stops with "version `GLIBC_2.38' not found" on an older one. So, per root:

- its glibc is at least this machine's: the build Python built here runs inside, and one
  build serves the machine's toolchains and the root's (builddir/cpython-<key>/build). It
  needs only libc and zlib there, which every Debian root has (the stdlib zip is deflated).
- otherwise (a Debian 13 or Ubuntu 24.04 machine with a Debian 12 root, or a machine whose C
  library is not glibc): the build Python is built inside the root, by the root's gcc, in a
  folder of its own (builddir/cpython-<key>/build-debian-<release>), and runs only there.

The root's glibc is versions.toml's `glibc` of its release: the oldest the release has
shipped, so the rule never trusts a root newer than it is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..core.layout import Layout
from ..core.shell import Command
from ..versions.config import Versions, parse_version
from .toolroots import debian_provider

# What building the build Python inside a root adds to the root's packages: a C compiler and
# its C library headers, make, and zlib's headers (the stdlib zip is compressed with zlib).
BUILD_PYTHON_PACKAGES = ("gcc", "libc6-dev", "make", "zlib1g-dev")

Glibc = tuple[int, ...] | None
"""A GNU C library version, (2, 36); None for a machine whose C library is another one."""


def host_glibc() -> Glibc:
    """The GNU C library this machine's programs are linked against, or None."""
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        return None
    name, _, version = found.partition(" ")
    return parse_version(version) if name == "glibc" and version else None


def runs_inside(host: Glibc, root: tuple[int, ...]) -> bool:
    """Whether a program linked on a machine with glibc `host` runs in a root with glibc `root`."""
    return host is not None and host <= root


def glibc_text(version: Glibc) -> str:
    return "a C library other than glibc" if version is None else \
        "glibc " + ".".join(map(str, version))


@dataclass(frozen=True)
class BuildPythonPlace:
    """Where a build's build Python is built and run."""

    folder: Path
    enter: tuple[str, ...] = ()
    """The words that run a command in the root it is built in; none for this machine."""
    release: str | None = None
    """The Debian release of that root, or None for this machine."""
    why: str = ""
    """For people: why it is built where it is."""

    @property
    def in_root(self) -> bool:
        return self.release is not None

    @property
    def python(self) -> Path:
        return self.folder / "python"

    def command(self, *argv: str | Path, cwd: Path) -> Command:
        return Command.of(*self.enter, *argv, cwd=cwd)


def place(layout: Layout, versions: Versions, cpython_key: str, provider: str,
          enter: tuple[str, ...], host: Glibc) -> BuildPythonPlace:
    """Where the build Python of a build whose toolchain comes from `provider` (system, emsdk,
    debian:<release>; entered with `enter`) is built, on a machine with glibc `host`."""
    here = layout.native_dir(cpython_key)
    release = debian_provider((provider,))
    if release is None:
        return BuildPythonPlace(here, why="the toolchain runs on this machine")
    root = versions.debian_release(release)
    if runs_inside(host, root.glibc):
        return BuildPythonPlace(here, why=f"the Debian {root.number} ({release}) root's "
                                f"{glibc_text(root.glibc)} runs what this machine's "
                                f"{glibc_text(host)} linked")
    return BuildPythonPlace(
        layout.native_dir(cpython_key, release), enter, release,
        why=f"the Debian {root.number} ({release}) root's {glibc_text(root.glibc)} is older than "
            f"this machine's {glibc_text(host)}, so it is built inside the root")

