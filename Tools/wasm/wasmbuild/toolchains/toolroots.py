"""Emscripten from a Debian root: another release's `emscripten` package, used from this host.

Debian's archive carries one Emscripten per release (12: 3.1.6, 13: 3.1.69, sid: 6.0.5), each
with the LLVM and binaryen it was made for. A version the host's own package does not have is
taken from a root of the release that has it (`debian:<release>` in versions.toml): a minimal
root (roots.py) with `emscripten` and the build tools installed, made once and kept under
`~/.cache/cpython-wasm/toolchains/debian-<release>/root`.

Every Emscripten command then runs through that folder's `enter-<key>` script (one per set of
bound folders, so two checkouts don't rewrite each other's): bwrap with the root as `/`, and the
checkout, the kit's cache folder and a `--source` tree bound at the same paths inside as
outside. So the printed commands, logs, stamps and build folders are those of a host
toolchain, each command line just starts with the `enter` script. The environment passes
through (EM_CACHE, CONFIG_SITE, ...) except PATH and HOME, which are the root's.

The build Python is the one program of this machine that runs inside a root; where it is
built, so that it never meets an older C library than its own, is crossing.py's rule.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ToolMissing, WasmBuildError
from ..core.layout import Layout
from ..core.shell import Runner
from ..core.stamps import locked
from ..versions.config import DebianRelease, Versions
from .roots import ROOT_PATH, TRUST_FILES, Roots, choose_tools

# What the Emscripten steps run inside the root besides emcc: CPython's and the libraries'
# configure/make, SQLite's tclsh and its generator programs (built with the native gcc),
# libffi's autoreconf (ltdl.m4 is in libltdl-dev), ccache.
PACKAGES = ("emscripten", "node-acorn", "make", "gcc", "libc6-dev", "autoconf", "automake",
            "libtool", "libltdl-dev", "pkgconf", "tcl", "xz-utils", "ccache", "file", "patch")
EMSCRIPTEN_DIR = Path("/usr/share/emscripten")


@dataclass(frozen=True)
class ToolchainRoot:
    release: DebianRelease
    folder: Path

    @property
    def root(self) -> Path:
        return self.folder / "root"

    def enter_script(self, binds: Sequence[Path]) -> Path:
        """One script per set of host folders: checkouts that share the root don't rewrite each
        other's script while they build."""
        key = hashlib.sha256("\n".join(map(str, binds)).encode()).hexdigest()[:10]
        return self.folder / f"enter-{key}"

    @property
    def ready_file(self) -> Path:
        """Written last: what was installed (package versions), so a half-made root is redone."""
        return self.folder / "ready.json"

    @property
    def provider(self) -> str:
        return f"debian:{self.release.name}"

    def host_path(self, inside: Path) -> Path:
        """Where a path of the root is on the host."""
        return self.root / inside.relative_to("/")

    def installed(self) -> dict[str, str]:
        try:
            data = json.loads(self.ready_file.read_text())
        except (OSError, ValueError):
            return {}
        return dict(data.get("packages", {}))

    def emscripten_version(self) -> str | None:
        try:
            return (self.host_path(EMSCRIPTEN_DIR) / "emscripten-version.txt").read_text() \
                .strip().strip('"')
        except OSError:
            return None


def toolchain_root(layout: Layout, release: DebianRelease) -> ToolchainRoot:
    return ToolchainRoot(release, layout.toolchain_roots / f"debian-{release.name}")


def debian_provider(providers: Sequence[str]) -> str | None:
    """The release of the first `debian:<release>` provider, or None."""
    for provider in providers:
        if provider.startswith("debian:"):
            return provider.split(":", 1)[1]
    return None


def enter_words(toolchain: ToolchainRoot, binds: Sequence[Path]) -> list[str]:
    """bwrap's arguments for running a command in the root, in the caller's folder."""
    words = ["bwrap", "--bind", str(toolchain.root), "/", "--dev", "/dev", "--proc", "/proc",
             "--tmpfs", "/tmp", "--die-with-parent"]
    for path in TRUST_FILES:
        if path.exists():
            words += ["--ro-bind", str(path), str(path)]
    for path in binds:
        words += ["--bind", str(path), str(path)]
    words += ["--setenv", "PATH", ROOT_PATH, "--setenv", "HOME", "/root",
              "--unsetenv", "VIRTUAL_ENV", "--unsetenv", "PYTHONPATH", "--unsetenv", "PYTHONHOME"]
    return words


def write_enter_script(toolchain: ToolchainRoot, binds: Sequence[Path], runner: Runner) -> Path:
    """(Re)write `enter` when its text changes: `enter CMD ARGS...` runs CMD in the root.
    The writing is shown, once per run, and only shown by a dry run."""
    words = " ".join(shlex.quote(w) for w in enter_words(toolchain, binds))
    text = (
        "#!/bin/sh\n"
        f"# Runs a command in the Debian {toolchain.release.number} ({toolchain.release.name}) root "
        "that provides its Emscripten,\n"
        "# in the current folder; these host folders are seen at the same paths inside.\n"
        f'exec {words} --chdir "$PWD" "$@"\n'
    )
    script = toolchain.enter_script(binds)
    try:
        if script.read_text() == text:
            return script
    except OSError:
        pass

    def write() -> None:
        # Beside it, then moved into place: a build running the old script never reads half
        # of the new one. (Its folder exists: it holds ready.json, written before any script.)
        partial = script.with_suffix(".partial")
        partial.write_text(text)
        partial.chmod(0o755)
        os.replace(partial, script)

    if runner.first_time(script):  # a dry run writes nothing: shown once, not at each call
        shown = runner.path(script)
        runner.action(f"cat > {shown} <<'EOF' && chmod +x {shown}\n{text}EOF", write)
    return script


def provision(toolchain: ToolchainRoot, versions: Versions, layout: Layout, runner: Runner,
              packages: Sequence[str] = PACKAGES) -> None:
    """Make the root once: a pristine minimal root of the release, with `packages` installed
    (Emscripten's by default; a WASI toolchain's in the same root). A root made with fewer
    packages gets the missing ones installed."""
    if not _missing(toolchain, packages):
        return
    roots = Roots(versions, layout, runner, choose_tools(dry_run=runner.dry_run))
    if not runner.dry_run and not shutil.which("bwrap"):
        raise ToolMissing("Emscripten from a Debian root needs bwrap (bubblewrap), which is not "
                          "installed", fix="sudo apt-get install bubblewrap debootstrap")
    tool, what = (("Emscripten", "emscripten package") if "emscripten" in packages
                  else ("the WASI toolchain", "clang, lld and wasi-libc packages"))
    runner.heading(f"{tool} from Debian {toolchain.release.number} ({toolchain.release.name}):"
                   f" a root with its {what}, made once")
    lock = contextlib.nullcontext() if runner.dry_run else locked(layout.toolchain_roots / ".lock")
    with lock:
        missing = _missing(toolchain, packages)
        if not missing and not runner.dry_run:
            return
        made = bool(toolchain.installed())  # a root from a shorter PACKAGES list is kept
        target = toolchain.root if made else toolchain.folder / "root.partial"
        if not made:
            tarball = roots.pristine(toolchain.release.name)
            for stale in (target, toolchain.root):
                if stale.exists():  # an interrupted run's: the root is unpacked afresh
                    roots.remove(stale)
            roots.unpack(tarball, target)
        install = "apt-get update && apt-get install -y --no-install-recommends " + " ".join(missing)
        runner.run(roots.enter(target, ["sh", "-c", install],
                               env={"DEBIAN_FRONTEND": "noninteractive"}),
                   log=toolchain.folder / "logs" / "install.log")
        if not made:
            runner.action(f"mv {runner.path(target)} {runner.path(toolchain.root)}",
                          lambda: os.replace(target, toolchain.root))
        wanted = sorted({*toolchain.installed(), *packages})
        runner.action(f"dpkg-query -W {' '.join(wanted)} > {runner.path(toolchain.ready_file)}",
                      lambda: _record(toolchain, wanted))


def _missing(toolchain: ToolchainRoot, packages: Sequence[str]) -> list[str]:
    installed = toolchain.installed()
    return [p for p in packages if p not in installed]


def _record(toolchain: ToolchainRoot, wanted: Sequence[str]) -> None:
    status = toolchain.host_path(Path("/var/lib/dpkg/status")).read_text()
    packages: dict[str, str] = {}
    name = ""
    for line in status.splitlines():
        if line.startswith("Package: "):
            name = line.split(": ", 1)[1]
        elif line.startswith("Version: ") and name in wanted:
            packages[name] = line.split(": ", 1)[1]
    missing = [name for name in wanted if name not in packages]
    if missing:
        raise WasmBuildError(f"the {toolchain.release.name} root lacks {', '.join(missing)} after "
                             "apt-get install", fix=f"read {toolchain.folder}/logs/install.log")
    toolchain.ready_file.write_text(json.dumps({"packages": packages}, indent=1) + "\n")


def why_roots_unusable() -> str | None:
    """Why Debian roots can't be made or entered here, or None when they can."""
    try:
        choose_tools()
    except ToolMissing as exc:
        return exc.message
    if not shutil.which("bwrap"):
        return "bwrap (bubblewrap) is not installed"
    return None
