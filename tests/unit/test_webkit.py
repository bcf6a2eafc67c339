"""WebKit over classic WebDriver, against a fake `WebKitWebDriver` (a small HTTP server that
speaks the protocol) and a fake `Xvfb`: what is sent, in which window, with which environment,
how errors and timeouts come back, and a test page run through BrowserRunner."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from wasmbuild.browser import browser_tests, webkit
from wasmbuild.core.errors import ToolMissing

# A stand-in for `WebKitWebDriver --port=N`: answers the commands webkit.py sends and logs
# each, with the window it went to, to FAKE_WEBDRIVER_LOG; the first line logs the environment
# MiniBrowser would inherit.
FAKE_DRIVER = r'''#!@PYTHON@
import http.server, json, os, sys
port = int(next(a for a in sys.argv if a.startswith("--port=")).split("=")[1])
log = open(os.environ["FAKE_WEBDRIVER_LOG"], "a")
log.write(json.dumps(["env", {k: os.environ.get(k) for k in ("DISPLAY", "JSC_useSharedArrayBuffer")}]) + "\n")
log.flush()
state = {"window": "w0", "windows": 0}
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def answer(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        path = self.path.split("/session/s1", 1)[-1] if "/session/s1" in self.path else self.path
        log.write(json.dumps([method, path, body, state["window"]]) + "\n"); log.flush()
        value = None
        if method == "POST" and path == "/session":
            value = {"sessionId": "s1", "capabilities": {"browserVersion": "2.50.6"}}
        elif path == "/window" and method == "GET":
            value = state["window"]
        elif path == "/window" and method == "POST":
            state["window"] = body["handle"]
        elif path == "/window/new":
            state["windows"] += 1
            value = {"handle": f"w{state['windows']}", "type": "window"}
        elif path == "/execute/async":
            script = body["script"]
            if "boom" in script:
                value = {"thrown": "Error: boom"}
            elif "never" in script:
                value = {"json": "false"}
            elif "testRun" in script:
                value = {"json": json.dumps({"status": 0, "output": "3.11.2\n", "files": {}})}
            else:
                value = {"json": "true"}
        elif path == "/bogus":
            value = {"error": "unknown command", "message": "no such thing"}
        data = json.dumps({"value": value}).encode()
        self.send_response(404 if path == "/bogus" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if method == "DELETE" and path == "":
            os._exit(0)
    def do_GET(self): self.answer("GET")
    def do_POST(self): self.answer("POST")
    def do_DELETE(self): self.answer("DELETE")
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
'''

# A stand-in for `Xvfb -displayfd FD ...`: writes its display number to FD, then waits.
FAKE_XVFB = r'''#!@PYTHON@
import os, sys, time
fd = int(sys.argv[sys.argv.index("-displayfd") + 1])
os.write(fd, b"42\n")
os.close(fd)
time.sleep(600)
'''


@pytest.fixture
def fake_webkit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("WebKitWebDriver", FAKE_DRIVER), ("Xvfb", FAKE_XVFB)):
        script = bin_dir / name
        script.write_text(text.replace("@PYTHON@", sys.executable))
        script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    log = tmp_path / "webdriver.jsonl"
    monkeypatch.setenv("FAKE_WEBDRIVER_LOG", str(log))
    return log


def calls(log: Path) -> list[list[object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_a_page_is_a_window_driven_and_closed_over_webdriver(fake_webkit: Path) -> None:
    browser = webkit.WebKit.launch()
    assert browser.version == "2.50.6"
    page = browser.new_page()
    page.goto("http://127.0.0.1:1/python.html")
    page.wait_for_function("document.body.dataset.state", timeout=5000)
    assert page.evaluate("window.testRun")["output"] == "3.11.2\n"
    page.press("#input", "Control+c")
    with pytest.raises(webkit.WebDriverError, match="script error: Error: boom"):
        page.evaluate("(() => { throw new Error('boom') })()")
    with pytest.raises(webkit.WebDriverTimeout):
        page.wait_for_function("never", timeout=300)
    with pytest.raises(webkit.WebDriverError, match="unknown command: no such thing"):
        browser.command("GET", "/bogus")
    second = browser.new_page()
    second.goto("http://127.0.0.1:1/other.html")
    page.close()
    second.close()
    browser.close()
    log = calls(fake_webkit)
    # MiniBrowser inherits the screen and SharedArrayBuffer (WebKitGTK leaves it off otherwise).
    assert log[0] == ["env", {"DISPLAY": ":42", "JSC_useSharedArrayBuffer": "1"}]
    # Each command goes to its page's window; the first window is never a page, so closing
    # the last page leaves the session alive.
    goto = [c for c in log if c[1] == "/url"]
    assert [(c[2], c[3]) for c in goto] == [({"url": "http://127.0.0.1:1/python.html"}, "w1"),
                                            ({"url": "http://127.0.0.1:1/other.html"}, "w2")]
    [keys] = [c[2] for c in log if c[1] == "/actions" and c[0] == "POST"]
    assert keys == {"actions": [{"type": "key", "id": "keyboard", "actions": [
        {"type": "keyDown", "value": "\ue009"}, {"type": "keyDown", "value": "c"},
        {"type": "keyUp", "value": "c"}, {"type": "keyUp", "value": "\ue009"}]}]}
    closed = [c[3] for c in log if c[0] == "DELETE" and c[1] == "/window"]
    assert closed == ["w1", "w2"]
    assert log[-1][:2] == ["DELETE", ""]  # the session, which ends the driver
    assert browser.driver.poll() is not None and browser.screen.poll() is not None


def test_the_browser_runner_runs_pages_in_webkit(fake_webkit: Path, tmp_path: Path) -> None:
    runner = browser_tests.BrowserRunner(tmp_path, "tests.html", 5, tmp_path / "results",
                                         pages=1, engine="webkit")
    try:
        output, status, timed_out, files = runner.run_args(
            "http://127.0.0.1:1/", ["-c", "pass"], bundle="tests-bundle/common.x.json")
    finally:
        runner.close()
    assert (output, status, timed_out, files) == ("3.11.2\n", 0, False, {})
    assert calls(fake_webkit)[-1][:2] == ["DELETE", ""]  # the worker ended its session


def test_no_driver_or_no_screen_is_a_one_line_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissing, match="no WebKitWebDriver found") as caught:
        webkit.WebKit.launch()
    assert "webkit2gtk-driver" in caught.value.fix
    (tmp_path / "WebKitWebDriver").write_text("#!/bin/sh\n")
    (tmp_path / "WebKitWebDriver").chmod(0o755)
    with pytest.raises(ToolMissing, match="no Xvfb found") as caught:
        webkit.WebKit.launch()
    assert "xvfb" in caught.value.fix


def test_the_printed_command_opens_the_page_in_minibrowser_on_a_screen() -> None:
    command = browser_tests.open_command("webkit", "http://localhost:8000/python.html")
    assert command[:4] == ["xvfb-run", "-a", "env", "JSC_useSharedArrayBuffer=1"]
    assert command[-1] == "http://localhost:8000/python.html"
    assert browser_tests.open_command("firefox", "u") == ["firefox-esr", "--headless", "u"]
