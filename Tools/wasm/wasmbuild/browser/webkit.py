"""WebKit driven over classic WebDriver: Debian's WebKitWebDriver starts WebKitGTK's MiniBrowser
on a private Xvfb screen, and the page operations the tests need are WebDriver's HTTP commands.

Debian's WebKitWebDriver is built without WebDriver BiDi, and Playwright's WebKit is a download
that not every machine reaches, so this is a third small client beside Playwright (Chromium) and
bidi.py (Firefox). `WebKit.new_page()` and `Page` answer the same calls as theirs, so a page runs
the same way in every engine.

WebKitGTK leaves SharedArrayBuffer off even on a cross-origin isolated page (WebKit bug 268068),
where Safari turns it on; `JSC_useSharedArrayBuffer=1` in the driver's environment, which the
browser inherits, turns it on. It is on whatever the page's headers say, so a page that lacks
isolation still starts in this WebKit: catching that is the Chromium and Firefox runs' job.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from ..core.errors import ToolMissing
from .driven_page import DrivenPage

START_TIMEOUT = 60.0
SCREEN = "1280x1024x24"
# The environment that makes MiniBrowser a page like Safari's (see the module's docstring).
BROWSER_ENV = {"JSC_useSharedArrayBuffer": "1"}


class WebDriverError(RuntimeError):
    """A command the driver answered with an error."""


class WebDriverTimeout(TimeoutError):
    """Named like Playwright's, so callers tell a timeout from a crash the same way."""


def find(program: str, missing: str, packages: str) -> str:
    """`program`'s path, or a one-line error naming the Debian packages that bring it."""
    found = shutil.which(program)
    if not found:
        raise ToolMissing(missing, fix=f"`sudo apt-get install {packages}` or `invoke wasm.setup`")
    return found


def minibrowser() -> str:
    """MiniBrowser's path (webkit2gtk-driver brings it, off PATH), for the commands we print."""
    for found in sorted(Path("/usr/lib").glob("*/webkit*/MiniBrowser")):
        return str(found)
    return "MiniBrowser"


def start_screen() -> tuple[subprocess.Popen[bytes], str]:
    """A private Xvfb screen: (its process, its DISPLAY). Xvfb picks a free display number and
    writes it to the pipe, so parallel runs never collide."""
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [find("Xvfb", "no Xvfb found: WebKit's MiniBrowser needs a screen", "xvfb"),
         "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp"],
        pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number:
        process.kill()
        process.wait()
        raise ToolMissing("Xvfb did not start a screen", fix="check that `Xvfb -displayfd 1` runs here")
    return process, f":{number}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class WebKit:
    """MiniBrowser in one WebDriver session, on its own screen; each page is a window."""

    def __init__(self, screen: subprocess.Popen[bytes], driver: subprocess.Popen[bytes],
                 address: str, session: str, version: str) -> None:
        import requests

        self.screen = screen
        self.driver = driver
        self.url = f"{address}/session/{session}"
        self.version = version
        self.http = requests.Session()
        self.current = ""  # the window the session's commands go to
        self.home = ""  # the window the session opened with (see launch)

    @classmethod
    def launch(cls) -> WebKit:
        import requests

        driver_program = find("WebKitWebDriver", "no WebKitWebDriver found for the WebKit run",
                              "webkit2gtk-driver xvfb")
        screen, display = start_screen()
        port = free_port()
        env = {**os.environ, **BROWSER_ENV, "DISPLAY": display}
        driver = subprocess.Popen([driver_program, f"--port={port}"], env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        address = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                answer = requests.post(f"{address}/session", json={"capabilities": {}},
                                       timeout=START_TIMEOUT).json()["value"]
                break
            except requests.ConnectionError:
                if driver.poll() is not None or time.monotonic() > deadline:
                    for process in (driver, screen):
                        process.kill()
                        process.wait()
                    raise ToolMissing("WebKitWebDriver did not answer",
                                      fix=f"check that `{driver_program} --port={port}` runs "
                                          "here") from None
                time.sleep(0.1)
        if "sessionId" not in answer:
            for process in (driver, screen):
                process.kill()
                process.wait()
            raise ToolMissing(f"WebKitWebDriver could not start MiniBrowser: {answer.get('message')}",
                              fix="check that MiniBrowser starts (`apt-get install webkit2gtk-driver`)")
        webkit = cls(screen, driver, address, answer["sessionId"],
                     answer["capabilities"]["browserVersion"])
        webkit.command("POST", "/timeouts", {"script": None, "pageLoad": 300_000})
        # The window the session opened with is never a page: closing a session's last window
        # would end the session.
        webkit.current = webkit.home = webkit.command("GET", "/window")
        return webkit

    def command(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, self.url + path,
                                     json=body if method != "GET" else None, timeout=600)
        value = response.json().get("value")
        if response.status_code >= 400:  # WebDriver's errors: {"error": code, "message": ...}
            error = value if isinstance(value, dict) else {}
            raise WebDriverError(f"{method} {path}: {error.get('error')}: {error.get('message')}")
        return value

    def switch_to(self, window: str) -> None:
        if self.current != window:
            self.command("POST", "/window", {"handle": window})
            self.current = window

    def new_page(self) -> Page:
        self.switch_to(self.home)  # WebDriver opens a window from a window that still exists
        return Page(self, self.command("POST", "/window/new", {"type": "window"})["handle"])

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already gone: the processes are ended below anyway
            self.http.delete(self.url, timeout=30)
        self.http.close()
        for process in (self.driver, self.screen):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Page(DrivenPage):
    """One window: the calls browser_tests.py and the page tests make, as WebDriver commands."""

    timeout_error = WebDriverTimeout

    def __init__(self, browser: WebKit, window: str) -> None:
        self.browser = browser
        self.window = window

    def _command(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        self.browser.switch_to(self.window)
        return self.browser.command(method, path, body)

    def goto(self, url: str) -> None:
        self._command("POST", "/url", {"url": url})

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        if arg is not None:
            expression = f"({expression})({json.dumps(arg)})"
        script = ("const done = arguments[arguments.length - 1];"
                  f"Promise.resolve().then(() => ({expression}))"
                  ".then((v) => done({json: JSON.stringify(v)}),"
                  " (e) => done({thrown: String(e && e.stack || e)}));")
        answer = self._command("POST", "/execute/async", {"script": script, "args": []})
        if "thrown" in answer:
            raise WebDriverError(f"script error: {answer['thrown']}")
        text = answer.get("json")
        return None if text is None else json.loads(text)

    def send_keys(self, actions: list[dict[str, str]]) -> None:
        self._command("POST", "/actions", {"actions": [
            {"type": "key", "id": "keyboard", "actions": actions}]})
        self._command("DELETE", "/actions")  # every key up, as a person's hands leave the keys

    def screenshot(self, path: str, full_page: bool = False) -> None:
        Path(path).write_bytes(base64.b64decode(self._command("GET", "/screenshot")))

    def set_viewport_size(self, size: dict[str, int]) -> None:
        """WebDriver sizes the window: its frame is measured and added."""
        frame = self.evaluate("[outerWidth - innerWidth, outerHeight - innerHeight]")
        self._command("POST", "/window/rect", {"width": size["width"] + frame[0],
                                               "height": size["height"] + frame[1]})

    def paste(self, selector: str, text: str) -> None:
        """A paste event carrying `text`, dispatched on the element (WebDriver has no clipboard,
        and WebKit lets a page give its own ClipboardEvent data)."""
        self.focus(selector)
        self.evaluate(f"(() => {{ const data = new DataTransfer(); "
                      f"data.setData('text/plain', {json.dumps(text)}); "
                      f"document.querySelector({json.dumps(selector)}).dispatchEvent("
                      "new ClipboardEvent('paste', {clipboardData: data, bubbles: true, "
                      "cancelable: true})); return true; })()")

    def close(self) -> None:
        self._command("DELETE", "/window")
        self.browser.current = ""
        self.browser.switch_to(self.browser.home)
