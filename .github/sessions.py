"""The workflow's fan-out: prints `matrix=<JSON list>` of every session nox declares, one job
each (ci.yml appends it to $GITHUB_OUTPUT). Asks nox itself (`nox --json -l`), so a session
added to noxfile.py or a combination added to Tools/wasm/versions.toml runs on the next push."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import nox.registry

CHECKOUT = Path(__file__).resolve().parent.parent


def declared_sessions() -> list[str]:
    # `nox -l` lists only the default selection (noxfile.py's nox.options.sessions): name every
    # session noxfile.py registers, and nox expands their parametrisations.
    runpy.run_path(str(CHECKOUT / "noxfile.py"))
    names = list(nox.registry.get())
    listed = subprocess.run([sys.executable, "-m", "nox", "--json", "-l", "-s", *names],
                            cwd=CHECKOUT, capture_output=True, text=True, check=True).stdout
    return [entry["session"] for entry in json.loads(listed)]


if __name__ == "__main__":
    print(f"matrix={json.dumps(declared_sessions())}")
