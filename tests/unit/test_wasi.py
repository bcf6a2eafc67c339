"""The WASI target against the fake toolchain: the build's commands and environment, the
toolchain's checks, the runtimes' command lines, the launcher."""

from __future__ import annotations

import io
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
