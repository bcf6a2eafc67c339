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
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import Task, task

sys.path.insert(0, str(Path(__file__).resolve().parent / "Tools" / "wasm"))

from wasmbuild import doctor, provision
from wasmbuild.build import Build, Options
from wasmbuild.errors import WasmBuildError

F = TypeVar("F", bound=Callable[..., Any])

HELP = {
    "python_version": "CPython release to build (pinned in Tools/wasm/versions.toml; default 3.11.2)",
    "source": "build this local CPython tree instead of a release (it is only read, never written)",
    "emscripten": "Emscripten version that must be used (default: the one found)",
    "emsdk": "emsdk folder to take Emscripten from (installs --emscripten there if needed)",
    "node": "node binary to use (default: node on PATH)",
    "mirror": "folder of pinned archives, for machines without network",
    "offline": "never use the network; take archives from the cache or --mirror only",
    "jobs": "parallel make jobs (default: number of CPUs)",
    "verbose": "show the output of every command instead of writing it to a log file",
    "debug": "show a traceback for expected errors too",
}
BUILD_OPTIONS = tuple(HELP)


def reports_errors(body: F) -> F:
    """Print a library error as `error:`/`fix:` lines and exit with its code, no traceback."""

    @functools.wraps(body)
    def wrapper(c: Context, *args: Any, **kwargs: Any) -> Any:
        try:
            return body(c, *args, **kwargs)
        except WasmBuildError as exc:
            if kwargs.get("debug"):
                raise
            print(exc.report(), file=sys.stderr)
            raise Exit(code=exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def make_build(c: Context, **options: Any) -> Build:
    def path(value: str | None) -> Path | None:
        return Path(value) if value else None

    return Build(Options(
        python_version=options.get("python_version"),
        source=path(options.get("source")),
        emscripten=options.get("emscripten"),
        emsdk=path(options.get("emsdk")),
        node=path(options.get("node")),
        mirror=path(options.get("mirror")),
        offline=bool(options.get("offline")),
        jobs=int(options["jobs"]) if options.get("jobs") else Options().jobs,
        dry_run=bool(c.config.run.dry),
        verbose=bool(options.get("verbose")),
    ))


def build_task(body: Callable[..., None]) -> Task[Any]:
    """@task with the shared help texts of the options `body` takes, and error reporting."""
    params = inspect.signature(body).parameters
    help_texts = {name: text for name, text in HELP.items() if name in params}
    made: Task[Any] = task(help=help_texts)(reports_errors(body))
    return made


@build_task
def build_python(c: Context, python_version: str | None = None, source: str | None = None,
                 mirror: str | None = None, offline: bool = False, jobs: int = 0,
                 verbose: bool = False, debug: bool = False) -> None:
    """Compile the native "build Python" (builddir/build): configure -C && make."""
    make_build(c, **locals_of(locals())).build_python()


@build_task
def ports(c: Context, emscripten: str | None = None, emsdk: str | None = None,
          mirror: str | None = None, offline: bool = False, verbose: bool = False,
          debug: bool = False) -> None:
    """Build the Emscripten ports zlib and bzip2 (embuilder build zlib bzip2), offline if need be."""
    make_build(c, **locals_of(locals())).ports()


@build_task
def node(c: Context, python_version: str | None = None, source: str | None = None,
         emscripten: str | None = None, emsdk: str | None = None, mirror: str | None = None,
         offline: bool = False, jobs: int = 0, verbose: bool = False, debug: bool = False) -> None:
    """Cross-compile for Node.js (builddir/emscripten-node), with the build Python and ports."""
    make_build(c, **locals_of(locals())).cross_build("node")


@build_task
def browser(c: Context, python_version: str | None = None, source: str | None = None,
            emscripten: str | None = None, emsdk: str | None = None, mirror: str | None = None,
            offline: bool = False, jobs: int = 0, verbose: bool = False,
            debug: bool = False) -> None:
    """Cross-compile for browsers (builddir/emscripten-browser), with the build Python and ports."""
    make_build(c, **locals_of(locals())).cross_build("browser")


@build_task
def run(c: Context, python_version: str | None = None, source: str | None = None,
        emscripten: str | None = None, emsdk: str | None = None, node: str | None = None,
        debug: bool = False) -> None:
    """Run the Node build's python.js; arguments after `--` go to Python, e.g. -- -c 'print(1)'."""
    args = python_args(c)
    status = make_build(c, **locals_of(locals())).run_python(args)
    if status:
        raise Exit(code=status)


@build_task
def doctor_(c: Context, python_version: str | None = None, emscripten: str | None = None,
            emsdk: str | None = None, node: str | None = None, mirror: str | None = None,
            debug: bool = False) -> None:
    """Show what was found (Python, emcc, Node, ports, sources, caches, disk) and how to fix gaps."""
    report = doctor.examine(make_build(c, **locals_of(locals())))
    print(doctor.render(report))
    if not report.ok:
        raise Exit(code=1)


@task(help={"what": "node, browser, build (the build Python), cpython, or all",
            "downloads": "also delete the download cache (never deleted otherwise)",
            "python_version": HELP["python_version"], "source": HELP["source"],
            "debug": HELP["debug"]})
@reports_errors
def clean(c: Context, what: str = "all", python_version: str | None = None,
          source: str | None = None, downloads: bool = False, debug: bool = False) -> None:
    """Delete build folders (one target, the build Python, or all); keeps downloads unless asked."""
    make_build(c, python_version=python_version, source=source).clean(what, downloads=downloads)


@task(help={"debug": HELP["debug"]})
@reports_errors
def setup(c: Context, debug: bool = False) -> None:
    """Install what this machine lacks for the build (system packages on Debian/Ubuntu as root)."""
    provision.setup(dry_run=bool(c.config.run.dry))


def locals_of(scope: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in scope.items() if k in BUILD_OPTIONS}


def python_args(c: Context) -> list[str]:
    """The words after `--`, with their quoting intact (invoke joins them with spaces)."""
    if "--" in sys.argv:
        return sys.argv[sys.argv.index("--") + 1:]
    return shlex.split(c.remainder) if getattr(c, "remainder", "") else []


namespace = Collection()
wasm = Collection("wasm")
for each in (build_python, ports, node, browser, run, clean, setup):
    wasm.add_task(each)
wasm.add_task(doctor_, name="doctor")
namespace.add_collection(wasm)
