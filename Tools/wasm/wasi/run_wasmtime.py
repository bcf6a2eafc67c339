"""Run a WASI command module (python.wasm) under wasmtime, the runtime the `wasmtime` package
on PyPI embeds: the command-line runtime cannot be downloaded everywhere, the package can.

    python3 run_wasmtime.py [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--inherit-env]
                            MODULE [ARGS...]

Arguments after MODULE reach the program as its argv[1:]; standard input, output and error are
this process's; the program's exit status is this process's. With --inherit-env the program
gets this process's environment (--env entries win). Only the first start of a module compiles
it: its machine code is kept in the kit's cache (`compiled`).

A WASI program starts in the folder `/`: a relative script path (`python.wasm script.py`) is
made absolute against this process's working folder first, as a native Python would read it.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import os
import signal
import sys
import threading
from pathlib import Path

import wasmtime

# CPython's deep recursions need more than wasmtime's default wasm stack; the embedded
# runtime refuses a stack above its async stack size, so stay below that.
MAX_WASM_STACK = 2 * 1024 * 1024
WASMTIME_VERSION = importlib.metadata.version("wasmtime")
CACHE = Path(os.environ.get("CPYTHON_WASM_CACHE") or Path.home() / ".cache" / "cpython-wasm") / "wasmtime"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                        help="a host folder the program sees (at GUEST, default the same path)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--inherit-env", action="store_true")
    parser.add_argument("module")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    return parser.parse_args(argv)


# Python's options that take a value as the next word; -c and -m end the options.
VALUE_OPTIONS = {"-W", "-X", "--check-hash-based-pycs"}


def absolute_script(args: list[str]) -> list[str]:
    """`args` with a relative script path made absolute (see the module's docstring)."""
    words = list(args)
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("-c", "-m", "-", "--") or word.startswith(("-c", "-m")):
            return words
        if word.startswith("-"):
            index += 2 if word in VALUE_OPTIONS else 1
            continue
        if not os.path.isabs(word) and os.path.exists(word):
            words[index] = os.path.abspath(word)
        return words
    return words


def make_engine(*, wasmtime_cache: bool = False) -> wasmtime.Engine:
    config = wasmtime.Config()
    if wasmtime_cache:
        config.cache = True
    config.max_wasm_stack = MAX_WASM_STACK
    return wasmtime.Engine(config)


def compiled(engine: wasmtime.Engine, path: str) -> wasmtime.Module:
    """`path` compiled once: its machine code is kept in a .cwasm file of the kit's cache,
    which later starts map as it is (wasmtime's own cache decompresses its copy each start:
    about 0.1 s for python.wasm). Named after the module's path, size and time, so a rebuilt
    module is compiled afresh; a file wasmtime cannot take (another release's) is replaced."""
    stat = os.stat(path)
    key = hashlib.sha256(f"{os.path.realpath(path)} {stat.st_size} {stat.st_mtime_ns} "
                         f"{WASMTIME_VERSION}".encode()).hexdigest()[:16]
    cwasm = CACHE / f"{os.path.basename(path)}-{key}.cwasm"
    if os.path.isfile(cwasm):
        try:
            return wasmtime.Module.deserialize_file(engine, str(cwasm))
        except wasmtime.WasmtimeError:
            pass
    module = wasmtime.Module.from_file(engine, path)
    with contextlib.suppress(OSError):  # a read-only cache only costs the next start
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = cwasm.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(module.serialize())
        os.replace(partial, cwasm)
    return module


def wasi_config(options: argparse.Namespace) -> wasmtime.WasiConfig:
    """The program's arguments, environment, folders and standard streams."""
    wasi = wasmtime.WasiConfig()
    wasi.argv = [options.module, *absolute_script(options.args)]
    env = dict(os.environ) if options.inherit_env else {}
    env.update(item.split("=", 1) for item in options.env)
    wasi.env = list(env.items())
    for mapping in options.dir:
        host, _, guest = mapping.partition("::")
        wasi.preopen_dir(host, guest or host)
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    return wasi


def run(options: argparse.Namespace) -> int:
    engine = make_engine()
    module = compiled(engine, options.module)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    store.set_wasi(wasi_config(options))
    instance = linker.instantiate(store, module)
    start = instance.exports(store)["_start"]
    assert isinstance(start, wasmtime.Func)
    try:
        start(store)
    except wasmtime.ExitTrap as exit_:
        return exit_.code
    return 0


# What a native Python prints when Ctrl-C ends it outside any handler, and its status as a
# shell reports it (128 + SIGINT).
INTERRUPTED_LINE = "KeyboardInterrupt"
INTERRUPTED_STATUS = 128 + signal.SIGINT


def run_interruptibly(options: argparse.Namespace) -> int:
    """`run` in a thread of its own, so that Ctrl-C is heard while wasm runs: WASI preview 1
    has no signals and wasmtime cannot enter a running instance to raise KeyboardInterrupt
    in it, so Ctrl-C ends the program as an unhandled KeyboardInterrupt ends a native
    Python: its line, then death by SIGINT, status 130 in a shell (what the program had not
    yet flushed is lost)."""
    status: list[int] = []
    failure: list[BaseException] = []

    def program() -> None:
        try:
            status.append(run(options))
        except BaseException as exc:  # handed to the main thread, which reports it
            failure.append(exc)

    worker = threading.Thread(target=program, name="wasm", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)  # wakes to let this thread run its signal handlers
    except KeyboardInterrupt:
        sys.stdout.flush()
        print(INTERRUPTED_LINE, file=sys.stderr, flush=True)
        # Ended by SIGINT, as native CPython ends on an unhandled KeyboardInterrupt; the wasm
        # thread may be blocked in a read, so it is not waited for.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        os._exit(INTERRUPTED_STATUS)  # where SIGINT does not end the process
    if failure:
        raise failure[0]
    return status[0]


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(run_interruptibly(parse(sys.argv[1:])))
