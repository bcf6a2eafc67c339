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
import time
from pathlib import Path
from typing import Any

from .errors import ToolMissing

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


# WebDriver's code points for the keys the page tests press (WebDriver, "Keyboard actions").
KEYS = {"Enter": "\ue007", "\n": "\ue007", "ArrowUp": "\ue013", "ArrowDown": "\ue015",
        "ArrowLeft": "\ue012", "ArrowRight": "\ue014", "Home": "\ue011", "End": "\ue010",
        "Backspace": "\ue003", "Control": "\ue009", "Tab": "\ue004", "\t": "\ue004",
        "Escape": "\ue00c"}


class Page:
    """One tab: the calls browser_tests.py and the page tests make, as BiDi commands."""

    def __init__(self, connection: Connection, context: str) -> None:
        self.connection = connection
        self.context = context

    def goto(self, url: str) -> None:
        self.connection.command("browsingContext.navigate",
                                {"context": self.context, "url": url, "wait": "complete"})

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        """The value of a JavaScript expression, passed through JSON; with `arg`, the
        expression is a function called with it (as Playwright's evaluate)."""
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

    def wait_for_function(self, expression: str, timeout: float) -> None:
        """Wait until `expression` is truthy; `timeout` in milliseconds, as Playwright's."""
        deadline = time.monotonic() + timeout / 1000
        while not self.evaluate(f"!!({expression})"):
            if time.monotonic() > deadline:
                raise BidiTimeout(f"{expression!r} still false after {timeout / 1000:.0f} s")
            time.sleep(0.1)

    def wait_for_selector(self, selector: str, timeout: float) -> None:
        self.wait_for_function(f"document.querySelector({json.dumps(selector)})", timeout)

    def focus(self, selector: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus() || true")

    def input_value(self, selector: str) -> str:
        return str(self.evaluate(f"document.querySelector({json.dumps(selector)}).value"))

    def screenshot(self, path: str, full_page: bool = False) -> None:
        shot = self.connection.command("browsingContext.captureScreenshot",
                                       {"context": self.context,
                                        "origin": "document" if full_page else "viewport"})
        Path(path).write_bytes(base64.b64decode(shot["data"]))

    def inner_text(self, selector: str) -> str:
        text = self.evaluate(f"document.querySelector({json.dumps(selector)}).innerText")
        return str(text)

    def fill(self, selector: str, text: str) -> None:
        self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                      f"e.focus(); e.value = {json.dumps(text)}; "
                      "e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()")

    def press(self, selector: str, key: str) -> None:
        """A real key press (input.performActions) in the focused element; `Control+c` presses
        the modifier around the key, as Playwright spells it."""
        self.focus(selector)
        values = [KEYS.get(k, k) for k in key.split("+")]
        actions = [{"type": "keyDown", "value": v} for v in values]
        actions += [{"type": "keyUp", "value": v} for v in reversed(values)]
        self.connection.command("input.performActions", {"context": self.context, "actions": [
            {"type": "key", "id": "keyboard", "actions": actions}]})

    def type(self, selector: str, text: str) -> None:
        """Real key presses, one per character, in the element."""
        self.focus(selector)
        actions = [action for char in text for action in (
            {"type": "keyDown", "value": KEYS.get(char, char)},
            {"type": "keyUp", "value": KEYS.get(char, char)})]
        self.connection.command("input.performActions", {"context": self.context, "actions": [
            {"type": "key", "id": "keyboard", "actions": actions}]})

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
        control = "\ue009"
        self.connection.command("input.performActions", {"context": self.context, "actions": [
            {"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": control}, {"type": "keyDown", "value": "v"},
                {"type": "keyUp", "value": "v"}, {"type": "keyUp", "value": control}]}]})

    def close(self) -> None:
        self.connection.command("browsingContext.close", {"context": self.context})
