"""A real terminal for end-to-end tests: a program runs on a pseudo-terminal, keys are typed
into it (Ctrl-C is the byte the terminal turns into SIGINT, as for a person), and what it
draws is read back as a person sees it: a terminal emulator (pyte) replays the output, so a
line editor's redraws (readline's, PyREPL's) leave only their result."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyte

# The emulated screen is this tall, so nothing scrolls out of it during a test; the program is
# told the real size (`rows`), and line editors move the cursor relative to where it is.
TRANSCRIPT_ROWS = 3000

CTRL_C = "\x03"
CTRL_D = "\x04"
UP = "\x1b[A"
TAB = "\t"
ENTER = "\r"


class Terminal:
    def __init__(self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None,
                 columns: int = 100, rows: int = 30) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: its controlling terminal is the pty
            try:
                os.chdir(cwd)
                os.execvpe(argv[0], list(argv), dict(env if env is not None else os.environ))
            finally:
                os._exit(127)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.pid, self.fd = pid, fd
        self.raw = b""
        self.emulator = pyte.Screen(columns, TRANSCRIPT_ROWS)
        self.stream = pyte.ByteStream(self.emulator)
        self.mark = (0, 0)  # where the next expect() starts looking: row, column
        self.status: int | None = None

    @property
    def screen(self) -> str:
        """The screen's lines down to the last written one (a completion menu may sit below
        the cursor); trailing blanks go, except on the cursor's line up to the cursor (a
        prompt's space)."""
        cursor = self.emulator.cursor
        lines = [line.rstrip() for line in self.emulator.display]
        line = self.emulator.display[cursor.y]
        lines[cursor.y] = line[:max(cursor.x, len(lines[cursor.y]))]
        while len(lines) > cursor.y + 1 and not lines[-1]:
            lines.pop()
        return "\n".join(lines)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the program and its terminal are gone
            data = b""
        self.raw += data
        self.stream.feed(data)
        return bool(data)

    def type(self, *keys: str, pause: float = 0.15) -> None:
        for key in keys:
            os.write(self.fd, self._as_sent(key).encode())
            time.sleep(pause)

    def _as_sent(self, key: str) -> str:
        """The arrow keys as a terminal sends them: "\x1bOA" rather than "\x1b[A" while the
        program has asked for application cursor keys (DECCKM, "\x1b[?1h": PyREPL does)."""
        self._read(0)
        application = self.raw.rfind(b"\x1b[?1h") > self.raw.rfind(b"\x1b[?1l")
        if application and re.fullmatch(r"\x1b\[[ABCDHF]", key):
            return "\x1bO" + key[2:]
        return key

    def expect(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """Waits for `pattern` (a regex) on the screen after the last match. The last match
        is remembered as a place on the screen (row, column), which stays put when a line
        editor redraws what follows it (a completion menu that goes, a line that shrinks)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen
            found = re.compile(pattern).search(screen, self._offset(screen))
            if found:
                row = screen.count("\n", 0, found.end())
                self.mark = (row, found.end() - (screen.rfind("\n", 0, found.end()) + 1))
                return found
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(min(left, 0.2)) and self.exited()):
                raise AssertionError(f"{pattern!r} did not appear within {timeout} s; the "
                                     f"terminal shows:\n{screen[-3000:]}")

    def _offset(self, screen: str) -> int:
        row, column = self.mark
        lines = screen.split("\n")
        if row >= len(lines):
            return len(screen)
        return sum(len(line) + 1 for line in lines[:row]) + min(column, len(lines[row]))

    def exited(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while not self.exited():
            if time.monotonic() > deadline:
                raise AssertionError(f"the program did not exit; the terminal shows:\n"
                                     f"{self.screen[-3000:]}")
            self._read(0.2)
        while self._read(0.05) and select.select([self.fd], [], [], 0)[0]:
            pass
        assert self.status is not None
        return self.status

    def close(self) -> None:
        if not self.exited():
            os.killpg(os.getpgid(self.pid), signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
