"""Start-up of the WASI build, run by the kit's runtimes (Tools/wasm/wasi/): WASI has no working
folder of its own, so the program starts in the one the runner was started in (PWD), as a
native Python would; the runners show the host's files at the same paths."""

import contextlib
import os

if os.environ.get("PWD"):
    with contextlib.suppress(OSError):
        os.chdir(os.environ["PWD"])
