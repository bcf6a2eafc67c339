"""Nox sessions (`nox -l`). Sessions only wire things up; the work is in Tools/wasm/wasmbuild.

The test matrix comes from Tools/wasm/versions.toml ([[matrix]]): the declared combinations of
CPython release, Emscripten and Node, not their cross product.
Each session has its own virtual environment and calls the invoke tasks inside it, so a
session runs exactly what a developer runs by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).resolve().parent / "Tools" / "wasm"))

from wasmbuild.core.layout import Layout
from wasmbuild.toolchains.emscriptens import emscripten_unavailable
from wasmbuild.toolchains.wasi import wasi_unavailable
from wasmbuild.versions import config

MATRIX = config.load().matrix
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The unit tests: fast, against fake toolchain programs (the default session)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "not e2e", *session.posargs)


@nox.session
def e2e(session: nox.Session) -> None:
    """The end-to-end tests: real builds with emcc, run in Node and in Chromium."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "e2e and not by_hand", *session.posargs)


@nox.session
def third_party(session: nox.Session) -> None:
    """Other projects' own test suites in the builds, all of them (CI runs a slice)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "e2e", "tests/e2e/test_third_party.py", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy over the project; the GitHub workflow against GitHub's schema and zizmor's
    audits, offline."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("mypy")
    workflows = sorted(str(p) for p in Path(".github/workflows").glob("*.yml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    session.run("zizmor", "--offline", *workflows)


def _require_emscripten(session: nox.Session, emscripten: str) -> None:
    reason = emscripten_unavailable(Layout.default(), emscripten)
    if reason:
        session.skip(f"cannot provide this toolchain here: {reason}")


# `python` here is the CPython release built for wasm; each session's own virtualenv uses the
# interpreter nox runs with.
@nox.session
@nox.parametrize(["python", "emscripten", "node"], MATRIX.node_runs())
def test_node(session: nox.Session, python: str, emscripten: str, node: str) -> None:
    """CPython's test suite on the Node build, sharded over processes; fails on deviations from
    Tools/wasm/expectations. Posargs: [-j N] [--timeout S] [--update-expectations] [test_x ...]."""
    _require_emscripten(session, emscripten)
    session.install("-e", ".")
    build = [f"--python-version={python}", f"--emscripten={emscripten}"]
    session.run("invoke", "wasm.node", *build)
    session.run("invoke", "wasm.test", *build, f"--node-version={node}", "--", *session.posargs)


@nox.session
@nox.parametrize(["python", "emscripten", "browser"], MATRIX.browser_runs())
def test_browser(session: nox.Session, python: str, emscripten: str, browser: str) -> None:
    """CPython's test suite in a browser (Chromium, Firefox ESR or WebKit) on the browser build,
    a fresh page per module; fails on deviations from Tools/wasm/expectations. Posargs as
    test_node's."""
    _require_emscripten(session, emscripten)
    session.install("-e", ".[test]")
    build = [f"--python-version={python}", f"--emscripten={emscripten}"]
    session.run("invoke", "wasm.browser", *build)
    session.run("invoke", "wasm.test-browser", *build, f"--engine={browser}", "--",
                *session.posargs)


@nox.session
@nox.parametrize(["python", "runtime"], list(config.load().wasi.matrix))
def test_wasi(session: nox.Session, python: str, runtime: str) -> None:
    """CPython's test suite on the WASI build (Debian's clang and wasi-libc) under wasmtime or
    Node, one runtime process per module; fails on deviations from Tools/wasm/expectations.
    Posargs as test_node's."""
    reason = wasi_unavailable(Layout.default(), config.load(), python)
    if reason:
        session.skip(f"cannot provide this toolchain here: {reason}")
    session.install("-e", ".")
    build = [f"--python-version={python}"]
    session.run("invoke", "wasm.wasi", *build)
    session.run("invoke", "wasm.test", *build, "--target=wasi", f"--runtime={runtime}", "--",
                *session.posargs)


@nox.session(python=False)
@nox.parametrize("debian", list(config.load().debian.releases))
def fresh(session: nox.Session, debian: str) -> None:
    """The clean room: README's quick start, as written, on a Debian root made from nothing.
    Posargs go to `invoke wasm.fresh`: [--command N] [--keep] [--downloads]."""
    session.run(sys.executable, "-m", "invoke", "wasm.fresh", f"--debian={debian}",
                *session.posargs, external=True)
