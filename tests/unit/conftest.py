"""Unit-test fixtures: a fake toolchain (emcc & co, node, make, a CPython tree) in a temporary
folder, and a guard that fails any unit test that would start a real toolchain program."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from wasmbuild.core import procs
from wasmbuild.core.layout import Layout
from wasmbuild.toolchains import wasi
from wasmbuild.toolchains.context import Context, Options, resolve
from wasmbuild.versions import config
from wasmbuild.versions.wasi_config import parse_wasi

# Host programs a unit test may start besides the fakes and its own interpreter: harmless,
# fast and not part of the toolchain (the clean-room tests clone with git and pack with tar).
ALLOWED_HOST_PROGRAMS = {"git", "tar", "mkdir", "sh", "bash", "dpkg", "dpkg-query", "apt-cache"}


def program_of(args: Any) -> str:
    """The program a Popen call starts, looking through procs' guard."""
    argv = [str(a) for a in args] if isinstance(args, (list, tuple)) else str(args).split()
    if len(argv) > 4 and argv[1] == "-c" and argv[2] == procs._GUARD:
        return argv[4]
    return argv[0]


@pytest.fixture(autouse=True)
def forbid_real_programs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Deny by default: a unit test may start only fakes under tmp_path, this interpreter and
    ALLOWED_HOST_PROGRAMS; anything else (a real emcc, node, make, apt-get...) fails the test."""
    real_popen = subprocess.Popen

    class GuardedPopen(real_popen):  # type: ignore[misc,valid-type]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            program = program_of(args)
            env = kwargs.get("env") or os.environ
            found = program if "/" in program else shutil.which(program, path=env.get("PATH"))
            resolved = Path(found).resolve() if found else None
            allowed = resolved is not None and (
                resolved.is_relative_to(tmp_path.resolve())
                or resolved == Path(sys.executable).resolve()
                or Path(program).name in ALLOWED_HOST_PROGRAMS)
            if not allowed:
                pytest.fail(f"a unit test tried to start {program} ({found})")
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", GuardedPopen)


@pytest.fixture(autouse=True)
def forbid_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests never reach the network: connecting anywhere but this machine fails the test."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") \
                and not host.startswith("/"):
            pytest.fail(f"a unit test tried to connect to {address}")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


SCRIPT_HEAD = """#!@PYTHON@
import json, os, shutil, sys
from pathlib import Path
NAME = "@NAME@"
with open(os.environ["FAKE_LOG"], "a") as log:
    keys = ("EM_CACHE", "EM_FROZEN_CACHE", "NODE_PATH", "CONFIG_SITE", "LIBFAKE_CFLAGS", "LDFLAGS",
            "CFLAGS", "LIBS", "ac_cv_func_clock_nanosleep", "CPYTHON_WASM_SITE", "CC",
            "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "PKG_CONFIG_SYSROOT_DIR")
    log.write(json.dumps([NAME, os.getcwd(), sys.argv[1:],
                          {k: os.environ[k] for k in keys if k in os.environ}]) + "\\n")
if os.environ.get("FAKE_HANG") == NAME:
    # a tree under this program: a child in its process group and one that left it
    import subprocess, time
    sleep = [sys.executable, "-c", "import time; time.sleep(120)"]
    pids = [os.getpid()] + [subprocess.Popen(sleep, start_new_session=escape).pid
                            for escape in (False, True)]
    Path(os.environ["FAKE_PIDS"]).write_text(" ".join(map(str, pids)))
    time.sleep(120)
if os.environ.get("FAKE_FAIL") == NAME:
    for i in range(40):
        print(f"{NAME} output line {i}")
    sys.stdout.flush()  # in order with stderr whatever PYTHONUNBUFFERED says
    print(f"{NAME}: simulated failure", file=sys.stderr)
    sys.exit(2)
"""

BEHAVIOUR = {
    "configure": (
        "seen = Path('config.cache').read_text() if Path('config.cache').exists() else ''\n"
        "Path('config.cache.seen').write_text(seen)\n"
        "target = next((a.split('=')[1] for a in sys.argv if a.startswith('--with-emscripten-target')),"
        " 'native')\n"
        "Path('config.cache').write_text('ac_cv_c_compiler_gnu=${ac_cv_c_compiler_gnu=no}\\n'"
        " 'ac_cv_path_SED=${ac_cv_path_SED=/usr/bin/sed}\\n'"
        " f'py_cv_module_termios=${{py_cv_module_termios={target}}}\\n'"
        " 'ac_cv_env_CC_set=\\n')\n"
        "Path('Makefile').write_text('all:\\n')\n"
        "Path('pyconfig.h').write_text('#define HAVE_FORK 1\\n')\n"
        "prefix = [a.split('=', 1)[1] for a in sys.argv if a.startswith('--prefix=')]\n"
        "if prefix:\n"
        "    Path('prefix.txt').write_text(prefix[0])\n"
    ),
    "config.guess": "print('x86_64-pc-linux-gnu')\n",
    "make": ("if 'install' in sys.argv:\n"
             "    lib = Path(Path('prefix.txt').read_text(), 'lib')\n"
             "    lib.mkdir(parents=True, exist_ok=True)\n"
             "    (lib / 'libfake.a').write_text('lib')\n"
             "else:\n"
             "    for f in ('python', 'python.js', 'python.wasm', 'python.data'):\n"
             "        Path(f).write_text('built')\n"
             "    Path('build/lib.fake').mkdir(parents=True, exist_ok=True)\n"
             "    Path('pybuilddir.txt').write_text('build/lib.fake')\n"
             "    Path('Makefile').write_text('EXT_SUFFIX=\t.cpython-311-wasm32-emscripten.so\\n')\n"),
    "emconfigure": "os.execv(shutil.which(sys.argv[1]) or sys.argv[1], sys.argv[1:])\n",
    "emmake": "os.execv(shutil.which(sys.argv[1]), sys.argv[1:])\n",
    "embuilder": (
        "lib = Path(os.environ['EM_CACHE'], 'sysroot/lib/wasm32-emscripten')\n"
        "lib.mkdir(parents=True, exist_ok=True)\n"
        "names = {'zlib': 'libz.a', 'bzip2': 'libbz2.a'}\n"
        "for port in sys.argv[2:]:\n"
        "    if port == 'sysroot':  # installs the headers and pkgconfig folder, then stamps\n"
        "        Path(os.environ['EM_CACHE'], 'sysroot_install.stamp').write_text('')\n"
        "        continue\n"
        "    assert Path(os.environ['EM_CACHE'], 'sysroot_install.stamp').is_file() or \\\n"
        "        Path(os.environ['EM_CACHE'], 'sysroot', 'include').is_dir()\n"
        "    assert Path(os.environ['EM_CACHE'], 'ports', port, '.emscripten_url').is_file()\n"
        "    (lib / names[port]).write_text('lib')\n"
    ),
    "node": (
        "if sys.argv[1:] == ['--version']:\n"
        "    print(os.environ.get('FAKE_NODE_VERSION', 'v20.1.0'))\n"
        "else:\n"
        "    print(json.dumps(sys.argv[1:]))\n"
    ),
    "emcc": "print('emcc (fake) 3.1.6')\n",
    "autoreconf": "Path('autoreconf.ran').write_text('yes')\n",
    # A toolchain root's `enter` script runs `bwrap OPTIONS... --chdir DIR CMD...`: the fake
    # records itself, skips the options and runs CMD in DIR on this machine.
    "bwrap": ("takes = {'--bind': 2, '--ro-bind': 2, '--dev-bind': 2, '--setenv': 2, '--dev': 1,"
              " '--proc': 1, '--tmpfs': 1, '--unsetenv': 1, '--chdir': 1}\n"
              "args = sys.argv[1:]\n"
              "while args and args[0].startswith('--'):\n"
              "    if args[0] == '--chdir':\n"
              "        os.chdir(args[1])\n"
              "    args = args[1 + takes.get(args[0], 0):]\n"
              "os.execv(shutil.which(args[0]) or args[0], args)\n"),
}

PORT_FILE = """VERSION = {version!r}

def get(ports, settings, shared):
    ports.fetch_project({name!r}, 'https://ports.invalid/{name}-' + VERSION + '.zip',
                        {name!r} + '-' + VERSION)
"""


def write_script(path: Path, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    head = SCRIPT_HEAD.replace("@PYTHON@", sys.executable).replace("@NAME@", name)
    path.write_text(head + BEHAVIOUR[name])
    path.chmod(0o755)


def make_archive(path: Path, top: str, files: dict[str, str]) -> str:
    """A .tar.gz with one top folder; returns its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            info.mode = 0o755 if name.endswith("configure") else 0o644
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_cpython_tree(tree: Path, version: str = "3.11.2") -> Path:
    write_script(tree / "configure", "configure")
    write_script(tree / "config.guess", "config.guess")
    (tree / "Include").mkdir(parents=True, exist_ok=True)
    (tree / "Include" / "patchlevel.h").write_text(f'#define PY_VERSION "{version}"\n')
    (tree / "Python").mkdir(exist_ok=True)
    (tree / "Python" / "ceval.c").write_text("/* eval loop */\n")
    (tree / "Misc").mkdir(exist_ok=True)
    (tree / "Misc" / "stable_abi.toml").write_text(
        "[function.Py_Initialize]\nadded = '3.2'\n"
        "[function.PyOS_AfterFork]\nadded = '3.2'\nifdef = 'HAVE_FORK'\n"
        "[function.PyErr_SetFromWindowsErr]\nadded = '3.7'\nifdef = 'MS_WINDOWS'\n"
        "[data.PyExc_TypeError]\nadded = '3.2'\n")
    (tree / "Tools" / "wasm").mkdir(parents=True, exist_ok=True)
    (tree / "Tools" / "wasm" / "config.site-wasm32-emscripten").write_text("ac_cv_x=no\n")
    return tree


# An npm tarball of the page's terminal (its top folder is `package`, as npm packs them).
FAKE_XTERM = {"lib/xterm.js": "var Terminal = 1;\n", "lib/xterm.mjs": "export {};\n",
              "LICENSE": "MIT\n"}


# 3.11's recipe, as versions.toml has it (the fake tree is a 3.11.2).
FAKE_RECIPE = {
    "name": "3.11", "cpython_from": "3.11", "documented_in": "Tools/wasm/README.md",
    "site_files": ["Tools/wasm/config.site-wasm32-emscripten"],
    "configure": ["--with-emscripten-target={flavour}"], "setup_local": True,
    "emscripten_from": "3.1.6", "default_emscripten": "system", "why": "the fake 3.11",
}


class FakeCall(NamedTuple):
    """One start of a fake program, as it recorded itself."""

    name: str
    cwd: str
    argv: list[str]
    env: dict[str, str]


@dataclass
class FakeToolchain:
    tmp: Path
    checkout: Path
    emscripten_root: Path
    bin_dir: Path
    tree: Path
    mirror: Path
    versions: config.Versions
    layout: Layout
    env: dict[str, str]

    def calls(self) -> list[FakeCall]:
        log = Path(self.env["FAKE_LOG"])
        if not log.exists():
            return []
        calls = [FakeCall(*json.loads(line)) for line in log.read_text().splitlines()]
        return [c for c in calls if c.name != "config.guess"]

    def find(self, name: str, *, arg: str = "", cwd: Path | None = None) -> list[FakeCall]:
        """The calls of program `name`, with an argument starting with `arg`, run in `cwd`."""
        return [c for c in self.calls() if c.name == name
                and (not arg or any(a.startswith(arg) for a in c.argv))
                and (cwd is None or Path(c.cwd) == cwd)]

    def names(self) -> list[str]:
        """Programs started, in order (config.guess, a probe, left out)."""
        return [c[0] for c in self.calls() if c[0] != "config.guess"]

    def reset_calls(self) -> None:
        Path(self.env["FAKE_LOG"]).unlink(missing_ok=True)

    def build(self, out: io.StringIO | None = None, **options: Any) -> Context:
        options.setdefault("source", self.tree)
        options.setdefault("offline", True)
        options.setdefault("mirror", self.mirror)
        options.setdefault("jobs", 2)
        return resolve(Options(**options), layout=self.layout, versions=self.versions,
                       out=out or io.StringIO())


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeToolchain]:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "config.site-wasm32-emscripten").write_text("# ours\n")
    root = tmp_path / "emscripten"
    for tool in ("emcc", "emconfigure", "emmake", "embuilder"):
        write_script(root / tool, tool)
    (root / "emscripten-version.txt").write_text('"3.1.6"\n')
    (root / ".emscripten").write_text("FROZEN_CACHE = True # packaged cache\n")
    (root / "cache" / "sysroot" / "include").mkdir(parents=True)
    (root / "cache" / "sysroot" / "include" / "stdio.h").write_text("/* prebuilt */\n")
    (root / "node_modules" / "acorn").mkdir(parents=True)
    ports = root / "tools" / "ports"
    ports.mkdir(parents=True)
    (ports / "zlib.py").write_text(PORT_FILE.format(name="zlib", version="1.2.11"))
    (ports / "bzip2.py").write_text(PORT_FILE.format(name="bzip2", version="1.0.6"))
    bin_dir = tmp_path / "bin"
    write_script(bin_dir / "node", "node")
    write_script(bin_dir / "make", "make")
    write_script(bin_dir / "autoreconf", "autoreconf")
    tree = make_cpython_tree(tmp_path / "cpython")

    mirror = tmp_path / "mirror"
    zlib_sha = make_archive(mirror / "zlib-1.2.11.tar.gz", "zlib-1.2.11", {"zlib.h": "/* z */"})
    bzip2_sha = make_archive(mirror / "bzip2-1.0.8.tar.gz", "bzip2-1.0.8", {"bzlib.h": "/* b */"})
    release_sha = make_archive(mirror / "Python-3.11.2.tgz", "Python-3.11.2", {"README": "x"})
    make_cpython_tree(tmp_path / "fakelib-src")  # reuse: a folder with a fake configure script
    fakelib_sha = make_archive(mirror / "fakelib-1.0.tar.gz", "fakelib-1.0", {
        "configure": (tmp_path / "fakelib-src" / "configure").read_text()})
    xterm_sha = make_archive(mirror / "xterm-6.0.0.tgz", "package", FAKE_XTERM)
    versions = config.parse({
        "defaults": {"cpython": "3.11.2"},
        "cpython": {"3.11.2": {"sha256": release_sha, "sources": [
            {"provider": "python.org", "url": "https://python.invalid/Python-3.11.2.tgz"}]}},
        "cpython_recipes": [FAKE_RECIPE],
        "emscripten": {"3.1.6": {"providers": ["system"]}},
        "emscripten_advisories": [{"below": "3.1.8", "problem": "old", "fix": "newer"}],
        "node": {}, "matrix": [{"python": "3.11.2", "emscripten": ["3.1.6"], "node": []}],
        "deps": {"fakelib": {"version": "1.0", "module": "_fake",
                             "url": "https://debian.invalid/fakelib-1.0.tar.gz",
                             "sha256": fakelib_sha, "configure": ["--disable-shared"],
                             "env": {"LIBFAKE_CFLAGS": "-I{prefix}/include"}}},
        "node_flags": [{"flag": "--no-experimental-fetch", "node_from": "18.0",
                        "emscripten_below": "3.1.12", "why": "fetch"}],
        "web_packages": {"@xterm/xterm": {
            "version": "6.0.0", "url": "https://registry.invalid/@xterm/xterm/-/xterm-6.0.0.tgz",
            "sha256": xterm_sha, "files": {"xterm.js": "package/lib/xterm.js",
                                           "xterm.LICENSE.txt": "package/LICENSE"}}},
        "port_sources": [
            {"port": "zlib", "port_version": "1.2.11", "version": "1.2.11", "provider": "zlib.net",
             "url": "https://zlib.invalid/zlib-1.2.11.tar.gz", "sha256": zlib_sha},
            {"port": "bzip2", "port_version": "1.0.6", "version": "1.0.8", "provider": "debian",
             "url": "https://debian.invalid/bzip2-1.0.8.tar.gz", "sha256": bzip2_sha},
        ],
    })
    env = {"PATH": f"{root}{os.pathsep}{bin_dir}", "FAKE_LOG": str(tmp_path / "calls.jsonl"),
           "HOME": str(tmp_path / "home")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("EMSDK", raising=False)
    monkeypatch.delenv("FAKE_FAIL", raising=False)
    monkeypatch.delenv("CPYTHON_WASM_EMSCRIPTEN", raising=False)
    monkeypatch.delenv("CPYTHON_WASM_PYTHON", raising=False)
    monkeypatch.delenv("CPYTHON_WASM_MIRROR", raising=False)
    layout = Layout(root=checkout, cache_root=tmp_path / "cache", builddir=checkout / "builddir")
    yield FakeToolchain(tmp_path, checkout, root, bin_dir, tree, mirror, versions, layout, env)


WASI_DATA = {
    "toolchains": {
        "bookworm": {"clang": "19", "wasi_libc": "0.0~git20220510.9886d3d-2", "sdk": "16",
                     "providers": ["system", "debian:bookworm"]}},
    "recipes": [{"cpython_from": "3.11", "cpython_below": "3.13", "toolchain": "bookworm",
                 "site_files": ["Tools/wasm/config.site-wasm32-wasi"],
                 "documented_in": "Tools/wasm/README.md"}],
    "fixes": [{"name": "clang16", "clang_from": "16", "cflags": ["-Wno-error=int-conversion"],
               "why": "errors since clang 16"},
              {"name": "clang99", "clang_from": "99", "cflags": ["-Wfuture"], "why": "later"}],
    "matrix": [{"python": "3.11.2", "runtimes": ["wasmtime", "node"]}],
}


@pytest.fixture
def with_wasi(fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> FakeToolchain:
    fake.versions = dataclasses.replace(fake.versions,
                                        wasi=parse_wasi(WASI_DATA, list(fake.versions.cpython)))
    site = fake.tree / "Tools" / "wasm" / "config.site-wasm32-wasi"
    site.parent.mkdir(parents=True, exist_ok=True)
    site.write_text("ac_cv_func_pipe=no\n")
    # The machine's own packages, as dpkg and the file system would report them.
    monkeypatch.setattr(wasi, "_installed_version",
                        {"wasi-libc": "0.0~git20220510.9886d3d-2"}.get)
    monkeypatch.setattr(wasi, "system_packages_missing", lambda toolchain: ())
    return fake
