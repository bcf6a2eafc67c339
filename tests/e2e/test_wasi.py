"""End to end: the real clang and wasi-libc build the WASI target, and the real runtimes run it:
wasmtime (the PyPI package) and Node's node:wasi, as a person runs them (the task, and the
launcher beside python.wasm, from another folder)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import CHECKOUT, built_cpython_version
from .test_node_build import explain, invoke

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def wasi_build() -> Path:
    result = invoke("wasm.wasi")
    assert result.returncode == 0, explain(result)
    return CHECKOUT / "builddir" / "wasi"


@pytest.mark.parametrize("runtime", ["wasmtime", "node"])
def test_run_prints_wasi_and_the_version(wasi_build: Path, runtime: str) -> None:
    result = invoke("wasm.run", "--target", "wasi", "--runtime", runtime, "--", "-c",
                    "import sys, json; print(json.dumps([sys.platform, sys.version.split()[0], "
                    "sys.argv[1:]]))", "a b", "é")
    assert result.returncode == 0, explain(result)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "wasi", built_cpython_version(), ["a b", "é"]]


def test_the_launcher_runs_a_script_from_its_folder_with_its_environment(
        wasi_build: Path, tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("VALUE = 'from the folder'\n")
    (tmp_path / "main.py").write_text(
        "import os, sys, helper\n"
        "print(helper.VALUE, os.environ['KIT_PROBE'], os.getcwd() == sys.argv[1])\n"
        "open('written.txt', 'w').write('hi')\n"
        "sys.exit(7)\n")
    result = subprocess.run([str(wasi_build / "python.sh"), "main.py", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "KIT_PROBE": "passed through"})
    assert result.returncode == 7, result.stderr[-3000:]
    assert result.stdout.strip() == "from the folder passed through True"
    assert (tmp_path / "written.txt").read_text() == "hi"
    # It runs wasmtime's runner with the checkout's own environment, not the one of the
    # session that built it (a nox session's goes with .nox).
    assert ".nox" not in (wasi_build / "python.sh").read_text()


def test_the_suite_counts_a_passing_and_a_skipped_module(wasi_build: Path) -> None:
    result = invoke("wasm.test", "--target", "wasi", "--", "-j", "2", "test_bisect", "test_winreg",
                    timeout=900)
    assert result.returncode == 0, explain(result)
    assert "modules: 1 passed, 1 skipped, 0 failed" in result.stdout


@pytest.mark.parametrize("runtime", ["wasmtime", "node"])
def test_the_printed_command_runs_as_printed(wasi_build: Path, runtime: str) -> None:
    shown = invoke("--dry", "wasm.run", "--target", "wasi", "--runtime", runtime, "--", "-c",
                   "import os, sys; print(sys.platform, os.getcwd())")
    assert shown.returncode == 0, explain(shown)
    line = shown.stdout.strip().splitlines()[-1]
    ran = subprocess.run(["bash", "-c", line], cwd=CHECKOUT, capture_output=True, text=True,
                         timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip() == f"wasi {CHECKOUT}"


BATTERIES = """
import bz2, lzma, os, sqlite3, sys, tempfile, zlib
data = "Zoë ".encode() * 5000
for module in (zlib, bz2, lzma):
    assert module.decompress(module.compress(data)) == data, module
folder = tempfile.mkdtemp()
path = os.path.join(folder, "kit.db")
with sqlite3.connect(path) as db:
    db.execute("create table t (word text)")
    db.executemany("insert into t values (?)", [("a",), ("é",)])
db.close()
again = sqlite3.connect(path)
print(again.execute("select group_concat(word) from t").fetchone()[0], sqlite3.sqlite_version,
      sorted(os.listdir(folder)))
"""


@pytest.mark.parametrize("runtime", ["wasmtime", "node"])
def test_compression_and_sqlite3_work_on_real_files(wasi_build: Path, runtime: str) -> None:
    result = invoke("wasm.run", "--target", "wasi", "--runtime", runtime, "--", "-c", BATTERIES)
    assert result.returncode == 0, explain(result)
    words, version, files = result.stdout.strip().splitlines()[-1].split(" ", 2)
    assert words == "a,é" and version.startswith("3.") and files == "['kit.db']"


ASYNCIO = """
import asyncio, time
async def worker(queue, results):
    while (item := await queue.get()) is not None:
        results.append(item * 2)
async def main():
    loop = asyncio.get_running_loop()
    queue, results = asyncio.Queue(), []
    task = asyncio.create_task(worker(queue, results))
    loop.call_soon_threadsafe(queue.put_nowait, 1)
    loop.call_later(0.05, queue.put_nowait, 2)
    started = time.monotonic()
    slept = await asyncio.gather(*(asyncio.sleep(0.1, n) for n in range(3)))
    took = time.monotonic() - started
    await queue.put(None)
    await task
    try:
        await asyncio.wait_for(asyncio.sleep(10), 0.05)
    except asyncio.TimeoutError:
        timed_out = True
    return results, slept, 0.09 < took < 2, timed_out
print(asyncio.run(main()))
"""


@pytest.mark.parametrize("runtime", ["wasmtime", "node"])
def test_asyncio_runs_tasks_queues_timers_and_threadsafe_calls(wasi_build: Path,
                                                              runtime: str) -> None:
    result = invoke("wasm.run", "--target", "wasi", "--runtime", runtime, "--", "-c", ASYNCIO)
    assert result.returncode == 0, explain(result)
    assert result.stdout.strip().splitlines()[-1] == "([2, 4], [0, 1, 2], True, True)"


def _on_a_terminal(argv: list[str], after: str, keys: bytes) -> tuple[str, int]:
    """Run `argv` on a terminal, type `keys` once `after` shows, and return what the terminal
    showed and the exit status."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the program, on the terminal
        os.chdir(CHECKOUT)
        os.execv(argv[0], argv)
    shown, typed, deadline = b"", False, time.monotonic() + 180
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the program ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        if not typed and after.encode() in shown:
            time.sleep(0.5)
            os.write(terminal, keys)
            typed = True
    _, status = os.waitpid(pid, 0)
    return shown.decode(errors="replace"), os.waitstatus_to_exitcode(status)


def _run_on_a_terminal(runtime: str, program: str, after: str, keys: bytes) -> tuple[str, int]:
    return _on_a_terminal([sys.executable, "-m", "invoke", "wasm.run", "--target", "wasi",
                           "--runtime", runtime, "--", "-c", program], after, keys)


@pytest.mark.parametrize("runtime", ["wasmtime", "node"])
def test_input_reads_what_is_typed_on_a_terminal(wasi_build: Path, runtime: str) -> None:
    shown, status = _run_on_a_terminal(runtime, "print('got', repr(input('name? ')))",
                                       "name? ", "Zoë\r".encode())
    assert status == 0, shown[-2000:]
    assert "got 'Zoë'" in shown


@pytest.mark.parametrize("runtime", ["wasmtime", "node"])
@pytest.mark.parametrize("program, after", [
    ("import time; print('sleeping', flush=True); time.sleep(60)", "sleeping\r\n"),
    ("input('name? ')", "name? "),
])
def test_ctrl_c_ends_a_run_as_an_uncaught_keyboard_interrupt(
        wasi_build: Path, runtime: str, program: str, after: str) -> None:
    shown, status = _run_on_a_terminal(runtime, program, after, b"\x03")
    assert status == 130, shown[-2000:]
    assert shown.rstrip().endswith("KeyboardInterrupt"), shown[-2000:]


def test_dir_shows_only_the_folders_given(wasi_build: Path, tmp_path: Path) -> None:
    (tmp_path / "given.txt").write_text("seen")
    result = invoke("wasm.run", "--target", "wasi", "--dir", f"{tmp_path}::/data", "--", "-c",
                    "import os, zlib\n"
                    "print(open('/data/given.txt').read(), os.path.exists('/etc/passwd'))")
    assert result.returncode == 0, explain(result)
    assert result.stdout.strip().splitlines()[-1] == "seen False"
    assert "Could not find" not in result.stderr
