#!/usr/bin/env python3
"""Page to first prompt: the console page of an earlier commit, and the terminal page behind
`wasm.serve` and on a plain static host, side by side, in each engine.

    .venv/bin/python bench/page_start.py [--rounds 5] [--engines chromium,firefox,webkit]
        [--before COMMIT] [--python-version V] [--emscripten V]

The same build (python.js, python.wasm, python.data) is loaded by:

- the page before: the console page of `--before` (git; the default is the terminal page as
  it stood before it started Python's worker ahead of the terminal; b753cb1 is the text-box
  console before the terminal), behind `wasm.serve`;
- the terminal page behind `wasm.serve` (isolated by its headers);
- the terminal page on a static host that sends no headers (`http.server`): on a first visit
  the page's service worker is installed and the page reloads once; on later visits the
  worker isolates the page from the start.

Each is timed on a first visit (a fresh browser context in Chromium, a fresh Firefox ESR) and
on a later visit (the page visited once before in the
same context), from navigation to the first prompt (the page's state `ready`: Python waits at
`>>> `). The order changes from round to round; the table gives medians and the ratio to the
page before on the same kind of visit. It also
gives the bytes (gzip -9) of the page's own files, before and now. Nothing is asserted: this
is a measurement.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

from results import machine, publish  # noqa: E402
from wasmbuild import options  # noqa: E402
from wasmbuild.browser import browser_tests  # noqa: E402
from wasmbuild.targets.browser import install_page, page_files  # noqa: E402
from wasmbuild.targets.node import built_python_js  # noqa: E402
from wasmbuild.targets.site_files import BROWSER_BUNDLE  # noqa: E402
from wasmbuild.toolchains.context import Options, resolve  # noqa: E402
from wasmbuild.versions.matrix import ENGINES  # noqa: E402

BUILD_FILES = ("python.js", "python.wasm", "python.data", BROWSER_BUNDLE)
BENCH = CHECKOUT / "builddir" / "bench-browser"


def gzip_size(paths: list[Path]) -> int:
    return sum(len(gzip.compress(p.read_bytes(), compresslevel=9, mtime=0)) for p in paths
               if p.suffix in (".html", ".js", ".css", ".py") and p.name not in BUILD_FILES)


def page_before(commit: str, build: Path) -> Path:
    """The console page of `commit` (its Tools/wasm/web files and Lib/wasm_console.py, and the
    build's terminal scripts if that page uses them), beside this build's files, where
    wasm.serve serves it."""
    folder = BENCH / "page-before"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    listed = subprocess.run(["git", "-C", str(CHECKOUT), "ls-tree", "--name-only", commit,
                             "Tools/wasm/web/"], capture_output=True, text=True, check=True)
    for name in [*listed.stdout.split(), "Lib/wasm_console.py"]:
        shown = subprocess.run(["git", "-C", str(CHECKOUT), "show", f"{commit}:{name}"],
                               capture_output=True, check=True).stdout
        (folder / Path(name).name).write_bytes(shown)
    uses_xterm = "xterm.js" in (folder / "python.html").read_text()
    for path in build.iterdir():
        if path.name in BUILD_FILES or (uses_xterm and path.name.startswith(("xterm", "addon-fit"))):
            shutil.copyfile(path, folder / path.name)
    return folder


def page_now(build: Path) -> Path:
    """The terminal page with this build's files: the same folder for both hosts."""
    folder = BENCH / "page-now"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in build.iterdir():
        if path.name in BUILD_FILES or path.name in {p.name for p in page_files()} or \
                path.name.startswith(("xterm", "addon-fit")):
            shutil.copyfile(path, folder / path.name)
    return folder


@contextmanager
def static_host(folder: Path) -> Iterator[str]:
    """A server that sends no special headers, as GitHub Pages or `python3 -m http.server`."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}/python.html"
    finally:
        server.shutdown()
        server.server_close()


def settle(page: Any, deadline: float) -> None:
    """Wait for the prompt; a page that reloads itself answers nothing for a moment."""
    while time.monotonic() < deadline:
        try:
            if page.evaluate("document.body && document.body.dataset.state") == "ready":
                return
        except Exception:  # the page is reloading
            pass
        time.sleep(0.02)
    state = page.evaluate("document.body.dataset.state + ': ' + "
                          "document.getElementById('status').textContent")
    raise SystemExit(f"{page.evaluate('location.href')} did not reach its prompt in 90 s ({state})")


def timed_load(engine: str, chromium: Any, url: str, warm_url: str | None) -> float:
    """Seconds from navigation to the prompt, in a fresh browser context (Chromium) or a
    fresh Firefox or WebKit (their tabs share one profile); with `warm_url`, that page is visited first
    there (files cached, the service worker installed)."""
    if engine == "chromium":
        context = chromium.new_context()
        page, close = context.new_page(), context.close
    else:
        firefox, close = browser_tests.LAUNCHERS[engine]()
        page = firefox.new_page()
    try:
        if warm_url:
            page.goto(warm_url)
            settle(page, time.monotonic() + 90)
        started = time.monotonic()
        page.goto(url)
        settle(page, started + 90)
        return time.monotonic() - started
    finally:
        close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--before", default="926e6ac", help="commit of the page before")
    options.add_build_options(parser)
    args = parser.parse_args()
    ctx = resolve(Options(python_version=args.python_version, emscripten=args.emscripten))
    build = built_python_js(ctx, "browser").parent
    install_page(ctx, build)
    before, now = page_before(args.before, build), page_now(build)
    sizes = (gzip_size(sorted(before.iterdir())), gzip_size(sorted(now.iterdir())))
    rows: list[str] = []
    with browser_tests.serving(CHECKOUT) as base, static_host(now) as static:
        before_url = base + str((before / "python.html").relative_to(CHECKOUT))
        served_url = base + str((now / "python.html").relative_to(CHECKOUT))
        # (its name in the progress lines, the URL timed, a URL visited first in the same
        # context or None for a cold load)
        loads: dict[str, tuple[str, str, str | None]] = {
            f"the page of {args.before}, wasm.serve, first visit":
                ("before/first", before_url, None),
            f"the page of {args.before}, wasm.serve, later visit":
                ("before/later", before_url, before_url),
            "terminal page, wasm.serve, first visit": ("served/first", served_url, None),
            "terminal page, wasm.serve, later visit": ("served/later", served_url, served_url),
            "terminal page, static host, first visit (one reload)": ("static/first", static, None),
            "terminal page, static host, later visit": ("static/later", static, static),
        }
        for engine in args.engines.split(","):
            chromium, close = browser_tests.LAUNCHERS["chromium"]() if engine == "chromium" \
                else (None, lambda: None)
            chromium = getattr(chromium, "browser", chromium)  # contexts of one browser
            times: dict[str, list[float]] = {name: [] for name in loads}
            names = list(loads)
            try:
                for round_number in range(args.rounds):
                    shift = round_number % len(names)
                    for name in names[shift:] + names[:shift]:
                        _, url, warm = loads[name]
                        times[name].append(timed_load(engine, chromium, url, warm))
                    print(f"{engine} round {round_number + 1}: " + ", ".join(
                        f"{loads[n][0]} {times[n][-1]:.2f}" for n in names), flush=True)
            finally:
                close()
            for name in names:
                median = statistics.median(times[name])
                # First visits against the page before's first, later ones against its later.
                base_time = statistics.median(times[names[0 if "first" in name else 1]])
                rows.append(f"| {engine} | {name} | {median:.2f} s | {median / base_time:.2f}x |")
    lines = [f"{machine()}, CPython {ctx.cpython.version}, Emscripten {ctx.emscripten.version}; "
             f"{args.rounds} rounds, medians, `.venv/bin/python bench/page_start.py --before "
             f"{args.before}`", "",
             "| engine | page | to the first prompt | vs the page before |", "|---|---|---:|---:|",
             *rows, "",
             f"The page's own files (HTML, CSS, JavaScript, the console script; gzip -9): "
             f"{sizes[0]:,} bytes before, {sizes[1]:,} bytes now (xterm.js is "
             f"{gzip_size([now / 'xterm.js']):,} of them)."]
    print("\n" + "\n".join(lines))
    publish("Page to first prompt: the terminal page", "\n".join(lines))


if __name__ == "__main__":
    main()
