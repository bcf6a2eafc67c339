"""Runs inside the wasm interpreter: exercises what the Node build promises, prints one JSON line.

    invoke wasm.run -- Lib/wasm_check.py
"""

import bz2
import json
import sys
import zlib

PAYLOAD = ("CPython on wasm32-emscripten, " * 200).encode()
DOCUMENT = {"name": "wasm", "numbers": [1, 2.5, None, True], "text": "é€"}


def roundtrip(compress, decompress):
    packed = compress(PAYLOAD)
    return {"ok": decompress(packed) == PAYLOAD, "ratio": round(len(packed) / len(PAYLOAD), 4)}


print(json.dumps({
    "platform": sys.platform,
    "version": sys.version.split()[0],
    "implementation": sys.implementation.name,
    "zlib": {**roundtrip(zlib.compress, zlib.decompress), "library": zlib.ZLIB_RUNTIME_VERSION},
    "bz2": roundtrip(bz2.compress, bz2.decompress),
    "json": json.loads(json.dumps(DOCUMENT)) == DOCUMENT,
}))
