"""The WASI toolchain a build uses: Debian's clang, lld, llvm tools, compiler-rt for wasm32 and
wasi-libc, from this machine's packages or from a root of the Debian release that has the
wasi-libc the CPython version's recipe needs (toolroots.py, the same roots Emscripten comes from).

Finding it describes; nothing is installed or made here. `provide_wasi` is the recipe's step
that makes a root's toolchain usable; the system's packages come from `invoke wasm.setup`.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core import host
from ..core.errors import ToolMissing
from ..core.layout import Layout
from ..core.shell import Command, Runner
from ..versions.config import Versions
from ..versions.wasi_config import WasiToolchain
from .toolroots import (
    debian_provider,
    provision,
    toolchain_root,
    why_roots_unusable,
    write_enter_script,
)

# Debian's wasi-libc installs into /usr/{include,lib}/wasm32-wasi. With --sysroot=/usr clang
# would also search /usr/include, the host's headers (zlib.h, lzma.h...), and configure would
# take libraries the wasm link cannot have: the build gets a sysroot of its own that links
# only the wasm32-wasi folders, laid out as the WASI SDK's.
LIBC_FOLDERS = (Path("/usr/include/wasm32-wasi"), Path("/usr/lib/wasm32-wasi"))
WASI_TARGET = "wasm32-wasi"
# What the build runs in a root besides the toolchain: CPython's configure needs only the
# root's sh, sed and awk, its build needs make (no dependency of clang's or wasi-libc's);
# SQLite's build runs tclsh and generator programs it compiles with the native gcc.
ROOT_TOOLS = ("make", "gcc", "libc6-dev", "tcl")


@dataclass(frozen=True)
class WasiCompiler:
    toolchain: WasiToolchain
    sysroot: Path
    """include/wasm32-wasi and lib/wasm32-wasi, linked to wasi-libc's folders."""
    provider: str
    """'system' or 'debian:<release>'."""
    origin: str
    """Where it comes from, for people."""
    missing: tuple[str, ...] = ()
    """Packages not installed yet (`planned` until they are)."""
    enter: tuple[str, ...] = ()
    """The words that run a command in the root that holds it (none for the system's)."""
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def planned(self) -> bool:
        return bool(self.missing)

    @property
    def clang(self) -> str:
        return f"clang-{self.toolchain.clang}"

    def env(self, cflags: Sequence[str] = ()) -> dict[str, str]:
        """What configure and make need: CPython's WASI recipes set these through the SDK's
        wasi-env script; here they name Debian's programs."""
        cc = f"{self.clang} --target={WASI_TARGET} --sysroot={self.sysroot}"
        if shutil.which("ccache") and not self.enter:
            cc = f"ccache {cc}"
        version = self.toolchain.clang
        env = {"CC": cc, "CPP": f"{cc} -E", "AR": f"llvm-ar-{version}",
               "RANLIB": f"llvm-ranlib-{version}",
               # pkg-config must not offer the host's libraries (zlib, lzma...) to configure
               "PKG_CONFIG_PATH": "", "PKG_CONFIG_LIBDIR": str(self.sysroot / "lib" / "pkgconfig"),
               "PKG_CONFIG_SYSROOT_DIR": str(self.sysroot), **self.extra_env}
        if cflags:
            env["CFLAGS"] = " ".join(cflags)
        return env

    def command(self, *argv: str | Path, cwd: Path, env: Mapping[str, str] | None = None) -> Command:
        return Command.of(*self.enter, *argv, cwd=cwd, env=env)


def _installed_version(package: str) -> str | None:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def system_packages_missing(toolchain: WasiToolchain) -> tuple[str, ...]:
    return tuple(package for package, shows in toolchain.installs.items()
                 if not host.has(shows))


def find_wasi(layout: Layout, versions: Versions, toolchain: WasiToolchain, *,
              binds: Sequence[Path] = ()) -> WasiCompiler:
    """The toolchain, described: the system's when its wasi-libc is the one the toolchain
    names, else a Debian root's (made by `provide_wasi`)."""
    system_libc = _installed_version("wasi-libc")
    sysroot = layout.cache_root / "wasi" / toolchain.key / "sysroot"
    if "system" in toolchain.providers and system_libc in (None, toolchain.wasi_libc):
        missing = system_packages_missing(toolchain)
        origin = (f"Debian packages {', '.join(toolchain.packages)}" if not missing else
                  f"Debian packages ({' '.join(missing)} to install: `invoke wasm.setup`)")
        return WasiCompiler(toolchain, sysroot, "system", origin, missing)
    release = debian_provider(toolchain.providers)
    if release is None:
        raise ToolMissing(f"WASI toolchain {toolchain.name} needs wasi-libc "
                          f"{toolchain.wasi_libc}; this machine has {system_libc}",
                          fix="add a debian:<release> provider for it in versions.toml")
    root = toolchain_root(layout, versions.debian_release(release))
    installed = root.installed()
    missing = tuple(p for p in toolchain.packages if p not in installed)
    state = "" if not missing else (f", {' '.join(missing)} to add" if installed else ", to be made")
    return WasiCompiler(toolchain, sysroot, f"debian:{release}",
                        f"Debian {root.release.number} ({release}) root ({root.root}){state}",
                        missing,
                        enter=(str(root.enter_script(binds)),))


def provide_wasi(found: WasiCompiler, layout: Layout, versions: Versions, runner: Runner,
                 binds: Sequence[Path] = (), extra_packages: Sequence[str] = ()) -> WasiCompiler:
    """The step that makes the toolchain usable: a root's packages (and `extra_packages`)
    installed once (shown by a dry run); the system's packages must be there already
    (`invoke wasm.setup`)."""
    release = debian_provider((found.provider,))
    if release is None:
        if found.missing and not runner.dry_run:
            raise ToolMissing(f"the WASI toolchain needs {' '.join(found.missing)}, which "
                              "is not installed", fix="run `invoke wasm.setup` as root "
                              f"(or sudo apt-get install {' '.join(found.missing)})")
    else:
        root = toolchain_root(layout, versions.debian_release(release))
        provision(root, versions, layout, runner,
                  packages=(*found.toolchain.packages, *ROOT_TOOLS, *extra_packages))
        write_enter_script(root, binds, runner)
        if not runner.dry_run:  # the root is made: find the toolchain in it
            found = find_wasi(layout, versions, found.toolchain, binds=binds)
    _make_sysroot(found.sysroot, runner)
    return found


def _make_sysroot(sysroot: Path, runner: Runner) -> None:
    links = [(sysroot / folder.parent.name / folder.name, folder) for folder in LIBC_FOLDERS]
    if all(link.is_symlink() for link, _ in links) or not runner.first_time(sysroot):
        return

    def make() -> None:
        for link, folder in links:
            link.parent.mkdir(parents=True, exist_ok=True)
            if link.is_symlink():
                link.unlink()
            link.symlink_to(folder)

    runner.action(" && ".join(f"mkdir -p {runner.path(link.parent)} && ln -sfn {folder} "
                              f"{runner.path(link)}" for link, folder in links), make)


def wasi_unavailable(layout: Layout, versions: Versions, cpython_version: str) -> str | None:
    """Why CPython `cpython_version`'s WASI toolchain can't be had here, or None if it can (for
    the test matrix): the system's packages are installed by `wasm.setup`, a root's
    needs the tools that make roots."""
    toolchain = versions.wasi.toolchains[versions.wasi.recipe_for(cpython_version).toolchain]
    found = find_wasi(layout, versions, toolchain)
    if found.provider == "system" or not found.missing:
        return None
    return why_roots_unusable()
