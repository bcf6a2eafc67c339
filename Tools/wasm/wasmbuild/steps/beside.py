"""A step run in a thread beside the main steps: the build Python builds while the toolchain,
the ports and the libraries do. On 2 CPUs most of those are single-threaded configure scripts,
so two at once finish in about the time of the longer.

The step says which file it makes; a later step that needs the file calls `ready(path)`,
which waits for it (the cross configure runs the build Python). Its printed lines are held,
not mixed into the main steps' lines, and shown in one piece at that moment, so the printed
recipe reads in order and each command in it can be run as printed. A dry run shows its
lines in the same place; --verbose (whose commands write to the terminal) runs it in place,
before the main steps.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Callable
from pathlib import Path

from ..core.shell import Runner
from ..toolchains.context import Context, Toolchains

_PENDING: dict[Path, Beside] = {}


class Beside:
    def __init__(self, ctx: Context, title: str, work: Callable[[Context], object],
                 makes: Path) -> None:
        self._title, self._makes = title, makes
        self._error: BaseException | None = None
        self._held = io.StringIO()
        self._runner = ctx.runner
        self._thread: threading.Thread | None = None
        if ctx.options.verbose:
            work(ctx)
            return
        # Its own runner, whose lines are held, and its own view of the toolchains: the
        # thread finds what it uses itself instead of sharing the main steps' half-made one.
        side = dataclasses.replace(ctx, runner=Runner(ctx.runner.root, dry_run=ctx.dry_run,
                                                      out=self._held), toolchains=Toolchains())
        _PENDING[makes] = self
        if ctx.dry_run:  # nothing runs: held all the same, so the lines come in a run's order
            work(side)
            return
        ctx.runner.note(f"{title} builds beside the next steps; its lines follow where they "
                        "need it")

        def run() -> None:
            try:
                work(side)
            except BaseException as exc:  # raised in the main thread, by ready()
                self._error = exc

        # A daemon: an interrupted or failed task exits without waiting for it, and the
        # guards of its processes end them when the task does (procs.py).
        self._thread = threading.Thread(target=run, name=title, daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Wait for it, show its lines, and raise its error."""
        _PENDING.pop(self._makes, None)
        if self._thread is not None:
            if self._thread.is_alive():
                self._runner.note(f"waiting for {self._title}")
            self._thread.join()
            self._thread = None
        held, self._held = self._held.getvalue().rstrip("\n"), io.StringIO()
        if held:
            self._runner.say(held)
        if self._error is not None:
            raise self._error


def ready(path: Path) -> Path:
    """`path`, once the step making it beside the main steps (if any) has finished."""
    pending = _PENDING.get(path)
    if pending is not None:
        pending.wait()
    return path


def forget(path: Path) -> None:
    """The main steps ended without needing `path` (they failed): stop showing its step."""
    _PENDING.pop(path, None)
