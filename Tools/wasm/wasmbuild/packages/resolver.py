"""Choosing distributions for a build's own environment: its CPython version, `sys_platform`
emscripten or wasi, `platform_machine` wasm32. A requirement's markers are evaluated in that
environment, so a dependency behind `sys_platform != "emscripten"` is left out of an
Emscripten build and one behind `== "emscripten"` taken.

Each project gets its newest release that every requirement met so far allows and that has a
pure-Python wheel (or an sdist that builds into one). There is no backtracking: a later
requirement that excludes a release already chosen is an error naming both, and the fix is to
pin one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag
from packaging.utils import NormalizedName, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from ..core.errors import ConfigError
from .index import File, Index
from .requirements import Wanted
from .wheels import Metadata, is_pure_for, metadata

NO_WASM_WHEEL = "there is no wasm wheel for this build"


@dataclass(frozen=True)
class Pick:
    name: NormalizedName
    version: Version
    file: File
    wheel: Path
    """The wheel to install: the downloaded one, or the one built from the sdist."""
    needed_by: str
    requires: tuple[Requirement, ...] = ()
    """Its Requires-Dist, read once from the wheel."""


@dataclass
class Environment:
    """The build's side of the choice."""

    markers: Mapping[str, str]
    """PEP 508 marker values of the build's Python (Target.marker_environment)."""
    tags: frozenset[Tag]
    python_version: str
    index: Index
    obtain: Callable[[File, str], Path]
    """A file of the index as a verified local path (`what` names it in messages)."""
    build_sdist: Callable[[Path, str], Path]
    """An sdist built into a wheel on this machine."""
    require_hashes: bool = False
    picks: dict[NormalizedName, Pick] = field(default_factory=dict)


def _applies(requirement: Requirement, markers: Mapping[str, str], extras: Sequence[str]) -> bool:
    """Whether a requirement holds in the build's environment for one of `extras` ("" is the
    distribution without extras)."""
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**markers, "extra": extra}) for extra in extras)


def _usable(file: File, env: Environment) -> bool:
    if file.requires_python and env.python_version not in SpecifierSet(file.requires_python):
        return False
    return not file.is_wheel or is_pure_for(file.filename, env.tags)


def _choose(name: NormalizedName, spec: SpecifierSet, pinned: bool, env: Environment,
            files: list[File]) -> File:
    by_version: dict[Version, list[File]] = {}
    for file in files:
        version = file.version()
        if version is not None and (pinned or not file.yanked):
            by_version.setdefault(version, []).append(file)
    allowed = sorted(spec.filter(by_version), reverse=True)
    if not allowed:
        newest = ", ".join(str(v) for v in sorted(by_version, reverse=True)[:5]) or "none"
        raise ConfigError(f"no release of {name} matches {spec or 'any version'} on "
                          f"{env.index.where} (newest: {newest})",
                          fix=f"ask for a release that exists: `{name}=={newest.split(',')[0]}`")
    compiled = False
    for version in allowed:
        usable = [f for f in by_version[version] if _usable(f, env)]
        wheels = [f for f in usable if f.is_wheel]
        if wheels:
            return wheels[0]
        # A release with wheels but no pure one has compiled code, and so, presumably, do the
        # sdists of it and of older releases (building one is a long native build for
        # nothing): only an older pure wheel is taken then.
        compiled = compiled or any(f.is_wheel for f in by_version[version])
        if usable and not compiled:
            return usable[0]
    version = allowed[0]
    platform_tags = _compiled_tags(by_version[version])
    if platform_tags:
        raise ConfigError(f"{name} {version} has only wheels with compiled code "
                          f"({', '.join(platform_tags[:3])}), and no release of it that "
                          f"{spec or 'any version'} allows is pure Python: {NO_WASM_WHEEL}",
                          fix=f"use a pure-Python release of {name}, or leave it out")
    raise ConfigError(f"no release of {name} matching {spec or 'any version'} supports "
                      f"Python {env.python_version}",
                      fix=f"pin a release of {name} whose Requires-Python allows it")


def _compiled_tags(files: Sequence[File]) -> list[str]:
    """The tags of a release's wheels (which _choose found unusable: compiled code)."""
    return sorted({str(t) for f in files if f.is_wheel for t in parse_wheel_filename(f.filename)[3]})


def resolve(wanted: Sequence[Wanted], env: Environment) -> list[Pick]:
    """The distributions to install for `wanted` and what they require, for the build."""
    hashes = {canonicalize_name(w.requirement.name): w.hashes for w in wanted}
    specs: dict[NormalizedName, SpecifierSet] = {}
    for w in wanted:  # what the user asked for, together, before anything is chosen
        if _applies(w.requirement, env.markers, ("",)):
            name = canonicalize_name(w.requirement.name)
            specs[name] = specs.get(name, SpecifierSet()) & w.requirement.specifier
    # (requirement, the extras of the requirer its markers are evaluated for, who needs it)
    queue: list[tuple[Requirement, tuple[str, ...], str]] = [
        (w.requirement, ("",), w.origin) for w in wanted]
    expanded: dict[NormalizedName, set[str]] = {}
    """The extras ("" for none) whose requirements each chosen project has put in the queue."""
    while queue:
        requirement, extras, needed_by = queue.pop(0)
        if not _applies(requirement, env.markers, extras):
            continue
        name = canonicalize_name(requirement.name)
        specs[name] = specs.get(name, SpecifierSet()) & requirement.specifier
        pick = env.picks.get(name)
        if pick is None:
            pick = env.picks[name] = _pick(name, specs[name], needed_by, hashes.get(name), env)
        elif not specs[name].contains(pick.version, prereleases=True):
            raise ConfigError(f"{needed_by} needs {requirement}, but {name} {pick.version} "
                              f"was chosen for {pick.needed_by}",
                              fix=f"pin {name} to a release both accept")
        new = {"", *requirement.extras} - expanded.setdefault(name, set())
        if new:
            expanded[name] |= new
            for dependency in pick.requires:
                queue.append((dependency, tuple(sorted(new)), f"{name} {pick.version}"))
    return list(env.picks.values())


def _pick(name: NormalizedName, spec: SpecifierSet, needed_by: str,
          hashes: frozenset[str] | None, env: Environment) -> Pick:
    pinned = any(s.operator in ("==", "===") for s in spec)
    if env.require_hashes and (not hashes or not pinned):
        raise ConfigError(f"{name} (needed by {needed_by}) is not pinned with a hash, and "
                          "--require-hashes is given",
                          fix=f"add `{name}==VERSION --hash=sha256:...` to the requirements")
    file = _choose(name, spec, pinned, env, env.index.files(name))
    if hashes and file.sha256 not in hashes:
        raise ConfigError(f"{file.filename} has sha256 {file.sha256}, which the requirements "
                          f"do not list for {name}",
                          fix=f"add --hash=sha256:{file.sha256} if it is the file you trust")
    version = file.version()
    assert version is not None
    path = env.obtain(file, f"{name} {version}")
    wheel = path if file.is_wheel else env.build_sdist(path, f"{name} {version}")
    if not is_pure_for(wheel.name, env.tags):
        raise ConfigError(f"{name} {version}'s sdist builds a wheel with compiled code "
                          f"({wheel.name}): {NO_WASM_WHEEL}",
                          fix=f"use a pure-Python release of {name}, or leave it out")
    found: Metadata = metadata(wheel)
    if found.version != version or found.name != name:
        raise ConfigError(f"{file.filename} holds {found.name} {found.version}",
                          fix="the index serves a wrong file: report it")
    return Pick(name, version, file, wheel, needed_by, found.requires)
