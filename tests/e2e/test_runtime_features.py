"""End to end, on the real Node builds: asyncio on the builds' own loop, Python calls that used
to end the runtime, the C library through ctypes, and the `dynamic` profile importing an
extension module that `wasm.extension` compiled."""

from __future__ import annotations

import json

import pytest

from ..conftest import CHECKOUT
from .test_node_build import explain, invoke

pytestmark = pytest.mark.e2e
PROBE = str(CHECKOUT / "Lib" / "wasm_limits.py")


@pytest.fixture(scope="module")
def node_build() -> None:
    result = invoke("wasm.node")
    assert result.returncode == 0, explain(result)


def probe(check: str) -> dict[str, str]:
    result = invoke("wasm.run", "--", PROBE, "--check", check)
    assert result.returncode == 0, explain(result)
    finding: dict[str, str] = json.loads(result.stdout.strip().splitlines()[-1])
    return finding


@pytest.mark.parametrize("check", ["asyncio_new_event_loop", "asyncio_run"])
def test_asyncio_runs_on_the_builds_loop(node_build: None, check: str) -> None:
    finding = probe(check)
    assert finding["status"] == "works", finding
    if check == "asyncio_run":
        assert finding["detail"] == "([1, 2], 'queued', True, 6)"
    else:
        assert finding["detail"] == "WasmEventLoop: ran"


@pytest.mark.parametrize("check, error", [
    ("socketpair", "OSError: [Errno 138]"),
    ("socket_blocking_accept", "OSError: [Errno 138]"),
    ("asyncio_subprocess", "OSError: [Errno 138]"),
    ("asyncio_open_connection", "OSError: [Errno 23]"),
])
def test_what_cannot_work_raises_in_python(node_build: None, check: str, error: str) -> None:
    finding = probe(check)  # a dead runtime prints no finding: json.loads would fail
    assert finding["status"] == "fails" and finding["detail"].startswith(error), finding


def test_select_on_a_stream_node_opened_answers(node_build: None) -> None:
    assert probe("select_select")["status"] == "works"


def test_ctypes_reaches_the_c_library(node_build: None) -> None:
    result = invoke("wasm.run", "--", "-c",
                    "import ctypes; print(ctypes.CDLL(None).strlen(b'hello'))")
    assert result.returncode == 0, explain(result)
    assert result.stdout.strip().splitlines()[-1] == "5"
    finding = probe("ctypes_libc")
    assert finding == {"check": "ctypes_libc", "group": "misc", "status": "works",
                       "detail": "strlen 5, sqrt(2.0) 1.4142, snprintf b'42-ok'"}


def test_dynamic_profile_imports_an_extension_module_built_by_the_kit() -> None:
    source = str(CHECKOUT / "tests" / "e2e" / "data" / "kit_demo.c")
    # Into a folder of its own, so that the build's tests never see it.
    where = CHECKOUT / "builddir" / "e2e-extensions"
    program = (f"import sys; sys.path.insert(0, {str(where)!r}); import ctypes, kit_demo; "
               "print(kit_demo.add(2, 3), kit_demo.length('héllo'), "
               "ctypes.CDLL(kit_demo.__file__).kit_demo_twice(21), "
               "ctypes.CDLL(None).strlen(b'hello'), kit_demo.__file__.rsplit('/', 1)[1])")
    result = invoke("wasm.node", "--profile", "dynamic",
                    "wasm.extension", source, "--profile", "dynamic", "--output", str(where),
                    "wasm.run", "--profile", "dynamic", "--", "-c", program)
    assert result.returncode == 0, explain(result)
    words = result.stdout.strip().splitlines()[-1].split()
    assert words[:4] == ["5", "6", "42", "5"]
    assert words[4].startswith("kit_demo.cpython-") and words[4].endswith("-wasm32-emscripten.so")
