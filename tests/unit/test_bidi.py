"""Firefox over WebDriver BiDi, against a fake `firefox-esr` that speaks the protocol: what is
sent, how answers, errors and timeouts come back, and a test page run through BrowserRunner."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from wasmbuild.browser import bidi, browser_tests

# A stand-in for `firefox-esr --headless --remote-debugging-port=0`: a BiDi agent on a free
# port, announced on stderr as Firefox does, answering the commands bidi.py sends and logging
# them to FAKE_BIDI_LOG.
FAKE_FIREFOX = r'''#!@PYTHON@
import json, os, sys
from websockets.sync.server import serve
log = open(os.environ["FAKE_BIDI_LOG"], "a")
state = {"pages": 0}
def answer(message):
    method, params = message["method"], message["params"]
    log.write(json.dumps([method, params]) + "\n"); log.flush()
    if method == "session.new":
        return {"capabilities": {"browserVersion": "153.7.0"}}
    if method == "browsingContext.create":
        state["pages"] += 1
        return {"context": f"tab-{state['pages']}"}
    if method == "script.evaluate":
        expression = params["expression"]
        if "throw" in expression:
            return {"type": "exception", "exceptionDetails": {"text": "Error: boom"}}
        if "never" in expression:
            return {"type": "success", "result": {"type": "string", "value": "false"}}
        if "testRun" in expression:
            run = {"status": 0, "output": "3.13.5\n", "files": {"/tmp/junit.xml": None}}
            return {"type": "success", "result": {"type": "string", "value": json.dumps(run)}}
        return {"type": "success", "result": {"type": "string", "value": "true"}}
    if method == "bogus.command":
        raise LookupError("unknown command")
    return {}
def handler(socket):
    for raw in socket:
        message = json.loads(raw)
        try:
            socket.send(json.dumps({"type": "event", "method": "log.entryAdded", "params": {}}))
            socket.send(json.dumps({"type": "success", "id": message["id"], "result": answer(message)}))
        except LookupError as exc:
            socket.send(json.dumps({"type": "error", "id": message["id"], "error": "unknown command",
                                    "message": str(exc)}))
        if message["method"] == "browser.close":
            os._exit(0)
with serve(handler, "127.0.0.1", 0) as server:
    port = server.socket.getsockname()[1]
    print("*** You are running in headless mode.", file=sys.stderr)
    print(f"WebDriver BiDi listening on ws://127.0.0.1:{port}", file=sys.stderr, flush=True)
    server.serve_forever()
'''


@pytest.fixture
def fake_firefox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "firefox-esr"
    script.write_text(FAKE_FIREFOX.replace("@PYTHON@", sys.executable))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    log = tmp_path / "bidi.jsonl"
    monkeypatch.setenv("FAKE_BIDI_LOG", str(log))
    return log


def sent(log: Path) -> list[str]:
    return [json.loads(line)[0] for line in log.read_text().splitlines()]


def test_a_page_is_opened_driven_and_closed_over_bidi(fake_firefox: Path) -> None:
    firefox = bidi.Firefox.launch()
    assert firefox.version == "153.7.0"
    assert "--headless" in firefox.process.args and "--remote-debugging-port=0" in firefox.process.args
    page = firefox.new_page()
    page.goto("http://127.0.0.1:1/tests.html?args=[]")
    page.wait_for_function("document.body.dataset.state", timeout=5000)
    assert page.evaluate("window.testRun")["output"] == "3.13.5\n"
    page.press("#input", "Enter")
    with pytest.raises(bidi.BidiError, match="script error: Error: boom"):
        page.evaluate("(() => { throw new Error('boom') })()")
    with pytest.raises(bidi.BidiTimeout):
        page.wait_for_function("never", timeout=300)
    with pytest.raises(bidi.BidiError, match=r"bogus\.command: unknown command"):
        firefox.connection.command("bogus.command", {})
    page.close()
    profile = firefox.profile
    firefox.close()
    assert firefox.process.returncode == 0 and not profile.exists()
    calls = [json.loads(line) for line in fake_firefox.read_text().splitlines()]
    assert [c[0] for c in calls][:3] == ["session.new", "browsingContext.create",
                                         "browsingContext.navigate"]
    assert calls[2][1] == {"context": "tab-1", "url": "http://127.0.0.1:1/tests.html?args=[]",
                           "wait": "complete"}
    [keys] = [c[1] for c in calls if c[0] == "input.performActions"]
    assert keys["actions"][0]["actions"][0] == {"type": "keyDown", "value": "\ue007"}
    assert sent(fake_firefox)[-2:] == ["browsingContext.close", "browser.close"]


def test_the_browser_runner_runs_pages_in_firefox(fake_firefox: Path, tmp_path: Path) -> None:
    runner = browser_tests.BrowserRunner(tmp_path, "tests.html", 5, tmp_path / "results",
                                         pages=2, engine="firefox")
    try:
        output, status, timed_out, files = runner.run_args(
            "http://127.0.0.1:1/", ["-c", "pass"], bundle="tests-bundle/common.x.json")
    finally:
        runner.close()
    assert (output, status, timed_out, files) == ("3.13.5\n", 0, False, {"/tmp/junit.xml": None})
    assert sent(fake_firefox)[-1] == "browser.close"  # the worker closed its Firefox


def test_no_firefox_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(bidi.ToolMissing, match="no Firefox found") as caught:
        bidi.find_firefox()
    assert "firefox-esr" in caught.value.fix
