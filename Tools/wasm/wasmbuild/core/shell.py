"""Commands as data, shown as copy-pasteable shell, then run with their output in a log file.

Every step builds `Command`s first. The runner prints each one the way a person would type it
from the checkout (relative paths, only the environment variables that differ) and then runs it;
a dry run prints the same text and runs nothing.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from . import procs
from .errors import CommandFailed, Interrupted, ToolMissing

TAIL_LINES = 25
_SAFE = re.compile(r"^[\w@%+=:,./-]+$")


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str] = field(default_factory=dict)
    """Only the variables this command changes; the rest is inherited."""

    @classmethod
    def of(cls, *argv: str | Path, cwd: Path, env: Mapping[str, str] | None = None) -> Command:
        return cls(tuple(str(a) for a in argv), cwd, dict(env or {}))


@dataclass(frozen=True)
class Action:
    """Work done in Python that a person would do with a shell line (write a file, remove one):
    the line is printed, by a dry run too, and the work done only in a real run, so the two
    cannot drift apart."""

    shell: str
    work: Callable[[], None]


def _display_path(path: str, cwd: Path, root: Path) -> str:
    """An absolute path as a person would write it from `cwd`: relative inside the checkout,
    `$HOME/...` under the home folder, unchanged elsewhere."""
    p = Path(path)
    if not p.is_absolute():
        return shlex.quote(path)
    try:
        p.relative_to(root)
    except ValueError:
        home = Path.home()
        try:
            rest = p.relative_to(home)
        except ValueError:
            return shlex.quote(path)
        text = f"$HOME/{rest}" if str(rest) != "." else "$HOME"
        return text if _SAFE.match(str(rest)) else f'"{text}"'
    rel = os.path.relpath(p, cwd)
    return shlex.quote(rel)


def _display_word(word: str, cwd: Path, root: Path) -> str:
    if word.startswith("/"):
        return _display_path(word, cwd, root)
    if "$(" in word:  # a command substitution shown in a dry run; meant to be expanded
        return word
    # --option=/abs/path. (NAME=/abs/path as an argument stays absolute: it is an assignment
    # for another program, a WASI one say, that does not start in this folder.)
    m = re.match(r"^(-{1,2}[\w.-]+=)(/[^:]*)$", word)
    if m:
        shown = _display_path(m.group(2), cwd, root)
        # Node resolves `--require=x/y.cjs` as a package name; a file needs ./ in front.
        if m.group(1) in ("--require=", "--import=") and not shown.startswith((".", "/", "$", '"')):
            shown = f"./{shown}"
        return m.group(1) + shown
    if "'" in word and not re.search(r'["$`\\!]', word):
        return f'"{word}"'  # nox's session names: "test_node(python='3.11.2', ...)" reads better
    return shlex.quote(word)


def render(command: Command, root: Path) -> str:
    """The command as one line of POSIX shell, to be run from the checkout `root`."""
    words = [f"{k}={_display_word(v, command.cwd, root)}" for k, v in command.env.items()]
    words += [_display_word(a, command.cwd, root) for a in command.argv]
    line = " ".join(words)
    if command.cwd.resolve() == root.resolve():
        return line
    return f"(cd {_display_path(str(command.cwd), root, root)} && {line})"


def tail(path: Path, lines: int = TAIL_LINES) -> list[str]:
    """The last `lines` lines of a (possibly large) log file."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]


def _format_seconds(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


class Runner:
    """Prints and runs commands. Output of long commands goes to a log file."""

    def __init__(
        self,
        root: Path,
        *,
        dry_run: bool = False,
        verbose: bool = False,
        out: TextIO | None = None,
    ) -> None:
        self.root = root
        self.dry_run = dry_run
        self.verbose = verbose
        self.out = out or sys.stdout
        self._made: set[Path] = set()

    def first_time(self, made: Path) -> bool:
        """Whether `made` is made for the first time in this run. A dry run makes nothing, so
        a later step would show the same work again; this lets it show the work once."""
        if made in self._made:
            return False
        self._made.add(made)
        return True

    # -- printing ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def heading(self, text: str) -> None:
        self.say(f"\n# == {text}")

    def note(self, text: str) -> None:
        self.say(f"# {text}")

    def path(self, path: Path | str) -> str:
        """A path as shell text from the checkout: relative inside it, `$HOME/...` under home."""
        return _display_path(str(path), self.root, self.root)

    def show(self, command: Command) -> None:
        self.say(render(command, self.root))

    # -- running ----------------------------------------------------------------------------
    def action(self, shell_equivalent: str, work: Callable[[], None]) -> None:
        """A step done in Python, shown as the shell a person would type for it."""
        self.do(Action(shell_equivalent, work))

    def do(self, action: Action) -> None:
        self.say(action.shell)
        if not self.dry_run:
            action.work()

    def run(self, command: Command, *, log: Path | None = None, fix: str = "") -> None:
        self.show(command)
        if self.dry_run:
            return
        env = {**os.environ, **command.env}
        program = command.argv[0]
        found = (command.cwd / program).is_file() if "/" in program else shutil.which(
            program, path=env.get("PATH"))
        if not found:
            raise ToolMissing(f"`{Path(program).name}` is not installed (needed to run: "
                              f"{render(command, self.root)[:120]})",
                              fix="run `invoke wasm.setup` as root to install the system "
                              "packages, or see `invoke wasm.doctor`")
        command.cwd.mkdir(parents=True, exist_ok=True)
        if log is None or self.verbose:
            self._run_attached(command, env, log, fix)
        else:
            self._run_logged(command, env, log, fix)

    def _failure(self, command: Command, code: int, log: Path | None, fix: str) -> CommandFailed:
        name = Path(command.argv[0]).name
        return CommandFailed(
            f"`{name}` exited with status {code}",
            command=render(command, self.root),
            cwd=command.cwd,
            log=log,
            tail=tail(log) if log else [],
            fix=fix or ("read the log above, fix the cause, then run the task again"),
        )

    def _run_attached(
        self, command: Command, env: dict[str, str], log: Path | None, fix: str
    ) -> None:
        proc = procs.start(command.argv, cwd=command.cwd, env=env, stdin=None)
        try:
            code, _ = procs.wait(proc)
        except KeyboardInterrupt:
            raise Interrupted("interrupted", fix="run the same task again to resume") from None
        assert code is not None
        if code != 0:
            raise self._failure(command, code, log, fix)

    def _run_logged(self, command: Command, env: dict[str, str], log: Path, fix: str) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with log.open("ab") as sink:
            sink.write(f"\n### {render(command, self.root)}\n".encode())
            sink.flush()
            proc = procs.start(command.argv, cwd=command.cwd, env=env, stdout=sink,
                               stderr=subprocess.STDOUT)
            try:
                code = self._wait_with_progress(proc, log, started)
            except KeyboardInterrupt:
                procs.stop(proc)
                raise Interrupted(
                    "interrupted; nothing was recorded as done for this step",
                    fix="run the same task again to resume",
                ) from None
        if code != 0:
            raise self._failure(command, code, log, fix)
        self.note(f"done in {_format_seconds(time.monotonic() - started)} (log: {self.path(log)})")

    def _wait_with_progress(self, proc: subprocess.Popen[bytes], log: Path, started: float) -> int:
        interactive = self.out.isatty()
        last_report = started
        try:
            while True:
                try:
                    return proc.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    pass
                now = time.monotonic()
                if interactive:
                    last = (tail(log, 1) or [""])[0][:70]
                    self.out.write(f"\r\033[K  … {_format_seconds(now - started)}  {last}")
                    self.out.flush()
                elif now - last_report >= 60:
                    self.note(f"still running after {_format_seconds(now - started)}")
                    last_report = now
        finally:
            if interactive:
                self.out.write("\r\033[K")
                self.out.flush()
