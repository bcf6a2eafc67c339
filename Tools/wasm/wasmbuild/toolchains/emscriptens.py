"""Which Emscripten a build uses, and where each version in versions.toml would come from.

In order: an emsdk (`--emsdk DIR` or `EMSDK`), the system's `emcc` when it is the version asked
for (or none was asked for), then the providers versions.toml lists for that version: a Debian
root (`debian:<release>`, toolroots.py) is made once and used from then on. On a Debian 12 host
3.1.6 is the system's and 3.1.69 comes from a Debian 13 root; on a Debian 13 host it is the other
way round.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..core.errors import ToolMissing, ToolVersionError, WasmBuildError
from ..core.layout import Layout
from ..core.shell import Runner
from ..versions import config as config_module
from ..versions.config import Versions
from .toolchain import (
    EMSDK_INSTALL_HINT,
    Emscripten,
    compiler_cache_env,
    config_value,
    emsdk_emscripten,
    emsdk_install,
    planned_system_emscripten,
    system_emscripten,
)
from .toolroots import (
    EMSCRIPTEN_DIR,
    PACKAGES,
    debian_provider,
    provision,
    toolchain_root,
    why_roots_unusable,
    write_enter_script,
)


def root_emscripten(layout: Layout, versions: Versions, release_name: str, *,
                    wanted: str, binds: Sequence[Path] = (),
                    runner: Runner | None = None) -> Emscripten:
    """Emscripten `wanted` from the root of Debian `release_name`, described: nothing is made
    here (`planned` until the root exists; `provide_emscripten` makes it)."""
    toolchain = toolchain_root(layout, versions.debian_release(release_name))
    # The root may hold a WASI toolchain only: Emscripten is made when its package is there.
    packages = toolchain.installed() if "emscripten" in toolchain.installed() else {}
    version = toolchain.emscripten_version() or wanted
    home = toolchain.host_path(EMSCRIPTEN_DIR)
    cache_inside = config_value(home / ".emscripten", "CACHE") or str(EMSCRIPTEN_DIR / "cache")
    key = f"{version}-debian-{release_name}"
    # The packaged cache is read-only and frozen, as on the host (toolchain.py).
    env = {"EM_CACHE": str(layout.emscripten_cache(key)), "EM_FROZEN_CACHE": ""}
    if not (home / "node_modules" / "acorn").is_dir():
        env["NODE_PATH"] = "/usr/share/nodejs"  # node-acorn, installed in the root
    if compiler_cache_env(layout):
        env.update({"EM_COMPILER_WRAPPER": "/usr/bin/ccache", "CCACHE_DIR": str(layout.ccache)})
    package = packages.get("emscripten", "(to be installed)")
    where = runner.path(toolchain.root) if runner else str(toolchain.root)
    origin = (f"Debian {toolchain.release.number} ({release_name}) root, package emscripten "
              f"{package} ({where})")
    script = toolchain.enter_script(binds)
    # sid's package ships no prebuilt libraries: emcc builds them into EM_CACHE on first use.
    seed = toolchain.host_path(Path(cache_inside))
    return Emscripten(version, home, EMSCRIPTEN_DIR.parent.parent / "bin", toolchain.provider,
                      origin, env, seed if seed.is_dir() or not packages else None,
                      planned=not packages, enter=(str(script),))


def provide_emscripten(found: Emscripten, layout: Layout, versions: Versions, runner: Runner,
                       binds: Sequence[Path] = (), extra_packages: Sequence[str] = ()
                       ) -> Emscripten:
    """The step that makes a described Emscripten usable, printed by a dry run: a Debian root
    is made once (toolroots.provision), with `extra_packages` beside Emscripten's, and its
    `enter` script written for these `binds`. The system's and an emsdk's are returned as
    they are."""
    release_name = debian_provider((found.provider,))
    if release_name is None:
        return found
    toolchain = toolchain_root(layout, versions.debian_release(release_name))
    provision(toolchain, versions, layout, runner, packages=(*PACKAGES, *extra_packages))
    if "emscripten" not in toolchain.installed():  # a dry run: nothing was made
        return found
    write_enter_script(toolchain, binds, runner)
    return root_emscripten(layout, versions, release_name, wanted=found.version, binds=binds,
                           runner=runner)


def find_emscripten(
    layout: Layout,
    *,
    emsdk: Path | None = None,
    version: str | None = None,
    runner: Runner | None = None,
    versions: Versions | None = None,
    binds: Sequence[Path] = (),
) -> Emscripten:
    """The Emscripten to use; `version` (when given) must match what is found. `binds` are the
    host folders a Debian root must see (the checkout, caches, a --source tree)."""
    versions = versions or config_module.load()
    if emsdk is None and os.environ.get("EMSDK"):
        emsdk = Path(os.environ["EMSDK"])
    if emsdk is not None:
        return _from_emsdk(emsdk.expanduser().resolve(), version, runner)
    system = system_emscripten(layout)
    if system is not None and version in (None, system.version):
        return system
    release = versions.emscripten.get(version or "")
    root_release = debian_provider(release.providers) if release else None
    if version is not None and root_release is not None:
        return root_emscripten(layout, versions, root_release, wanted=version, binds=binds,
                               runner=runner)
    if system is None and runner is not None and runner.dry_run:
        planned = planned_system_emscripten(layout)
        runner.note(f"Emscripten is not installed: showing {planned.origin}")
        if version in (None, planned.version):
            return planned
    if system is None:
        raise ToolMissing("emcc not found (no EMSDK, no --emsdk, no emcc on PATH)",
                          fix=EMSDK_INSTALL_HINT)
    known = ", ".join(versions.emscripten)
    raise ToolVersionError(
        f"Emscripten {version} was asked for but {system.origin} is {system.version}, and "
        f"versions.toml names no Debian root for {version} (known: {known})",
        fix=f"drop --emscripten to use {system.version}, pick a known version, or pass "
        f"--emsdk DIR to install {version}",
    )


def _from_emsdk(emsdk: Path, version: str | None, runner: Runner | None) -> Emscripten:
    found = None
    try:
        found = emsdk_emscripten(emsdk)
    except ToolMissing:
        if version is None or runner is None:
            raise
    if found is None or (version is not None and found.version != version):
        if version is None or runner is None:
            assert found is not None
            return found
        emsdk_install(emsdk, version, runner)
        found = emsdk_emscripten(emsdk)
    if version is not None and found.version != version:
        raise ToolVersionError(f"Emscripten {version} was asked for but the emsdk at {emsdk} has "
                               f"{found.version}", fix=f"`{emsdk}/emsdk install {version}`")
    return found


SourceKind = Literal["emsdk", "system", "root", "root-to-make", "unavailable"]


@dataclass(frozen=True)
class Source:
    """Where an Emscripten version would come from on this machine."""

    kind: SourceKind
    detail: str
    """For people: the emsdk or package, the root's folder, or why the version can't be had."""

    @property
    def available(self) -> bool:
        return self.kind != "unavailable"

    def describe(self) -> str:
        match self.kind:
            case "emsdk" | "system":
                return self.detail
            case "root":
                return f"{self.detail}, made"
            case "root-to-make":
                return (f"{self.detail}, made by the first build that needs it (debootstrap and "
                        "apt-get; docs/versions.md says what it costs)")
            case "unavailable":
                return f"unavailable: {self.detail}"


def where_from(layout: Layout, versions: Versions, version: str) -> Source:
    """Where Emscripten `version` would come from on this machine, or why it can't."""
    if os.environ.get("EMSDK"):
        return Source("emsdk", f"the emsdk at {os.environ['EMSDK']}")
    try:
        system = system_emscripten(layout)
    except WasmBuildError as exc:
        system = None
        system_note = exc.message
    else:
        system_note = f"the system has {system.version}" if system else "no system emcc"
    if system is not None and system.version == version:
        return Source("system", system.origin)
    release = versions.emscripten.get(version)
    name = debian_provider(release.providers) if release else None
    if name is None:
        return Source("unavailable", f"{system_note}, and only an emsdk with network access "
                      "can install it")
    toolchain = toolchain_root(layout, versions.debian_release(name))
    if "emscripten" in toolchain.installed():
        return Source("root", f"Debian {name} root ({toolchain.root})")
    unusable = why_roots_unusable()
    if unusable is None:
        return Source("root-to-make", f"a Debian {name} root")
    return Source("unavailable", f"a Debian {name} root, but {unusable}")


def emscripten_unavailable(layout: Layout, version: str, versions: Versions | None = None) -> str | None:
    """Why Emscripten `version` can't be used here, or None if it can (for the test matrix)."""
    source = where_from(layout, versions or config_module.load(), version)
    return None if source.available else source.detail
