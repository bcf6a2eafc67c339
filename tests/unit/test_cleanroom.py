"""Debian roots and the clean room, with fake debootstrap, bwrap and apt-get (real git and tar)."""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from wasmbuild.cleanroom import report as cleanroom_report
from wasmbuild.cleanroom import room as cleanroom
from wasmbuild.core.errors import CommandFailed, ConfigError
from wasmbuild.core.layout import Layout
from wasmbuild.core.shell import Runner
from wasmbuild.toolchains import toolroots
from wasmbuild.toolchains.roots import Roots, RootTools, apt_sources, host_mirror, trust_environment
from wasmbuild.versions import config

from ..conftest import CHECKOUT

# apt-get in a fake root: logs its arguments; `install` records the packages as dpkg would.
FAKE_APT_GET = """#!/bin/sh
echo "apt-get $*" >> "$FAKE_ROOT/apt.log"
[ "$1" = install ] || exit 0
mkdir -p "$FAKE_ROOT/var/lib/dpkg"
for word in "$@"; do
  case $word in -*|install|*=*) ;; *) printf 'Package: %s\\nVersion: 1.0\\n\\n' "$word" \\
    >> "$FAKE_ROOT/var/lib/dpkg/status";; esac
done
"""

# debootstrap RELEASE DIR MIRROR: a "root" with the few programs the fake bwrap will run (it
# fails on a folder that exists, as an interrupted run's would).
FAKE_DEBOOTSTRAP = """#!@PYTHON@
import os, sys
from pathlib import Path
tree = Path(sys.argv[-2])
(tree / "etc" / "apt").mkdir(parents=True)
(tree / "usr" / "bin").mkdir(parents=True)
(tree / "root").mkdir()
(tree / "made-by").write_text(" ".join(sys.argv[1:]))
apt = tree / "usr" / "bin" / "apt-get"
apt.write_text(@APT_GET@)
apt.chmod(0o755)
""".replace("@APT_GET@", repr(FAKE_APT_GET))

# bwrap --dev-bind ROOT / ... --chdir DIR --clearenv --setenv K V ... ARGV: runs ARGV from ROOT/DIR
# with only the --setenv variables (and FAKE_ROOT, so fakes inside can find the root).
FAKE_BWRAP = """#!@PYTHON@
import os, subprocess, sys
args = sys.argv[1:]
takes = {"--bind": 2, "--dev-bind": 2, "--ro-bind": 2, "--setenv": 2, "--chdir": 1, "--dev": 1, "--proc": 1,
         "--uid": 1, "--gid": 1}
root, cwd, env, binds = None, "/", {}, []
while args and args[0].startswith("--"):
    option, n = args[0], takes.get(args[0], 0)
    values, args = args[1:1 + n], args[1 + n:]
    if option == "--dev-bind" and values[1] == "/":
        root = values[0]
    elif option in ("--bind", "--ro-bind"):
        binds.append(values)
    elif option == "--setenv":
        env[values[0]] = values[1]
    elif option == "--chdir":
        cwd = values[0]
with open(os.environ["FAKE_BWRAP_LOG"], "a") as log:
    log.write(repr({"env": env, "binds": binds, "argv": args}) + "\\n")
env["FAKE_ROOT"] = root
env["PATH"] = root + "/usr/bin:" + os.environ["PATH"]
sys.exit(subprocess.call(args, cwd=root + cwd, env=env))
"""


def write_fake(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace("@PYTHON@", sys.executable))
    path.chmod(0o755)


def git(folder: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


QUICK_START = """\
# A project

## Quick start (fresh Debian/Ubuntu, only `python3` and `git` installed)

```sh
# set up and build
echo "# running: the build" && echo built > made.txt
{second}
```

More text.
"""


@pytest.fixture
def room(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Roots, Path, io.StringIO]:
    bin_dir = tmp_path / "bin"
    write_fake(bin_dir / "debootstrap", FAKE_DEBOOTSTRAP)
    write_fake(bin_dir / "bwrap", FAKE_BWRAP)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_BWRAP_LOG", str(tmp_path / "bwrap.log"))
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    monkeypatch.setenv("VIRTUAL_ENV", "/host/.venv")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    git(checkout, "init", "-q")
    out = io.StringIO()
    layout = Layout(root=checkout, cache_root=tmp_path / "cache", builddir=checkout / "builddir")
    roots = Roots(config.load(), layout, Runner(checkout, out=out), RootTools("debootstrap", "bwrap"))
    return roots, checkout, out


def commit_readme(checkout: Path, second: str) -> None:
    (checkout / "README.md").write_text(QUICK_START.format(second=second))
    git(checkout, "add", "README.md")
    git(checkout, "commit", "-q", "-m", "readme")


def test_quick_start_is_read_from_the_readme() -> None:
    quick = cleanroom.read_quick_start(QUICK_START.format(second="make \\\n  test"))
    assert quick.premise == ("python3", "git")
    assert quick.commands == ('echo "# running: the build" && echo built > made.txt', "make test")


def test_the_projects_readme_has_a_quick_start_of_two_commands() -> None:
    quick = cleanroom.read_quick_start((CHECKOUT / "README.md").read_text())
    assert len(quick.commands) == 2
    assert all(c.startswith("python3 Tools/wasm/bootstrap.py ") for c in quick.commands)
    assert set(quick.premise) == {"python3", "git"}


def test_a_readme_without_a_quick_start_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="no '## Quick start' section"):
        cleanroom.read_quick_start("# title\n\ntext\n")


def test_the_mirror_comes_from_the_hosts_apt_sources(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPYTHON_WASM_DEBIAN_MIRROR", raising=False)
    deb822 = tmp_path / "sources.list.d"
    deb822.mkdir()
    (deb822 / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.corp.example/debian/\nSuites: bookworm\n")
    assert host_mirror("http://deb.debian.org/debian", [deb822]) == "http://mirror.corp.example/debian"
    one_line = tmp_path / "sources.list"
    one_line.write_text("deb [arch=amd64] http://other.example/debian trixie main\n")
    assert host_mirror("http://d/debian", [tmp_path / "none", one_line]) == "http://other.example/debian"
    assert host_mirror("http://d/debian/", [tmp_path / "none"]) == "http://d/debian"
    monkeypatch.setenv("CPYTHON_WASM_DEBIAN_MIRROR", "http://set.example/debian")
    assert host_mirror("http://d/debian", [deb822]) == "http://set.example/debian"


def test_apt_sources_are_those_of_a_new_install() -> None:
    versions = config.load()
    bookworm = apt_sources(versions.debian_release("bookworm"), "http://m/debian", "http://s/sec")
    assert bookworm.splitlines() == ["deb http://m/debian bookworm main",
                                     "deb http://m/debian bookworm-updates main",
                                     "deb http://s/sec bookworm-security main"]
    assert apt_sources(versions.debian_release("sid"), "http://m/debian", "x") == \
        "deb http://m/debian sid main\n"
    with pytest.raises(ConfigError, match="unknown Debian release 'buster'"):
        versions.debian_release("buster")


def test_only_trust_and_routing_variables_reach_a_root() -> None:
    host = {"https_proxy": "http://p:1", "NO_PROXY": "localhost", "SSL_CERT_FILE": "/c.crt",
            "PIP_INDEX_URL": "https://idx/simple", "VIRTUAL_ENV": "/v", "PATH": "/host/bin",
            "EMSDK": "/e", "CPYTHON_WASM_CACHE": "/c", "PIP_FIND_LINKS": "/opt/wheels"}
    assert trust_environment(host) == {"https_proxy": "http://p:1", "NO_PROXY": "localhost",
                                       "SSL_CERT_FILE": "/c.crt",
                                       "PIP_INDEX_URL": "https://idx/simple"}


def test_a_root_is_entered_with_a_new_environment(room: tuple[Roots, Path, io.StringIO],
                                                  tmp_path: Path) -> None:
    roots, _, _ = room
    shared = tmp_path / "shared"
    command = roots.enter(tmp_path / "r", ["make"], cwd="/work", binds=[shared],
                          ro_binds={tmp_path / "dl": "/mnt/dl"}, env={"A": "1"})
    argv = list(command.argv)
    assert argv[:4] == ["bwrap", "--dev-bind", str(tmp_path / "r"), "/"]
    assert argv[-1] == "make"
    assert ["--bind", str(shared), str(shared)] == argv[argv.index(str(shared)) - 1:][:3]
    assert ["--ro-bind", str(tmp_path / "dl"), "/mnt/dl"] == \
        argv[argv.index(str(tmp_path / "dl")) - 1:][:3]
    pairs = {argv[i + 1]: argv[i + 2] for i, word in enumerate(argv) if word == "--setenv"}
    assert pairs["HOME"] == "/root" and pairs["A"] == "1"
    assert pairs["https_proxy"] == "http://proxy.example:3128"
    assert "VIRTUAL_ENV" not in pairs
    assert argv.index("--clearenv") < argv.index("--setenv")


def test_the_clean_room_runs_the_committed_quick_start(room: tuple[Roots, Path, io.StringIO]) -> None:
    roots, checkout, out = room
    commit_readme(checkout, "test -f made.txt && echo tested")
    (checkout / "README.md").write_text("uncommitted edits are not what the clean room runs\n")
    report = cleanroom.run(roots, cleanroom.Options("bookworm"))
    assert report.ok, out.getvalue()
    names = [p.name for p in report.phases]
    assert names == ["root: a new minimal Debian root",
                     "newcomer's machine: `apt-get install python3 git`",
                     "clone of the committed HEAD",
                     "README command 1: setup (.venv, system packages)",
                     "README command 1: the rest",
                     "README command 2"]
    assert all(p.status == "ok" for p in report.phases)
    text = out.getvalue()
    assert "uncommitted changes are not in the clean room" in text
    assert "| **total** |" in text
    # the pristine tarball stays for the next run of the day; the unpacked root is gone
    tarballs = list((roots.folder).glob("debian-bookworm-*.tar"))
    assert len(tarballs) == 1
    assert not any((roots.folder / "run").iterdir())
    results = roots.layout.builddir / "clean-room" / "bookworm"
    saved = json.loads((results / "report.json").read_text())
    assert saved["commit"] == git(checkout, "rev-parse", "HEAD")[:12]
    logs = sorted(p.name for p in results.glob("*.log"))
    assert any("readme-command-2" in name for name in logs)
    assert "tested" in next(results.glob("*readme-command-2*.log")).read_text()
    bwrap_calls = [eval(line) for line in (roots.layout.root.parent / "bwrap.log").read_text()
                   .splitlines()]
    assert bwrap_calls[0]["argv"] == ["apt-get", "update", "-q"]
    assert bwrap_calls[1]["argv"][-2:] == ["python3", "git"]
    assert bwrap_calls[2]["argv"][:2] == ["bash", "-c"]
    assert all("VIRTUAL_ENV" not in call["env"] for call in bwrap_calls)


def test_a_failing_command_stops_the_run_with_its_last_lines(
        room: tuple[Roots, Path, io.StringIO]) -> None:
    roots, checkout, out = room
    commit_readme(checkout, "for i in $(seq 1 50); do echo line $i; done; exit 3")
    with pytest.raises(CommandFailed) as caught:
        cleanroom.run(roots, cleanroom.Options("bookworm", keep=True))
    error = caught.value
    assert "README command 2 failed with status 3" in error.message
    assert error.tail[-1].endswith("line 50") and len(error.tail) == cleanroom.TAIL_LINES
    text = out.getvalue()
    assert "| README command 2 |" in text and "| failed |" in text
    # --keep: the root stays and the way in is printed
    kept = list((roots.folder / "run").iterdir())
    assert len(kept) == 1 and (kept[0] / "root" / "cpython-wasm" / "made.txt").is_file()
    assert "enter it with:" in text and "bwrap --dev-bind" in text


def test_a_failed_tests_evidence_outlives_the_root(room: tuple[Roots, Path, io.StringIO]) -> None:
    roots, checkout, _ = room
    commit_readme(checkout, "mkdir -p test-artifacts && echo shot > test-artifacts/page.png; exit 1")
    with pytest.raises(CommandFailed):
        cleanroom.run(roots, cleanroom.Options("bookworm"))
    assert not any((roots.folder / "run").iterdir())  # the root is gone
    kept = roots.layout.builddir / "clean-room" / "bookworm" / "test-artifacts" / "page.png"
    assert kept.read_text() == "shot\n"
    commit_readme(checkout, "true")  # the next run's results hold no stale evidence
    assert cleanroom.run(roots, cleanroom.Options("bookworm")).ok
    assert not kept.parent.exists()


def test_only_the_first_command_when_asked(room: tuple[Roots, Path, io.StringIO]) -> None:
    roots, checkout, _ = room
    commit_readme(checkout, "exit 9")
    report = cleanroom.run(roots, cleanroom.Options("bookworm", commands=1))
    assert report.ok
    assert not any(p.name.startswith("README command 2") for p in report.phases)


def test_dry_run_prints_the_readmes_commands_as_written() -> None:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "--dry",
                             "wasm.fresh", "--debian", "trixie"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    quick = cleanroom.read_quick_start(cleanroom.committed_readme(CHECKOUT, "HEAD"))
    for command in quick.commands:
        quoted = "'" + command.replace("'", "'\"'\"'") + "'"
        assert f"bash -c {quoted}" in result.stdout
    assert "debootstrap --variant=minbase --include=ca-certificates trixie" in result.stdout
    assert "Traceback" not in result.stderr


def test_an_unknown_release_is_one_line_with_a_fix() -> None:
    result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(CHECKOUT), "--dry",
                             "wasm.fresh", "--debian", "buster"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert "error: --debian buster: not one of bookworm, trixie, sid" in result.stderr
    assert "fix: " in result.stderr and "Traceback" not in result.stderr


def test_the_document_keeps_one_section_per_release(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{cleanroom_report.README_BEGIN}\n{cleanroom_report.README_END}\nrest\n")
    order = ["bookworm", "trixie", "sid"]

    def report(release: str, number: str, seconds: float) -> cleanroom_report.Report:
        made = cleanroom_report.Report(release, number, "abc", "2026-11-25 10:00 UTC")
        made.phases = [cleanroom_report.Phase("README command 1", seconds, "ok")]
        return made

    cleanroom_report.update_document(readme, report("trixie", "13", 61), order)
    cleanroom_report.update_document(readme, report("bookworm", "12", 5), order)
    cleanroom_report.update_document(readme, report("trixie", "13", 125), order)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith(f"{cleanroom_report.README_END}\nrest\n")
    assert text.count("**Debian") == 2
    assert text.index("(bookworm)") < text.index("(trixie)")
    assert "| README command 1 | 2 min 05 s | ok |" in text
    assert "1 min 01 s" not in text
    assert "| README command 1 | 5.0 s | ok |" in text


def test_missing_root_tools_are_one_line_with_the_fix(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from wasmbuild.core.errors import ToolMissing
    from wasmbuild.toolchains.roots import choose_tools

    monkeypatch.setenv("PATH", str(tmp_path))  # nothing installed
    with pytest.raises(ToolMissing) as error:
        choose_tools()
    assert "debootstrap" in error.value.message or "mmdebstrap" in error.value.message
    assert "apt-get install" in error.value.fix
    assert choose_tools(dry_run=True).enter == "bwrap"  # a dry run shows what it would use


def dry_run_of(roots: Roots) -> tuple[Roots, io.StringIO]:
    """The same roots, with a runner that only shows what it would do."""
    out = io.StringIO()
    return dataclasses.replace(roots, runner=Runner(roots.runner.root, dry_run=True, out=out)), out


def test_a_dry_run_shows_how_a_root_is_made_afresh_and_a_run_makes_it(
        room: tuple[Roots, Path, io.StringIO]) -> None:
    roots, _, out = room
    today = datetime.date(2026, 12, 6)
    release = roots.release("bookworm")
    tarball = roots.tarball(release, today)
    tree = tarball.with_suffix(".tree")
    (tree / "etc" / "apt").mkdir(parents=True)  # an interrupted run's
    yesterdays = roots.tarball(release, today - datetime.timedelta(days=1))
    yesterdays.write_text("")
    dry, shown = dry_run_of(roots)
    assert dry.pristine("bookworm", today=today) == tarball
    removals = [f"rm -rf {roots.runner.path(tree)}", f"rm {roots.runner.path(yesterdays)}"]
    assert all(line in shown.getvalue().splitlines() for line in removals)
    assert tree.is_dir() and yesterdays.is_file() and not tarball.exists()
    assert not (roots.folder / ".lock").exists()  # nor is a lock taken
    roots.pristine("bookworm", today=today)
    assert all(line in out.getvalue().splitlines() for line in removals)
    assert not tree.exists() and not yesterdays.exists() and tarball.is_file()


def test_a_dry_run_shows_the_clean_rooms_own_writes_and_makes_nothing(
        room: tuple[Roots, Path, io.StringIO]) -> None:
    roots, checkout, out = room
    commit_readme(checkout, "exit 9")
    results = roots.layout.clean_room("bookworm")
    results.mkdir(parents=True)
    (results / "9-an-earlier-runs.log").write_text("an earlier run's\n")
    clear = ("mkdir -p builddir/clean-room/bookworm && rm -rf builddir/clean-room/bookworm/*.log "
             "builddir/clean-room/bookworm/test-artifacts")
    dry, shown = dry_run_of(roots)
    cleanroom.run(dry, cleanroom.Options("bookworm", commands=1))
    lines = shown.getvalue().splitlines()
    assert clear in lines
    runs = roots.runner.path(roots.folder / "run")
    assert lines[-1].startswith(f"rm -rf {runs}/bookworm-")  # the root it would have unpacked
    assert (results / "9-an-earlier-runs.log").is_file()
    assert not roots.folder.exists() and not (roots.layout.root.parent / "bwrap.log").exists()
    cleanroom.run(roots, cleanroom.Options("bookworm", commands=1))
    assert clear in out.getvalue().splitlines()
    assert not (results / "9-an-earlier-runs.log").exists()
    assert not any((roots.folder / "run").iterdir())


def test_a_toolchain_root_is_unpacked_afresh_over_an_interrupted_runs(
        room: tuple[Roots, Path, io.StringIO], monkeypatch: pytest.MonkeyPatch) -> None:
    roots, _, out = room
    monkeypatch.setattr(toolroots, "choose_tools", lambda dry_run=False: roots.tools)
    toolchain = toolroots.toolchain_root(roots.layout, roots.release("bookworm"))
    partial = toolchain.folder / "root.partial"
    (partial / "left-over").mkdir(parents=True)
    dry, shown = dry_run_of(roots)
    toolroots.provision(toolchain, roots.versions, roots.layout, dry.runner, packages=("emscripten",))
    removal = f"rm -rf {roots.runner.path(partial)}"
    assert removal in shown.getvalue().splitlines()
    assert (partial / "left-over").is_dir() and not toolchain.root.exists()
    assert not roots.folder.exists()
    toolroots.provision(toolchain, roots.versions, roots.layout, roots.runner,
                        packages=("emscripten",))
    assert removal in out.getvalue().splitlines()
    assert not partial.exists() and not (toolchain.root / "left-over").exists()
    assert toolchain.installed() == {"emscripten": "1.0"}
