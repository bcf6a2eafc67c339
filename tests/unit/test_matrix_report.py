"""The published matrix (docs/matrix.md): a session's row comes from its own run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from wasmbuild import matrix_report
from wasmbuild.core.errors import ConfigError
from wasmbuild.testing import testsuite
from wasmbuild.versions import config

from ..conftest import CHECKOUT


def test_every_declared_session_has_a_row_in_the_committed_document() -> None:
    text = (CHECKOUT / "docs" / "matrix.md").read_text()
    table = text[text.index(matrix_report.BEGIN):text.index(matrix_report.END)]
    for session in matrix_report.declared_sessions(config.load()):
        assert f"| `{session}` |" in table
    assert "test_wasi(python='3.11.2', runtime='wasmtime')" in table


def test_a_recorded_run_writes_its_row_and_keeps_the_others(tmp_path: Path) -> None:
    data, document = tmp_path / "matrix.json", tmp_path / "matrix.md"
    document.write_text(f"intro\n{matrix_report.BEGIN}\nold\n{matrix_report.END}\nafter\n")
    versions = config.load()
    first, second = matrix_report.declared_sessions(versions)[:2]
    row = matrix_report.Row("2026-12-02", "abc123", 300, 120, 10, 0, 0, 31000, 6.5)
    matrix_report.record(first, row, versions, data=data, document=document)
    matrix_report.record(second, matrix_report.Row("2026-12-01", "def456", 1, 2, 3, 0, 1, 9, 1.0),
                         versions, data=data, document=document)
    stored = json.loads(data.read_text())
    assert stored[first]["passed"] == 300 and stored[second]["crash"] == 1
    text = document.read_text()
    assert text.startswith("intro\n") and text.endswith(f"{matrix_report.END}\nafter\n")
    assert f"| `{first}` | 2026-12-02 | `abc123` | 300 | 120 | 10 | 0 | 0 | 31,000 | 6.5 min |" in text
    assert "old" not in text and text.count("not recorded") == len(
        matrix_report.declared_sessions(versions)) - 2
    # What the recorded suites cost: in all, and the longest, which a fan-out waits for.
    assert (f"The 2 recorded suites take 8 minutes one after another; side by side, as the "
            f"workflow runs them, the longest takes 6.5 min (`{first}`).") in text


def test_only_declared_sessions_and_whole_suites_are_recorded(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a declared session"):
        matrix_report.record("test_node(python='9.9')", matrix_report.Row(
            "d", "c", 0, 0, 0, 0, 0, 0, 0.0), config.load(), data=tmp_path / "m.json",
            document=tmp_path / "m.md")
    with pytest.raises(ConfigError, match="whole suite"):
        testsuite.parse_run_args(["--record", "test_json"])
    assert testsuite.parse_run_args(["--record", "-j", "2"]).record


def git(repo: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_a_row_goes_stale_when_what_its_run_depends_on_changes(tmp_path: Path) -> None:
    repo = tmp_path / "checkout"
    (repo / "Tools" / "wasm" / "expectations" / "cpython-3.11").mkdir(parents=True)
    versions = repo / "Tools" / "wasm" / "versions.toml"
    versions.write_text('[wasi]\nclang = "19"\n[emscripten_fixes]\nx = 1\n[bench]\nn = 1\n')
    runner = repo / "Tools" / "wasm" / "wasmbuild" / "testing" / "testsuite.py"
    runner.parent.mkdir(parents=True)
    runner.write_text("# runs the suite\n")
    git(repo, "init", "-q")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    commit = git(repo, "rev-parse", "--short=12", "HEAD")
    node = "test_node(python='3.11.2', emscripten='3.1.6', node='24')"
    wasi = "test_wasi(python='3.11.2', runtime='wasmtime')"
    assert matrix_report.changed_since(commit, node, repo) == []
    versions.write_text(versions.read_text().replace("n = 1", "n = 2"))  # the bench pins
    assert matrix_report.changed_since(commit, node, repo) == []
    versions.write_text(versions.read_text().replace("x = 1", "x = 2"))  # an Emscripten fix
    assert matrix_report.changed_since(commit, node, repo) == [
        "Tools/wasm/versions.toml [emscripten_fixes]"]
    assert matrix_report.changed_since(commit, wasi, repo) == []
    expected = repo / "Tools" / "wasm" / "expectations" / "cpython-3.11"
    (expected / "wasi-x-wasi-wasmtime.toml").write_text("")
    (expected / "wasi-x-wasi-node.toml").write_text("")  # judges the runs under Node only
    (expected / "emscripten-3.1.6-browser.toml").write_text("")  # judges no WASI run
    (expected / "emscripten-6.0.5-node.toml").write_text("")  # judges another toolchain's runs
    git(repo, "add", ".")  # a new expectations file counts once git knows it
    assert matrix_report.changed_since(commit, node, repo) == [
        "Tools/wasm/versions.toml [emscripten_fixes]"]
    runner.write_text("# runs the suite differently\n")
    assert matrix_report.changed_since(commit, wasi, repo) == [
        "Tools/wasm/expectations/cpython-3.11/wasi-x-wasi-wasmtime.toml",
        "Tools/wasm/wasmbuild/testing/testsuite.py"]
    row = matrix_report.Row("2026-12-02", commit, 1, 2, 3, 0, 0, 9, 1.0)
    table = matrix_report.render({wasi: row}, [wasi], matrix_report.staleness({wasi: row}, repo))
    assert ("2026-12-02, **stale**: `Tools/wasm/expectations/cpython-3.11/wasi-x-wasi-wasmtime.toml`"
            " and 1 more") in table
    assert matrix_report.changed_since("0" * 12, wasi, repo) is None  # unknown commit: no claim


def test_the_committed_table_says_which_rows_are_stale() -> None:
    import shutil

    if shutil.which("git") is None or not (CHECKOUT / ".git").exists():
        pytest.skip("no git history in this copy of the checkout")
    assert matrix_report.table_in() == matrix_report.current_table(config.load()), \
        "docs/matrix.md is out of date: run `invoke wasm.docs` and commit it"


# -- invoke wasm.matrix: the due sessions and their runs ----------------------------------------

NODE_24 = "test_node(python='3.11.2', emscripten='3.1.6', node='24')"
NODE_22 = "test_node(python='3.11.2', emscripten='3.1.6', node='22')"


def test_the_due_sessions_are_the_unrecorded_and_the_stale() -> None:
    from wasmbuild.matrix_runs import State, select

    row = matrix_report.Row("2026-12-02", "abc123", 1, 2, 3, 0, 0, 9, 1.0)
    states = [State(NODE_24, row, []), State(NODE_22, row, ["Tools/wasm/emscripten/x.c"]),
              State("test_wasi(python='3.11.2', runtime='node')", None, None),
              State("test_wasi(python='3.13.5', runtime='wasmtime')", row, None)]
    assert [s.session for s in select(states, every=False, match="")] == [
        NODE_22, "test_wasi(python='3.11.2', runtime='node')"]
    assert [s.session for s in select(states, every=False, match="test_node")] == [NODE_22]
    assert len(select(states, every=True, match="")) == 4
    assert states[0].describe() == "passed 2026-12-02 at abc123"
    assert states[1].describe() == \
        "stale (passed 2026-12-02 at abc123; Tools/wasm/emscripten/x.c changed since)"
    assert states[2].describe() == "not recorded"


def _fake_nox(tmp_path: Path, data: Path, behaviour: dict[str, str]) -> Callable[..., Any]:
    """nox_command's stand-in: per session, a program that records a row ('record'), exits 0
    having recorded nothing ('skip', as nox does for a skipped session) or fails ('fail')."""
    import sys

    from wasmbuild.core.shell import Command

    def command(session: str, root: Path) -> Command:
        row = {"date": "2026-12-03", "commit": "fff", "passed": 1, "skipped": 0, "failed": 0,
               "timeout": 0, "crash": 0, "tests": 5, "minutes": 0.1}
        program = {
            "record": "import json, pathlib, sys; p = pathlib.Path(sys.argv[1]); d = json.loads("
                      "p.read_text()) if p.exists() else {}; d[sys.argv[2]] = json.loads("
                      "sys.argv[3]); p.write_text(json.dumps(d))",
            "skip": "print('Session skipped: no such Emscripten here')",
            "fail": "import sys; print('2 unexpected results'); sys.exit(1)",
        }[behaviour[session]]
        return Command.of(sys.executable, "-c", program, str(data), session, json.dumps(row),
                          cwd=root)
    return command


def test_matrix_runs_each_session_keeps_going_and_fails_on_what_recorded_no_pass(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from wasmbuild import matrix_runs
    from wasmbuild.core.shell import Runner

    data = tmp_path / "matrix.json"
    wasi = "test_wasi(python='3.11.2', runtime='node')"
    behaviour = {NODE_24: "fail", NODE_22: "record", wasi: "skip"}
    monkeypatch.setattr(matrix_runs, "nox_command", _fake_nox(tmp_path, data, behaviour))
    versions = config.load()
    states = matrix_runs.states(versions, data, tmp_path)  # no git here: rows count as current
    chosen = [s for s in states if s.session in behaviour]
    assert len(chosen) == 3 and all(s.due for s in chosen)
    out = io.StringIO()
    with pytest.raises(matrix_runs.MatrixRunsFailed) as failed:
        matrix_runs.run(Runner(tmp_path, out=out), chosen, tmp_path / "logs", data)
    assert failed.value.message.startswith("2 of 3 sessions did not record a pass")
    assert NODE_24 in failed.value.message and wasi in failed.value.message
    assert NODE_22 not in failed.value.message
    # The one after the failure ran and wrote its row; each session has its own log.
    assert set(json.loads(data.read_text())) == {NODE_22}
    assert "2 unexpected results" in (tmp_path / "logs" / "test_node-3.11.2-3.1.6-24.log").read_text()
    assert "wrote no row" in out.getvalue()
    after = {s.session: s for s in matrix_runs.states(versions, data, tmp_path)}
    assert not after[NODE_22].due and after[NODE_24].due


def test_matrix_shows_the_commands_a_run_would_run_as_they_are_typed(tmp_path: Path) -> None:
    import io
    import shlex

    from wasmbuild import matrix_runs
    from wasmbuild.core.shell import Runner

    out = io.StringIO()
    states = matrix_runs.states(config.load(), tmp_path / "none.json", tmp_path)
    matrix_runs.show(Runner(CHECKOUT, out=out), states, states[:1])
    lines = out.getvalue().splitlines()
    assert lines[0].split()[-2:] == ["not", "recorded"]
    assert f"{len(states)} of {len(states)} declared sessions are due" in out.getvalue()
    # The printed command, split as a shell splits it, names the session exactly.
    assert shlex.split(lines[-1])[-4:] == ["-s", states[0].session, "--", "--record"]


def test_matrix_says_when_nothing_is_due() -> None:
    import io

    from wasmbuild import matrix_runs
    from wasmbuild.core.shell import Runner

    row = matrix_report.Row("2026-12-03", "abc123", 1, 2, 3, 0, 0, 9, 1.0)
    states = [matrix_runs.State(NODE_24, row, []), matrix_runs.State(NODE_22, row, None)]
    out = io.StringIO()
    matrix_runs.show(Runner(CHECKOUT, out=out), states, matrix_runs.select(
        states, every=False, match=""))
    assert out.getvalue().splitlines()[-1] == \
        "# == all 2 declared sessions hold a pass at their current inputs"
    assert " -m nox " not in out.getvalue()
