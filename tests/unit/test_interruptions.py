"""Interrupted builds: a killed task takes its make with it, and parallel runs wait their turn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from wasmbuild.core import procs
from wasmbuild.core.stamps import locked

from ..conftest import CHECKOUT
from .conftest import FakeToolchain


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); check its state. The process may be reaped between the
    # two looks: its /proc entry is then gone, which means it is not alive.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def test_kill_9_of_the_task_stops_its_child(tmp_path: Path) -> None:
    child_pid_file = tmp_path / "child.pid"
    slow = tmp_path / "slow-make"
    slow.write_text(f"#!{sys.executable}\nimport os, time\n"
                    f"open({str(child_pid_file)!r}, 'w').write(str(os.getpid()))\n"
                    "time.sleep(60)\n")
    slow.chmod(0o755)
    task = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(CHECKOUT / 'Tools' / 'wasm')!r})
        from pathlib import Path
        from wasmbuild.core.shell import Command, Runner
        Runner(Path({str(tmp_path)!r})).run(Command.of({str(slow)!r}, cwd=Path({str(tmp_path)!r})),
                                            log=Path({str(tmp_path / 'make.log')!r}))
    """)
    parent = subprocess.Popen([sys.executable, "-c", task], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not child_pid_file.exists() or not child_pid_file.read_text():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.05)
    child = int(child_pid_file.read_text())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_a_held_lock_makes_the_second_run_wait_and_say_so(tmp_path: Path) -> None:
    lock = tmp_path / "cpython-3.11.2" / ".lock"
    lock.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import fcntl, sys, time
            f = open({str(lock)!r}, "a"); fcntl.flock(f, fcntl.LOCK_EX)
            print("held", flush=True); time.sleep(1.0)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    waited: list[bool] = []
    started = time.monotonic()
    with locked(lock, on_wait=lambda: waited.append(True)):
        waited_for = time.monotonic() - started
    assert holder.wait(timeout=10) == 0
    assert waited == [True]
    assert waited_for > 0.5


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=["SIGTERM", "Ctrl-C", "kill -9"])
def test_a_task_stopped_mid_configure_leaves_no_process_of_its_tree(
        fake: FakeToolchain, tmp_path: Path, how: signal.Signals) -> None:
    pids_file = tmp_path / "tree.pids"
    env = {**os.environ, **fake.env, "CPYTHON_WASM_CACHE": str(fake.tmp / "cache"),
           "CPYTHON_WASM_BUILDDIR": str(fake.tmp / "builddir"), "FAKE_HANG": "configure",
           "FAKE_PIDS": str(pids_file)}
    # --verbose runs the build Python in place, first (beside.py): its configure hangs.
    task = subprocess.Popen([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "wasm.node",
                             "--verbose", "--source", str(fake.tree), "--offline", "--mirror",
                             str(fake.mirror)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (pids_file.exists() and len(pids_file.read_text().split()) == 3):
        assert task.poll() is None, "the task ended before configure started"
        assert time.monotonic() < deadline, "configure never started"
        time.sleep(0.05)
    tree = [int(p) for p in pids_file.read_text().split()]
    assert all(_alive(p) for p in tree)
    os.kill(task.pid, how)
    task.wait(timeout=30)
    deadline = time.monotonic() + procs.GRACE_SECONDS + 10
    while any(_alive(p) for p in tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in tree if _alive(p)] == []

