#!/usr/bin/env python3
"""Every peer side by side in one run, with the performance targets met or missed.

    .venv/bin/python bench/peers.py [--rounds 3] [--fresh]

One table: the native build, our builds (the quick start's CPython 3.11.2 with the system's
Emscripten, and CPython 3.13.5 with its default Emscripten), Pyodide 0.23.4 (CPython 3.11),
0.28.3 (3.13) and 314.0.7 (3.14), under the pinned Node (bench/runtime.py's runs) and in
headless Chromium (bench/browser_runtime.py's pages), with their start-up; then what
`invoke wasm.run` adds to the command it runs (bench/task_overhead.py) and the newcomer's
README command 1 on a Debian 12 root made from nothing (the clean room: `--fresh` makes one in
this run and writes its phase table into docs/clean-room.md, else its last report is read,
with its date). Ratios are against the native build of
the same CPython minor; under Node every wasm column runs with the V8 setting ours runs with
(`--wasm-sync-tier-up`, Pyodide's included). Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))
sys.path.insert(0, str(CHECKOUT / "bench"))

import browser_runtime  # noqa: E402
import runtime  # noqa: E402
import task_overhead  # noqa: E402
from results import machine, publish  # noqa: E402
from wasmbuild.core.layout import Layout  # noqa: E402
from wasmbuild.toolchains.context import Options, resolve  # noqa: E402
from wasmbuild.versions import config  # noqa: E402

COMMAND_1_TARGET = 8 * 60
OVERHEAD_TARGET = task_overhead.TARGET_SECONDS
PAGE_TARGET = 1.0  # ours / Pyodide of the same CPython minor, in Chromium
NODE_313_TARGET = 0.95  # our 3.13 / Pyodide 0.28.3, under Node
NEWER = "3.13.5"  # our second column: the newest CPython the matrix builds


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def node_part(rounds: int, pyodides: list[config.PyodideRelease]
              ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Per column: geometric mean vs native, `calls` vs native, start-up (median)."""
    ctx = resolve(Options())
    runs = runtime.interpreters(["fast", f"fast/{NEWER}"], pyodides, ctx, [])
    # Like for like: Pyodide's Node gets the V8 setting ours runs with by default (the eval
    # loop's optimised code ready when the script starts), not only what its runner passes.
    sync = "--wasm-sync-tier-up"
    if any(sync in argv for name, argv in runs.items() if name.startswith("ours")):
        runs = {name: [argv[0], sync, *argv[1:]] if name.startswith("pyodide") else argv
                for name, argv in runs.items()}
    probe = ctx.paths.builddir / "bench-startup.py"
    probe.parent.mkdir(parents=True, exist_ok=True)
    probe.write_text("print('ready')\n")
    times: dict[str, dict[str, list[float]]] = {name: {} for name in runs}
    starts: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for round_number in range(rounds):
        for name in names[round_number % len(names):] + names[:round_number % len(names)]:
            print(f"Node, round {round_number + 1}/{rounds}: {name}", flush=True)
            starts[name].append(runtime.startup(runs[name], probe))
            for workload, seconds in runtime.run_workloads(runs[name], 3).items():
                times[name].setdefault(workload, []).append(seconds)
    median = {n: {w: statistics.median(v) for w, v in times[n].items()} for n in names}
    ratio = {n: {w: median[n][w] / median[runtime.native_of(n, names)][w] for w in median[n]}
             for n in names}
    return ({n: runtime.geomean(list(ratio[n].values())) for n in names},
            {n: ratio[n]["calls"] for n in names},
            {n: statistics.median(starts[n]) for n in names})


def command_1(fresh: bool) -> tuple[float | None, str]:
    """README command 1's wall time in the last clean room of Debian 12, and where from."""
    if fresh:
        # Its phase table goes where the clean room's tables are (docs/clean-room.md).
        subprocess.run([str(CHECKOUT / ".venv" / "bin" / "invoke"), "wasm.fresh", "--debian",
                        "bookworm", "--command", "1", "--update"], cwd=CHECKOUT, check=True)
    report = Layout.default().clean_room("bookworm") / "report.json"
    if not report.is_file():
        return None, "no clean room run here yet (`--fresh`)"
    data = json.loads(report.read_text())
    seconds = sum(p["seconds"] for p in data["phases"]
                  if p["name"].startswith("README command 1") and p["status"] == "ok")
    made = "in this run" if fresh else f"clean room of {data['started'][:16]} UTC"
    return seconds or None, f"{made}, commit `{data['commit'][:12]}`"



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fresh", action="store_true",
                        help="measure README command 1 in a new clean room in this run")
    args = parser.parse_args()
    pyodides = list(config.load().bench_pyodide)
    node_mean, node_calls, node_start = node_part(args.rounds, pyodides)
    builds = [resolve(Options()), resolve(Options(python_version=NEWER))]
    builds = [b for b in builds if (b.target_dir("browser") / "python.js").is_file()]
    page = browser_runtime.measure(builds, pyodides, args.rounds)
    page_mean = {n: runtime.geomean([page.median[n][w] / page.native[w] for w in page.native])
                 for n in page.names}
    _, _, overhead = task_overhead.measure(15)
    seconds, where = command_1(args.fresh)

    def node_name(minor: str, ours: bool) -> str:
        return next(n for n in node_mean if (n.startswith("ours") == ours)
                    and (minor in n if ours else f"({minor}" in n))

    def page_name(minor: str, ours: bool) -> str | None:
        return next((n for n in page.names if n.startswith("ours") == ours
                     and (f"({minor}" in n)), None)

    ours_311, pyodide_311 = page_name("3.11", True), page_name("3.11", False)
    ours_313, pyodide_313 = page_name("3.13", True), page_name("3.13", False)
    page_311 = page_mean[ours_311] / page_mean[pyodide_311] if ours_311 and pyodide_311 else None
    page_313 = page_mean[ours_313] / page_mean[pyodide_313] if ours_313 and pyodide_313 else None
    node_313 = node_mean[node_name(NEWER, True)] / node_mean[node_name("3.13", False)]
    calls_313 = node_calls[node_name(NEWER, True)] / node_calls[node_name("3.13", False)]
    targets = [
        "README command 1 on a new 2-CPU machine ≤ 8 min: "
        + (f"{seconds / 60:.1f} min, {verdict(seconds <= COMMAND_1_TARGET)}" if seconds
           else "not measured") + f" ({where})",
        "the page below Pyodide 0.23.4 (same CPython), in Chromium: "
        + (f"{page_311:.2f}x, {verdict(page_311 < PAGE_TARGET)}" if page_311 else "not measured"),
        "the 3.13 page below Pyodide 0.28.3: "
        + (f"{page_313:.2f}x, {verdict(page_313 < PAGE_TARGET)}" if page_313
           else "not measured (no 3.13 browser build here)"),
        f"3.13 ≤ 0.95x Pyodide 0.28.3 under Node: {node_313:.2f}x, "
        f"{verdict(node_313 <= NODE_313_TARGET)}; `calls` {calls_313:.2f}x, "
        f"{verdict(calls_313 <= 1.0)}",
        f"`invoke wasm.run` adds ≤ {OVERHEAD_TARGET} s: {overhead:.3f} s, "
        f"{verdict(overhead <= OVERHEAD_TARGET)}",
    ]
    lines = [f"{machine()}; median of {args.rounds} rounds, best of 3 each, rotating order; "
             f"`.venv/bin/python bench/peers.py {' '.join(sys.argv[1:])}`".rstrip(), "",
             "Targets:", "", *[f"- {t}" for t in targets], "",
             "| | Node: geometric mean vs native | Node: `calls` | Node: start-up | "
             "Chromium: geometric mean vs native | Chromium: page to first output |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in node_mean:
        if name.startswith("native"):
            continue
        minor = "3.13" if NEWER in name or "(3.13" in name else \
            "3.14" if "(3.14" in name else "3.11"
        in_page = page_name(minor, name.startswith("ours"))
        page_cells = (f"{page_mean[in_page]:.2f}x | {page.starts[in_page]:.2f} s" if in_page
                      else "— | —")
        lines.append(f"| {name} | {node_mean[name]:.2f}x | {node_calls[name]:.2f}x | "
                     f"{node_start[name]:.2f} s | {page_cells} |")
    print("\n".join(lines))
    publish("Every peer side by side", "\n".join(lines))


if __name__ == "__main__":
    main()
