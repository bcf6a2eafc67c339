"""`wasm.extension`: compile a C extension module against a `dynamic` build, as an Emscripten
side module that the build's normal import system (and ctypes.CDLL) loads.

    emcc -O2 -fPIC -sSIDE_MODULE=1 -I<source>/Include -I<build> spam.c \
        -o <build>/<pybuilddir>/spam.cpython-311-wasm32-emscripten.so

Only a build linked as MAIN_MODULE can load it: one made with `--profile dynamic`. By default
the file goes where the build keeps its own shared modules (the Node build has that folder on
sys.path); `--output DIR` puts it elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .core.errors import ConfigError, ToolMissing
from .core.shell import Command
from .targets.site_files import node_site_dir
from .toolchains.context import Context

MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def makefile_value(makefile: Path, name: str) -> str:
    """A plain `NAME=value` line of CPython's generated Makefile."""
    found = re.search(rf"^{name}=[ \t]*(.*)$", makefile.read_text(errors="replace"), flags=re.M)
    if not found:
        raise ConfigError(f"{makefile} sets no {name}", fix="rebuild: `invoke wasm.node "
                          "--profile dynamic`")
    return found.group(1).strip()


def module_name_of(sources: Sequence[Path], name: str | None) -> str:
    chosen = name or sources[0].stem
    if not MODULE_NAME.match(chosen):
        raise ConfigError(f"{chosen!r} is not a valid module name",
                          fix="pass --name NAME (the name in the module's PyInit_NAME)")
    return chosen


def compile_command(ctx: Context, sources: Sequence[Path], output: Path) -> Command:
    folder = ctx.target_dir("node")
    flags = ["-O2", "-fPIC", "-sSIDE_MODULE=1",
             f"-I{ctx.source_dir / 'Include'}", f"-I{folder}"]
    return ctx.emscripten.command(ctx.emscripten.tool("emcc"), *flags, *sources, "-o", output,
                                  cwd=Path.cwd(), env=ctx.emscripten.env)


def build_extension(ctx: Context, sources: Sequence[Path], name: str | None = None,
                    output_dir: Path | None = None) -> Path:
    """Compile `sources` into NAME<EXT_SUFFIX>; returns the file's path."""
    if not ctx.profile.dynamic:
        raise ConfigError(f"the {ctx.profile.name} profile links python.wasm statically: it "
                          "cannot load an extension module",
                          fix="build and use a dynamic one: `invoke wasm.node --profile dynamic "
                          "wasm.extension --profile dynamic ...`")
    missing = [s for s in sources if not s.is_file()]
    if not sources or missing:
        raise ConfigError(f"no such C source: {', '.join(map(str, missing)) or '(none given)'}",
                          fix="pass the path of the module's .c file(s)")
    module = module_name_of(sources, name)
    sources = [s.resolve() for s in sources]
    ctx.provide_emscripten()
    visible = (ctx.paths.root, ctx.paths.builddir, ctx.paths.cache_root)
    if ctx.emscripten.enter and not all(any(s.is_relative_to(v) for v in visible)
                                        for s in sources):
        raise ConfigError("this Emscripten runs inside a Debian root, which sees only the "
                          f"checkout and {ctx.runner.path(ctx.paths.cache_root)}",
                          fix="copy the sources into the checkout (any folder) and pass that path")
    folder = ctx.target_dir("node")
    makefile = folder / "Makefile"
    if not makefile.is_file() and not ctx.dry_run:
        raise ToolMissing(f"{ctx.runner.path(folder)} has no build",
                          fix="run `invoke wasm.node --profile dynamic` first (same "
                          "--python-version/--emscripten)")
    suffix = (makefile_value(makefile, "EXT_SUFFIX") if makefile.is_file()
              else ".cpython-XY-wasm32-emscripten.so")
    where = output_dir or (node_site_dir(folder) if not ctx.dry_run else folder / "build")
    output = where / f"{module}{suffix}"
    ctx.runner.heading(f"extension module {module}: {', '.join(map(str, sources))} -> "
                       f"{ctx.runner.path(output)}")
    command = compile_command(ctx, sources, output)
    if not ctx.dry_run:
        where.mkdir(parents=True, exist_ok=True)
    ctx.runner.run(command)
    return output
