"""The recipe's steps against the fake toolchain: what runs, what is skipped, what resumes."""

from __future__ import annotations

import dataclasses
import io
import json
import os
from pathlib import Path

import pytest
import wasmbuild
from wasmbuild import clean, recipe
from wasmbuild.core.errors import CommandFailed, ConfigError, ToolMissing, ToolVersionError
from wasmbuild.steps.source import fetch_source
from wasmbuild.targets.node import run_python
from wasmbuild.versions import config

from .conftest import FakeToolchain


def test_node_build_runs_the_recipe_in_order(fake: FakeToolchain) -> None:
    build = fake.build()
    folder = recipe.build_target(build, "node")

    # The build Python builds beside the ports and libraries (beside.py): each in order.
    native = [c.name for c in fake.calls() if Path(c.cwd) == build.native_dir]
    assert native == ["configure", "make"]
    assert [c.name for c in fake.calls() if Path(c.cwd) != build.native_dir] == [
        "embuilder",
        "emconfigure", "configure", "emmake", "make", "emmake", "make",  # deps
        "emconfigure", "configure", "emmake", "make"]
    calls = fake.calls()
    native_make = next(i for i, c in enumerate(calls)
                       if c.name == "make" and Path(c.cwd) == build.native_dir)
    cross = next(i for i, c in enumerate(calls)
                 if c.name == "configure" and "--with-emscripten-target=node" in c.argv)
    assert native_make < cross  # the cross configure runs the build Python: it waited for it
    [native_configure] = fake.find("configure", cwd=build.native_dir)
    [cross_configure] = fake.find("configure", arg="--with-emscripten-target=node")
    [cross_emconfigure] = fake.find("emconfigure", arg="--with-emscripten-target=node")
    [embuilder] = fake.find("embuilder")
    assert native_configure.argv == ["-C"]
    assert cross_configure.argv == [
        "-C", "--host=wasm32-unknown-emscripten", "--build=x86_64-pc-linux-gnu",
        "--with-emscripten-target=node", f"--with-build-python={build.native_dir / 'python'}",
        "--with-pymalloc",  # the default profile, "fast"
    ]
    assert Path(cross_configure.cwd) == folder
    assert cross_emconfigure.env["CONFIG_SITE"] == str(fake.checkout / "config.site-wasm32-emscripten")
    prefix = fake.layout.emscripten_state("3.1.6-system") / "deps" / "fakelib-1.0"
    assert cross_emconfigure.env["LIBFAKE_CFLAGS"] == f"-I{prefix}/include"  # the library reaches configure
    assert (prefix / "lib" / "libfake.a").is_file()
    # The packaged cache is frozen: the build gets a writable copy and unfreezes it.
    em_cache = Path(embuilder.env["EM_CACHE"])
    assert em_cache.is_relative_to(fake.layout.cache_root)
    assert embuilder.env["EM_FROZEN_CACHE"] == ""
    assert (em_cache / "sysroot" / "include" / "stdio.h").is_file()
    assert (folder / "python.js").is_file()
    # The C API is exported for ctypes.pythonapi, as far as this build's pyconfig.h has it.
    assert cross_configure.env["LIBS"] == f"-sEXPORTED_FUNCTIONS=@{folder}/c-api-exports.json"
    exports = json.loads((folder / "c-api-exports.json").read_text())
    assert {"_Py_Initialize", "_PyOS_AfterFork", "_PyExc_TypeError", "_main"} <= set(exports)
    assert "_PyErr_SetFromWindowsErr" not in exports
    assert os.readlink(fake.layout.recipe_link("emscripten-node")) == os.path.relpath(
        folder, fake.layout.builddir)


def test_second_run_with_nothing_changed_runs_nothing(fake: FakeToolchain) -> None:
    recipe.build_target(fake.build(), "node")
    fake.reset_calls()
    out = io.StringIO()
    recipe.build_target(fake.build(out=out), "node")
    assert fake.names() == []
    assert out.getvalue().count("up to date") >= 5


def test_a_changed_source_file_reruns_make_but_not_configure(fake: FakeToolchain) -> None:
    recipe.build_target(fake.build(), "node")
    fake.reset_calls()
    (fake.tree / "Python" / "ceval.c").write_text("/* changed */\n")
    build = fake.build()
    recipe.build_target(build, "node")
    assert fake.names() == ["make", "emmake", "make"]
    assert (build.source_dir / "Python" / "ceval.c").read_text() == "/* changed */\n"


def test_a_changed_site_file_reconfigures_the_target_only(fake: FakeToolchain) -> None:
    recipe.build_target(fake.build(), "node")
    fake.reset_calls()
    (fake.checkout / "config.site-wasm32-emscripten").write_text("# ours, changed\n")
    out = io.StringIO()
    recipe.build_target(fake.build(out=out), "node")
    assert fake.names() == ["emconfigure", "configure", "emmake", "make"]
    assert "inputs changed (site)" in out.getvalue()


def test_a_failed_make_records_nothing_and_the_next_run_finishes(
    fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe.build_deps(fake.build())  # built first, so the failure below is CPython's make
    monkeypatch.setenv("FAKE_FAIL", "emmake")
    with pytest.raises(CommandFailed) as failure:
        recipe.build_target(fake.build(), "node")
    error = failure.value
    assert error.log is not None and error.log.name == "make.log"
    assert error.tail[-1] == "emmake: simulated failure"
    assert "emmake make -j2" in error.command
    assert not fake.layout.stamp(fake.build().target_dir("node"), "make").exists()

    monkeypatch.delenv("FAKE_FAIL")
    fake.reset_calls()
    recipe.build_target(fake.build(), "node")
    assert fake.names() == ["emmake", "make"]


def test_dry_run_prints_every_command_and_runs_nothing(fake: FakeToolchain) -> None:
    out = io.StringIO()
    recipe.build_target(fake.build(out=out, dry_run=True), "node")
    text = out.getvalue()
    assert fake.names() == []
    assert not fake.layout.builddir.exists()
    assert "(cd builddir/cpython-local-3.11.2-" in text
    assert "../src/configure -C)" in text
    assert "emmake make -j2)" in text
    assert "embuilder build zlib bzip2" in text
    assert "CONFIG_SITE=../../../../config.site-wasm32-emscripten" in text


def test_the_user_tree_is_never_written(fake: FakeToolchain) -> None:
    before = sorted((p.relative_to(fake.tree), p.stat().st_mtime_ns)
                    for p in fake.tree.rglob("*"))
    recipe.build_target(fake.build(), "node")
    after = sorted((p.relative_to(fake.tree), p.stat().st_mtime_ns) for p in fake.tree.rglob("*"))
    assert before == after


def test_release_source_is_verified_and_unpacked(fake: FakeToolchain) -> None:
    build = fake.build(source=None, python_version="3.11.2")
    source = fetch_source(build).tree
    assert (source / "README").read_text() == "x"
    assert build.cpython.key == "3.11.2"


def test_unknown_python_version_fails_before_any_work(fake: FakeToolchain) -> None:
    with pytest.raises(ConfigError, match=r"unknown CPython version '3\.99\.0'"):
        recipe.build_target(fake.build(source=None, python_version="3.99.0"), "node")
    assert fake.names() == []


def test_unknown_target_is_refused(fake: FakeToolchain) -> None:
    with pytest.raises(ConfigError, match="unknown target 'wasm64'"):
        recipe.build_target(fake.build(), "wasm64")


def test_a_cpython_without_a_wasi_recipe_is_one_line(fake: FakeToolchain) -> None:
    # the fake versions data declares no [wasi] part
    with pytest.raises(ConfigError, match=r"CPython 3\.11\.2 has no WASI recipe"):
        recipe.build_target(fake.build(), "wasi")
    assert fake.names() == []


def test_asking_for_another_emscripten_version_says_how(fake: FakeToolchain) -> None:
    known = config.EmscriptenRelease("3.1.8", ("emsdk",), None)  # known, but only from an emsdk
    fake.versions = dataclasses.replace(fake.versions,
                                        emscripten={**fake.versions.emscripten, "3.1.8": known})
    with pytest.raises(ToolVersionError) as error:
        recipe.build_target(fake.build(emscripten="3.1.8"), "node")
    assert "3.1.8 was asked for" in error.value.message
    assert "--emsdk" in error.value.fix


def test_run_uses_the_flags_for_this_node(fake: FakeToolchain, capfd: pytest.CaptureFixture[str]
                                          ) -> None:
    build = fake.build()
    recipe.build_target(build, "node")
    capfd.readouterr()
    assert run_python(build, ["-c", "print(1)"]) == 0
    printed = capfd.readouterr().out
    assert '["--no-experimental-fetch", "' in printed
    assert '"-c", "print(1)"]' in printed


def test_run_before_build_explains(fake: FakeToolchain) -> None:
    with pytest.raises(ToolMissing, match="the Node target is not built") as error:
        run_python(fake.build(), [])
    assert "invoke wasm.node" in error.value.fix


def test_clean_one_target_keeps_the_rest(fake: FakeToolchain) -> None:
    build = fake.build()
    recipe.build_target(build, "node")
    fake.layout.downloads.mkdir(parents=True)
    (fake.layout.downloads / "Python-3.11.2.tgz").write_text("kept")
    clean.clean(build, "node")
    assert not build.target_dir("node").exists()
    assert not fake.layout.recipe_link("emscripten-node").is_symlink()
    assert (build.native_dir / "python").exists()
    clean.clean(build, "all")
    assert not fake.layout.builddir.exists()
    assert (fake.tree / "configure").exists()
    assert (fake.layout.downloads / "Python-3.11.2.tgz").exists()
    clean.clean(build, "all", downloads=True)
    assert not fake.layout.downloads.exists()


def test_browser_build_installs_our_page(fake: FakeToolchain) -> None:
    folder = recipe.build_target(fake.build(), "browser")
    for name in ("python.html", "python.worker.js", "console.js", "console.css", "wasm_console.py"):
        assert (folder / name).is_file(), name
    assert "wasm_console.py" in (folder / "console.js").read_text()
    assert fake.layout.recipe_link("emscripten-browser").resolve() == folder.resolve()


def test_debug_flavour_has_its_own_folder_and_configure_target(fake: FakeToolchain) -> None:
    release = recipe.build_target(fake.build(), "browser")
    debug_build = fake.build(profile="debug")
    debug = recipe.build_target(debug_build, "browser")
    assert debug.name == "emscripten-browser-debug" and debug != release
    assert fake.find("configure", arg="--with-emscripten-target=browser-debug")
    assert debug_build.page_url_path() == os.path.relpath(debug / "python.html", fake.checkout)
    assert fake.build().page_url_path() == "builddir/emscripten-browser/python.html"


def test_dist_archive_has_a_manifest_of_sizes_and_digests(fake: FakeToolchain) -> None:
    import hashlib
    import json
    import tarfile

    from wasmbuild.dist import make_dist

    build = fake.build()
    folder = recipe.build_target(build, "browser")
    archive = make_dist(build)
    with tarfile.open(archive) as tar:
        names = {Path(n).name for n in tar.getnames()}
        manifest_member = next(m for m in tar.getmembers() if m.name.endswith("manifest.json"))
        manifest = json.load(tar.extractfile(manifest_member))  # type: ignore[arg-type]
    assert {"python.js", "python.wasm", "python.data", "python.html", "manifest.json"} <= names
    wasm = next(f for f in manifest["files"] if f["name"] == "python.wasm")
    data = (folder / "python.wasm").read_bytes()
    assert wasm["size"] == len(data)
    assert wasm["sha256"] == hashlib.sha256(data).hexdigest()


def test_dist_before_the_browser_build_says_what_to_run(fake: FakeToolchain) -> None:
    from wasmbuild.dist import make_dist

    with pytest.raises(ToolMissing) as error:
        make_dist(fake.build())
    assert "invoke wasm.browser" in error.value.fix


def test_configure_answers_are_reused_across_targets_and_runs(fake: FakeToolchain) -> None:
    node = recipe.build_target(fake.build(), "node")
    assert (node / "config.cache.seen").read_text() == ""  # nothing stored yet: a full run

    out = io.StringIO()
    browser = recipe.build_target(fake.build(out=out), "browser")
    seen = (browser / "config.cache.seen").read_text()
    assert "ac_cv_c_compiler_gnu" in seen  # compiler checks shared between targets
    assert "py_cv_module" not in seen  # module choices are per target
    assert "ac_cv_env_" not in seen
    assert "configure starts from the compiler checks of the node configure" in out.getvalue()

    clean.clean(fake.build(), "node")
    node = recipe.build_target(fake.build(), "node")
    seen = (node / "config.cache.seen").read_text()
    assert "py_cv_module_termios=${py_cv_module_termios=node}" in seen  # its own earlier answers
    assert "ac_cv_env_" not in seen


def test_a_changed_site_file_never_reuses_stored_answers(fake: FakeToolchain) -> None:
    recipe.build_target(fake.build(), "node")
    clean.clean(fake.build(), "node")
    (fake.checkout / "config.site-wasm32-emscripten").write_text("ac_cv_func_dup3=no\n")
    node = recipe.build_target(fake.build(), "node")
    assert (node / "config.cache.seen").read_text() == ""


def test_libraries_are_built_once_and_a_new_one_reconfigures(fake: FakeToolchain) -> None:
    recipe.build_target(fake.build(), "node")
    fake.reset_calls()
    out = io.StringIO()
    recipe.build_target(fake.build(out=out), "node")
    assert fake.names() == []
    assert "fakelib 1.0: up to date" in out.getvalue()


def test_a_library_with_setup_lines_reaches_modules_setup_local(fake: FakeToolchain) -> None:
    """libffi's shape: a git snapshot needing autoreconf, our header forced into its CFLAGS,
    linker flags that add to the profile's, and a module line in Modules/Setup.local."""
    (fake.checkout / "Modules").mkdir()
    template = fake.checkout / "Modules" / "Setup.local"
    template.write_text("_fake _fake.c -I$(FAKELIB_PREFIX)/include\n")
    [dep] = fake.versions.deps
    fake.versions = dataclasses.replace(fake.versions, deps=(dataclasses.replace(
        dep, prepare=("autoreconf", "-fi"),
        build_env={"CFLAGS": "-O2 -include {tools}/emscripten/em_js_deps.h"},
        env={**dep.env, "LDFLAGS": "--js-library {tools}/emscripten/ctypes_support.js"}),))
    folder = recipe.build_target(fake.build(profile="lto"), "node")

    names = fake.names()
    # Before the library's configure (the build Python's commands, in a thread beside, may
    # come between them).
    assert names.index("autoreconf") < names.index("emconfigure")
    [library_configure] = fake.find("emconfigure", arg="--prefix=")
    tools = Path(wasmbuild.__file__).parent.parent
    assert library_configure.env["CFLAGS"] == f"-O2 -include {tools}/emscripten/em_js_deps.h"
    cross = fake.find("configure", arg="--with-emscripten-target=node")
    assert cross[0].env["LDFLAGS"] == f"-flto --js-library {tools}/emscripten/ctypes_support.js"
    prefix = fake.layout.emscripten_state("3.1.6-system") / "deps" / "fakelib-1.0"
    assert (folder / "Modules" / "Setup.local").read_text() == (
        f"FAKELIB_PREFIX={prefix}\n_fake _fake.c -I$(FAKELIB_PREFIX)/include\n")

    fake.reset_calls()
    template.write_text("# no extra modules\n")  # editing the template reconfigures
    recipe.build_target(fake.build(profile="lto"), "node")
    assert fake.names() == ["emconfigure", "configure", "emmake", "make"]  # the library is kept
    assert (folder / "Modules" / "Setup.local").read_text().endswith("# no extra modules\n")


def test_a_mirror_folder_can_come_from_the_environment(fake: FakeToolchain,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # What the clean room's --downloads uses: the host's downloads, shown read-only.
    monkeypatch.setenv("CPYTHON_WASM_MIRROR", str(fake.mirror))
    build = fake.build(source=None, python_version="3.11.2", mirror=None)
    assert build.options.mirror == fake.mirror
    assert (fetch_source(build).tree / "README").read_text() == "x"


def test_the_build_python_builds_beside_the_libraries_and_its_failure_stops_the_build(
    fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe.build_deps(fake.build())  # built first: the failure below is the build Python's make
    monkeypatch.setenv("FAKE_FAIL", "make")
    out = io.StringIO()
    with pytest.raises(CommandFailed) as failure:
        recipe.build_target(fake.build(out=out), "node")
    assert failure.value.log == fake.build().native_dir / "logs" / "make.log"
    text = out.getvalue()
    assert "the build Python builds beside the next steps" in text
    # Its lines come in one piece, where the cross build needs it, after the libraries'.
    assert text.index("# == libraries") < text.index("# == build Python")
    assert "# == cross build" not in text


def _store_emptied(fake: FakeToolchain) -> None:
    """A new machine: no build folder, no stored answers."""
    clean.clean(fake.build(), "node")
    for stored in fake.build().paths.configure_answers.glob("*"):
        stored.unlink()


def test_shipped_configure_answers_start_a_new_machine_s_configure(fake: FakeToolchain) -> None:
    shipped = recipe.configure_answers(fake.build(), "node", check=False)
    text = shipped.read_text()
    assert shipped.parent == fake.build().paths.shipped_configure_answers
    assert "ac_cv_c_compiler_gnu=${ac_cv_c_compiler_gnu=no}" in text
    # Nothing of the machine that made them: no paths, no environment, no module choices.
    assert "ac_cv_path_SED" not in text and "ac_cv_env_" not in text and "py_cv_" not in text
    assert "for: " in text.splitlines()[2]

    _store_emptied(fake)
    out = io.StringIO()
    node = recipe.build_target(fake.build(out=out), "node")
    assert (node / "config.cache.seen").read_text() == \
        "ac_cv_c_compiler_gnu=${ac_cv_c_compiler_gnu=no}\n"
    assert f"the answers the checkout ships for this configuration ({shipped.name})" \
        in out.getvalue()


def test_shipped_answers_of_other_inputs_never_reach_a_build(fake: FakeToolchain) -> None:
    recipe.configure_answers(fake.build(), "node", check=False)
    _store_emptied(fake)
    (fake.checkout / "config.site-wasm32-emscripten").write_text("ac_cv_func_dup3=no\n")
    out = io.StringIO()
    node = recipe.build_target(fake.build(out=out), "node")
    assert (node / "config.cache.seen").read_text() == ""
    assert "no configure answers stored or shipped for this configuration" in out.getvalue()
    with pytest.raises(ConfigError, match="ships no configure answers for this configuration"):
        recipe.configure_answers(fake.build(), "node", check=True)


def test_answers_check_compares_the_shipped_answers_with_a_full_configure(
        fake: FakeToolchain) -> None:
    shipped = recipe.configure_answers(fake.build(), "node", check=False)
    out = io.StringIO()
    recipe.configure_answers(fake.build(out=out), "node", check=True)
    assert "shipped answers match the full configure" in out.getvalue()
    shipped.write_text(shipped.read_text().replace("compiler_gnu=no", "compiler_gnu=yes"))
    with pytest.raises(ConfigError, match="differ from a full configure in 2 lines") as error:
        recipe.configure_answers(fake.build(), "node", check=True)
    assert "invoke wasm.answers" in error.value.fix


def test_the_answers_key_is_the_same_in_any_checkout_and_home() -> None:
    from wasmbuild.steps import configcache

    here = configcache.store_key(["-I/work/a/Tools/wasm/x", "/root/.cache/y"],
                                 {"/work/a/Tools/wasm": "{tools}", "/work/a": "{checkout}",
                                  "/root": "~"})
    there = configcache.store_key(["-I/home/b/src/Tools/wasm/x", "/home/b/.cache/y"],
                                  {"/home/b/src/Tools/wasm": "{tools}", "/home/b/src": "{checkout}",
                                   "/home/b": "~"})
    assert here == there
    assert here != configcache.store_key(["-I/work/a/Tools/wasm/z", "/root/.cache/y"],
                                         {"/work/a": "{checkout}", "/root": "~"})
