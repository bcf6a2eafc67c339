"""Rendering the measured limitations and keeping docs/limits.md in step."""

from __future__ import annotations

from pathlib import Path

import pytest
from wasmbuild.testing import limits
from wasmbuild.testing.limits import Finding


def test_findings_from_probe_output() -> None:
    works = limits.finding_from("socketpair", "network",
                                '{"check": "socketpair", "group": "network", "status": "works", '
                                '"detail": "received b\'x\'"}\n', 0, False)
    assert works == Finding("socketpair", "network", "works", "received b'x'")
    crash = limits.finding_from("select_select", "network",
                                "Aborted(RuntimeError: unreachable)\n", 7, False)
    assert crash.status == "crashes the runtime" and "Aborted(" in crash.detail
    hang = limits.finding_from("signal_alarm", "signals", "", None, True)
    assert hang.status == "hangs"


def test_cells_hide_what_changes_between_runs() -> None:
    failing = Finding("os_link", "file system", "fails",
                      "FileNotFoundError: [Errno 44] No such file: '/tmp/wasm-limits-x1y2/a'")
    assert failing.cell == "fails: `FileNotFoundError: [Errno 44] No such file: '…'`"
    assert Finding("x", "misc", "crashes the runtime").cell == "**crashes the runtime**"


def test_table_has_one_row_per_check_and_a_column_per_target() -> None:
    table = limits.render({
        "node": [Finding("a", "misc", "works"), Finding("b", "misc", "fails", "OSError: no")],
        "browser": [Finding("a", "misc", "works")],
    }, "3.1.6", "3.11.2")
    assert "| capability | area | node | browser |" in table
    assert "| `a` | misc | works | works |" in table
    assert "| `b` | misc | fails: `OSError: no` | not run |" in table


def test_readme_section_is_replaced_between_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{limits.BEGIN}\nold\n{limits.END}\noutro\n")
    limits.write_table("| new |", readme)
    assert readme.read_text() == f"intro\n{limits.BEGIN}\n| new |\n{limits.END}\noutro\n"
    assert limits.stored_table(readme) == "| new |"


def test_probe_lists_its_checks_with_areas() -> None:
    groups = limits.group_of()
    assert groups["socketpair"] == "network"
    assert groups["import_sqlite3"] == "modules"
    assert len(groups) >= 40


@pytest.mark.parametrize("name", ["socketpair", "import_zlib"])
def test_probe_runs_on_the_host_python_too(name: str) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, str(limits.PROBE), "--check", name],
                         capture_output=True, text=True, check=True).stdout
    finding = limits.finding_from(name, "?", out, 0, False)
    assert finding.status == "works", finding


def test_findings_per_cpython_and_emscripten_version_a_table_and_column_each(
        tmp_path: Path) -> None:
    data = tmp_path / "limits.json"
    stored = {"3.11.2": {"6.0.5": {"node": [Finding("a", "misc", "works")]},
                         "3.1.6": {"node": [Finding("a", "misc", "crashes the runtime")],
                                   "browser": [Finding("a", "misc", "fails", "OSError: x|y")]}},
              "3.13.5": {"6.0.5": {"node": [Finding("a", "misc", "fails", "OSError: z")]}}}
    limits.store(stored, data)
    again = limits.load(data)
    assert again == stored
    table = limits.render_stored(again)
    split = table.index("Measured by `invoke wasm.limits` on CPython 3.13.5")
    older, newer = table[:split], table[split:]
    assert "on CPython 3.11.2, Emscripten 3.1.6, 6.0.5:" in older
    assert "| capability | area | node 3.1.6 | browser 3.1.6 | node 6.0.5 |" in older
    assert "| `a` | misc | **crashes the runtime** | fails: `OSError: x\\|y` | works |" in older
    assert "on CPython 3.13.5, Emscripten 6.0.5:" in newer
    assert "| `a` | misc | fails: `OSError: z` |" in newer
    assert limits.load(tmp_path / "missing.json") == {}


def test_every_build_the_matrix_makes_has_every_check_measured() -> None:
    from wasmbuild.versions import config

    builds = limits.declared_builds(config.load())
    assert ("3.13.5", "3.1.69", "browser") in builds and ("3.11.2", "6.0.5", "node") in builds
    assert ("3.11.2", "wasi-bookworm-clang19", "wasi") in builds
    # Every engine a browser session runs in has its column; Chromium's is plain "browser".
    assert ("3.11.2", "3.1.6", "browser-firefox") in builds
    assert ("3.13.5", "6.0.5", "browser-webkit") in builds
    assert ("3.13.5", "6.0.5", "browser-chromium") not in builds
    checks = [*limits.group_of(), limits.KEYBOARD_CHECK]
    assert limits.unmeasured(limits.load(), builds, checks) == [], (
        "measure them: invoke wasm.limits --python-version P --emscripten E --update "
        "(--targets wasi for the WASI toolchains; --targets browser --engine E for an engine)")


def test_a_column_without_a_check_or_a_build_without_a_column_is_a_gap() -> None:
    stored = {"3.11.2": {"3.1.6": {"node": [Finding("a", "misc", "works")]}}}
    builds = [("3.11.2", "3.1.6", "node"), ("3.11.2", "3.1.6", "browser")]
    assert limits.unmeasured(stored, builds, ["a", "b"]) == [
        "CPython 3.11.2, 3.1.6, node: not run: b", "CPython 3.11.2, 3.1.6, browser: never probed"]
    assert limits.unmeasured(stored, builds[:1], ["a"]) == []


def test_a_check_hangs_only_when_it_hangs_twice() -> None:
    from wasmbuild import runs
    from wasmbuild.targets import CheckRun

    answer = '{"check": "slow", "group": "misc", "status": "works", "detail": ""}'
    tries: dict[str, int] = {}

    def check(name: str) -> CheckRun:
        tries[name] = tries.get(name, 0) + 1
        if name == "stuck" or tries[name] == 1:
            return CheckRun("", None, True)
        return CheckRun(answer, 0, False)

    slow, stuck = runs._probe(check, {"slow": "misc", "stuck": "misc"}, jobs=1)
    assert (slow.status, stuck.status) == ("works", "hangs")
    assert tries == {"slow": 2, "stuck": 2}
