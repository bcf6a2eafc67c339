"""docs/emscripten-fixes.md's rule tables are generated from versions.toml and kept in step."""

from __future__ import annotations

from pathlib import Path

import pytest
from wasmbuild import fixes_doc
from wasmbuild.core.errors import ConfigError
from wasmbuild.versions import config

NEW_RULES = """
[[emscripten_fixes]]
name = "made_up_fix"
emscripten_from = "4.0.1"
emscripten_below = "4.0.9"
ldflags = "--js-library {tools}/emscripten/made_up.js"
why = "a made-up reason | with a pipe"

[[node_flags]]
flag = "--made-up-flag"
node_from = "21.0"
emscripten_below = "5.0.0"
why = "a made-up Node reason"
"""


def versions_with_new_rules(tmp_path: Path) -> config.Versions:
    """The real data and two more rules, read by the loading code the tasks use."""
    data = tmp_path / "versions.toml"
    data.write_text(config.VERSIONS_FILE.read_text() + NEW_RULES)
    return config.load(data)


def test_the_committed_document_is_current() -> None:
    assert fixes_doc.is_current(fixes_doc.DOCUMENT, config.load()), (
        f"{fixes_doc.DOCUMENT.name} differs from the rules of {config.VERSIONS_FILE.name}: "
        "run `invoke wasm.docs` to regenerate it")


def test_a_new_rule_shows_with_its_range_and_reason(tmp_path: Path) -> None:
    text = fixes_doc.render(versions_with_new_rules(tmp_path))
    fix_row = next(line for line in text.splitlines() if "`made_up_fix`" in line
                   and "4.0.1" in line)
    assert "4.0.1 up to (not including) 4.0.9" in fix_row
    assert "--js-library Tools/wasm/emscripten/made_up.js" in fix_row
    assert fix_row.endswith("| a made-up reason \\| with a pipe |")
    flag_row = next(line for line in text.splitlines() if "`--made-up-flag`" in line)
    assert flag_row == "| `--made-up-flag` | 21.0 or newer | before 5.0.0 | a made-up Node reason |"


def test_update_rewrites_only_between_the_markers(tmp_path: Path) -> None:
    document = tmp_path / "fixes.md"
    document.write_text(f"# intro\n\n{fixes_doc.BEGIN}\nstale\n{fixes_doc.END}\n\nafter\n")
    versions = versions_with_new_rules(tmp_path)
    assert not fixes_doc.is_current(document, versions)
    assert fixes_doc.update(document, versions) is True
    text = document.read_text()
    assert text.startswith(f"# intro\n\n{fixes_doc.BEGIN}\n") and text.endswith(
        f"\n{fixes_doc.END}\n\nafter\n")
    assert "stale" not in text and "`made_up_fix`" in text
    assert fixes_doc.is_current(document, versions)
    assert fixes_doc.update(document, versions) is False
    assert not fixes_doc.is_current(document, config.load())


def test_a_document_without_markers_is_refused_with_a_fix(tmp_path: Path) -> None:
    document = tmp_path / "fixes.md"
    document.write_text("# intro\n\nno tables here\n")
    with pytest.raises(ConfigError) as raised:
        fixes_doc.update(document, config.load())
    assert fixes_doc.BEGIN in raised.value.message and fixes_doc.BEGIN in raised.value.fix
    assert document.read_text() == "# intro\n\nno tables here\n"
    with pytest.raises(ConfigError):
        fixes_doc.is_current(document, config.load())


def test_wasm_docs_rewrites_each_document_or_names_the_stale_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wasmbuild.core.errors import WasmBuildError
    from wasmbuild.core.generated import regenerate

    (tmp_path / "docs").mkdir()
    document = tmp_path / "docs" / "emscripten-fixes.md"
    document.write_text(f"# intro\n\n{fixes_doc.BEGIN}\nstale\n{fixes_doc.END}\n")
    documents = [fixes_doc.generated(config.load(), document)]
    with pytest.raises(WasmBuildError) as stale:
        regenerate(documents, check=True, checkout=tmp_path)
    assert stale.value.exit_code == 1 and stale.value.report() == (
        "error: docs/emscripten-fixes.md stale\n"
        "fix: run `invoke wasm.docs` and commit the result")
    regenerate(documents, checkout=tmp_path)
    regenerate(documents, checkout=tmp_path)
    assert capsys.readouterr().out == ("docs/emscripten-fixes.md: rewritten\n"
                                       "docs/emscripten-fixes.md: up to date\n")
    regenerate(documents, check=True, checkout=tmp_path)
