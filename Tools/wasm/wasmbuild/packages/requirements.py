"""Requirements as a user writes them: on the command line, or in a requirements file with
pip's `--hash=sha256:...` options, comments and continuation lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from ..core.errors import ConfigError


@dataclass(frozen=True)
class Wanted:
    requirement: Requirement
    hashes: frozenset[str] = frozenset()
    """sha256 digests a file for it must have (from `--hash=sha256:...`)."""
    origin: str = "the command line"


def parse(text: str, origin: str = "the command line") -> Wanted:
    words = text.split()
    hashes = {w.split("=", 1)[1] for w in words if w.startswith("--hash=")}
    bad = [h for h in hashes if not re.fullmatch(r"sha256:[0-9a-f]{64}", h)]
    if bad:
        raise ConfigError(f"{origin}: {bad[0]} is not a sha256 hash",
                          fix="write hashes as --hash=sha256:<64 hex digits>")
    spec = " ".join(w for w in words if not w.startswith("--hash="))
    try:
        requirement = Requirement(spec)
    except InvalidRequirement as exc:
        raise ConfigError(f"{origin}: {spec!r} is not a requirement ({exc})",
                          fix="write NAME, NAME==VERSION or NAME>=VERSION (PEP 508)") from None
    if requirement.url:
        raise ConfigError(f"{origin}: {spec!r} names a URL", fix="name a package of the index")
    return Wanted(requirement, frozenset(h.removeprefix("sha256:") for h in hashes), origin)


def read_file(path: Path) -> list[Wanted]:
    if not path.is_file():
        raise ConfigError(f"-r {path}: no such file", fix="pass the path of a requirements file")
    joined = re.sub(r"\\\n", " ", path.read_text())
    wanted: list[Wanted] = []
    for number, line in enumerate(joined.splitlines(), 1):
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            raise ConfigError(f"{path}:{number}: option {line.split()[0]} is not supported",
                              fix="list requirements only, each with its --hash options")
        wanted.append(parse(line, f"{path}:{number}"))
    return wanted
