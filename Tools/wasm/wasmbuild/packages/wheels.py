"""Wheels: which ones a build can use (pure Python, for its CPython), what they require, and
putting them into a site-packages folder (what pip does, for pure wheels: no scripts, no
compiled code, nothing outside site-packages)."""

from __future__ import annotations

import email.parser
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags
from packaging.utils import NormalizedName, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from ..core.errors import ConfigError

INSTALLER = "cpython-wasm"


def pure_tags(python_version: str) -> frozenset[Tag]:
    """The tags of wheels with no compiled code that a CPython of `python_version` takes:
    py3-none-any, py311-none-any, cp311-none-any and the older py3x ones."""
    major, minor = (int(part) for part in python_version.split(".")[:2])
    return frozenset(compatible_tags((major, minor), f"cp{major}{minor}", ["any"]))


def is_pure_for(filename: str, tags: frozenset[Tag]) -> bool:
    return any(tag in tags for tag in parse_wheel_filename(filename)[3])


@dataclass(frozen=True)
class Metadata:
    name: NormalizedName
    version: Version
    requires: tuple[Requirement, ...]
    requires_python: str | None


def _dist_info(archive: zipfile.ZipFile, filename: str) -> str:
    name, version, _, _ = parse_wheel_filename(filename)
    folders = {PurePosixPath(n).parts[0] for n in archive.namelist()
               if PurePosixPath(n).parts[0].endswith(".dist-info")}
    for folder in folders:
        project = folder.removesuffix(".dist-info").rpartition("-")[0]
        if canonicalize_name(project) == name:
            return folder
    raise ConfigError(f"{filename} has no {name}-{version}.dist-info folder",
                      fix="the wheel is broken: report it to the project")


def metadata(wheel: Path) -> Metadata:
    with zipfile.ZipFile(wheel) as archive:
        folder = _dist_info(archive, wheel.name)
        message = email.parser.Parser().parsestr(archive.read(f"{folder}/METADATA").decode())
        purelib = email.parser.Parser().parsestr(archive.read(f"{folder}/WHEEL").decode())
    if purelib.get("Root-Is-Purelib", "true").strip().lower() != "true":
        raise ConfigError(f"{wheel.name} is not pure Python (Root-Is-Purelib: false)",
                          fix="there is no wasm wheel for this build: use a pure-Python release")
    return Metadata(canonicalize_name(message["Name"]), Version(message["Version"]),
                    tuple(Requirement(r) for r in message.get_all("Requires-Dist") or ()),
                    message.get("Requires-Python"))


def installed(site_packages: Path) -> dict[NormalizedName, tuple[Version, Path]]:
    """The distributions in a site-packages folder, by name: version and dist-info folder."""
    found: dict[NormalizedName, tuple[Version, Path]] = {}
    for folder in sorted(site_packages.glob("*.dist-info")) if site_packages.is_dir() else []:
        project, _, version = folder.name.removesuffix(".dist-info").rpartition("-")
        found[canonicalize_name(project)] = (Version(version), folder)
    return found


def remove(site_packages: Path, dist_info: Path) -> None:
    """Remove an installed distribution: the files its RECORD lists, then empty folders."""
    record = dist_info / "RECORD"
    listed = [line.split(",", 1)[0] for line in record.read_text().splitlines()] \
        if record.is_file() else []
    folders: set[Path] = set()
    for name in listed:
        path = (site_packages / name).resolve()
        if path.is_relative_to(site_packages.resolve()) and path.is_file():
            path.unlink()
            folders.update(p for p in path.parents if p.is_relative_to(site_packages.resolve())
                           and p != site_packages.resolve())
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    shutil.rmtree(dist_info, ignore_errors=True)


def install(wheel: Path, site_packages: Path) -> list[str]:
    """Unpack a pure wheel into `site_packages`; returns what it left out (scripts, headers,
    data outside site-packages), for a note."""
    left_out: list[str] = []
    with zipfile.ZipFile(wheel) as archive:
        folder = _dist_info(archive, wheel.name)
        data = folder.removesuffix(".dist-info") + ".data"
        for member in archive.infolist():
            parts = PurePosixPath(member.filename).parts
            if member.is_dir() or ".." in parts or member.filename.startswith("/"):
                continue
            if parts[0] == data:
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    left_out.append(member.filename)
                    continue
                parts = parts[2:]
            target = site_packages.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
    (site_packages / folder / "INSTALLER").write_text(INSTALLER + "\n")
    return left_out


def names(wheels: Sequence[Path]) -> str:
    return ", ".join(w.name for w in wheels)
