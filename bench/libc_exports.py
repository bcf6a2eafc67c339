#!/usr/bin/env python3
"""What exporting the C library for ctypes costs: python.wasm and python.js linked with and
without the libc names of Tools/wasm/emscripten/libc_exports.txt, side by side in one run.

    .venv/bin/python bench/libc_exports.py [--emscripten 3.1.6] [--target browser]

Works on a copy of a finished build folder (`invoke wasm.browser` first): the copy is relinked
twice (`emmake make python.js` after python.js is deleted), once with the build's export list
and once with the libc names taken out. Also links the `dynamic` profile's size beside them
when that build exists (MAIN_MODULE exports everything). Writes a section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

from results import machine, publish  # noqa: E402
from sizes import sizes  # noqa: E402
from wasmbuild import options  # noqa: E402
from wasmbuild.core.layout import EMSCRIPTEN_TARGETS  # noqa: E402
from wasmbuild.extension import makefile_value  # noqa: E402
from wasmbuild.steps import exports  # noqa: E402
from wasmbuild.toolchains.context import Context, Options, resolve  # noqa: E402

LINKED = ("python.wasm", "python.js")


def measure(folder: Path) -> dict[str, tuple[int, int]]:
    found = {name: sizes(folder / name) for name in LINKED}
    missing = [name for name, size in found.items() if size is None]
    if missing:
        sys.exit(f"error: {', '.join(missing)} missing in {folder}")
    return {name: size for name, size in found.items() if size is not None}


def relink(ctx: Context, original: Path, folder: Path, names: list[str]
           ) -> dict[str, tuple[int, int]]:
    exports_file = folder / "c-api-exports.json"
    exports_file.write_text(json.dumps(names))
    for name in LINKED:
        (folder / name).unlink(missing_ok=True)
    # LIBS names the original folder's export list by its absolute path: point it at the copy's.
    libs = makefile_value(folder / "Makefile", "LIBS").replace(
        str(original / "c-api-exports.json"), str(exports_file))
    command = ctx.emscripten.command(ctx.emscripten.tool("emmake"), "make", "python.js",
                                     f"LIBS={libs}", cwd=folder, env=ctx.emscripten.env)
    done = subprocess.run(command.argv, cwd=folder, env={**os.environ, **command.env},
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"relink failed in {folder}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return measure(folder)


def cell(size: tuple[int, int]) -> str:
    return f"{size[0]:,} / {size[1]:,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_build_options(parser, ["emscripten"])
    parser.add_argument("--target", default="browser", choices=EMSCRIPTEN_TARGETS)
    args = parser.parse_args()
    ctx = resolve(Options(emscripten=args.emscripten))
    folder = ctx.target_dir(args.target)
    exported = json.loads((folder / "c-api-exports.json").read_text())
    libc = {f"_{n}" for n in exports.libc_names(exports.libc_archives(ctx.emscripten.cache_dir))}
    without = [n for n in exported if n not in libc or n in ("_malloc", "_free")]
    rows = []
    with tempfile.TemporaryDirectory(dir=folder.parent) as scratch:
        copy = Path(scratch) / folder.name
        print(f"copying {folder} ...", flush=True)
        shutil.copytree(folder, copy, symlinks=True)
        plain = relink(ctx, folder, copy, without)
        full = relink(ctx, folder, copy, exported)
    rows.append(("static, C API only", plain))
    rows.append((f"static, C API + {len(exported) - len(without)} libc functions (default)", full))
    dynamic = resolve(Options(emscripten=args.emscripten, profile="dynamic")).target_dir(args.target)
    if (dynamic / "python.wasm").is_file():
        rows.append(("`dynamic` profile (MAIN_MODULE: everything exported)", measure(dynamic)))
    lines = [f"| {label} | " + " | ".join(cell(sizes[n]) for n in LINKED) + " |"
             for label, sizes in rows]
    growth = full["python.wasm"][0] / plain["python.wasm"][0]
    gzip_growth = full["python.wasm"][1] / plain["python.wasm"][1]
    body = (f"{machine()}. CPython {ctx.cpython.version}, Emscripten {ctx.emscripten.version}, "
            f"{args.target} build, profile `fast`, relinked side by side from one build folder "
            "(`bench/libc_exports.py`); bytes / gzip -9 bytes.\n\n"
            "| python.wasm exports | python.wasm | python.js |\n|---|---:|---:|\n"
            + "\n".join(lines)
            + f"\n\nExporting the C library makes python.wasm {growth:.3f}x as large "
            f"({gzip_growth:.3f}x gzipped).")
    print(body)
    publish("Cost of exporting the C library (ctypes)", body)


if __name__ == "__main__":
    main()
