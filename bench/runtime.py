#!/usr/bin/env python3
"""Runtime speed: the native build Python, our Node build(s) and Pyodide, side by side.

    .venv/bin/python bench/runtime.py [--rounds 3] [--profile fast --profile recipe] [--chart PNG]
    .venv/bin/python bench/runtime.py --profile fast@3.1.6 --profile fast@3.1.69 --profile fast@6.0.5
    .venv/bin/python bench/runtime.py --profile fast --profile fast@6.0.5/3.13.5 --pyodide 0.23.4

Each round runs bench/workloads.py once in every interpreter, in a rotating order so that no
interpreter always goes first on a noisy machine, and times start-up (process start to the
first line of output). Per workload the median over rounds of each round's best-of-3 is
reported, with the ratio to native and the geometric mean of the ratios. The Pyodide releases
pinned in Tools/wasm/versions.toml (the same CPython minor as ours, and the newest) come from
the npm registry, sha256-verified, and run offline in Node.
Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

from results import machine, publish  # noqa: E402
from wasmbuild.targets.node import PYTHON_RUNNER  # noqa: E402
from wasmbuild.targets.wasi import runtime_prefix  # noqa: E402
from wasmbuild.toolchains.context import Context, Options, resolve  # noqa: E402
from wasmbuild.toolchains.nodejs import node_flags  # noqa: E402
from wasmbuild.toolchains.sources import fetch, unpack  # noqa: E402
from wasmbuild.versions import config  # noqa: E402
from wasmbuild.versions.config import PyodideRelease  # noqa: E402
from wasmbuild.versions.wasi_config import RUNTIMES  # noqa: E402

WORKLOADS = CHECKOUT / "bench" / "workloads.py"
PYODIDE_RUNNER = CHECKOUT / "bench" / "pyodide_runner.mjs"


def pyodide_package(release: PyodideRelease, ctx: Context) -> Path:
    """The release's npm package, fetched and verified like every download of the kit (sha256
    pinned in versions.toml; --mirror/CPYTHON_WASM_MIRROR or the download cache serve it
    offline) and unpacked once."""
    folder = ctx.paths.cache_root / f"pyodide-{release.version}" / "package"
    if not (folder / "pyodide.js").is_file():
        archive = fetch([release.download], what=f"pyodide {release.version}",
                        downloads=ctx.paths.downloads, mirror=ctx.options.mirror,
                        runner=ctx.runner, offline=ctx.options.offline)
        unpack(archive.path, folder)
    return folder


def interpreters(profiles: list[str], pyodides: list[PyodideRelease],
                 ctx: Context, wasi_runtimes: list[str], with_runner: bool = False
                 ) -> dict[str, list[str]]:
    """Every column's command; all wasm ones (ours and Pyodide's) run under the same Node."""
    found: dict[str, list[str]] = {"native": [str(ctx.native_dir / "python")]}
    for spec in profiles:
        # "fast:--no-liftoff" adds Node flags; "fast@3.1.69" is the build of that Emscripten;
        # "fast@6.0.5/3.13.5" the build of that CPython.
        build_spec, _, extra = spec.partition(":")
        build_spec, _, python_version = build_spec.partition("/")
        profile, _, emscripten = build_spec.partition("@")
        build = resolve(Options(profile=profile, emscripten=emscripten or None,
                                python_version=python_version or None))
        if python_version:
            found[f"native {build.cpython.version}"] = [str(build.native_dir / "python")]
        python_js = build.python_js("node")
        if not python_js.is_file():
            option = f" --emscripten {emscripten}" if emscripten else ""
            option += f" --python-version {python_version}" if python_version else ""
            sys.exit(f"error: {python_js} is missing\nfix: invoke wasm.node --profile {profile}{option}")
        flags = node_flags(build.versions, ctx.node, build.emscripten.version)
        extra_flags = extra.split(",") if extra else []
        found[f"ours ({spec})"] = [str(ctx.node.path), *flags, *extra_flags, str(python_js)]
        if with_runner:  # the same build as `invoke wasm.run` starts it: through the runner
            found[f"ours ({spec}, runner)"] = [str(ctx.node.path), *flags, *extra_flags,
                                               str(PYTHON_RUNNER), str(python_js)]
    for runtime in wasi_runtimes:  # the WASI build of the default CPython, under each runtime
        wasi = resolve(Options(runtime=runtime, node_version=ctx.options.node_version))
        found[f"ours, WASI ({runtime})"] = runtime_prefix(wasi, runtime)
    for release in pyodides:
        found[f"pyodide {release.version} ({release.cpython})"] = [
            str(ctx.node.path), str(PYODIDE_RUNNER), str(pyodide_package(release, ctx))]
    return found


def native_of(name: str, names: list[str]) -> str:
    """The native build a ratio is taken against: the one of the same CPython minor when the
    run has it (`native 3.13.5` for a 3.13 build or a Pyodide carrying 3.13), else `native`."""
    minor = re.search(r"(?:/|\()(3\.\d+)", name)
    if minor:
        same = [n for n in names if n.startswith(f"native {minor.group(1)}")]
        if same:
            return same[0]
    return "native"


def run_workloads(argv: list[str], repeat: int) -> dict[str, float]:
    out = subprocess.run([*argv, str(WORKLOADS), "--repeat", str(repeat)], capture_output=True,
                         text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("{"))
    return dict(json.loads(line)["results"])


def startup(argv: list[str], probe: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen([*argv, str(probe)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()
    elapsed = time.perf_counter() - started
    proc.wait()
    return elapsed


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def chart(path: Path, names: list[str], ratios: dict[str, dict[str, float]], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    interpreters = [i for i in ratios if i != "native"]
    fig, ax = plt.subplots(figsize=(11, 4.8))
    width = 0.8 / len(interpreters)
    for n, name in enumerate(interpreters):
        xs = [i + n * width for i in range(len(names) + 1)]
        ys = [ratios[name][w] for w in names] + [geomean([ratios[name][w] for w in names])]
        ax.bar(xs, ys, width, label=name)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks([i + width * (len(interpreters) - 1) / 2 for i in range(len(names) + 1)])
    ax.set_xticklabels([*names, "geo. mean"], rotation=30, ha="right")
    ax.set_ylabel("time / native time (lower is better)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="best-of inside each process")
    parser.add_argument("--profile", action="append",
                        help="our build(s) to include: PROFILE[@EMSCRIPTEN][:FLAG,FLAG] (the "
                        "build of that Emscripten version, with these Node flags added)")
    parser.add_argument("--pyodide", action="append",
                        help="a pinned Pyodide release to include (default: every pinned one)")
    parser.add_argument("--wasi", action="append", choices=RUNTIMES, default=[],
                        help="add the WASI build (invoke wasm.wasi) under this runtime")
    parser.add_argument("--no-emscripten", action="store_true",
                        help="no Emscripten build column (e.g. for a WASI-only run)")
    parser.add_argument("--no-pyodide", action="store_true", help="no Pyodide column")
    parser.add_argument("--with-runner", action="store_true",
                        help="also each build through Tools/wasm/node/python_runner.cjs, the "
                        "worker thread `invoke wasm.run` uses for Ctrl-C and line editing")
    parser.add_argument("--node", help="the pinned Node major every wasm column runs under "
                        "(default: the kit's default Node)")
    parser.add_argument("--chart", type=Path, help="write a PNG bar chart here")
    parser.add_argument("--title", help="the RESULTS.md section to write (default: Runtime, or "
                        "Runtime across Emscripten versions when a profile names one)")
    args = parser.parse_args()
    versions = config.load()
    pinned = {p.version: p for p in versions.bench_pyodide}
    unknown = [v for v in args.pyodide or [] if v not in pinned]
    if unknown:
        sys.exit(f"error: Pyodide {', '.join(unknown)} is not pinned\nfix: use one of "
                 f"{', '.join(pinned)} or add it to [bench] in Tools/wasm/versions.toml")
    chosen = [pinned[v] for v in args.pyodide] if args.pyodide else list(pinned.values())
    if args.no_pyodide:
        chosen = []
    ctx = resolve(Options(node_version=args.node))  # every wasm column runs under its Node
    profiles = [] if args.no_emscripten else args.profile or ["fast"]
    runs = interpreters(profiles, chosen, ctx, args.wasi, args.with_runner)
    node = ctx.node
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / "bench-startup.py"
    probe.write_text("print('ready')\n")
    times: dict[str, dict[str, list[float]]] = {name: {} for name in runs}
    starts: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for round_number in range(args.rounds):
        order = names[round_number % len(names):] + names[:round_number % len(names)]
        for name in order:
            print(f"round {round_number + 1}/{args.rounds}: {name}", flush=True)
            starts[name].append(startup(runs[name], probe))
            for workload, seconds in run_workloads(runs[name], args.repeat).items():
                times[name].setdefault(workload, []).append(seconds)
    workloads = list(times["native"])
    median = {n: {w: statistics.median(times[n][w]) for w in workloads} for n in names}
    reference = {n: native_of(n, names) for n in names}
    ratios = {n: {w: median[n][w] / median[reference[n]][w] for w in workloads} for n in names}
    lines = [f"{machine()}, {platform.processor() or platform.machine()}; Node {node.version} "
             "for every wasm column; median of "
             f"{args.rounds} rounds, best of {args.repeat} each; `.venv/bin/python bench/runtime.py "
             + " ".join(sys.argv[1:]) + "`", "",
             "| workload | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for w in workloads:
        cells = [f"{median[n][w] * 1000:.0f} ms" + ("" if n.startswith("native") else
                 f" ({ratios[n][w]:.2f}x)") for n in names]
        lines.append(f"| {w} | " + " | ".join(cells) + " |")
    lines.append("| **geometric mean vs native** | " + " | ".join(
        "1.00x" if n.startswith("native") else f"**{geomean(list(ratios[n].values())):.2f}x**"
        for n in names) + " |")
    lines.append("| start-up to first output | " + " | ".join(
        f"{statistics.median(starts[n]):.2f} s" for n in names) + " |")
    print("\n" + "\n".join(lines))
    # Comparing toolchains is its own section, so the profile comparison stays published too.
    across = any("@" in spec for spec in args.profile or [])
    title = args.title or ("Runtime across Emscripten versions" if across else "Runtime")
    publish(title, "\n".join(lines))
    if args.chart:
        chart(args.chart, workloads, ratios, "CPython 3.11.2 workloads: time relative to native")
        print(f"\nchart: {args.chart}")


if __name__ == "__main__":
    main()
