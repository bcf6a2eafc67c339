"""Code run around the import of a stdlib module, for the kit's site configuration: asyncio
gets its event loop for Emscripten right after its own import (sitecustomize), PyREPL's
terminal modules see their stand-ins only while they load (wasm_terminal)."""

import sys


class AroundImport:
    """A meta path finder that finds nothing itself: for the modules named, it hands out the
    spec the other finders give, with a loader that runs `around(load)`, `load` running the
    module's own code. With `once`, it leaves sys.meta_path at the first of them."""

    def __init__(self, names, around, once=False):
        self.names = frozenset(names)
        self.around = around
        self.once = once

    def find_spec(self, name, path=None, target=None):
        if name not in self.names:
            return None
        if self.once:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _WrappedLoader(spec.loader, self.around)
                return spec
        return None


class _WrappedLoader:
    def __init__(self, loader, around):
        self._loader = loader
        self._around = around

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self._loader
        self._around(lambda: self._loader.exec_module(module))

    def __getattr__(self, name):  # get_source, get_resource_reader...: the real loader's
        return getattr(self._loader, name)
