"""The WASI target against the fake toolchain: the build's commands and environment, the
toolchain's checks, the runtimes' command lines, the launcher."""

from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path

import pytest
from wasmbuild import recipe
from wasmbuild.core.errors import ConfigError, ToolMissing
from wasmbuild.targets import wasi as wasi_target
from wasmbuild.toolchains import wasi
from wasmbuild.versions import config

from .conftest import FakeToolchain


def test_the_wasi_build_runs_its_recipe_with_debians_toolchain(with_wasi: FakeToolchain) -> None:
    out = io.StringIO()
    folder = recipe.build_target(with_wasi.build(out=out), "wasi")
    assert folder.name == "wasi" and folder.parent.name == "wasi-bookworm-clang19"
    [configure] = with_wasi.find("configure", arg="--host=wasm32-unknown-wasi")
    assert any(a.startswith("--with-build-python=") for a in configure.argv)
    env = configure.env
    assert env["CONFIG_SITE"].endswith("Tools/wasm/config.site-wasm32-wasi")
    assert "--target=wasm32-wasi --sysroot=" in env["CC"] and "clang-19" in env["CC"]
    # the fix of its clang range, not the later one; pkg-config sees no host library
    assert env["CFLAGS"] == "-Wno-error=int-conversion"
    assert env["PKG_CONFIG_PATH"] == "" and env["PKG_CONFIG_LIBDIR"].endswith("sysroot/lib/pkgconfig")
    sysroot = Path(env["PKG_CONFIG_SYSROOT_DIR"])
    assert (sysroot / "include" / "wasm32-wasi").resolve() == Path("/usr/include/wasm32-wasi")
    assert (folder / "Modules" / "Setup.local").read_text() == ""
    assert "fixes for clang 19: clang16" in out.getvalue()
    launcher = (folder / "python.sh").read_text()
    assert launcher.startswith("#!/bin/sh") and '"PWD=$PWD"' in launcher
    assert "run_wasmtime.py" in launcher and launcher.rstrip().endswith('"$@"')


def test_a_missing_toolchain_package_is_one_line_with_the_setup_fix(
        with_wasi: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wasi, "system_packages_missing",
                        lambda toolchain: toolchain.packages[:3])
    with pytest.raises(ToolMissing, match=r"needs clang-19 lld-19 llvm-19") as error:
        recipe.build_target(with_wasi.build(), "wasi")
    assert "invoke wasm.setup" in error.value.fix
    assert with_wasi.find("configure", arg="--host=wasm32-unknown-wasi") == []


def test_the_dry_run_shows_the_wasi_build_and_runs_nothing(with_wasi: FakeToolchain) -> None:
    out = io.StringIO()
    recipe.build_target(with_wasi.build(out=out, dry_run=True), "wasi")
    text = out.getvalue()
    assert with_wasi.names() == []
    assert "--host=wasm32-unknown-wasi" in text and "ln -sfn /usr/include/wasm32-wasi" in text
    assert "cat > " in text and "python.sh <<'EOF'" in text


@pytest.mark.parametrize("runtime", ["wasmtime", "node"])
def test_each_runtime_sees_the_hosts_files_and_the_stdlib(
        with_wasi: FakeToolchain, runtime: str) -> None:
    recipe.build_target(with_wasi.build(), "wasi")
    ctx = with_wasi.build(runtime=runtime)
    words = wasi_target.runtime_prefix(ctx, runtime, cwd="/some/where")
    assert words[-1].endswith("/python.wasm")
    assert words[words.index("--dir"):words.index("--dir") + 2] == ["--dir", "/::/"]
    env = {w.split("=", 1)[0]: w.split("=", 1)[1] for w in words if "=" in w and "/" in w}
    assert env["PWD"] == "/some/where"
    paths = env["PYTHONPATH"].split(":")
    assert paths[0].endswith("Lib/wasi_site") and paths[-2].endswith("/src/Lib")
    assert paths[-1] == str(ctx.target_dir("wasi") / "site-packages")  # wasm.pip's
    runner = wasi_target.RUNNERS[runtime]
    assert str(runner) in words and runner.is_file()


def test_the_wasi_matrix_is_declared_per_runtime() -> None:
    versions = config.load()
    assert ("3.11.2", "wasmtime") in versions.wasi.matrix
    for python, runtime in versions.wasi.matrix:
        assert runtime in ("wasmtime", "node")
        versions.wasi.recipe_for(python)  # every declared CPython has a WASI recipe


def test_each_target_name_has_its_target_and_toolchain() -> None:
    # The layers below targets/ go by core/layout.py's names (toolchains/context.py picks a
    # target's toolchain by uses_wasi); each Target must say the same of itself.
    from wasmbuild.core.layout import (
        EMSCRIPTEN_TARGETS,
        PROCESS_TARGETS,
        TARGET_NAMES,
        check_target,
        uses_wasi,
    )
    from wasmbuild.targets import registry

    assert TARGET_NAMES == ("node", "browser", "wasi")
    assert set(EMSCRIPTEN_TARGETS) | set(PROCESS_TARGETS) == set(TARGET_NAMES)
    for name in TARGET_NAMES:
        target = registry.get(name)
        assert target.name == check_target(name) == name
        assert target.emscripten == (name in EMSCRIPTEN_TARGETS) == (not uses_wasi(name))
    with pytest.raises(ConfigError, match="unknown target 'wasm'") as raised:
        check_target("wasm")
    assert raised.value.fix == "use one of: node, browser, wasi"


def _with_libraries(fake: FakeToolchain, *builds: tuple[str, config.WasiLibraryBuild]) -> None:
    """fakelib of the fake versions.toml, once per (name, WASI build) given, WASI-only."""
    [fakelib] = fake.versions.deps
    fake.versions = dataclasses.replace(fake.versions, deps=tuple(
        dataclasses.replace(fakelib, name=name, emscripten=False, wasi=how)
        for name, how in builds))


def test_the_wasi_build_links_the_libraries_it_builds_first(with_wasi: FakeToolchain) -> None:
    _with_libraries(with_wasi,
                    ("auto", config.WasiLibraryBuild(cflags=("-include", "{tools}/wasi/x.h"))),
                    ("plain", config.WasiLibraryBuild(configure="none", make=("libplain.a",),
                                                      install={"include": ("configure",)})))
    ctx = with_wasi.build()
    recipe.build_target(ctx, "wasi")
    deps = with_wasi.layout.cache_root / "wasi" / "bookworm-clang19" / "deps"
    [configure] = with_wasi.find("configure", arg="--host=wasm32-unknown-wasi",
                                 cwd=deps / "src" / "auto-1.0")
    assert f"--prefix={deps / 'auto-1.0'}" in configure.argv and "--disable-shared" in configure.argv
    assert configure.env["CFLAGS"].startswith("-O2 -include ") and "/Tools/wasm/wasi/x.h" in \
        configure.env["CFLAGS"] and "--target=wasm32-wasi" in configure.env["CC"]
    assert (deps / "auto-1.0" / "lib" / "libfake.a").is_file()  # its `make install`
    # A Makefile alone: no configure, the cross tools as make's variables, named files copied.
    assert with_wasi.find("configure", cwd=deps / "src" / "plain-1.0") == []
    [make] = with_wasi.find("make", cwd=deps / "src" / "plain-1.0")
    assert "libplain.a" in make.argv and any(a.startswith("CC=") and "wasm32-wasi" in a
                                              for a in make.argv)
    assert (deps / "plain-1.0" / "include" / "configure").is_file()
    # CPython's configure finds each through the variables it reads, not pkg-config.
    [cpython] = with_wasi.find("configure", arg="--with-build-python=")
    assert cpython.env["LIBFAKE_CFLAGS"] in (f"-I{deps / 'auto-1.0'}/include",
                                             f"-I{deps / 'plain-1.0'}/include")
    # Built once: a second build finds them current.
    with_wasi.reset_calls()
    recipe.build_target(with_wasi.build(), "wasi")
    assert with_wasi.find("configure", cwd=deps / "src" / "auto-1.0") == []


def test_a_wasi_only_library_is_not_built_for_emscripten(with_wasi: FakeToolchain) -> None:
    _with_libraries(with_wasi, ("auto", config.WasiLibraryBuild()))
    recipe.build_target(with_wasi.build(), "node")
    assert not [c for c in with_wasi.find("configure") if "auto-1.0" in c.cwd]


def test_an_unknown_way_to_configure_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match="configure = 'cmake' is none of autoconf, plain, none"):
        config.WasiLibraryBuild(configure="cmake")


def test_dir_maps_only_the_folders_given_and_the_builds_own(with_wasi: FakeToolchain,
                                                             tmp_path: Path) -> None:
    recipe.build_target(with_wasi.build(), "wasi")
    data = tmp_path / "data"
    data.mkdir()
    ctx = with_wasi.build(dir=(f"{data}::/data",))
    folders = wasi_target.mapped_folders(ctx)
    assert folders[0] == f"{data}::/data" and "/::/" not in folders
    build = str(ctx.target_dir("wasi"))
    assert f"{build}::{build}" in folders
    words = wasi_target.runtime_prefix(ctx, "wasmtime")
    assert words.count("--dir") == len(folders)
    with pytest.raises(ConfigError, match="is not a folder on this machine") as error:
        wasi_target.mapped_folders(with_wasi.build(dir=(str(tmp_path / "missing"),)))
    assert "HOST::GUEST" in error.value.fix


def test_wasmtimes_runner_keeps_the_compiled_code_between_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    import wasmtime

    spec = importlib.util.spec_from_file_location("run_wasmtime", wasi_target.RUNNERS["wasmtime"])
    assert spec is not None and spec.loader is not None
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    monkeypatch.setattr(runner, "CACHE", tmp_path / "cache")
    module = tmp_path / "answer.wasm"
    module.write_bytes(wasmtime.wat2wasm('(module (func (export "answer") (result i32) i32.const 42))'))
    engine = runner.make_engine()
    first = runner.compiled(engine, str(module))
    [kept] = (tmp_path / "cache").glob("answer.wasm-*.cwasm")
    kept.write_bytes(b"not machine code")  # a file wasmtime refuses is compiled again
    again = runner.compiled(engine, str(module))
    assert kept.read_bytes() != b"not machine code"
    for loaded in (first, again, runner.compiled(engine, str(module))):
        store = wasmtime.Store(engine)
        answer = wasmtime.Instance(store, loaded, []).exports(store)["answer"]
        assert isinstance(answer, wasmtime.Func) and answer(store) == 42
    stat = module.stat()  # rebuilt: compiled afresh, into a file of its own
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    runner.compiled(engine, str(module))
    assert len(list((tmp_path / "cache").glob("answer.wasm-*.cwasm"))) == 2
