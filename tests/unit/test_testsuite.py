"""The sharded test runner against a fake `node python.js -m test` that passes, fails, hangs
and crashes on demand; expectations, verdicts, JUnit and the summary."""

from __future__ import annotations

import io
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from wasmbuild.core.errors import ConfigError
from wasmbuild.core.shell import Runner
from wasmbuild.testing import expectations, test_modules, testsuite
from wasmbuild.testing.expectations import Expectation, Expectations
from wasmbuild.testing.testsuite import ModuleResult, RunOptions

FAKE_REGRTEST = """#!@PYTHON@
import sys, time
args = sys.argv[1:]
junit = args[args.index("--junit-xml") + 1]
module = args[-1]
def write(cases):
    body = "".join(f'<testcase name="test.{module}.T.{n}" status="run">{extra}</testcase>'
                   for n, extra in cases)
    open(junit, "w").write(f"<testsuites><testsuite>{body}</testsuite></testsuites>")
if module == "test_pass":
    write([("test_a", ""), ("test_b", ""), ("test_c", "<skipped/>")]); sys.exit(0)
if module == "test_fail":
    write([("test_a", ""), ("test_b", '<failure message="AssertionError: 1 != 2&#10;more">tb</failure>')])
    print("1 test failed"); sys.exit(2)
if module == "test_skipall":  # a whole-module skip, as regrtest reports it
    print(f"{module} skipped -- requires socket support"); print(f"{module} skipped")
    print("1 test skipped:"); write([]); sys.exit(0)
if module == "test_skipeach":  # every test skipped one by one
    write([("test_a", "<skipped>requires subprocess support</skipped>"),
           ("test_b", "<skipped>requires subprocess support</skipped>"),
           ("test_c", "<skipped>No module named 'winreg'</skipped>")]); sys.exit(0)
if module == "test_skipsetup":  # setUpModule skipped: no test case in the report at all
    print("setUpModule (test.test_skipsetup) ... skipped 'filesystem lacks largefile support'")
    print("Ran 0 tests in 0.001s"); print("OK (skipped=1)"); write([]); sys.exit(0)
if module == "test_doctests":  # 3.11 reports no case for a doctest suite
    print("doctest (test.test_doctests) ... 117 tests with zero failures")
    print("Ran 1 test in 0.2s"); print("OK"); write([]); sys.exit(0)
if module == "test_rundoctest":  # support.run_doctest: no unittest summary at all
    print("doctest (test.test_rundoctest) ... 117 tests with zero failures")
    print("1 test OK."); write([]); sys.exit(0)
if module == "test_noimport":  # 3.13: a module that fails to import leaves no report
    print("ModuleNotFoundError: No module named '_testinternalcapi'")
    print("test_noimport failed (uncaught exception)"); print("Result: FAILURE"); sys.exit(2)
if module == "test_hang":
    time.sleep(600)
if module == "test_onehangs":  # one test hangs; the others pass
    if "test.test_onehangs.T.test_stuck" not in args:
        time.sleep(600)
    write([("test_a", "")]); sys.exit(0)
if module == "test_crash":
    print("Aborted(RuntimeError: unreachable)"); sys.exit(7)
"""


@pytest.fixture
def fake_node(tmp_path: Path) -> list[str]:
    script = tmp_path / "fake-node"
    script.write_text(FAKE_REGRTEST.replace("@PYTHON@", sys.executable))
    script.chmod(0o755)
    return [str(script), "python.js"]


def run(fake_node: list[str], tmp_path: Path, modules: list[str], expected: Expectations,
        **options: object) -> tuple[list[ModuleResult], expectations.Verdict, str]:
    out = io.StringIO()
    tree = tmp_path / "Lib" / "test"
    tree.mkdir(parents=True, exist_ok=True)
    for module in modules:
        (tree / f"{module.split('.')[0]}.py").touch()
    results, verdict = testsuite.run_suite(
        fake_node, tmp_path, tmp_path / "results", expected,
        RunOptions(tests=tuple(modules), **options), Runner(tmp_path, out=out))  # type: ignore[arg-type]
    return results, verdict, out.getvalue()


def no_expectations(tmp_path: Path) -> Expectations:
    return Expectations(tmp_path / "none.toml", {}, {})


def test_statuses_are_told_apart(fake_node: list[str], tmp_path: Path) -> None:
    results, verdict, _ = run(fake_node, tmp_path,
                              ["test_pass", "test_fail", "test_hang", "test_crash"],
                              no_expectations(tmp_path), jobs=4, timeout=3)
    by_name = {r.module: r for r in results}
    assert by_name["test_pass"].status == "passed"
    assert (by_name["test_pass"].tests, by_name["test_pass"].skipped) == (3, 1)
    assert by_name["test_fail"].status == "failed"
    assert by_name["test_fail"].failed_tests == ["test.test_fail.T.test_b"]
    assert by_name["test_hang"].status == "timeout"
    assert by_name["test_hang"].duration < 30
    assert by_name["test_crash"].status == "crash"
    assert "Aborted(" in by_name["test_crash"].note
    assert sorted(verdict.new_failures) == [
        "test.test_fail.T.test_b: new FAILURE", "test_crash: new CRASH", "test_hang: new TIMEOUT"]


def test_results_are_written_as_they_arrive(fake_node: list[str], tmp_path: Path) -> None:
    run(fake_node, tmp_path, ["test_pass", "test_fail"], no_expectations(tmp_path), jobs=1)
    lines = (tmp_path / "results" / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["module"] for line in lines] == ["test_pass", "test_fail"]
    suites = ET.parse(tmp_path / "results" / "junit.xml").getroot()
    assert [s.get("name") for s in suites] == ["test_pass", "test_fail"]
    assert suites[1].find("testcase/failure") is not None


def test_expected_results_pass_and_fixes_are_reported(fake_node: list[str], tmp_path: Path) -> None:
    expected = Expectations(tmp_path / "e.toml",
                            {"test_crash": Expectation("crash", "abort in the runtime"),
                             "test_hang": Expectation("hang", "clock bug")},
                            {"test.test_fail.T.test_b": Expectation("fail"),
                             "test.test_pass.T.test_a": Expectation("fail", "was broken")})
    _, verdict, _ = run(fake_node, tmp_path, ["test_pass", "test_fail", "test_crash"], expected,
                        jobs=2)
    assert verdict.ok, verdict.new_failures
    assert verdict.unexpected_passes == ["test.test_pass.T.test_a: expected to fail, passed"]


def test_a_module_the_tree_lacks_is_refused_with_the_close_name(fake_node: list[str],
                                                                tmp_path: Path) -> None:
    (tmp_path / "Lib" / "test").mkdir(parents=True)
    (tmp_path / "Lib" / "test" / "test_str.py").touch()
    (tmp_path / "Lib" / "test" / "test_pass.py").touch()
    with pytest.raises(ConfigError) as caught:
        testsuite.run_suite(fake_node, tmp_path, tmp_path / "results", no_expectations(tmp_path),
                            RunOptions(tests=("test_pass", "test_strr")),
                            Runner(tmp_path, out=io.StringIO()))
    assert "no test module test_strr in" in str(caught.value)
    assert caught.value.fix == "did you mean test_strr -> test_str"
    assert not (tmp_path / "results").exists()


def test_known_hangs_are_not_run_unless_asked(fake_node: list[str], tmp_path: Path) -> None:
    expected = Expectations(tmp_path / "e.toml", {"test_hang": Expectation("hang", "clock")}, {})
    out = io.StringIO()
    source = tmp_path / "src"
    (source / "Lib" / "test").mkdir(parents=True)
    for name in ("test_pass.py", "test_hang.py"):
        (source / "Lib" / "test" / name).write_text("")
    results, verdict = testsuite.run_suite(fake_node, source, tmp_path / "results", expected,
                                           RunOptions(timeout=2), Runner(tmp_path, out=out))
    assert {r.module: r.status for r in results} == {"test_hang": "not-run", "test_pass": "passed"}
    assert "not running test_hang: expected hang: clock" in out.getvalue()
    assert verdict.ok


def test_update_writes_expectations_that_then_pass(fake_node: list[str], tmp_path: Path) -> None:
    path = tmp_path / "expectations.toml"
    old = Expectations(path, {"test_crash": Expectation("crash", "known abort", "https://x/1")}, {})
    results, _, _ = run(fake_node, tmp_path, ["test_pass", "test_fail", "test_crash"], old, jobs=3)
    expectations.write_expectations(path, results, old, "generated\nby a test")
    reloaded = Expectations.load(path)
    assert reloaded.modules["test_crash"] == Expectation("crash", "known abort", "https://x/1")
    assert reloaded.tests["test.test_fail.T.test_b"].status == "fail"
    assert expectations.judge(results, reloaded).ok
    # new entries start with what the run saw, to be replaced by the why
    fresh = Expectations(path, {}, {})
    expectations.write_expectations(path, results, fresh, "header")
    drafted = Expectations.load(path)
    assert drafted.tests["test.test_fail.T.test_b"].reason == "AssertionError: 1 != 2"
    assert drafted.modules["test_crash"] == Expectation(
        "crash", "Aborted(RuntimeError: unreachable)")


def test_summary_has_totals(fake_node: list[str], tmp_path: Path) -> None:
    results, _, _ = run(fake_node, tmp_path, ["test_pass", "test_fail"], no_expectations(tmp_path))
    table = testsuite.summary_table(results)
    assert "total (2 modules)" in table
    assert "modules: 1 passed, 0 skipped, 1 failed, 0 timeout, 0 crash, 0 not-run" in table


def test_run_arguments() -> None:
    options = testsuite.parse_run_args(["-j", "3", "--timeout", "60", "test_os", "-x", "test_time"])
    assert (options.jobs, options.timeout, options.tests, options.exclude) == (
        3, 60.0, ("test_os",), ("test_time",))
    with pytest.raises(ConfigError, match="bad test-run arguments"):
        testsuite.parse_run_args(["--jobs", "many"])


def test_discover_finds_modules_and_packages(tmp_path: Path) -> None:
    test_dir = tmp_path / "Lib" / "test"
    (test_dir / "test_json").mkdir(parents=True)
    (test_dir / "test_json" / "__init__.py").write_text("")
    (test_dir / "test_os.py").write_text("")
    (test_dir / "support").mkdir()
    (test_dir / "test_data").mkdir()  # not a package: no __init__.py
    assert test_modules.discover(tmp_path) == ["test_json", "test_os"]


def test_flaky_modules_accept_any_outcome_and_survive_updates(fake_node: list[str],
                                                              tmp_path: Path) -> None:
    path = tmp_path / "e.toml"
    old = Expectations(path, {"test_hang": Expectation("flaky", "hangs now and then"),
                              "test_crash": Expectation("hang", "not run by default")}, {})
    results, verdict, _ = run(fake_node, tmp_path, ["test_hang"], old, timeout=2)
    assert results[0].status == "timeout"
    assert verdict.ok
    source = tmp_path / "src"
    (source / "Lib" / "test").mkdir(parents=True)
    (source / "Lib" / "test" / "test_crash.py").write_text("")
    not_run, _ = testsuite.run_suite(fake_node, source, tmp_path / "r2", old, RunOptions(),
                                     Runner(tmp_path, out=io.StringIO()))
    expectations.write_expectations(path, [*results, *not_run], old, "header")
    assert Expectations.load(path).modules == old.modules


def test_a_module_that_ran_no_test_is_skipped_with_its_reason(fake_node: list[str],
                                                              tmp_path: Path) -> None:
    expected = Expectations(tmp_path / "e.toml", {"test_skipall": Expectation("fail", "old")}, {})
    results, verdict, out = run(fake_node, tmp_path, ["test_pass", "test_skipall", "test_skipeach"],
                                expected, jobs=2)
    by_name = {r.module: r for r in results}
    assert by_name["test_pass"].status == "passed"  # 2 of its 3 tests ran
    assert by_name["test_skipall"].status == "skipped"
    assert by_name["test_skipall"].note == "requires socket support"
    assert (by_name["test_skipeach"].status, by_name["test_skipeach"].note) == (
        "skipped", "every test skipped: requires subprocess support; No module named 'winreg'")
    # a module that newly runs no test is a deviation (a lost extension module looks like this)
    assert verdict.new_failures == [
        "test_skipeach: new SKIP (every test skipped: requires subprocess support; "
        "No module named 'winreg')"]
    assert verdict.unexpected_passes == ["test_skipall: expected to fail, skipped"]
    assert "SKIPPED  test_skipall" in out and "(requires socket support)" in out
    suites = ET.parse(tmp_path / "results" / "junit.xml").getroot()
    skipped = {s.get("name"): s.find("testcase/skipped") for s in suites}
    assert skipped["test_skipall"] is not None
    assert skipped["test_skipall"].get("message") == "requires socket support"
    assert skipped["test_pass"] is None
    summary = testsuite.summary_table(results)
    assert "modules: 1 passed, 2 skipped, 0 failed, 0 timeout, 0 crash, 0 not-run" in summary


def test_a_module_that_does_not_import_is_a_failure_not_a_crash(fake_node: list[str],
                                                                tmp_path: Path) -> None:
    results, _, _ = run(fake_node, tmp_path, ["test_noimport", "test_crash"], no_expectations(tmp_path))
    by_name = {r.module: r for r in results}
    assert (by_name["test_noimport"].status, by_name["test_noimport"].messages) == (
        "failed", {"test_noimport": "ModuleNotFoundError: No module named '_testinternalcapi'"})
    assert by_name["test_crash"].status == "crash"


def test_the_verbose_log_counts_what_the_junit_report_leaves_out(fake_node: list[str],
                                                                 tmp_path: Path) -> None:
    results, _, _ = run(fake_node, tmp_path, ["test_skipsetup", "test_doctests", "test_rundoctest"],
                        no_expectations(tmp_path))
    by_name = {r.module: r for r in results}
    assert (by_name["test_skipsetup"].status, by_name["test_skipsetup"].note) == (
        "skipped", "every test skipped: filesystem lacks largefile support")
    assert (by_name["test_doctests"].status, by_name["test_doctests"].tests) == ("passed", 1)
    assert (by_name["test_rundoctest"].status, by_name["test_rundoctest"].tests) == ("passed", 117)


def test_whole_module_skips_are_recorded_with_their_reason(fake_node: list[str],
                                                           tmp_path: Path) -> None:
    path = tmp_path / "e.toml"
    results, _, _ = run(fake_node, tmp_path, ["test_pass", "test_skipall"], Expectations.load(path))
    expectations.write_expectations(path, results, Expectations.load(path), "header")
    written = Expectations.load(path)
    assert written.modules == {"test_skipall": Expectation("skip", "requires socket support")}
    assert written.not_to_run(run_known_hangs=False) == {}  # a skip is still run
    _, verdict, _ = run(fake_node, tmp_path, ["test_pass", "test_skipall"], written)
    assert verdict.ok and not verdict.unexpected_passes
    _, verdict, _ = run(fake_node, tmp_path, ["test_skipall"], Expectations(
        path, {"test_skipall": Expectation("skip", "old reason")}, {}))
    assert verdict.ok
    _, verdict, _ = run(fake_node, tmp_path, ["test_pass"], Expectations(
        path, {"test_pass": Expectation("skip", "no sockets")}, {}))
    assert verdict.ok and verdict.unexpected_passes == [
        "test_pass: expected to be skipped, now passed"]


def test_a_test_known_to_hang_is_left_out_of_its_module(fake_node: list[str],
                                                        tmp_path: Path) -> None:
    stuck = "test.test_onehangs.T.test_stuck"
    expected = Expectations(tmp_path / "e.toml", {}, {stuck: Expectation("hang", "waits")})
    results, verdict, _ = run(fake_node, tmp_path, ["test_onehangs"], expected, timeout=5)
    assert [(r.status, r.tests) for r in results] == [("passed", 1)]
    assert verdict.ok
    # --run-known-hangs runs it (and the module times out); an update keeps the entry.
    results, _, _ = run(fake_node, tmp_path, ["test_onehangs"], expected, timeout=2,
                        run_known_hangs=True)
    assert results[0].status == "timeout"
    written = tmp_path / "written.toml"
    expectations.write_expectations(written, results, expected, "header")
    assert Expectations.load(written).tests[stuck].status == "hang"


def test_an_outcome_that_depends_on_the_node_release_is_judged_per_release(tmp_path: Path) -> None:
    from wasmbuild.testing import expectations
    from wasmbuild.testing.testsuite import ModuleResult

    path = tmp_path / "e.toml"
    path.write_text('[modules]\ntest_call = { status = "crash", reason = "stack", '
                    'node_below = "22" }\ntest_grp = { status = "skip", reason = "no grp" }\n'
                    '[tests]\n')
    loaded = expectations.Expectations.load(path)
    assert loaded.depends_on_node
    passed, crashed = ModuleResult("test_call", "passed", tests=5), ModuleResult("test_call", "crash")
    skipped = ModuleResult("test_grp", "skipped", note="no grp")
    old_node, new_node = loaded.under_node("20.19.0"), loaded.under_node("24.21.0")
    assert expectations.judge([crashed, skipped], old_node).ok
    assert not expectations.judge([crashed, skipped], new_node).ok  # a crash is news there
    quiet = expectations.judge([passed, skipped], new_node)
    assert quiet.ok and quiet.unexpected_passes == []  # passing is what Node 24 should do
    assert expectations.judge([passed, skipped], old_node).unexpected_passes == [
        "test_call: expected crash, now passed"]
    expectations.write_expectations(path, [passed, skipped], new_node, "header")
    rewritten = expectations.Expectations.load(path)  # Node 20's entry survives a Node 24 update
    assert rewritten.modules["test_call"] == loaded.modules["test_call"]


def test_an_error_in_set_up_is_drafted_from_its_last_exception_line(tmp_path: Path) -> None:
    from wasmbuild.testing import regrtest_report

    junit = tmp_path / "junit.xml"
    junit.write_text(
        "<testsuites><testsuite>"
        '<testcase name="test.test_x.A.test_one"><error>Traceback (most recent call last):\n'
        '  File "unix_events.py", line 105, in add_signal_handler\n'
        "FileNotFoundError: [Errno 44] No such file or directory\n\n"
        "During handling of the above exception, another exception occurred:\n\n"
        "Traceback (most recent call last):\n"
        "RuntimeError: [Errno 44] No such file or directory\n</error></testcase>"
        '<testcase name="test.test_x.A.test_two"><failure message="AssertionError: 1 != 2">'
        "Traceback (most recent call last):\nAssertionError: 1 != 2</failure></testcase>"
        "</testsuite></testsuites>")
    assert regrtest_report.junit_failure_messages(junit) == {
        "test.test_x.A.test_one": "RuntimeError: [Errno 44] No such file or directory",
        "test.test_x.A.test_two": "AssertionError: 1 != 2"}
