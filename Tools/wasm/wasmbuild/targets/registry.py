"""The targets by name (`get("node")`). Kept out of targets/__init__.py, which every target
imports, so that no import cycle runs through the package."""

from __future__ import annotations

from ..toolchains.context import check_target
from . import Target


def get(name: str) -> Target:
    # Inside the function, as before: importing this module (recipe.py, runs.py do) loads no target.
    from .browser import BrowserTarget
    from .node import NodeTarget
    from .wasi import WasiTarget

    chosen: dict[str, Target] = {"node": NodeTarget(), "browser": BrowserTarget(),
                                 "wasi": WasiTarget()}
    return chosen[check_target(name)]
