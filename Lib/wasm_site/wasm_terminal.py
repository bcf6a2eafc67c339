"""What CPython 3.13's own REPL (PyREPL, the `_pyrepl` package) needs from its terminal,
given to it on Emscripten, where the C libraries behind it are missing.

PyREPL reads the terminal's control sequences from terminfo through `_curses` (or, failing
that, ncurses loaded with ctypes) and the window size through `fcntl.ioctl`. Neither module
exists in an Emscripten build, so 3.13 fell back to the basic REPL. The terminals the kit
gives Python (the page's xterm.js and, through the Node runner, the user's own terminal)
understand the xterm control sequences, so this module answers for them:

- `TerminalInfo` stands in for `_curses`: `setupterm`, `tigetstr` and `tparm` for the
  capabilities PyREPL asks for, from the xterm terminal description;
- `ioctl` stands in for `fcntl.ioctl`, for the two requests PyREPL makes: the window size
  (answered by `os.get_terminal_size()`, which the terminal layer keeps current) and the
  bytes waiting to be read (none: the terminal layer hands them over as they come).

They are seen by `_pyrepl.unix_console` (and `_pyrepl.curses`) alone: `install()` adds an
import hook that puts them in `sys.modules` only while those modules load, so `import
fcntl` or `import curses` in a program still fails as before.
"""

from __future__ import annotations

import errno
import os
import struct
import sys
import types

TIOCGWINSZ = 0x5413
FIONREAD = 0x541B

# The xterm terminal description: what PyREPL moves the cursor and edits the line with, and
# what the keys send in the keypad mode ("smkx") it turns on.
XTERM = {
    "bel": b"\x07", "civis": b"\x1b[?25l", "clear": b"\x1b[H\x1b[2J", "cnorm": b"\x1b[?25h",
    "cub": b"\x1b[%p1%dD", "cub1": b"\x08", "cud": b"\x1b[%p1%dB", "cud1": b"\n",
    "cuf": b"\x1b[%p1%dC", "cuf1": b"\x1b[C", "cup": b"\x1b[%i%p1%d;%p2%dH",
    "cuu": b"\x1b[%p1%dA", "cuu1": b"\x1b[A", "dch": b"\x1b[%p1%dP", "dch1": b"\x1b[P",
    "el": b"\x1b[K", "hpa": b"\x1b[%i%p1%dG", "ich": b"\x1b[%p1%d@", "ind": b"\n",
    "ri": b"\x1bM", "smkx": b"\x1b[?1h\x1b=", "rmkx": b"\x1b[?1l\x1b>",
    "kbs": b"\x7f", "kcub1": b"\x1bOD", "kcud1": b"\x1bOB", "kcuf1": b"\x1bOC",
    "kcuu1": b"\x1bOA", "kdch1": b"\x1b[3~", "kend": b"\x1bOF", "kent": b"\x1bOM",
    "khome": b"\x1bOH", "kich1": b"\x1b[2~", "knp": b"\x1b[6~", "kpp": b"\x1b[5~",
    "kf1": b"\x1bOP", "kf2": b"\x1bOQ", "kf3": b"\x1bOR", "kf4": b"\x1bOS",
    "kf5": b"\x1b[15~", "kf6": b"\x1b[17~", "kf7": b"\x1b[18~", "kf8": b"\x1b[19~",
    "kf9": b"\x1b[20~", "kf10": b"\x1b[21~", "kf11": b"\x1b[23~", "kf12": b"\x1b[24~",
}


class TerminalInfoError(Exception):
    """`_curses.error`."""


def setupterm(term: str | None = None, fd: int = -1) -> None:
    """Every terminal the kit gives Python speaks xterm's sequences; nothing to look up."""


def tigetstr(capability: str) -> bytes | None:
    return XTERM.get(capability)


def tparm(template: bytes, *params: int) -> bytes:
    """Fill in a terminfo template. The capabilities above use only %i (count from 1),
    %pN (push parameter N), %d (pop and print in decimal) and %%."""
    values = list(params) + [0] * (9 - len(params))
    stack: list[int] = []
    out = bytearray()
    i = 0
    while i < len(template):
        byte = template[i : i + 1]
        if byte != b"%":
            out += byte
            i += 1
            continue
        code = template[i + 1 : i + 2]
        if code == b"i":
            values[0] += 1
            values[1] += 1
        elif code == b"p":
            stack.append(values[int(template[i + 2 : i + 3]) - 1])
            i += 1
        elif code == b"d":
            out += str(stack.pop() if stack else 0).encode()
        elif code == b"%":
            out += b"%"
        else:
            raise TerminalInfoError(f"unsupported terminfo code %{code.decode()}")
        i += 2
    return bytes(out)


def ioctl(fd: int, request: int, arg: bytes | int = 0, mutate_flag: bool = True) -> bytes:
    if request == TIOCGWINSZ:
        columns, lines = os.get_terminal_size(fd)
        return struct.pack("hhhh", lines, columns, 0, 0)
    if request == FIONREAD:
        return struct.pack("i", 0)
    raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))


def _module(name: str, **members: object) -> types.ModuleType:
    module = types.ModuleType(name, f"PyREPL's view of its terminal ({__name__})")
    module.__dict__.update(members)
    return module


SHIMS = {
    "_curses": _module("_curses", setupterm=setupterm, tigetstr=tigetstr, tparm=tparm,
                       error=TerminalInfoError),
    "fcntl": _module("fcntl", ioctl=ioctl),
}
NEEDS_SHIMS = ("_pyrepl.curses", "_pyrepl.unix_console")


def _with_shims(load) -> None:
    added = [name for name in SHIMS if name not in sys.modules]
    sys.modules.update({name: SHIMS[name] for name in added})
    try:
        load()
    finally:
        for name in added:
            sys.modules.pop(name, None)


def install() -> None:
    """Let PyREPL start on this terminal (an interactive session on 3.13 or newer)."""
    from wasm_import_hooks import AroundImport

    if not any(getattr(finder, "around", None) is _with_shims for finder in sys.meta_path):
        sys.meta_path.insert(0, AroundImport(NEEDS_SHIMS, _with_shims))
