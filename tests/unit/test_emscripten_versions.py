"""Several Emscripten versions: fixes by version range, and Emscripten from a Debian root."""

from __future__ import annotations

import dataclasses
import io
import json
import os
from pathlib import Path

import pytest
from wasmbuild import doctor, recipe
from wasmbuild.core.errors import ConfigError, ToolVersionError
from wasmbuild.core.shell import Runner
from wasmbuild.toolchains.emscriptens import find_emscripten, provide_emscripten, where_from
from wasmbuild.toolchains.toolroots import PACKAGES
from wasmbuild.versions import config
from wasmbuild.versions.rules import TOOLS_WASM, EmscriptenFix

from .conftest import FakeToolchain


def with_fixes(fake: FakeToolchain, *fixes: EmscriptenFix) -> None:
    fake.versions = dataclasses.replace(fake.versions, fixes=fixes)


def test_a_fix_applies_inside_its_version_range_only() -> None:
    fix = EmscriptenFix("f", "why", emscripten_from="3.1.27", emscripten_below="6.0")
    assert [fix.applies(v) for v in ("3.1.6", "3.1.27", "3.1.69", "6.0.0", "6.0.5")] == [
        False, True, True, False, False]


def test_the_shipped_fixes_follow_the_versions_that_need_them() -> None:
    versions = config.load()
    names = {v: [f.name for f in versions.fixes_for(v)] for v in ("3.1.6", "3.1.69", "6.0.5")}
    everywhere = ["runtime_guards", "runtime_bridge", "interruptible_sleep"]
    assert names == {"3.1.6": ["utimensat", "clock_nanosleep", "ctypes_runtime_legacy",
                               "noderawfs_stdio_fstat", *everywhere, "quiet_getsockname",
                               "tty_ioctl"],
                     "3.1.69": ["ctypes_runtime", "ctypes_dlfcn", "noderawfs_stdio_fstat",
                                *everywhere, "stack_size"],
                     "6.0.5": ["ctypes_runtime", "ctypes_dlfcn", "no_shared_test_modules",
                               "noderawfs_fstat", *everywhere, "stack_size"]}
    dynamic = [f.name for f in versions.fixes_for("3.1.69", dynamic=True)]
    assert "runtime_bridge" in dynamic and "interruptible_sleep" not in dynamic
    assert [f.name for f in versions.fixes_for("3.1.6", "libffi")] == ["em_js_deps"]
    assert versions.fixes_for("3.1.69", "libffi") == []
    for fix in versions.fixes:
        assert all(p.is_file() for p in fix.tool_files), fix.name  # every file it names exists


def test_fixes_reach_configure_for_their_versions_and_a_new_one_reconfigures(
        fake: FakeToolchain) -> None:
    old = EmscriptenFix("sleep", "old bug", emscripten_below="3.1.8",
                        configure_env={"ac_cv_func_clock_nanosleep": "no"})
    new = EmscriptenFix("stack", "new default", emscripten_from="3.1.27", ldflags="-sSTACK_SIZE=5MB")
    lib = EmscriptenFix("hdr", "old header", applies_to="fakelib", emscripten_below="3.1.8",
                        cflags="-include {tools}/emscripten/em_js_deps.h")
    with_fixes(fake, old, new, lib)
    out = io.StringIO()
    recipe.build_target(fake.build(out=out), "node")
    [cross] = fake.find("configure", arg="--with-emscripten-target=node")
    assert cross.env["ac_cv_func_clock_nanosleep"] == "no"
    assert "STACK_SIZE" not in cross.env.get("LDFLAGS", "")
    [library] = fake.find("emconfigure", arg="--prefix=")
    assert library.env["CFLAGS"] == f"-include {TOOLS_WASM}/emscripten/em_js_deps.h"
    assert "fixes for Emscripten 3.1.6: sleep" in out.getvalue()

    fake.reset_calls()
    with_fixes(fake, new, lib)  # the version no longer needs `sleep`: configure runs again
    recipe.build_target(fake.build(), "node")
    [cross] = fake.find("configure", arg="--with-emscripten-target=node")
    assert "ac_cv_func_clock_nanosleep" not in cross.env


def make_root(fake: FakeToolchain, release: str, version: str) -> Path:
    """What toolroots.provision leaves behind: the root with emscripten, and ready.json."""
    folder = fake.layout.toolchain_roots / f"debian-{release}"
    home = folder / "root" / "usr" / "share" / "emscripten"
    (home / "cache" / "sysroot").mkdir(parents=True)  # the prebuilt libraries it ships
    (home / "emscripten-version.txt").write_text(f'"{version}"\n')
    (home / ".emscripten").write_text("CACHE = '/usr/share/emscripten/cache'\nFROZEN_CACHE = True\n")
    packages = {name: "1.0" for name in PACKAGES} | {"emscripten": f"{version}+dfsg-3"}
    (folder / "ready.json").write_text(json.dumps({"packages": packages}))
    return folder


def trixie_versions(fake: FakeToolchain) -> config.Versions:
    return dataclasses.replace(
        fake.versions,
        emscripten={**fake.versions.emscripten,
                    "3.1.69": config.EmscriptenRelease("3.1.69", ("system", "debian:trixie"), None)},
        debian=config.DebianArchive("http://deb.invalid/debian", "http://deb.invalid/sec", {
            "trixie": config.DebianRelease("trixie", "13", ("trixie",), None, (2, 41))}))


def test_a_version_the_system_lacks_comes_from_its_debian_root(fake: FakeToolchain) -> None:
    folder = make_root(fake, "trixie", "3.1.69")
    versions = trixie_versions(fake)
    runner = Runner(fake.checkout, out=io.StringIO())
    binds = [fake.checkout, fake.layout.cache_root]
    described = find_emscripten(fake.layout, version="3.1.69", runner=runner, versions=versions,
                                binds=binds)
    assert not list(folder.glob("enter-*"))  # describing writes nothing
    found = provide_emscripten(described, fake.layout, versions, runner, binds)
    assert (found.version, found.provider) == ("3.1.69", "debian:trixie")
    assert "Debian 13 (trixie) root, package emscripten 3.1.69+dfsg-3" in found.origin
    assert found.cache_seed == folder / "root" / "usr" / "share" / "emscripten" / "cache"
    assert found.env["EM_CACHE"] == str(fake.layout.emscripten_cache("3.1.69-debian-trixie"))
    command = found.command(found.tool("emcc"), "-v", cwd=fake.checkout)
    [script_path] = folder.glob("enter-*")
    assert command.argv == (str(script_path), "/usr/bin/emcc", "-v")
    script = script_path.read_text()
    assert f"bwrap --bind {folder / 'root'} /" in script
    for path in binds:  # seen at the same path inside
        assert f"--bind {path} {path}" in script
    assert '--chdir "$PWD" "$@"' in script
    # Another checkout gets its own script: neither rewrites the other's while it builds.
    other_binds = [fake.tmp / "other", fake.layout.cache_root]
    other = provide_emscripten(find_emscripten(fake.layout, version="3.1.69", versions=versions,
                                               binds=other_binds),
                               fake.layout, versions, runner, other_binds)
    assert other.enter != found.enter and len(list(folder.glob("enter-*"))) == 2
    # The system's own version still comes from the system.
    assert find_emscripten(fake.layout, version="3.1.6", versions=versions).provider == "system"
    source = where_from(fake.layout, versions, "3.1.69")
    assert (source.kind, source.describe()) == ("root", f"Debian trixie root ({folder / 'root'}), made")


def test_a_dry_run_shows_the_enter_script_once_and_writes_none(fake: FakeToolchain) -> None:
    folder = make_root(fake, "trixie", "3.1.69")
    versions = trixie_versions(fake)
    binds = [fake.checkout]

    def provide(runner: Runner) -> Path:
        described = find_emscripten(fake.layout, version="3.1.69", versions=versions, binds=binds)
        return Path(provide_emscripten(described, fake.layout, versions, runner, binds).enter[0])

    out = io.StringIO()
    dry = Runner(fake.checkout, dry_run=True, out=out)
    script = provide(dry)
    assert provide(dry) == script  # a later step's call shows it no more
    heredoc = f"cat > {script} <<'EOF' && chmod +x {script}\n"
    assert out.getvalue().count(heredoc + "#!/bin/sh\n") == 1
    assert not list(folder.glob("enter-*"))
    out = io.StringIO()
    assert provide(Runner(fake.checkout, out=out)) == script
    assert heredoc + script.read_text() + "EOF\n" in out.getvalue()
    assert os.access(script, os.X_OK)


def test_a_version_with_no_provider_here_is_one_line(fake: FakeToolchain) -> None:
    # (an emsdk can install any version, so only find_emscripten knows it has no provider)
    with pytest.raises(ToolVersionError, match=r"names no Debian root for 9\.9\.9"):
        find_emscripten(fake.layout, version="9.9.9", versions=fake.versions)
    source = where_from(fake.layout, fake.versions, "9.9.9")
    assert not source.available and source.describe().startswith("unavailable: the system has 3.1.6")


def test_the_dry_run_shows_how_the_root_would_be_made(fake: FakeToolchain) -> None:
    out = io.StringIO()
    runner = Runner(fake.checkout, dry_run=True, out=out)
    versions = trixie_versions(fake)
    found = provide_emscripten(find_emscripten(fake.layout, version="3.1.69", versions=versions),
                               fake.layout, versions, runner)
    assert found.planned and found.provider == "debian:trixie"
    text = out.getvalue()
    assert "debootstrap --variant=minbase" in text and " trixie " in text
    assert "apt-get install -y --no-install-recommends emscripten" in text
    assert not fake.layout.toolchain_roots.exists()  # nothing made


def test_a_root_made_with_fewer_packages_gets_the_missing_ones(fake: FakeToolchain) -> None:
    folder = make_root(fake, "trixie", "3.1.69")
    ready = json.loads((folder / "ready.json").read_text())
    del ready["packages"]["gcc"]
    (folder / "ready.json").write_text(json.dumps(ready))
    out = io.StringIO()
    versions = trixie_versions(fake)
    provide_emscripten(find_emscripten(fake.layout, version="3.1.69", versions=versions),
                       fake.layout, versions, Runner(fake.checkout, dry_run=True, out=out))
    text = out.getvalue()
    assert "apt-get install -y --no-install-recommends gcc'" in text
    assert "debootstrap" not in text  # the root is kept, not made again


def test_the_emscripten_version_can_come_from_the_environment(
        fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> None:
    # How the end-to-end tests and a CI job run against another Emscripten.
    monkeypatch.setenv("CPYTHON_WASM_EMSCRIPTEN", "3.1.69")
    fake.versions = trixie_versions(fake)
    assert fake.build().options.emscripten == "3.1.69"
    assert fake.build(emscripten="3.1.6").options.emscripten == "3.1.6"  # an option wins


def test_an_unknown_version_is_refused_before_any_work(fake: FakeToolchain) -> None:
    with pytest.raises(ConfigError, match=r"--emscripten 9\.9\.9: not a version this kit knows"):
        fake.build(emscripten="9.9.9")
    assert fake.names() == []


def test_expectations_are_kept_per_cpython_release_emscripten_and_target() -> None:
    from wasmbuild.testing.expectations import EXPECTATIONS_DIR, expectations_path
    path = expectations_path("3.11.2", "3.1.69", "node")
    assert path == EXPECTATIONS_DIR / "cpython-3.11" / "emscripten-3.1.69-node.toml"
    assert path.is_file()  # the shipped ones live there
    assert expectations_path("3.13.5", "6.0.5", "browser").parent.name == "cpython-3.13"


def test_a_changed_link_only_file_relinks_without_reconfiguring(
        fake: FakeToolchain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wasmbuild.versions import rules
    monkeypatch.setattr(rules, "TOOLS_WASM", tmp_path)
    (tmp_path / "glue.js").write_text("// one\n")
    with_fixes(fake, EmscriptenFix("glue", "a runtime bug", ldflags="--js-library {tools}/glue.js"))
    build = fake.build()
    recipe.build_target(build, "node")
    [configure] = fake.find("configure", arg="--with-emscripten-target=node")
    assert f"--js-library {tmp_path}/glue.js" in configure.env["LDFLAGS"]
    fake.reset_calls()
    (tmp_path / "glue.js").write_text("// two\n")
    out = io.StringIO()
    recipe.build_target(fake.build(out=out), "node")
    assert fake.names() == ["emmake", "make"]  # the link again, no configure
    assert "make: inputs changed (link_files)" in out.getvalue()


def test_describing_a_build_makes_nothing_and_the_doctor_says_what_would_be_made(
        fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> None:
    # Debian roots can be made here (the fake has debootstrap and bwrap on PATH or not: either
    # way nothing may run); the doctor of a build whose Emscripten comes from one reports it.
    monkeypatch.setattr("wasmbuild.toolchains.emscriptens.why_roots_unusable", lambda: None)
    fake.versions = trixie_versions(fake)
    ctx = fake.build(emscripten="3.1.69", dry_run=False)
    assert ctx.emscripten.planned and ctx.emscripten.provider == "debian:trixie"
    assert ctx.target_dir("node").parent.name == "emcc-3.1.69"
    report = doctor.examine(ctx)
    rows = {row.item: row for row in report.rows}
    assert "made by the first build that needs it" in rows["Emscripten 3.1.69"].detail
    assert not fake.layout.toolchain_roots.exists()
    assert [c for c in fake.calls() if c.argv != ["--version"]] == []  # only version probes ran
