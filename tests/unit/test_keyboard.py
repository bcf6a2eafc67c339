"""Python at the keyboard, the parts that run on the host: the completer's answers
(Lib/wasm_site/wasm_completion.py, plain Python), the Ctrl-C probe of the limits table against
fake runtimes, and how `wasm.run` waits for the program it runs in the foreground."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from wasmbuild import targets
from wasmbuild.core.shell import Command

from ..conftest import CHECKOUT
from .conftest import FakeToolchain

sys.path.insert(0, str(CHECKOUT / "Lib" / "wasm_site"))
import wasm_completion


@pytest.fixture()
def names(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    import collections

    calls: list[str] = []

    def side_effect() -> object:
        calls.append("called")
        return collections

    namespace = {"collections": collections, "total": 42, "calls": calls, "make": side_effect}
    monkeypatch.setattr(wasm_completion, "namespace", namespace)
    return namespace


def test_names_keywords_and_attributes(names: dict[str, object]) -> None:
    assert wasm_completion.matches("x = tot") == ("tot", ["total"])
    assert wasm_completion.matches("pri") == ("pri", ["print("])
    assert wasm_completion.matches("fo")[1][:2] == ["for ", "format("]
    assert wasm_completion.matches("collections.Ordered") == (
        "collections.Ordered", ["collections.OrderedDict("])
    assert wasm_completion.matches("print(collections.na")[1] == ["collections.namedtuple("]


def test_private_names_only_when_asked(names: dict[str, object]) -> None:
    assert all("._" not in m for m in wasm_completion.matches("collections.")[1])
    assert "collections.__name__" in wasm_completion.matches("collections.__")[1]


def test_a_tab_never_calls_code(names: dict[str, object]) -> None:
    assert wasm_completion.matches("make().Ordered")[1] == []
    assert names["calls"] == []


def test_nothing_typed_completes_nothing(names: dict[str, object]) -> None:
    assert wasm_completion.matches("") == ("", [])
    assert wasm_completion.matches("print(") == ("", [])


def test_module_names_after_import_and_from() -> None:
    assert {"os", "operator", "optparse"} <= set(wasm_completion.matches("import o")[1])
    assert "json" in wasm_completion.matches("import sys, js")[1]
    assert wasm_completion.matches("import email.mi")[1] == ["email.mime"]
    assert "abc" in wasm_completion.matches("from collections import ab")[1]
    assert "path" in wasm_completion.matches("from os import pa")[1]


def test_complete_answers_json_for_javascript(names: dict[str, object]) -> None:
    import json

    assert json.loads(wasm_completion.complete("tot")) == {"word": "tot", "matches": ["total"]}


FAKE_RUNTIME = """\
import signal, sys, time
mode = sys.argv[1]
if mode == "raises":  # Python's default handler: KeyboardInterrupt, status 130
    def stop(number, frame):
        sys.stderr.write("Traceback...\\nKeyboardInterrupt\\n")
        sys.exit(130)
    signal.signal(signal.SIGINT, stop)
elif mode == "ignores":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
elif mode == "dies":  # no handler: the signal ends the process, silently
    signal.signal(signal.SIGINT, signal.SIG_DFL)
# "ends": Python's own uncaught KeyboardInterrupt, its line and then death by SIGINT (what the
# WASI runners do when they cannot raise it inside the program)
print("sleeping", flush=True)
time.sleep(30)
"""


@pytest.mark.parametrize(("mode", "status", "detail"), [
    ("raises", "works", "KeyboardInterrupt"),
    ("dies", "fails", "no KeyboardInterrupt: the runtime ends (killed by signal 2)"),
    ("ignores", "hangs", "still sleeping 1 s after SIGINT"),
    ("ends", "fails", "Python cannot catch it: the run ends as on an uncaught KeyboardInterrupt"),
])
def test_the_ctrl_c_probe_tells_the_four_outcomes(fake: FakeToolchain, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch, mode: str,
                                                   status: str, detail: str) -> None:
    program = tmp_path / "runtime.py"
    program.write_text(FAKE_RUNTIME)
    monkeypatch.setattr(targets, "INTERRUPT_GRACE", 1.0)
    found = targets.interrupt_process(fake.build(), Command.of(
        sys.executable, program, mode, cwd=tmp_path))
    assert found[0] == status
    assert detail in found[1]


def test_run_in_foreground_reports_a_signal_death_as_a_shell_does(fake: FakeToolchain,
                                                                   tmp_path: Path) -> None:
    status = targets.run_in_foreground(fake.build(), Command.of(sys.executable, "-c",
        "import os, signal; signal.signal(signal.SIGINT, signal.SIG_DFL); "
        "os.kill(os.getpid(), signal.SIGINT)", cwd=tmp_path))
    assert status == 130
