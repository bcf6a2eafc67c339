"""Firefox driven over WebDriver BiDi: its built-in remote agent, no geckodriver (which cannot
be downloaded everywhere) and no Playwright build of Firefox.

`Firefox.launch()` starts Debian's `firefox-esr --headless --remote-debugging-port=0` with a
fresh profile and reads the agent's address from its stderr; the few page operations the test
runs and the page tests need (open a page, evaluate a script, wait for a condition, type keys,
read text) are BiDi commands over one WebSocket. The objects mimic the part of Playwright's sync
API that browser_tests.py uses, so a page runs the same way in either engine.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

from ..core.errors import ToolMissing
from .driven_page import DrivenPage

LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
START_TIMEOUT = 60.0


class BidiError(RuntimeError):
    """A command the browser answered with an error."""


class BidiTimeout(TimeoutError):
    """Named like Playwright's, so callers tell a timeout from a crash the same way."""


def find_firefox() -> str:
    found = shutil.which("firefox-esr") or shutil.which("firefox")
    if not found:
        raise ToolMissing("no Firefox found for the browser run",
                          fix="`sudo apt-get install firefox-esr` or `invoke wasm.setup`")
    return found


class Connection:
    """One WebSocket to the BiDi agent; commands are numbered and their answers awaited."""

    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self._open = contextlib.ExitStack()
        self._socket = self._open.enter_context(connect(url, max_size=None,
                                                        open_timeout=START_TIMEOUT))
        self._next = 0
        self._lock = threading.Lock()

    def command(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._next += 1
            self._socket.send(json.dumps({"id": self._next, "method": method, "params": params}))
            while True:
                message = json.loads(self._socket.recv())
                if message.get("id") != self._next:
                    continue  # an event: none is subscribed to, but the agent may send some
                if message.get("type") == "error":
                    raise BidiError(f"{method}: {message.get('error')}: {message.get('message')}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def close(self) -> None:
        self._open.close()


class Firefox:
    """A headless Firefox with its own throw-away profile."""

    def __init__(self, process: subprocess.Popen[str], profile: Path, connection: Connection,
                 version: str) -> None:
        self.process = process
        self.profile = profile
        self.connection = connection
        self.version = version

    @classmethod
    def launch(cls, executable: str | None = None) -> Firefox:
        profile = Path(tempfile.mkdtemp(prefix="wasm-firefox-"))
        process = subprocess.Popen(
            [executable or find_firefox(), "--headless", "--no-remote", "--profile", str(profile),
             "--remote-debugging-port=0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = _agent_address(process)
        connection = Connection(f"{url}/session")
        session = connection.command("session.new", {"capabilities": {}})
        return cls(process, profile, connection, session["capabilities"]["browserVersion"])

    def new_page(self) -> Page:
        created = self.connection.command("browsingContext.create", {"type": "tab"})
        return Page(self.connection, created["context"])

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already gone: the process is ended below anyway
            self.connection.command("browser.close", {})
        self.connection.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def _agent_address(process: subprocess.Popen[str]) -> str:
    """The ws:// address Firefox prints once its BiDi agent listens."""
    assert process.stderr is not None
    found: list[str] = []
    seen: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line.strip())
            match = LISTENING.search(line)
            if match:
                found.append(match.group(1))
                break
        # keep draining, so Firefox never blocks on a full pipe
        threading.Thread(target=process.stderr.read, daemon=True).start()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    if not found:
        process.kill()
        last = seen[-1] if seen else "no output"
        raise ToolMissing(f"Firefox did not start its WebDriver BiDi agent: {last}",
                          fix="check that `firefox-esr --headless` starts on this machine")
    return found[0]


class Page(DrivenPage):
    """One tab: the calls browser_tests.py and the page tests make, as BiDi commands."""

    timeout_error = BidiTimeout

    def __init__(self, connection: Connection, context: str) -> None:
        self.connection = connection
        self.context = context

    def goto(self, url: str) -> None:
        self.connection.command("browsingContext.navigate",
                                {"context": self.context, "url": url, "wait": "complete"})

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        if arg is not None:
            expression = f"({expression})({json.dumps(arg)})"
        result = self.connection.command("script.evaluate", {
            "expression": f"JSON.stringify({expression})", "target": {"context": self.context},
            "awaitPromise": True})
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            raise BidiError(f"script error: {details.get('text', details)}")
        text = result.get("result", {}).get("value")
        return None if text is None else json.loads(text)

    def send_keys(self, actions: list[dict[str, str]]) -> None:
        self.connection.command("input.performActions", {"context": self.context, "actions": [
            {"type": "key", "id": "keyboard", "actions": actions}]})

    def screenshot(self, path: str, full_page: bool = False) -> None:
        shot = self.connection.command("browsingContext.captureScreenshot",
                                       {"context": self.context,
                                        "origin": "document" if full_page else "viewport"})
        Path(path).write_bytes(base64.b64decode(shot["data"]))

    def set_viewport_size(self, size: dict[str, int]) -> None:
        self.connection.command("browsingContext.setViewport",
                                {"context": self.context, "viewport": size})

    def paste(self, selector: str, text: str) -> None:
        """A real paste: `text` onto the clipboard (with the user activation that needs), then
        Ctrl+V in the element. (Firefox gives a synthetic ClipboardEvent no data.)"""
        self.focus(selector)
        done = self.connection.command("script.evaluate", {
            "expression": f"navigator.clipboard.writeText({json.dumps(text)}).then(() => 'ok', String)",
            "target": {"context": self.context}, "awaitPromise": True, "userActivation": True})
        if done.get("result", {}).get("value") != "ok":
            raise BidiError(f"could not write the clipboard: {done}")
        self.press(selector, "Control+v")

    def close(self) -> None:
        self.connection.command("browsingContext.close", {"context": self.context})
