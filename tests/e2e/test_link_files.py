"""End to end: our C files on python.js's link line (versions.toml fixes) leave configure's
answers alone. They are on LDFLAGS, so every link check of configure links them too; a file
that broke such a check made a fresh configure answer "no clock_gettime", and the build failed
(stored answers from before the file hid it on machines that had them)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ..conftest import CHECKOUT  # noqa: F401  (puts Tools/wasm on sys.path)

pytestmark = pytest.mark.e2e

# Functions CPython's configure looks for that our C files define or use.
CHECKED = ["nanosleep", "clock_nanosleep", "clock_gettime", "dlopen", "dlsym"]


def test_configure_link_checks_pass_with_our_link_files(tmp_path: Path) -> None:
    from wasmbuild.toolchains.context import Options, resolve

    ctx = resolve(Options())
    emscripten = ctx.provide_emscripten()
    c_files = sorted({p for fix in ctx.versions.fixes_for(emscripten.version)
                      for p in fix.link_files if p.suffix == ".c"})
    assert c_files, f"no C file on the link line for Emscripten {emscripten.version}"
    for name in CHECKED:
        probe = tmp_path / f"{name}.c"
        probe.write_text(f"char {name}();\nint main(void) {{ return {name}(); }}\n")
        command = emscripten.command(emscripten.tool("emcc"), probe, *c_files, "-o",
                                     tmp_path / f"{name}.js", cwd=tmp_path)
        linked = subprocess.run(command.argv, cwd=tmp_path, capture_output=True, text=True,
                                env={**os.environ, **emscripten.env}, timeout=300)
        assert linked.returncode == 0, f"configure would answer 'no {name}':\n{linked.stderr}"
