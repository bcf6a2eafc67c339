"""What a build is made with and from, found or provided: Emscripten (toolchain, emscriptens,
toolroots), the Debian roots (roots), what crosses between this machine and a root (crossing),
Node (nodejs), the WASI clang (wasi), verified downloads and CPython trees (sources), and the
context that resolves a task's options over all of them once (context). May import core,
versions and testing (it uses core and versions).
"""
