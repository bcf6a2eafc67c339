"""CPython's test suite in a real browser: every module on its own page, pages side by side.

Each module runs on a fresh page of tests.html, with its test files from bundles.py, in headless
Chromium (Debian's, driven by Playwright; no browser download), Firefox ESR (over WebDriver
BiDi, bidi.py) or WebKitGTK's MiniBrowser (over classic WebDriver, webkit.py), served by our
server with the isolation headers. Results go through the same classification, expectations
and reports as the Node runs (testsuite.py).
"""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..core.errors import ToolMissing
from ..testing.regrtest_report import regrtest_args
from ..testing.testsuite import ModuleResult, classify
from . import bidi, webkit
from .serve import start, url_for

CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")


# The console page's terminal (xterm.js): where it takes keys, and whether one of its lines
# reads LINE (a line Python wrote, not the typed code that contains the word).
TERMINAL_INPUT = ".xterm-helper-textarea"
TERMINAL_HAS_LINE = ("(() => { const b = pythonTerminal.buffer.active; for (let y = 0; y < b.length; y++) "
                     "{ if (b.getLine(y).translateToString(true).trim() === 'LINE') return true; } "
                     "return false; })()")


class BrowserRunner:
    """Pages in headless Chromium, `pages` at a time. Playwright's sync API is bound to the
    thread that started it, so each of `pages` worker threads owns one Chromium and runs one
    page at a time; callers on any thread hand it work and wait for the result."""

    def __init__(self, root: Path, page_path: str, timeout: float, results_dir: Path,
                 pages: int = 1, engine: str = "chromium") -> None:
        self.engine = engine
        self.root = root
        self.page_path = page_path
        self.timeout = timeout
        self.results_dir = results_dir
        self._work: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...], Future[Any]] | None] = \
            queue.Queue()
        self._tab = threading.local()  # each worker's tab
        self._workers = [threading.Thread(target=self._serve, name=f"chromium-{n}", daemon=True)
                         for n in range(pages)]
        for worker in self._workers:
            worker.start()

    def _serve(self) -> None:
        """One worker: its own browser, started on first use and closed at the end."""
        context: Any = None
        close: Callable[[], None] | None = None
        try:
            while (job := self._work.get()) is not None:
                func, args, future = job
                try:
                    if context is None:
                        context, close = LAUNCHERS[self.engine]()
                    future.set_result(func(context, *args))
                except BaseException as exc:  # handed to the caller, which raises it
                    future.set_exception(exc)
        finally:
            if close is not None:
                close()

    def _on_a_worker(self, func: Callable[..., Any], *args: Any) -> Any:
        future: Future[Any] = Future()
        self._work.put((func, args, future))
        return future.result()

    def run_args(self, base_url: str, args: Sequence[str], *, bundle: str | None,
                 env: dict[str, str] | None = None, collect: Sequence[str] = (),
                 ) -> tuple[str, int | None, bool, dict[str, str | None]]:
        """Run `python args...` on one page: (output, exit status, timed out, collected files)."""
        params = {"args": json.dumps(list(args)), "env": json.dumps(env or {}),
                  "collect": json.dumps(list(collect))}
        if bundle:
            params["bundle"] = bundle
        url = f"{base_url}{self.page_path}?{urllib.parse.urlencode(params)}"
        result: tuple[str, int | None, bool, dict[str, str | None]] = \
            self._on_a_worker(self._run_page, url)
        return result

    def _run_page(self, context: Any, url: str) -> tuple[str, int | None, bool, dict[str, str | None]]:
        # A worker keeps its tab: each navigation is a new document with a new worker and a new
        # runtime, and a tab costs a renderer process to make. A tab that failed is replaced.
        page = getattr(self._tab, "page", None) or context.new_page()
        self._tab.page = None
        timed_out = False
        try:
            page.goto(url)
            page.wait_for_function(
                "['exited', 'failed', 'unsupported'].includes(document.body.dataset.state)",
                timeout=self.timeout * 1000)
            run = page.evaluate("window.testRun") or {}
            self._tab.page = page
        except Exception as exc:  # Playwright's TimeoutError, or the page died
            timed_out = "Timeout" in type(exc).__name__
            run = {"status": None, "output": f"{type(exc).__name__}: {exc}", "files": {}}
            with contextlib.suppress(Exception):  # a page that died may refuse to close
                page.close()
        output = run.get("output") or ""
        if run.get("timings"):  # where the page's time went, for the log
            output += "\n### page (ms): " + ", ".join(
                f"{phase} {ms}" for phase, ms in run["timings"].items()) + "\n"
        return output, run.get("status"), timed_out, run.get("files") or {}

    def interrupt_console(self, console_url: str, code: str, grace: float) -> tuple[str, str]:
        """The console page (python.html): type `code` into its terminal, press Ctrl+C once it
        prints "sleeping";
        works when KeyboardInterrupt appears within `grace` seconds and the page is ready."""
        result: tuple[str, str] = self._on_a_worker(self._interrupt_console, console_url, code,
                                                    grace)
        return result

    def _interrupt_console(self, context: Any, url: str, code: str, grace: float
                           ) -> tuple[str, str]:
        page = context.new_page()
        try:
            page.goto(url)
            page.wait_for_selector('body[data-state="ready"]', timeout=self.timeout * 1000)
            page.type(TERMINAL_INPUT, code)
            page.press(TERMINAL_INPUT, "Enter")
            page.wait_for_function(TERMINAL_HAS_LINE.replace("LINE", "sleeping"),
                                   timeout=self.timeout * 1000)
            time.sleep(0.5)
            started = time.monotonic()
            page.press(TERMINAL_INPUT, "Control+c")
            try:
                page.wait_for_function(
                    "document.body.dataset.state === 'ready' && " +
                    TERMINAL_HAS_LINE.replace("LINE", "KeyboardInterrupt"), timeout=grace * 1000)
            except Exception:  # still sleeping, or the page died
                return "hangs", f"still sleeping {grace:.0f} s after Ctrl+C"
            return "works", f"KeyboardInterrupt {time.monotonic() - started:.1f} s after Ctrl+C"
        finally:
            with contextlib.suppress(Exception):
                page.close()

    def run_module(self, base_url: str, module: str, bundle: str,
                   ignore: Sequence[str] = ()) -> ModuleResult:
        for sub in ("logs", "junit"):
            (self.results_dir / sub).mkdir(parents=True, exist_ok=True)
        log = self.results_dir / "logs" / f"{module}.log"
        junit = self.results_dir / "junit" / f"{module}.xml"
        junit.unlink(missing_ok=True)
        started = time.monotonic()
        output, status, timed_out, files = self.run_args(
            base_url, regrtest_args(module, "/tmp/junit.xml", ignore=ignore),
            bundle=bundle, env={"PYTHONPATH": "/tests"}, collect=["/tmp/junit.xml"])
        duration = time.monotonic() - started
        log.write_text(output)
        junit_text = files.get("/tmp/junit.xml")
        if junit_text:
            junit.write_text(junit_text)
        return classify(module, status, timed_out, junit, log, duration)

    def close(self) -> None:
        for _ in self._workers:
            self._work.put(None)
        for worker in self._workers:
            worker.join(timeout=60)


def _launch_chromium() -> tuple[Any, Callable[[], None]]:
    """Debian's Chromium through Playwright: (what new_page() is called on, how to close it)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ToolMissing("the browser test run needs Playwright for Python",
                          fix="pip install playwright (no browser download needed)") from None
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise ToolMissing("no Chromium found for the browser test run",
                          fix="`sudo apt-get install chromium` or `invoke wasm.setup`")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
    # One context for all of a worker's pages: they share the HTTP cache, so a digest-named
    # bundle is downloaded once per worker.
    context = browser.new_context()

    def close() -> None:
        browser.close()
        playwright.stop()

    return context, close


def _launch_firefox() -> tuple[Any, Callable[[], None]]:
    """Firefox ESR over WebDriver BiDi; its tabs share one profile, and so the HTTP cache."""
    try:
        import websockets  # noqa: F401
    except ImportError:
        raise ToolMissing("the Firefox run needs the websockets package",
                          fix="pip install -e '.[test]'") from None
    firefox = bidi.Firefox.launch()
    return firefox, firefox.close


def _launch_webkit() -> tuple[Any, Callable[[], None]]:
    """WebKitGTK's MiniBrowser over classic WebDriver, on its own Xvfb screen (webkit.py)."""
    browser = webkit.WebKit.launch()
    return browser, browser.close


LAUNCHERS: dict[str, Callable[[], tuple[Any, Callable[[], None]]]] = {
    "chromium": _launch_chromium, "firefox": _launch_firefox, "webkit": _launch_webkit}
PROGRAMS = {"chromium": "chromium", "firefox": "firefox-esr", "webkit": "MiniBrowser"}
"""The browser each engine starts, for the notes the tasks print."""


def open_command(engine: str, url: str) -> list[str]:
    """How a person opens `url` in `engine` without a screen, as the tasks print it."""
    if engine == "webkit":
        return ["xvfb-run", "-a", "env", *(f"{k}={v}" for k, v in webkit.BROWSER_ENV.items()),
                webkit.minibrowser(), url]
    return [PROGRAMS[engine], "--headless", url]


@contextmanager
def serving(root: Path) -> Iterator[str]:
    server = start(root, bind="127.0.0.1", port=0, log=lambda line: None)
    try:
        yield url_for(server)
    finally:
        server.shutdown()
        server.server_close()
