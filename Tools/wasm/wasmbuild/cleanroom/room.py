"""The clean room: the README's quick start, run as written, on a Debian machine made from nothing.

A new root of the release (roots.py) gets what the README says a newcomer has (the packages
named in the quick-start heading, e.g. `python3` and `git`), a clone of the checkout's committed
HEAD, and then the quick-start commands, read from the README's block, one after the other.
Nothing of the host's `.venv`, `builddir`, caches or installed packages is visible inside; only
its network trust and routing (roots.py). Each phase is timed; a failure ends the run with the
last lines of its output.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import procs
from ..core.errors import CommandFailed, ConfigError, Interrupted
from ..core.layout import CHECKOUT, Layout
from ..core.shell import Command, Runner, render, tail
from ..toolchains.roots import Roots, choose_tools
from ..versions import config
from .report import DOCUMENT, Phase, Report, minutes, update_document, write_report

QUICK_START_HEADING = "## Quick start"
CLONE_INSIDE = "/root/cpython-wasm"
ARTIFACTS = "test-artifacts"  # where a failed e2e test leaves its evidence (tests/e2e)
MIRROR_INSIDE = "/mnt/host-downloads"
TAIL_LINES = 30
# Printed by Tools/wasm/bootstrap.py when setting up is done and the command proper starts: it
# splits command 1's time into "setup" and the build.
SETUP_DONE_MARKER = re.compile(r"^# running: ")


@dataclass(frozen=True)
class QuickStart:
    premise: tuple[str, ...]
    """Debian packages the README assumes a newcomer has."""
    commands: tuple[str, ...]


def read_quick_start(readme: str) -> QuickStart:
    """The quick-start heading's backquoted package names and its first ```sh block's commands."""
    lines = readme.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(QUICK_START_HEADING)), None)
    if start is None:
        raise ConfigError(f"README.md has no '{QUICK_START_HEADING}' section",
                          fix="keep the quick start under that heading: the clean room reads it")
    premise = tuple(re.findall(r"`([^`]+)`", lines[start]))
    try:
        opening = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("```"))
        closing = next(i for i in range(opening + 1, len(lines)) if lines[i].startswith("```"))
    except StopIteration:
        raise ConfigError("README.md's quick start has no ``` code block",
                          fix="put the commands in a ```sh block under the heading") from None
    commands: list[str] = []
    pending = ""
    for line in lines[opening + 1:closing]:
        text = line.strip()
        if not text or (text.startswith("#") and not pending):
            continue
        if text.endswith("\\"):
            pending += text[:-1].rstrip() + " "
            continue
        commands.append(pending + text)
        pending = ""
    if not commands:
        raise ConfigError("README.md's quick-start block holds no command",
                          fix="put the quick-start commands in the block")
    return QuickStart(premise, tuple(commands))


@dataclass(frozen=True)
class Options:
    release: str
    commands: int | None = None
    """Run only the first N quick-start commands (None: all)."""
    keep: bool = False
    downloads: bool = False
    """Show the host's download cache read-only as a mirror folder (saves bandwidth)."""
    then: tuple[str, ...] = ()
    """Commands run in the same root after the quick start, in the clone (CI runs its whole-suite
    session there, on the build command 1 made, instead of building it again elsewhere)."""


def checkout_commit(checkout: Path) -> str:
    out = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise ConfigError(f"{checkout} is not a git checkout with a commit",
                          fix="the clean room clones the committed HEAD: commit first")
    return out.stdout.strip()


def committed_readme(checkout: Path, commit: str) -> str:
    """README.md as committed: the clean room runs what a clone gets, not local edits."""
    if commit == "HEAD" and not (checkout / ".git").exists():
        return (checkout / "README.md").read_text()
    out = subprocess.run(["git", "-C", str(checkout), "show", f"{commit}:README.md"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise ConfigError(f"README.md is not committed in {checkout}",
                          fix="commit it: the clean room runs the committed quick start")
    return out.stdout


def uncommitted_changes(checkout: Path) -> bool:
    out = subprocess.run(["git", "-C", str(checkout), "status", "--porcelain",
                          "--untracked-files=no"], capture_output=True, text=True)
    return bool(out.stdout.strip())


@dataclass(frozen=True)
class Room:
    """One run's root and what it is entered with."""

    roots: Roots
    root: Path
    ro_binds: dict[Path, str]
    env: dict[str, str]

    def enter(self, argv: Sequence[str], cwd: str = "/root") -> Command:
        return self.roots.enter(self.root, argv, cwd=cwd, ro_binds=self.ro_binds, env=self.env)


Phases = list[tuple[str, Sequence[Command]]]


def run(roots: Roots, options: Options) -> Report:
    """Make a new root of `options.release`, run the quick start inside, report each phase."""
    runner, checkout = roots.runner, roots.layout.root
    release = roots.release(options.release)
    commit = "HEAD" if runner.dry_run else checkout_commit(checkout)
    quick = read_quick_start(committed_readme(checkout, commit))
    commands = quick.commands[:options.commands] if options.commands else quick.commands
    started = datetime.datetime.now(datetime.UTC)
    report = Report(release.name, release.number, commit[:12], f"{started:%Y-%m-%d %H:%M} UTC",
                    commands=f"{' and '.join(str(n) for n in range(1, len(commands) + 1))} "
                    f"of {len(quick.commands)}", then=len(options.then))
    room = _room(roots, options, roots.folder / "run" / f"{release.name}-{started:%Y%m%d-%H%M%S}")
    results = roots.layout.clean_room(release.name)
    runner.heading(f"clean room: {report.title} made from nothing, the README's quick start "
                   f"run in it, commit {commit[:12]}")
    if not runner.dry_run and uncommitted_changes(checkout):
        runner.note("uncommitted changes are not in the clean room: it clones the committed HEAD")
    phases = _phases(room, quick, commands, options.then, checkout, commit)
    _clear_results(runner, results)
    done, has_root = 0, False
    try:
        began = time.monotonic()
        tarball = roots.pristine(release.name)
        has_root = True  # from here on there is a root to remove (a dry run shows it too)
        roots.unpack(tarball, room.root)
        report.phases.append(Phase("root: a new minimal Debian root", time.monotonic() - began, "ok"))
        for done, (name, steps) in enumerate(phases, 1):
            _run_phase(runner, report, name, steps, results / f"{done}-{_slug(name)}.log")
    except KeyboardInterrupt:
        raise Interrupted("interrupted", fix="run it again") from None
    finally:
        report.phases += [Phase(name) for name, _ in phases[done:]]  # after a failure
        _finish(room, report, results, keep=options.keep, has_root=has_root)
    return report


def fresh(options: Options, *, dry_run: bool = False, update: bool = False,
          checkout: Path = CHECKOUT) -> Report:
    """`invoke wasm.fresh`: `run` in roots made with this machine's tools; with `update` (and
    not in a dry run) the report goes into docs/clean-room.md."""
    runner = Runner(checkout, dry_run=dry_run)
    roots = Roots(config.load(), Layout.default(), runner, choose_tools(dry_run=dry_run))
    report = run(roots, options)
    if update and not dry_run:
        update_document(checkout / DOCUMENT, report, list(roots.versions.debian.releases))
    return report


def _room(roots: Roots, options: Options, root: Path) -> Room:
    ro_binds: dict[Path, str] = {}
    env: dict[str, str] = {}
    if options.downloads and roots.layout.downloads.is_dir():
        ro_binds[roots.layout.downloads] = MIRROR_INSIDE
        env["CPYTHON_WASM_MIRROR"] = MIRROR_INSIDE
    return Room(roots, root, ro_binds, env)


def _phases(room: Room, quick: QuickStart, commands: Sequence[str], then: Sequence[str],
            checkout: Path, commit: str) -> Phases:
    """What a newcomer does: install the premise, clone, run the commands (then CI's extra)."""
    premise = " ".join(quick.premise)
    clone_host = Path(f"{room.root}{CLONE_INSIDE}")
    phases: Phases = [
        (f"newcomer's machine: `apt-get install {premise}`", [
            room.enter(["apt-get", "update", "-q"]),
            room.enter(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q",
                        "--no-install-recommends", *quick.premise])]),
        ("clone of the committed HEAD", [
            Command.of("git", "clone", "--quiet", "--no-hardlinks", checkout, clone_host,
                       cwd=checkout),
            Command.of("git", "-C", clone_host, "checkout", "--quiet", "--detach", commit,
                       cwd=checkout)]),
    ]
    for number, text in enumerate(commands, 1):
        phases.append((f"README command {number}",
                       [room.enter(["bash", "-c", text], cwd=CLONE_INSIDE)]))
    for text in then:
        phases.append((f"then: `{text}`", [room.enter(["bash", "-c", text], cwd=CLONE_INSIDE)]))
    return phases


def _run_phase(runner: Runner, report: Report, name: str, steps: Sequence[Command],
               log: Path) -> None:
    """One phase, timed; README commands split bootstrap.py's setup off as a phase of its own."""
    runner.heading(f"clean room: {name}")
    began = time.monotonic()
    for command in steps:
        runner.show(command)
        if runner.dry_run:
            continue
        code, marks = _run_streaming(command, log)
        if marks and name.startswith("README command"):
            report.phases.append(Phase(f"{name}: setup (.venv, system packages)", marks[0], "ok"))
            began += marks[0]
            name = f"{name}: the rest"
        if code != 0:
            report.phases.append(Phase(name, time.monotonic() - began, "failed"))
            report.failure = tail(log, TAIL_LINES)
            raise CommandFailed(
                f"clean room, {report.title}: {name} failed with status {code}",
                command=render(command, runner.root), cwd=command.cwd, log=log,
                tail=report.failure,
                fix="fix the cause, commit, and run again (`--keep` leaves the root to inspect)")
    report.phases.append(Phase(name, time.monotonic() - began, "ok"))


def _clear_results(runner: Runner, results: Path) -> None:
    """The folder of this run's logs and report, without an earlier run's logs (they would
    read as this run's)."""
    def clear() -> None:
        results.mkdir(parents=True, exist_ok=True)
        for old in results.glob("*.log"):
            old.unlink()
        shutil.rmtree(results / ARTIFACTS, ignore_errors=True)

    shown = runner.path(results)
    runner.action(f"mkdir -p {shown} && rm -rf {shown}/*.log {shown}/{ARTIFACTS}", clear)


def _finish(room: Room, report: Report, results: Path, *, keep: bool, has_root: bool) -> None:
    runner = room.roots.runner
    # The report holds the phases' times and results, which a dry run does not have: like a
    # step's stamp, it is the run's record, written by a real run only.
    if not runner.dry_run:
        _keep_artifacts(runner, Path(f"{room.root}{CLONE_INSIDE}") / ARTIFACTS, results)
        write_report(results, report)
        runner.say("\n" + report.table())
        runner.note(f"logs and report: {runner.path(results)}")
        if keep:
            runner.note(f"the root is kept at {room.root}; enter it with:")
            runner.say(render(room.enter(["bash"], cwd=CLONE_INSIDE), runner.root))
    if has_root and not keep:
        room.roots.remove(room.root)


def _keep_artifacts(runner: Runner, artifacts: Path, results: Path) -> None:
    """What a failed test left to look at (a page's screenshot and console, say), copied out of
    the root before the root goes."""
    if not artifacts.is_dir():
        return
    kept = results / ARTIFACTS

    def copy() -> None:
        shutil.copytree(artifacts, kept, dirs_exist_ok=True)

    runner.action(f"cp -r {runner.path(artifacts)} {runner.path(kept)}", copy)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def _run_streaming(command: Command, log: Path) -> tuple[int, list[float]]:
    """Run `command` with its output appended to `log`, each line stamped with the seconds since
    the start; returns the exit status and when the setup-done marker was seen."""
    env = {**os.environ, **command.env}
    marks: list[float] = []
    started = time.monotonic()
    last_note = started
    with log.open("a", encoding="utf-8", errors="replace") as sink:
        sink.write(f"### {render(command, command.cwd)}\n")
        proc = procs.start(command.argv, cwd=command.cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                now = time.monotonic() - started
                sink.write(f"[{now:7.1f}s] {line}")
                sink.flush()
                if SETUP_DONE_MARKER.match(line):
                    marks.append(now)
                if time.monotonic() - last_note >= 60:
                    print(f"#   {minutes(now)}: {line.rstrip()[:100]}", flush=True)
                    last_note = time.monotonic()
            code = proc.wait()
        except BaseException:
            procs.stop(proc)
            raise
    return code, marks
