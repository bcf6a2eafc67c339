#!/usr/bin/env python3
"""Build time: the seed's literal Node.js recipe vs `invoke wasm.node`, measured in one run.

    .venv/bin/python bench/build_time.py [--jobs N] [--rounds N]

Each round, on this machine and back to back:
  recipe   the seed README's commands, run literally in a scratch copy of the CPython source,
           with only the fixes they need to finish here (writable Emscripten cache, acorn's
           NODE_PATH, --no-experimental-fetch), and the ports already built;
  cold     `invoke wasm.node` into an empty build folder (CPYTHON_WASM_BUILDDIR), downloads and
           the Emscripten cache already in place;
  no-op    `invoke wasm.node` again, nothing changed.
Prints wall times and the ratios to the recipe. Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

from wasmbuild.build import Build, Options  # noqa: E402
from wasmbuild.toolchain import node_flags  # noqa: E402


def timed(argv: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> float:
    started = time.monotonic()
    with log.open("ab") as sink:
        sink.write(f"\n### {' '.join(argv)}\n".encode())
        sink.flush()
        subprocess.run(argv, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, check=True)
    return time.monotonic() - started


def literal_recipe(scratch: Path, build: Build, jobs: int, log: Path) -> float:
    """The seed's commands, verbatim but for the machine fixes noted in the docstring."""
    source = scratch / "cpython"
    shutil.copytree(build.source_dir, source, symlinks=True)
    emscripten = build.emscripten
    env = {**os.environ, **emscripten.env}
    native = source / "builddir" / "build"
    cross = source / "builddir" / "emscripten-node"
    native.mkdir(parents=True)
    cross.mkdir(parents=True)
    triple = subprocess.run([str(source / "config.guess")], capture_output=True, text=True,
                            check=True).stdout.strip()
    total = 0.0
    total += timed(["../../configure", "-C"], cwd=native, env=env, log=log)
    total += timed(["make", f"-j{jobs}"], cwd=native, env=env, log=log)
    total += timed([emscripten.tool("embuilder"), "build", "zlib", "bzip2"], cwd=source, env=env,
                   log=log)
    site = {"CONFIG_SITE": "../../Tools/wasm/config.site-wasm32-emscripten"}
    total += timed([emscripten.tool("emconfigure"), "../../configure", "-C",
                    "--host=wasm32-unknown-emscripten", f"--build={triple}",
                    "--with-emscripten-target=node", f"--with-build-python={native}/python"],
                   cwd=cross, env={**env, **site}, log=log)
    total += timed([emscripten.tool("emmake"), "make", f"-j{jobs}"], cwd=cross, env=env, log=log)
    flags = node_flags(build.versions, build.node, emscripten.version)
    subprocess.run([str(build.node.path), *flags, str(cross / "python.js"), "-c", "print(1)"],
                   check=True, capture_output=True)
    return total


def ours(builddir: Path, log: Path) -> float:
    env = {**os.environ, "CPYTHON_WASM_BUILDDIR": str(builddir)}
    return timed([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "wasm.node"],
                 cwd=CHECKOUT, env=env, log=log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    build = Build(Options(jobs=args.jobs))
    build.cross_build("node")  # source, ports and caches in place before anything is timed
    results: dict[str, list[float]] = {"recipe": [], "cold": [], "no-op": []}
    log = Path(tempfile.gettempdir()) / "bench-build-time.log"
    log.unlink(missing_ok=True)
    for round_number in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
            scratch = Path(tmp)
            print(f"round {round_number}: recipe …", flush=True)
            results["recipe"].append(literal_recipe(scratch, build, args.jobs, log))
            print(f"round {round_number}: invoke wasm.node (cold) …", flush=True)
            results["cold"].append(ours(scratch / "builddir", log))
            results["no-op"].append(ours(scratch / "builddir", log))
    recipe = min(results["recipe"])
    print(f"\n{date.today()}, {platform.node()}, {os.cpu_count()} CPUs, -j{args.jobs}, "
          f"CPython {build.cpython.version}, Emscripten {build.emscripten.version}, "
          f"best of {args.rounds} (log: {log})\n")
    print("| build | wall time | ratio to the recipe |")
    print("|---|---:|---:|")
    for name, times in results.items():
        best = min(times)
        print(f"| {name} | {best:.1f} s | {best / recipe:.3f} |")


if __name__ == "__main__":
    main()
