#!/usr/bin/env python3
"""Sizes of the builds per Emscripten version: python.wasm, python.data, python.js, raw and gzip.

    .venv/bin/python bench/sizes.py [--profile fast] [--emscripten 3.1.6 --emscripten 6.0.5]

Reads the build folders the tasks made (`invoke wasm.node/wasm.browser --emscripten V`); builds
nothing. Versions default to the test matrix of Tools/wasm/versions.toml; a build that is
missing is listed as such. The table goes to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

from results import machine, publish  # noqa: E402
from wasmbuild.toolchains.context import Options, resolve  # noqa: E402
from wasmbuild.versions import config  # noqa: E402

FILES = ("python.wasm", "python.data", "python.js")
TARGETS = ("node", "browser")


def sizes(path: Path) -> tuple[int, int] | None:
    if not path.is_file():
        return None
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, compresslevel=9))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--emscripten", action="append", help="versions (default: the matrix)")
    args = parser.parse_args()
    versions = args.emscripten or list(config.load().matrix.emscripten)
    ctx = resolve(Options(profile=args.profile))
    rows = []
    for version in versions:
        for target in TARGETS:
            folder = ctx.paths.target_dir(ctx.cpython.key, version, ctx.variant(target))
            cells = []
            for name in FILES:
                measured = sizes(folder / name)
                cells.append("—" if measured is None else f"{measured[0]:,} / {measured[1]:,}")
            if all(c == "—" for c in cells):
                cells = ["not built"] + [""] * (len(FILES) - 1)
            rows.append(f"| {version} | {target} | " + " | ".join(cells) + " |")
            print(rows[-1])
    body = (f"{machine()}. CPython {ctx.cpython.version}, profile `{args.profile}`, bytes / gzip -9 "
            "bytes (`bench/sizes.py`; the Node build has no python.data: it reads the stdlib "
            "from the host's disk).\n\n"
            "| Emscripten | target | " + " | ".join(FILES) + " |\n"
            "|---|---|" + "---:|" * len(FILES) + "\n" + "\n".join(rows))
    publish("Sizes per Emscripten version", body)


if __name__ == "__main__":
    main()
