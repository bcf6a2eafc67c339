"""Site configuration of the wasm32-emscripten builds made by this kit.

The build puts this folder on sys.path (the Node build: its build/lib.* folder; the browser
build: site-packages in the page's file system). Python imports this module at start-up; it
stays cheap there and changes asyncio only when a program imports it: asyncio's standard
event loop cannot run on Emscripten (wasm_asyncio explains why), so the loop asyncio.run()
creates becomes wasm_asyncio.WasmEventLoop.
"""

import sys


def _add_third_party_packages():
    """The Node build's own site-packages (`invoke wasm.pip` installs there), beside python.js:
    this file lies in the build's build/lib.*/ folder, which pybuilddir.txt names. (The page's
    packages are written into the site-packages folder Python finds by itself.)"""
    import os

    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    packages = os.path.join(build, "site-packages")
    if os.path.isfile(os.path.join(build, "pybuilddir.txt")) and os.path.isdir(packages):
        import site

        site.addsitedir(packages)  # its .pth files too, as for any site-packages


_add_third_party_packages()


def _install_event_loop(load_asyncio):
    load_asyncio()
    import wasm_asyncio

    wasm_asyncio.install()


if sys.platform == "emscripten" and "asyncio" not in sys.modules:
    from wasm_import_hooks import AroundImport

    sys.meta_path.insert(0, AroundImport(["asyncio"], _install_event_loop, once=True))


def _interactive_terminal():
    """An interactive session (no script, or -i) whose stdin is a terminal."""
    import os

    try:
        return (sys.flags.interactive or sys.argv in ([""], ["-"])) and os.isatty(0)
    except (AttributeError, OSError):
        return False


def _on_the_kits_terminal():
    """Whether the kit's terminal (the page's, the Node runner's: Tools/wasm/web/
    terminal_device.js) stands behind the standard streams; it says so in the environment.
    Only then are they asked whether they are terminals: in a plain `node python.js` run
    Emscripten calls them terminals that cannot answer, and asking ends the runtime."""
    import os

    return os.environ.get("CPYTHON_WASM_TERMINAL") == "1"


if (sys.platform == "emscripten" and sys.version_info >= (3, 13) and _on_the_kits_terminal()
        and _interactive_terminal()):
    import wasm_terminal  # PyREPL's terminal description and window size

    wasm_terminal.install()


def _terminal_size(fd=1):
    """os.get_terminal_size() from the terminal's TIOCGWINSZ, through termios: CPython's
    configure for Emscripten leaves out <sys/ioctl.h>, and with it os.get_terminal_size."""
    import os
    import termios

    try:
        rows, columns = termios.tcgetwinsize(fd)
    except termios.error as error:
        raise OSError(*error.args) from None
    return os.terminal_size((columns, rows))


def _answers_its_size():
    """Whether a standard stream is a terminal that knows its size: the page's terminal and
    the Node runner's do. (Emscripten before 3.1.69 calls every standard stream of a plain
    `node python.js` run a terminal, which has no size: 0x0.)"""
    import os

    try:
        import termios
    except ImportError:
        return False
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd) and termios.tcgetwinsize(fd) != (0, 0):
                return True
        except (OSError, termios.error):
            pass
    return False


if sys.platform == "emscripten" and _on_the_kits_terminal() and _answers_its_size():
    import os as _os

    if not hasattr(_os, "get_terminal_size"):
        _os.get_terminal_size = _terminal_size
