#!/usr/bin/env python3
"""Test-suite wall time with 1 shard vs N shards, measured back to back in one run.

    .venv/bin/python bench/test_shards.py [--every 1] [--jobs N] [--target node|browser]

Runs `invoke wasm.test` on the Node build (or `wasm.test-browser`, pages in Chromium) twice over
the same modules: once with -j 1, once with -j N (default: the CPU count). --every K takes every
K-th module of the suite, for a quicker measurement (the default, 1, is the full suite). Prints
both wall times and the speed-up. Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

from results import machine, publish  # noqa: E402
from wasmbuild.steps.source import fetch_source  # noqa: E402
from wasmbuild.testing.expectations import Expectations, expectations_path  # noqa: E402
from wasmbuild.testing.test_modules import discover  # noqa: E402
from wasmbuild.toolchains.context import Options, resolve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--target", choices=("node", "browser"), default="node")
    args = parser.parse_args()
    task = "wasm.test" if args.target == "node" else "wasm.test-browser"
    build = resolve(Options())
    fetch_source(build)
    expected = Expectations.load(expectations_path(build.cpython.version, build.emscripten.version,
                                                    build.variant(args.target)))
    skipped = expected.not_to_run(run_known_hangs=False)
    modules = [m for m in discover(build.source_dir) if m not in skipped][::args.every]
    times = {}
    for jobs in (1, args.jobs):
        print(f"{len(modules)} modules with -j {jobs} …", flush=True)
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), task, "--",
                        "-j", str(jobs), *modules], stdout=subprocess.DEVNULL, check=False)
        times[jobs] = time.monotonic() - started
    where = "Node processes" if args.target == "node" else "Chromium pages"
    lines = [f"{machine()}, {len(modules)} modules (every {args.every}. of the suite, known "
             f"hangs left out), {where}, `.venv/bin/python bench/test_shards.py --every "
             f"{args.every} --target {args.target}`", "",
             "| at a time | wall time | speed-up |", "|---:|---:|---:|"]
    lines += [f"| {jobs} | {seconds / 60:.1f} min ({seconds:.0f} s) | {times[1] / seconds:.2f}x |"
              for jobs, seconds in times.items()]
    print("\n" + "\n".join(lines))
    publish("Test-suite sharding" + (" (browser)" if args.target == "browser" else ""),
            "\n".join(lines))

if __name__ == "__main__":
    main()
