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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke.collection import Collection
from invoke.context import Context as InvokeContext
from invoke.exceptions import Exit
from invoke.tasks import Task, task

sys.path.insert(0, str(Path(__file__).resolve().parent / "Tools" / "wasm"))

# Only what every task needs is imported here; each task imports its part of the library, so
# `invoke wasm.run` loads no more than running Python takes (bench/RESULTS.md, "Task overhead").
from wasmbuild import options
from wasmbuild.core.errors import WasmBuildError

if TYPE_CHECKING:
    from wasmbuild.toolchains.context import Context

# Choices that chained tasks share (`invoke wasm.node --emscripten 3.1.69 wasm.run -- ...`
# means one build), kept in invoke's configuration, which lives as long as the invocation.
CHAIN = "wasm_chain"
Values = Mapping[str, Any]


def wasm_task(body: Callable[[InvokeContext, Values], None], name: str = "") -> Task[Any]:
    """A task whose options are the rows of options.OPTIONS that name it: the signature invoke
    reads, the help, the checking and converting, and library errors as `error:`/`fix:` lines
    with the error's exit code (a traceback only with --traceback)."""
    task_name = name or body.__name__.replace("_", "-")
    table = options.for_task(task_name)

    @functools.wraps(body)
    def wrapper(c: InvokeContext, **given: Any) -> None:
        try:
            inherited = dict(c.config.get(CHAIN) or {})
            values = options.parse(task_name, given, inherited)
            c.config[CHAIN] = {**inherited, **options.inheritable(values, given)}  # type: ignore[assignment]
            body(c, values)
        except WasmBuildError as exc:
            if given.get("traceback"):
                raise
            print(exc.report(), file=sys.stderr)
            raise Exit(code=exc.exit_code) from None
        except BrokenPipeError:  # the reader went away (`| head`): stop as quietly as cat does
            sys.stdout = None  # nothing more to flush at exit
            raise Exit(code=141) from None

    parameters = [inspect.Parameter("c", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters += [inspect.Parameter(o.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                     default=options.signature_default(o)) for o in table]
    wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    del wrapper.__wrapped__  # invoke must read the signature above, not the body's
    made: Task[Any] = task(name=task_name, help={o.name: o.help_text() for o in table},
                           auto_shortflags=False,  # letters run out and clash between tasks
                           positional=[o.name for o in table if o.positional],
                           iterable=[o.name for o in table if o.kind == "list"])(wrapper)
    return made


def context(c: InvokeContext, values: Values) -> Context:
    from wasmbuild.toolchains.context import resolve

    return resolve(options.build_options(values, dry_run=bool(c.config.run.dry)))


def python_args(c: InvokeContext) -> list[str]:
    """The words after `--`, with their quoting intact (invoke joins them with spaces)."""
    if "--" in sys.argv:
        return sys.argv[sys.argv.index("--") + 1:]
    return shlex.split(c.remainder) if getattr(c, "remainder", "") else []


def build_python(c: InvokeContext, o: Values) -> None:
    """Compile the native build Python (builddir/build).

    configure -C && make: the Python that runs the cross build's own scripts.
    """
    from wasmbuild import recipe

    recipe.build_python(context(c, o))


def ports(c: InvokeContext, o: Values) -> None:
    """Build the Emscripten ports zlib and bzip2.

    embuilder build zlib bzip2, offline if need be.
    """
    from wasmbuild import recipe

    recipe.build_ports(context(c, o))


def deps(c: InvokeContext, o: Values) -> None:
    """Build the libraries stdlib modules need, with emcc.

    xz for lzma, ..., each into a prefix the cross build finds.
    """
    from wasmbuild import recipe

    recipe.build_deps(context(c, o))


def node(c: InvokeContext, o: Values) -> None:
    """Cross-compile for Node.js (builddir/emscripten-node).

    With the build Python and the ports.
    """
    from wasmbuild import recipe

    recipe.build_target(context(c, o), "node")


def browser(c: InvokeContext, o: Values) -> None:
    """Cross-compile for browsers (builddir/emscripten-browser).

    With our REPL page.
    """
    from wasmbuild import recipe

    recipe.build_target(context(c, o), "browser")


def answers(c: InvokeContext, o: Values) -> None:
    """Run the cross configure in full and ship its answers.

    No stored answers are used; the answers go to Tools/wasm/configure-answers/, where a new
    machine's build starts from them. --check compares them with the shipped ones instead.
    """
    from wasmbuild import recipe

    recipe.configure_answers(context(c, o), o["target"], check=o["check"])


def wasi(c: InvokeContext, o: Values) -> None:
    """Cross-compile for WASI (builddir/wasi).

    python.wasm, with Debian's clang and wasi-libc.
    """
    from wasmbuild import recipe

    recipe.build_target(context(c, o), "wasi")


def run(c: InvokeContext, o: Values) -> None:
    """Run Python in the Node build (or --target wasi).

    Runs the Node build's python.js, or with --target wasi python.wasm under a WASI runtime;
    arguments after `--` go to Python, e.g. -- -c 'print(1)'.
    """
    from wasmbuild.targets import registry

    status = registry.run_python(context(c, o), o["target"], python_args(c),
                                 optimize=o["optimize"])
    if status:
        raise Exit(code=status)


def pip(c: InvokeContext, o: Values) -> None:
    """Install packages from PyPI into a build's site-packages.

    Packages after `--` (e.g. -- attrs 'six>=1.16') or from --requirements FILE, chosen for the
    build's own Python (sys_platform emscripten or wasi, wasm32), pure-Python wheels and sdists
    only, each file sha256-verified; into builddir/<target build>/site-packages.
    """
    from wasmbuild import pip as pip_module
    from wasmbuild.targets import registry

    wanted = pip_module.wanted_from(python_args(c), [Path(p) for p in o["requirements"]])
    pip_module.install(context(c, o), registry.get(o["target"]), wanted,
                       require_hashes=o["require_hashes"])


def extension(c: InvokeContext, o: Values) -> None:
    """Compile a C extension module for a dynamic Node build.

    A side module for a `--profile dynamic` build; it goes beside the build's own modules (on
    its sys.path) unless --output says where.
    """
    from wasmbuild import extension as extension_module

    files = [o["source_file"]] if o["source_file"] else []
    extension_module.build_extension(context(c, o), files, o["name"] or None, o["output"])


def test(c: InvokeContext, o: Values) -> None:
    """Run CPython's test suite on the Node or WASI build.

    On the Node build (or --target wasi), sharded; after `--`:
    [-j N] [--timeout S] [--update-expectations] [--run-known-hangs] [-x MODULE] [test_x ...].
    """
    from wasmbuild import runs

    runs.run_tests(context(c, o), o["target"], python_args(c))


def test_browser(c: InvokeContext, o: Values) -> None:
    """Run CPython's test suite in a headless browser.

    Each module on its own page; after `--`:
    [-j N] [--timeout S] [--update-expectations] [test_module ...].
    """
    from wasmbuild import runs

    runs.run_tests(context(c, o), "browser", python_args(c))


def limits(c: InvokeContext, o: Values) -> None:
    """Probe what works in the builds and print the table.

    Sockets, processes, signals, file system, modules...: the table capability x target;
    --update writes it into docs/limits.md.
    """
    from wasmbuild import runs

    runs.probe_limits(context(c, o), o["targets"], update=o["update"], check=o["check"])


def serve(c: InvokeContext, o: Values) -> None:
    """Serve the browser pages with the headers they need.

    Only the pages (the rest of the checkout is a 404), on loopback unless --expose; prints
    the URL to open.
    """
    from wasmbuild.browser import serve as serve_module

    serve_module.serve(context(c, o), bind=o["bind"], port=o["port"], open_browser=o["open"],
                       expose=o["expose"], emrun=o["emrun"])


def dist(c: InvokeContext, o: Values) -> None:
    """Pack the built browser page into builddir/dist/.

    A *.tar.gz with a manifest (sizes, sha256).
    """
    from wasmbuild import dist as dist_module

    dist_module.make_dist(context(c, o))


def doctor(c: InvokeContext, o: Values) -> None:
    """Show what was found and how to fix what is missing.

    Python, emcc, Node, ports, sources, caches, disk.
    """
    from wasmbuild import doctor as doctor_module

    if not doctor_module.check(context(c, o)):
        raise Exit(code=1)


def clean(c: InvokeContext, o: Values) -> None:
    """Delete build folders; downloads stay unless asked.

    One target, the build Python, or all (--what); --downloads deletes the download cache too.
    """
    from wasmbuild import clean as clean_module

    clean_module.clean(context(c, o), o["what"], downloads=o["downloads"])


def setup(c: InvokeContext, o: Values) -> None:
    """Install what this machine lacks for the build.

    System packages on Debian/Ubuntu, as root.
    """
    from wasmbuild import provision

    provision.setup_for(o["for_command"] or "", clean_room=o["clean_room"],
                        dry_run=bool(c.config.run.dry))


def fresh(c: InvokeContext, o: Values) -> None:
    """Run the README's quick start in a clean Debian root.

    The clean room: a Debian root made from nothing, the committed HEAD cloned into it, and the
    README's quick-start commands run there as written, each phase timed.
    """
    from wasmbuild import provision
    from wasmbuild.cleanroom import room

    dry_run = bool(c.config.run.dry)
    provision.setup(dry_run=dry_run, purposes=("clean-room",))
    report = room.fresh(room.Options(o["debian"], o["command"], o["keep"], o["downloads"],
                                     o["then"]), dry_run=dry_run, update=o["update"])
    if not report.ok:
        raise Exit(code=1)


def docs(c: InvokeContext, o: Values) -> None:
    """Regenerate the documents written from data.

    docs/emscripten-fixes.md from the rules in Tools/wasm/versions.toml, docs/matrix.md's table
    from docs/matrix.json and what changed since each row's commit (docs/limits.md comes from a
    probe: `wasm.limits --update`).
    """
    from wasmbuild import fixes_doc, matrix_report
    from wasmbuild.core.generated import regenerate
    from wasmbuild.versions import config

    versions = config.load()
    regenerate([fixes_doc.generated(versions), matrix_report.generated(versions)], check=o["check"],
               dry_run=bool(c.config.run.dry))


def matrix(c: InvokeContext, o: Values) -> None:
    """Show where each declared test session stands.

    In docs/matrix.md: passed, stale, not recorded; and the nox runs that bring it up to date.
    --run runs them, each with --record.
    """
    from wasmbuild import matrix_runs

    matrix_runs.show_or_run(every=o["all"], match=o["match"], run_them=o["run"],
                            dry_run=bool(c.config.run.dry))


namespace = Collection()
wasm = Collection("wasm")
for body in (build_python, ports, deps, node, browser, answers, wasi, run, pip, extension, test,
             test_browser, limits, serve, clean, dist, doctor, setup, fresh, docs, matrix):
    wasm.add_task(wasm_task(body))
namespace.add_collection(wasm)
