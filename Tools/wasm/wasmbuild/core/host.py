"""What this machine has, as the kit's checks ask it: a program on PATH, a file or folder a
Debian package installs. Asked here only, so that a test can stand in for a bare machine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def is_root() -> bool:
    return os.geteuid() == 0


def has_program(name: str) -> bool:
    return shutil.which(name) is not None


def has_file(path: str | Path) -> bool:
    return Path(path).is_file()


def has_folder(path: str | Path) -> bool:
    return Path(path).is_dir()


def has(shows: str) -> bool:
    """Whether what a package `shows` is here: an absolute path is a file, else a program."""
    return has_file(shows) if shows.startswith("/") else has_program(shows)
