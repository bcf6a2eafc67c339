"""The published matrix: for every declared test session, when its whole suite last passed.

`invoke wasm.test -- --record` (and `nox -s "test_node(...)" -- --record`) writes the row of
the session it ran, from that run's own results, into docs/matrix.json, and renders
docs/matrix.md from it: every session `nox -l` declares (versions.toml's matrices), with the
date and commit of its last full pass, its module counts and its duration, or "not recorded".
Only a run of the whole suite that matched its expectations is recorded.

A row is stale once a file its suite run depends on (beyond the CPython and toolchain versions
the session's name carries) changed after the row's commit: what goes into the build (the
fixes in versions.toml, our link files, the site configuration), what runs the suite and
judges it (the runner code, the expectations of that CPython). The table says so next to the
date; `invoke wasm.docs` re-renders it, and its --check (a unit test) fails while a change
that makes rows stale is committed without the table saying so.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .core.errors import ConfigError
from .core.generated import Generated
from .versions.config import CHECKOUT, Versions, minor_version

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


_RUNNING = ["Tools/wasm/wasmbuild/testing/testsuite.py", "Tools/wasm/wasmbuild/testing/regrtest_report.py",
            "Tools/wasm/wasmbuild/testing/expectations.py", "Tools/wasm/wasmbuild/testing/test_modules.py"]
_EMSCRIPTEN_BUILD = ["Tools/wasm/emscripten", "config.site-wasm32-emscripten",
                     "Modules/Setup.local", "Lib/wasm_site/sitecustomize.py",
                     "Lib/wasm_site/wasm_asyncio.py"]
SUITE_INPUTS = {
    "test_node": [*_RUNNING, *_EMSCRIPTEN_BUILD, "Tools/wasm/node/hide-fetch.cjs",
                  "Tools/wasm/wasmbuild/targets/node.py", "Tools/wasm/wasmbuild/toolchains/nodejs.py"],
    "test_browser": [*_RUNNING, *_EMSCRIPTEN_BUILD, "Tools/wasm/web/tests.html",
                     "Tools/wasm/web/tests.js", "Tools/wasm/web/python.worker.js",
                     "Tools/wasm/web/python_module.js",
                     "Tools/wasm/wasmbuild/targets/browser.py",
                     "Tools/wasm/wasmbuild/browser/browser_tests.py",
                     "Tools/wasm/wasmbuild/browser/bundles.py", "Tools/wasm/wasmbuild/browser/bidi.py"],
    "test_wasi": [*_RUNNING, "Tools/wasm/wasi", "Lib/wasi_site",
                  "Tools/wasm/wasmbuild/targets/wasi.py", "Tools/wasm/wasmbuild/toolchains/wasi.py",
                  "Tools/wasm/wasmbuild/versions/wasi_config.py"],
}
"""Per session kind, the files a change of which makes a recorded pass stale (besides the
expectations of the session's CPython release and the VERSIONS_SECTIONS)."""
VERSIONS = "Tools/wasm/versions.toml"
_EMSCRIPTEN_SECTIONS = ["cpython", "cpython_recipes", "emscripten", "emscripten_fixes",
                        "port_sources", "deps"]
VERSIONS_SECTIONS = {"test_node": [*_EMSCRIPTEN_SECTIONS, "node_flags", "node"],
                     "test_browser": _EMSCRIPTEN_SECTIONS, "test_wasi": ["cpython", "wasi"]}
"""The tables of versions.toml each kind's runs depend on (its matrices and the benchmark
pins do not change a result)."""


def expectations_file(session: str) -> str:
    """The expectations file (a glob for WASI's toolchain label) that judges the session: its
    CPython release's, for its Emscripten version and runtime, as the targets name them."""
    kind = session.split("(", 1)[0]
    given = dict(re.findall(r"(\w+)='([^']*)'", session))
    minor = minor_version(given["python"])
    if kind == "test_node":
        name = f"emscripten-{given['emscripten']}-node.toml"
    elif kind == "test_browser":
        engine = "" if given["browser"] == "chromium" else f"-{given['browser']}"
        name = f"emscripten-{given['emscripten']}-browser{engine}.toml"
    else:
        name = f"wasi-*-wasi-{given['runtime']}.toml"
    return f"Tools/wasm/expectations/cpython-{minor}/{name}"


def suite_inputs(session: str) -> list[str]:
    """git pathspecs of what the session's run depends on."""
    return [*SUITE_INPUTS[session.split("(", 1)[0]], f":(glob){expectations_file(session)}"]


def _git(checkout: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True,
                             timeout=60)
    except OSError:
        return None
    return out.stdout if out.returncode == 0 else None


def changed_since(commit: str, session: str, checkout: Path = CHECKOUT) -> list[str] | None:
    """What the session's run depends on and differs between `commit` and the working tree:
    files, and versions.toml's tables by name; None when git cannot tell (no history here, an
    unknown commit)."""
    files = _git(checkout, "diff", "--name-only", commit, "--", *suite_inputs(session))
    then = _git(checkout, "show", f"{commit}:{VERSIONS}")
    if files is None or then is None:
        return None
    old, new = tomllib.loads(then), tomllib.loads((checkout / VERSIONS).read_text())
    tables = [f"{VERSIONS} [{name}]" for name in VERSIONS_SECTIONS[session.split("(", 1)[0]]
              if old.get(name) != new.get(name)]
    return [*files.split(), *tables]


def staleness(rows: dict[str, Row], checkout: Path = CHECKOUT) -> dict[str, list[str] | None]:
    return {name: changed_since(row.commit, name, checkout) for name, row in rows.items()}


def declared_sessions(versions: Versions) -> list[str]:
    """Every test session `nox -l` lists, as nox names it."""
    matrix = versions.matrix
    return ([f"test_node(python='{p}', emscripten='{e}', node='{n}')"
             for p, e, n in matrix.node_runs()]
            + [f"test_browser(python='{p}', emscripten='{e}', browser='{b}')"
               for p, e, b in matrix.browser_runs()]
            + [f"test_wasi(python='{p}', runtime='{r}')" for p, r in versions.wasi.matrix])


def commit_of(checkout: Path = CHECKOUT) -> str:
    """The checkout's commit; "uncommitted" where git cannot say (a copy without git)."""
    return (_git(checkout, "rev-parse", "--short=12", "HEAD") or "").strip() or "uncommitted"


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
    update_document(document, render(rows, declared_sessions(versions), staleness(rows)))


def current_table(versions: Versions, data: Path = DATA) -> str:
    rows = load(data)
    return render(rows, declared_sessions(versions), staleness(rows))


def generated(versions: Versions, document: Path = DOCUMENT, data: Path = DATA) -> Generated:
    """The document as `invoke wasm.docs` checks and rewrites it; the table is rendered now."""
    table = current_table(versions, data)

    def update() -> bool:
        changed = table_in(document) != table
        update_document(document, table)
        return changed

    return Generated(document, lambda: table_in(document) == table, update)


def table_in(document: Path = DOCUMENT) -> str:
    text = document.read_text()
    return text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip("\n")


def what_changed(changed: Sequence[str], quote: str = "") -> str:
    """The first change and how many more: `a.c` and 2 more changed since."""
    more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
    return f"{quote}{changed[0]}{quote}{more} changed since"


def _date_cell(row: Row, changed: list[str] | None) -> str:
    if not changed:  # unchanged, or git cannot tell (shown as recorded)
        return row.date
    return f"{row.date}, **stale**: {what_changed(changed, '`')}"


def render(rows: dict[str, Row], sessions: Sequence[str],
           stale: dict[str, list[str] | None] | None = None) -> str:
    lines = ["| session | last full pass | commit | passed | skipped whole | failed (expected) "
             "| timeout | crash | tests | duration |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in sessions:
        row = rows.get(name)
        if row is None:
            lines.append(f"| `{name}` | not recorded | | | | | | | | |")
            continue
        date = _date_cell(row, (stale or {}).get(name))
        lines.append(f"| `{name}` | {date} | `{row.commit}` | {row.passed} | {row.skipped} | "
                     f"{row.failed} | {row.timeout} | {row.crash} | {row.tests:,} | "
                     f"{row.minutes:.1f} min |")
    recorded = {name: rows[name].minutes for name in sessions if name in rows}
    if recorded:  # what the suites cost a push that fans them out (docs/ci.md)
        longest = max(recorded, key=lambda name: recorded[name])
        lines += ["", f"The {len(recorded)} recorded suites take {sum(recorded.values()):.0f} "
                  f"minutes one after another; side by side, as the workflow runs them, the "
                  f"longest takes {recorded[longest]:.1f} min (`{longest}`)."]
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
