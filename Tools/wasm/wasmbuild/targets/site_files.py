"""The build's site configuration: Lib/wasm_site/ (sitecustomize.py, wasm_asyncio.py,
wasm_completion.py), put where each target's Python finds it at start-up.

- Node: the build's `build/lib.<platform>` folder (pybuilddir.txt names it), which a Python
  run from its build folder has on sys.path, like its compiled stdlib.
- Browser: `wasm-site.json`, written by the page's worker into site-packages of the in-memory
  file system before Python starts (python.data is made by CPython's own make), with the
  stdlib modules the page's terminal needs and that stdlib leaves out (terminal_stdlib).
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..core.errors import ConfigError
from ..core.layout import SITE_PACKAGES
from ..core.shell import Runner
from ..versions.config import CHECKOUT, minor_version

SITE_DIR = CHECKOUT / "Lib" / "wasm_site"
BROWSER_BUNDLE = "wasm-site.json"


def site_files() -> list[Path]:
    return sorted(SITE_DIR.glob("*.py"))


def node_site_dir(folder: Path) -> Path:
    """The folder a Python run from the build folder `folder` has on sys.path for its build
    products (pybuilddir.txt, written by CPython's make)."""
    marker = folder / "pybuilddir.txt"
    if not marker.is_file():
        raise ConfigError(f"{marker} is missing: the cross build did not finish",
                          fix="run the build again (`invoke wasm.node`)")
    return folder / marker.read_text().strip()


def install_for_node(runner: Runner, folder: Path) -> None:
    files = site_files()
    shown = folder / "$(cat pybuilddir.txt)"
    runner.say(f"cp {' '.join(runner.path(f) for f in files)} {runner.path(shown)}/")
    if runner.dry_run:
        return
    target = node_site_dir(folder)
    for source in files:
        shutil.copyfile(source, target / source.name)


def browser_site_packages(python_version: str) -> str:
    major_minor = minor_version(python_version)
    return f"/usr/local/lib/python{major_minor}/site-packages"


def terminal_stdlib(source_dir: Path) -> list[Path]:
    """Stdlib modules the page's terminal needs that CPython's browser stdlib leaves out:
    rlcompleter goes with the readline module (Tools/wasm/wasm_assets.py), which a browser
    build lacks, yet CPython 3.13's own REPL (PyREPL) completes names with it."""
    wanted = source_dir / "Lib" / "rlcompleter.py"
    return [wanted] if wanted.is_file() else []


def third_party_files(site_packages: Path) -> dict[str, Path]:
    """The files of the packages `wasm.pip` put into a build, by their path in site-packages
    (no compiled bytecode: Python writes its own)."""
    if not site_packages.is_dir():
        return {}
    return {p.relative_to(site_packages).as_posix(): p for p in sorted(site_packages.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


# Stdlib packages CPython's browser build leaves out (Tools/wasm/wasm_assets.py drops the
# networking modules) that third-party packages need: importlib.metadata imports email, and
# http.client, http.cookies are widely imported. The page carries them only with packages.
STDLIB_FOR_PACKAGES = ("email", "http")


def stdlib_for_packages(source_dir: Path) -> dict[str, Path]:
    lib = source_dir / "Lib"
    return {p.relative_to(lib).as_posix(): p for name in STDLIB_FOR_PACKAGES
            for p in sorted((lib / name).rglob("*.py"))}


def install_for_browser(runner: Runner, folder: Path, python_version: str,
                        stdlib: Sequence[Path] = (), source_dir: Path | None = None) -> None:
    """The page's site bundle: our site configuration, the stdlib modules the terminal needs,
    and the build's third-party packages (`wasm.pip`, in site-packages beside python.js) with
    the stdlib packages they need that the build leaves out (from `source_dir`): they load
    with the page, and add nothing to it when none are installed."""
    files = [*site_files(), *stdlib]
    packages = browser_site_packages(python_version)
    bundle = folder / BROWSER_BUNDLE
    third_party = third_party_files(folder / SITE_PACKAGES)
    shown = f" and the {len(third_party)} files of {runner.path(folder / SITE_PACKAGES)}" \
        if third_party else ""
    if third_party and source_dir is not None:
        third_party = {**stdlib_for_packages(source_dir), **third_party}
        shown += f" (with Lib/{', Lib/'.join(STDLIB_FOR_PACKAGES)})"
    runner.say(f"# pack {' '.join(runner.path(f) for f in files)}{shown} as {packages}/* into "
               f"{runner.path(bundle)} (the page writes them before Python starts)")
    if runner.dry_run:
        return
    content = {f"{packages}/{f.name}": base64.b64encode(f.read_bytes()).decode() for f in files}
    content |= {f"{packages}/{name}": base64.b64encode(path.read_bytes()).decode()
                for name, path in third_party.items()}
    bundle.write_text(json.dumps(content, sort_keys=True))
