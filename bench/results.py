"""bench/RESULTS.md: where each benchmark publishes its latest table, with date and machine.

Each script owns one section (`## <title>`); publishing replaces that section and leaves the
others as they are, so the file always holds the latest run of every benchmark.
"""

from __future__ import annotations

import os
import platform
import re
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = ("# Benchmark results\n\nWritten by the scripts in this folder: each replaces its own "
          "section with its latest run.\nRatios are measured side by side in one run; this "
          "machine is shared, so absolute times vary.\n")


def machine() -> str:
    return f"{date.today()}, {platform.node() or 'this machine'}, {os.cpu_count()} CPUs"


def publish(title: str, body: str, results: Path = RESULTS) -> None:
    """Replace the section `## title` of RESULTS.md with `body` (added if new)."""
    text = results.read_text() if results.is_file() else HEADER
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results.write_text(text.rstrip("\n") + "\n")
    print(f"\nwritten to {results}")
