"""The published matrix: for every declared test session, when its whole suite last passed.

`invoke wasm.test -- --record` (and `nox -s "test_node(...)" -- --record`) writes the row of
the session it ran, from that run's own results, into docs/matrix.json, and renders
docs/matrix.md from it: every session `nox -l` declares (versions.toml's matrices), with the
date and commit of its last full pass, its module counts and its duration, or "not recorded".
Only a run of the whole suite that matched its expectations is recorded.
"""

from __future__ import annotations

import datetime
import json
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import CHECKOUT, Versions
from .errors import ConfigError

DATA = CHECKOUT / "docs" / "matrix.json"
DOCUMENT = CHECKOUT / "docs" / "matrix.md"
BEGIN, END = "<!-- matrix:begin -->", "<!-- matrix:end -->"


@dataclass(frozen=True)
class Row:
    date: str
    commit: str
    passed: int
    """Modules that ran tests, none failing."""
    skipped: int
    """Modules that ran no test (skipped whole, with regrtest's reason)."""
    failed: int
    """Modules with expected failures."""
    timeout: int
    crash: int
    tests: int
    minutes: float


def declared_sessions(versions: Versions) -> list[str]:
    """Every test session `nox -l` lists, as nox names it."""
    matrix = versions.matrix
    return ([f"test_node(python='{p}', emscripten='{e}', node='{n}')"
             for p, e, n in matrix.node_runs()]
            + [f"test_browser(python='{p}', emscripten='{e}', browser='{b}')"
               for p, e, b in matrix.browser_runs()]
            + [f"test_wasi(python='{p}', runtime='{r}')" for p, r in versions.wasi.matrix])


def commit_of(checkout: Path = CHECKOUT) -> str:
    out = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short=12", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "uncommitted"


def load(path: Path = DATA) -> dict[str, Row]:
    if not path.is_file():
        return {}
    return {name: Row(**row) for name, row in json.loads(path.read_text()).items()}


def record(session: str, row: Row, versions: Versions, *, data: Path = DATA,
           document: Path = DOCUMENT) -> None:
    """Store `session`'s row and render the document's table from every stored row."""
    if session not in declared_sessions(versions):
        raise ConfigError(f"{session} is not a declared session, so it has no row",
                          fix="record runs of the combinations `nox -l` lists")
    rows = {**load(data), session: row}
    data.write_text(json.dumps({k: asdict(v) for k, v in sorted(rows.items())}, indent=1) + "\n")
    update_document(document, render(rows, declared_sessions(versions)))


def render(rows: dict[str, Row], sessions: Sequence[str]) -> str:
    lines = ["| session | last full pass | commit | passed | skipped whole | failed (expected) "
             "| timeout | crash | tests | duration |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in sessions:
        row = rows.get(name)
        if row is None:
            lines.append(f"| `{name}` | not recorded | | | | | | | | |")
            continue
        lines.append(f"| `{name}` | {row.date} | `{row.commit}` | {row.passed} | {row.skipped} | "
                     f"{row.failed} | {row.timeout} | {row.crash} | {row.tests:,} | "
                     f"{row.minutes:.1f} min |")
    return "\n".join(lines)


def update_document(document: Path, table: str) -> None:
    text = document.read_text()
    if BEGIN not in text or END not in text:
        raise ConfigError(f"{document.name} has no {BEGIN} ... {END} markers",
                          fix="put them where the matrix table belongs")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    document.write_text(text[:start] + "\n" + table + "\n" + text[end:])


def today() -> str:
    return f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d}"
