"""End to end: the real emcc builds the Node target from the pinned CPython, and the real node
runs it. Slow on a fresh machine (a full build); later runs reuse builddir and the caches."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..conftest import CHECKOUT, built_cpython_version

pytestmark = pytest.mark.e2e


def invoke(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), *args],
                          capture_output=True, text=True, timeout=timeout)


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout[-4000:]}\n--- stderr\n" \
           f"{result.stderr[-4000:]}"


@pytest.fixture(scope="module")
def node_build() -> subprocess.CompletedProcess[str]:
    result = invoke("wasm.node")
    assert result.returncode == 0, explain(result)
    return result


def test_python_js_runs_with_zlib_bz2_and_json(node_build: object) -> None:
    result = invoke("wasm.run", "--", str(CHECKOUT / "Lib" / "wasm_check.py"))
    assert result.returncode == 0, explain(result)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["platform"] == "emscripten"
    assert report["version"] == built_cpython_version()
    assert report["zlib"]["ok"] and report["zlib"]["ratio"] < 0.1
    assert report["bz2"]["ok"] and report["bz2"]["ratio"] < 0.1
    assert report["json"] is True


def test_libraries_built_by_wasm_deps_work(node_build: object) -> None:
    result = invoke("wasm.run", "--", str(CHECKOUT / "Lib" / "wasm_check.py"))
    assert result.returncode == 0, explain(result)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["lzma"]["ok"] and report["lzma"]["ratio"] < 0.1
    assert report["sqlite3"] == {"rows": [["b", 20], ["é", 30]], "sqlite": "3.40.1"}
    assert report["decimal"]["third"] == "0." + "3" * 50
    assert report["decimal"]["c_module"] is True
    assert report["ctypes"] == {
        "text": "wasm ctypes",  # written by libc's memmove, read back with string_at
        "callback": 3 * 2**39,  # a 64-bit integer through a Python callback and back
        "sizeof_pointer": 4,
        "missing": "undefined symbol: no_such_function (not exported from python.wasm)",
    }


def test_threads_profile_runs_threads() -> None:
    built = invoke("wasm.node", "--profile", "threads")
    assert built.returncode == 0, explain(built)
    code = ("import threading, queue; q = queue.Queue(); "
            "ts = [threading.Thread(target=lambda i=i: q.put(i * i)) for i in range(8)]; "
            "[t.start() for t in ts]; [t.join() for t in ts]; "
            "print(sorted(q.get() for _ in ts), threading.active_count())")
    result = invoke("wasm.run", "--profile", "threads", "--", "-c", code)
    assert result.returncode == 0, explain(result)
    assert result.stdout.strip().splitlines()[-1] == "[0, 1, 4, 9, 16, 25, 36, 49] 1"


def test_run_passes_quoted_arguments_and_exit_status(node_build: object) -> None:
    result = invoke("wasm.run", "--", "-c", "import sys; print('a  b'); sys.exit(3)")
    assert result.returncode == 3, explain(result)
    assert result.stdout.strip().splitlines()[-1] == "a  b"


def test_second_build_does_no_configure_or_make_work(node_build: object) -> None:
    result = invoke("wasm.node", timeout=120)
    assert result.returncode == 0, explain(result)
    assert "configure: up to date" in result.stdout
    assert "make: up to date" in result.stdout
    assert "done in" not in result.stdout
