"""Minimal Debian root file systems: a release made from nothing, entered like a new machine.

A root is made once per release and day (`debootstrap --variant=minbase` as root, or
`mmdebstrap --mode=unshare` without root), kept as a pristine tarball under
`~/.cache/cpython-wasm/roots/`, and unpacked fresh for every use, so nothing one use installed
is seen by the next.

A root is entered with `bwrap`, or, as root without bwrap, with `chroot` inside a private mount
namespace (`unshare --mount`), so its mounts vanish with it. What it sees of the host is what a
machine behind a corporate proxy needs to reach the network, and nothing more: the network
itself, `resolv.conf`, the CA bundle, pip's configuration, the proxy/CA/index environment
variables, and the host folders a caller binds, at the same paths inside as outside.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import host
from ..core.errors import ConfigError, ToolMissing
from ..core.layout import Layout, remove
from ..core.shell import Command, Runner
from ..core.stamps import locked
from ..versions.config import DebianRelease, Versions

# The host files that carry its network trust and routing, bound read-only at the same path.
TRUST_FILES = (Path("/etc/resolv.conf"), Path("/etc/ssl/certs/ca-certificates.crt"),
               Path("/etc/pip.conf"))
# Environment variables of the same kind: proxies, CA bundles, package indexes.
TRUST_VARIABLES = re.compile(
    r"^(https?_proxy|no_proxy|all_proxy|ftp_proxy|HTTPS?_PROXY|NO_PROXY|ALL_PROXY|FTP_PROXY"
    r"|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|NODE_EXTRA_CA_CERTS"
    r"|GIT_SSL_CAINFO|PIP_CERT|PIP_INDEX_URL|PIP_EXTRA_INDEX_URL|PIP_TRUSTED_HOST"
    r"|UV_INDEX_URL|UV_DEFAULT_INDEX|NPM_CONFIG_REGISTRY|npm_config_registry)$"
)
ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HOST_SOURCES = (Path("/etc/apt/sources.list.d"), Path("/etc/apt/sources.list"))
SETUP_FIX = "sudo apt-get install debootstrap bubblewrap   (or run `invoke wasm.setup` as root)"


@dataclass(frozen=True)
class RootTools:
    maker: str
    """'debootstrap' (as root) or 'mmdebstrap' (without root, in a user namespace)."""
    enter: str
    """'bwrap' or 'chroot' (root only)."""


def choose_tools(*, dry_run: bool = False) -> RootTools:
    """The programs that make and enter roots on this machine, or a one-line error naming them."""
    as_root = host.is_root()
    if as_root and shutil.which("debootstrap"):
        maker = "debootstrap"
    elif shutil.which("mmdebstrap"):
        maker = "mmdebstrap"
    elif dry_run:
        maker = "debootstrap" if as_root else "mmdebstrap"
    else:
        needed = "debootstrap" if as_root else "mmdebstrap (or debootstrap, as root)"
        raise ToolMissing(f"making a Debian root needs {needed}, which is not installed",
                          fix=SETUP_FIX if as_root else "sudo apt-get install mmdebstrap bubblewrap")
    if shutil.which("bwrap") or dry_run:
        enter = "bwrap"
    elif as_root and shutil.which("chroot") and shutil.which("unshare"):
        enter = "chroot"
    else:
        raise ToolMissing("entering a Debian root needs bwrap (bubblewrap), which is not installed",
                          fix=SETUP_FIX)
    return RootTools(maker, enter)


def host_mirror(default: str, sources: Sequence[Path] = HOST_SOURCES) -> str:
    """The Debian mirror this machine's apt uses (its routing: a local or corporate mirror), or
    `default`. CPYTHON_WASM_DEBIAN_MIRROR overrides both."""
    override = os.environ.get("CPYTHON_WASM_DEBIAN_MIRROR")
    if override:
        return override.rstrip("/")
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            files += sorted(source.glob("*.sources")) + sorted(source.glob("*.list"))
        elif source.is_file():
            files.append(source)
    for file in files:
        try:
            text = file.read_text()
        except OSError:
            continue
        # deb822 ("URIs: http://.../debian") and one-line ("deb http://.../debian bookworm main")
        for match in re.finditer(r"^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)", text, re.MULTILINE):
            uri = match.group(1).rstrip("/")
            if uri.startswith("http") and uri.endswith("/debian"):
                return uri
    return default.rstrip("/")


APT_NO_VALID_UNTIL = ("etc/apt/apt.conf.d/99check-valid-until", 'Acquire::Check-Valid-Until "false";\n')


def apt_sources(release: DebianRelease, mirror: str, security_mirror: str) -> str:
    """/etc/apt/sources.list of a new install of `release` (the updates and security suites of
    a stable release included, as a Debian installer writes them)."""
    lines = [f"deb {mirror} {suite} main" for suite in release.suites]
    if release.security_suite:
        lines.append(f"deb {security_mirror} {release.security_suite} main")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Roots:
    """Making, unpacking and entering Debian roots; one per machine and cache folder."""

    versions: Versions
    layout: Layout
    runner: Runner
    tools: RootTools

    @property
    def folder(self) -> Path:
        return self.layout.roots

    def release(self, name: str) -> DebianRelease:
        return self.versions.debian_release(name)

    def tarball(self, release: DebianRelease, day: datetime.date) -> Path:
        return self.folder / f"debian-{release.name}-{day:%Y%m%d}.tar"

    # -- making ---------------------------------------------------------------------------------
    def pristine(self, name: str, *, today: datetime.date | None = None) -> Path:
        """Today's pristine tarball of release `name`, made if there is none yet."""
        release = self.release(name)
        day = today or datetime.datetime.now(datetime.UTC).date()
        tarball = self.tarball(release, day)
        if tarball.is_file() and not self.runner.dry_run:
            self.runner.note(f"root: {self.runner.path(tarball)} (made today, pristine)")
            return tarball
        # A dry run takes no lock: the lock file is the one thing it would write.
        with contextlib.nullcontext() if self.runner.dry_run else locked(self.folder / ".lock"):
            if tarball.is_file() and not self.runner.dry_run:
                return tarball
            self._make(release, tarball)
        for old in self.folder.glob(f"debian-{release.name}-*.tar"):
            if old != tarball:  # an earlier day's: a root is made from nothing once a day
                self.runner.action(f"rm {self.runner.path(old)}", old.unlink)
        return tarball

    def _make(self, release: DebianRelease, tarball: Path) -> None:
        mirror = host_mirror(self.versions.debian.mirror)
        security = self.versions.debian.security_mirror
        sources = apt_sources(release, mirror, security)
        partial = tarball.with_suffix(".partial.tar")
        include = "--include=ca-certificates"  # https to PyPI and npm needs a CA store
        if self.tools.maker == "debootstrap":
            tree = tarball.with_suffix(".tree")
            if tree.exists():  # an interrupted run's: debootstrap makes the root in a new folder
                self.remove(tree)
            self.runner.run(Command.of("debootstrap", "--variant=minbase", include, release.name,
                                       tree, mirror, cwd=self.runner.root),
                            log=self.folder / "logs" / f"{release.name}.log")
            listing = tree / "etc" / "apt" / "sources.list"
            self.runner.action(f"printf %s '{sources.strip()}' > {self.runner.path(listing)}",
                               lambda: _write(listing, sources))
            if not release.check_valid_until:
                conf = tree / APT_NO_VALID_UNTIL[0]
                self.runner.action(f"echo '{APT_NO_VALID_UNTIL[1].strip()}' > "
                                   f"{self.runner.path(conf)}",
                                   lambda: _write(conf, APT_NO_VALID_UNTIL[1]))
            self.runner.run(Command.of("tar", "--numeric-owner", "-C", tree, "-cf", partial, ".",
                                       cwd=self.runner.root))
            self.runner.action(f"rm -rf {self.runner.path(tree)}", lambda: remove(tree))
        else:
            hook = f"echo '{sources.strip()}' > \"$1/etc/apt/sources.list\""
            if not release.check_valid_until:
                hook += f" && echo '{APT_NO_VALID_UNTIL[1].strip()}' > \"$1/{APT_NO_VALID_UNTIL[0]}\""
            self.runner.run(Command.of("mmdebstrap", "--mode=unshare", "--variant=minbase", include,
                                       f"--customize-hook={hook}", release.name, partial, mirror,
                                       cwd=self.runner.root),
                            log=self.folder / "logs" / f"{release.name}.log")
        self.runner.action(f"mv {self.runner.path(partial)} {self.runner.path(tarball)}",
                           lambda: os.replace(partial, tarball))

    def unpack(self, tarball: Path, dest: Path) -> None:
        """A fresh root from the pristine tarball; `dest` must not exist."""
        if dest.exists() and not self.runner.dry_run:
            raise ConfigError(f"{dest} already exists", fix=f"remove it first: rm -rf {dest}")
        self.runner.run(Command.of("mkdir", "-p", dest, cwd=self.runner.root))
        self.runner.run(Command.of("tar", "--numeric-owner", "-xpf", tarball, "-C", dest,
                                   cwd=self.runner.root))

    def remove(self, root: Path) -> None:
        """Delete an unpacked root, refusing while anything is mounted inside it."""
        mounted = _mounts_under(root)
        if mounted:
            raise ConfigError(f"not deleting {root}: {mounted[0]} is mounted inside it",
                              fix=f"unmount it (umount -R {mounted[0]}), then rm -rf {root}")
        self.runner.action(f"rm -rf {self.runner.path(root)}", lambda: remove(root))

    # -- entering -------------------------------------------------------------------------------
    def enter(self, root: Path, argv: Sequence[str], *, cwd: str = "/root",
              binds: Sequence[Path] = (), ro_binds: Mapping[Path, str] | None = None,
              env: Mapping[str, str] | None = None) -> Command:
        """`argv` run inside `root` in `cwd`: a new machine's environment (HOME=/root, a
        standard PATH) plus the host's trust variables and `env`; `binds` are host folders
        visible at the same path, `ro_binds` host paths shown read-only at another path."""
        variables = {"HOME": "/root", "PATH": ROOT_PATH, "LANG": "C.UTF-8",
                     "TERM": os.environ.get("TERM", "dumb"), **trust_environment(os.environ),
                     **(env or {})}
        shared = [(p, str(p), True) for p in TRUST_FILES if host.has_file(p)]
        shared += [(p, str(p), False) for p in binds]
        shared += [(p, inside, True) for p, inside in (ro_binds or {}).items()]
        if self.tools.enter == "bwrap":
            # --dev-bind: device nodes work in the root (debootstrap in it makes roots of its
            # own, as a build of an Emscripten the root's release lacks does).
            words: list[str | Path] = ["bwrap", "--dev-bind", root, "/", "--dev", "/dev", "--proc",
                                       "/proc", "--unshare-pid", "--die-with-parent"]
            if not host.is_root():
                # Without root on the host, a user namespace makes us root inside (apt needs it).
                words += ["--unshare-user", "--uid", "0", "--gid", "0"]
            for outside, inside, read_only in shared:
                words += ["--ro-bind" if read_only else "--bind", outside, inside]
            words += ["--chdir", cwd, "--clearenv"]
            for key, value in variables.items():
                words += ["--setenv", key, value]
            return Command.of(*words, *argv, cwd=self.runner.root)
        # chroot: mounts made in a private namespace disappear when the command ends.
        mounts = [f"mount --rbind /dev {root}/dev", f"mount -t proc proc {root}/proc"]
        for outside, inside, read_only in shared:
            target = f"{root}{inside}"
            parent = target if outside.is_dir() else str(Path(target).parent)
            make = f"mkdir -p {parent}" + ("" if outside.is_dir() else f" && touch {target}")
            mounts.append(f"{make} && mount --bind {outside} {target}"
                          + (f" && mount -o remount,bind,ro {target}" if read_only else ""))
        assignments = [f"{k}={v}" for k, v in variables.items()]
        script = " && ".join(mounts) + ' && exec chroot "$0" env -i "$@"'
        inner = ["sh", "-c", 'cd "$0" && exec "$@"', cwd, *argv]
        return Command.of("unshare", "--mount", "--propagation", "private", "--fork", "--pid",
                          "--mount-proc", "sh", "-c", script, root, *assignments, *inner,
                          cwd=self.runner.root)


def trust_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The proxy, CA-bundle and package-index variables of the host, for a root."""
    return {k: v for k, v in environ.items() if TRUST_VARIABLES.match(k)}


def _mounts_under(root: Path) -> list[str]:
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    prefix = str(root.resolve()).rstrip("/") + "/"
    return [fields[1] for fields in (line.split() for line in lines)
            if len(fields) > 1 and (fields[1] + "/").startswith(prefix)]


def _write(path: Path, text: str) -> None:
    path.write_text(text)

