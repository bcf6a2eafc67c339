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
