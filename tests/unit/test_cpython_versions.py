"""Several CPython versions: each built by its own recipe, with the Emscripten versions it takes."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from wasmbuild import recipe
from wasmbuild.core.errors import ConfigError
from wasmbuild.versions import config
from wasmbuild.versions.matrix import Matrix, MatrixEntry, check_matrix

from .conftest import FakeToolchain, make_cpython_tree
from .test_tasks import invoke

VERSIONS = config.load()


@pytest.mark.parametrize(("version", "name"), [
    ("3.11.2", "3.11"), ("3.12.9", "3.12-3.13"), ("3.13.5", "3.12-3.13"), ("3.14.8", "3.14+"),
    ("3.16.0a1", "3.14+"),
])
def test_each_version_finds_its_recipe(version: str, name: str) -> None:
    assert VERSIONS.recipe_for(version).name == name


def test_a_version_without_emscripten_support_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match=r"CPython 3\.10\.9 has no wasm32-emscripten recipe") as err:
        VERSIONS.recipe_for("3.10.9")
    assert "3.11 or newer" in err.value.fix


def test_the_recipes_say_what_each_version_documents() -> None:
    old, middle, new = (VERSIONS.recipe_for(v) for v in ("3.11.2", "3.13.5", "3.14.8"))
    assert old.configure_args("node-debug") == ["--with-emscripten-target=node-debug"]
    assert middle.configure_args("browser") == ["--with-emscripten-target=browser"]
    assert not any("emscripten-target" in a for a in new.configure_args("node"))  # removed in 3.14
    assert (old.setup_local, middle.setup_local) == (True, False)  # 3.12+ configure builds _ctypes
    assert middle.env({"libffi": Path("/p")}) == {"LIBFFI_CFLAGS": "-I/p/include",
                                                 "LIBFFI_LIBS": "-L/p/lib -lffi"}
    assert middle.env({}) == {}  # no libffi built: nothing points at it
    assert new.site_files[0] == "Platforms/emscripten/config.site-wasm32-emscripten"


def test_default_emscripten_per_cpython_version() -> None:
    assert VERSIONS.default_emscripten("3.11.2") is None  # the system's emcc, as the quick start has
    assert VERSIONS.default_emscripten("3.13.5") == "6.0.5"
    assert VERSIONS.recipe_for("3.13.5").accepts("3.1.69")
    assert not VERSIONS.recipe_for("3.13.5").accepts("3.1.6")


def test_the_matrix_is_the_declared_combinations_only() -> None:
    runs = VERSIONS.matrix.node_runs()
    assert ("3.13.5", "6.0.5", "24") in runs and ("3.11.2", "3.1.6", "18") in runs
    assert not [r for r in runs if r[0] == "3.13.5" and r[1] == "3.1.6"]
    browsers = VERSIONS.matrix.browser_runs()
    assert ("3.13.5", "3.1.69", "chromium") in browsers
    assert ("3.11.2", "3.1.6", "firefox") in browsers
    assert len(browsers) == len(set(browsers))
    assert VERSIONS.matrix.emscripten == ("3.1.6", "3.1.69", "6.0.5")


def test_a_matrix_entry_with_an_unknown_browser_is_a_config_error() -> None:
    safari = Matrix((MatrixEntry("3.11.2", ("3.1.6",), (), ("safari",)),))
    with pytest.raises(ConfigError, match="browser 'safari', which the kit cannot drive"):
        check_matrix(safari, VERSIONS.recipe_for, set(VERSIONS.cpython), set(VERSIONS.node))


def test_a_matrix_entry_outside_its_recipe_is_a_config_error() -> None:
    bad = Matrix((MatrixEntry("3.13.5", ("3.1.6",), ("22",)),))
    with pytest.raises(ConfigError, match="outside its recipe's range"):
        check_matrix(bad, VERSIONS.recipe_for, set(VERSIONS.cpython),
                     set(VERSIONS.node))
    unpinned = Matrix((MatrixEntry("3.13.9", ("6.0.5",), ("22",)),))
    with pytest.raises(ConfigError, match="does not pin"):
        check_matrix(unpinned, VERSIONS.recipe_for, set(VERSIONS.cpython),
                     set(VERSIONS.node))


def test_an_emscripten_outside_the_range_is_refused_before_any_work(fake: FakeToolchain) -> None:
    tree = make_cpython_tree(fake.tmp / "cpython-3.13", "3.13.5")
    result = invoke(fake, "wasm.node", "--source", str(tree), "--emscripten", "3.1.6")
    assert result.returncode == 2
    assert "error: CPython 3.13.5 with Emscripten 3.1.6 is not known to work" in result.stderr
    assert "3.1.19 or newer" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.stderr
    assert fake.calls() == []


def test_force_builds_it_anyway_with_the_versions_recipe(fake: FakeToolchain) -> None:
    # A 3.14-style tree: the site file in Platforms/emscripten, no --with-emscripten-target.
    tree = make_cpython_tree(fake.tmp / "cpython-3.14", "3.14.8")
    (tree / "Tools" / "wasm" / "config.site-wasm32-emscripten").unlink()
    site = tree / "Platforms" / "emscripten" / "config.site-wasm32-emscripten"
    site.parent.mkdir(parents=True)
    site.write_text("ac_cv_y=no\n")
    fake.versions = dataclasses.replace(fake.versions, recipes=VERSIONS.recipes)
    with pytest.raises(ConfigError, match=r"takes Emscripten 4\.0\.12 or newer"):
        fake.build(source=tree, emscripten="3.1.6")
    out = io.StringIO()
    recipe.build_target(fake.build(out=out, source=tree, emscripten="3.1.6", force=True), "node")
    assert "warning: CPython 3.14.8 with Emscripten 3.1.6 is not known to work" in out.getvalue()
    [configure] = fake.find("configure", arg="--with-build-python")
    assert not [a for a in configure.argv if "emscripten-target" in a]
    assert "--enable-big-digits=30" in configure.argv
    assert configure.env["CPYTHON_WASM_SITE"] == "Platforms/emscripten/config.site-wasm32-emscripten"
    folder = fake.build(source=tree, emscripten="3.1.6", force=True).target_dir("node")
    assert "_ctypes" not in (folder / "Modules" / "Setup.local").read_text()


def test_the_311_recipe_keeps_our_module_lines_and_the_default_site_file(fake: FakeToolchain) -> None:
    recipe.build_target(fake.build(), "node")
    [configure] = fake.find("configure", arg="--with-emscripten-target=node")
    assert "CPYTHON_WASM_SITE" not in configure.env  # Tools/wasm/, where ours looks by default
    setup_local = (fake.build().target_dir("node") / "Modules" / "Setup.local").read_text()
    assert setup_local.startswith("FAKELIB_PREFIX=")


def test_a_tree_without_its_versions_site_file_is_refused(fake: FakeToolchain) -> None:
    tree = make_cpython_tree(fake.tmp / "cpython-broken", "3.11.4")
    (tree / "Tools" / "wasm" / "config.site-wasm32-emscripten").unlink()
    with pytest.raises(ConfigError, match="has none of the site files"):
        recipe.build_target(fake.build(source=tree), "node")


def test_cpython_wasm_python_picks_the_release_unless_one_is_given(
        fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPYTHON_WASM_PYTHON", "3.11.2")
    assert fake.build(source=None).cpython.user_tree is None  # the release, not a tree
    assert fake.build().cpython.user_tree == fake.tree  # --source wins over the variable
    monkeypatch.setenv("CPYTHON_WASM_PYTHON", "3.9.1")
    with pytest.raises(ConfigError, match=r"unknown CPython version '3\.9\.1'"):
        fake.build(source=None)
