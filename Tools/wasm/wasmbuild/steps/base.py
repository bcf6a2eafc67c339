"""The step runner every recipe step goes through: skip when current, lock, log, dry run, stamp.

A step declares what it is made from (`inputs`), what it makes (`outputs`) and the work, as
commands or as functions that show what they do. It is skipped when its stamp holds exactly these inputs
and every output exists (a dry run shows the work anyway); otherwise the stamp is cleared, the
work runs with its output in the step's log, and the stamp is written only once all of it
finished, so an interrupted step never looks done.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.layout import Layout
from ..core.shell import Action, Command, Runner
from ..core.stamps import Stamp, locked

Work = Command | Action | Callable[[], None]
"""A command; an action (a shell line and the Python that does it); or a function that shows and
does its own work (a download and its unpacking), which a dry run calls too, since it honours
`runner.dry_run` itself."""


@dataclass(frozen=True)
class Step:
    name: str
    folder: Path
    """The folder the step builds in; its stamp and log live under it unless given."""
    inputs: Mapping[str, Any]
    work: Sequence[Work] = ()
    outputs: Sequence[Path] = ()
    before: Sequence[Work] = ()
    """Done before the work when the step is not current (shown by a dry run, like the work)."""
    after: Sequence[Work] = ()
    """Done after the work, before the stamp is written (shown by a dry run)."""
    check: Callable[[], None] | None = None
    """Raises if the work did not make what it should (real runs only)."""
    lock: Path | None = None
    stamp_path: Path | None = None
    log_path: Path | None = None
    up_to_date: str = ""
    """What to say when the step is current (default: `<name>: up to date`)."""

    @property
    def stamp(self) -> Stamp:
        return Stamp(self.stamp_path or Layout.stamp(self.folder, self.name), self.inputs)

    @property
    def log(self) -> Path:
        return self.log_path or Layout.logs(self.folder) / f"{self.name}.log"

    def is_current(self) -> bool:
        return self.stamp.is_current() and all(p.exists() for p in self.outputs)


def run_step(runner: Runner, step: Step) -> bool:
    """Run `step` unless it is current. True if its work ran (or, in a dry run, was shown)."""
    with locked(step.lock) if step.lock and not runner.dry_run else contextlib.nullcontext():
        current = step.is_current()
        if current and not runner.dry_run:
            runner.note(step.up_to_date or f"{step.name}: up to date")
            return False
        stamp = step.stamp
        if not current and stamp.recorded() is not None:
            runner.note(f"{step.name}: inputs changed ({', '.join(stamp.changed_inputs())})")
        if not runner.dry_run:
            stamp.clear()
            step.log.unlink(missing_ok=True)
        for item in (*step.before, *step.work, *step.after):
            _do(runner, item, step.log)
        if not runner.dry_run:
            if step.check is not None:
                step.check()
            stamp.record()
        return True


def _do(runner: Runner, item: Work, log: Path) -> None:
    if isinstance(item, Command):
        runner.run(item, log=log)
    elif isinstance(item, Action):
        runner.do(item)
    else:
        item()


_held: set[Path] = set()


@contextlib.contextmanager
def exclusive(lock: Path, runner: Runner) -> Iterator[None]:
    """Hold `lock` (re-entrant within this process), so two runs never configure or make in
    the same folders at once; the second says it waits."""
    if runner.dry_run or lock in _held:
        yield
        return
    with locked(lock, on_wait=lambda: runner.note(
            f"another build holds {runner.path(lock)}; waiting for it")):
        _held.add(lock)
        try:
            yield
        finally:
            _held.discard(lock)


def link_recipe_path(runner: Runner, link: Path, target: Path) -> None:
    """Point the recipe's path (builddir/build, builddir/emscripten-node) at the folder just
    built, so the seed's commands work unchanged."""
    if runner.dry_run:
        return
    if link.exists() and not link.is_symlink():
        runner.note(f"not linking {link}: a real folder is in the way")
        return
    tmp = link.with_name(f".{link.name}.link")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(os.path.relpath(target, link.parent))
    os.replace(tmp, link)


# Compiler and linker flags add up; any other variable set twice is a conflict to settle by
# the later source (a library's own configure answers).
FLAG_VARIABLES = ("CFLAGS", "CPPFLAGS", "LDFLAGS", "LIBS")


def merge_configure_env(env: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    merged = dict(env)
    for key, value in extra.items():
        if key in FLAG_VARIABLES and merged.get(key):
            merged[key] = f"{merged[key]} {value}"
        else:
            merged[key] = value
    return merged
