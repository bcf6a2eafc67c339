"""Build profiles: how the cross build is optimised. Each profile builds in its own folder.

The default was chosen by measurement (bench/runtime.py, README "Running"): `fast` turns
CPython's small-object allocator back on, which the recipe's build leaves off; it ran the
workloads 3% faster (geometric mean) than `recipe`, while `lto` gained little for a 40% larger
python.wasm and three times the start-up; `size` makes python.wasm 12% smaller and the
workloads 34% slower.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import ConfigError


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str
    configure_args: tuple[str, ...] = ()
    configure_env: tuple[tuple[str, str], ...] = ()
    """Variables for the cross configure (CFLAGS, LDFLAGS: they reach every compile and link)."""
    make_args: tuple[str, ...] = ()
    target_suffix: str = ""
    """Appended to configure's --with-emscripten-target (`-debug` selects CPython's debug build)."""

    @property
    def pthreads(self) -> bool:
        return "--enable-wasm-pthreads" in self.configure_args

    @property
    def dynamic(self) -> bool:
        """python.wasm is Emscripten's MAIN_MODULE: every object it links must be PIC."""
        return "--enable-wasm-dynamic-linking" in self.configure_args


PROFILES = {p.name: p for p in (
    Profile("recipe", "CPython's own flags: -O3 compile, -O2 link, obmalloc off"),
    Profile("fast", "as recipe, plus obmalloc (--with-pymalloc) for small objects",
            configure_args=("--with-pymalloc",)),
    Profile("lto", "as fast, with link-time optimisation across all objects (-flto)",
            configure_args=("--with-pymalloc",),
            configure_env=(("CFLAGS", "-flto"), ("LDFLAGS", "-flto"),
                           # configure reads the float word order out of an object file, which
                           # is LLVM bitcode under -flto; wasm32 is little-endian.
                           ("ax_cv_c_float_words_bigendian", "no"))),
    Profile("size", "as fast, compiled with -Os for a smaller python.wasm",
            configure_args=("--with-pymalloc",),
            make_args=("OPT=-DNDEBUG -g -fwrapv -Os -Wall",)),
    Profile("o2", "as fast, compiled with -O2 instead of CPython's -O3 (as Pyodide compiles it)",
            configure_args=("--with-pymalloc",),
            make_args=("OPT=-DNDEBUG -g -fwrapv -O2 -Wall",)),
    Profile("trampoline", "as fast, with CPython's call trampoline (-DPY_CALL_TRAMPOLINE): C "
            "functions called through JavaScript, which V8 cannot inline into the eval loop",
            configure_args=("--with-pymalloc",),
            configure_env=(("CFLAGS", "-DPY_CALL_TRAMPOLINE"),)),
    Profile("release", "as fast, without DWARF debug info (CPython compiles with -g): the "
            "smallest download of the optimised build",
            configure_args=("--with-pymalloc",),
            make_args=("OPT=-DNDEBUG -fwrapv -O3 -Wall",)),
    Profile("debug", "CPython's <target>-debug build: DWARF debug info, no optimisation",
            target_suffix="-debug"),
    Profile("threads", "as recipe, with pthreads (USE_PTHREADS, PROXY_TO_PTHREAD): threading works",
            configure_args=("--enable-wasm-pthreads",)),
    Profile("dynamic", "as fast, linked as Emscripten's MAIN_MODULE: imports extension modules "
            "built as side modules (`invoke wasm.extension`), ctypes loads shared libraries",
            configure_args=("--with-pymalloc", "--enable-wasm-dynamic-linking")),
)}
DEFAULT_PROFILE = "fast"


def get(name: str | None) -> Profile:
    try:
        return PROFILES[name or DEFAULT_PROFILE]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ConfigError(f"unknown profile {name!r}", fix=f"use one of: {known}") from None
