"""Start-up of the WASI build, run by the kit's runtimes (Tools/wasm/wasi/): WASI has no working
folder of its own, so the program starts in the one the runner was started in (PWD), as a
native Python would; the runners show the host's files at the same paths. asyncio's standard
loop needs a socket pair, which WASI lacks: when a program imports asyncio, its loop becomes
the kit's (Lib/wasm_site/wasm_asyncio.py, on the path after this folder)."""

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


def _install_event_loop(load_asyncio):
    load_asyncio()
    import wasm_asyncio

    wasm_asyncio.install()


if "asyncio" not in sys.modules:
    from wasm_import_hooks import AroundImport

    sys.meta_path.insert(0, AroundImport(["asyncio"], _install_event_loop, once=True))
