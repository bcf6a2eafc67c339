"""The C API names python.wasm exports, for ctypes.pythonapi (-sEXPORTED_FUNCTIONS=@file).

A static Emscripten link exports only what it is told to. ctypes resolves names among the
exports (Tools/wasm/emscripten/ctypes_support.js), so `ctypes.pythonapi.PyLong_FromLong` needs
PyLong_FromLong exported. The list is CPython's stable ABI (Misc/stable_abi.toml: the functions
and data any extension may use), restricted by each entry's feature macro as this build's
pyconfig.h defines it, plus the few other names the standard library reaches through
ctypes.pythonapi.

    python3 Tools/wasm/wasmbuild/exports.py SOURCE_DIR PYCONFIG_H > c-api-exports.json
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

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


def export_list(source_dir: Path, pyconfig_h: Path) -> list[str]:
    """Names as EXPORTED_FUNCTIONS spells them (a leading underscore), sorted."""
    with (source_dir / "Misc" / "stable_abi.toml").open("rb") as f:
        stable_abi = tomllib.load(f)
    names = c_api_names(stable_abi, defined_macros(pyconfig_h.read_text()))
    extras = defined_in_source(source_dir, EXTRA_EXPORTS)
    return sorted({f"_{n}" for n in (*RUNTIME_EXPORTS, *extras, *names)})


if __name__ == "__main__":
    print(json.dumps(export_list(Path(sys.argv[1]), Path(sys.argv[2]))))
