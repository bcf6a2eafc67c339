"""Build profiles: each is documented where users choose one (docs/speed.md, "Running")."""

from __future__ import annotations

import re
from pathlib import Path

from wasmbuild.versions import profiles

SPEED_DOC = Path(__file__).resolve().parents[2] / "docs" / "speed.md"


def documented_profiles(text: str) -> list[str]:
    """The profile names of the doc's table: rows that start with a name in backquotes."""
    return re.findall(r"^\| `([a-z0-9]+)`(?: \(default\))? \|", text, re.MULTILINE)


def test_every_profile_has_a_row_in_the_speed_doc_and_no_row_names_a_missing_one() -> None:
    rows = documented_profiles(SPEED_DOC.read_text())
    assert sorted(rows) == sorted(profiles.PROFILES)


def test_the_table_reader_sees_rows_and_ignores_other_tables() -> None:
    text = "| profile | what |\n|---|---|\n| `fast` (default) | a |\n| `o2` | b |\n| x | `y` |\n"
    assert documented_profiles(text) == ["fast", "o2"]
