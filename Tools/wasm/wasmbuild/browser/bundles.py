"""The test files a browser page needs, packed for it: the browser build ships no `test`
package (its preloaded stdlib leaves tests out), so regrtest, test.support, the helpers and data
files, and the stdlib modules the build leaves out go into JSON bundles (path -> base64) that the
page's worker writes into the in-memory file system before Python starts. One bundle is shared
by every page and one is per module; both are named by their digest, so a browser may keep them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BUNDLE_DIR = "tests-bundle"
ALWAYS = ("__init__.py", "__main__.py", "libregrtest", "support")
# Never added to the bundle, though the browser stdlib leaves them out too: the test package
# itself (bundled per module), GUI code, and ensurepip, whose 3 MB of wheels would go to every
# page for the one module that tests it.
NOT_FOR_TESTS = ("test", "idlelib", "turtledemo", "ensurepip", "site-packages")


@dataclass(frozen=True)
class Bundles:
    """The test files for the pages, as JSON maps of path -> base64 content, named by their
    digest (so the browser may cache them): one shared by every module (regrtest, test.support,
    helpers, data files), and one per module with what only it uses."""

    folder: Path
    common: str
    per_module: dict[str, str]
    files: int

    def urls(self, module: str) -> str:
        """The `bundle` parameter of a page running `module` (relative to the page)."""
        return f"{BUNDLE_DIR}/{self.common},{BUNDLE_DIR}/{self.per_module[module]}"

    @property
    def sizes(self) -> tuple[int, int]:
        """(bytes of the shared bundle, bytes of all the per-module ones)."""
        common = (self.folder / self.common).stat().st_size
        return common, sum((self.folder / n).stat().st_size for n in set(self.per_module.values()))


def make_bundles(source_dir: Path, modules: Sequence[str], site: Path) -> Bundles:
    """Write the bundles for `modules` into `site`/tests-bundle/, replacing older ones."""
    test_dir = source_dir / "Lib" / "test"
    shared: list[Path] = [test_dir / name for name in ALWAYS]
    # data files beside the modules (cfgparser.1, Sine-1000Hz-300ms.aif, keycert.pem, ...)
    shared += sorted(p for p in test_dir.iterdir() if p.is_file() and p.suffix != ".py")
    # helper modules shared by tests (string_tests, re_tests, seq_tests, ...)
    shared += sorted(p for p in test_dir.glob("*.py") if not p.name.startswith("test_"))
    # what the shared helpers use themselves (support.i18n_helper imports test.test_tools,
    # multibytecodec_support reads cjkencodings/)
    shared += named_by(test_dir, shared)
    shared += stdlib_left_out(source_dir, site)
    folder = site / BUNDLE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    common, count = _write_bundle(folder, "common", test_dir, shared)
    per_module = {}
    for module in modules:
        # test_asyncio.test_locks (a split package, test_modules.py) needs its package too
        package, single = test_dir / module.split(".")[0], test_dir / f"{module}.py"
        own = [package if package.is_dir() else single]
        own += packages_tested_by(source_dir / "Lib", own)
        own += named_by(test_dir, own, shared)  # what they import from the test package
        per_module[module], added = _write_bundle(folder, module, test_dir, own)
        count += added
    keep = {common, *per_module.values()}
    for old in folder.glob("*.json"):
        if old.name not in keep:
            old.unlink()
    return Bundles(folder, common, per_module, count)


def _write_bundle(folder: Path, stem: str, test_dir: Path, paths: Sequence[Path]) -> tuple[str, int]:
    files: dict[str, str] = {}
    for path in paths:
        for f in ([path] if path.is_file() else sorted(path.rglob("*"))):
            if f.is_file() and "__pycache__" not in f.parts:
                rel = f.relative_to(test_dir.parent)  # test/... or a stdlib module
                files[f"/tests/{rel}"] = base64.b64encode(f.read_bytes()).decode()
    text = json.dumps(files, sort_keys=True)
    name = f"{stem}.{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"
    if not (folder / name).is_file():
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text)
        tmp.replace(folder / name)
    return name, len(files)


def stdlib_left_out(source_dir: Path, site: Path) -> list[Path]:
    """Stdlib modules and packages CPython's Tools/wasm/wasm_assets.py leaves out of the browser
    build's python3XY.zip, wholly or in part (http, email, urllib.request, rlcompleter, ...),
    that test modules import, if only for a helper: without them the module dies on import
    instead of running and skipping what needs a socket. They go to the tests' bundle only; the
    page's own stdlib stays as built."""
    found = sorted((site / "usr" / "local" / "lib").glob("python3*.zip"))
    if not found:
        return []
    with zipfile.ZipFile(found[0]) as shipped:
        shipped_names = {n.removesuffix(".pyc") for n in shipped.namelist()}
    lib = source_dir / "Lib"
    left_out = []
    for entry in sorted(lib.iterdir()):
        if entry.name in NOT_FOR_TESTS:
            continue
        if entry.suffix == ".py" and entry.stem not in shipped_names:
            left_out.append(entry)
        elif (entry / "__init__.py").is_file() and any(
                str(f.relative_to(lib).with_suffix("")) not in shipped_names
                for f in entry.rglob("*.py") if not _is_test_code(f.relative_to(entry))):
            # missing whole, or in part (urllib without urllib.request): the whole package,
            # since the first package of a name on sys.path hides the zip's
            left_out.append(entry)
    return left_out


def _is_test_code(relative: Path) -> bool:
    return any(part in ("test", "tests", "idle_test") for part in relative.parts)


def _python_text(paths: Sequence[Path]) -> str:
    """The text of the files, and of the .py files under the folders, among `paths`."""
    return "".join(f.read_text(errors="replace") for path in paths
                   for f in ([path] if path.is_file() else path.rglob("*.py")) if f.is_file())


def packages_tested_by(lib: Path, chosen: Sequence[Path]) -> list[Path]:
    """Stdlib packages whose own test package the chosen files load (CPython 3.11's
    test_ctypes loads ctypes.test, test_unittest unittest.test): the whole package, since the
    build's zip has the package without its tests and the first package of a name on sys.path
    is the one imported."""
    text = _python_text(chosen)
    found = []
    for name, sub in sorted(set(re.findall(r"\b(\w+)[.](tests?)\b", text))):
        if name != "test" and (lib / name / sub / "__init__.py").is_file():
            found.append(lib / name)
    return found


def named_by(test_dir: Path, chosen: Sequence[Path], shared: Sequence[Path] = ()) -> list[Path]:
    """What the chosen files use from Lib/test besides themselves, and what that uses in turn:
    data folders they name (mathdata, decimaltestdata, ...; 3.13 moved test_math's
    ieee754.txt into mathdata/) and modules of the test package they import (3.13's test_math
    imports test.test_iter; 3.11's test_inspect imports test.test_import, which imports
    test.test_importlib; test_trace imports test.tracedmodules; test_future does `from test
    import test_future3`). What `shared` has is not repeated."""
    found: list[Path] = []
    seen = set(chosen) | set(shared)
    scan = list(chosen)
    while scan:
        text = _python_text(scan)
        imported = set(re.findall(r"\btest[.](\w+)", text))
        for names in re.findall(r"^\s*from test import ([\w ,()]+)", text, flags=re.M):
            imported |= set(re.split(r"[\s,()]+", names))
        scan = []
        for entry in sorted(test_dir.iterdir()):
            if entry.name in ("__pycache__", *ALWAYS) or entry in seen:
                continue
            data_folder = entry.is_dir() and not (entry / "__init__.py").is_file()
            if (data_folder and entry.name in text) or (
                    not data_folder and entry.stem in imported
                    and (entry.suffix == ".py" or entry.is_dir())):
                found.append(entry)
                seen.add(entry)
                if not data_folder:
                    scan.append(entry)  # what it imports comes too
    return found
