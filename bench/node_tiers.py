#!/usr/bin/env python3
"""V8's wasm tiers and Node versions, side by side: start-up and speed of one build under each.

    .venv/bin/python bench/node_tiers.py [--rounds 3] [--profile fast] [--node 20 --node 24]

V8 starts wasm in its baseline compiler (Liftoff) and compiles hot functions again with its
optimising one (TurboFan), but a function already running stays in baseline code: CPython's
eval loop is entered once and stays there. `--no-liftoff` compiles everything optimised up
front; `--wasm-sync-tier-up` (Node 24) makes the optimised code of a hot function ready at
once instead of after a background compile that start-up may outrun. The kit's own V8 flags
are left out here, so each row is exactly its setting. For each pinned Node release and each
V8 setting this measures, in rotating order:
start-up (a program that prints one line), a program end to end (the workloads
once: what a user waits for), and the speed (the workloads' own time).
Nothing is asserted; the table goes to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

from results import machine, publish  # noqa: E402
from runtime import run_workloads  # noqa: E402
from wasmbuild import options  # noqa: E402
from wasmbuild.toolchains.context import Options, resolve  # noqa: E402
from wasmbuild.toolchains.nodejs import node_flags  # noqa: E402

# (label, V8 flags, first Node major that takes them). Node 22 accepts --wasm-sync-tier-up
# but its process never exits with it (measured 2026-11-26: still spinning after 30 s).
SETTINGS = [
    ("V8 default (Liftoff, then TurboFan per hot function)", [], 0),
    ("--no-liftoff (TurboFan up front)", ["--no-liftoff"], 0),
    ("--no-liftoff --wasm-lazy-compilation (TurboFan on first call)",
     ["--no-liftoff", "--wasm-lazy-compilation"], 0),
    ("--wasm-sync-tier-up (a hot function's TurboFan code is used at its next call)",
     ["--wasm-sync-tier-up"], 24),
    ("--wasm-sync-tier-up --wasm-tiering-budget=1000000 (and hot sooner)",
     ["--wasm-sync-tier-up", "--wasm-tiering-budget=1000000"], 24),
]


def timed(argv: list[str]) -> tuple[float, float, float]:
    """(start-up, end to end, workload seconds): a `print` program, then the workloads once."""
    started = time.perf_counter()
    subprocess.run([*argv, "-c", "print('ready')"], capture_output=True, check=True)
    start_up = time.perf_counter() - started
    started = time.perf_counter()
    results = run_workloads(argv, repeat=1)
    end_to_end = time.perf_counter() - started
    return start_up, end_to_end, sum(results.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--node", action="append", help="Node majors (default: 20, 22, 24)")
    options.add_build_options(parser)
    args = parser.parse_args()
    runs: dict[str, list[str]] = {}
    for major in args.node or ["20", "22", "24"]:
        ctx = resolve(Options(profile=args.profile, node_version=major,
                              python_version=args.python_version, emscripten=args.emscripten))
        flags = [f for f in node_flags(ctx.versions, ctx.node, ctx.emscripten.version)
                 if not f.startswith("--wasm-")]  # the settings below decide V8's tiers
        for label, extra, node_from in SETTINGS:
            if int(major) >= node_from:
                runs[f"Node {ctx.node.version}, {label}"] = [
                    str(ctx.node.path), *flags, *extra, str(ctx.python_js("node"))]
    names = list(runs)
    measured: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
    for round_number in range(args.rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            print(f"round {round_number + 1}/{args.rounds}: {name}", flush=True)
            measured[name].append(timed(runs[name]))
    baseline = statistics.median(m[1] for m in measured[names[0]])
    lines = [f"{machine()}; CPython {ctx.cpython.version}, Emscripten {ctx.emscripten.version}, "
             f"profile `{args.profile}`; median of {args.rounds} rounds "
             "(`bench/node_tiers.py`). Start-up: `-c \"print('ready')\"` end to end; end to end: "
             "bench/workloads.py once (`--repeat 1`), as a user waits for it; workloads: the "
             "time Python itself measured inside.", "",
             "| Node, V8 setting | start-up | end to end | workloads | end to end vs first row |",
             "|---|---:|---:|---:|---:|"]
    for name in names:
        start_up, end_to_end, work = (statistics.median(m[i] for m in measured[name])
                                      for i in range(3))
        lines.append(f"| {name} | {start_up:.2f} s | {end_to_end:.2f} s | {work:.2f} s | "
                     f"{end_to_end / baseline:.2f}x |")
    print("\n".join(lines))
    publish("V8 tiers and Node versions", "\n".join(lines))


if __name__ == "__main__":
    main()
