"""Start-up of the WASI build, run by the kit's runtimes (Tools/wasm/wasi/): WASI has no working
folder of its own, so the program starts in the one the runner was started in (PWD), as a
native Python would; the runners show the host's files at the same paths."""

import contextlib
import os
import sys

# The build's site-packages (`invoke wasm.pip`) comes on PYTHONPATH; its .pth files are read
# as for any site folder.
for _entry in list(sys.path):
    if _entry.endswith("/site-packages") and os.path.isdir(_entry):
        import site

        site.addsitedir(_entry)

if os.environ.get("PWD"):
    with contextlib.suppress(OSError):
        os.chdir(os.environ["PWD"])
