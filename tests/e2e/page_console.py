"""The page's terminal, used as a person uses it: real key presses in the terminal (xterm.js's
input element), in Chromium (Playwright) or Firefox ESR (bidi.py), and what it shows read
from the terminal's own buffer: its text, and for colours its cells."""

from __future__ import annotations

import re
import time
from typing import Any

INPUT = ".xterm-helper-textarea"  # where xterm.js takes keys and pastes
SETTLED = ("ready", "failed", "unsupported", "exited")  # states that stay till a person acts

# The terminal's lines as text, a wrapped line joined to the one it continues; the cursor's
# line up to the cursor (a prompt's trailing space), blank lines at the end dropped.
SCREEN = """() => {
  const buffer = pythonTerminal.buffer.active;
  const cursor = buffer.baseY + buffer.cursorY;
  const lines = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    if (!line) continue;
    let text = "";
    for (let x = 0; x < line.length; x++) {
      const cell = line.getCell(x);
      if (cell && cell.getWidth() > 0) text += cell.getChars() || " ";
    }
    text = text.replace(/ +$/, "");
    if (y === cursor && buffer.cursorX > text.length) text = text.padEnd(buffer.cursorX);
    if (line.isWrapped && lines.length) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  while (lines.length > 1 && !lines[lines.length - 1]) lines.pop();
  return lines.join("\\n");
}"""

# The colour of each cell of the first line that holds `text`: [char, palette index or -1].
COLOURS = """(text) => {
  const buffer = pythonTerminal.buffer.active;
  for (let y = buffer.length - 1; y >= 0; y--) {
    const line = buffer.getLine(y);
    if (!line.translateToString(true).includes(text)) continue;
    const cells = [];
    for (let x = 0; x < line.length; x++) {
      const cell = line.getCell(x);
      cells.push([cell.getChars(), cell.isFgPalette() ? cell.getFgColor() : -1]);
    }
    return cells;
  }
  return null;
}"""


class Console:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.row = 0  # expect() looks from this line of the screen on

    def open(self, url: str) -> None:
        self.page.goto(url)
        settled = ", ".join(f'body[data-state="{state}"]' for state in SETTLED)
        try:
            self.page.wait_for_selector(settled, timeout=90_000)
        except Exception as error:  # each engine's driver names its timeout differently
            raise AssertionError(f"the page did not start: {self.status()}") from error
        status = self.status()
        assert status.startswith("ready:"), f"the page did not start: {status}"
        self.row = 0
        self.expect(r">>> $")

    def status(self) -> str:
        """The page's state and its status line, as a person reads them, and how far its
        start got (console.js, reached())."""
        return str(self.page.evaluate(
            "`${document.body.dataset.state}: ${document.getElementById('status').textContent} "
            "(reached: ${document.body.dataset.reached})`"))

    def wait_home_saved(self) -> None:
        """Waits until the page has stored the home folder's last changes (its data-home)."""
        self.page.wait_for_selector('body:not([data-home="saving"])', timeout=30_000)

    def screen(self) -> str:
        return str(self.page.evaluate(f"({SCREEN})()"))

    def type(self, text: str) -> None:
        self.page.type(INPUT, text)

    def press(self, key: str) -> None:
        self.page.press(INPUT, key)

    def run(self, line: str, then: str = r"^>>> $") -> str:
        """Type a line and, once it shows, Enter; returns what the screen shows below it
        once `then` (the next prompt) shows there."""
        self.row = self.screen().count("\n")  # the line being typed
        self.type(line)
        self.expect(re.escape(line.splitlines()[-1][-20:]))  # its end, where it shows
        self.press("Enter")
        self.row += 1
        return self.expect(then)

    def expect(self, pattern: str, timeout: float = 30) -> str:
        """Wait for `pattern` (a multi-line regex) in the screen's lines from `row` on; returns
        those lines, and moves `row` to the line where the match ended."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern, re.MULTILINE)
        while True:
            lines = self.screen().split("\n")
            shown = "\n".join(lines[self.row:])
            found = regex.search(shown)
            if found:
                self.row += shown.count("\n", 0, found.end())
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} did not appear within {timeout} s; the "
                                     f"terminal shows:\n{chr(10).join(lines)[-3000:]}")
            time.sleep(0.1)

    def colours(self, text: str) -> list[tuple[str, int]]:
        cells = self.page.evaluate(COLOURS, text)
        assert cells is not None, f"{text!r} is not on the screen:\n{self.screen()[-2000:]}"
        return [(char, colour) for char, colour in cells]

    def paste(self, text: str) -> None:
        if hasattr(self.page, "paste"):  # Firefox over BiDi: the clipboard, then Ctrl+V
            self.page.paste(INPUT, text)
            return
        self.page.focus(INPUT)
        self.page.evaluate(
            """([selector, text]) => {
                const data = new DataTransfer();
                data.setData("text/plain", text);
                document.querySelector(selector).dispatchEvent(
                    new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
            }""", [INPUT, text])
