#!/usr/bin/env python3
"""The runtime benchmark in the browser: bench/workloads.py in our page and in Pyodide's, in
headless Chromium (or Firefox ESR, or WebKit), side by side in one run.

    .venv/bin/python bench/browser_runtime.py [--rounds 3] [--pyodide 0.23.4 --pyodide 314.0.7]
    .venv/bin/python bench/browser_runtime.py --build 3.11.2 --build 3.11.2@6.0.5
    .venv/bin/python bench/browser_runtime.py --build 3.11.2 --build 3.11.2:trampoline --engine firefox

Our browser build (`invoke wasm.browser` first) runs the workloads on our test page
(tests.html); each pinned Pyodide release (versions.toml, sha256-verified, copied under
builddir/ so the kit's server serves it) runs them on bench/pyodide_page.html, which answers
the same way, so one page runner drives both. A fresh page per run, rounds in rotating order;
per workload the median over rounds of each run's best-of-3, the ratio to the native build,
and the page's time to a finished `print` (our start-up; Pyodide's load). A measurement,
nothing asserted; the table goes to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))
sys.path.insert(0, str(CHECKOUT / "bench"))

from results import machine, publish  # noqa: E402
from runtime import geomean, pyodide_package, run_workloads  # noqa: E402
from wasmbuild.browser import browser_tests  # noqa: E402
from wasmbuild.browser.browser_tests import CHROMIUM_ARGS, BrowserRunner, serving  # noqa: E402
from wasmbuild.targets.browser import install_page  # noqa: E402
from wasmbuild.toolchains.context import Context, Options, resolve  # noqa: E402
from wasmbuild.versions import config, profiles  # noqa: E402
from wasmbuild.versions.config import PyodideRelease  # noqa: E402

WORKLOADS = CHECKOUT / "bench" / "workloads.py"
PAGE = CHECKOUT / "bench" / "pyodide_page.html"
TIMEOUT = 600.0


def results_of(output: str) -> dict[str, float]:
    line = next((ln for ln in output.splitlines() if ln.startswith("{")), None)
    if line is None:
        sys.exit(f"error: no results in the page's output:\n{output[-2000:]}")
    return dict(json.loads(line)["results"])


@dataclass
class Measured:
    names: list[str]
    """The columns: our builds, then the Pyodide releases."""
    native: dict[str, float]
    """Per workload, the native build's median (the CPython of the first of our builds)."""
    median: dict[str, dict[str, float]]
    starts: dict[str, float]
    """The page's median time to a finished `print`."""
    rounds: dict[str, dict[str, list[float]]]
    """Per column and workload, each round's best-of-3 in order: round 1 is the program's
    first run in its browser (python.wasm's module was compiled once before, for `print`)."""


DEFAULT_V8 = ("", ())
"""A V8 setting: (label, Chromium's --js-flags words); the default is Chromium's own."""


def build_label(build: Context) -> str:
    """A column's name: the CPython, the Emscripten, and the profile when not the default."""
    profile = "" if build.profile.name == profiles.DEFAULT_PROFILE else f", {build.profile.name}"
    return f"ours ({build.cpython.version}, Emscripten {build.emscripten.version}{profile})"


def parse_build(spec: str) -> Context:
    """PYTHON[@EMSCRIPTEN][:PROFILE] as a resolved build."""
    versions, _, profile = spec.partition(":")
    python, _, emscripten = versions.partition("@")
    return resolve(Options(python_version=python, emscripten=emscripten or None,
                           profile=profile or None))


def measure(builds: list[Context], chosen: list[PyodideRelease], rounds: int,
            v8_settings: Sequence[tuple[str, Sequence[str]]] = (DEFAULT_V8,),
            engine: str = "chromium", native_runs: bool = True) -> Measured:
    """Every build's page and every Pyodide's page, under each V8 setting (its own Chromium;
    other engines take none), in `engine`, a fresh page per run, rounds in a rotating order;
    then the native build of the first build's CPython (unless `native_runs` is False, when
    the caller has it from another measurement: `native` is then empty)."""
    first = builds[0]
    for build in builds:
        if not (build.target_dir("browser") / "python.js").is_file():
            sys.exit(f"error: {build.target_dir('browser')} has no browser build\nfix: invoke "
                     f"wasm.browser --python-version {build.cpython.version}")
        install_page(build, build.target_dir("browser"))  # the checkout's page, not the build's
    # Files the server may serve: under the checkout.
    served = first.paths.builddir / "bench-browser"
    served.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PAGE, served / PAGE.name)
    bundle_data = json.dumps({"/workloads.py": base64.b64encode(WORKLOADS.read_bytes()).decode()})
    for build in builds:
        (build.target_dir("browser") / "bench-bundle.json").write_text(bundle_data)
    shutil.copyfile(WORKLOADS, served / WORKLOADS.name)
    for release in chosen:
        target = served / f"pyodide-{release.version}"
        if not (target / "pyodide.js").is_file():
            shutil.copytree(pyodide_package(release, first), target, dirs_exist_ok=True)
    root = first.paths.root

    def labelled(name: str, label: str) -> str:
        return f"{name}, {label}" if label else name

    ours: dict[str, BrowserRunner] = {}
    theirs: dict[str, BrowserRunner] = {}
    flags: dict[str, list[str]] = {}
    """Per column, Chromium's arguments: the runner starts its browser at its first page."""
    pyodide_names = [f"pyodide {r.version} ({r.cpython})" for r in chosen]
    for label, words in v8_settings:
        extra = [f"--js-flags={' '.join(words)}"] if words else []
        for b in builds:
            name = labelled(build_label(b), label)
            ours[name] = BrowserRunner(root, os.path.relpath(
                b.target_dir("browser") / "tests.html", root), TIMEOUT, served, engine=engine)
            flags[name] = extra
        runner = BrowserRunner(root, os.path.relpath(served / PAGE.name, root), TIMEOUT, served,
                               engine=engine)
        for pyodide in pyodide_names:
            theirs[labelled(pyodide, label)] = runner
            flags[labelled(pyodide, label)] = extra
    names = [*ours, *theirs]
    times: dict[str, dict[str, list[float]]] = {n: {} for n in names}
    starts: dict[str, list[float]] = {n: [] for n in names}
    native: dict[str, list[float]] = {}
    (served / "ready.py").write_text("print('ready')\n")
    try:
        with serving(root) as base:
            url = f"{base}{os.path.relpath(served, root)}"

            def run(name: str, script: str, script_args: list[str]) -> str:
                """`script` ('workloads.py' or 'ready.py') in one fresh page."""
                # Read when the column's runner starts its browser (its first page); runs
                # are one at a time, so each column's browser gets its own setting.
                browser_tests.CHROMIUM_ARGS = (*CHROMIUM_ARGS, *flags[name])  # type: ignore[assignment]
                if name in ours:
                    argv = ["/workloads.py", *script_args] if script == "workloads.py" else \
                        ["-c", "print('ready')"]
                    output, status, _, _ = ours[name].run_args(base, argv,
                                                               bundle="bench-bundle.json")
                else:
                    package = f"{url}/pyodide-{name.split()[1]}/"
                    output, status, _, _ = theirs[name].run_args(
                        base, [package, f"{url}/{script}", *script_args], bundle=None)
                if status != 0:
                    sys.exit(f"error: {name} failed:\n{output[-2000:]}")
                return output

            for round_number in range(rounds):
                shift = round_number % len(names)
                for name in names[shift:] + names[:shift]:
                    print(f"round {round_number + 1}/{rounds}: {name}", flush=True)
                    started = time.perf_counter()
                    run(name, "ready.py", [])
                    starts[name].append(time.perf_counter() - started)
                    for workload, seconds in results_of(
                            run(name, "workloads.py", ["--repeat", "3"])).items():
                        times[name].setdefault(workload, []).append(seconds)
        for _ in range(rounds if native_runs else 0):
            for workload, seconds in run_workloads([str(first.native_dir / "python")], 3).items():
                native.setdefault(workload, []).append(seconds)
    finally:
        browser_tests.CHROMIUM_ARGS = CHROMIUM_ARGS
        for runner in {*ours.values(), *theirs.values()}:
            runner.close()
    workloads = list(next(iter(times.values())))
    return Measured(names, {w: statistics.median(native[w]) for w in native},
                    {n: {w: statistics.median(times[n][w]) for w in workloads} for n in names},
                    {n: statistics.median(starts[n]) for n in names}, times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pyodide", action="append", help="pinned releases (default: all)")
    parser.add_argument("--build", action="append", default=[],
                        help="our browser build(s): PYTHON[@EMSCRIPTEN][:PROFILE] (default: the "
                        "quick start's); ratios are against the first one's native build")
    parser.add_argument("--engine", choices=sorted(browser_tests.LAUNCHERS), default="chromium")
    parser.add_argument("--title", default="Runtime in the browser")
    args = parser.parse_args()
    builds = [parse_build(spec) for spec in args.build] or [resolve(Options())]
    ctx = builds[0]
    pinned = {p.version: p for p in config.load().bench_pyodide}
    chosen = [pinned[v] for v in args.pyodide] if args.pyodide else list(pinned.values())
    measured = measure(builds, chosen, args.rounds, engine=args.engine)
    names, base_time, median = measured.names, measured.native, measured.median
    workloads = list(base_time)
    lines = [f"{machine()}; headless {args.engine}, a fresh page per run, median of "
             f"{args.rounds} rounds, best of 3 each (`bench/browser_runtime.py`); ratios against "
             f"the native build of CPython {ctx.cpython.version}", "",
             "| workload | native | " + " | ".join(names) + " |",
             "|---|---:|" + "---:|" * len(names)]
    for w in workloads:
        lines.append(f"| {w} | {base_time[w] * 1000:.0f} ms | " + " | ".join(
            f"{median[n][w] * 1000:.0f} ms ({median[n][w] / base_time[w]:.2f}x)" for n in names)
            + " |")
    lines.append("| **geometric mean vs native** | 1.00x | " + " | ".join(
        f"**{geomean([median[n][w] / base_time[w] for w in workloads]):.2f}x**" for n in names)
        + " |")
    lines.append("| page to a finished `print` | | " + " | ".join(
        f"{measured.starts[n]:.2f} s" for n in names) + " |")
    print("\n".join(lines))
    publish(args.title, "\n".join(lines))


if __name__ == "__main__":
    main()
