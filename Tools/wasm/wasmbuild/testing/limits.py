"""`wasm.limits`: the limitations list as a measurement instead of prose.

Lib/wasm_limits.py holds one check per capability the WebAssembly notes call limited. Each runs
in its own interpreter process (Node) or page (Chromium), so a check that kills the runtime is
reported as such and the others go on. The findings of each Emscripten version are kept in
docs/limits.json; they render as one Markdown table, capability x (Emscripten version, target),
which docs/limits.md carries between two markers. `--update` stores this build's findings and
rewrites the table; `--check` fails when a fresh probe disagrees with what is stored for the
version probed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..versions.config import CHECKOUT, Versions, parse_version
from .testsuite import CRASH_MARKERS

PROBE = CHECKOUT / "Lib" / "wasm_limits.py"
TABLE_FILE = CHECKOUT / "docs" / "limits.md"
DATA_FILE = CHECKOUT / "docs" / "limits.json"
BEGIN, END = "<!-- limits-table:begin -->", "<!-- limits-table:end -->"
CHECK_TIMEOUT = 60.0
KEYBOARD_CHECK = "keyboard_interrupt"
"""The check measured from outside the runtime, as a person presses Ctrl-C (runs.py)."""


@dataclass(frozen=True)
class Finding:
    check: str
    group: str
    status: str  # works, fails, crashes the runtime, hangs
    detail: str = ""

    @property
    def cell(self) -> str:
        if self.status == "fails":
            return f"fails: `{_stable(self.detail)}`"
        return self.status if self.status == "works" else f"**{self.status}**"


def _stable(detail: str) -> str:
    """Error text without the parts that change from run to run (paths, addresses)."""
    text = re.sub(r"'/[^']*'", "'…'", detail)
    text = re.sub(r"0x[0-9a-f]+", "0x…", text)
    return text.replace("|", "\\|").replace("`", "'")[:130]


def group_of() -> dict[str, str]:
    """check -> area, in the probe's order. Listing runs no check, so the host Python does it."""
    out = subprocess.run([sys.executable, str(PROBE), "--list"], capture_output=True, text=True,
                         timeout=CHECK_TIMEOUT, check=True).stdout
    return dict(json.loads(out))


def finding_from(name: str, group: str, output: str, code: int | None, timed_out: bool
                 ) -> Finding:
    if timed_out:
        return Finding(name, group, "hangs", f"no answer within {CHECK_TIMEOUT:.0f} s")
    for line in reversed(output.splitlines()):
        if line.startswith("{") and '"check"' in line:
            data = json.loads(line)
            return Finding(name, data["group"], data["status"], data["detail"])
    marker = next((ln for ln in reversed(output.splitlines())
                   if any(m in ln for m in CRASH_MARKERS)), f"exit status {code}")
    return Finding(name, group, "crashes the runtime", marker.strip()[:120])


ByVersion = dict[str, dict[str, list[Finding]]]
"""Emscripten version -> target -> findings, for one CPython release."""
Stored = dict[str, ByVersion]
"""CPython release -> its findings per Emscripten version and target."""


def load(path: Path = DATA_FILE) -> Stored:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {cpython: {version: {target: [Finding(**f) for f in items]
                                for target, items in by_target.items()}
                      for version, by_target in by_version.items()}
            for cpython, by_version in data.get("findings", {}).items()}


def store(stored: Stored, path: Path = DATA_FILE) -> None:
    data = {"findings": {
        cpython: {version: {target: [f.__dict__ for f in items] for target, items in by_target.items()}
                  for version, by_target in sorted(by_version.items(),
                                                   key=lambda kv: toolchain_order(kv[0]))}
        for cpython, by_version in sorted(stored.items(), key=lambda kv: parse_version(kv[0]))}}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


Build = tuple[str, str, str]
"""(CPython release, toolchain key, target): one column of the stored findings."""


def browser_column(engine: str) -> str:
    """The findings' key of the browser build's column in `engine`: Chromium's is plain
    "browser", the others "browser-firefox", "browser-webkit"."""
    return "browser" if engine == "chromium" else f"browser-{engine}"


def declared_builds(versions: Versions) -> list[Build]:
    """Every build the declared test sessions make, in every engine they run in: the columns
    docs/limits.json must hold."""
    builds = [(python, emscripten, "node") for python, emscripten, _ in versions.matrix.node_runs()]
    builds += [(python, emscripten, browser_column(engine))
               for python, emscripten, engine in versions.matrix.browser_runs()]
    for python, _ in versions.wasi.matrix:
        toolchain = versions.wasi.toolchains[versions.wasi.recipe_for(python).toolchain]
        builds.append((python, f"wasi-{toolchain.key}", "wasi"))
    return list(dict.fromkeys(builds))


def unmeasured(stored: Stored, builds: Iterable[Build], checks: Iterable[str]) -> list[str]:
    """What the stored findings lack: a build's column, or checks its column would show as
    "not run"."""
    wanted, gaps = list(checks), []
    for cpython, toolchain, target in builds:
        column = stored.get(cpython, {}).get(toolchain, {}).get(target)
        run = {f.check for f in column or []}
        missing = [check for check in wanted if check not in run]
        if column is None:
            gaps.append(f"CPython {cpython}, {toolchain}, {target}: never probed")
        elif missing:
            gaps.append(f"CPython {cpython}, {toolchain}, {target}: not run: {', '.join(missing)}")
    return gaps


def toolchain_order(key: str) -> tuple[int, tuple[int, ...], str]:
    """Emscripten versions oldest first, then the other toolchains (wasi-bookworm-clang19)."""
    if key[:1].isdigit():
        return (0, parse_version(key), "")
    return (1, (), key)


def toolchains_text(keys: list[str]) -> str:
    """'Emscripten 3.1.6, 6.0.5 and the WASI toolchain bookworm-clang19', for the header."""
    ordered = sorted(keys, key=toolchain_order)
    emscripten = [k for k in ordered if k[:1].isdigit()]
    others = [k.removeprefix("wasi-") for k in ordered if not k[:1].isdigit()]
    parts = ([f"Emscripten {', '.join(emscripten)}"] if emscripten else []) + (
        [f"the WASI toolchain {', '.join(others)}"] if others else [])
    return " and ".join(parts)


def columns(by_version: ByVersion) -> dict[str, list[Finding]]:
    """One column per (toolchain, target), versions oldest first: 'node 3.1.6', ...,
    'wasi wasi-bookworm-clang19'."""
    return {f"{target} {version.removeprefix(f'{target}-')}": items
            for version in sorted(by_version, key=toolchain_order)
            for target, items in by_version[version].items()}


def render_stored(stored: Stored) -> str:
    """One table per CPython release, oldest first."""
    return "\n\n".join(
        render(columns(stored[cpython]), toolchains_text(list(stored[cpython])), cpython)
        for cpython in sorted(stored, key=parse_version))


def render(findings: dict[str, list[Finding]], emscripten_versions: str, cpython: str) -> str:
    targets = list(findings)
    by_check: dict[str, dict[str, Finding]] = {}
    for target, items in findings.items():
        for f in items:
            by_check.setdefault(f.check, {})[target] = f
    lines = [
        f"Measured by `invoke wasm.limits` on CPython {cpython}, {emscripten_versions}: "
        "each check runs in its own process or page (Lib/wasm_limits.py).",
        "",
        "| capability | area | " + " | ".join(targets) + " |",
        "|---|---|" + "---|" * len(targets),
    ]
    for check, cells in by_check.items():
        group = next(iter(cells.values())).group
        row = [cells[t].cell if t in cells else "not run" for t in targets]
        lines.append(f"| `{check}` | {group} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def stored_table(path: Path = TABLE_FILE) -> str | None:
    text = path.read_text()
    if BEGIN not in text or END not in text:
        return None
    return text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip()


def write_table(table: str, path: Path = TABLE_FILE) -> None:
    text = path.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    path.write_text(text[:start] + "\n" + table + "\n" + text[end:])
