"""Finding Emscripten, and deciding in one place what each detected version needs (Node: nodejs.py).

Emscripten comes from, in order: `--emsdk DIR` (installing the version with emsdk when asked),
an activated emsdk (`EMSDK` in the environment), or the system's `emcc` on PATH (Debian's
`emscripten` package). The quirks of a system package are handled here:

* its cache is read-only and frozen, so ports can't be built: we give it a writable copy of
  that cache per Emscripten version (`EM_CACHE`) and unfreeze it (`EM_FROZEN_CACHE=`, empty,
  because any non-empty value counts as true);
* its JS optimizer needs the `acorn` module, which Debian installs under /usr/share/nodejs:
  `NODE_PATH` points there.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import ConfigError, ToolMissing
from ..core.layout import Layout
from ..core.shell import Command, Runner
from ..versions.config import parse_version

SYSTEM_ROOTS = (Path("/usr/share/emscripten"), Path("/usr/lib/emscripten"))
NODE_MODULE_DIRS = (Path("/usr/share/nodejs"), Path("/usr/lib/nodejs"), Path("/usr/lib/node_modules"))
EMSDK_INSTALL_HINT = (
    "install Emscripten: `sudo apt-get install emscripten` (Debian/Ubuntu), or emsdk "
    "(https://emscripten.org/docs/getting_started/downloads.html) and pass --emsdk DIR"
)


@dataclass(frozen=True)
class Emscripten:
    version: str
    root: Path
    """The folder holding emcc.py and the port definitions (tools/ports)."""
    bin_dir: Path
    provider: str
    """'system', 'emsdk' or 'debian:<release>' (a Debian root, toolroots.py)."""
    origin: str
    """Where it came from, for people: 'Debian package emscripten 3.1.6~dfsg-5', 'emsdk at ...'."""
    env: dict[str, str] = field(default_factory=dict)
    """Environment changes every emcc/emconfigure/emmake/embuilder call needs."""
    cache_seed: Path | None = None
    """A read-only cache to copy into EM_CACHE before the first use."""
    planned: bool = False
    """Not installed yet: what a dry run shows on a machine `invoke wasm.setup` would set up."""
    enter: tuple[str, ...] = ()
    """The words that run a command where this Emscripten lives (a Debian root's `enter`)."""

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    def command(self, *argv: str | Path, cwd: Path, env: Mapping[str, str] | None = None) -> Command:
        """A command that uses this Emscripten (emcc, emconfigure, emmake, embuilder, or the
        configure/make they drive), run where it lives."""
        return Command.of(*self.enter, *argv, cwd=cwd, env=env)

    @property
    def key(self) -> str:
        return f"{self.version}-{self.provider.replace(':', '-')}"

    @property
    def cache_dir(self) -> Path | None:
        cache = self.env.get("EM_CACHE")
        return Path(cache) if cache else None


def read_emscripten_version(root: Path) -> str:
    text = (root / "emscripten-version.txt").read_text().strip().strip('"')
    parse_version(text)
    return text


def find_root(emcc: Path) -> Path:
    """The Emscripten folder behind an `emcc` found on PATH (a wrapper script on Debian)."""
    for candidate in (emcc.resolve().parent, *SYSTEM_ROOTS):
        if (candidate / "emscripten-version.txt").is_file():
            return candidate
    raise ToolMissing(
        f"found {emcc} but not the Emscripten folder behind it (no emscripten-version.txt)",
        fix=EMSDK_INSTALL_HINT,
    )


def config_value(config: Path, key: str) -> str | None:
    try:
        text = config.read_text()
    except OSError:
        return None
    match = re.search(rf"^\s*{key}\s*=\s*(.+?)\s*(#.*)?$", text, re.MULTILINE)
    return match.group(1).strip("'\"") if match else None


DPKG_STATUS = Path("/var/lib/dpkg/status")


def _debian_package_version(path: Path, answers: Path | None = None) -> str | None:
    """The Debian package and version that installed `path`, or None. Asking dpkg takes a
    tenth of a second, on every task that finds Emscripten; the answer is kept in `answers`
    (a JSON file) until the file or dpkg's database changes."""
    try:
        key = f"{path} {path.stat().st_mtime_ns} {DPKG_STATUS.stat().st_mtime_ns}"
        known = json.loads(answers.read_text()) if answers and answers.is_file() else {}
    except (OSError, ValueError):
        key, known = "", {}
    if key and key in known:
        return known[key] or None
    found = _ask_dpkg(path)
    if key and answers is not None:
        with contextlib.suppress(OSError):
            answers.parent.mkdir(parents=True, exist_ok=True)
            answers.write_text(json.dumps({key: found or ""}))
    return found


def _ask_dpkg(path: Path) -> str | None:
    if not shutil.which("dpkg-query"):
        return None
    try:
        owner = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True, timeout=10)
        if owner.returncode != 0:
            return None
        package = owner.stdout.split(":", 1)[0].strip()
        version = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{package} {version}" if version else None


def find_acorn_path(root: Path) -> Path | None:
    """NODE_PATH for Emscripten's JS optimizer, or None when Emscripten bundles acorn itself."""
    if (root / "node_modules" / "acorn").is_dir():
        return None
    for folder in NODE_MODULE_DIRS:
        if (folder / "acorn").is_dir():
            return folder
    raise ToolMissing(
        "Emscripten's JS optimizer needs the node module `acorn`, which is not installed",
        fix="`sudo apt-get install node-acorn` (or `npm install --prefix "
        f"{root} acorn`)",
    )


def system_emscripten(layout: Layout) -> Emscripten | None:
    found = shutil.which("emcc")
    if not found:
        return None
    emcc = Path(found)
    root = find_root(emcc)
    version = read_emscripten_version(root)
    package = _debian_package_version(emcc, layout.cache_root / "emscripten" / "dpkg-owner.json")
    origin = f"system package {package} ({emcc})" if package else f"emcc on PATH ({emcc})"
    env: dict[str, str] = {}
    cache_seed: Path | None = None
    config = root / ".emscripten"
    default_cache = Path(config_value(config, "CACHE") or root / "cache")
    frozen = (config_value(config, "FROZEN_CACHE") or "").lower() == "true"
    if frozen or not os.access(default_cache, os.W_OK):
        # Ports are built into the cache, so it must be writable and not frozen.
        env["EM_CACHE"] = str(layout.emscripten_cache(f"{version}-system"))
        env["EM_FROZEN_CACHE"] = ""
        cache_seed = default_cache if default_cache.is_dir() else None
    acorn = find_acorn_path(root)
    if acorn is not None:
        env["NODE_PATH"] = str(acorn)
    env.update(compiler_cache_env(layout))
    return Emscripten(version, root, emcc.parent, "system", origin, env, cache_seed)


def apt_candidate(package: str) -> str | None:
    """The version `apt-get install package` would install, or None (no apt, no such package)."""
    if not shutil.which("apt-cache"):
        return None
    try:
        out = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"Candidate:\s*(\S+)", out.stdout)
    return match.group(1) if match and match.group(1) != "(none)" else None


def planned_system_emscripten(layout: Layout) -> Emscripten:
    """The Emscripten Debian's package would install, as the system one would be set up, for a
    dry run on a machine that lacks it (the first look at the recipe needs no toolchain)."""
    candidate = apt_candidate("emscripten")
    version = ".".join(str(n) for n in parse_version(candidate.split(":")[-1].split("~")[0])) \
        if candidate else "3.1.6"
    root = SYSTEM_ROOTS[0]
    env = {"EM_CACHE": str(layout.emscripten_cache(f"{version}-system")),
           "EM_FROZEN_CACHE": "", "NODE_PATH": str(NODE_MODULE_DIRS[0])}
    source = f"Debian's package emscripten {candidate}" if candidate else "Debian's package emscripten"
    return Emscripten(version, root, Path("/usr/bin"), "system",
                      f"{source}, which `invoke wasm.setup` installs", env, root / "cache",
                      planned=True)


def compiler_cache_env(layout: Layout) -> dict[str, str]:
    """Run clang through ccache when it is installed, so rebuilds after a clean (or in a new
    checkout) compile nothing that was compiled before. CPYTHON_WASM_NO_CCACHE=1 turns it off."""
    ccache = shutil.which("ccache")
    if not ccache or os.environ.get("CPYTHON_WASM_NO_CCACHE"):
        return {}
    return {"EM_COMPILER_WRAPPER": ccache, "CCACHE_DIR": str(layout.ccache)}


def emsdk_emscripten(emsdk: Path) -> Emscripten:
    root = emsdk / "upstream" / "emscripten"
    if not (root / "emcc").exists():
        raise ToolMissing(
            f"no Emscripten activated in the emsdk at {emsdk} ({root}/emcc is missing)",
            fix=f"`{emsdk}/emsdk install <version> && {emsdk}/emsdk activate <version>`, "
            "or pass --emscripten VERSION to let the task do it",
        )
    version = read_emscripten_version(root)
    env = {"EMSDK": str(emsdk)}
    config = emsdk / ".emscripten"
    if config.is_file():
        env["EM_CONFIG"] = str(config)
    return Emscripten(version, root, root, "emsdk", f"emsdk at {emsdk}", env)


def emsdk_install(emsdk: Path, version: str, runner: Runner) -> None:
    tool = emsdk / "emsdk"
    if not tool.exists():
        raise ConfigError(f"--emsdk {emsdk}: no `emsdk` script there", fix="pass an emsdk checkout")
    runner.run(Command.of(tool, "install", version, cwd=emsdk))
    runner.run(Command.of(tool, "activate", version, cwd=emsdk))


def prepare_cache(emscripten: Emscripten, runner: Runner) -> None:
    """Give a system Emscripten its writable cache: a copy of the packaged prebuilt libraries."""
    cache = emscripten.cache_dir
    if cache is None or emscripten.cache_seed is None or (cache / "sysroot").is_dir():
        return
    if not runner.first_time(cache):
        return
    runner.note("Emscripten's own cache is read-only; copying it once to a writable folder")

    def copy() -> None:
        assert emscripten.cache_seed is not None
        partial = cache.with_name(cache.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(emscripten.cache_seed, partial, symlinks=True,
                        ignore=shutil.ignore_patterns("cache.lock"))
        for path in partial.rglob("*"):  # the packaged files are read-only
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
        os.replace(partial, cache)

    runner.action(f"cp -r {runner.path(emscripten.cache_seed)} {runner.path(cache)}", copy)
