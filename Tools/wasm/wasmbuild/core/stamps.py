"""Stamps: what a finished step was built from.

A stamp is written only after its step succeeded, atomically (write to a temporary file,
then rename), so an interrupted step never looks done. A step is skipped when its stamp
holds exactly the current inputs and its outputs exist.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any


class Stamp:
    def __init__(self, path: Path, inputs: Mapping[str, Any]) -> None:
        self.path = path
        self.inputs = dict(inputs)

    def recorded(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def is_current(self) -> bool:
        return self.recorded() == self.inputs

    def changed_inputs(self) -> list[str]:
        """Names of inputs that differ from the recorded ones (all of them when none is recorded)."""
        old = self.recorded() or {}
        keys = set(old) | set(self.inputs)
        return sorted(k for k in keys if old.get(k) != self.inputs.get(k))

    def record(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.inputs, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def locked(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """An exclusive file lock, so parallel runs don't fill the same folder at once.
    `on_wait` is called once if another process holds the lock and we have to wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
