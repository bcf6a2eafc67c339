#!/usr/bin/env python3
"""V8's wasm tiers in the page: our browser build and the Pyodide of the same CPython, in
headless Chromium under V8 settings a page cannot choose, side by side in one run.

    .venv/bin/python bench/page_tiers.py [--rounds 3] [--pyodide 0.23.4]

Why the page runs slower than Node (bench/RESULTS.md, "Runtime in the browser"): V8 starts
wasm in Liftoff and compiles a hot function again with TurboFan in the background, but a
call already running keeps the code it started with, and CPython 3.11+ runs a program's
Python-to-Python calls inside one call of its eval loop. So a program whose loop starts
before the eval loop's TurboFan code is ready, or whose TurboFan frame is deoptimised back to
Liftoff (Chromium's speculative inlining of indirect calls; Node 24 has no wasm deopts), runs
in baseline code to its end. Each setting below removes one of those causes, so the columns
say which one costs what. Nothing is asserted; the table goes to bench/RESULTS.md.

What a page can do about it (measured 2026-12-03, Chromium 156): nothing reliable. Running
Python for 0.3 s and waiting 0.5 s before the program made it as fast as `--no-liftoff` only
under `--no-wasm-deopt`; with Chromium's deopts it stayed at the default's speed, because a
deopt sends the running frame back to Liftoff whatever ran before. Pyodide's page gains
nothing from any setting: after its 1.4 s start-up its eval loop is already optimised.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))
sys.path.insert(0, str(CHECKOUT / "bench"))

from browser_runtime import DEFAULT_V8, measure  # noqa: E402
from results import machine, publish  # noqa: E402
from runtime import geomean  # noqa: E402
from wasmbuild.toolchains.context import Options, resolve  # noqa: E402
from wasmbuild.versions import config  # noqa: E402

SETTINGS = [
    ("Chromium's default", DEFAULT_V8[1]),
    ("--no-wasm-deopt (TurboFan frames stay TurboFan)", ["--no-wasm-deopt"]),
    ("--wasm-sync-tier-up (a hot function's TurboFan code is ready at once)",
     ["--wasm-sync-tier-up"]),
    ("--no-liftoff (TurboFan up front)", ["--no-liftoff"]),
]
SHOWN = ["recursion", "calls"]
"""The workloads whose time is mostly the eval loop's own: the ones the tiers move most."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pyodide", default="0.23.4", help="a pinned Pyodide release")
    args = parser.parse_args()
    ctx = resolve(Options())
    pinned = {p.version: p for p in config.load().bench_pyodide}
    if args.pyodide not in pinned:
        sys.exit(f"error: Pyodide {args.pyodide} is not pinned\nfix: one of {', '.join(pinned)}")
    measured = measure([ctx], [pinned[args.pyodide]], args.rounds, SETTINGS)
    native, median = measured.native, measured.median
    lines = [f"{machine()}; headless Chromium, a fresh page per run, median of {args.rounds} "
             "rounds, best of 3 each (`bench/page_tiers.py`); ratios against the native build "
             f"of CPython {ctx.cpython.version}", "",
             "| page, V8 setting | geometric mean vs native | " + " | ".join(
                 f"`{w}`" for w in SHOWN) + " | page to a finished `print` |",
             "|---|---:|" + "---:|" * len(SHOWN) + "---:|"]
    for name in measured.names:
        ratios = [median[name][w] / native[w] for w in native]
        lines.append(f"| {name} | {geomean(ratios):.2f}x | " + " | ".join(
            f"{median[name][w] * 1000:.0f} ms ({median[name][w] / native[w]:.2f}x)"
            for w in SHOWN) + f" | {measured.starts[name]:.2f} s |")
    print("\n".join(lines))
    publish("Runtime in the browser: V8's tiers", "\n".join(lines))


if __name__ == "__main__":
    main()
