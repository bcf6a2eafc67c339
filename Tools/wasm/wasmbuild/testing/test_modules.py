"""The test modules of a CPython tree, as the suite runner names them."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from ..core.errors import ConfigError

# Packages run one submodule at a time, as regrtest itself splits them for -j: test_asyncio
# is some forty modules, longer together than one module's timeout.
SPLIT_PACKAGES = ("test_asyncio",)


def discover(source_dir: Path) -> list[str]:
    """Test modules of the tree, as regrtest names them (test_x for test_x.py and test_x/;
    test_pkg.test_y for the SPLIT_PACKAGES)."""
    test_dir = source_dir / "Lib" / "test"
    if not test_dir.is_dir():
        raise ConfigError(f"no test suite in {test_dir}", fix="build from a full CPython source")
    names = set()
    for entry in test_dir.iterdir():
        if not entry.name.startswith("test_"):
            continue
        if entry.suffix == ".py":
            names.add(entry.stem)
        elif entry.is_dir() and (entry / "__init__.py").is_file():
            names.update(split(entry))
    return sorted(names)


def split(package: Path) -> list[str]:
    if package.name not in SPLIT_PACKAGES:
        return [package.name]
    return sorted(f"{package.name}.{p.stem}" for p in package.glob("test_*.py"))


def expand(asked: Sequence[str], source_dir: Path) -> list[str]:
    """Named modules, a split package as its submodules."""
    test_dir = source_dir / "Lib" / "test"
    return [name for module in asked for name in
            (split(test_dir / module) if module in SPLIT_PACKAGES else [module])]


RENAMED = {"test_unicode": "test_str"}  # CPython 3.13
"""Test modules a newer CPython renamed, so that the old name points to the new one."""


def check_names(asked: Sequence[str], known: Sequence[str], source_dir: Path) -> None:
    """Refuse test modules the tree does not have: regrtest would report them as an error that
    reads like a crash of the runtime."""
    packages = {name.split(".")[0] for name in known}
    unknown = [name for name in asked if name.split(".")[0] not in packages]
    if not unknown:
        return
    hints = [f"{name} -> {close[0]}" for name in unknown
             if (close := [RENAMED[name]] if RENAMED.get(name) in packages
                 else difflib.get_close_matches(name, sorted(packages), n=1))]
    raise ConfigError(f"no test module {', '.join(unknown)} in {source_dir / 'Lib' / 'test'}",
                      fix=("did you mean " + ", ".join(hints)) if hints else
                      "name modules as the tree's Lib/test has them (test_x for test_x.py)")
