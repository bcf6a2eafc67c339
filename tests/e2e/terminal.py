"""A real terminal for end-to-end tests: a program runs on a pseudo-terminal, keys are typed
into it (Ctrl-C is the byte the terminal turns into SIGINT, as for a person), and its screen
output is read back with the escape sequences of line editors removed."""

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

ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")

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
        self.mark = 0  # where the next expect() starts looking
        self.status: int | None = None

    @property
    def screen(self) -> str:
        return ESCAPE.sub(b"", self.raw).decode("utf-8", "replace")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the program and its terminal are gone
            data = b""
        self.raw += data
        return bool(data)

    def type(self, *keys: str, pause: float = 0.15) -> None:
        for key in keys:
            os.write(self.fd, key.encode())
            time.sleep(pause)

    def expect(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """Waits for `pattern` (a regex) in the output after the last match."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.compile(pattern).search(self.screen, self.mark)
            if found:
                self.mark = found.end()
                return found
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(min(left, 0.2)) and self.exited()):
                raise AssertionError(f"{pattern!r} did not appear within {timeout} s; the "
                                     f"terminal shows:\n{self.screen[-3000:]}")

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
