"""What the builds add to the runtime: the C library for ctypes, the site configuration with
its asyncio loop, the `dynamic` profile and `wasm.extension` (fake toolchain; the loop itself
runs on this host's CPython, which has the same asyncio)."""

from __future__ import annotations

import base64
import io
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from wasmbuild import extension, recipe
from wasmbuild.core.errors import ConfigError
from wasmbuild.steps import exports
from wasmbuild.targets import site_files
from wasmbuild.testing import regrtest_report, test_modules, testsuite
from wasmbuild.versions.config import CHECKOUT

from .conftest import FakeToolchain


def write_ar_with_index(path: Path, symbols: list[str]) -> None:
    """An `ar` archive as llvm-ar writes it: a GNU symbol index first, then (here) one member."""
    names = b"".join(s.encode() + b"\0" for s in symbols)
    index = struct.pack(">I", len(symbols)) + struct.pack(">I", 0) * len(symbols) + names

    def member(name: str, data: bytes) -> bytes:
        header = f"{name:<16}{0:<12}{0:<6}{0:<6}{644:<8}{len(data):<10}`\n".encode()
        return header + data + (b"\n" if len(data) % 2 else b"")

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"!<arch>\n" + member("/", index) + member("a.o/", b"\0asm"))


def test_libc_exports_are_the_listed_names_the_archives_define(tmp_path: Path) -> None:
    libc = tmp_path / "libc.a"
    write_ar_with_index(libc, ["strlen", "sqrt", "__internal_helper", "snprintf"])
    malloc = tmp_path / "libdlmalloc.a"
    write_ar_with_index(malloc, ["malloc", "calloc"])
    assert exports.archive_symbols(libc) == {"strlen", "sqrt", "__internal_helper", "snprintf"}
    # Only listed names: the archive's internals stay unexported; a listed name the archives
    # do not define (3.1.6 implements time() in JavaScript) is left out, not a link error.
    assert exports.libc_names([libc, malloc]) == ["strlen", "malloc", "calloc", "sqrt", "snprintf"]
    assert "time" in exports.libc_wanted(exports.LIBC_LIST.read_text())
    (tmp_path / "not-ar.a").write_text("hello")
    with pytest.raises(ValueError, match="not an ar archive"):
        exports.archive_symbols(tmp_path / "not-ar.a")


def test_the_build_exports_the_c_library_its_emscripten_defines(fake: FakeToolchain) -> None:
    build = fake.build()
    cache = build.emscripten.cache_dir
    assert cache is not None
    recipe.build_target(build, "node")  # makes the writable cache
    write_ar_with_index(cache / "sysroot" / "lib" / "wasm32-emscripten" / "libc.a",
                        ["strlen", "memcpy", "qsort"])
    (build.target_dir("node") / "python.js").unlink()
    (fake.checkout / "config.site-wasm32-emscripten").write_text("# changed: reconfigure\n")
    recipe.build_target(fake.build(), "node")
    exported = json.loads((build.target_dir("node") / "c-api-exports.json").read_text())
    assert {"_strlen", "_memcpy", "_qsort", "_Py_Initialize", "_main"} <= set(exported)
    assert "_time" not in exported


def test_dynamic_profile_builds_pic_libraries_and_keeps_dynamic_linking(
        fake: FakeToolchain) -> None:
    build = fake.build(profile="dynamic")
    recipe.build_target(build, "node")
    [configure] = fake.find("configure", arg="--with-emscripten-target=node")
    assert "--enable-wasm-dynamic-linking" in configure.argv
    [lib_configure] = fake.find("configure", arg="--prefix=")
    assert "-fPIC" in lib_configure.env["CFLAGS"].split()
    assert lib_configure.argv[-2:] != []  # the library's own options are kept
    prefix = fake.layout.emscripten_state("3.1.6-system") / "deps" / "fakelib-1.0-pic"
    assert (prefix / "lib" / "libfake.a").is_file()


def test_fixes_for_static_builds_only_stay_out_of_dynamic_ones() -> None:
    from wasmbuild.versions import config

    versions = config.load()
    static = {f.name for f in versions.fixes_for("6.0.5")}
    dynamic = {f.name for f in versions.fixes_for("6.0.5", dynamic=True)}
    assert {"ctypes_dlfcn", "no_shared_test_modules"} <= static - dynamic
    assert "runtime_guards" in static & dynamic


def test_node_build_gets_the_site_configuration_on_its_path(fake: FakeToolchain) -> None:
    folder = recipe.build_target(fake.build(), "node")
    installed = sorted(p.name for p in (folder / "build" / "lib.fake").iterdir())
    assert installed == ["sitecustomize.py", "wasm_asyncio.py", "wasm_completion.py",
                         "wasm_import_hooks.py",
                         "wasm_terminal.py"]
    assert (folder / "build" / "lib.fake" / "wasm_asyncio.py").read_bytes() == \
        (CHECKOUT / "Lib" / "wasm_site" / "wasm_asyncio.py").read_bytes()


def test_browser_build_gets_the_site_configuration_as_a_bundle(fake: FakeToolchain) -> None:
    folder = recipe.build_target(fake.build(), "browser")
    bundle = json.loads((folder / site_files.BROWSER_BUNDLE).read_text())
    packages = "/usr/local/lib/python3.11/site-packages"
    assert set(bundle) == {f"{packages}/{name}" for name in
                           ("sitecustomize.py", "wasm_asyncio.py", "wasm_completion.py",
                            "wasm_import_hooks.py", "wasm_terminal.py")}
    assert base64.b64decode(bundle[f"{packages}/sitecustomize.py"]) == \
        (CHECKOUT / "Lib" / "wasm_site" / "sitecustomize.py").read_bytes()


def test_extension_needs_the_dynamic_profile(fake: FakeToolchain, tmp_path: Path) -> None:
    source = tmp_path / "spam.c"
    source.write_text("/* module */\n")
    with pytest.raises(ConfigError, match=r"links python.wasm statically"):
        extension.build_extension(fake.build(), [source])


def test_extension_compiles_a_side_module_beside_the_builds_modules(
        fake: FakeToolchain, tmp_path: Path) -> None:
    build = fake.build(profile="dynamic")
    folder = recipe.build_target(build, "node")
    source = tmp_path / "spam.c"
    source.write_text("/* module */\n")
    fake.reset_calls()
    output = extension.build_extension(build, [source])
    assert output == folder / "build" / "lib.fake" / "spam.cpython-311-wasm32-emscripten.so"
    [emcc] = fake.find("emcc")
    assert {"-sSIDE_MODULE=1", "-fPIC", f"-I{build.source_dir / 'Include'}", f"-I{folder}"} <= \
        set(emcc.argv)
    assert emcc.argv[-2:] == ["-o", str(output)]
    with pytest.raises(ConfigError, match=r"not a valid module name"):
        extension.build_extension(build, [source], name="no-dashes")
    with pytest.raises(ConfigError, match="no such C source"):
        extension.build_extension(build, [tmp_path / "missing.c"])


def test_asyncio_test_modules_run_with_the_module_socket_skip_lifted() -> None:
    args = testsuite.regrtest_args("test_asyncio", "/tmp/j.xml")
    assert args[:2] == ["-c", regrtest_report.LIFT_MODULE_SOCKET_SKIP]
    assert args[-1] == "test_asyncio"
    assert testsuite.regrtest_args("test_os", "/tmp/j.xml")[:2] == ["-m", "test"]


LOOP_PROGRAM = """
import asyncio, sys, threading
sys.path.insert(0, {site!r})
import wasm_asyncio
wasm_asyncio.threads_available = lambda: False  # as in a build without pthreads
wasm_asyncio.install()
ran_in = []

async def main():
    loop = asyncio.get_running_loop()
    gathered = await asyncio.gather(asyncio.sleep(0.01, 1), asyncio.sleep(0.02, 2))
    try:
        await asyncio.wait_for(asyncio.sleep(10), 0.05)
    except asyncio.TimeoutError:
        timed_out = True
    queue = asyncio.Queue()
    loop.call_later(0.01, queue.put_nowait, "queued")
    executor = await loop.run_in_executor(None, lambda: ran_in.append(threading.current_thread()) or 6)
    return type(loop).__name__, gathered, timed_out, await queue.get(), executor

print(asyncio.run(main()), ran_in == [threading.main_thread()])
asyncio.set_event_loop_policy(None)  # as asyncio's tests do: the default stays ours
print(type(asyncio.new_event_loop()).__name__, asyncio.SelectorEventLoop.__name__)
"""


def test_wasm_event_loop_runs_asyncio_without_sockets_or_threads() -> None:
    site = str(CHECKOUT / "Lib" / "wasm_site")
    done = subprocess.run([sys.executable, "-c", LOOP_PROGRAM.format(site=site)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first == "('WasmEventLoop', [1, 2], True, 'queued', 6) True"
    assert second == "WasmEventLoop WasmEventLoop"


HOOK_PROGRAM = """
import sys
sys.path.insert(0, {site!r})
sys.platform = "emscripten"  # what the hook checks; the rest of the host stays as it is
import sitecustomize
assert "asyncio" not in sys.modules and "wasm_asyncio" not in sys.modules
import asyncio
print(type(asyncio.new_event_loop()).__name__, asyncio.__loader__.__class__.__name__)
"""


def test_sitecustomize_installs_the_loop_when_asyncio_is_first_imported() -> None:
    site = str(CHECKOUT / "Lib" / "wasm_site")
    done = subprocess.run([sys.executable, "-S", "-c", HOOK_PROGRAM.format(site=site)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["WasmEventLoop", "SourceFileLoader"]


def test_test_asyncio_runs_as_its_submodules(tmp_path: Path) -> None:
    test_dir = tmp_path / "Lib" / "test"
    for name in ("test_asyncio/__init__.py", "test_asyncio/test_tasks.py",
                 "test_asyncio/test_locks.py", "test_asyncio/utils.py", "test_email/__init__.py",
                 "test_os.py"):
        (test_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (test_dir / name).write_text("")
    assert test_modules.discover(tmp_path) == ["test_asyncio.test_locks", "test_asyncio.test_tasks",
                                            "test_email", "test_os"]
    assert test_modules.expand(["test_os", "test_asyncio"], tmp_path) == [
        "test_os", "test_asyncio.test_locks", "test_asyncio.test_tasks"]
    test_modules.check_names(["test_asyncio", "test_asyncio.test_tasks"],
                          test_modules.discover(tmp_path), tmp_path)  # both are known names


def test_new_expectations_start_with_the_cause_an_error_line_shows() -> None:
    from wasmbuild.testing.expectations import draft_reason

    assert draft_reason("RuntimeError: can't start new thread") == (
        "no threads in this build (only --profile threads has them): "
        "RuntimeError: can't start new thread")
    assert draft_reason("AssertionError: 3 != 4") == "AssertionError: 3 != 4"
    assert draft_reason("") == ""


def test_expectations_of_submodules_are_written_as_quoted_keys(tmp_path: Path) -> None:
    from wasmbuild.testing.expectations import Expectation, Expectations, write_expectations
    from wasmbuild.testing.testsuite import ModuleResult

    old = Expectations(tmp_path / "old.toml", {"test_asyncio": Expectation("skip", "sockets")}, {})
    results = [ModuleResult("test_asyncio.test_ssl", "skipped", note="No ssl module")]
    written = tmp_path / "new.toml"
    write_expectations(written, results, old, "header")
    loaded = Expectations.load(written)
    # The package's whole-module entry goes: its submodules ran, each with its own.
    assert loaded.modules == {"test_asyncio.test_ssl": Expectation("skip", "No ssl module")}


def test_the_page_gets_the_stdlib_modules_its_terminal_needs(tmp_path: Path) -> None:
    """rlcompleter, which CPython's browser stdlib leaves out with readline, for PyREPL."""
    from wasmbuild.core.shell import Runner

    source = tmp_path / "src"
    (source / "Lib").mkdir(parents=True)
    (source / "Lib" / "rlcompleter.py").write_text("# the build's own\n")
    assert site_files.terminal_stdlib(tmp_path / "elsewhere") == []
    runner = Runner(tmp_path, out=io.StringIO())
    site_files.install_for_browser(runner, tmp_path, "3.13.5", site_files.terminal_stdlib(source))
    bundle = json.loads((tmp_path / site_files.BROWSER_BUNDLE).read_text())
    packed = bundle["/usr/local/lib/python3.13/site-packages/rlcompleter.py"]
    assert base64.b64decode(packed) == b"# the build's own\n"
