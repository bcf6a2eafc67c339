"""The clean room's report: each phase's wall time and result, as a table for
docs/clean-room.md (between its markers, one section per Debian release) and report.json."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..core.errors import ConfigError

DOCUMENT = "docs/clean-room.md"
README_BEGIN = "<!-- clean-room:begin -->"
README_END = "<!-- clean-room:end -->"


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    status: str = "not run"
    """ok, failed, or not run."""


@dataclass
class Report:
    release: str
    number: str
    commit: str
    started: str
    phases: list[Phase] = field(default_factory=list)
    failure: list[str] = field(default_factory=list)
    commands: str = ""
    """Which quick-start commands the run covers: "1 and 2 of 2", "1 of 2"."""
    then: int = 0
    """How many commands ran after the quick start (--then)."""

    @property
    def ok(self) -> bool:
        return all(p.status == "ok" for p in self.phases if p.status != "not run")

    @property
    def title(self) -> str:
        return f"Debian {self.number} ({self.release})"

    def table(self) -> str:
        rows = ["| phase | wall time | result |", "|---|---:|---|"]
        for phase in self.phases:
            rows.append(f"| {phase.name} | {minutes(phase.seconds)} | {phase.status} |")
        total = sum(p.seconds for p in self.phases)
        rows.append(f"| **total** | **{minutes(total)}** | {'ok' if self.ok else 'failed'} |")
        return "\n".join(rows)


def minutes(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{seconds:.1f} s"


def write_report(folder: Path, report: Report) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
    (folder / "report.md").write_text(readme_section(report) + "\n")


def readme_section(report: Report) -> str:
    then = f", then {report.then} more" if report.then else ""
    return (f"**{report.title}**, commit `{report.commit}`, {report.started}, "
            f"{os.cpu_count()} CPUs, README {_commands(report.commands)}{then}:\n\n"
            f"{report.table()}")


def _commands(covered: str) -> str:
    return f"commands {covered}" if " and " in covered else f"command {covered}"


def update_document(document: Path, report: Report, order: Sequence[str]) -> None:
    """Put this release's section between the clean-room markers, keeping the other releases'
    (sections in the order of `order`, the releases known to versions.toml)."""
    text = document.read_text()
    if README_BEGIN not in text or README_END not in text:
        raise ConfigError(f"{document.name} has no {README_BEGIN} ... {README_END} markers",
                          fix="put them where the clean-room results belong")
    start, end = text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END)
    sections: dict[str, str] = {}
    for chunk in re.split(r"\n(?=\*\*Debian )", text[start:end].strip()):
        match = re.match(r"\*\*Debian \S+ \((\w+)\)\*\*", chunk)
        if match:
            sections[match.group(1)] = chunk.strip()
    sections[report.release] = readme_section(report)
    body = "\n\n".join(sections[name] for name in sorted(
        sections, key=lambda n: order.index(n) if n in order else len(order)))
    document.write_text(text[:start] + "\n" + body + "\n" + text[end:])
