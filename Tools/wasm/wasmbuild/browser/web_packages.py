"""The browser page's JavaScript packages (xterm.js and its fit addon, `[web_packages]` of
versions.toml): pinned npm tarballs, fetched and verified like every download (the cache,
--mirror, then the registry), and the few files the page loads taken out of them under flat
names, beside python.html."""

from __future__ import annotations

import contextlib
import functools
import os
import tarfile
from pathlib import Path

from ..core.errors import ConfigError
from ..core.stamps import locked
from ..toolchains.context import Context
from ..toolchains.sources import FetchedArchive, fetch
from ..versions.config import Versions, WebPackage


def file_names(versions: Versions) -> list[str]:
    """What the packages put in a browser build folder (wasm.dist ships these)."""
    return [name for package in versions.web_packages for name, _ in package.files]


def install(ctx: Context, folder: Path) -> list[Path]:
    """Fetch every package first (a bad download stops before anything is written), then copy
    out the files the page needs: `folder/xterm.js`, ... The paths written are returned."""
    runner, downloads = ctx.runner, ctx.paths.downloads
    odd = [name for name in file_names(ctx.versions) if Path(name).name != name or name[:1] == "."]
    if odd:
        raise ConfigError(f"[web_packages] of versions.toml names {odd[0]!r}, not a file name",
                          fix='name each file as it lands beside python.html: "xterm.js" = ...')
    fetched: list[tuple[WebPackage, FetchedArchive]] = []
    for package in ctx.versions.web_packages:
        with contextlib.nullcontext() if ctx.dry_run else locked(downloads / ".lock"):
            fetched.append((package, fetch(
                [package.download], what=f"{package.name} {package.version}", downloads=downloads,
                mirror=ctx.options.mirror, runner=runner, offline=ctx.options.offline)))
    written: list[Path] = []
    for package, archive in fetched:
        for name, member in package.files:
            dest = folder / name
            runner.action(f"tar -xzOf {runner.path(archive.path)} {member} > {runner.path(dest)}",
                          functools.partial(extract, archive.path, member, dest))
            written.append(dest)
    return written


def extract(archive: Path, member: str, dest: Path) -> None:
    """One file of a verified tarball to `dest`, whole or not at all; an unchanged file is left
    alone, so its modification time (wasm.serve's validator) stays."""
    with tarfile.open(archive) as tar:
        try:
            info = tar.getmember(member)
        except KeyError:
            info = None
        source = tar.extractfile(info) if info is not None else None
        if source is None:
            raise ConfigError(f"{archive.name} has no file {member}",
                              fix="correct its path under [web_packages] in versions.toml")
        data = source.read()
    if dest.is_file() and dest.read_bytes() == data:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.part")
    part.write_bytes(data)
    os.replace(part, dest)
