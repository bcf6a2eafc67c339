"""What CPython 3.13's REPL (PyREPL) asks of its terminal on Emscripten, answered by
Lib/wasm_site/wasm_terminal.py (run here by the host's Python). The settings and window size
the front ends answer (terminal_device.js) are tested with Node, end to end
(tests/e2e/test_terminal.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from wasmbuild.versions.config import CHECKOUT

sys.path.insert(0, str(CHECKOUT / "Lib" / "wasm_site"))
import wasm_terminal


def test_the_xterm_description_fills_in_cursor_moves() -> None:
    assert wasm_terminal.tparm(wasm_terminal.tigetstr("cup"), 4, 9) == b"\x1b[5;10H"
    assert wasm_terminal.tparm(wasm_terminal.tigetstr("cub"), 3) == b"\x1b[3D"
    assert wasm_terminal.tparm(wasm_terminal.tigetstr("hpa"), 0) == b"\x1b[1G"
    assert wasm_terminal.tigetstr("kcuu1") == b"\x1bOA"  # keypad mode, as xterm sends it
    assert wasm_terminal.tigetstr("no-such-capability") is None
    with pytest.raises(wasm_terminal.TerminalInfoError):
        wasm_terminal.tparm(b"%p1%x", 1)


def test_the_window_size_request_is_answered_from_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import struct

    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((132, 43)))
    assert struct.unpack("hhhh", wasm_terminal.ioctl(0, wasm_terminal.TIOCGWINSZ, b"\0" * 8)) == (
        43, 132, 0, 0)
    assert wasm_terminal.ioctl(0, wasm_terminal.FIONREAD, b"\0" * 4) == b"\0\0\0\0"
    with pytest.raises(OSError):
        wasm_terminal.ioctl(0, 0x1234)


def test_only_pyrepls_modules_see_the_stand_ins(tmp_path: Path) -> None:
    """A stand-in `_pyrepl` package imports `_curses` and `fcntl` as the real one does; once
    it is loaded, neither name is left in sys.modules for other programs."""
    package = tmp_path / "_pyrepl"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "curses.py").write_text("import _curses\ntigetstr = _curses.tigetstr\n")
    (package / "unix_console.py").write_text("from fcntl import ioctl\nfrom . import curses\n")
    script = textwrap.dedent(f"""
        import json, sys
        sys.path[:0] = [{str(tmp_path)!r}, {str(CHECKOUT / "Lib" / "wasm_site")!r}]
        sys.modules.pop("fcntl", None)
        import wasm_terminal
        wasm_terminal.install()
        import _pyrepl.unix_console as console
        print(json.dumps([console.ioctl is wasm_terminal.ioctl,
                          console.curses.tigetstr is wasm_terminal.tigetstr,
                          "_curses" in sys.modules, "fcntl" in sys.modules]))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert json.loads(result.stdout) == [True, True, False, False]
