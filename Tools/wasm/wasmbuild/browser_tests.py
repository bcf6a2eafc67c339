"""CPython's test suite in a real browser: every module on its own page, pages side by side.

The browser build ships no `test` package (the preloaded stdlib leaves tests out), so regrtest,
test.support and the modules are packed into JSON bundles that the worker writes into the
in-memory file system before Python starts: one shared by all pages, which the browser caches
(its name carries its digest), and a small one per module. Each module runs on a fresh page of
tests.html in headless Chromium (Debian's, driven by Playwright; no browser download), served by
our server with the isolation headers. Results go through the same classification, expectations
and reports as the Node runs (testsuite.py).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import queue
import re
import shutil
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import bidi
from .errors import ToolMissing
from .serve import start, url_for
from .testsuite import ModuleResult, classify, regrtest_args

BUNDLE_DIR = "tests-bundle"
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")
ALWAYS = ("__init__.py", "__main__.py", "libregrtest", "support")
# Never added to the bundle, though the browser stdlib leaves them out too: the test package
# itself (bundled per module), GUI code, and ensurepip, whose 3 MB of wheels would go to every
# page for the one module that tests it.
NOT_FOR_TESTS = ("test", "idlelib", "turtledemo", "ensurepip", "site-packages")


@dataclass(frozen=True)
class Bundles:
    """The test files for the pages, as JSON maps of path -> base64 content, named by their
    digest (so the browser may cache them): one shared by every module (regrtest, test.support,
    helpers, data files), and one per module with what only it uses."""

    folder: Path
    common: str
    per_module: dict[str, str]
    files: int

    def urls(self, module: str) -> str:
        """The `bundle` parameter of a page running `module` (relative to the page)."""
        return f"{BUNDLE_DIR}/{self.common},{BUNDLE_DIR}/{self.per_module[module]}"

    @property
    def sizes(self) -> tuple[int, int]:
        """(bytes of the shared bundle, bytes of all the per-module ones)."""
        common = (self.folder / self.common).stat().st_size
        return common, sum((self.folder / n).stat().st_size for n in set(self.per_module.values()))


def make_bundles(source_dir: Path, modules: Sequence[str], site: Path) -> Bundles:
    """Write the bundles for `modules` into `site`/tests-bundle/, replacing older ones."""
    test_dir = source_dir / "Lib" / "test"
    shared: list[Path] = [test_dir / name for name in ALWAYS]
    # data files beside the modules (cfgparser.1, Sine-1000Hz-300ms.aif, keycert.pem, ...)
    shared += sorted(p for p in test_dir.iterdir() if p.is_file() and p.suffix != ".py")
    # helper modules shared by tests (string_tests, re_tests, seq_tests, ...)
    shared += sorted(p for p in test_dir.glob("*.py") if not p.name.startswith("test_"))
    # what the shared helpers use themselves (support.i18n_helper imports test.test_tools,
    # multibytecodec_support reads cjkencodings/)
    shared += named_by(test_dir, shared)
    shared += stdlib_left_out(source_dir, site)
    folder = site / BUNDLE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    common, count = _write_bundle(folder, "common", test_dir, shared)
    per_module = {}
    for module in modules:
        package, single = test_dir / module, test_dir / f"{module}.py"
        own = [package if package.is_dir() else single]
        own += packages_tested_by(source_dir / "Lib", own)
        own += named_by(test_dir, own, shared)  # what they import from the test package
        per_module[module], added = _write_bundle(folder, module, test_dir, own)
        count += added
    keep = {common, *per_module.values()}
    for old in folder.glob("*.json"):
        if old.name not in keep:
            old.unlink()
    return Bundles(folder, common, per_module, count)


def _write_bundle(folder: Path, stem: str, test_dir: Path, paths: Sequence[Path]) -> tuple[str, int]:
    files: dict[str, str] = {}
    for path in paths:
        for f in ([path] if path.is_file() else sorted(path.rglob("*"))):
            if f.is_file() and "__pycache__" not in f.parts:
                rel = f.relative_to(test_dir.parent)  # test/... or a stdlib module
                files[f"/tests/{rel}"] = base64.b64encode(f.read_bytes()).decode()
    text = json.dumps(files, sort_keys=True)
    name = f"{stem}.{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"
    if not (folder / name).is_file():
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text)
        tmp.replace(folder / name)
    return name, len(files)


def stdlib_left_out(source_dir: Path, site: Path) -> list[Path]:
    """Stdlib modules and packages CPython's Tools/wasm/wasm_assets.py leaves out of the browser
    build's python3XY.zip, wholly or in part (http, email, urllib.request, rlcompleter, ...),
    that test modules import, if only for a helper: without them the module dies on import
    instead of running and skipping what needs a socket. They go to the tests' bundle only; the
    page's own stdlib stays as built."""
    found = sorted((site / "usr" / "local" / "lib").glob("python3*.zip"))
    if not found:
        return []
    with zipfile.ZipFile(found[0]) as shipped:
        shipped_names = {n.removesuffix(".pyc") for n in shipped.namelist()}
    lib = source_dir / "Lib"
    left_out = []
    for entry in sorted(lib.iterdir()):
        if entry.name in NOT_FOR_TESTS:
            continue
        if entry.suffix == ".py" and entry.stem not in shipped_names:
            left_out.append(entry)
        elif (entry / "__init__.py").is_file() and any(
                str(f.relative_to(lib).with_suffix("")) not in shipped_names
                for f in entry.rglob("*.py") if not _is_test_code(f.relative_to(entry))):
            # missing whole, or in part (urllib without urllib.request): the whole package,
            # since the first package of a name on sys.path hides the zip's
            left_out.append(entry)
    return left_out


def _is_test_code(relative: Path) -> bool:
    return any(part in ("test", "tests", "idle_test") for part in relative.parts)


def packages_tested_by(lib: Path, chosen: Sequence[Path]) -> list[Path]:
    """Stdlib packages whose own test package the chosen files load (CPython 3.11's
    test_ctypes loads ctypes.test, test_unittest unittest.test): the whole package, since the
    build's zip has the package without its tests and the first package of a name on sys.path
    is the one imported."""
    text = "".join(f.read_text(errors="replace") for path in chosen
                   for f in ([path] if path.is_file() else path.rglob("*.py")) if f.is_file())
    found = []
    for name, sub in sorted(set(re.findall(r"\b(\w+)[.](tests?)\b", text))):
        if name != "test" and (lib / name / sub / "__init__.py").is_file():
            found.append(lib / name)
    return found


def named_by(test_dir: Path, chosen: Sequence[Path], shared: Sequence[Path] = ()) -> list[Path]:
    """What the chosen files use from Lib/test besides themselves, and what that uses in turn:
    data folders they name (mathdata, decimaltestdata, ...; 3.13 moved test_math's
    ieee754.txt into mathdata/) and modules of the test package they import (3.13's test_math
    imports test.test_iter; 3.11's test_inspect imports test.test_import, which imports
    test.test_importlib; test_trace imports test.tracedmodules; test_future does `from test
    import test_future3`). What `shared` has is not repeated."""
    found: list[Path] = []
    seen = set(chosen) | set(shared)
    scan = list(chosen)
    while scan:
        text = "".join(f.read_text(errors="replace") for path in scan
                       for f in ([path] if path.is_file() else path.rglob("*.py")) if f.is_file())
        imported = set(re.findall(r"\btest[.](\w+)", text))
        for names in re.findall(r"^\s*from test import ([\w ,()]+)", text, flags=re.M):
            imported |= set(re.split(r"[\s,()]+", names))
        scan = []
        for entry in sorted(test_dir.iterdir()):
            if entry.name in ("__pycache__", *ALWAYS) or entry in seen:
                continue
            data_folder = entry.is_dir() and not (entry / "__init__.py").is_file()
            if (data_folder and entry.name in text) or (
                    not data_folder and entry.stem in imported
                    and (entry.suffix == ".py" or entry.is_dir())):
                found.append(entry)
                seen.add(entry)
                if not data_folder:
                    scan.append(entry)  # what it imports comes too
    return found


class BrowserRunner:
    """Pages in headless Chromium, `pages` at a time. Playwright's sync API is bound to the
    thread that started it, so each of `pages` worker threads owns one Chromium and runs one
    page at a time; callers on any thread hand it work and wait for the result."""

    def __init__(self, root: Path, page_path: str, timeout: float, results_dir: Path,
                 pages: int = 1, engine: str = "chromium") -> None:
        self.engine = engine
        self.root = root
        self.page_path = page_path
        self.timeout = timeout
        self.results_dir = results_dir
        self._work: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...], Future[Any]] | None] = \
            queue.Queue()
        self._tab = threading.local()  # each worker's tab
        self._workers = [threading.Thread(target=self._serve, name=f"chromium-{n}", daemon=True)
                         for n in range(pages)]
        for worker in self._workers:
            worker.start()

    def _serve(self) -> None:
        """One worker: its own browser, started on first use and closed at the end."""
        context: Any = None
        close: Callable[[], None] | None = None
        try:
            while (job := self._work.get()) is not None:
                func, args, future = job
                try:
                    if context is None:
                        context, close = LAUNCHERS[self.engine]()
                    future.set_result(func(context, *args))
                except BaseException as exc:  # handed to the caller, which raises it
                    future.set_exception(exc)
        finally:
            if close is not None:
                close()

    def _on_a_worker(self, func: Callable[..., Any], *args: Any) -> Any:
        future: Future[Any] = Future()
        self._work.put((func, args, future))
        return future.result()

    def run_args(self, base_url: str, args: Sequence[str], *, bundle: str | None,
                 env: dict[str, str] | None = None, collect: Sequence[str] = (),
                 ) -> tuple[str, int | None, bool, dict[str, str | None]]:
        """Run `python args...` on one page: (output, exit status, timed out, collected files)."""
        params = {"args": json.dumps(list(args)), "env": json.dumps(env or {}),
                  "collect": json.dumps(list(collect))}
        if bundle:
            params["bundle"] = bundle
        url = f"{base_url}{self.page_path}?{urllib.parse.urlencode(params)}"
        result: tuple[str, int | None, bool, dict[str, str | None]] = \
            self._on_a_worker(self._run_page, url)
        return result

    def _run_page(self, context: Any, url: str) -> tuple[str, int | None, bool, dict[str, str | None]]:
        # A worker keeps its tab: each navigation is a new document with a new worker and a new
        # runtime, and a tab costs a renderer process to make. A tab that failed is replaced.
        page = getattr(self._tab, "page", None) or context.new_page()
        self._tab.page = None
        timed_out = False
        try:
            page.goto(url)
            page.wait_for_function(
                "['exited', 'failed', 'unsupported'].includes(document.body.dataset.state)",
                timeout=self.timeout * 1000)
            run = page.evaluate("window.testRun") or {}
            self._tab.page = page
        except Exception as exc:  # Playwright's TimeoutError, or the page died
            timed_out = "Timeout" in type(exc).__name__
            run = {"status": None, "output": f"{type(exc).__name__}: {exc}", "files": {}}
            with contextlib.suppress(Exception):  # a page that died may refuse to close
                page.close()
        output = run.get("output") or ""
        if run.get("timings"):  # where the page's time went, for the log
            output += "\n### page (ms): " + ", ".join(
                f"{phase} {ms}" for phase, ms in run["timings"].items()) + "\n"
        return output, run.get("status"), timed_out, run.get("files") or {}

    def run_module(self, base_url: str, module: str, bundle: str) -> ModuleResult:
        for sub in ("logs", "junit"):
            (self.results_dir / sub).mkdir(parents=True, exist_ok=True)
        log = self.results_dir / "logs" / f"{module}.log"
        junit = self.results_dir / "junit" / f"{module}.xml"
        junit.unlink(missing_ok=True)
        started = time.monotonic()
        output, status, timed_out, files = self.run_args(
            base_url, regrtest_args(module, "/tmp/junit.xml"),
            bundle=bundle, env={"PYTHONPATH": "/tests"}, collect=["/tmp/junit.xml"])
        duration = time.monotonic() - started
        log.write_text(output)
        junit_text = files.get("/tmp/junit.xml")
        if junit_text:
            junit.write_text(junit_text)
        return classify(module, status, timed_out, junit, log, duration)

    def close(self) -> None:
        for _ in self._workers:
            self._work.put(None)
        for worker in self._workers:
            worker.join(timeout=60)


def _launch_chromium() -> tuple[Any, Callable[[], None]]:
    """Debian's Chromium through Playwright: (what new_page() is called on, how to close it)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ToolMissing("the browser test run needs Playwright for Python",
                          fix="pip install playwright (no browser download needed)") from None
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise ToolMissing("no Chromium found for the browser test run",
                          fix="`sudo apt-get install chromium` or `invoke wasm.setup`")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
    # One context for all of a worker's pages: they share the HTTP cache, so a digest-named
    # bundle is downloaded once per worker.
    context = browser.new_context()

    def close() -> None:
        browser.close()
        playwright.stop()

    return context, close


def _launch_firefox() -> tuple[Any, Callable[[], None]]:
    """Firefox ESR over WebDriver BiDi; its tabs share one profile, and so the HTTP cache."""
    try:
        import websockets  # noqa: F401
    except ImportError:
        raise ToolMissing("the Firefox run needs the websockets package",
                          fix="pip install -e '.[test]'") from None
    firefox = bidi.Firefox.launch()
    return firefox, firefox.close


LAUNCHERS: dict[str, Callable[[], tuple[Any, Callable[[], None]]]] = {
    "chromium": _launch_chromium, "firefox": _launch_firefox}
PROGRAMS = {"chromium": "chromium", "firefox": "firefox-esr"}
"""The program each engine starts, for the commands the tasks print."""


@contextmanager
def serving(root: Path) -> Iterator[str]:
    server = start(root, bind="127.0.0.1", port=0, log=lambda line: None)
    try:
        yield url_for(server)
    finally:
        server.shutdown()
        server.server_close()
