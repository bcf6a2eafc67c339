"""What a page driven over WebDriver offers the tests, whatever carries the commands: Firefox's
BiDi (bidi.py) or WebKit's classic WebDriver (webkit.py). A protocol supplies three things
(evaluate a script, send key actions, and the timeout error to raise); the rest, in the shape
of Playwright's sync API that browser_tests.py and the page tests use, is written here once.
"""

from __future__ import annotations

import json
import time
from typing import Any

# WebDriver's code points for the keys the page tests press (WebDriver, "Keyboard actions").
KEYS = {"Enter": "\ue007", "\n": "\ue007", "ArrowUp": "\ue013", "ArrowDown": "\ue015",
        "ArrowLeft": "\ue012", "ArrowRight": "\ue014", "Home": "\ue011", "End": "\ue010",
        "Backspace": "\ue003", "Control": "\ue009", "Tab": "\ue004", "\t": "\ue004",
        "Escape": "\ue00c"}


class DrivenPage:
    timeout_error: type[Exception] = TimeoutError
    """Raised by the waits; named like Playwright's (…Timeout) by each protocol."""

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        """The value of a JavaScript expression, passed through JSON, its promise awaited; with
        `arg`, the expression is a function called with it (as Playwright's evaluate)."""
        raise NotImplementedError

    def send_keys(self, actions: list[dict[str, str]]) -> None:
        """WebDriver key actions (keyDown/keyUp) to the focused element."""
        raise NotImplementedError

    def wait_for_function(self, expression: str, timeout: float) -> None:
        """Wait until `expression` is truthy; `timeout` in milliseconds, as Playwright's."""
        deadline = time.monotonic() + timeout / 1000
        while not self.evaluate(f"!!({expression})"):
            if time.monotonic() > deadline:
                raise self.timeout_error(f"{expression!r} still false after {timeout / 1000:.0f} s")
            time.sleep(0.1)

    def wait_for_selector(self, selector: str, timeout: float) -> None:
        self.wait_for_function(f"document.querySelector({json.dumps(selector)})", timeout)

    def focus(self, selector: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus() || true")

    def input_value(self, selector: str) -> str:
        return str(self.evaluate(f"document.querySelector({json.dumps(selector)}).value"))

    def inner_text(self, selector: str) -> str:
        return str(self.evaluate(f"document.querySelector({json.dumps(selector)}).innerText"))

    def fill(self, selector: str, text: str) -> None:
        self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                      f"e.focus(); e.value = {json.dumps(text)}; "
                      "e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()")

    def press(self, selector: str, key: str) -> None:
        """A real key press in the element; `Control+c` presses the modifier around the key,
        as Playwright spells it."""
        self.focus(selector)
        values = [KEYS.get(k, k) for k in key.split("+")]
        self.send_keys([{"type": "keyDown", "value": v} for v in values]
                       + [{"type": "keyUp", "value": v} for v in reversed(values)])

    def type(self, selector: str, text: str) -> None:
        """Real key presses, one per character, in the element."""
        self.focus(selector)
        self.send_keys([action for char in text for action in (
            {"type": "keyDown", "value": KEYS.get(char, char)},
            {"type": "keyUp", "value": KEYS.get(char, char)})])
