"""regrtest for one test module: its command line, what it reports (its JUnit XML file and its
verbose log), and the result recorded for it (ModuleResult)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("passed", "skipped", "failed", "timeout", "crash", "not-run")
"""passed: ran tests, none failed; skipped: ran no test (regrtest skipped the whole module, or
every test in it), with regrtest's reason in the note."""


@dataclass
class ModuleResult:
    module: str
    status: str  # one of STATUSES
    duration: float = 0.0
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    failed_tests: list[str] = field(default_factory=list)
    exit_code: int | None = None
    log: str = ""
    note: str = ""
    messages: dict[str, str] = field(default_factory=dict)
    """What each failed test (or the module, failing whole) said: the first line of its error."""


def parse_junit(path: Path) -> tuple[int, int, int, int, list[str]]:
    """(tests, failures, errors, skipped, failed test ids) from regrtest's --junit-xml file."""
    root = ET.parse(path).getroot()
    tests = failures = errors = skipped = 0
    failed: list[str] = []
    for case in root.iter("testcase"):
        tests += 1
        if case.find("failure") is not None:
            failures += 1
            failed.append(case.get("name", "?"))
        elif case.find("error") is not None:
            errors += 1
            failed.append(case.get("name", "?"))
        elif case.find("skipped") is not None or case.get("status") == "skipped":
            skipped += 1
    return tests, failures, errors, skipped, failed


def junit_skip_reasons(path: Path) -> list[str]:
    """The reasons tests were skipped for, most frequent first."""
    try:
        cases = ET.parse(path).getroot().iter("testcase")
    except ET.ParseError:
        return []
    reasons = Counter((skip.text or skip.get("message") or "").strip()
                      for case in cases if (skip := case.find("skipped")) is not None)
    return [reason for reason, _ in reasons.most_common() if reason]


def unittest_counts(log_tail: str) -> tuple[int, int]:
    """(tests, skipped) from unittest's verbose summary (`Ran N tests`, `OK (skipped=K)`) and
    doctest's; a skipped setUpModule/setUpClass counts as one skip."""
    ran = sum(int(n) for n in re.findall(r"^Ran (\d+) tests? in ", log_tail, flags=re.M))
    # doctests run by support.run_doctest (3.11's test_pep646_syntax) report only this line
    ran = ran or sum(int(n) for n in re.findall(r"^doctest \(.+?\) \.\.\. (\d+) tests with zero failures",
                                          log_tail, flags=re.M))
    skipped = sum(int(n) for n in re.findall(r"^(?:OK|FAILED) \(.*?skipped=(\d+)", log_tail,
                                              flags=re.M))
    return max(ran, skipped), skipped


def fixture_skip_reasons(log_tail: str) -> list[str]:
    """Reasons a setUpModule or setUpClass skipped, from the verbose log."""
    found = re.findall(r"^setUp(?:Module|Class) \(.+?\) \.\.\. skipped ['\"](.*)['\"]$", log_tail,
                       flags=re.M)
    return list(dict.fromkeys(found))


def skip_reason(log_tail: str, module: str) -> str:
    """regrtest's reasons for skipping `module` (or its sub-modules): `test_x skipped -- why`."""
    reasons = re.findall(rf"^{re.escape(module)}(?:\.\S+)? skipped -- (.+)$", log_tail, flags=re.M)
    return "; ".join(dict.fromkeys(r.strip() for r in reasons))


def junit_failure_messages(path: Path) -> dict[str, str]:
    """The first line of each failed or erroring test's message: test id -> message. An error
    whose message is its whole traceback (one raised in setUp) gives its last exception line."""
    try:
        cases = ET.parse(path).getroot().iter("testcase")
    except ET.ParseError:
        return {}
    found = {}
    for case in cases:
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            message = (problem.get("message") or problem.text or "").strip()
            if message.startswith("Traceback (most recent call last):"):
                message = last_error_line(message) or message
            found[case.get("name", "?")] = message.splitlines()[0][:200] if message else ""
    return found


def last_error_line(log_tail: str) -> str:
    """The last exception line of a log (`SomeError: what`), for a module that failed whole."""
    lines = re.findall(r"^(?:\w+\.)*\w*(?:Error|Exception|Exit|Interrupt)\b.*$", log_tail, flags=re.M)
    # unittest's own summary of import errors says less than the errors it summarises
    causes = [line for line in lines if "errors while loading tests" not in line]
    return (causes or lines)[-1].strip()[:200] if lines else ""


RESOURCES = "all,-cpu,-network,-urlfetch"


# Test modules that skip themselves whole where sockets don't work, only because asyncio's
# standard event loop needs a socket pair; the builds' own loop (Lib/wasm_site/wasm_asyncio.py)
# needs none, so they run, and a test that does need a socket fails with the OSError it gets.
ASYNCIO_MODULES = ("test_asyncio", "test_asyncgen", "test_contextlib_async")
# regrtest with test.support.requires_working_socket(module=True) made a no-op; the form
# that marks a single test still skips it.
LIFT_MODULE_SOCKET_SKIP = (
    "import test.support as s; r = s.requires_working_socket; "
    "s.requires_working_socket = lambda module=False: None if module else r(); "
    "from test.libregrtest.main import main; main()")


def regrtest_args(module: str, junit: str, tempdir: str | None = None,
                  ignore: Sequence[str] = ()) -> list[str]:
    """`-m test` for one module. Verbose, so the log says what the JUnit report leaves out: a
    skip in setUpModule (no test case at all) and the doctests CPython 3.11 does not report.
    `ignore`: test ids left out (tests known to hang)."""
    where = ["--tempdir", tempdir] if tempdir else []
    start = (["-c", LIFT_MODULE_SOCKET_SKIP] if module.split(".")[0] in ASYNCIO_MODULES
             else ["-m", "test"])
    left_out = [arg for test in ignore for arg in ("--ignore", test)]
    return [*start, "-v", *where, "--junit-xml", junit, "-u", RESOURCES, *left_out, module]
