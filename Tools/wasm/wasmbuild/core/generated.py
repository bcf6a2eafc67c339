"""Documents with parts written from data (`invoke wasm.docs`): each says where it is, whether
its generated part matches the data, and how to rewrite it; `regenerate` rewrites them all and
says which changed, or with `check` fails naming the stale ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import WasmBuildError
from .layout import CHECKOUT


@dataclass(frozen=True)
class Generated:
    path: Path
    is_current: Callable[[], bool]
    update: Callable[[], bool]
    """Rewrite the generated part from the data; whether the document changed."""


def regenerate(documents: Sequence[Generated], *, check: bool = False, dry_run: bool = False,
               checkout: Path = CHECKOUT) -> None:
    if check:
        stale = [d.path for d in documents if not d.is_current()]
        if stale:
            raise WasmBuildError(f"{', '.join(str(p.relative_to(checkout)) for p in stale)} stale",
                                 fix="run `invoke wasm.docs` and commit the result")
        return
    for document in documents:
        if dry_run:  # says what a run would do, and writes nothing
            print(f"{document.path.relative_to(checkout)}: "
                  f"{'up to date' if document.is_current() else 'would be rewritten'}")
            continue
        changed = document.update()
        print(f"{document.path.relative_to(checkout)}: {'rewritten' if changed else 'up to date'}")
