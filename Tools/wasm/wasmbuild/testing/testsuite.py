"""CPython's test suite on a wasm build, sharded over host processes (`invoke wasm.test`).

Subprocesses don't exist inside the wasm runtime, so regrtest's own `-j` can't help. Instead
each test module runs in its own `node python.js -m test <module>` process, N at a time:

* a module that runs past its timeout is killed and recorded as TIMEOUT, one that kills the
  runtime (an abort, a trap) as CRASH; the run goes on either way;
* results are appended as they arrive (results.jsonl) and the JUnit XML is rewritten after
  each module, so a run that is killed keeps what it finished;
* the run is judged against the expected results (expectations.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from ..core import procs
from ..core.errors import ConfigError, WasmBuildError
from ..core.shell import Command, Runner
from .expectations import (
    Expectations,
    Verdict,
    judge,
)
from .regrtest_report import (
    RESOURCES,
    fixture_skip_reasons,
    junit_failure_messages,
    junit_skip_reasons,
    last_error_line,
    parse_junit,
    regrtest_args,
    skip_reason,
    unittest_counts,
)
from .regrtest_report import STATUSES as STATUSES
from .regrtest_report import ModuleResult as ModuleResult
from .test_modules import check_names, discover, expand

DEFAULT_TIMEOUT = 120.0  # far above the slowest module's time; a hang costs two minutes
# regrtest exit codes that mean "regrtest itself ran to the end"
REGRTEST_OK, REGRTEST_FAILED, REGRTEST_ENV_CHANGED, REGRTEST_NO_TESTS = 0, 2, 3, 4
REGRTEST_DONE = re.compile(r"^(?:Tests r|R)esult: FAILURE", re.M)  # its last line, 3.11 / 3.13
# What a runtime says as it dies: Emscripten's abort, V8's and Firefox's stack overflows.
CRASH_MARKERS = ("Aborted(", "RuntimeError: ", "RangeError: Maximum call stack",
                 "InternalError: too much recursion", "FATAL ERROR")


class TestRunFailed(WasmBuildError):
    exit_code = 8


def classify(module: str, exit_code: int | None, timed_out: bool, junit: Path, log: Path,
             duration: float) -> ModuleResult:
    result = ModuleResult(module, "passed", round(duration, 2), exit_code=exit_code, log=str(log))
    if junit.is_file():
        try:
            (result.tests, result.failures, result.errors, result.skipped,
             result.failed_tests) = parse_junit(junit)
        except ET.ParseError:
            result.note = "unreadable JUnit file"
    if timed_out:
        result.status = "timeout"
        return result
    tail = log.read_text(errors="replace")[-8000:] if log.is_file() else ""
    if exit_code in (REGRTEST_OK, REGRTEST_ENV_CHANGED, REGRTEST_NO_TESTS):
        result.status = "passed"
        if exit_code == REGRTEST_ENV_CHANGED:
            result.note = "environment changed"
        if result.tests == 0:  # no test case in the report: read the verbose log
            result.tests, result.skipped = unittest_counts(tail)
        if result.tests == result.skipped:  # no test ran: not a pass
            result.status = "skipped"
            each = junit_skip_reasons(junit) if junit.is_file() else []
            each = each or fixture_skip_reasons(tail)
            result.note = skip_reason(tail, module) or "every test skipped" + (
                f": {'; '.join(each[:2])}" if each else "")
    elif exit_code == REGRTEST_FAILED and (junit.is_file() or REGRTEST_DONE.search(tail)):
        # regrtest ran to its end: a failure, even when the module did not import (no report)
        result.status = "failed"
        result.messages = junit_failure_messages(junit) if junit.is_file() else {}
        if not result.failed_tests:
            result.failed_tests = [module]
            result.messages = {module: last_error_line(tail)}
    elif any(marker in tail for marker in CRASH_MARKERS) or not junit.is_file():
        result.status = "crash"
        line = next((ln for ln in reversed(tail.splitlines())
                     if any(m in ln for m in CRASH_MARKERS)), "")
        result.note = line.strip()[:200]
    else:
        result.status = "failed"
        result.failed_tests = result.failed_tests or [module]
        result.messages = {module: last_error_line(tail)}
    return result


def write_junit(path: Path, results: Sequence[ModuleResult]) -> None:
    suites = ET.Element("testsuites")
    for r in results:
        suite = ET.SubElement(suites, "testsuite", name=r.module, tests=str(max(r.tests, 1)),
                              failures=str(r.failures), errors=str(r.errors),
                              skipped=str(r.skipped), time=f"{r.duration:.2f}")
        case = ET.SubElement(suite, "testcase", classname=r.module, name=r.module,
                             time=f"{r.duration:.2f}")
        if r.status in ("timeout", "crash"):
            ET.SubElement(case, "error", message=f"{r.status}: {r.note}".strip(": "))
        elif r.status == "failed":
            failure = ET.SubElement(case, "failure", message=f"{len(r.failed_tests)} failed")
            failure.text = "\n".join(r.failed_tests)
        elif r.status in ("not-run", "skipped"):
            ET.SubElement(case, "skipped", message=r.note)
    tmp = path.with_name(path.name + ".tmp")
    ET.ElementTree(suites).write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, path)


def summary_table(results: Sequence[ModuleResult]) -> str:
    header = f"{'module':32} {'status':8} {'tests':>6} {'failed':>6} {'skipped':>7} {'time':>8}"
    lines = [header, "-" * len(header)]
    totals = {"tests": 0, "failed": 0, "skipped": 0, "time": 0.0}
    for r in sorted(results, key=lambda r: r.module):
        failed = r.failures + r.errors
        lines.append(f"{r.module:32} {r.status:8} {r.tests:>6} {failed:>6} {r.skipped:>7} "
                     f"{r.duration:>7.1f}s")
        totals["tests"] += r.tests
        totals["failed"] += failed
        totals["skipped"] += r.skipped
        totals["time"] += r.duration
    counts = {s: sum(1 for r in results if r.status == s) for s in STATUSES}
    lines.append("-" * len(header))
    lines.append(f"{'total (' + str(len(results)) + ' modules)':32} {'':8} {totals['tests']:>6} "
                 f"{totals['failed']:>6} {totals['skipped']:>7} {totals['time']:>7.1f}s")
    lines.append("modules: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines)


@dataclass(frozen=True)
class RunOptions:
    tests: tuple[str, ...] = ()
    jobs: int = os.cpu_count() or 1
    timeout: float = DEFAULT_TIMEOUT
    update_expectations: bool = False
    run_known_hangs: bool = False
    exclude: tuple[str, ...] = ()
    record: bool = False
    """Write the session's row of docs/matrix.md (matrix_report.py) when the whole suite passes."""


def parse_run_args(args: Sequence[str]) -> RunOptions:
    """Options after `--` (shared by `invoke wasm.test` and `nox -s test_node`)."""
    parser = argparse.ArgumentParser(prog="wasm.test --", add_help=False, exit_on_error=False)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    parser.add_argument("--update-expectations", action="store_true")
    parser.add_argument("--run-known-hangs", action="store_true")
    parser.add_argument("-x", "--exclude", action="append", default=[])
    parser.add_argument("--record", action="store_true")
    parser.add_argument("tests", nargs="*")
    try:
        ns = parser.parse_args(list(args))
    except (argparse.ArgumentError, SystemExit) as exc:
        raise ConfigError(f"bad test-run arguments {' '.join(args)!r}: {exc}",
                          fix="use: [-j N] [--timeout SECONDS] [--update-expectations] "
                          "[--run-known-hangs] [--record] [-x MODULE] [test_module ...]") from None
    if ns.jobs < 1 or ns.timeout <= 0:
        raise ConfigError("--jobs and --timeout must be positive", fix="e.g. -j 2 --timeout 600")
    if ns.record and (ns.tests or ns.exclude or ns.update_expectations):
        raise ConfigError("--record records a run of the whole suite against its expectations",
                          fix="drop the module names, -x and --update-expectations, or --record")
    return RunOptions(tuple(ns.tests), ns.jobs, ns.timeout, ns.update_expectations,
                      ns.run_known_hangs, tuple(ns.exclude), ns.record)


def run_one(node_prefix: Sequence[str], module: str, results_dir: Path, timeout: float,
            cwd: Path, ignore: Sequence[str] = ()) -> ModuleResult:
    logs, junits, temps = (results_dir / d for d in ("logs", "junit", "tmp"))
    for d in (logs, junits, temps / module):
        d.mkdir(parents=True, exist_ok=True)
    log, junit = logs / f"{module}.log", junits / f"{module}.xml"
    junit.unlink(missing_ok=True)
    argv = [*node_prefix, *regrtest_args(module, str(junit), str(temps / module), ignore)]
    started = time.monotonic()
    with log.open("wb") as sink:
        sink.write(f"### {' '.join(argv)}\n".encode())
        sink.flush()
        code, timed_out, _ = procs.run(argv, cwd=cwd, sink=sink, timeout=timeout)
        if timed_out:
            sink.write(f"\n### killed after {timeout:.0f} s\n".encode())
    return classify(module, code, timed_out, junit, log, time.monotonic() - started)


def run_suite(
    node_prefix: Sequence[str],
    source_dir: Path,
    results_dir: Path,
    expectations: Expectations,
    options: RunOptions,
    runner: Runner,
    *,
    run_module: Callable[[str, Sequence[str]], ModuleResult] | None = None,
) -> tuple[list[ModuleResult], Verdict]:
    if options.tests and not runner.dry_run:
        check_names(options.tests, discover(source_dir), source_dir)
    modules = expand(options.tests, source_dir) or discover(source_dir)
    skipped = expectations.not_to_run(options.run_known_hangs)
    if options.tests:
        skipped = {}  # asked for by name: run it
    todo = [m for m in modules if m not in skipped and m not in options.exclude
            and m.split(".")[0] not in options.exclude]
    results: list[ModuleResult] = [
        ModuleResult(m, "not-run", note=f"expected {e.status}: {e.reason}".strip(": "))
        for m, e in skipped.items() if m in modules]
    runner.heading(f"test suite: {len(todo)} modules, {options.jobs} at a time, "
                   f"timeout {options.timeout:.0f} s each")
    example = [*node_prefix, "-m", "test", "-v", "-u", RESOURCES, todo[0] if todo else "test_x"]
    runner.show(Command.of(*example, cwd=source_dir))
    for r in results:
        runner.note(f"not running {r.module}: {r.note}")
    if runner.dry_run:
        return results, Verdict()
    results_dir.mkdir(parents=True, exist_ok=True)
    jsonl = results_dir / "results.jsonl"
    # Longest modules first, from the last run's timings, so the shards finish together.
    previous = _previous_durations(jsonl)
    todo.sort(key=lambda m: -previous.get(m, 0.0))
    jsonl.unlink(missing_ok=True)
    lock = threading.Lock()
    done = [0]
    one = run_module or (lambda m, ignore: run_one(node_prefix, m, results_dir,
                                                   options.timeout, results_dir, ignore))

    def record(module: str) -> None:
        result = one(module, expectations.tests_not_to_run(module, options.run_known_hangs))
        with lock:
            results.append(result)
            done[0] += 1
            with jsonl.open("a") as f:
                f.write(json.dumps(asdict(result)) + "\n")
            write_junit(results_dir / "junit.xml", results)
            mark = f" ({result.note})" if result.note and result.status != "passed" else ""
            runner.say(f"[{done[0]:>3}/{len(todo)}] {result.status.upper():8} {module} "
                       f"{result.duration:.1f}s{mark}")

    if options.jobs == 1:  # in this thread: some module runners (Playwright) are thread-bound
        for module in todo:
            record(module)
    else:
        with ThreadPoolExecutor(max_workers=options.jobs) as pool:
            list(pool.map(record, todo))
    return results, judge(results, expectations)


def _previous_durations(path: Path) -> dict[str, float]:
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        try:
            data = json.loads(line)
            out[data["module"]] = float(data["duration"])
        except (ValueError, KeyError):
            continue
    return out
