"""Runs inside the wasm interpreter: exercises what the Node build promises, prints one JSON line.

    invoke wasm.run -- Lib/wasm_check.py
"""

import bz2
import decimal
import json
import lzma
import sqlite3
import sys
import zlib

PAYLOAD = ("CPython on wasm32-emscripten, " * 200).encode()
DOCUMENT = {"name": "wasm", "numbers": [1, 2.5, None, True], "text": "é€"}


def roundtrip(compress, decompress):
    packed = compress(PAYLOAD)
    return {"ok": decompress(packed) == PAYLOAD, "ratio": round(len(packed) / len(PAYLOAD), 4)}


def sqlite_query():
    with sqlite3.connect(":memory:") as db:
        db.execute("create table t (name text, n integer)")
        db.executemany("insert into t values (?, ?)", [("a", 1), ("b", 2), ("é", 3)])
        rows = db.execute("select name, n * 10 from t where n >= 2 order by n").fetchall()
    return {"rows": rows, "sqlite": sqlite3.sqlite_version}


def decimal_precision():
    with decimal.localcontext() as context:
        context.prec = 50
        third = decimal.Decimal(1) / decimal.Decimal(3)
    import _decimal  # the C implementation, built on the libmpdec CPython bundles

    return {"third": str(third), "c_module": decimal.Decimal is _decimal.Decimal}


def ctypes_calls():
    """Foreign calls through libffi's wasm32 port: into the C library, and back into Python."""
    import ctypes

    libc = ctypes.CDLL(None)  # python.wasm itself: names resolve among its wasm exports
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    block = libc.malloc(64)
    ctypes.memmove(block, b"wasm ctypes\0", 12)  # libc's memmove, called through ffi_call
    text = ctypes.string_at(block)
    libc.free(block)
    # Callbacks are libffi closures: a new wasm function per callback, 64-bit values as BigInt.
    scale = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_double)(
        lambda n, factor: int(n * factor))
    try:
        missing = f"found {libc['no_such_function']!r}"  # CDLL[name] looks up like CDLL.name
    except AttributeError as error:
        missing = str(error)
    return {"text": text.decode(), "callback": scale(2**40, 1.5),
            "sizeof_pointer": ctypes.sizeof(ctypes.c_void_p), "missing": missing}


print(json.dumps({
    "platform": sys.platform,
    "version": sys.version.split()[0],
    "implementation": sys.implementation.name,
    "zlib": {**roundtrip(zlib.compress, zlib.decompress), "library": zlib.ZLIB_RUNTIME_VERSION},
    "bz2": roundtrip(bz2.compress, bz2.decompress),
    "json": json.loads(json.dumps(DOCUMENT)) == DOCUMENT,
    "lzma": roundtrip(lzma.compress, lzma.decompress),
    "sqlite3": sqlite_query(),
    "decimal": decimal_precision(),
    "ctypes": ctypes_calls(),
}))
