"""Starting programs: one way to spawn, wait with a timeout, and end a whole process tree.

Killing a task must not leave its tree running: `emconfigure` runs `configure`, which runs
`emcc`, which runs `clang`; a signal to the direct child alone reaches none of them. So every
program is started under a guard, a small Python process that

* is the leader of a new process group holding the whole tree (Ctrl-C in the terminal reaches
  only the task, which then ends the group);
* asks Linux to signal it when the task dies, however it dies (PR_SET_PDEATHSIG; kill -9
  included), and is the child subreaper of its tree (PR_SET_CHILD_SUBREAPER), so processes
  that left the group are still its descendants;
* on that signal, on a timeout or when the program exits, ends the group and every remaining
  descendant: SIGTERM, then SIGKILL.

It exits with the program's status (128 + N when a signal N ended it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

GRACE_SECONDS = 2.0

_GUARD = r"""
import ctypes, os, signal, sys, time
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36
parent = int(sys.argv[1])
try:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1)
except (OSError, AttributeError):
    pass
if os.getppid() != parent:  # the task died before the death signal was set up
    sys.exit(143)
stopping = []
class Stop(Exception):
    pass
def on_signal(number, frame):
    stopping.append(number)
    raise Stop  # out of waitpid, which Python would otherwise resume
for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(number, on_signal)
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as exc:
        print(f"{sys.argv[2]}: {exc.strerror}", file=sys.stderr)
        os._exit(127)
try:
    os.setpgid(pid, pid)
except OSError:
    pass
me = os.getpid()

def descendants():
    # With the subreaper flag, every process the tree orphaned is our child.
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                found.append(int(entry))
    return found

def end_tree(grace):
    for number in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, number)
        except OSError:
            pass
        for child in descendants():
            try:
                os.kill(child, number)
            except OSError:
                pass
        deadline = time.monotonic() + grace
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG) != (0, 0):
                    continue
            except ChildProcessError:
                return
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)

status = None
try:
    while status is None and not stopping:
        try:
            done, code = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if done == pid:
            status = os.waitstatus_to_exitcode(code)
except Stop:
    pass
for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(number, signal.SIG_IGN)
if stopping:
    end_tree(float(os.environ.get("WASMBUILD_GRACE", "2")))
    sys.exit(128 + stopping[0])
end_tree(0.5)  # whatever the program left running ends with it
sys.exit(status if status is not None and status >= 0 else 128 - (status or 0))
"""


def guarded(argv: Sequence[str]) -> list[str]:
    """`argv` wrapped in the guard, to be started in a new session."""
    return [sys.executable, "-c", _GUARD, str(os.getpid()), *argv]


def start(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None,
          stdout: int | IO[Any] | None = None, stderr: int | IO[Any] | None = None,
          stdin: int | IO[Any] | None = subprocess.DEVNULL, text: bool = False,
          ) -> subprocess.Popen[Any]:
    """Start `argv` under the guard, in its own process group (the guard's)."""
    return subprocess.Popen(guarded(argv), cwd=cwd, env=dict(env) if env is not None else None,
                            stdout=stdout, stderr=stderr, stdin=stdin, text=text,
                            errors="replace" if text else None, start_new_session=True)


def stop(proc: subprocess.Popen[Any], grace: float = GRACE_SECONDS) -> None:
    """End the guard and so the whole tree: SIGTERM, then SIGKILL after `grace` seconds."""
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=grace + 1.0)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait(proc: subprocess.Popen[Any], timeout: float | None = None) -> tuple[int | None, bool]:
    """(exit status, timed out). On a timeout or an interruption the tree is ended."""
    try:
        return proc.wait(timeout=timeout), False
    except subprocess.TimeoutExpired:
        stop(proc)
        return None, True
    except BaseException:
        stop(proc)
        raise


def run(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None,
        sink: IO[bytes] | None = None, timeout: float | None = None) -> tuple[int | None, bool, float]:
    """Run `argv` (output to `sink`, or inherited), wait; (status, timed out, seconds)."""
    started = time.monotonic()
    proc = start(argv, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT if sink else None)
    code, timed_out = wait(proc, timeout)
    return code, timed_out, time.monotonic() - started
