"""Getting verified source archives and CPython trees.

Archives come from, in order: the download cache, a user-given mirror folder, then each
pinned download address (python.org, Debian's archive, ...). Whatever the provider, the
pinned sha256 is checked before anything is unpacked. Unpacking goes to a temporary folder
that is renamed into place, so an interrupted run never leaves a half tree behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ChecksumMismatch, ConfigError, DownloadError
from ..core.shell import Runner
from ..core.stamps import file_digest
from ..versions.config import Download

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0


@dataclass(frozen=True)
class FetchedArchive:
    path: Path
    provider: str
    download: Download


def _check(path: Path, expected: str, origin: str) -> None:
    actual = file_digest(path)
    if actual != expected:
        raise ChecksumMismatch(
            f"sha256 mismatch for {path.name} from {origin}: expected {expected}, got {actual}",
            fix=f"the file is corrupt or not the pinned release; delete {path} and run again",
        )


def download(source: Download, dest: Path) -> None:
    """`source` into `dest`, verified by its sha256 (no partial or wrong file is left)."""
    import requests  # imported here: only a real download needs it

    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    try:
        with requests.get(
            source.url, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
        ) as response:
            response.raise_for_status()
            with part.open("wb") as out:
                for chunk in response.iter_content(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    except (requests.RequestException, OSError) as exc:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{source.url}: {type(exc).__name__}") from exc
    if digest.hexdigest() != source.sha256:
        part.unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"sha256 mismatch for {source.url}: expected {source.sha256}, "
            f"got {digest.hexdigest()}",
            fix="the server sent different bytes than the pinned release; "
            "use --mirror DIR with a verified copy, or report the address",
        )
    os.replace(part, dest)


def fetch(
    candidates: Sequence[Download],
    *,
    what: str,
    downloads: Path,
    mirror: Path | None,
    runner: Runner,
    offline: bool = False,
) -> FetchedArchive:
    """A verified archive for one of `candidates` (all alternatives for the same content)."""
    if not candidates:
        raise ConfigError(f"no pinned download for {what}", fix="add one to versions.toml")
    for candidate in candidates:
        cached = downloads / candidate.filename
        if cached.is_file():
            runner.note(f"{what}: using cached {cached.name}")
            if not runner.dry_run:
                _check(cached, candidate.sha256, f"the download cache ({downloads})")
            return FetchedArchive(cached, "cache", candidate)
    if mirror is not None:
        if not mirror.is_dir():
            raise ConfigError(
                f"mirror folder {mirror} does not exist",
                fix="pass --mirror a folder holding the pinned archives",
            )
        for candidate in candidates:
            mirrored = mirror / candidate.filename
            if mirrored.is_file():
                runner.note(f"{what}: using {mirrored.name} from the mirror folder")
                if not runner.dry_run:
                    _check(mirrored, candidate.sha256, f"the mirror folder {mirror}")
                return FetchedArchive(mirrored, "mirror", candidate)
    failures: list[str] = []
    if not offline:
        for candidate in candidates:
            dest = downloads / candidate.filename
            shown_dest = runner.path(dest)
            shown = (f"curl -fL -o {shown_dest} {candidate.url} && "
                     f"echo '{candidate.sha256}  {shown_dest}' | sha256sum -c")
            runner.note(f"{what}: downloading from {candidate.provider}")
            try:
                def work(candidate: Download = candidate, dest: Path = dest) -> None:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    download(candidate, dest)

                runner.action(shown, work)
            except DownloadError as exc:
                failures.append(f"{candidate.provider} ({exc.message})")
                runner.note(f"{candidate.provider} unreachable, trying the next provider")
                continue
            return FetchedArchive(dest, candidate.provider, candidate)
    names = " or ".join(f"{c.filename} (sha256 {c.sha256})" for c in candidates)
    tried = "; ".join(failures) if failures else "no network use allowed (--offline)"
    raise DownloadError(
        f"cannot get {what}: {tried}",
        fix=f"on a machine with network, download {names} into a folder and pass it with "
        "--mirror DIR",
    )


def _safe_members(tar: tarfile.TarFile) -> None:
    for member in tar.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts:
            raise ChecksumMismatch(
                f"archive {tar.name!r} holds an unsafe path {member.name!r}",
                fix="use the pinned archive",
            )


def unpack(archive: Path, dest: Path) -> None:
    """Unpack an archive with one top-level folder so that that folder becomes `dest`."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".unpack-", dir=dest.parent) as tmp:
        tmp_path = Path(tmp)
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp_path)
        else:
            with tarfile.open(archive) as tar:
                _safe_members(tar)
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(tmp_path, filter="data")
                else:  # Python < 3.11.4 has no extraction filters; members were checked above
                    tar.extractall(tmp_path)
        entries = list(tmp_path.iterdir())
        if len(entries) != 1 or not entries[0].is_dir():
            raise ChecksumMismatch(
                f"archive {archive.name} does not hold exactly one top-level folder",
                fix="use the pinned archive",
            )
        if dest.exists():
            shutil.rmtree(dest)
        os.rename(entries[0], dest)


# -- CPython trees ---------------------------------------------------------------------------

_VERSION_RE = re.compile(r'#define\s+PY_VERSION\s+"([^"]+)"')
# Folders of a checkout that are never part of the source: VCS data, build output, venvs.
_SKIP_TOP = {".git", ".hg", "builddir", "build", "cross-build", ".nox", ".venv", "venv", ".tox"}
_SKIP_ANY = {"__pycache__"}
_IN_PLACE_MARKERS = ("config.status", "pyconfig.h", "Makefile")


def cpython_version_of(tree: Path) -> str:
    patchlevel = tree / "Include" / "patchlevel.h"
    match = _VERSION_RE.search(patchlevel.read_text(errors="replace"))
    if not match:
        raise ConfigError(f"cannot read PY_VERSION from {patchlevel}", fix="pass a CPython tree")
    return match.group(1)


def check_cpython_tree(tree: Path) -> str:
    """The tree's version, or a ConfigError saying why `tree` can't be built."""
    if not tree.is_dir():
        raise ConfigError(f"--source {tree}: no such folder", fix="pass the path of a CPython checkout")
    missing = [p for p in ("configure", "Include/patchlevel.h", "Python/ceval.c") if not (tree / p).exists()]
    if missing:
        raise ConfigError(
            f"--source {tree} is not a CPython source tree (missing {', '.join(missing)})",
            fix="pass the top folder of a CPython checkout or unpacked release",
        )
    configured = [m for m in _IN_PLACE_MARKERS if (tree / m).exists()]
    if configured:
        raise ConfigError(
            f"--source {tree} was configured in place (found {', '.join(configured)}), "
            "which breaks out-of-tree builds",
            fix=f"run `make distclean` in {tree}",
        )
    return cpython_version_of(tree)


def sync_tree(src: Path, dst: Path) -> str:
    """Mirror `src` into `dst`, copying only files whose size or mtime changed.

    Builds then only ever write into `dst`, never into the user's tree, and `make` still sees
    exactly the files that changed. Returns a digest of the tree's listing.
    """
    listing = hashlib.sha256()
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(src):
        rel_dir = os.path.relpath(dirpath, src)
        skip = _SKIP_ANY | (_SKIP_TOP if rel_dir == "." else set())
        dirnames[:] = sorted(d for d in dirnames if d not in skip)
        (dst / rel_dir).mkdir(parents=True, exist_ok=True)
        seen.add(os.path.normpath(rel_dir))
        for name in sorted(filenames):
            if name.endswith(".pyc"):
                continue
            rel = os.path.normpath(os.path.join(rel_dir, name))
            seen.add(rel)
            source, target = src / rel, dst / rel
            st = source.lstat()
            listing.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
            try:
                tst = target.lstat()
                if tst.st_size == st.st_size and tst.st_mtime_ns == st.st_mtime_ns:
                    continue
            except FileNotFoundError:
                pass
            target.unlink(missing_ok=True)
            if source.is_symlink():
                os.symlink(os.readlink(source), target)
            else:
                shutil.copy2(source, target)
    for dirpath, _subdirs, filenames in os.walk(dst, topdown=False):
        rel_dir = os.path.normpath(os.path.relpath(dirpath, dst))
        if _SKIP_ANY & set(Path(rel_dir).parts):
            continue  # bytecode caches written by runs of the snapshot stay
        for name in filenames:
            if os.path.normpath(os.path.join(rel_dir, name)) not in seen:
                os.unlink(os.path.join(dirpath, name))
        if rel_dir not in seen:
            shutil.rmtree(dirpath, ignore_errors=True)
    return listing.hexdigest()
