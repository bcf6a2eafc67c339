#!/usr/bin/env python3
"""Build time: the seed's literal recipe vs `invoke wasm.node` / `wasm.browser`, in one run.

    .venv/bin/python bench/build_time.py [--jobs N] [--skip-browser]

Back to back on this machine, each in a scratch copy of the pinned CPython source:
  recipe         the seed README's commands, literally, with only the fixes they need to finish
                 here (writable Emscripten cache, acorn's NODE_PATH, --no-experimental-fetch);
  ours, cold     `invoke wasm.node` (then `wasm.browser`) into an empty build folder, with an
                 empty configure store and compiler cache (downloads and the copied Emscripten
                 cache are in place, as they are for the recipe);
  ours, warm     the same after `wasm.clean`: the configure answers and ccache are warm;
  no-op          `invoke wasm.node` again, nothing changed;
  one file       a comment added to Objects/floatobject.c, then `invoke wasm.node`.
Prints wall times and ratios to the recipe. Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

from results import machine, publish  # noqa: E402
from wasmbuild import recipe as kit_recipe  # noqa: E402
from wasmbuild.core.layout import default_cache_root  # noqa: E402
from wasmbuild.toolchains.context import Context, Options, resolve  # noqa: E402
from wasmbuild.toolchains.nodejs import node_flags  # noqa: E402


def timed(argv: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> float:
    started = time.monotonic()
    with log.open("ab") as sink:
        sink.write(f"\n### {' '.join(argv)}\n".encode())
        sink.flush()
        subprocess.run(argv, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, check=True)
    return time.monotonic() - started


def literal_recipe(source: Path, build: Context, jobs: int, browser: bool, log: Path
                   ) -> dict[str, float]:
    """The seed's commands, verbatim but for the machine fixes noted in the docstring."""
    emscripten = build.emscripten
    env = {**os.environ, **emscripten.env}
    env.pop("EM_COMPILER_WRAPPER", None)  # the recipe has no compiler cache
    native = source / "builddir" / "build"
    native.mkdir(parents=True)
    triple = subprocess.run([str(source / "config.guess")], capture_output=True, text=True,
                            check=True).stdout.strip()
    node_time = timed(["../../configure", "-C"], cwd=native, env=env, log=log)
    node_time += timed(["make", f"-j{jobs}"], cwd=native, env=env, log=log)
    node_time += timed([emscripten.tool("embuilder"), "build", "zlib", "bzip2"], cwd=source,
                       env=env, log=log)
    site = {"CONFIG_SITE": "../../Tools/wasm/config.site-wasm32-emscripten"}
    times = {}
    for target in ("node", "browser") if browser else ("node",):
        cross = source / "builddir" / f"emscripten-{target}"
        cross.mkdir(parents=True)
        elapsed = timed([emscripten.tool("emconfigure"), "../../configure", "-C",
                         "--host=wasm32-unknown-emscripten", f"--build={triple}",
                         f"--with-emscripten-target={target}",
                         f"--with-build-python={native}/python"],
                        cwd=cross, env={**env, **site}, log=log)
        elapsed += timed([emscripten.tool("emmake"), "make", f"-j{jobs}"], cwd=cross, env=env,
                         log=log)
        times[target] = elapsed
    times["node"] += node_time
    flags = node_flags(build.versions, build.node, emscripten.version)
    subprocess.run([str(build.node.path), *flags, str(source / "builddir" / "emscripten-node" /
                                                      "python.js"), "-c", "print(1)"],
                   check=True, capture_output=True)
    return times


def invoke(task: str, source: Path, env: dict[str, str], log: Path, *extra: str) -> float:
    return timed([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), task, "--source",
                  str(source), *extra], cwd=CHECKOUT, env=env, log=log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    browser = not args.skip_browser
    build = resolve(Options(jobs=args.jobs))
    kit_recipe.build_target(build, "node")  # source, ports and the Emscripten cache in place first
    log = Path(tempfile.gettempdir()) / "bench-build-time.log"
    log.unlink(missing_ok=True)
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        scratch = Path(tmp)
        recipe_source = scratch / "recipe" / "cpython"
        shutil.copytree(build.source_dir, recipe_source, symlinks=True)
        print("literal recipe …", flush=True)
        recipe = literal_recipe(recipe_source, build, args.jobs, browser, log)
        recipe_total = sum(recipe.values())

        # Our runs: fresh configure store and ccache; downloads and Emscripten cache shared.
        cache = scratch / "cache"
        cache.mkdir()
        real_cache = default_cache_root()
        for shared in ("downloads", "emscripten"):
            (cache / shared).symlink_to(real_cache / shared)
        source = scratch / "ours" / "cpython"
        shutil.copytree(build.source_dir, source, symlinks=True)
        env = {**os.environ, "CPYTHON_WASM_CACHE": str(cache),
               "CPYTHON_WASM_BUILDDIR": str(scratch / "builddir")}
        jobs = f"--jobs={args.jobs}"

        def both() -> tuple[float, float | None]:
            node = invoke("wasm.node", source, env, log, jobs)
            web = invoke("wasm.browser", source, env, log, jobs) if browser else None
            return node, web

        print("ours, cold …", flush=True)
        cold = both()
        print("ours, warm caches …", flush=True)
        invoke("wasm.clean", source, env, log, "--what=cpython")
        warm = both()
        print("no-op and one-file change …", flush=True)
        noop = invoke("wasm.node", source, env, log)
        with (source / "Objects" / "floatobject.c").open("a") as f:
            f.write("\n/* touched by bench/build_time.py */\n")
        one_file = invoke("wasm.node", source, env, log, jobs)

    rows.append(("literal recipe, node", recipe["node"]))
    rows.append(("ours, cold, node", cold[0]))
    rows.append(("ours, warm caches, node", warm[0]))
    if browser:
        rows.append(("literal recipe, node + browser", recipe_total))
        rows.append(("ours, cold, node + browser", cold[0] + (cold[1] or 0)))
        rows.append(("ours, warm caches, node + browser", warm[0] + (warm[1] or 0)))
    rows.append(("no-op `invoke wasm.node`", noop))
    rows.append(("one .c file changed, `invoke wasm.node`", one_file))
    lines = [f"{machine()}, -j{args.jobs}, CPython {build.cpython.version}, Emscripten "
             f"{build.emscripten.version}, `.venv/bin/python bench/build_time.py`", "",
             "| build | wall time | ratio to the recipe |", "|---|---:|---:|"]
    for name, seconds in rows:
        base = recipe_total if "browser" in name else recipe["node"]
        lines.append(f"| {name} | {seconds:.1f} s | {seconds / base:.2f} |")
    print("\n" + "\n".join(lines))
    print(f"(log: {log})")
    publish("Build time", "\n".join(lines))

if __name__ == "__main__":
    main()
