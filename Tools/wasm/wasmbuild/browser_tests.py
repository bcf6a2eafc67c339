"""CPython's test suite in a real browser: a declared subset of modules, one page each.

The browser build ships no `test` package (the preloaded stdlib leaves tests out), so the
modules to run, regrtest and test.support are packed into a JSON bundle that the worker writes
into the in-memory file system before Python starts. Each module runs on its own page of
tests.html in headless Chromium (Debian's, driven by Playwright; no browser download), served by
our server with the isolation headers. Results go through the same classification, expectations
and reports as the Node runs (testsuite.py).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ToolMissing
from .expectations import EXPECTATIONS_DIR
from .serve import start, url_for
from .testsuite import RESOURCES, ModuleResult, classify

MODULES_FILE = EXPECTATIONS_DIR / "browser-modules.txt"
BUNDLE_NAME = "tests-bundle.json"
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")
ALWAYS = ("__init__.py", "__main__.py", "libregrtest", "support")
# Stdlib modules the test machinery imports that CPython's Tools/wasm/wasm_assets.py leaves out
# of the browser build's stdlib: rlcompleter goes with readline, which is not built, but from
# 3.13 pdb (imported by doctest, imported by test.support) imports it at module level.
STDLIB_FOR_TESTS = ("rlcompleter.py",)


def declared_modules() -> list[str]:
    lines = MODULES_FILE.read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def make_bundle(source_dir: Path, modules: Sequence[str], dest: Path) -> int:
    """Write the JSON bundle of regrtest, test.support, data files and `modules`; file count."""
    test_dir = source_dir / "Lib" / "test"
    chosen: list[Path] = [test_dir / name for name in ALWAYS]
    chosen += sorted(test_dir.glob("*.txt"))  # data files some modules read
    # helper modules shared by tests (string_tests, re_tests, seq_tests, ...)
    chosen += sorted(p for p in test_dir.glob("*.py") if not p.name.startswith("test_"))
    for module in modules:
        package, single = test_dir / module, test_dir / f"{module}.py"
        chosen.append(package if package.is_dir() else single)
    chosen += named_by(test_dir, chosen)
    chosen += [p for p in (source_dir / "Lib" / name for name in STDLIB_FOR_TESTS) if p.is_file()]
    files: dict[str, str] = {}
    for path in chosen:
        for f in ([path] if path.is_file() else sorted(path.rglob("*"))):
            if f.is_file() and "__pycache__" not in f.parts:
                rel = f.relative_to(test_dir.parent)  # test/... or a stdlib module
                files[f"/tests/{rel}"] = base64.b64encode(f.read_bytes()).decode()
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.write_text(json.dumps(files))
    tmp.replace(dest)
    return len(files)


def named_by(test_dir: Path, chosen: Sequence[Path]) -> list[Path]:
    """What the chosen files use from Lib/test besides themselves: data folders they name
    (mathdata, decimaltestdata, ...; 3.13 moved test_math's ieee754.txt into mathdata/) and
    test modules they import as test.test_x (3.13's test_math imports test.test_iter)."""
    text = "".join(f.read_text(errors="replace") for path in chosen
                   for f in ([path] if path.is_file() else path.rglob("*.py")) if f.is_file())
    imported = set(re.findall(r"\btest[.](test_\w+)", text))
    found = []
    for entry in sorted(test_dir.iterdir()):
        if entry.name == "__pycache__" or entry in chosen:
            continue
        if entry.is_dir() and not (entry / "__init__.py").is_file() and entry.name in text:
            found.append(entry)  # a data folder
        elif entry.stem in imported and (entry.suffix == ".py" or entry.is_dir()):
            found.append(entry)  # a test module imported by another
    return found


class BrowserRunner:
    """One server and one Chromium per thread (Playwright's sync API is bound to its thread)."""

    def __init__(self, root: Path, page_path: str, timeout: float, results_dir: Path) -> None:
        self.root = root
        self.page_path = page_path
        self.timeout = timeout
        self.results_dir = results_dir
        self._local = threading.local()
        self._closers: list[Any] = []
        self._lock = threading.Lock()

    def _browser(self) -> Any:
        if getattr(self._local, "browser", None) is None:
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
            self._local.playwright = playwright
            self._local.browser = playwright.chromium.launch(executable_path=chromium,
                                                             args=list(CHROMIUM_ARGS))
            with self._lock:
                self._closers.append((self._local.browser, playwright))
        return self._local.browser

    def run_args(self, base_url: str, args: Sequence[str], *, bundle: str | None,
                 env: dict[str, str] | None = None, collect: Sequence[str] = (),
                 ) -> tuple[str, int | None, bool, dict[str, str | None]]:
        """Run `python args...` on one page: (output, exit status, timed out, collected files)."""
        params = {"args": json.dumps(list(args)), "env": json.dumps(env or {}),
                  "collect": json.dumps(list(collect))}
        if bundle:
            params["bundle"] = bundle
        page = self._browser().new_page()
        timed_out = False
        try:
            page.goto(f"{base_url}{self.page_path}?{urllib.parse.urlencode(params)}")
            page.wait_for_function(
                "['exited', 'failed', 'unsupported'].includes(document.body.dataset.state)",
                timeout=self.timeout * 1000)
            run = page.evaluate("window.testRun") or {}
        except Exception as exc:  # Playwright's TimeoutError, or the page died
            timed_out = "Timeout" in type(exc).__name__
            run = {"status": None, "output": f"{type(exc).__name__}: {exc}", "files": {}}
        finally:
            page.close()
        return run.get("output") or "", run.get("status"), timed_out, run.get("files") or {}

    def run_module(self, base_url: str, module: str) -> ModuleResult:
        for sub in ("logs", "junit"):
            (self.results_dir / sub).mkdir(parents=True, exist_ok=True)
        log = self.results_dir / "logs" / f"{module}.log"
        junit = self.results_dir / "junit" / f"{module}.xml"
        junit.unlink(missing_ok=True)
        started = time.monotonic()
        output, status, timed_out, files = self.run_args(
            base_url, ["-m", "test", "--junit-xml", "/tmp/junit.xml", "-u", RESOURCES, module],
            bundle=BUNDLE_NAME, env={"PYTHONPATH": "/tests"}, collect=["/tmp/junit.xml"])
        duration = time.monotonic() - started
        log.write_text(output)
        junit_text = files.get("/tmp/junit.xml")
        if junit_text:
            junit.write_text(junit_text)
        return classify(module, status, timed_out, junit, log, duration)

    def close(self) -> None:
        for browser, playwright in self._closers:
            browser.close()
            playwright.stop()


@contextmanager
def serving(root: Path) -> Iterator[str]:
    server = start(root, bind="127.0.0.1", port=0, log=lambda line: None)
    try:
        yield url_for(server)
    finally:
        server.shutdown()
        server.server_close()
