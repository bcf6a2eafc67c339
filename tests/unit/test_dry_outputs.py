"""What every task prints with `--dry`, pinned: a change to the library that changes what a user
is shown (a command, its order, a note) shows up here as a diff against tests/unit/dry/.

The tasks run as a user runs them (`invoke --dry ...`, in this process) on the fake toolchain,
with what differs between runs (the temporary folder, the checkout's place, digests, dates)
written as names: $TMP, $CHECKOUT, DIGEST, KEY, DATE. After a
change meant to alter what a task prints, rewrite the pinned files with

    CPYTHON_WASM_UPDATE_DRY=1 python -m pytest tests/unit/test_dry_outputs.py

and read the diff before committing it."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from invoke.program import Program
from wasmbuild.cleanroom import room
from wasmbuild.core import host
from wasmbuild.targets import wasi as wasi_target
from wasmbuild.toolchains import roots, wasi

from ..conftest import CHECKOUT
from .conftest import FakeToolchain

PINNED = Path(__file__).parent / "dry"

# name of the pinned file -> the task and its arguments ({tree} is the fake CPython tree).
RUNS: dict[str, tuple[str, ...]] = {
    "build-python": ("wasm.build-python", "--source", "{tree}", "--jobs", "2"),
    "ports": ("wasm.ports",),
    "deps": ("wasm.deps", "--jobs", "2"),
    "node": ("wasm.node", "--source", "{tree}", "--jobs", "2"),
    "browser": ("wasm.browser", "--source", "{tree}", "--jobs", "2"),
    "wasi": ("wasm.wasi", "--source", "{tree}", "--jobs", "2"),
    "answers": ("wasm.answers", "--source", "{tree}", "--jobs", "2"),
    "dist": ("wasm.dist", "--source", "{tree}"),
    "extension": ("wasm.extension", "{tree}/spam.c", "--profile", "dynamic", "--source", "{tree}"),
    "run": ("wasm.run", "--source", "{tree}", "--", "-c", "print(1)"),
    "run-wasi": ("wasm.run", "--target", "wasi", "--source", "{tree}", "--", "-c", "print(1)"),
    "test": ("wasm.test", "--source", "{tree}", "--", "test_os"),
    "test-browser": ("wasm.test-browser", "--source", "{tree}", "--", "test_os"),
    "limits": ("wasm.limits", "--source", "{tree}", "--jobs", "2"),
    "clean": ("wasm.clean",),
    "setup": ("wasm.setup",),
    "doctor": ("wasm.doctor",),
    "docs": ("wasm.docs",),
    "fresh": ("wasm.fresh", "--debian", "bookworm"),
    "matrix": ("wasm.matrix", "--run", "--all", "--match", "node='24'"),
    "serve": ("wasm.serve", "--port", "8123"),
}


# What differs between two runs of the same task on the same data: the digest of the fake
# tree's path in its build folder's name, keys of configure answers, today's date and a clean
# room's time stamp, where the checkout lies relative to the temporary folder, free disk
# space, and the state of the recorded matrix rows.
VARYING = (
    (re.compile(r"\blocal-(\d+\.\d+\.\d+)-[0-9a-f]{8}"), r"local-\1-DIGEST"),
    (re.compile(r"(?<![0-9a-f])[0-9a-f]{16}(?![0-9a-f])"), "KEY"),
    (re.compile(r"\b20\d\d-\d\d-\d\d\b"), "DATE"),
    (re.compile(r"\b20\d{6}-\d{6}\b"), "STAMP"),
    (re.compile(r"\b20\d{6}\b"), "DAY"),
    (re.compile(r"(?:\.\./)+\.*(\$CHECKOUT|\$TMP)"), r"\1"),
    (re.compile(r"\b[\d.]+ GB free"), "N GB free"),
    (re.compile(r"^(# == \d+/\d+: .*\)), .*$", re.MULTILINE), r"\1, STATUS"),
    (re.compile(r"^(docs/matrix\.md): .*$", re.MULTILINE), r"\1: STATUS"),
)


def printed(fake: FakeToolchain, args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> str:
    """What `invoke --dry ARGS` prints, run in this process (so the guard against real programs
    holds) on a machine that has only the fake toolchain: no package's files are installed."""
    monkeypatch.setenv("CPYTHON_WASM_CACHE", str(fake.tmp / "cache"))
    monkeypatch.setenv("CPYTHON_WASM_BUILDDIR", str(fake.layout.builddir))
    monkeypatch.setattr(host, "has_file", lambda path: False)
    monkeypatch.setattr(host, "is_root", lambda: True)
    # The WASI launcher names the checkout's .venv Python where there is one (a nox session's
    # Python runs these tests in CI): here, the Python running the tasks.
    monkeypatch.setattr(wasi_target, "launcher_python", lambda: sys.executable)
    # A root is entered with the host's TERM and its proxy and CA variables: none here.
    monkeypatch.setenv("TERM", "xterm")
    for name in [name for name in os.environ if roots.TRUST_VARIABLES.match(name)]:
        monkeypatch.delenv(name)
    monkeypatch.setattr(host, "has_folder", lambda path: False)
    monkeypatch.setattr(wasi, "_installed_version", lambda package: None)
    git = shutil.which("git", path=os.defpath)  # the matrix and the clean room ask the checkout's history
    if git:
        (fake.tmp / "git").mkdir(exist_ok=True)
        (fake.tmp / "git" / "git").symlink_to(git)
        monkeypatch.setenv("PATH", f"{os.environ['PATH']}{os.pathsep}{fake.tmp / 'git'}")
    monkeypatch.syspath_prepend(str(CHECKOUT))
    import tasks

    (fake.tree / "spam.c").write_text("/* PyInit_spam */\n")
    argv = [arg.format(tree=fake.tree) for arg in args]
    try:
        Program(namespace=tasks.namespace, name="invoke", binary="invoke").run(
            ["invoke", "--dry", *argv])
        status: object = 0
    except SystemExit as stop:
        status = stop.code
    out, err = capsys.readouterr()
    text = f"exit {status}\n{out}" + (f"--- stderr\n{err}" if err else "")
    # The Python running the tasks, as printed: absolute, or relative to the checkout when it
    # lives inside it (.venv/bin/python, .nox/tests/bin/python).
    text = text.replace(sys.executable, "$PYTHON")
    text = text.replace(os.path.relpath(sys.executable, CHECKOUT), "$PYTHON")
    text = text.replace(str(fake.tmp), "$TMP")
    # The checkout, except inside a path under $TMP: the clean room clones into
    # <root>/root/cpython-wasm, which ends with the checkout's own path in a clean room.
    text = re.sub(r"(\$TMP[^\s'\"]*?)?" + re.escape(str(CHECKOUT)),
                  lambda found: found.group(0) if found.group(1) else "$CHECKOUT", text)
    if str(CHECKOUT) == room.CLONE_INSIDE:
        # In a clean room the checkout is where a room's clone lives inside its root: that
        # path, given to bwrap, is shown as the checkout's.
        text = re.sub(r"--chdir (\.|\$CHECKOUT) ", f"--chdir {room.CLONE_INSIDE} ", text)
    # The doctor names the Python that runs the tasks (which may be the fake tree's version:
    # Debian 12's is 3.11.2 too, so only that line is rewritten).
    text = re.sub(r"^(\[ok\] host Python +)\S+", r"\g<1>$VERSION", text, flags=re.MULTILINE)
    for pattern, replacement in VARYING:
        text = pattern.sub(replacement, text)
    return text


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_dry_run_prints_what_it_printed_before(
        fake: FakeToolchain, name: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    text = printed(fake, RUNS[name], monkeypatch, capsys)
    pinned = PINNED / f"{name}.txt"
    if os.environ.get("CPYTHON_WASM_UPDATE_DRY"):
        PINNED.mkdir(exist_ok=True)
        pinned.write_text(text)
    assert pinned.exists(), f"no pinned output: run with CPYTHON_WASM_UPDATE_DRY=1 ({name})"
    assert text == pinned.read_text()
