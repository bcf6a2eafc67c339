"""Expected results of the test suite: one file per Emscripten version and target
(Tools/wasm/expectations/), the verdict of a run against it, and rewriting it from a run.

A run fails only on a deviation: a new failure, a new timeout or crash, or a module that now runs
no test at all (a lost extension module makes whole test modules skip). Unexpected passes are
reported, so fixes show too. An entry may hold under some Node releases only (node_from,
node_below). Statuses: fail, hang (not run by default), crash, flaky (any
outcome accepted), skip (regrtest skips the whole module; the reason is the one it gives).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..versions.config import TOOLS_WASM, minor_version
from .regrtest_report import ModuleResult

EXPECTATIONS_DIR = TOOLS_WASM / "expectations"


@dataclass(frozen=True)
class Expectation:
    status: str  # fail, hang, crash, flaky (any outcome accepted), skip (every test skipped)
    reason: str = ""
    link: str = ""
    node_from: str = ""
    """With node_below: the entry holds under these Node majors only (from inclusive, below
    exclusive); under the others the module is expected to pass, and a run that says otherwise
    deviates. For outcomes that depend on the runtime, e.g. a stack the Node release sizes."""
    node_below: str = ""

    def holds_under(self, node_version: str) -> bool:
        major = int(node_version.split(".")[0])
        return ((not self.node_from or major >= int(self.node_from))
                and (not self.node_below or major < int(self.node_below)))


@dataclass
class Expectations:
    path: Path
    modules: dict[str, Expectation]
    tests: dict[str, Expectation]
    elsewhere: dict[str, Expectation] = field(default_factory=dict)
    """Entries of the file that hold under other Node releases than this run's."""

    @classmethod
    def load(cls, path: Path) -> Expectations:
        if not path.is_file():
            return cls(path, {}, {})
        data = tomllib.loads(path.read_text())
        return cls(path,
                   {k: Expectation(**v) for k, v in data.get("modules", {}).items()},
                   {k: Expectation(**v) for k, v in data.get("tests", {}).items()})

    @property
    def depends_on_node(self) -> bool:
        return any(e.node_from or e.node_below
                   for e in [*self.modules.values(), *self.tests.values()])

    def under_node(self, node_version: str) -> Expectations:
        """The entries that hold under this Node release; the others stay in `elsewhere`, for
        write_expectations to keep."""
        def split(entries: dict[str, Expectation]) -> tuple[dict[str, Expectation], dict[str, Expectation]]:
            here = {k: e for k, e in entries.items() if e.holds_under(node_version)}
            return here, {k: e for k, e in entries.items() if k not in here}
        modules, other_modules = split(self.modules)
        tests, other_tests = split(self.tests)
        return Expectations(self.path, modules, tests, {**other_modules, **other_tests})

    def not_to_run(self, run_known_hangs: bool) -> dict[str, Expectation]:
        if run_known_hangs:
            return {}
        return {m: e for m, e in self.modules.items() if e.status == "hang"}

    def tests_not_to_run(self, module: str, run_known_hangs: bool) -> list[str]:
        """Tests of `module` that hang (regrtest --ignore leaves them out): one hanging test
        would otherwise cost the whole module's results at the timeout."""
        if run_known_hangs:
            return []
        return sorted(t for t, e in self.tests.items() if e.status == "hang" and _in_module(t, module))


@dataclass
class Verdict:
    new_failures: list[str] = field(default_factory=list)
    unexpected_passes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.new_failures


def expectations_path(cpython_version: str, emscripten_version: str, target: str) -> Path:
    """Per CPython feature release (its test suite), Emscripten version and target variant:
    expectations/cpython-3.11/emscripten-3.1.6-node.toml."""
    minor = minor_version(cpython_version)
    return EXPECTATIONS_DIR / f"cpython-{minor}" / f"emscripten-{emscripten_version}-{target}.toml"


def judge(results: Iterable[ModuleResult], expected: Expectations) -> Verdict:
    verdict = Verdict()
    for r in results:
        if r.status == "not-run":
            continue
        module_exp = expected.modules.get(r.module)
        if module_exp is not None and module_exp.status == "flaky":
            continue  # any outcome is accepted; the summary still shows what happened
        if r.status in ("timeout", "crash"):
            wanted = "hang" if r.status == "timeout" else "crash"
            if module_exp is None or module_exp.status != wanted:
                verdict.new_failures.append(f"{r.module}: new {r.status.upper()}")
            continue
        if r.status == "skipped" and (module_exp is None or module_exp.status not in ("skip", "fail")):
            verdict.new_failures.append(f"{r.module}: new SKIP ({r.note})")
            continue
        if module_exp is not None and module_exp.status == "skip" and r.status != "skipped":
            verdict.unexpected_passes.append(f"{r.module}: expected to be skipped, now {r.status}")
        if module_exp is not None and module_exp.status in ("hang", "crash"):
            verdict.unexpected_passes.append(f"{r.module}: expected {module_exp.status}, "
                                             f"now {r.status}")
        if r.status == "failed":
            for test in r.failed_tests:
                known = expected.tests.get(test)
                if (known is None or known.status != "fail") and not (
                        test == r.module and module_exp is not None and module_exp.status == "fail"):
                    verdict.new_failures.append(f"{test}: new FAILURE")
        failed = set(r.failed_tests)
        for test, exp in expected.tests.items():
            if exp.status == "fail" and _in_module(test, r.module) and test not in failed \
                    and r.status in ("passed", "failed"):
                verdict.unexpected_passes.append(f"{test}: expected to fail, passed")
        if module_exp is not None and module_exp.status == "fail" and \
                r.status in ("passed", "skipped"):
            verdict.unexpected_passes.append(f"{r.module}: expected to fail, {r.status}")
    return verdict


# Causes a test's first error line shows plainly: a new entry's draft reason starts with the
# cause, then the line itself. (Everything else keeps the bare line, for a person to explain.)
KNOWN_CAUSES = (
    ("can't start new thread", "no threads in this build (only --profile threads has them)"),
    ("does not support processes", "no subprocesses on this platform"),
    ("[Errno 138] Not supported", "no listening socket: Emscripten's sockets are WebSockets, "
     "which cannot accept while Python runs (runtime_guards.js)"),
    ("[Errno 23] Host is unreachable", "no outgoing connection: a WebSocket cannot open while "
     "Python runs (runtime_guards.js)"),
    ("No module named '_ssl'", "no ssl module in the build"),
    ("has no attribute 'AF_UNIX'", "no Unix sockets on Emscripten"),
    ("has no attribute 'SO_REUSEADDR'", "socket options Emscripten does not define"),
    ("Function not implemented", "a system call Emscripten does not implement"),
    ("[Errno 1] Argument list too long", "no child processes: 6.0.5's waitpid() stub fails "
     "with errno 1 (E2BIG in Emscripten's numbering; 3.1.69 says ENOSYS)"),
    ("Protocol not available", "a socket option Emscripten does not support"),
    ("Name does not resolve", "Emscripten's resolver knows only its own table of names"),
    ("Unrecognized service", "Emscripten's resolver knows no service names"),
    ("RuntimeError not raised by add_signal_handler",
     "Emscripten lets a handler be set for SIGKILL, which Linux refuses"),
    ("No module named '", "a module this build does not have"),
)


def draft_reason(message: str) -> str:
    cause = next((why for seen, why in KNOWN_CAUSES if seen in message), "")
    return f"{cause}: {message}" if cause and message else message


def _in_module(test_id: str, module: str) -> bool:
    return test_id == module or test_id.startswith((f"test.{module}.", f"{module}."))


def write_expectations(path: Path, results: Sequence[ModuleResult], old: Expectations,
                       header: str) -> None:
    """The expectations a run implies; reasons and links of entries that remain are kept. A new
    entry starts with what the run saw (the error line, the crash, regrtest's skip reason): a
    draft to replace with the why."""
    lines = [f"# {line}" for line in header.splitlines()] + ["", "[modules]"]
    status_of = {"timeout": "hang", "crash": "crash"}
    modules: dict[str, Expectation] = {}
    for r in results:
        previous = old.modules.get(r.module)
        if previous is not None and (previous.status == "flaky" or r.status == "not-run"):
            modules[r.module] = previous  # curated by hand, or not run this time
            continue
        if r.status in status_of:
            kept = old.modules.get(r.module, Expectation(status_of[r.status]))
            modules[r.module] = Expectation(status_of[r.status], kept.reason or r.note, kept.link)
        elif r.status == "skipped":
            was = old.modules.get(r.module)
            reason = was.reason if was is not None and was.status == "skip" else r.note
            modules[r.module] = Expectation("skip", reason, was.link if was else "")
        elif r.status == "failed" and r.failed_tests == [r.module]:
            kept = old.modules.get(r.module, Expectation("fail"))
            modules[r.module] = Expectation(
                "fail", kept.reason or draft_reason(r.messages.get(r.module, "")), kept.link)
    ran = {r.module for r in results if r.status != "not-run"}
    for name, exp in old.elsewhere.items():  # entries for other Node releases stay as they are
        if not name.startswith("test."):
            modules.setdefault(name, exp)
    for name, exp in old.modules.items():  # modules this run did not touch keep their entry
        if name not in ran and not any(m.startswith(f"{name}.") for m in ran):
            modules[name] = exp  # (a package now run as its submodules is touched)
    for name in sorted(modules):
        key = name if name.replace("_", "").isalnum() else json.dumps(name)  # a.b: quoted
        lines.append(f"{key} = {_toml_inline(modules[name])}")
    lines += ["", "[tests]"]
    tests: dict[str, Expectation] = {}
    for r in results:
        if r.status == "failed" and r.failed_tests != [r.module]:
            for test in r.failed_tests:
                kept = old.tests.get(test, Expectation("fail"))
                tests[test] = Expectation(
                    "fail", kept.reason or draft_reason(r.messages.get(test, "")), kept.link)
    for name, exp in old.tests.items():  # hangs were left out of the run: they stay
        if exp.status == "hang" or not any(_in_module(name, m) for m in ran):
            tests[name] = exp
    for name, exp in old.elsewhere.items():
        if name.startswith("test."):
            tests.setdefault(name, exp)
    for name in sorted(tests):
        lines.append(f"{json.dumps(name)} = {_toml_inline(tests[name])}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def _toml_inline(exp: Expectation) -> str:
    parts = [f"status = {json.dumps(exp.status)}"]
    if exp.reason:
        parts.append(f"reason = {json.dumps(exp.reason)}")
    if exp.link:
        parts.append(f"link = {json.dumps(exp.link)}")
    for key in ("node_from", "node_below"):
        if getattr(exp, key):
            parts.append(f"{key} = {json.dumps(getattr(exp, key))}")
    return "{ " + ", ".join(parts) + " }"
