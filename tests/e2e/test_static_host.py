"""The page from a static host that sends no isolation headers: `wasm.dist`'s archive, unpacked
and served by Python's own `http.server` (the page in a subfolder, as on most hosts), opened in
headless Chromium, headless Firefox ESR and WebKit (MiniBrowser on Xvfb; webkit.py). Its
service worker (isolation.worker.js) makes it cross-origin isolated after one reload; where that
cannot work, the page says why in one line.
Screenshots and status lines of a failing test land in test-artifacts/."""

from __future__ import annotations

import functools
import http.server
import ipaddress
import re
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import CHECKOUT
from .page_console import Console
from .test_browser import ARTIFACTS, ENGINES, browser_build, chromium, firefox, webkit  # noqa: F401

pytestmark = pytest.mark.e2e

READY_TIMEOUT = 90.0  # seconds: a first visit downloads and compiles python.wasm twice over
SETTLED = ("ready", "unsupported", "failed", "exited")


@pytest.fixture(scope="module")
def dist_folder(browser_build: None,  # noqa: F811 (the imported fixture)
                tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`invoke wasm.dist`'s archive, unpacked: the folder holding python.html."""
    result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "wasm.dist"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    wrote = re.search(r"wrote (\S+\.tar\.gz)", result.stdout + result.stderr)
    assert wrote, result.stdout[-3000:]
    root = tmp_path_factory.mktemp("static-host")
    with tarfile.open(CHECKOUT / wrote.group(1)) as tar:
        # The "data" filter where this Python has it (3.11.4+; Debian 12's 3.11.2 has not).
        tar.extractall(root, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (folder,) = root.iterdir()  # the archive's one folder, named after the build
    return folder


class Host:
    """A plain static host: `http.server` with no extra headers, on its own port, so each test
    is a first visit (service workers are kept per origin). `replace` answers chosen files of
    the page's folder with other bytes, or with 404 when None; `requests` lists the paths
    asked for."""

    def __init__(self, folder: Path, address: str = "127.0.0.1",
                 replace: dict[str, bytes | None] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        replaced = replace or {}
        extra = headers or {}
        self.requests: list[str] = []
        asked = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # the name http.server calls
                asked.append(self.path)
                name = self.path.split("?")[0].rsplit("/", 1)[-1]
                if name not in replaced:
                    return super().do_GET()
                body = replaced[name]
                if body is None:
                    return self.send_error(404)
                self.send_response(200)
                self.send_header("Content-Type", "text/javascript")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return None

            def end_headers(self) -> None:
                for name, value in extra.items():
                    self.send_header(name, value)
                super().end_headers()

        self.server = http.server.ThreadingHTTPServer(
            (address, 0), functools.partial(Handler, directory=str(folder.parent)))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.page = f"http://{address}:{self.server.server_address[1]}/{folder.name}/python.html"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host(dist_folder: Path) -> Iterator[Callable[..., Host]]:
    started: list[Host] = []

    def start(**options: Any) -> Host:
        started.append(Host(dist_folder, **options))
        return started[-1]

    yield start
    for running in started:
        running.close()


def new_page(request: pytest.FixtureRequest, engine: str, **context: Any) -> Any:
    """A page in a fresh browser context (Chromium) or a new tab or window (Firefox, WebKit),
    closed after the test, with a screenshot and the status line kept when the test fails."""
    if engine == "chromium":
        opened = request.getfixturevalue("chromium").new_context(**context)
        page = opened.new_page()
        close = opened.close
    else:
        page = request.getfixturevalue(engine).new_page()
        close = page.close

    def finish() -> None:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]", "_", request.node.name)
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                (ARTIFACTS / f"{name}.status.txt").write_text(status(page) + "\n")
            except Exception as error:  # the browser itself may be what failed
                (ARTIFACTS / f"{name}.status.txt").write_text(f"no screenshot: {error}\n")
        close()

    request.addfinalizer(finish)
    return page


def settle(page: Any, timeout: float = READY_TIMEOUT) -> str:
    """The page's state once it stops changing on its own (ready, unsupported, ...). Asked
    again and again rather than awaited: on a first visit the page reloads itself, and a
    question asked of the document being replaced fails."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        try:
            state = page.evaluate("document.body ? document.body.dataset.state : null")
        except Exception:  # the old document went away mid-question
            state = None
        if state in SETTLED:
            return str(state)
        time.sleep(0.1)
    raise AssertionError(f"the page is still {state!r} after {timeout:.0f} s: {status(page)}")


def status(page: Any) -> str:
    return str(page.evaluate("document.getElementById('status').textContent"))


def isolated_by(page: Any) -> str:
    """How the page became cross-origin isolated, as isolation.js says: "headers", "worker"
    (through the worker from the start) or "reloaded" (a first visit's one reload). Asked of
    the page rather than of Navigation Timing, which in WebKit calls the reload "navigate"."""
    return str(page.evaluate("document.documentElement.dataset.isolation"))


def navigation_type(page: Any) -> str:
    """How the current document came: "navigate" (opened), "reload" (reloaded itself)."""
    return str(page.evaluate("performance.getEntriesByType('navigation')[0].type"))


def non_loopback_ipv4() -> str | None:
    try:
        found = subprocess.run(["hostname", "-I"], capture_output=True, text=True,
                               timeout=10).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    for address in found:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            continue
        if ip.version == 4 and not ip.is_loopback:
            return address
    return None


def test_the_page_loads_its_isolation_script_before_the_console(dist_folder: Path) -> None:
    html = (dist_folder / "python.html").read_text()
    scripts = re.findall(r'<script\s+src="([^"]+)"', html)
    assert "isolation.js" in scripts and "console.js" in scripts, scripts
    assert scripts.index("isolation.js") < scripts.index("console.js"), scripts
    assert "any static host" in (dist_folder / "HEADERS.txt").read_text()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_plain_static_host_runs_python_after_one_reload(
        engine: str, request: pytest.FixtureRequest, host: Callable[..., Host]) -> None:
    served = host()
    page = new_page(request, engine)
    page.goto(served.page)
    assert settle(page) == "ready", status(page)
    assert page.evaluate("self.crossOriginIsolated") is True
    assert page.evaluate("!!navigator.serviceWorker.controller") is True  # came through it
    assert isolated_by(page) == "reloaded"  # the first visit's one reload
    assert sum(path.endswith("/python.html") for path in served.requests) == 2, served.requests
    # It came before Python was fetched: python.wasm travelled once.
    assert sum(path.endswith("/python.wasm") for path in served.requests) == 1, served.requests
    # The next visit comes through the worker from the start: no reload.
    page.goto(served.page)
    assert settle(page) == "ready", status(page)
    assert page.evaluate("self.crossOriginIsolated") is True
    assert isolated_by(page) == "worker"


@pytest.mark.parametrize("engine", ENGINES)
def test_input_ctrl_c_and_the_home_folder_work_from_a_static_host(
        engine: str, request: pytest.FixtureRequest, host: Callable[..., Host]) -> None:
    served = host()
    page = new_page(request, engine)
    page.goto(served.page)
    assert settle(page) == "ready", status(page)
    console = Console(page)
    console.expect(r">>> $")
    console.run("name = input('who? ')", then=r"^who\? $")
    console.type("Zoë")
    console.press("Enter")
    console.expect(r"^>>> $")
    console.type("import time; time.sleep(30)")
    console.press("Enter")
    page.wait_for_selector('body[data-state="busy"]', timeout=10_000)
    time.sleep(0.5)
    console.press("Control+c")
    console.expect(r"^KeyboardInterrupt\n>>> $")
    console.run("open('static.txt', 'w').write(name[::-1])")
    page.goto(served.page)  # a reload: the home folder comes back from the browser
    assert settle(page) == "ready", status(page)
    console.row = 0
    console.expect(r">>> $")
    assert console.run("print(open('static.txt').read())").startswith("ëoZ\n")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_host_sending_the_headers_needs_no_worker(
        engine: str, request: pytest.FixtureRequest, host: Callable[..., Host]) -> None:
    """HEADERS.txt's advice: a host that sends the two headers itself gets no worker and no
    reload (as behind `wasm.serve`)."""
    served = host(headers={"Cross-Origin-Opener-Policy": "same-origin",
                           "Cross-Origin-Embedder-Policy": "require-corp"})
    page = new_page(request, engine)
    page.goto(served.page)
    assert settle(page) == "ready", status(page)
    assert page.evaluate("self.crossOriginIsolated") is True
    assert isolated_by(page) == "headers"
    assert page.evaluate("navigator.serviceWorker.controller") is None


def test_behind_wasm_serve_the_page_registers_no_worker(
        request: pytest.FixtureRequest, browser_build: None) -> None:  # noqa: F811
    from wasmbuild.browser import serve

    running = serve.start(CHECKOUT, bind="127.0.0.1", port=0, log=lambda line: None)
    try:
        page = new_page(request, "chromium")
        page.goto(serve.url_for(running) + "builddir/emscripten-browser/python.html")
        assert settle(page) == "ready", status(page)
        assert isolated_by(page) == "headers"
        assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    finally:
        running.shutdown()
        running.server_close()


@pytest.mark.parametrize("engine", ENGINES)
def test_opened_as_a_file_the_page_says_to_serve_it(
        engine: str, request: pytest.FixtureRequest, dist_folder: Path) -> None:
    page = new_page(request, engine)
    page.goto((dist_folder / "python.html").as_uri())
    assert settle(page, 30) == "unsupported"
    line = status(page)
    assert line.startswith("Python cannot start here: pages opened as files (file://)")
    assert "`python3 -m http.server`" in line and "\n" not in line


@pytest.mark.parametrize("engine", ENGINES)
def test_plain_http_from_another_machine_says_https_or_localhost(
        engine: str, request: pytest.FixtureRequest, host: Callable[..., Host]) -> None:
    address = non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no IPv4 address besides loopback (`hostname -I`)")
    # Even the headers do not help there: browsers ignore them outside secure contexts.
    served = host(address=address, headers={"Cross-Origin-Opener-Policy": "same-origin",
                                            "Cross-Origin-Embedder-Policy": "require-corp"})
    page = new_page(request, engine)
    page.goto(served.page)
    assert settle(page, 30) == "unsupported"
    line = status(page)
    assert line.startswith(f"Python cannot start here: plain HTTP from another machine "
                           f"(http://{address}:")
    assert "not a secure context" in line and "HTTPS" in line and "http://localhost" in line


def test_blocked_service_workers_say_to_send_the_headers(
        request: pytest.FixtureRequest, host: Callable[..., Host]) -> None:
    page = new_page(request, "chromium", service_workers="block")
    page.goto(host().page)
    assert settle(page, 30) == "unsupported"
    line = status(page)
    assert line.startswith("Python cannot start here: this browser gives the page no service "
                           "worker")
    assert line.endswith("Cross-Origin-Embedder-Policy: require-corp (HEADERS.txt) works "
                         "without a service worker.")
    assert navigation_type(page) == "navigate"  # and no reload


def test_a_worker_that_cannot_be_fetched_is_reported(
        request: pytest.FixtureRequest, host: Callable[..., Host]) -> None:
    page = new_page(request, "chromium")
    page.goto(host(replace={"isolation.worker.js": None}).page)
    assert settle(page, 30) == "unsupported"
    line = status(page)
    assert line.startswith("Python cannot start here: the page's service worker could not be "
                           "registered (")
    assert "404" in line and line.endswith("works without a service worker.")


def test_a_worker_that_does_not_isolate_costs_one_reload_not_a_loop(
        request: pytest.FixtureRequest, host: Callable[..., Host]) -> None:
    idle = b"""self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));"""
    page = new_page(request, "chromium")
    served = host(replace={"isolation.worker.js": idle})

    def loads() -> int:
        return sum(path.endswith("/python.html") for path in served.requests)

    page.goto(served.page)
    assert settle(page, 30) == "unsupported"
    line = status(page)
    assert line.startswith("Python cannot start here: the page's service worker did not make "
                           "it cross-origin isolated, even after a reload")
    time.sleep(2)  # time enough for a further reload, were there one
    assert loads() == 2, served.requests
    # A reload by hand tries once more, and again ends with the line, not in a loop.
    page.reload()
    assert settle(page, 30) == "unsupported"
    time.sleep(2)
    assert loads() == 4, served.requests


def test_a_browser_without_shared_array_buffer_says_so(
        request: pytest.FixtureRequest, host: Callable[..., Host]) -> None:
    page = new_page(request, "chromium")
    page.add_init_script("delete globalThis.SharedArrayBuffer")
    page.goto(host().page)
    assert settle(page) == "unsupported"
    assert page.evaluate("self.crossOriginIsolated") is True  # the worker did its part
    assert status(page).startswith("Python cannot start here: this browser has no "
                                   "SharedArrayBuffer")
