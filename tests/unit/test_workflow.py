"""The GitHub workflow fans out every session nox declares, one job each, and nothing else."""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys

import nox.registry
from wasmbuild.versions import config

from ..conftest import CHECKOUT

WORKFLOW = CHECKOUT / ".github" / "workflows" / "ci.yml"
SESSIONS_SCRIPT = CHECKOUT / ".github" / "sessions.py"


def workflow_matrix() -> list[str]:
    """What the workflow's `list` step writes to $GITHUB_OUTPUT, run as the step runs it."""
    printed = subprocess.run([sys.executable, str(SESSIONS_SCRIPT)], cwd=CHECKOUT,
                             capture_output=True, text=True, timeout=120, check=True).stdout
    (line,) = [ln for ln in printed.splitlines() if ln.startswith("matrix=")]
    sessions: list[str] = json.loads(line.removeprefix("matrix="))
    return sessions


def declared_sessions() -> set[str]:
    """Every session noxfile.py declares, each parametrisation named from versions.toml."""
    versions = config.load()
    expanded = {
        "test_node": [f"test_node(python='{p}', emscripten='{e}', node='{n}')"
                      for p, e, n in versions.matrix.node_runs()],
        "test_browser": [f"test_browser(python='{p}', emscripten='{e}', browser='{b}')"
                         for p, e, b in versions.matrix.browser_runs()],
        "test_wasi": [f"test_wasi(python='{p}', runtime='{r}')" for p, r in versions.wasi.matrix],
        "fresh": [f"fresh(debian='{d}')" for d in versions.debian.releases],
    }
    runpy.run_path(str(CHECKOUT / "noxfile.py"))
    registered = list(nox.registry.get())
    return {name for base in registered for name in expanded.get(base, [base])}


def test_the_workflow_fans_out_exactly_the_declared_sessions() -> None:
    fanned = workflow_matrix()
    assert len(fanned) == len(set(fanned)), "a session would run twice"
    assert set(fanned) == declared_sessions()
    # The kinds a reader looks for first: WASI and every browser engine.
    assert "test_wasi(python='3.11.2', runtime='wasmtime')" in fanned
    assert {"chromium", "firefox", "webkit"} <= {
        m.group(1) for m in map(re.compile(r"browser='(\w+)'").search, fanned) if m}


def test_each_job_runs_its_session_from_that_matrix_and_nothing_filters_it() -> None:
    text = WORKFLOW.read_text()
    assert 'python .github/sessions.py >> "$GITHUB_OUTPUT"' in text
    assert "session: ${{ fromJson(needs.sessions.outputs.matrix) }}" in text
    assert not re.search(r"^\s+(include|exclude):", text, re.MULTILINE)
    assert "SESSION: ${{ matrix.session }}" in text
    # Every job's command is one session, by name, from the environment (no template in a
    # shell line, where a session's name would be code).
    runs = re.findall(r"nox -s (\S+)", text)
    assert runs and set(runs) == {'"$SESSION"'}, runs
