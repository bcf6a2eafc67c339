"""Invoke tasks: the seed's wasm32-emscripten recipes, one task each (`invoke --list`).

Only wiring lives here: read options, call one function of the `wasmbuild` library
(Tools/wasm/wasmbuild), turn its errors into an exit status. `invoke --dry <task>` prints
the shell commands a task would run and runs nothing.
"""

from __future__ import annotations

import functools
import inspect
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from invoke.collection import Collection
from invoke.context import Context as InvokeContext
from invoke.exceptions import Exit
from invoke.tasks import Task, task

sys.path.insert(0, str(Path(__file__).resolve().parent / "Tools" / "wasm"))

from wasmbuild import clean as clean_module
from wasmbuild import cleanroom, config, profiles, provision, recipe, runs
from wasmbuild import dist as dist_module
from wasmbuild import doctor as doctor_module
from wasmbuild import extension as extension_module
from wasmbuild import serve as serve_module
from wasmbuild.config import CHECKOUT
from wasmbuild.context import Context, Options, resolve
from wasmbuild.errors import WasmBuildError
from wasmbuild.layout import Layout
from wasmbuild.roots import Roots, choose_tools
from wasmbuild.shell import Runner
from wasmbuild.targets.node import run_python

F = TypeVar("F", bound=Callable[..., Any])

HELP = {
    "python_version": "CPython release to build (pinned in Tools/wasm/versions.toml; default "
    f"{config.load().default_cpython})",
    "source": "build this local CPython tree instead of a release (it is only read, never written)",
    "emscripten": "Emscripten version to build with (default: the CPython version's, from its "
    "recipe in Tools/wasm/versions.toml; for 3.11 the system's emcc)",
    "emsdk": "emsdk folder to take Emscripten from (installs --emscripten there if needed)",
    "force": "build with an Emscripten outside the CPython version's known range anyway",
    "node": "node binary to use (default: node on PATH)",
    "mirror": "folder of pinned archives, for machines without network",
    "offline": "never use the network; take archives from the cache or --mirror only",
    "jobs": "parallel make jobs (default: number of CPUs)",
    "verbose": "show the output of every command instead of writing it to a log file",
    "profile": f"build profile: {', '.join(profiles.PROFILES)} (default {profiles.DEFAULT_PROFILE}; "
    "Tools/wasm/wasmbuild/profiles.py; each builds in its own folder)",
    "debug": "short for --profile debug: DWARF debug info, no optimisation",
    "traceback": "show a Python traceback for expected errors too",
    "engine": "browser to run the browser build in: chromium (default) or firefox (Firefox ESR "
    "over WebDriver BiDi)",
}
BUILD_OPTIONS = (*HELP, "node_version")


def reports_errors(body: F) -> F:
    """Print a library error as `error:`/`fix:` lines and exit with its code, no traceback."""

    @functools.wraps(body)
    def wrapper(c: InvokeContext, *args: Any, **kwargs: Any) -> Any:
        try:
            return body(c, *args, **kwargs)
        except WasmBuildError as exc:
            if kwargs.get("traceback"):
                raise
            print(exc.report(), file=sys.stderr)
            raise Exit(code=exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def wasm_task(body: Callable[..., None], positional: tuple[str, ...] = (),
              iterable: tuple[str, ...] = (), **extra_help: str) -> Task[Any]:
    """@task with the shared help texts of the options `body` takes, and error reporting."""
    params = inspect.signature(body).parameters
    help_texts = {name: text for name, text in HELP.items() if name in params}
    made: Task[Any] = task(help={**help_texts, **extra_help}, positional=list(positional),
                           iterable=list(iterable))(reports_errors(body))
    return made


def make_context(c: InvokeContext, **options: Any) -> Context:
    def path(value: str | None) -> Path | None:
        return Path(value) if value else None

    return resolve(Options(
        python_version=options.get("python_version"),
        source=path(options.get("source")),
        emscripten=options.get("emscripten"),
        emsdk=path(options.get("emsdk")),
        node=path(options.get("node")),
        node_version=options.get("node_version"),
        mirror=path(options.get("mirror")),
        offline=bool(options.get("offline")),
        jobs=int(options["jobs"]) if options.get("jobs") else Options().jobs,
        dry_run=bool(c.config.run.dry),
        verbose=bool(options.get("verbose")),
        profile="debug" if options.get("debug") else options.get("profile"),
        force=bool(options.get("force")),
        engine=options.get("engine") or "chromium",
    ))


# Which build a task means. Tasks chained in one invocation (`invoke wasm.node --emscripten
# 3.1.69 wasm.run -- ...`) mean the same build: a choice made for an earlier task holds for the
# later ones that leave it unset.
SAME_BUILD = ("python_version", "source", "emscripten", "emsdk", "profile", "debug", "force")
_chosen: dict[str, Any] = {}


def build_options(scope: dict[str, Any]) -> dict[str, Any]:
    options = {k: v for k, v in scope.items() if k in BUILD_OPTIONS}
    for key in SAME_BUILD:
        if key not in options:
            continue
        if options[key]:
            _chosen[key] = options[key]
        elif key in _chosen:
            options[key] = _chosen[key]
    return options


def python_args(c: InvokeContext) -> list[str]:
    """The words after `--`, with their quoting intact (invoke joins them with spaces)."""
    if "--" in sys.argv:
        return sys.argv[sys.argv.index("--") + 1:]
    return shlex.split(c.remainder) if getattr(c, "remainder", "") else []


def build_python(c: InvokeContext, python_version: str | None = None, source: str | None = None,
                 mirror: str | None = None, offline: bool = False, jobs: int = 0,
                 verbose: bool = False, traceback: bool = False) -> None:
    """Compile the native "build Python" (builddir/build): configure -C && make."""
    recipe.build_python(make_context(c, **build_options(locals())))


def ports(c: InvokeContext, python_version: str | None = None, emscripten: str | None = None,
          emsdk: str | None = None, force: bool = False, mirror: str | None = None,
          offline: bool = False, verbose: bool = False, traceback: bool = False) -> None:
    """Build the Emscripten ports zlib and bzip2 (embuilder build zlib bzip2), offline if need be."""
    recipe.build_ports(make_context(c, **build_options(locals())))


def deps(c: InvokeContext, python_version: str | None = None, emscripten: str | None = None,
         emsdk: str | None = None, force: bool = False, mirror: str | None = None,
         offline: bool = False, jobs: int = 0, verbose: bool = False,
         traceback: bool = False) -> None:
    """Build the libraries stdlib modules need (xz for lzma, ...) with emcc, into a prefix."""
    recipe.build_deps(make_context(c, **build_options(locals())))


def node(c: InvokeContext, python_version: str | None = None, source: str | None = None,
         emscripten: str | None = None, emsdk: str | None = None, force: bool = False,
         mirror: str | None = None,
         offline: bool = False, jobs: int = 0, profile: str | None = None, debug: bool = False,
         verbose: bool = False, traceback: bool = False) -> None:
    """Cross-compile for Node.js (builddir/emscripten-node), with the build Python and ports."""
    recipe.build_target(make_context(c, **build_options(locals())), "node")


def browser(c: InvokeContext, python_version: str | None = None, source: str | None = None,
            emscripten: str | None = None, emsdk: str | None = None, force: bool = False,
            mirror: str | None = None,
            offline: bool = False, jobs: int = 0, profile: str | None = None, debug: bool = False,
            verbose: bool = False, traceback: bool = False) -> None:
    """Cross-compile for browsers (builddir/emscripten-browser) with our REPL page."""
    recipe.build_target(make_context(c, **build_options(locals())), "browser")


def run(c: InvokeContext, python_version: str | None = None, source: str | None = None,
        emscripten: str | None = None, emsdk: str | None = None, force: bool = False,
        node: str | None = None, node_version: str | None = None, mirror: str | None = None,
        offline: bool = False,
        profile: str | None = None, debug: bool = False, optimize: bool = False,
        traceback: bool = False) -> None:
    """Run the Node build's python.js; arguments after `--` go to Python, e.g. -- -c 'print(1)'."""
    status = run_python(make_context(c, **build_options(locals())), python_args(c),
                        optimize=optimize)
    if status:
        raise Exit(code=status)


def extension(c: InvokeContext, source_file: str | None = None, name: str = "", output: str = "",
              python_version: str | None = None, source: str | None = None,
              emscripten: str | None = None, emsdk: str | None = None, force: bool = False,
              profile: str | None = None, traceback: bool = False) -> None:
    """Compile a C extension module as a side module for a `--profile dynamic` Node build;
    it goes beside the build's own modules (on its sys.path) unless --output says where."""
    files = [Path(source_file)] if source_file else []
    extension_module.build_extension(make_context(c, **build_options(locals())), files,
                                     name or None, Path(output) if output else None)


def test(c: InvokeContext, python_version: str | None = None, source: str | None = None,
         emscripten: str | None = None, emsdk: str | None = None, force: bool = False,
         node: str | None = None,
         node_version: str | None = None, mirror: str | None = None, offline: bool = False,
         profile: str | None = None, debug: bool = False, traceback: bool = False) -> None:
    """Run CPython's test suite on the Node build, sharded; after `--`: [-j N] [--timeout S]
    [--update-expectations] [--run-known-hangs] [-x MODULE] [test_module ...]."""
    runs.run_tests(make_context(c, **build_options(locals())), "node", python_args(c))


def test_browser(c: InvokeContext, python_version: str | None = None, source: str | None = None,
                 emscripten: str | None = None, emsdk: str | None = None, force: bool = False,
                 profile: str | None = None, engine: str | None = None,
                 traceback: bool = False) -> None:
    """Run CPython's test suite in headless Chromium, each module on its own page; after `--`:
    [-j N] [--timeout S] [--update-expectations] [test_module ...]."""
    runs.run_tests(make_context(c, **build_options(locals())), "browser", python_args(c))


def limits(c: InvokeContext, browser: bool = True, update: bool = False, check: bool = False,
           python_version: str | None = None, source: str | None = None,
           emscripten: str | None = None, emsdk: str | None = None, force: bool = False,
           profile: str | None = None,
           jobs: int = 0, traceback: bool = False) -> None:
    """Probe what works in the builds (sockets, processes, signals, file system, modules...)
    and print the table capability x target; --update writes it into docs/limits.md."""
    targets = ["node", "browser"] if browser else ["node"]
    runs.probe_limits(make_context(c, **build_options(locals())), targets, update=update,
                      check=check)


def serve(c: InvokeContext, bind: str = "127.0.0.1", port: int = 8000, open: bool = False,
          emrun: bool = False, profile: str | None = None, debug: bool = False,
          traceback: bool = False) -> None:
    """Serve the checkout with the headers the browser build needs; prints the URL to open."""
    ctx = make_context(c, profile=profile, debug=debug)
    page = ctx.page_url_path("browser")
    if emrun:
        ctx.runner.run(serve_module.emrun_command(ctx.emscripten, ctx.paths.root, bind=bind,
                                                  port=port, page=page, open_browser=open))
        return
    serve_module.serve_until_interrupted(ctx.paths.root, ctx.runner, bind=bind, port=port,
                                         page=page, open_browser=open)


def dist(c: InvokeContext, python_version: str | None = None, source: str | None = None,
         emscripten: str | None = None, emsdk: str | None = None, force: bool = False,
         profile: str | None = None,
         debug: bool = False, traceback: bool = False) -> None:
    """Pack the built browser page into builddir/dist/*.tar.gz with a manifest (sizes, sha256)."""
    dist_module.make_dist(make_context(c, **build_options(locals())))


def doctor(c: InvokeContext, python_version: str | None = None, emscripten: str | None = None,
           emsdk: str | None = None, node: str | None = None, mirror: str | None = None,
           traceback: bool = False) -> None:
    """Show what was found (Python, emcc, Node, ports, sources, caches, disk) and how to fix gaps."""
    report = doctor_module.examine(make_context(c, **build_options(locals())))
    print(doctor_module.render(report))
    if not report.ok:
        raise Exit(code=1)


def clean(c: InvokeContext, what: str = "all", python_version: str | None = None,
          source: str | None = None, downloads: bool = False, traceback: bool = False) -> None:
    """Delete build folders (one target, the build Python, or all); keeps downloads unless asked."""
    clean_module.clean(make_context(c, python_version=python_version, source=source), what,
                       downloads=downloads)


def setup(c: InvokeContext, clean_room: bool = False, traceback: bool = False) -> None:
    """Install what this machine lacks for the build (system packages on Debian/Ubuntu as root)."""
    purposes = ("build", "clean-room") if clean_room else ("build",)
    provision.setup(dry_run=bool(c.config.run.dry), purposes=purposes)


def fresh(c: InvokeContext, debian: str = "bookworm", command: int = 0, keep: bool = False,
          downloads: bool = False, update: bool = False, then: list[str] | None = None,
          traceback: bool = False) -> None:
    """The clean room: a Debian root made from nothing, the committed HEAD cloned into it, and
    the README's quick-start commands run there as written, each phase timed."""
    dry_run = bool(c.config.run.dry)
    provision.setup(dry_run=dry_run, purposes=("clean-room",))
    runner = Runner(CHECKOUT, dry_run=dry_run)
    roots = Roots(config.load(), Layout.default(), runner, choose_tools(dry_run=dry_run))
    report = cleanroom.run(roots, cleanroom.Options(debian, command or None, keep, downloads,
                                                    tuple(then or ())))
    if update and not dry_run:
        cleanroom.update_document(CHECKOUT / cleanroom.DOCUMENT, report,
                                  list(roots.versions.debian.releases))
    if not report.ok:
        raise Exit(code=1)


namespace = Collection()
wasm = Collection("wasm")
for body in (build_python, ports, deps, node, browser, doctor):
    wasm.add_task(wasm_task(body))
NODE_VERSION_HELP = ("major version of a pinned Node release to run with (18, 20, 22, 24; "
                     "default 24, fetched once from the npm registry; the node on PATH when it "
                     "cannot be had)")
wasm.add_task(wasm_task(
    run, optimize="compile with V8's optimising tier first (--no-liftoff): under Node 20 Python "
    "code runs about 1.4x faster after about 0.9 s more start-up; under the default Node 24 "
    "it gains nothing (bench/RESULTS.md)", node_version=NODE_VERSION_HELP))
wasm.add_task(wasm_task(
    extension, positional=("source_file",), source_file="the module's C source (PyInit_<name>)",
    name="module name (default: the file's name without .c)",
    output="folder to write the module to (default: the build's, on its sys.path)"))
wasm.add_task(wasm_task(test, node_version=NODE_VERSION_HELP))
wasm.add_task(wasm_task(test_browser), name="test-browser")
wasm.add_task(wasm_task(
    limits, browser="also probe the browser build in headless Chromium (default: yes)",
    update="write the table into docs/limits.md between its markers",
    check="fail if docs/limits.md's table differs from this probe"))
wasm.add_task(wasm_task(
    serve, bind="address to listen on (default 127.0.0.1: this machine only)",
    port="TCP port (default 8000)", open="also open the page in a web browser",
    emrun="serve with Emscripten's emrun instead (the recipe's other route)",
    profile="print the URL of this profile's page",
    debug="serve the debug profile's page (its URL keeps the C sources reachable)"))
wasm.add_task(wasm_task(
    clean, what="node, browser, build (the build Python), cpython, or all",
    downloads="also delete the download cache (never deleted otherwise)"))
wasm.add_task(wasm_task(dist))
wasm.add_task(wasm_task(
    setup, clean_room="also what `wasm.fresh` needs: debootstrap, bubblewrap, git"))
wasm.add_task(wasm_task(
    fresh, debian="Debian release to make the root of: bookworm (12), trixie (13) or sid",
    command="run only the first N quick-start commands (default: all)",
    keep="leave the root for inspection and print how to enter it",
    downloads="show this machine's download cache to the root, read-only, as a mirror folder "
    "(saves bandwidth; by default the pinned addresses are used)",
    update="write this run's phase table into docs/clean-room.md",
    then="a command to run in the same root after the quick start, in the clone (repeatable; "
    "CI runs its whole-suite session there, on command 1's build)", iterable=("then",)))
namespace.add_collection(wasm)
