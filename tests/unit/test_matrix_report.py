"""The published matrix (docs/matrix.md): a session's row comes from its own run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wasmbuild import config, matrix_report, testsuite
from wasmbuild.errors import ConfigError

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
    runner = repo / "Tools" / "wasm" / "wasmbuild" / "testsuite.py"
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
        "Tools/wasm/wasmbuild/testsuite.py"]
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
