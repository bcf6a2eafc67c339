#!/usr/bin/env python3
"""Set up this checkout for the wasm tasks, then run one command in that environment.

    python3 Tools/wasm/bootstrap.py                      # set up only
    python3 Tools/wasm/bootstrap.py invoke wasm.node     # set up, then build
    python3 Tools/wasm/bootstrap.py nox -s tests         # set up, then test

Setting up means: a virtual environment in .venv with the project's Python dependencies
(invoke, nox, requests, pytest, ...), then `invoke wasm.setup`, which installs the missing system
packages the command needs (Emscripten, a C compiler, ...; browsers only for page tests) on
Debian/Ubuntu when run as root. Each part is skipped when already done. Standard library
only: this runs before any dependency is installed.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent.parent
VENV = CHECKOUT / ".venv"
EXTRAS = "test,lint"


def say(text: str) -> None:
    print(text, flush=True)


def fail(message: str, fix: str) -> None:
    print(f"error: {message}\nfix: {fix}", file=sys.stderr)
    raise SystemExit(1)


def run(argv: list[str], **kwargs: object) -> None:
    say(" ".join(argv).replace(str(CHECKOUT) + "/", ""))
    if subprocess.call(argv, **kwargs) != 0:  # type: ignore[call-overload]
        fail(f"`{Path(argv[0]).name}` failed (see above)", "fix the cause above and run again")


def venv_python() -> Path:
    return VENV / "bin" / "python"


def install_venv_support() -> None:
    """Debian's python3 lacks ensurepip until python3.X-venv is installed."""
    package = f"python3.{sys.version_info.minor}-venv"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        fail("python3 cannot create virtual environments here",
             f"sudo apt-get install {package}   (then run this again)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update"], env=env)
    run(["apt-get", "install", "-y", "--no-install-recommends", package], env=env)


def ensure_venv() -> None:
    if venv_python().exists():
        return
    say(f"# creating the virtual environment {VENV.name}")
    probe = subprocess.run([sys.executable, "-c", "import ensurepip"], capture_output=True)
    if probe.returncode != 0:
        install_venv_support()
    run([sys.executable, "-m", "venv", str(VENV)])


def ensure_dependencies() -> None:
    """pip install -e .[test,lint], again only when pyproject.toml changed."""
    digest = hashlib.sha256((CHECKOUT / "pyproject.toml").read_bytes()).hexdigest()
    marker = VENV / f".installed-{digest[:16]}"
    if marker.exists():
        return
    say("# installing the project's Python dependencies into .venv")
    pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*pip, "install", "--upgrade", "pip"])
    run([*pip, "install", "-e", f"{CHECKOUT}[{EXTRAS}]"])
    for old in VENV.glob(".installed-*"):
        old.unlink()
    marker.touch()


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by any python3
        fail(f"Python {sys.version.split()[0]} is too old for these tools",
             "run this script with Python 3.11 or newer")
    ensure_venv()
    ensure_dependencies()
    env = {**os.environ, "VIRTUAL_ENV": str(VENV),
           "PATH": f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONHOME", None)
    # Only what the command needs: a first build for Node does not wait for browsers.
    setup = subprocess.call([str(VENV / "bin" / "invoke"), "wasm.setup",
                             "--for-command", shlex.join(argv)], cwd=CHECKOUT, env=env)
    if setup != 0:
        return setup
    if not argv:
        say("# ready: run tasks with .venv/bin/invoke (see `.venv/bin/invoke --list`)")
        return 0
    command = shutil.which(argv[0], path=env["PATH"]) or argv[0]
    say(f"\n# running: {shlex.join(argv)}")
    os.chdir(CHECKOUT)
    os.execve(command, [command, *argv[1:]], env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
