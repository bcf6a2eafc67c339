"""Emscripten ports (the recipe's `embuilder build zlib bzip2`), online or offline.

Each Emscripten release pins its own port versions and download addresses in
`tools/ports/<name>.py`. We ask the port file itself what it would fetch (its `get()` calls
`ports.fetch_project(name, url, ...)`), so nothing here depends on one release. When that
address is unreachable, the port's cache folder is filled from a verified archive (mirror
folder or Debian's archive) together with the marker file that tells Emscripten the port is
already fetched; `embuilder` then builds it without touching the network.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..core.errors import ConfigError, DownloadError, ToolVersionError
from ..core.layout import Layout
from ..core.shell import Runner
from ..core.stamps import locked
from ..toolchains.context import Context
from ..toolchains.sources import fetch, unpack
from ..toolchains.toolchain import Emscripten, prepare_cache
from ..versions.config import Versions
from .base import Step, run_step

PORTS = ("zlib", "bzip2")
LIBRARIES = {"zlib": "libz.a", "bzip2": "libbz2.a"}


@dataclass(frozen=True)
class PortFetch:
    name: str
    url: str
    subdir: str

    @property
    def version(self) -> str:
        prefix = f"{self.name}-"
        return self.subdir[len(prefix):] if self.subdir.startswith(prefix) else self.subdir


class _Fetched(Exception):
    pass


def port_fetch(emscripten: Emscripten, name: str) -> PortFetch:
    """What the port file of this Emscripten would download for `name`."""
    path = emscripten.root / "tools" / "ports" / f"{name}.py"
    if not path.is_file():
        raise ToolVersionError(f"Emscripten {emscripten.version} has no port {name!r} ({path})",
                               fix="use an Emscripten release that ships the port")
    spec = importlib.util.spec_from_file_location(f"_wasmbuild_port_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    recorded: dict[str, str] = {}

    def fetch_project(project: str, url: str, subdir: str | None = None, *args: Any,
                      **kwargs: Any) -> None:
        # Up to about 3.1.40 the port names the folder its archive unpacks to; later releases
        # pass a sha512 instead and read the folder as <name>-<VERSION> when building.
        if subdir is None and hasattr(module, "VERSION"):
            subdir = f"{project}-{module.VERSION}"
        if subdir is None:
            raise ToolVersionError(f"port {name!r} in {path} names no source folder",
                                   fix="build the port yourself with `embuilder build " + name + "`")
        recorded.update(name=project, url=url, subdir=subdir)
        raise _Fetched

    ports = SimpleNamespace(fetch_project=fetch_project, get_dir=lambda: "", get_build_dir=lambda: "")
    settings = SimpleNamespace()
    try:
        module.get(ports, settings, SimpleNamespace())
    except _Fetched:
        return PortFetch(recorded["name"], recorded["url"], recorded["subdir"])
    except ToolVersionError:
        raise
    except Exception as exc:  # a port file of a release we don't know: say so plainly
        raise ToolVersionError(
            f"cannot read the download address of port {name!r} from {path}: {exc!r}",
            fix="build the port yourself with `embuilder build " + name + "`",
        ) from exc
    raise ToolVersionError(f"port {name!r} in {path} fetches nothing", fix="report this")


def _reachable(url: str) -> bool:
    import requests

    try:
        requests.head(url, timeout=5, allow_redirects=True).raise_for_status()
    except requests.RequestException:
        return False
    return True


def library_path(cache: Path, name: str) -> Path:
    return cache / "sysroot" / "lib" / "wasm32-emscripten" / LIBRARIES[name]


def seed_port(cache: Path, fetch_info: PortFetch, archive: Path) -> None:
    """Put the port's sources where Emscripten looks before downloading, with its marker."""
    port_dir = cache / "ports" / fetch_info.name
    port_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=port_dir) as tmp:
        staged = Path(tmp) / fetch_info.subdir
        unpack(archive, staged)
        final = port_dir / fetch_info.subdir
        shutil.rmtree(final, ignore_errors=True)
        os.rename(staged, final)
    # Emscripten compares this marker with the port's URL to decide the port is fetched.
    (port_dir / ".emscripten_url").write_text(fetch_info.url + "\n")


def build_ports(
    emscripten: Emscripten,
    versions: Versions,
    layout: Layout,
    runner: Runner,
    *,
    mirror: Path | None = None,
    offline: bool = False,
    names: tuple[str, ...] = PORTS,
) -> None:
    state = layout.emscripten_state(emscripten.key)
    cache = emscripten.cache_dir
    # A package without prebuilt libraries (sid's) starts from an empty cache: the ports write
    # into its sysroot, so embuilder installs that first.
    first = ("sysroot",) if cache and not emscripten.cache_seed and not emscripten.planned \
        and not (cache / "sysroot_install.stamp").is_file() else ()
    embuilder = emscripten.command(emscripten.tool("embuilder"), "build", *first, *names,
                                   cwd=layout.root, env=emscripten.env)
    if cache is None or emscripten.planned:
        # An emsdk manages its own cache; embuilder fetches and builds there.
        runner.run(embuilder)
        return
    fetches = [port_fetch(emscripten, name) for name in names]

    def seed_sources() -> None:
        for info in fetches:
            seed_if_unreachable(info, cache, versions, layout, runner, mirror=mirror,
                                offline=offline)

    def check_built() -> None:
        missing = [n for n in names if not library_path(cache, n).is_file()]
        if missing:
            raise ConfigError(f"embuilder finished but {', '.join(missing)} is not in {cache}",
                              fix="run `embuilder build --force " + " ".join(missing) + "`")

    step = Step("ports", state, {"emscripten": emscripten.key,
                                 "ports": {f.name: f.url for f in fetches}},
                work=[seed_sources, embuilder], outputs=[library_path(cache, n) for n in names],
                check=check_built, lock=state / ".lock", stamp_path=state / "ports.json",
                up_to_date=f"ports {', '.join(names)}: up to date in {runner.path(cache)}")
    run_step(runner, step)


def seed_if_unreachable(info: PortFetch, cache: Path, versions: Versions, layout: Layout,
                        runner: Runner, *, mirror: Path | None, offline: bool) -> None:
    """Leave the port to Emscripten when its address answers; else fill its cache folder
    from a pinned, verified archive."""
    marker = cache / "ports" / info.name / ".emscripten_url"
    if marker.is_file() and marker.read_text().strip() == info.url:
        return  # sources already in place
    if not offline and _reachable(info.url):
        runner.note(f"port {info.name} {info.version}: Emscripten downloads it from {info.url}")
        return
    candidates = versions.port_sources_for(info.name, info.version)
    if not candidates:
        raise DownloadError(
            f"port {info.name} {info.version}: {info.url} is unreachable and no archive "
            "for this port version is pinned",
            fix=f"add a [[port_sources]] entry for {info.name} {info.version} to versions.toml",
        )
    archive = fetch([c.download for c in candidates], what=f"port {info.name} {info.version}",
                    downloads=layout.downloads, mirror=mirror, runner=runner, offline=offline)
    source = next(c for c in candidates if c.download == archive.download)
    runner.note(f"port {info.name} {info.version}: {info.url} is unreachable; seeding it from "
                f"{archive.download.filename} ({source.version}, via {archive.provider})")
    dest = cache / "ports" / info.name / info.subdir
    runner.action(
        f"mkdir -p {runner.path(dest)} && tar -xf {runner.path(archive.path)} "
        f"-C {runner.path(dest)} --strip-components=1 && echo {info.url} > {runner.path(marker)}",
        functools.partial(seed_port, cache, info, archive.path),
    )


def ports(ctx: Context) -> None:
    """Step 2, the recipe's `embuilder build zlib bzip2`, offline if need be."""
    emscripten = ctx.emscripten
    ctx.runner.heading(f"Emscripten ports zlib, bzip2 (Emscripten {emscripten.version}, "
                       f"{emscripten.origin})")
    with locked(ctx.paths.emscripten_state(emscripten.key) / ".lock"):
        prepare_cache(emscripten, ctx.runner)
    build_ports(emscripten, ctx.versions, ctx.paths, ctx.runner, mirror=ctx.options.mirror,
                offline=ctx.options.offline)
