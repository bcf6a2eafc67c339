"""Nox sessions (`nox -l`). Sessions only wire things up; the work is in Tools/wasm/wasmbuild."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The project's pytest suite: fast unit tests and the end-to-end builds (`-- -m "not e2e"`
    for the unit tests alone)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy over the project."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("mypy")
