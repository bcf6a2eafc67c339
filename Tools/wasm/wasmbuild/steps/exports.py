"""The names python.wasm exports for ctypes (-sEXPORTED_FUNCTIONS=@file): the C API, for
ctypes.pythonapi, and the C library's everyday functions, for ctypes.CDLL(None).

A static Emscripten link exports only what it is told to. ctypes resolves names among the
exports (Tools/wasm/emscripten/ctypes_support.js), so `ctypes.pythonapi.PyLong_FromLong` needs
PyLong_FromLong exported. The list is CPython's stable ABI (Misc/stable_abi.toml: the functions
and data any extension may use), restricted by each entry's feature macro as this build's
pyconfig.h defines it, plus the few other names the standard library reaches through
ctypes.pythonapi. The C library names are Tools/wasm/emscripten/libc_exports.txt, those of
them that the Emscripten's libc.a defines (read from the archive's symbol index).

    python3 Tools/wasm/wasmbuild/steps/exports.py SOURCE_DIR PYCONFIG_H [ARCHIVE.a ...] > exports.json
"""

from __future__ import annotations

import json
import re
import struct
import sys
import tomllib
from pathlib import Path
from typing import Any

LIBC_LIST = Path(__file__).resolve().parents[2] / "emscripten" / "libc_exports.txt"

# Emscripten's own exports, which an explicit list must repeat.
RUNTIME_EXPORTS = ("main", "malloc", "free")

# Outside the stable ABI, used through ctypes.pythonapi by the stdlib or its tests
# (test_capi checks that Py_FrozenMain is exported, as on every platform but Windows).
# The names changed between releases (3.12 made the underscored ones inline wrappers of
# PyUnstable_*), so only those the tree defines in C are exported.
EXTRA_EXPORTS = ("_PyEval_RequestCodeExtraIndex", "_PyCode_GetExtra", "_PyCode_SetExtra",
                 "PyUnstable_Eval_RequestCodeExtraIndex", "PyUnstable_Code_GetExtra",
                 "PyUnstable_Code_SetExtra", "PyFile_NewStdPrinter", "Py_OptimizeFlag",
                 "Py_FrozenMain")
SOURCE_FOLDERS = ("Objects", "Python", "Modules")

# Feature macros that headers derive from pyconfig.h rather than pyconfig.h defining them.
DERIVED_MACROS = {"Py_REF_DEBUG": "Py_DEBUG"}

# Written before configure runs, so that its link tests find the file LDFLAGS names.
PLACEHOLDER = [f"_{name}" for name in RUNTIME_EXPORTS]


def defined_macros(pyconfig_h: str) -> set[str]:
    return set(re.findall(r"^#define\s+(\w+)", pyconfig_h, flags=re.M))


def c_api_names(stable_abi: dict[str, Any], macros: set[str]) -> list[str]:
    """Stable-ABI functions and data available with these macros defined."""
    names = []
    for kind in ("function", "data"):
        for name, entry in stable_abi.get(kind, {}).items():
            macro = entry.get("ifdef")
            if macro and DERIVED_MACROS.get(macro, macro) not in macros:
                continue
            names.append(name)
    return names


def defined_in_source(source_dir: Path, names: tuple[str, ...]) -> list[str]:
    """The names the tree's C files define: a function at the start of a line (CPython's
    style puts the return type on the line before) or a variable given a value."""
    text = "\n".join(path.read_text(errors="replace") for folder in SOURCE_FOLDERS
                     for path in sorted((source_dir / folder).glob("*.c")))
    return [n for n in names if re.search(rf"^{n}\(|\b{n}\s*=", text, flags=re.M)]


def libc_wanted(text: str) -> list[str]:
    """The names of libc_exports.txt: words outside comments and [header] lines."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [name for line in lines if line and not line.startswith("[") for name in line.split()]


def archive_symbols(archive: Path) -> set[str]:
    """The global symbols an `ar` archive's members define, from its symbol index (the first
    member, "/" or "/SYM64/", which llvm-ar writes and wasm-ld reads)."""
    data = archive.read_bytes()
    if data[:8] != b"!<arch>\n" or len(data) < 68:
        raise ValueError(f"{archive} is not an ar archive")
    name, size = data[8:24].decode().strip(), int(data[56:66])
    body = data[68:68 + size]
    if name == "/":
        count, width = struct.unpack(">I", body[:4])[0], 4
    elif name == "/SYM64/":
        count, width = struct.unpack(">Q", body[:8])[0], 8
    else:
        raise ValueError(f"{archive} has no symbol index")
    strings = body[width + width * count:].split(b"\0")[:count]
    return {s.decode() for s in strings}


# The archives of an Emscripten cache that hold the C library: libc and its allocator.
LIBC_ARCHIVES = ("libc.a", "libdlmalloc.a")


def libc_archives(emscripten_cache: Path | None) -> list[Path]:
    if emscripten_cache is None:
        return []
    lib = emscripten_cache / "sysroot" / "lib" / "wasm32-emscripten"
    return [lib / name for name in LIBC_ARCHIVES if (lib / name).is_file()]


def libc_names(archives: list[Path]) -> list[str]:
    """The listed C library functions these archives define in C (none without them)."""
    defined = set().union(*(archive_symbols(a) for a in archives))
    return [n for n in libc_wanted(LIBC_LIST.read_text()) if n in defined]


def export_list(source_dir: Path, pyconfig_h: Path, archives: list[Path] | None = None) -> list[str]:
    """Names as EXPORTED_FUNCTIONS spells them (a leading underscore), sorted."""
    with (source_dir / "Misc" / "stable_abi.toml").open("rb") as f:
        stable_abi = tomllib.load(f)
    names = c_api_names(stable_abi, defined_macros(pyconfig_h.read_text()))
    extras = defined_in_source(source_dir, EXTRA_EXPORTS)
    libc = libc_names(archives or [])
    return sorted({f"_{n}" for n in (*RUNTIME_EXPORTS, *extras, *names, *libc)})


if __name__ == "__main__":
    print(json.dumps(export_list(Path(sys.argv[1]), Path(sys.argv[2]),
                                 [Path(a) for a in sys.argv[3:]])))
