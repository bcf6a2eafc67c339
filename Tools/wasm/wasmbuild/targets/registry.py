"""The targets by name (`get("node")`), and Python run on one (`run_python`). Kept out of
targets/__init__.py, which every target imports, so that no import cycle runs through the
package."""

from __future__ import annotations

from collections.abc import Sequence

from ..core.layout import TargetName, check_target
from ..toolchains.context import Context
from . import Target


def get(name: str) -> Target:
    # Inside the function, as before: importing this module (recipe.py, runs.py do) loads no target.
    from .browser import BrowserTarget
    from .node import NodeTarget
    from .wasi import WasiTarget

    chosen: dict[TargetName, Target] = {"node": NodeTarget(), "browser": BrowserTarget(),
                                        "wasi": WasiTarget()}
    return chosen[check_target(name)]


def run_python(ctx: Context, target: TargetName, args: Sequence[str], *, optimize: bool = False) -> int:
    """`invoke wasm.run`: Python of the `target` build (node or wasi) with `args`, in the
    terminal's foreground; its exit status. Loads only that target (bench/task_overhead.py)."""
    if target == "wasi":
        from .wasi import run_wasi

        return run_wasi(ctx, args)
    from .node import run_python as run_node

    return run_node(ctx, args, optimize=optimize)
