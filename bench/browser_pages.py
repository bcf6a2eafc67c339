#!/usr/bin/env python3
"""What a browser test page costs, by what the server lets the browser keep, side by side.

    .venv/bin/python bench/browser_pages.py [--pages 8] [--rounds 3] [--module test_bool]
        [--engine chromium|firefox|webkit] [--python-version V] [--emscripten V]

Every module of a browser test run gets a fresh page: python.js and python.wasm, the stdlib,
and the test files (a shared bundle of several MB plus the module's own). This runs `--pages`
pages of one small module in a fresh browser, one after the other as a test run does, under
three ways of serving the same files:

- nothing kept: every response `no-store` (how the kit served everything before);
- bundles kept: only the digest-named test bundles may be cached;
- as served now: bundles kept, and the build's files revalidated (`no-cache` + ETag, 304).

The order of the three changes from round to round; the table gives the median first page and
the median of the later pages, and the later pages' ratio to "nothing kept". The browser build
must exist (`invoke wasm.browser`). Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

from results import machine, publish  # noqa: E402
from wasmbuild import options  # noqa: E402
from wasmbuild.browser import browser_tests, bundles, serve  # noqa: E402
from wasmbuild.targets.browser import install_page  # noqa: E402
from wasmbuild.targets.node import built_python_js  # noqa: E402
from wasmbuild.toolchains.context import Options, resolve  # noqa: E402
from wasmbuild.versions.matrix import ENGINES  # noqa: E402


def _bundles_only(path: str) -> str:
    return serve.IMMUTABLE if serve.DIGEST_NAMED.search(path.split("?")[0]) else "no-store"


POLICIES: dict[str, Callable[[str], str]] = {
    "nothing kept (all `no-store`)": lambda path: "no-store",
    "bundles kept": _bundles_only,
    "as served now (bundles kept, build revalidated)": serve.cache_control,
}


def one_browser(ctx_root: Path, page_path: str, engine: str, urls: str, module: str,
                pages: int) -> list[float]:
    """Seconds per page for `pages` pages in one fresh browser."""
    runner = browser_tests.BrowserRunner(ctx_root, page_path, 300, ctx_root / "builddir" /
                                         "bench-pages", engine=engine)
    times = []
    try:
        with browser_tests.serving(ctx_root) as base_url:
            for _ in range(pages):
                started = time.monotonic()
                _, status, _, _ = runner.run_args(
                    base_url, ["-m", "test", module], bundle=urls, env={"PYTHONPATH": "/tests"})
                times.append(time.monotonic() - started)
                if status != 0:
                    raise SystemExit(f"the page failed (status {status}); is the build complete?")
    finally:
        runner.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--module", default="test_bool")
    parser.add_argument("--engine", default="chromium", choices=ENGINES)
    options.add_build_options(parser)
    args = parser.parse_args()
    ctx = resolve(Options(python_version=args.python_version, emscripten=args.emscripten,
                          engine=args.engine))
    folder = built_python_js(ctx, "browser").parent
    install_page(ctx, folder)
    test_files = bundles.make_bundles(ctx.source_dir, [args.module], folder)
    page_path = str((folder / "tests.html").relative_to(ctx.paths.root))
    firsts: dict[str, list[float]] = {name: [] for name in POLICIES}
    laters: dict[str, list[float]] = {name: [] for name in POLICIES}
    names = list(POLICIES)
    for round_number in range(args.rounds):
        order = names[round_number % len(names):] + names[:round_number % len(names)]
        for name in order:
            serve.cache_control = POLICIES[name]  # type: ignore[assignment]  # read per response
            times = one_browser(ctx.paths.root, page_path, args.engine,
                                test_files.urls(args.module), args.module, args.pages)
            firsts[name].append(times[0])
            laters[name] += times[1:]
            print(f"round {round_number + 1}, {name}: " + " ".join(f"{t:.2f}" for t in times),
                  flush=True)
    base = statistics.median(laters[names[0]])
    common, own = test_files.sizes
    lines = [f"{machine()}, CPython {ctx.cpython.version}, Emscripten {ctx.emscripten.version}, "
             f"{args.engine}; {args.pages} pages of `{args.module}` per browser, {args.rounds} "
             f"rounds, `.venv/bin/python bench/browser_pages.py --engine {args.engine}`; shared "
             f"test bundle {common / 1e6:.1f} MB, the module's {own / 1e3:.0f} KB", "",
             "| serving | first page | later pages | later pages vs nothing kept |",
             "|---|---:|---:|---:|"]
    for name in names:
        later = statistics.median(laters[name])
        lines.append(f"| {name} | {statistics.median(firsts[name]):.2f} s | {later:.2f} s | "
                     f"{later / base:.2f}x |")
    print("\n" + "\n".join(lines))
    publish(f"Browser test pages ({args.engine})", "\n".join(lines))


if __name__ == "__main__":
    main()
