"""Site configuration of the wasm32-emscripten builds made by this kit.

The build puts this folder on sys.path (the Node build: its build/lib.* folder; the browser
build: site-packages in the page's file system). Python imports this module at start-up; it
stays cheap there and changes asyncio only when a program imports it: asyncio's standard
event loop cannot run on Emscripten (wasm_asyncio explains why), so the loop asyncio.run()
creates becomes wasm_asyncio.WasmEventLoop.
"""

import sys


class _AfterAsyncioImport:
    """A meta path finder that finds nothing; it wraps the loader of `asyncio` so that
    wasm_asyncio.install() runs right after asyncio's own import."""

    def find_spec(self, name, path=None, target=None):
        if name != "asyncio":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            spec = finder.find_spec(name, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None and spec.loader is not None:
                spec.loader = _InstallingLoader(spec.loader)
                return spec
        return None


class _InstallingLoader:
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        import wasm_asyncio

        wasm_asyncio.install()

    def __getattr__(self, name):  # get_source, get_resource_reader...: the real loader's
        return getattr(self._loader, name)


if sys.platform == "emscripten" and "asyncio" not in sys.modules:
    sys.meta_path.insert(0, _AfterAsyncioImport())
