"""End to end: other projects' own test suites (tests/e2e/data/third_party.toml), installed with
`wasm.pip --require-hashes` and run with their own runner, pytest, inside the Node and WASI
builds, beside the same suites run natively from the same wheels. A test fails when a build
fails a test that the native run passes and that is not a recorded difference, or when a
recorded difference passes now (the record, and docs/packages.md, must then change).

The wheels and sdists are pinned with sha256 and come from PyPI, the download cache, or the
mirror folder of CPYTHON_WASM_MIRROR (as every download of the kit)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import CHECKOUT
from .test_node_build import explain, invoke
from .test_packages import packages_kept

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data"
SUITES = tomllib.loads((DATA / "third_party.toml").read_text())
REQUIREMENTS = DATA / SUITES["requirements"]
SUMMARY = re.compile(r"^(FAILED|ERROR) (\S+)", re.MULTILINE)


def failing(output: str) -> set[str]:
    """The tests pytest's short summary (-rfE) names as failed or in error."""
    return {match.group(2) for match in SUMMARY.finditer(output)}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suites' packages in the Node and WASI builds, for as long as this module runs."""
    for task in ("wasm.node", "wasm.wasi"):
        result = invoke(task)
        assert result.returncode == 0, explain(result)
    with packages_kept(tmp_path_factory.mktemp("kept")):
        for target in ("node", "wasi"):
            result = invoke("wasm.pip", "--target", target, "--require-hashes",
                            "--requirements", str(REQUIREMENTS), timeout=1200)
            assert result.returncode == 0, explain(result)
        yield


@pytest.fixture(scope="module")
def native(tmp_path_factory: pytest.TempPathFactory, installed: None) -> Path:
    """A native venv with the same wheels, taken where wasm.pip took them: the download cache
    it filled, or a mirror folder (CPYTHON_WASM_MIRROR), whose files it reads in place."""
    sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))
    from wasmbuild.core.layout import Layout
    from wasmbuild.toolchains.context import MIRROR_VARIABLE

    folders = [str(Layout.default().downloads)]
    if os.environ.get(MIRROR_VARIABLE):
        folders.append(os.environ[MIRROR_VARIABLE])
    venv = tmp_path_factory.mktemp("native") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    result = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                             "--no-index", *(f"--find-links={folder}" for folder in folders),
                             "--require-hashes", "-r", str(REQUIREMENTS)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return venv / "bin" / "python"


def suite(name: str, tmp_path: Path) -> Path:
    """The project's test files from its verified sdist, in a folder of their own."""
    sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))
    from wasmbuild.core.layout import Layout
    from wasmbuild.core.shell import Runner
    from wasmbuild.toolchains import sources
    from wasmbuild.versions.config import Download

    project = SUITES["projects"][name]
    layout = Layout.default()
    fetched = sources.fetch([Download("PyPI", project["sdist"], project["sha256"])],
                            what=f"{name} {project['version']} sdist", downloads=layout.downloads,
                            mirror=sources_mirror(), runner=Runner(CHECKOUT))
    top = tmp_path / "sdist"
    sources.unpack(fetched.path, top)  # checked members; Debian 12's Python 3.11.2 has no filters
    folder = tmp_path / name
    folder.mkdir()
    for part in project["copy"]:
        source = top / part
        if source.is_dir():
            shutil.copytree(source, folder / part)
        else:
            shutil.copy2(source, folder / part)
    return folder


def sources_mirror() -> Path | None:
    import os

    mirror = os.environ.get("CPYTHON_WASM_MIRROR")
    return Path(mirror) if mirror else None


# CI runs boltons' suite (15 s in the builds) and more-itertools' in the page; the other
# suites under Node and WASI (about 4 minutes) run with `nox -s third_party`.
IN_CI = ("boltons",)


@pytest.mark.parametrize("name", [
    name if name in IN_CI else pytest.param(name, marks=pytest.mark.by_hand)
    for name in sorted(SUITES["projects"])])
def test_a_projects_own_suite_differs_from_native_only_where_recorded(
        name: str, native: Path, tmp_path: Path) -> None:
    folder = suite(name, tmp_path)
    project = SUITES["projects"][name]
    pytest_args = ["-m", "pytest", *SUITES["pytest"], *project["args"]]
    ran = subprocess.run([str(native), *pytest_args], cwd=folder, capture_output=True,
                         text=True, timeout=1200)
    native_failing = failing(ran.stdout)
    assert " passed" in ran.stdout, ran.stdout[-3000:]
    for target in ("node", "wasi"):
        result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "wasm.run",
                                 "--target", target, "--", *pytest_args], cwd=folder,
                                capture_output=True, text=True, timeout=1800)
        assert " passed" in result.stdout, explain(result)
        differences = failing(result.stdout) - native_failing
        recorded = set(project["differences"][target])
        new = sorted(differences - recorded)
        assert new == [], f"{name} under {target}: new failures {new}\n" + "\n".join(
            line for line in result.stdout.splitlines() if line.startswith(("E ", "FAILED")))[-4000:]
        assert sorted(recorded - differences) == [], f"{name} under {target}: now passing"


PAGE_SUITE = "more-itertools"
"""The suite also run in the page (Chromium), from the browser build's site bundle."""


def test_a_projects_suite_in_the_page_differs_from_native_only_where_recorded(
        native: Path, tmp_path: Path) -> None:
    import base64
    import json

    from wasmbuild.browser import browser_tests

    project = SUITES["projects"][PAGE_SUITE]
    folder = suite(PAGE_SUITE, tmp_path)
    pytest_args = [*SUITES["pytest"], *project["args"]]
    ran = subprocess.run([str(native), "-m", "pytest", *pytest_args], cwd=folder,
                         capture_output=True, text=True, timeout=1200)
    build = CHECKOUT / "builddir" / "emscripten-browser"
    result = invoke("wasm.browser")
    assert result.returncode == 0, explain(result)
    with packages_kept(tmp_path / "kept"):
        result = invoke("wasm.pip", "--target", "browser", "--require-hashes", "--requirements",
                        str(REQUIREMENTS), timeout=1200)
        assert result.returncode == 0, explain(result)
        bundle = build / "third-party-bundle.json"
        bundle.write_text(json.dumps({f"/suite/{p.relative_to(folder).as_posix()}":
                                      base64.b64encode(p.read_bytes()).decode()
                                      for p in sorted(folder.rglob("*")) if p.is_file()}))
        runner = browser_tests.BrowserRunner(CHECKOUT, "builddir/emscripten-browser/tests.html",
                                             1200, tmp_path)
        try:
            with browser_tests.serving(CHECKOUT) as base_url:
                output, _, timed_out, _ = runner.run_args(base_url, [
                    "-c", "import os, sys, pytest; os.chdir('/suite'); "
                    f"sys.exit(pytest.main({pytest_args!r}))"], bundle=bundle.name)
        finally:
            runner.close()
            bundle.unlink()
    assert not timed_out and " passed" in output, output[-3000:]
    differences = failing(output) - failing(ran.stdout)
    unexpected = sorted(differences ^ set(project["differences"]["browser"]))
    assert unexpected == [], "\n".join(line for line in output.splitlines()
                                       if any(name in line for name in unexpected))
