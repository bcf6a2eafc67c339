"""Where distributions come from: a package index's JSON API (PEP 691; PyPI by default), or a
folder of files (the --mirror folder and the download cache) for a machine without network."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from ..core.errors import ConfigError, DownloadError

PYPI = "https://pypi.org/simple"
ACCEPT = "application/vnd.pypi.simple.v1+json"
TIMEOUT = 60


@dataclass(frozen=True)
class File:
    """One distribution file of a project release: a wheel or an sdist."""

    filename: str
    url: str
    sha256: str
    requires_python: str | None = None
    yanked: bool = False

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    def version(self) -> Version | None:
        try:
            if self.is_wheel:
                return parse_wheel_filename(self.filename)[1]
            return parse_sdist_filename(self.filename)[1]
        except (InvalidWheelFilename, InvalidSdistFilename):
            return None


class Index(Protocol):
    where: str
    """Names the source in messages: "PyPI", "the mirror folder and the download cache"."""

    def files(self, name: NormalizedName) -> list[File]:
        """Every file of every release of `name`; a ConfigError when there is no such project."""


class JsonIndex:
    """A simple repository's JSON form (PEP 691)."""

    def __init__(self, url: str = PYPI) -> None:
        self.url = url.rstrip("/")
        self.where = "PyPI" if self.url == PYPI else self.url

    def files(self, name: NormalizedName) -> list[File]:
        import requests  # only an online run needs it

        page = f"{self.url}/{name}/"
        try:
            response = requests.get(page, headers={"Accept": ACCEPT}, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise DownloadError(f"{page}: {type(exc).__name__}",
                                fix="check the network, or pass --offline --mirror DIR") from exc
        if response.status_code == 404:
            raise ConfigError(f"no package {name!r} on {self.where}",
                              fix="check the name (https://pypi.org/search/)")
        if not response.ok:
            raise DownloadError(f"{page}: HTTP {response.status_code}",
                                fix="try again later, or pass --offline --mirror DIR")
        return [File(f["filename"], f["url"], f["hashes"]["sha256"], f.get("requires-python"),
                     bool(f.get("yanked"))) for f in response.json()["files"]
                if "sha256" in f.get("hashes", {})]


class FolderIndex:
    """Distribution files lying in folders, as pip's --find-links reads them: offline use."""

    def __init__(self, folders: Iterable[Path]) -> None:
        self.folders = [f for f in folders if f.is_dir()]
        self.where = " and ".join(str(f) for f in self.folders) or "no folder"

    def files(self, name: NormalizedName) -> list[File]:
        found = [File(p.name, p.as_uri(), _sha256(p)) for folder in self.folders
                 for p in sorted(folder.iterdir()) if _project_of(p.name) == name]
        if not found:
            raise ConfigError(f"no file of {name!r} in {self.where} (offline)",
                              fix=f"put a wheel of {name} in the --mirror folder, or drop --offline")
        return found


def _project_of(filename: str) -> NormalizedName | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[0]
        if filename.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(filename)[0]
    except (InvalidWheelFilename, InvalidSdistFilename):
        pass
    return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def normalized(name: str) -> NormalizedName:
    return canonicalize_name(name)
