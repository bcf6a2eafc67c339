"""Running things on a built target, written once over the target interface (targets/):
CPython's test suite (`wasm.test`, `wasm.test-browser`) and the limits probe (`wasm.limits`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from . import matrix_report, targets
from .core.errors import ConfigError
from .core.layout import TargetName
from .targets import registry
from .testing import expectations, limits, test_modules, testsuite
from .toolchains.context import Context


def run_tests(ctx: Context, target: TargetName, args: Sequence[str]) -> list[testsuite.ModuleResult]:
    """CPython's test suite on the `target` build (every module unless some are named); fails
    only on deviations from expectations."""
    chosen = registry.get(target)
    options = testsuite.parse_run_args(args)
    if options.record and ctx.cpython.release is None:
        raise ConfigError("--record records runs of a pinned release (a session of `nox -l`)",
                          fix="use --python-version, or drop --record")
    started = time.monotonic()
    # The commit the run reads its expectations and runner code at: a commit made while the
    # suite runs must not be the row's, or a change the run never saw would look tested.
    commit = matrix_report.commit_of()
    chosen.provide_runtime(ctx)
    runtime = chosen.runtime(ctx)
    results_dir = ctx.results_dir(target, runtime)
    variant = ctx.variant(target)
    expectations_file = chosen.expectations_file(ctx)
    expected = expectations.Expectations.load(expectations_file)
    if expected.depends_on_node:  # some outcomes hold under some Node releases only
        expected = expected.under_node(ctx.node.version)
    modules = test_modules.expand(options.tests, ctx.source_dir) or test_modules.discover(
        ctx.source_dir)
    with chosen.suite_runner(ctx, modules, options.timeout, results_dir, options.jobs) as suite:
        options = dataclasses.replace(options, jobs=min(options.jobs, suite.jobs))
        ctx.runner.note(f"expected results: {ctx.runner.path(expectations_file)}")
        results, verdict = testsuite.run_suite(suite.shown, ctx.source_dir, results_dir, expected,
                                               options, ctx.runner, run_module=suite.run_module)
    if ctx.dry_run:
        return results
    ctx.runner.say("\n" + testsuite.summary_table(results))
    ctx.runner.note(f"logs and JUnit XML: {ctx.runner.path(results_dir)}")
    for line in verdict.unexpected_passes:
        ctx.runner.note(f"unexpected pass: {line}")
    if options.update_expectations:
        toolchain = (f"Emscripten {ctx.emscripten.version}" if chosen.emscripten
                     else ctx.toolchain_label(target))
        header = (f"Expected results of CPython {ctx.cpython.version}'s test suite on the {variant} "
                  f"build, {toolchain}{chosen.where(ctx)}.\n"
                  "Regenerate with `-- --update-expectations` after the test task; reasons and "
                  "links are kept.\nstatus: fail (test or module fails), hang (killed at the "
                  "timeout; not run by default), crash (kills the runtime), flaky (any "
                  "outcome is accepted), skip (no test of the module runs, for the reason "
                  "regrtest gives).")
        expectations.write_expectations(expectations_file, results, expected, header)
        ctx.runner.note(f"wrote {ctx.runner.path(expectations_file)}")
    elif verdict.ok and options.record:
        session = chosen.session(ctx)
        matrix_report.record(session, _row(results, time.monotonic() - started, commit),
                             ctx.versions)
        ctx.runner.note(f"recorded {session} in {ctx.runner.path(matrix_report.DOCUMENT)}")
    elif not verdict.ok:
        shown = verdict.new_failures[:15]
        more = len(verdict.new_failures) - len(shown)
        raise testsuite.TestRunFailed(
            f"{len(verdict.new_failures)} deviation(s) from the expected results: "
            + "; ".join(shown) + (f"; and {more} more" if more > 0 else ""),
            fix=f"read the logs in {ctx.runner.path(results_dir / 'logs')}; if the change "
            "is expected, rerun with `-- --update-expectations` and commit the file",
        )
    return results


def _row(results: Sequence[testsuite.ModuleResult], seconds: float,
         commit: str) -> matrix_report.Row:
    count = {s: sum(1 for r in results if r.status == s) for s in testsuite.STATUSES}
    return matrix_report.Row(matrix_report.today(), commit, count["passed"],
                             count["skipped"], count["failed"], count["timeout"], count["crash"],
                             sum(r.tests for r in results), round(seconds / 60, 1))


def probe_limits(ctx: Context, names: Sequence[TargetName], *, update: bool = False,
                 check: bool = False) -> str:
    """Run Lib/wasm_limits.py's checks on the built targets; returns the Markdown table."""
    chosen = [registry.get(name) for name in names]
    groups = limits.group_of()
    findings: dict[str, list[limits.Finding]] = {}
    for target in chosen:
        column = target.limits_column(ctx)
        ctx.runner.heading(f"limitations: each check in a fresh {target.name} runtime"
                           f"{target.where(ctx)}")
        with target.check_runner(ctx, limits.CHECK_TIMEOUT) as run_check:
            if not ctx.dry_run:
                jobs = ctx.options.jobs if target.parallel_checks else 1
                findings[column] = _probe(run_check, groups, jobs)
        # Measured from outside the runtime, as a person interrupts it: not a check of the
        # probe, which runs inside Python.
        status, detail = target.keyboard_interrupt(ctx)
        if not ctx.dry_run:
            findings[column].append(limits.Finding(limits.KEYBOARD_CHECK, "signals", status,
                                                   detail))
    if ctx.dry_run:
        return ""
    by_toolchain: dict[str, dict[str, list[limits.Finding]]] = {}
    for target in chosen:  # the WASI build's findings are kept under its toolchain
        key = ctx.emscripten.version if target.emscripten else ctx.toolchain_label(target.name)
        column = target.limits_column(ctx)
        by_toolchain.setdefault(key, {})[column] = findings[column]
    table = limits.render(limits.columns(by_toolchain), limits.toolchains_text(list(by_toolchain)),
                          ctx.cpython.version)
    ctx.runner.say("\n" + table)
    stored = limits.load()
    cpython = ctx.cpython.version
    if update:
        by_version = stored.setdefault(cpython, {})
        for key, probed in by_toolchain.items():
            by_version[key] = {**by_version.get(key, {}), **probed}
        limits.store(stored)
        limits.write_table(limits.render_stored(stored))
        ctx.runner.note(f"updated the limitations table in {ctx.runner.path(limits.TABLE_FILE)} "
                        f"(CPython {cpython}, {', '.join(by_toolchain)}; findings in "
                        f"{ctx.runner.path(limits.DATA_FILE)})")
    elif check:
        for key, probed in by_toolchain.items():
            recorded = stored.get(cpython, {}).get(key, {})
            known = {t: [f.cell for f in items] for t, items in recorded.items()}
            if any(known.get(t) != [f.cell for f in items] for t, items in probed.items()):
                raise ConfigError(f"docs/limits.json's findings for CPython {cpython} with {key} "
                                  "differ from a fresh probe",
                                  fix=f"run `invoke wasm.limits --python-version {cpython} "
                                  "--update` for the same targets and commit docs/limits.json "
                                  "and docs/limits.md")
    return table


def _probe(check: Callable[[str], targets.CheckRun], groups: dict[str, str],
           jobs: int) -> list[limits.Finding]:
    def one(name: str) -> limits.Finding:
        run = check(name)
        if run.timed_out:  # "hangs" is said only of a check that hangs twice: not of a busy machine
            run = check(name)
        return limits.finding_from(name, groups.get(name, "?"), run.output, run.status,
                                   run.timed_out)

    if jobs == 1:
        return [one(name) for name in groups]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, groups))
