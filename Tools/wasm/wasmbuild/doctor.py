"""`wasm.doctor`: one table of what the build will use, with a fix for each gap."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .core.errors import WasmBuildError
from .core.layout import TargetName
from .provision import REQUIREMENTS, missing_packages
from .steps.ports import PORTS, library_path, port_fetch
from .toolchains.context import Context
from .toolchains.emscriptens import where_from
from .toolchains.nodejs import node_flags, pinned_node_binary
from .toolchains.toolchain import Emscripten

MIN_FREE_GB = 5.0


Status = Literal["ok", "warn", "missing"]


@dataclass(frozen=True)
class Row:
    item: str
    status: Status
    detail: str
    fix: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status != "missing" for r in self.rows)

    def add(self, item: str, status: Status, detail: str, fix: str = "") -> None:
        self.rows.append(Row(item, status, detail, fix))


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def examine(ctx: Context) -> Report:
    report = Report()
    py = sys.version_info
    report.add("host Python", "ok" if py >= (3, 11) else "missing",
               f"{py.major}.{py.minor}.{py.micro} ({sys.executable})",
               "" if py >= (3, 11) else "use Python 3.11 or newer for the tasks")
    for req in missing_packages():
        report.add(req.what, "missing", "not found",
                   f"`invoke wasm.setup` as root, or `sudo apt-get install {req.package}`")

    emscripten = None
    try:
        emscripten = ctx.emscripten
        if emscripten.planned:  # the doctor reports; the build makes it (no download from here)
            report.add("emcc", "warn", f"{emscripten.version} from {emscripten.origin}: not made "
                       "yet", fix="nothing to do: the first build makes it (`invoke --dry "
                       "wasm.node` shows how)")
            return _examine_rest(ctx, report, emscripten)
        report.add("emcc", "ok", f"{emscripten.version} from {emscripten.origin}")
        for advisory in ctx.versions.advisories_for(emscripten.version):
            report.add("emcc version", "warn", advisory.problem, advisory.fix)
        if emscripten.env:
            shown = " ".join(f"{k}={v or repr('')}" for k, v in emscripten.env.items())
            report.add("emcc environment", "ok", shown.replace(str(Path.home()), "~"))
        cache = emscripten.cache_dir
        if cache is not None:
            seeded = (cache / "sysroot").is_dir()
            report.add("emscripten cache", "ok" if seeded else "warn",
                       f"{cache} ({'ready' if seeded else 'not yet copied'})",
                       "" if seeded else "created by the first `invoke wasm.ports`")
            for name in PORTS:
                built = library_path(cache, name).is_file()
                info = port_fetch(emscripten, name)
                report.add(f"port {name} {info.version}", "ok" if built else "warn",
                           "built" if built else "not built yet",
                           "" if built else "`invoke wasm.ports`")
        fixes = ctx.versions.fixes_for(emscripten.version, dynamic=ctx.profile.dynamic)
        report.add("our fixes for it", "ok", ", ".join(f.name for f in fixes) or "none needed")
    except WasmBuildError as exc:
        report.add("emcc", "missing", exc.message, exc.fix)
    return _examine_rest(ctx, report, emscripten)


def _examine_rest(ctx: Context, report: Report, emscripten: Emscripten | None) -> Report:
    for version in ctx.versions.emscripten:  # --emscripten VERSION: where each would come from
        source = where_from(ctx.paths, ctx.versions, version)
        report.add(f"Emscripten {version}", "ok" if source.available else "warn",
                   source.describe().replace(f"{Path.home()}/", "~/"))

    _node_rows(ctx, report, emscripten)
    _wasi_rows(ctx, report)
    _build_python_rows(ctx, report)
    _source_rows(ctx, report)
    _web_package_rows(ctx, report)
    _browser_rows(report)
    _machine_rows(ctx, report)
    return report


def _node_rows(ctx: Context, report: Report, emscripten: Emscripten | None) -> None:
    major = ctx.options.node_version or ctx.versions.default_node
    pinned = ctx.versions.node_release(major) if major and ctx.options.node is None else None
    if pinned and not pinned_node_binary(ctx.paths, pinned).is_file():
        # The doctor reports; the first `wasm.run` fetches (no download from here).
        report.add("node", "warn", f"pinned Node {pinned.version} not fetched yet: the first "
                   "wasm.run/wasm.test fetches it from the npm registry (the node on PATH if "
                   "that fails)", fix="nothing to do; or pass --node PATH")
    else:
        try:
            node = ctx.node
            flags = node_flags(ctx.versions, node, emscripten.version) if emscripten else []
            report.add("node", "ok", f"{node.version} ({node.path}); python.js flags: "
                       f"{' '.join(flags) or '(none)'}")
        except WasmBuildError as exc:
            report.add("node", "missing", exc.message, exc.fix)


def _wasi_rows(ctx: Context, report: Report) -> None:
    """The WASI toolchain of this CPython's WASI recipe: where it comes from, what it lacks."""
    try:
        wasi = ctx.wasi
    except WasmBuildError as exc:
        report.add("WASI toolchain", "warn", exc.message, exc.fix)
        return
    name = f"WASI toolchain {wasi.toolchain.key}"
    if not wasi.planned:
        report.add(name, "ok", f"{wasi.origin} (wasi-libc {wasi.toolchain.wasi_libc})")
    elif wasi.provider == "system":
        report.add(name, "warn", wasi.origin, "`invoke wasm.setup` as root installs them")
    else:
        report.add(name, "warn", f"{wasi.origin}: the first `invoke wasm.wasi` makes it")


def _build_python_rows(ctx: Context, report: Report) -> None:
    """Where each toolchain's build runs its build Python, and why (crossing.py)."""
    rows: tuple[tuple[TargetName, str], ...] = (("node", "Emscripten"), ("wasi", "WASI"))
    for target, toolchain in rows:
        try:
            place = ctx.build_python_place(target)
        except WasmBuildError:  # reported by the toolchain's own row
            continue
        report.add(f"build Python ({toolchain} builds)", "ok",
                   f"{ctx.runner.path(place.folder)}: {place.why}")


def _source_rows(ctx: Context, report: Report) -> None:
    try:
        spec = ctx.cpython
        if spec.release is None:
            report.add("CPython source", "ok", f"{spec.version} from {spec.user_tree}")
        else:
            release = spec.release
            unpacked = (ctx.source_dir / "configure").is_file()
            cached = [d.filename for d in release.downloads
                      if (ctx.paths.downloads / d.filename).is_file()]
            if unpacked or cached:
                where = "unpacked" if unpacked else f"cached as {cached[0]}"
                report.add("CPython source", "ok", f"{spec.version}, {where}")
            else:
                providers = ", ".join(d.provider for d in release.downloads)
                report.add("CPython source", "warn", f"{spec.version}, not downloaded yet",
                           f"downloaded on first build from {providers} (or --mirror DIR)")
    except WasmBuildError as exc:
        report.add("CPython source", "missing", exc.message, exc.fix)
    recipe = ctx.recipe
    report.add("CPython recipe", "ok", f"{recipe.name} ({recipe.documented_in}): Emscripten "
               f"{recipe.emscripten_range}, default {recipe.default_described}")


def _web_package_rows(ctx: Context, report: Report) -> None:
    """The browser page's JavaScript packages (xterm.js): in the download cache yet?"""
    for package in ctx.versions.web_packages:
        filename = package.download.filename
        if (ctx.paths.downloads / filename).is_file():
            report.add(f"{package.name} {package.version}", "ok", f"cached as {filename}")
        else:
            report.add(f"{package.name} {package.version}", "warn", "not downloaded yet",
                       "the first `invoke wasm.browser` fetches it from the npm registry "
                       "(or --mirror DIR)")


def _browser_rows(report: Report) -> None:
    """The browsers the page tests and `--engine` runs drive: only they need them, so a missing
    one is a warning."""
    for need in (r for r in REQUIREMENTS if r.purpose == "browser"):
        if need.present():
            report.add(need.package, "ok", need.what)
        else:
            report.add(need.package, "warn", f"not installed: {need.what}",
                       f"`sudo apt-get install {need.package}` (or `invoke wasm.setup` as root)")


def _machine_rows(ctx: Context, report: Report) -> None:
    ccache = shutil.which("ccache")
    report.add("ccache", "ok" if ccache else "warn",
               f"{ccache} (clang runs through it)" if ccache else "not installed",
               "" if ccache else "`sudo apt-get install ccache`: rebuilds after a clean get faster")
    report.add("build profile", "ok", f"{ctx.profile.name}: {ctx.profile.summary}")

    downloads = ctx.paths.downloads
    report.add("download cache", "ok",
               f"{downloads} ({_size(downloads) / 1e6:.0f} MB)".replace(str(Path.home()), "~"))
    probe = ctx.paths.builddir if ctx.paths.builddir.exists() else ctx.paths.root
    free_gb = shutil.disk_usage(probe).free / 1e9
    report.add("free disk", "ok" if free_gb >= MIN_FREE_GB else "missing",
               f"{free_gb:.1f} GB free at {probe}",
               "" if free_gb >= MIN_FREE_GB else f"a build needs about {MIN_FREE_GB:.0f} GB; "
               "free some space or `invoke wasm.clean`")


MARK = {"ok": "ok", "warn": "!!", "missing": "XX"}


def render(report: Report) -> str:
    width = max(len(r.item) for r in report.rows)
    lines = []
    for r in report.rows:
        lines.append(f"[{MARK[r.status]}] {r.item.ljust(width)}  {r.detail}")
        if r.fix:
            lines.append(f"     {' ' * width}  fix: {r.fix}")
    verdict = "ready to build" if report.ok else "not ready: fix the XX rows"
    lines.append(f"\n{verdict}")
    return "\n".join(lines)


def check(ctx: Context) -> bool:
    """`invoke wasm.doctor`: examine, print the table; whether the build is ready."""
    report = examine(ctx)
    print(render(report))
    return report.ok
