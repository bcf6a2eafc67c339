"""End to end: `wasm.pip` puts packages into the real builds, chosen for each build's platform,
and every way of running Python sees them: `wasm.run` under Node and WASI, the WASI launcher,
and the page in each browser engine. The packages are wheels made here and taken from a mirror
folder with --offline, so the tests need no network; each build's site-packages (and the
page's site bundle) is put back as it was afterwards."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import CHECKOUT, built_cpython_version
from ..unit.test_pip import make_wheel
from .page_console import Console
from .test_browser import (  # noqa: F401  (fixtures)
    PAGE,
    browser_build,
    chromium,
    firefox,
    page,
    server,
    webkit,
)
from .test_node_build import explain, invoke

pytestmark = pytest.mark.e2e

BUILDS = {"node": CHECKOUT / "builddir" / "emscripten-node",
          "wasi": CHECKOUT / "builddir" / "wasi",
          "browser": CHECKOUT / "builddir" / "emscripten-browser"}
# What the marker environment of each build's Python is (packaging's default_environment(),
# computed inside it from the same calls).
MARKERS_PROGRAM = (
    "import json, os, platform, sys\n"
    "print(json.dumps({'implementation_name': sys.implementation.name,"
    " 'implementation_version': platform.python_version(), 'os_name': os.name,"
    " 'platform_machine': platform.machine(), 'platform_python_implementation':"
    " platform.python_implementation(), 'platform_release': platform.release(),"
    " 'platform_system': platform.system(), 'platform_version': platform.version(),"
    " 'python_full_version': platform.python_version(), 'python_version':"
    " '.'.join(platform.python_version_tuple()[:2]), 'sys_platform': sys.platform}))\n")
USE = ("import importlib.metadata as m, sys, kitdemo\n"
       "print(kitdemo.VERSION, m.version('kitdemo'), sorted(d.metadata['Name'] for d in "
       "m.distributions() if d.metadata['Name'].startswith('kit')))\n")


@pytest.fixture(scope="module", autouse=True)
def process_builds() -> None:
    """The Node and WASI builds (made by earlier tests, or now)."""
    for task in ("wasm.node", "wasm.wasi"):
        result = invoke(task)
        assert result.returncode == 0, explain(result)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mirror")
    make_wheel(folder, "kitdemo", "1.0", requires=(
        'kitwasm ; sys_platform == "emscripten"', 'kitwasi ; sys_platform == "wasi"',
        'kitnative ; sys_platform == "linux"'))
    for name in ("kitwasm", "kitwasi", "kitnative"):
        make_wheel(folder, name, "1.0")
    return folder


@contextlib.contextmanager
def packages_kept(backup: Path) -> Iterator[None]:
    """Each build's packages and the page's site bundle as they were before."""
    saved: dict[Path, Path | None] = {}
    for name, link in BUILDS.items():
        for path in (link / "site-packages", link / "wasm-site.json"):
            if not link.exists():
                continue
            real = path.resolve()
            copy = backup / name / path.name
            if real.is_dir():
                shutil.copytree(real, copy, symlinks=True)
            elif real.is_file():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(real, copy)
            saved[real] = copy if copy.exists() else None
    try:
        yield
    finally:
        for real, copy in saved.items():
            if real.is_dir():
                shutil.rmtree(real)
            elif real.exists():
                real.unlink()
            if copy is not None and copy.is_dir():
                shutil.copytree(copy, real, symlinks=True)
            elif copy is not None:
                shutil.copy2(copy, real)


@pytest.fixture()
def kept(tmp_path: Path) -> Iterator[None]:
    with packages_kept(tmp_path / "kept"):
        yield


def pip(mirror: Path, target: str) -> None:
    result = invoke("wasm.pip", "--target", target, "--offline", "--mirror", str(mirror), "--",
                    "kitdemo", timeout=600)
    assert result.returncode == 0, explain(result)


@pytest.mark.parametrize("target", ["node", "wasi"])
def test_the_marker_environment_is_the_builds_own(target: str) -> None:
    sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))
    from wasmbuild.targets import EMSCRIPTEN_PLATFORM, marker_environment

    result = invoke("wasm.run", "--target", target, "--", "-c", MARKERS_PROGRAM)
    assert result.returncode == 0, explain(result)
    platform = EMSCRIPTEN_PLATFORM if target == "node" else ("wasi", "wasi", "0.0.0", "0.0.0")
    assert json.loads(result.stdout.strip().splitlines()[-1]) == marker_environment(
        built_cpython_version(), *platform)


def test_the_node_build_imports_what_it_got(mirror: Path, kept: None) -> None:
    pip(mirror, "node")
    result = invoke("wasm.run", "--", "-c", USE)
    assert result.returncode == 0, explain(result)
    assert result.stdout.strip().splitlines()[-1] == "1.0 1.0 ['kitdemo', 'kitwasm']"


def test_the_wasi_build_and_its_launcher_import_what_they_got(mirror: Path, kept: None,
                                                               tmp_path: Path) -> None:
    pip(mirror, "wasi")
    for runtime in ("wasmtime", "node"):
        result = invoke("wasm.run", "--target", "wasi", "--runtime", runtime, "--", "-c", USE)
        assert result.returncode == 0, explain(result)
        assert result.stdout.strip().splitlines()[-1] == "1.0 1.0 ['kitdemo', 'kitwasi']"
    launched = subprocess.run([str(BUILDS["wasi"] / "python.sh"), "-c", USE], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300,
                              env={"PATH": "/usr/bin:/bin"})
    assert launched.stdout.strip() == "1.0 1.0 ['kitdemo', 'kitwasi']", launched.stderr[-2000:]


def test_the_page_imports_what_the_browser_build_got(
        mirror: Path, kept: None, page: object, server: str) -> None:  # noqa: F811 (fixtures)
    pip(mirror, "browser")
    console = Console(page)
    console.open(server + PAGE)
    shown = console.run("import importlib.metadata as m, kitdemo; "
                        "print(kitdemo.VERSION, m.version('kitwasm'))")
    assert shown.startswith("1.0 1.0\n"), shown
