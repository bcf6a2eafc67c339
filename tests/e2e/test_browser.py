"""End to end in real browsers (headless Chromium, headless Firefox ESR, WebKitGTK's MiniBrowser
on Xvfb): the browser build, served by
`wasm.serve`'s server, used through our page the way a person would, at its terminal: keys
typed into it, what it shows read from its buffer (page_console.py). Screenshots and console
logs of a failing test land in test-artifacts/."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import CHECKOUT, built_cpython_version, built_emscripten_version, config
from .page_console import Console

pytestmark = pytest.mark.e2e
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium flags for a sandboxed CI machine without network (see README, "Browser tests").
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = CHECKOUT / "test-artifacts"
ENGINES = ["chromium", "firefox", "webkit"]
"""Every engine the kit supports: each page test runs in each."""
PAGE = "builddir/emscripten-browser/python.html"


@pytest.fixture(scope="module")
def browser_build() -> None:
    result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "wasm.browser"],
                            capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


REQUESTS: list[str] = []
"""The server's log lines ("GET /path HTTP/1.1" and status), oldest first."""


@pytest.fixture(scope="module")
def server(browser_build: None) -> Iterator[str]:
    sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))
    from wasmbuild.browser import serve

    running = serve.start(CHECKOUT, bind="127.0.0.1", port=0, log=REQUESTS.append)
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
    """Firefox ESR over WebDriver BiDi (Tools/wasm/wasmbuild/browser/bidi.py)."""
    from wasmbuild.browser import bidi

    if not (shutil.which("firefox-esr") or shutil.which("firefox")):
        pytest.fail("firefox-esr is not installed: `invoke wasm.setup` as root installs it")
    browser = bidi.Firefox.launch()
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def webkit() -> Iterator[object]:
    """WebKitGTK's MiniBrowser over classic WebDriver, on Xvfb (Tools/wasm/wasmbuild/browser/webkit.py)."""
    from wasmbuild.browser import webkit as webkit_driver

    if not (shutil.which("WebKitWebDriver") and shutil.which("Xvfb")):
        pytest.fail("webkit2gtk-driver or xvfb is not installed: `invoke wasm.setup` as root "
                    "installs them")
    browser = webkit_driver.WebKit.launch()
    yield browser
    browser.close()


@pytest.fixture(params=ENGINES)
def page(request: pytest.FixtureRequest) -> Iterator[object]:
    """The same page test in each engine the suite runs in."""
    console: list[str] = []
    if request.param == "chromium":
        context = request.getfixturevalue("chromium").new_context()
        page = context.new_page()
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        close = context.close
    else:  # Firefox and WebKit: a new tab or window of the module's browser
        page = request.getfixturevalue(request.param).new_page()
        close = page.close
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.console.log").write_text("\n".join(console) + "\n")
        (ARTIFACTS / f"{name}.screen.txt").write_text(Console(page).screen())
    close()



# 3.13 and newer run their own REPL (PyREPL) in the terminal; older ones the page's console.
OWN_REPL = tuple(int(part) for part in built_cpython_version().split(".")[:2]) >= (3, 13)


@pytest.fixture()
def console(page: object, server: str) -> Console:
    opened = Console(page)
    opened.open(server + PAGE)
    return opened


def test_page_starts_and_runs_code(console: Console) -> None:
    assert f"Python {built_cpython_version()}" in console.screen()
    assert console.page.inner_text("#status").startswith("Ready")  # type: ignore[attr-defined]
    assert console.run("print(6*7)").startswith("42\n")


def test_the_worker_runs_the_module_the_page_compiled(console: Console, server: str) -> None:
    """python.wasm is fetched once per visit, by the page (python_module.js), which hands the
    compiled module to its worker: a worker that compiled its own would fetch it a second time,
    and its module would start from baseline code at every visit (docs/speed.md)."""
    REQUESTS.clear()
    console.open(server + PAGE)
    fetched = [line for line in REQUESTS if "/python.wasm " in line]
    assert len(fetched) == 1, REQUESTS
    assert console.run("print(6*7)").startswith("42\n")


def test_a_worker_that_never_loads_is_started_again(chromium: Any, server: str) -> None:
    """A worker whose script never arrives (no error, no word: WebKitGTK's worker loads now and
    then fail so) is given up after a silence and made anew, and Python starts in the new one."""
    context = chromium.new_context()
    held: list[Any] = []

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)  # never answered: the first worker waits for its script forever

    try:
        page = context.new_page()
        page.route("**/python.worker.js", hold_the_first)
        console = Console(page)
        console.open(server + PAGE)
        assert held and console.run("print(6*7)").startswith("42\n")
        # the new worker spoke only after the page had posted "start": it got it all the same
        assert page.evaluate("document.body.dataset.reached").split() == [
            "home", "terminal", "module", "worker"]
    finally:
        context.close()


def test_non_ascii_text_and_an_input_prompt_on_the_answers_line(console: Console) -> None:
    console.run("s = input('name? ')", then=r"^name\? $")
    console.type("Zoë 日本")
    console.press("Enter")
    console.expect(r"^>>> $")
    assert "name? Zoë 日本\n" in console.screen()
    shown = console.run("print(s[::-1], len(s), s.encode().hex()[:6], '\\U0001f40d')")
    assert shown.startswith("本日 ëoZ 6 5a6fc3 🐍\n")


def test_ctypes_and_asyncio_in_the_page(console: Console) -> None:
    shown = console.run("import ctypes; b = ctypes.create_string_buffer(8); "
                        "_ = ctypes.memmove(b, b'page', 4); "
                        "twice = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)(lambda n: 2 * n); "
                        "print(b.value, twice(2**40), ctypes.CDLL(None).strlen(b'hello'))")
    assert shown.startswith(f"b'page' {2**41} 5\n")
    shown = console.run("import asyncio; exec('async def main():\\n    return await "
                        "asyncio.wait_for(asyncio.gather(asyncio.sleep(0.01, 1), "
                        "asyncio.sleep(0.02, 2)), 5)'); "
                        "print(asyncio.run(main()), type(asyncio.new_event_loop()).__name__)")
    assert shown.startswith("[1, 2] WasmEventLoop\n")


def test_a_pasted_block_runs_as_a_whole(console: Console) -> None:
    console.row = console.screen().count("\n") + 1
    console.paste("def double(x):\n    return x * 2\n\ndouble(50)")
    if OWN_REPL:  # PyREPL takes the paste into its buffer; an empty line ends it
        console.expect(r"double\(50\)$")
        console.press("Enter")
        console.press("Enter")
    console.expect(r"^100\n>>> $")


def test_tracebacks_and_the_up_arrow(console: Console) -> None:
    shown = console.run("1/0")
    assert "Traceback (most recent call last)" in shown
    assert "ZeroDivisionError: division by zero" in shown
    console.press("ArrowUp")
    console.expect(r"^>>> 1/0$")


def test_ctrl_c_and_stop_interrupt_running_code_and_the_session_goes_on(console: Console) -> None:
    console.run("import time; n = 0")
    for interrupt in ("ctrl-c", "stop"):
        console.row = console.screen().count("\n") + 1
        console.type("while True: n += 1; time.sleep(0.01)")
        console.press("Enter")
        console.press("Enter")  # ends the compound statement
        console.page.wait_for_selector('body[data-state="busy"]', timeout=10_000)  # type: ignore[attr-defined]
        time.sleep(1.0)  # the loop is running
        if interrupt == "ctrl-c":
            console.press("Control+c")
        else:
            console.page.evaluate("document.getElementById('stop').click()")  # type: ignore[attr-defined]
        console.expect(r"^KeyboardInterrupt\n>>> $")
    assert console.run("print(n > 10, 'still here')").startswith("True still here\n")


def test_ctrl_c_and_stop_interrupt_input_and_the_idle_prompt(console: Console) -> None:
    for interrupt in ("ctrl-c", "stop"):
        console.run("answer = input('who? ')", then=r"^who\? $")
        if interrupt == "ctrl-c":
            console.press("Control+c")
        else:
            console.page.evaluate("document.getElementById('stop').click()")  # type: ignore[attr-defined]
        console.expect(r"^KeyboardInterrupt\n>>> $")
    console.type("half typed")
    console.expect(r"half typed$")  # as a person sees it before pressing Ctrl+C
    console.press("Control+c")
    console.expect(r"half typed(\^C)?\n(.*\n)*KeyboardInterrupt\n>>> $")
    assert console.run("print('still', 'here')").startswith("still here\n")


# Holds back the worker's "waiting" messages from the output that draws the prompt `who? ` on,
# until window.release(); an expression (each engine's evaluate takes one). Only from there:
# PyREPL waits for each key typed before it (the line typed never holds that prompt).
HOLD_BACK_WAITING = """(() => {
  const deliver = worker.onmessage;
  let armed = false;
  window.heldBack = [];
  worker.onmessage = (event) => {
    const message = event.data;
    if (message.type === "output" && new TextDecoder().decode(message.bytes).includes("who? ")) {
      armed = true;
    }
    if (message.type === "waiting" && armed && window.heldBack) return window.heldBack.push(event);
    deliver(event);
  };
  window.release = () => {
    const held = window.heldBack;
    window.heldBack = null;
    held.forEach(deliver);
    return held.length;
  };
  return true;
})()"""


def test_ctrl_c_as_the_prompt_shows_ends_the_input(console: Console) -> None:
    """Ctrl-C pressed when the prompt shows but before the page has heard that Python waits
    (its "waiting" message, held back here as a busy machine delays it) ends the input with
    KeyboardInterrupt, as in a terminal, not in a ^C that nothing answers."""
    console.page.evaluate(HOLD_BACK_WAITING)  # type: ignore[attr-defined]
    console.run("answer = input('who' + chr(63) + ' ')", then=r"^who\? $")
    console.page.wait_for_function("window.heldBack.length > 0", timeout=10_000)  # type: ignore[attr-defined]
    console.press("Control+c")
    assert console.page.evaluate("window.release()") == 1  # type: ignore[attr-defined]
    console.expect(r"^KeyboardInterrupt\n>>> $")
    assert console.run("print('still', 'here')").startswith("still here\n")


def test_ctrl_c_with_text_selected_copies_instead(console: Console) -> None:
    console.run("print('select me')")
    console.page.evaluate("pythonTerminal.selectAll()")  # type: ignore[attr-defined]
    console.press("Control+c")
    time.sleep(1)
    assert "select me" in console.page.evaluate("pythonTerminal.getSelection()")  # type: ignore[attr-defined]
    assert "KeyboardInterrupt" not in console.screen()


def test_tab_completes_names(console: Console) -> None:
    console.run("import collections")
    console.type("collections.Ordered")
    console.press("Tab")
    console.expect(r"^>>> collections\.OrderedDict\($")
    console.press("Control+c")
    console.expect(r"^>>> $")
    console.type("import o")
    console.press("Tab")
    console.press("Tab")
    if OWN_REPL:  # PyREPL lists names below the line (3.13's completes no module names)
        console.expect(r"^>>> import o\n.*\bopen\(")
    else:  # the page's console lists module names, as the Node runner's does
        console.expect(r"\bopcode +operator +optparse +os\b")


def test_files_and_history_survive_a_reload(page: object, server: str) -> None:
    import uuid

    name = f"kept-{uuid.uuid4().hex[:8]}.txt"
    console = Console(page)
    console.open(server + PAGE)
    shown = console.run(f"import os; print(os.getcwd()); open({name!r}, 'w').write('still here')")
    assert shown.startswith("/home/web_user\n")
    console.run(f"marker = {name!r}")
    console.wait_home_saved()
    console.open(server + PAGE)  # a reload: a new worker, a new in-memory file system
    assert console.run(f"print(open({name!r}).read())").startswith("still here\n")
    console.press("ArrowUp")
    console.press("ArrowUp")
    console.expect(rf"^>>> marker = {name!r}$")
    console.press("Enter")
    console.expect(r"^>>> $")
    console.run(f"import os; os.remove({name!r})")
    console.wait_home_saved()
    console.open(server + PAGE)
    assert console.run(f"import os; print(os.path.exists({name!r}))").startswith("False\n")


def test_colours_progress_lines_and_cursor_movement_reach_the_screen(console: Console) -> None:
    console.run("print('\\x1b[31m' + 'red' + '\\x1b[0m', 'plain')")
    cells = dict(console.colours("red plain")[:9])
    assert cells["r"] == 1 and cells["d"] == 1  # palette colour 1: red
    assert cells["p"] == -1  # the default colour again
    console.run("import sys, time")
    console.run("step = lambda i: (sys.stdout.write(f'\\rstep {i}'), sys.stdout.flush(), "
                "time.sleep(0.05))")
    assert console.run("[step(i) for i in range(5)] and print()").startswith("step 4\n")
    assert "step 0" not in console.screen()  # each "\r" went back to the line's start
    assert console.run("print('abc\\x1b[2Dz')").startswith("azc\n")


def test_the_window_size_follows_the_page(console: Console) -> None:
    before = console.page.evaluate("[pythonTerminal.cols, pythonTerminal.rows]")  # type: ignore[attr-defined]
    console.page.set_viewport_size({"width": 640, "height": 480})  # type: ignore[attr-defined]
    console.page.wait_for_function(f"pythonTerminal.cols !== {before[0]}", timeout=10_000)  # type: ignore[attr-defined]
    time.sleep(1)  # the page's layout settles (a scroll bar may come or go)
    shown = console.run("import os, shutil; "
                        "print(os.get_terminal_size(), shutil.get_terminal_size().columns)")
    columns, rows = console.page.evaluate("[pythonTerminal.cols, pythonTerminal.rows]")  # type: ignore[attr-defined]
    assert shown.startswith(f"os.terminal_size(columns={columns}, lines={rows}) {columns}\n")


def test_screen_readers_get_the_output_as_text(console: Console) -> None:
    console.page.evaluate("document.getElementById('screen-reader').click()")  # type: ignore[attr-defined]
    assert console.page.evaluate(  # type: ignore[attr-defined]
        "document.getElementById('screen-reader').getAttribute('aria-pressed')") == "true"
    console.run("print('read', 'aloud')")
    console.page.wait_for_function(  # type: ignore[attr-defined]
        "(document.querySelector('.xterm-accessibility-tree')?.textContent || '')"
        ".replaceAll('\\xa0', ' ').includes('read aloud')", timeout=10_000)


@pytest.mark.skipif(not OWN_REPL, reason="PyREPL, CPython's own REPL, comes with 3.13")
def test_pyrepl_edits_a_function_over_several_lines(console: Console) -> None:
    first = console.row = console.screen().count("\n")
    console.type("def g(x):")
    console.press("Enter")
    console.expect(r"^\.\.\.     $")  # PyREPL indents the body
    console.type("return x+1")
    console.press("ArrowUp")  # back to the first line, to add a parameter
    console.press("End")
    for _ in range(2):
        console.press("ArrowLeft")
    console.type(", y=1")
    console.press("ArrowDown")
    console.press("End")
    console.type("+y")
    console.row = first
    console.expect(r"^>>> def g\(x, y=1\):\n\.\.\.     return x\+1\+y$")
    console.press("Enter")
    console.press("Enter")
    console.expect(r"^>>> $")
    assert console.run("g(1), g(1, 5)").startswith("(3, 7)\n")


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


