"""Expected failures. Each carries a one-line message and a fix; each class has its own exit code.

Front ends print `error: <message>` and `fix: <fix>` and exit with `exit_code`; tracebacks
are only for unexpected exceptions (or with --debug).
"""

from __future__ import annotations

from pathlib import Path


class WasmBuildError(Exception):
    exit_code = 1

    def __init__(self, message: str, *, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def report(self) -> str:
        lines = [f"error: {self.message}"]
        lines += self.details()
        if self.fix:
            lines.append(f"fix: {self.fix}")
        return "\n".join(lines)

    def details(self) -> list[str]:
        return []


class ConfigError(WasmBuildError):
    """Bad user input: unknown version or target, a path that is not a CPython tree."""

    exit_code = 2


class ToolMissing(WasmBuildError):
    exit_code = 3


class ToolVersionError(WasmBuildError):
    exit_code = 4


class DownloadError(WasmBuildError):
    exit_code = 5


class ChecksumMismatch(WasmBuildError):
    exit_code = 6


class CommandFailed(WasmBuildError):
    exit_code = 7

    def __init__(
        self,
        message: str,
        *,
        command: str,
        cwd: Path,
        log: Path | None,
        tail: list[str],
        fix: str = "",
    ) -> None:
        super().__init__(message, fix=fix)
        self.command = command
        self.cwd = cwd
        self.log = log
        self.tail = tail

    def details(self) -> list[str]:
        lines = [f"  command: {self.command}", f"  folder:  {self.cwd}"]
        if self.log:
            lines.append(f"  log:     {self.log}")
        if self.tail:
            lines.append(f"  last {len(self.tail)} lines of output:")
            lines += [f"    | {line}" for line in self.tail]
        return lines


class Interrupted(WasmBuildError):
    exit_code = 130
