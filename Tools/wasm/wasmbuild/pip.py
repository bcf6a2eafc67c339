"""`invoke wasm.pip`: third-party packages into a build's own site-packages folder
(`<build>/site-packages`), chosen for the build's environment (packages/resolver.py), every
file verified by its sha256 and kept in the download cache.

All files are chosen, fetched and checked before anything is installed, and the new folder
replaces the old one only once complete: a failure leaves the installed packages as they were.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .core.errors import ConfigError, WasmBuildError
from .core.layout import SITE_PACKAGES
from .core.shell import Action
from .packages import requirements, resolver, wheels
from .packages.index import File, FolderIndex, Index, JsonIndex
from .targets import Target
from .toolchains import sources
from .toolchains.context import Context
from .versions.config import Download


def site_packages(folder: Path) -> Path:
    """A build's folder of third-party packages, beside python.js or python.wasm."""
    return folder / SITE_PACKAGES


def wanted_from(args: Sequence[str], files: Sequence[Path]) -> list[requirements.Wanted]:
    wanted = [requirements.parse(arg) for arg in args]
    for path in files:
        wanted += requirements.read_file(path)
    if not wanted:
        raise ConfigError("no package named", fix="name packages (`invoke wasm.pip attrs`) or "
                          "pass -r requirements.txt")
    return wanted


def _index(ctx: Context, index_url: str | None) -> Index:
    if ctx.options.offline:
        mirror = [ctx.options.mirror] if ctx.options.mirror else []
        return FolderIndex([*mirror, ctx.paths.downloads])
    return JsonIndex(index_url) if index_url else JsonIndex()


def _obtainer(ctx: Context, index: Index, scratch: Path) -> Callable[[File, str], Path]:
    def obtain(file: File, what: str) -> Path:
        fetched = sources.fetch([Download(index.where, file.url, file.sha256)], what=what,
                                downloads=ctx.paths.downloads, mirror=ctx.options.mirror,
                                runner=ctx.runner, offline=ctx.options.offline)
        if fetched.path.is_file():
            return fetched.path
        # A dry run downloads nothing into the cache, yet must read what a release requires:
        # it reads a copy in a scratch folder that goes when the run ends.
        copy = scratch / file.filename
        if not copy.is_file():
            sources.download(Download(index.where, file.url, file.sha256), copy)
        return copy
    return obtain


def _sdist_builder(ctx: Context, scratch: Path) -> Callable[[Path, str], Path]:
    def build(sdist: Path, what: str) -> Path:
        out = scratch / f"built-{sdist.name}"
        out.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                   "--wheel-dir", str(out), str(sdist)]
        if ctx.options.offline:
            command[5:5] = ["--no-index", *(["--find-links", str(ctx.options.mirror)]
                                            if ctx.options.mirror else [])]
        ctx.runner.note(f"{what}: no wheel; building its sdist on this machine")
        ctx.runner.say(shlex.join(command))
        done = subprocess.run(command, capture_output=True, text=True)
        built = sorted(out.glob("*.whl"))
        if done.returncode != 0 or not built:
            last = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
            raise WasmBuildError(f"{what}: its sdist does not build: {last}",
                                fix="use a release that has a wheel, or build it by hand")
        return built[0]
    return build


def install(ctx: Context, target: Target, wanted: Sequence[requirements.Wanted], *,
            require_hashes: bool = False, index_url: str | None = None,
            into: Path | None = None) -> list[resolver.Pick]:
    """Choose, fetch and install `wanted` and what it requires into the build's
    site-packages (or into the folder `into`, which no build reads: for measurements);
    returns what was chosen."""
    folder = target.require_built(ctx)
    runner = ctx.runner
    markers = target.marker_environment(ctx)
    runner.heading(f"packages for the {target.name} build: {', '.join(str(w.requirement) for w in wanted)}"
                   f" (sys_platform {markers['sys_platform']}, Python {ctx.cpython.version})")
    index = _index(ctx, index_url)
    with tempfile.TemporaryDirectory(prefix="wasm-pip-") as scratch_name:
        scratch = Path(scratch_name)
        env = resolver.Environment(markers, wheels.pure_tags(ctx.cpython.version),
                                   ctx.cpython.version, index, _obtainer(ctx, index, scratch),
                                   _sdist_builder(ctx, scratch), require_hashes)
        picks = resolver.resolve(wanted, env)
        for pick in picks:
            runner.note(f"{pick.name} {pick.version}: {pick.file.filename} (for {pick.needed_by})")
        _replace(ctx, into or site_packages(folder), picks)
    if into is None:
        target.take_packages(ctx, folder)
    return picks


def _replace(ctx: Context, site: Path, picks: Sequence[resolver.Pick]) -> None:
    """Install into a copy of the folder, then put the copy in its place."""
    runner = ctx.runner
    partial = site.with_name(site.name + ".partial")
    old = site.with_name(site.name + ".old")

    def start() -> None:
        shutil.rmtree(partial, ignore_errors=True)
        if site.is_dir():
            shutil.copytree(site, partial, symlinks=True)
        partial.mkdir(parents=True, exist_ok=True)

    shown, shown_partial = runner.path(site), runner.path(partial)
    runner.do(Action(f"rm -rf {shown_partial} && mkdir -p {shown} && cp -a {shown} {shown_partial}",
                     start))
    for pick in picks:
        def put(pick: resolver.Pick = pick) -> None:
            present = wheels.installed(partial).get(pick.name)
            if present is not None:
                wheels.remove(partial, present[1])
            for left in wheels.install(pick.wheel, partial):
                runner.note(f"{pick.name}: left out {left} (only site-packages is installed)")
        runner.do(Action(f"python3 -m zipfile -e {runner.path(pick.wheel)} {shown_partial}", put))

    def swap() -> None:
        shutil.rmtree(old, ignore_errors=True)
        if site.is_dir():
            site.rename(old)
        partial.rename(site)
        shutil.rmtree(old, ignore_errors=True)

    runner.do(Action(f"rm -rf {shown} && mv {shown_partial} {shown}", swap))
