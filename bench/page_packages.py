#!/usr/bin/env python3
"""Page to first prompt with packages: how the page's start grows per MB of packages that
`wasm.pip --target browser` installed (they load with the page, in its site bundle).

    .venv/bin/python bench/page_packages.py [--rounds 5] [--engines chromium,firefox,webkit]
        [--sets ',iniconfig,pytest,pytest hypothesis'] [--python-version V] [--emscripten V]

The same build is copied into one folder per set of packages (`--sets`, comma-separated, each
a space-separated list; the empty set first), each with its own site bundle, and served by
`wasm.serve`'s server. Each is timed on a first visit (a fresh browser context in Chromium, a
fresh Firefox ESR or WebKit) from navigation to the first prompt; the order changes from
round to round; the table gives medians, the packages' size on disk, the bundle's size as
sent (gzip -6, as a server compresses it) and the growth per MB of packages against the empty
set (for sets of a MB or more). Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "Tools" / "wasm"))

from page_start import BENCH, page_now, timed_load  # noqa: E402
from results import machine, publish  # noqa: E402
from wasmbuild import options, pip  # noqa: E402
from wasmbuild.browser import browser_tests  # noqa: E402
from wasmbuild.packages import requirements  # noqa: E402
from wasmbuild.targets import registry, site_files  # noqa: E402
from wasmbuild.targets.browser import install_page  # noqa: E402
from wasmbuild.targets.node import built_python_js  # noqa: E402
from wasmbuild.toolchains.context import Context, Options, resolve  # noqa: E402
from wasmbuild.versions.matrix import ENGINES  # noqa: E402

MB = 1 << 20


def variant(ctx: Context, build: Path, names: list[str], number: int) -> tuple[Path, int, int]:
    """The page with the packages `names` in its bundle: (folder, bytes of the packages' files,
    bytes of the bundle gzipped)."""
    folder = BENCH / f"packages-{number}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(page_now(build), folder)
    site = folder / "site-packages"
    if names:
        pip.install(ctx, registry.get("browser"), [requirements.parse(n) for n in names],
                    into=site)
    site_files.install_for_browser(ctx.runner, folder, ctx.cpython.version,
                                   site_files.terminal_stdlib(ctx.source_dir), ctx.source_dir)
    files = site_files.third_party_files(site)
    bundle = (folder / site_files.BROWSER_BUNDLE).read_bytes()
    return folder, sum(p.stat().st_size for p in files.values()), len(gzip.compress(bundle, 6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--sets", default=",iniconfig,pytest,pytest hypothesis")
    options.add_build_options(parser)
    args = parser.parse_args()
    ctx = resolve(Options(python_version=args.python_version, emscripten=args.emscripten))
    build = built_python_js(ctx, "browser").parent
    install_page(ctx, build)
    sets = [s.split() for s in args.sets.split(",")]
    variants = [variant(ctx, build, names, n) for n, names in enumerate(sets)]
    rows: list[str] = []
    with browser_tests.serving(CHECKOUT) as base:
        urls = [base + str((folder / "python.html").relative_to(CHECKOUT))
                for folder, _, _ in variants]
        for engine in args.engines.split(","):
            chromium, close = browser_tests.LAUNCHERS["chromium"]() if engine == "chromium" \
                else (None, lambda: None)
            chromium = getattr(chromium, "browser", chromium)
            times: list[list[float]] = [[] for _ in variants]
            try:
                for round_number in range(args.rounds):
                    order = list(range(len(variants)))
                    order = order[round_number % len(order):] + order[:round_number % len(order)]
                    for index in order:
                        times[index].append(timed_load(engine, chromium, urls[index], None))
                    print(f"{engine} round {round_number + 1}: "
                          + ", ".join(f"{t[-1]:.2f}" for t in times), flush=True)
            finally:
                close()
            empty = statistics.median(times[0])
            for names, (_, size, sent), taken in zip(sets, variants, times, strict=True):
                median = statistics.median(taken)
                # Below a MB the difference is the machine's noise, not the packages'.
                per_mb = f"{(median - empty) * 1000 / (size / MB):.0f} ms" if size >= MB else ""
                rows.append(f"| {engine} | {' '.join(names) or '(none)'} | {size / MB:.2f} MB | "
                            f"{sent / MB:.2f} MB | {median:.2f} s | {per_mb} |")
    lines = [f"{machine()}, CPython {ctx.cpython.version}, Emscripten {ctx.emscripten.version}; "
             f"{args.rounds} rounds, medians of first visits, `.venv/bin/python "
             "bench/page_packages.py`", "",
             "| engine | packages (with what they require) | files | bundle, gzip | "
             "to the first prompt | more per MB of files |", "|---|---|---:|---:|---:|---:|",
             *rows]
    print("\n" + "\n".join(lines))
    publish("Page to first prompt with packages (wasm.pip)", "\n".join(lines))


if __name__ == "__main__":
    main()
