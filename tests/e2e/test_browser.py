"""End to end in a real headless Chromium: the browser build, served by `wasm.serve`'s server,
used through our page the way a person would. Screenshots and console logs of a failing test
land in test-artifacts/."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import CHECKOUT, built_cpython_version, built_emscripten_version, config

pytestmark = pytest.mark.e2e
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium flags for a sandboxed CI machine without network (see README, "Browser tests").
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = CHECKOUT / "test-artifacts"
PAGE = "builddir/emscripten-browser/python.html"


@pytest.fixture(scope="module")
def browser_build() -> None:
    result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "wasm.browser"],
                            capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def server(browser_build: None) -> Iterator[str]:
    sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))
    from wasmbuild import serve

    running = serve.start(CHECKOUT, bind="127.0.0.1", port=0, log=lambda line: None)
    yield serve.url_for(running)
    running.shutdown()
    running.server_close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `invoke wasm.setup` as root installs it")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def firefox() -> Iterator[object]:
    """Firefox ESR over WebDriver BiDi (Tools/wasm/wasmbuild/bidi.py)."""
    from wasmbuild import bidi

    if not (shutil.which("firefox-esr") or shutil.which("firefox")):
        pytest.fail("firefox-esr is not installed: `invoke wasm.setup` as root installs it")
    browser = bidi.Firefox.launch()
    yield browser
    browser.close()


@pytest.fixture(params=["chromium", "firefox"])
def page(request: pytest.FixtureRequest) -> Iterator[object]:
    """The same page test in each engine the suite runs in."""
    console: list[str] = []
    if request.param == "chromium":
        context = request.getfixturevalue("chromium").new_context()
        page = context.new_page()
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        close = context.close
    else:
        page = request.getfixturevalue("firefox").new_page()
        close = page.close
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.console.log").write_text("\n".join(console) + "\n")
        (ARTIFACTS / f"{name}.output.txt").write_text(page.inner_text("#output"))
    close()


def open_console(page: object, server: str) -> None:
    page.goto(server + PAGE)  # type: ignore[attr-defined]
    wait_ready(page)


def wait_ready(page: object) -> None:
    page.wait_for_selector('body[data-state="ready"]', timeout=90_000)  # type: ignore[attr-defined]


def run_line(page: object, line: str) -> None:
    page.fill("#input", line)  # type: ignore[attr-defined]
    page.press("#input", "Enter")  # type: ignore[attr-defined]
    wait_ready(page)


def output(page: object) -> str:
    return page.inner_text("#output")  # type: ignore[attr-defined, no-any-return]


def test_page_starts_and_runs_code(page: object, server: str) -> None:
    open_console(page, server)
    assert f"Python {built_cpython_version()}" in output(page)
    assert page.inner_text("#status").startswith("Ready")  # type: ignore[attr-defined]
    run_line(page, "print(6*7)")
    assert "\n42\n" in output(page)


def test_non_ascii_round_trips(page: object, server: str) -> None:
    open_console(page, server)
    run_line(page, "s = 'héllo wörld € 🐍 日本'; print(s, len(s), s.encode().hex()[:8])")
    assert "héllo wörld € 🐍 日本 18 68c3a96c" in output(page)


def test_ctypes_calls_c_and_python_callbacks_in_the_page(page: object, server: str) -> None:
    open_console(page, server)
    run_line(page, "import ctypes; b = ctypes.create_string_buffer(8); "
                   "ctypes.memmove(b, b'page', 4); "
                   "twice = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)(lambda n: 2 * n); "
                   "ctypes.pythonapi.PyLong_FromLong.restype = ctypes.py_object; "
                   "print(b.value, twice(2**40), ctypes.pythonapi.PyLong_FromLong(7))")
    assert f"b'page' {2**41} 7" in output(page)


def test_asyncio_and_the_c_library_in_the_page(page: object, server: str) -> None:
    open_console(page, server)
    run_line(page, "import asyncio, ctypes; exec('async def main():\\n    return await "
                   "asyncio.wait_for(asyncio.gather(asyncio.sleep(0.01, 1), "
                   "asyncio.sleep(0.02, 2)), 5)'); "
                   "print(asyncio.run(main()), type(asyncio.new_event_loop()).__name__, "
                   "ctypes.CDLL(None).strlen(b'hello'))")
    assert "[1, 2] WasmEventLoop 5" in output(page)


def test_pasted_block_runs_as_a_whole(page: object, server: str) -> None:
    open_console(page, server)
    code = "def double(x):\n    return x * 2\ndouble(50)"
    if hasattr(page, "paste"):  # Firefox over BiDi: the clipboard, then Ctrl+V
        page.paste("#input", code)
    else:
        page.focus("#input")  # type: ignore[attr-defined]
        page.evaluate(  # type: ignore[attr-defined]
            """text => {
                const data = new DataTransfer();
                data.setData("text/plain", text);
                document.getElementById("input").dispatchEvent(
                    new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
            }""",
            code,
        )
    page.wait_for_function(  # type: ignore[attr-defined]
        "document.getElementById('output').innerText.includes('double(50)')", timeout=30_000)
    wait_ready(page)
    assert "\n100\n" in output(page)


def test_errors_show_tracebacks_and_history_recalls(page: object, server: str) -> None:
    open_console(page, server)
    run_line(page, "1/0")
    assert "Traceback (most recent call last)" in output(page)
    assert "ZeroDivisionError: division by zero" in output(page)
    page.press("#input", "ArrowUp")  # type: ignore[attr-defined]
    assert page.input_value("#input") == "1/0"  # type: ignore[attr-defined]


def test_without_isolation_headers_the_page_says_why(page: object, browser_build: None) -> None:
    handler = type("Plain", (http.server.SimpleHTTPRequestHandler,), {
        "log_message": lambda self, *args: None,
        "__init__": lambda self, *a, **k: http.server.SimpleHTTPRequestHandler.__init__(
            self, *a, directory=str(CHECKOUT), **k),
    })
    plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{plain.server_address[1]}/{PAGE}")  # type: ignore[attr-defined]
        page.wait_for_selector('body[data-state="unsupported"]', timeout=30_000)  # type: ignore[attr-defined]
        assert "not cross-origin isolated" in page.inner_text("#status")  # type: ignore[attr-defined]
        assert "invoke wasm.serve" in page.inner_text("#status")  # type: ignore[attr-defined]
    finally:
        plain.shutdown()
        plain.server_close()


@pytest.mark.parametrize("engine", ["chromium", "firefox"])
def test_suite_pages_count_passes_and_whole_module_skips(engine: str, browser_build: None) -> None:
    """`wasm.test-browser` as CI runs it: a page per module, two at a time, each judged."""
    # Judged against the expected results of this build's combination, so only a declared one.
    python, emscripten = built_cpython_version(), built_emscripten_version()
    if (python, emscripten, engine) not in config.load().matrix.browser_runs():
        pytest.skip(f"the test matrix runs CPython {python} with Emscripten {emscripten} in no "
                    f"{engine} (versions.toml)")
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "wasm.test-browser",
         f"--engine={engine}", "--", "-j", "2", "test_bisect", "test_fcntl"],
        capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "modules: 1 passed, 1 skipped, 0 failed" in result.stdout
    folder = CHECKOUT / result.stdout.split("# logs and JUnit XML: ")[1].splitlines()[0]
    runs = {r["module"]: r for r in map(json.loads, (folder / "results.jsonl").open())}
    assert runs["test_bisect"]["status"] == "passed" and runs["test_bisect"]["tests"] > 10
    assert (runs["test_fcntl"]["status"], runs["test_fcntl"]["note"]) == (
        "skipped", "No module named 'fcntl'")
    assert "### page (ms): files " in (folder / "logs" / "test_bisect.log").read_text()


def test_ctrl_c_and_stop_interrupt_running_code_and_the_session_goes_on(
        page: object, server: str) -> None:
    open_console(page, server)
    loop = "import time\nn = 0\nwhile True:\n    n += 1\n    time.sleep(0.01)"
    for interrupt in ("ctrl-c", "stop"):
        page.fill("#input", loop)  # type: ignore[attr-defined]
        page.press("#input", "Enter")  # type: ignore[attr-defined]
        page.wait_for_selector('body[data-state="busy"]', timeout=10_000)  # type: ignore[attr-defined]
        time.sleep(1.0)  # the loop is running
        if interrupt == "ctrl-c":
            page.press("body", "Control+c")  # type: ignore[attr-defined]
        else:
            page.evaluate("document.getElementById('stop').click()")  # type: ignore[attr-defined]
        wait_ready(page)
    assert output(page).count("KeyboardInterrupt") == 2
    run_line(page, "print(n > 10, 'still here')")
    assert "True still here" in output(page)


def test_ctrl_c_and_stop_interrupt_input_and_the_idle_prompt(page: object, server: str) -> None:
    open_console(page, server)
    for interrupt in ("ctrl-c", "stop"):
        page.fill("#input", "answer = input('who? ')")  # type: ignore[attr-defined]
        page.press("#input", "Enter")  # type: ignore[attr-defined]
        page.wait_for_function("document.getElementById('prompt').textContent === 'who? '",
                               timeout=10_000)  # type: ignore[attr-defined]
        assert page.evaluate("document.getElementById('stop').disabled") is False  # type: ignore[attr-defined]
        if interrupt == "ctrl-c":
            page.press("#input", "Control+c")  # type: ignore[attr-defined]
        else:
            page.evaluate("document.getElementById('stop').click()")  # type: ignore[attr-defined]
        page.wait_for_function("document.getElementById('prompt').textContent === '>>> '",
                               timeout=10_000)  # type: ignore[attr-defined]
    assert output(page).count("KeyboardInterrupt") == 2
    page.fill("#input", "half typed")  # type: ignore[attr-defined]
    page.press("#input", "Control+c")  # type: ignore[attr-defined]
    page.wait_for_function("document.getElementById('output').textContent.split("
                           "'KeyboardInterrupt').length === 4", timeout=10_000)  # type: ignore[attr-defined]
    wait_ready(page)
    run_line(page, "print('still', 'here')")
    assert "still here" in output(page)


def test_tab_completes_names_and_modules(page: object, server: str) -> None:
    open_console(page, server)
    run_line(page, "import collections")
    page.fill("#input", "collections.Ordered")  # type: ignore[attr-defined]
    page.press("#input", "Tab")  # type: ignore[attr-defined]
    page.wait_for_function("document.getElementById('input').value === 'collections.OrderedDict('",
                           timeout=10_000)  # type: ignore[attr-defined]
    page.fill("#input", "import o")  # type: ignore[attr-defined]
    page.press("#input", "Tab")  # type: ignore[attr-defined]
    page.wait_for_function("document.getElementById('completions').textContent.includes('os')",
                           timeout=10_000)  # type: ignore[attr-defined]
    listed = page.inner_text("#completions").split()  # type: ignore[attr-defined]
    assert {"opcode", "operator", "os"} <= set(listed)
    assert page.input_value("#input") == "import o"  # type: ignore[attr-defined]
    page.press("#input", "Escape")  # type: ignore[attr-defined]
    page.press("#input", "Tab")  # after Escape, Tab leaves the box
    assert page.evaluate("document.activeElement.id") != "input"  # type: ignore[attr-defined]


def test_files_in_the_home_folder_survive_a_reload(page: object, server: str) -> None:
    import uuid

    name = f"kept-{uuid.uuid4().hex[:8]}.txt"
    open_console(page, server)
    run_line(page, f"import os; print(os.getcwd()); open({name!r}, 'w').write('still here')")
    assert "/home/web_user" in output(page)
    open_console(page, server)  # a reload: a new worker, a new in-memory file system
    run_line(page, f"print(open({name!r}).read())")
    assert "\nstill here\n" in output(page)
    run_line(page, f"import os; os.remove({name!r})")
    open_console(page, server)
    run_line(page, f"import os; print(os.path.exists({name!r}))")
    assert "\nFalse\n" in output(page)
