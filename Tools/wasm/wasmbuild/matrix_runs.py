"""`invoke wasm.matrix`: where each declared test session stands, and the runs that bring the
published matrix (docs/matrix.md) up to date.

A session is due when it has no row, or when a file its run depends on changed since the
row's commit (matrix_report.py decides that). `--run` runs the due sessions one after another,
each as `nox -s <session> -- --record`, with its output in a log; a failing session does not
stop the ones after it, since the whole matrix takes hours and is run across sittings. A run
counts as done only when it wrote a row for the current commit: nox also exits 0 for a
session it skipped (an Emscripten version this machine cannot have).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import matrix_report
from .core.errors import CommandFailed, WasmBuildError
from .core.layout import Layout
from .core.shell import Command, Runner
from .matrix_report import Row
from .versions import config
from .versions.config import CHECKOUT, Versions


class MatrixRunsFailed(WasmBuildError):
    """Some sessions did not pass (the others' rows are written)."""


@dataclass(frozen=True)
class State:
    session: str
    row: Row | None
    changed: list[str] | None
    """What the run depends on and changed since the row's commit; None when git cannot
    tell, which counts as unchanged (as the published table shows it)."""

    @property
    def due(self) -> bool:
        return self.row is None or bool(self.changed)

    def describe(self) -> str:
        if self.row is None:
            return "not recorded"
        passed = f"passed {self.row.date} at {self.row.commit}"
        if not self.changed:
            return passed
        return f"stale ({passed}; {matrix_report.what_changed(self.changed)})"


def states(versions: Versions, data: Path = matrix_report.DATA,
           checkout: Path = CHECKOUT) -> list[State]:
    """Every declared session, in `nox -l`'s order, with its row and what changed since."""
    rows = matrix_report.load(data)
    stale = matrix_report.staleness(rows, checkout)
    return [State(s, rows.get(s), stale.get(s)) for s in matrix_report.declared_sessions(versions)]


def select(all_states: Sequence[State], *, every: bool, match: str) -> list[State]:
    """The due sessions (or, with `every`, all of them) whose name contains `match`."""
    return [s for s in all_states if (every or s.due) and match in s.session]


def nox_command(session: str, root: Path) -> Command:
    return Command.of(sys.executable, "-m", "nox", "-s", session, "--", "--record", cwd=root)


def log_name(session: str) -> str:
    """A file name for the session's log: test_node-3.11.2-3.1.6-24.log."""
    kind = session.split("(", 1)[0]
    return "-".join([kind, *re.findall(r"='([^']*)'", session)]) + ".log"


def show(runner: Runner, all_states: Sequence[State], chosen: Sequence[State]) -> None:
    """Each session's state, then the commands `--run` would run."""
    width = max(len(s.session) for s in all_states)
    for state in all_states:
        runner.say(f"{state.session:<{width}}  {state.describe()}")
    due = sum(s.due for s in all_states)
    if not chosen:
        runner.heading(f"{due} of {len(all_states)} declared sessions are due, none chosen "
                       "by --match" if due else
                       f"all {len(all_states)} declared sessions hold a pass at their current "
                       "inputs")
        return
    runner.heading(f"{due} of {len(all_states)} declared sessions are due; "
                   f"`invoke wasm.matrix --run` runs these {len(chosen)}:")
    for state in chosen:
        runner.show(nox_command(state.session, runner.root))


def run(runner: Runner, chosen: Sequence[State], logs: Path,
        data: Path = matrix_report.DATA) -> None:
    """Run each chosen session with --record, one after another; raise at the end if any
    failed or recorded nothing."""
    failed: list[str] = []
    for number, state in enumerate(chosen, 1):
        runner.heading(f"{number}/{len(chosen)}: {state.session}, {state.describe()}")
        log = logs / log_name(state.session)
        try:
            runner.run(nox_command(state.session, runner.root), log=log)
        except CommandFailed as exc:
            runner.note(f"failed: {exc.message} (log: {runner.path(log)})")
            failed.append(state.session)
            continue
        if runner.dry_run:
            continue
        row = matrix_report.load(data).get(state.session)  # only this session's row, again
        after = State(state.session, row, None if row is None else matrix_report.changed_since(
            row.commit, state.session, runner.root))
        if after.row is None or after.due or after.row == state.row:
            runner.note("nox succeeded but wrote no row for the current commit (skipped?)")
            failed.append(state.session)
    if failed:
        raise MatrixRunsFailed(
            f"{len(failed)} of {len(chosen)} sessions did not record a pass: {', '.join(failed)}",
            fix=f"read their logs in {runner.path(logs)}; the rows of the others are written "
            "(commit docs/matrix.json and docs/matrix.md)")
    if chosen and not runner.dry_run:
        runner.note(f"all {len(chosen)} recorded: commit docs/matrix.json and docs/matrix.md")


def show_or_run(*, every: bool = False, match: str = "", run_them: bool = False,
                dry_run: bool = False, logs: Path | None = None) -> None:
    """`invoke wasm.matrix`: the chosen sessions' states, or with `run_them` their runs."""
    versions, runner = config.load(), Runner(CHECKOUT, dry_run=dry_run)
    all_states = states(versions)
    chosen = select(all_states, every=every, match=match)
    if run_them:
        run(runner, chosen, logs or Layout.default().builddir / "matrix-logs")
    else:
        show(runner, all_states, chosen)
