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
import json
import os
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import procs
from .errors import CommandFailed, ConfigError, Interrupted
from .roots import Roots
from .shell import Command, render, tail

QUICK_START_HEADING = "## Quick start"
DOCUMENT = "docs/clean-room.md"
README_BEGIN = "<!-- clean-room:begin -->"
README_END = "<!-- clean-room:end -->"
CLONE_INSIDE = "/root/cpython-wasm"
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


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    status: str = "not run"
    """ok, failed, or not run."""


@dataclass
class Report:
    release: str
    number: str
    commit: str
    started: str
    phases: list[Phase] = field(default_factory=list)
    failure: list[str] = field(default_factory=list)
    commands: str = ""
    """Which quick-start commands the run covers: "1 and 2 of 2", "1 of 2"."""
    then: int = 0
    """How many commands ran after the quick start (--then)."""

    @property
    def ok(self) -> bool:
        return all(p.status == "ok" for p in self.phases if p.status != "not run")

    @property
    def title(self) -> str:
        return f"Debian {self.number} ({self.release})"

    def table(self) -> str:
        rows = ["| phase | wall time | result |", "|---|---:|---|"]
        for phase in self.phases:
            rows.append(f"| {phase.name} | {_minutes(phase.seconds)} | {phase.status} |")
        total = sum(p.seconds for p in self.phases)
        rows.append(f"| **total** | **{_minutes(total)}** | {'ok' if self.ok else 'failed'} |")
        return "\n".join(rows)


def _minutes(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{seconds:.1f} s"


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


def run(roots: Roots, options: Options) -> Report:
    """Make a new root of `options.release`, run the quick start inside, report each phase."""
    runner = roots.runner
    checkout = roots.layout.root
    release = roots.release(options.release)
    commit = "HEAD" if runner.dry_run else checkout_commit(checkout)
    quick = read_quick_start(committed_readme(checkout, commit))
    commands = quick.commands[:options.commands] if options.commands else quick.commands
    started = datetime.datetime.now(datetime.UTC)
    report = Report(release.name, release.number, commit[:12], f"{started:%Y-%m-%d %H:%M} UTC",
                    commands=f"{' and '.join(str(n) for n in range(1, len(commands) + 1))} "
                    f"of {len(quick.commands)}", then=len(options.then))
    stamp = f"{started:%Y%m%d-%H%M%S}"
    root = roots.folder / "run" / f"{release.name}-{stamp}"
    results = roots.layout.clean_room(release.name)
    runner.heading(f"clean room: Debian {release.number} ({release.name}) made from nothing, "
                   f"the README's quick start run in it, commit {commit[:12]}")
    if not runner.dry_run and uncommitted_changes(checkout):
        runner.note("uncommitted changes are not in the clean room: it clones the committed HEAD")
    ro_binds: dict[Path, str] = {}
    env: dict[str, str] = {}
    if options.downloads and roots.layout.downloads.is_dir():
        ro_binds[roots.layout.downloads] = MIRROR_INSIDE
        env["CPYTHON_WASM_MIRROR"] = MIRROR_INSIDE

    def enter(argv: Sequence[str], cwd: str = "/root") -> Command:
        return roots.enter(root, argv, cwd=cwd, ro_binds=ro_binds, env=env)

    phases: list[tuple[str, Sequence[Command]]] = []
    premise = " ".join(quick.premise)
    phases.append((f"newcomer's machine: `apt-get install {premise}`", [
        enter(["apt-get", "update", "-q"]),
        enter(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q",
               "--no-install-recommends", *quick.premise]),
    ]))
    clone_host = Path(f"{root}{CLONE_INSIDE}")
    phases.append(("clone of the committed HEAD", [
        Command.of("git", "clone", "--quiet", "--no-hardlinks", checkout, clone_host,
                   cwd=checkout),
        Command.of("git", "-C", clone_host, "checkout", "--quiet", "--detach", commit,
                   cwd=checkout),
    ]))
    for number, text in enumerate(commands, 1):
        phases.append((f"README command {number}", [enter(["bash", "-c", text], cwd=CLONE_INSIDE)]))
    for text in options.then:
        phases.append((f"then: `{text}`", [enter(["bash", "-c", text], cwd=CLONE_INSIDE)]))

    if not runner.dry_run:
        results.mkdir(parents=True, exist_ok=True)
        for old in results.glob("*.log"):
            old.unlink()
    done = 0
    try:
        began = time.monotonic()
        tarball = roots.pristine(release.name)
        roots.unpack(tarball, root)
        report.phases.append(Phase("root: a new minimal Debian root", time.monotonic() - began, "ok"))
        for done, (name, steps) in enumerate(phases, 1):
            runner.heading(f"clean room: {name}")
            log = results / f"{done}-{_slug(name)}.log"
            began = time.monotonic()
            for command in steps:
                runner.show(command)
                if runner.dry_run:
                    continue
                code, marks = _run_streaming(command, log)
                if marks and name.startswith("README command"):
                    # bootstrap.py's own setup, before the command proper, is a phase of its own
                    report.phases.append(Phase(f"{name}: setup (.venv, system packages)",
                                               marks[0], "ok"))
                    began += marks[0]
                    name = f"{name}: the rest"
                if code != 0:
                    report.phases.append(Phase(name, time.monotonic() - began, "failed"))
                    report.failure = tail(log, TAIL_LINES)
                    raise CommandFailed(
                        f"clean room, Debian {release.number} ({release.name}): {name} failed "
                        f"with status {code}",
                        command=render(command, checkout), cwd=command.cwd, log=log,
                        tail=report.failure,
                        fix="fix the cause, commit, and run again (`--keep` leaves the root to "
                        "inspect)")
            report.phases.append(Phase(name, time.monotonic() - began, "ok"))
    except KeyboardInterrupt:
        raise Interrupted("interrupted", fix="run it again") from None
    finally:
        report.phases += [Phase(name) for name, _ in phases[done:]]  # after a failure
        if not runner.dry_run:
            _write_report(results, report)
            runner.say("\n" + report.table())
            runner.note(f"logs and report: {runner.path(results)}")
            if options.keep:
                runner.note(f"the root is kept at {root}; enter it with:")
                runner.say(render(roots.enter(root, ["bash"], cwd=CLONE_INSIDE,
                                              ro_binds=ro_binds, env=env), checkout))
            elif root.exists():
                roots.remove(root)
    return report


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
                    print(f"#   {_minutes(now)}: {line.rstrip()[:100]}", flush=True)
                    last_note = time.monotonic()
            code = proc.wait()
        except BaseException:
            procs.stop(proc)
            raise
    return code, marks


def _write_report(folder: Path, report: Report) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
    (folder / "report.md").write_text(readme_section(report) + "\n")


def readme_section(report: Report) -> str:
    then = f", then {report.then} more" if report.then else ""
    return (f"**{report.title}**, commit `{report.commit}`, {report.started}, "
            f"{os.cpu_count()} CPUs, README {_commands(report.commands)}{then}:\n\n"
            f"{report.table()}")


def _commands(covered: str) -> str:
    return f"commands {covered}" if " and " in covered else f"command {covered}"


def update_document(document: Path, report: Report, order: Sequence[str]) -> None:
    """Put this release's section between the clean-room markers, keeping the other releases'
    (sections in the order of `order`, the releases known to versions.toml)."""
    text = document.read_text()
    if README_BEGIN not in text or README_END not in text:
        raise ConfigError(f"{document.name} has no {README_BEGIN} ... {README_END} markers",
                          fix="put them where the clean-room results belong")
    start, end = text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END)
    sections: dict[str, str] = {}
    for chunk in re.split(r"\n(?=\*\*Debian )", text[start:end].strip()):
        match = re.match(r"\*\*Debian \S+ \((\w+)\)\*\*", chunk)
        if match:
            sections[match.group(1)] = chunk.strip()
    sections[report.release] = readme_section(report)
    body = "\n\n".join(sections[name] for name in sorted(
        sections, key=lambda n: order.index(n) if n in order else len(order)))
    document.write_text(text[:start] + "\n" + body + "\n" + text[end:])
