"""The browser target: our page around python.js, run in headless Chromium, one page per test
module or check (a fresh runtime each), served with the isolation headers."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shlex
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..browser import browser_tests, bundles, web_packages
from ..core.layout import TargetName
from ..steps.source import Source
from ..testing import expectations, limits
from ..testing.testsuite import ModuleResult
from ..toolchains.context import Context
from ..versions.config import CHECKOUT, TOOLS_WASM
from . import (
    EMSCRIPTEN_PLATFORM,
    INTERRUPT_GRACE,
    INTERRUPTED_PROGRAM,
    CheckRun,
    SuiteRunner,
    emscripten_build,
    marker_environment,
    site_files,
)
from .node import built_python_js


def page_files() -> list[Path]:
    """Our browser page: it replaces the python.html/python.worker.js CPython ships."""
    web = TOOLS_WASM / "web"
    return [*sorted(p for p in web.iterdir() if p.is_file()), CHECKOUT / "Lib" / "wasm_console.py"]


def install_page(ctx: Context, folder: Path) -> None:
    """Our page, the terminal it shows Python in (xterm.js, pinned in versions.toml), and the
    site configuration its worker writes before Python starts."""
    files = page_files()
    ctx.runner.say(f"cp {' '.join(ctx.runner.path(f) for f in files)} {ctx.runner.path(folder)}/")
    if not ctx.dry_run:
        for source in files:
            shutil.copyfile(source, folder / source.name)
    web_packages.install(ctx, folder)
    site_files.install_for_browser(ctx.runner, folder, ctx.cpython.version,
                                   site_files.terminal_stdlib(ctx.source_dir), ctx.source_dir)


class BrowserTarget:
    name: TargetName = "browser"
    emscripten = True
    parallel_checks = False  # one page at a time: pages compete for the browser's threads
    setup_extras: tuple[str, ...] = ("Setup.terminal",)  # the page gives Python a terminal (termios)

    def marker_environment(self, ctx: Context) -> dict[str, str]:
        return marker_environment(ctx.cpython.version, *EMSCRIPTEN_PLATFORM)

    def require_built(self, ctx: Context) -> Path:
        return built_python_js(ctx, self.name).parent

    def take_packages(self, ctx: Context, folder: Path) -> None:
        site_files.install_for_browser(ctx.runner, folder, ctx.cpython.version,
                                       site_files.terminal_stdlib(ctx.source_dir), ctx.source_dir)

    def limits_column(self, ctx: Context) -> str:
        return limits.browser_column(ctx.options.engine)

    def check(self, ctx: Context) -> None:
        """Emscripten is found when the toolchain step needs it (a dry run shows the rest)."""

    def build(self, ctx: Context, source: Source, build_python: Path) -> Path:
        return emscripten_build(ctx, self, source, build_python)

    def expectations_file(self, ctx: Context) -> Path:
        """Chromium's results are the browser's expectations; another engine has its own."""
        variant = ctx.variant(self.name)
        judged = variant if ctx.options.engine == "chromium" else f"{variant}-{ctx.options.engine}"
        return expectations.expectations_path(ctx.cpython.version, ctx.emscripten.version, judged)

    def session(self, ctx: Context) -> str:
        return (f"test_browser(python='{ctx.cpython.version}', "
                f"emscripten='{ctx.emscripten.version}', browser='{ctx.options.engine}')")

    def where(self, ctx: Context) -> str:
        return f", in {ctx.options.engine}"

    def finish(self, ctx: Context, folder: Path) -> None:
        install_page(ctx, folder)

    def provide_runtime(self, ctx: Context) -> None:
        """The engine is a system package (`wasm.setup`): nothing to fetch."""

    def runtime(self, ctx: Context) -> str:
        return ctx.options.engine

    @contextlib.contextmanager
    def suite_runner(self, ctx: Context, modules: list[str], timeout: float, results_dir: Path,
                     jobs: int) -> Iterator[SuiteRunner]:
        folder = built_python_js(ctx, "browser").parent
        page = folder / "tests.html"
        pages = max(1, jobs)
        engine = ctx.options.engine
        ctx.runner.say(f"# pack Lib/test/{{libregrtest,support,*.txt,...}} into "
                       f"{ctx.runner.path(folder / bundles.BUNDLE_DIR)}/common.<digest>.json "
                       "and each module (with the data it names) into <module>.<digest>.json")
        if ctx.dry_run:
            yield SuiteRunner(_not_in_a_dry_run, browser_tests.open_command(engine, str(page)),
                              pages)
            return
        install_page(ctx, folder)
        test_files = bundles.make_bundles(ctx.source_dir, modules, folder)
        common, own = test_files.sizes
        ctx.runner.note(f"{test_files.files} files: {common / 1e6:.1f} MB shared by every page "
                        f"(downloaded once per browser), {own / 1e6:.1f} MB in the "
                        f"{len(test_files.per_module)} modules' own bundles")
        page_path = os.path.relpath(page, ctx.paths.root)
        # Each page is a fresh runtime; `pages` browsers run pages side by side.
        browser = browser_tests.BrowserRunner(ctx.paths.root, page_path, timeout, results_dir,
                                              pages=pages, engine=ctx.options.engine)
        try:
            with browser_tests.serving(ctx.paths.root) as base_url:
                yield SuiteRunner(
                    lambda module, ignore: browser.run_module(
                        base_url, module, test_files.urls(module), ignore),
                    browser_tests.open_command(engine, f"{base_url}{page_path}?args=..."), pages)
        finally:
            browser.close()

    def keyboard_interrupt(self, ctx: Context) -> tuple[str, str]:
        return _keyboard_interrupt(ctx)

    @contextlib.contextmanager
    def check_runner(self, ctx: Context, timeout: float) -> Iterator[Callable[[str], CheckRun]]:
        folder = built_python_js(ctx, "browser").parent
        ctx.runner.say(shlex.join(browser_tests.open_command(
            ctx.options.engine,
            f"{ctx.runner.path(folder / 'tests.html')}?args=/wasm_limits.py,--check,NAME")))
        if ctx.dry_run:
            yield lambda name: CheckRun("", None, False)
            return
        install_page(ctx, folder)
        bundle = folder / "limits-bundle.json"
        bundle.write_text(json.dumps(
            {"/wasm_limits.py": base64.b64encode(limits.PROBE.read_bytes()).decode()}))
        browser = browser_tests.BrowserRunner(
            ctx.paths.root, os.path.relpath(folder / "tests.html", ctx.paths.root), timeout,
            ctx.paths.limits_scratch, engine=ctx.options.engine)
        try:
            with browser_tests.serving(ctx.paths.root) as base_url:
                yield lambda name: CheckRun(*browser.run_args(
                    base_url, ["/wasm_limits.py", "--check", name], bundle=bundle.name)[:3])
        finally:
            browser.close()


def _keyboard_interrupt(ctx: Context) -> tuple[str, str]:
    """Ctrl+C in the console page while Python sleeps, pressed in the page as a person does."""
    folder = built_python_js(ctx, "browser").parent
    page = os.path.relpath(folder / "python.html", ctx.paths.root)
    ctx.runner.note(f"Ctrl+C from outside, during time.sleep(60), in {page} "
                    f"({browser_tests.PROGRAMS[ctx.options.engine]})")
    if ctx.dry_run:
        return "works", ""
    install_page(ctx, folder)
    browser = browser_tests.BrowserRunner(ctx.paths.root, page, limits.CHECK_TIMEOUT,
                                          ctx.paths.limits_scratch, engine=ctx.options.engine)
    try:
        with browser_tests.serving(ctx.paths.root) as base_url:
            return browser.interrupt_console(base_url + page, INTERRUPTED_PROGRAM,
                                             INTERRUPT_GRACE)
    finally:
        browser.close()


def _not_in_a_dry_run(module: str, ignore: Sequence[str]) -> ModuleResult:
    raise AssertionError(f"{module}: a dry run runs no module")
