"""Run a WASI command module (python.wasm) under wasmtime, the runtime the `wasmtime` package
on PyPI embeds: the command-line runtime cannot be downloaded everywhere, the package can.

    python3 run_wasmtime.py [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--inherit-env]
                            MODULE [ARGS...]

Arguments after MODULE reach the program as its argv[1:]; standard input, output and error are
this process's; the program's exit status is this process's. With --inherit-env the program
gets this process's environment (--env entries win). Compiled code is cached by wasmtime (its
default cache folder), so only the first start of a module compiles it.

A WASI program starts in the folder `/`: a relative script path (`python.wasm script.py`) is
made absolute against this process's working folder first, as a native Python would read it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

import wasmtime

# CPython's deep recursions need more than wasmtime's default wasm stack; the embedded
# runtime refuses a stack above its async stack size, so stay below that.
MAX_WASM_STACK = 2 * 1024 * 1024


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


def run(options: argparse.Namespace) -> int:
    config = wasmtime.Config()
    config.cache = True
    config.max_wasm_stack = MAX_WASM_STACK
    engine = wasmtime.Engine(config)
    module = wasmtime.Module.from_file(engine, options.module)
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
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    store.set_wasi(wasi)
    instance = linker.instantiate(store, module)
    start = instance.exports(store)["_start"]
    assert isinstance(start, wasmtime.Func)
    try:
        start(store)
    except wasmtime.ExitTrap as exit_:
        return exit_.code
    return 0


if __name__ == "__main__":
    # WASI has no signals, so Python inside cannot raise KeyboardInterrupt; and while wasm
    # runs, a Python-level handler here would wait for it to return. Ctrl-C ends the process
    # at once instead, as it ends a native program that does not handle it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(run(parse(sys.argv[1:])))
