"""Finding Emscripten (system package quirks, emsdk), ports offline, provisioning, doctor."""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path

import pytest
from wasmbuild import doctor, provision, recipe
from wasmbuild.core.errors import DownloadError, ToolMissing
from wasmbuild.core.shell import Runner
from wasmbuild.steps.ports import build_ports, port_fetch
from wasmbuild.toolchains.emscriptens import find_emscripten

from .conftest import FakeToolchain, write_script


def test_system_emscripten_gets_a_writable_unfrozen_cache(fake: FakeToolchain) -> None:
    emscripten = find_emscripten(fake.layout)
    assert emscripten.version == "3.1.6"
    assert emscripten.provider == "system"
    assert emscripten.env["EM_FROZEN_CACHE"] == ""
    assert Path(emscripten.env["EM_CACHE"]).is_relative_to(fake.layout.cache_root)
    assert emscripten.cache_seed == fake.emscripten_root / "cache"
    assert "NODE_PATH" not in emscripten.env  # acorn is bundled in this fake


def test_acorn_from_the_system_node_modules(fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    shutil.rmtree(fake.emscripten_root / "node_modules")
    shared = tmp_path / "usr-share-nodejs"
    (shared / "acorn").mkdir(parents=True)
    monkeypatch.setattr("wasmbuild.toolchains.toolchain.NODE_MODULE_DIRS", (tmp_path / "none", shared))
    assert find_emscripten(fake.layout).env["NODE_PATH"] == str(shared)
    shutil.rmtree(shared / "acorn")
    with pytest.raises(ToolMissing, match="acorn"):
        find_emscripten(fake.layout)


def test_a_writable_unfrozen_cache_is_used_as_it_is(fake: FakeToolchain) -> None:
    (fake.emscripten_root / ".emscripten").write_text("FROZEN_CACHE = False\n")
    emscripten = find_emscripten(fake.layout)
    assert "EM_CACHE" not in emscripten.env
    assert emscripten.cache_seed is None


def test_activated_emsdk_wins_over_the_system(fake: FakeToolchain,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    emsdk = fake.tmp / "emsdk"
    root = emsdk / "upstream" / "emscripten"
    write_script(root / "emcc", "emcc")
    (root / "emscripten-version.txt").write_text('"3.1.8"\n')
    monkeypatch.setenv("EMSDK", str(emsdk))
    found = find_emscripten(fake.layout)
    assert (found.version, found.provider, found.root) == ("3.1.8", "emsdk", root)


def test_port_files_tell_what_they_fetch(fake: FakeToolchain) -> None:
    info = port_fetch(find_emscripten(fake.layout), "bzip2")
    assert (info.url, info.subdir, info.version) == (
        "https://ports.invalid/bzip2-1.0.6.zip", "bzip2-1.0.6", "1.0.6")


def test_newer_port_files_without_a_folder_name_use_their_version(fake: FakeToolchain) -> None:
    # Emscripten 3.1.69's form: a sha512 instead of the folder, read later as <name>-<VERSION>.
    (fake.emscripten_root / "tools" / "ports" / "zlib.py").write_text(
        "VERSION = '1.2.13'\n"
        "def get(ports, settings, shared):\n"
        "    ports.fetch_project('zlib', f'https://ports.invalid/v{VERSION}.tar.gz', "
        "sha512hash='ab')\n")
    info = port_fetch(find_emscripten(fake.layout), "zlib")
    assert (info.url, info.subdir, info.version) == (
        "https://ports.invalid/v1.2.13.tar.gz", "zlib-1.2.13", "1.2.13")


def test_ports_offline_are_seeded_from_verified_archives(fake: FakeToolchain) -> None:
    out = io.StringIO()
    recipe.build_ports(fake.build(out=out))
    [embuilder] = fake.find("embuilder")
    cache = Path(embuilder.env["EM_CACHE"])
    marker = cache / "ports" / "bzip2" / ".emscripten_url"
    assert marker.read_text().strip() == "https://ports.invalid/bzip2-1.0.6.zip"
    assert (cache / "ports" / "bzip2" / "bzip2-1.0.6" / "bzlib.h").is_file()
    assert "seeding it from bzip2-1.0.8.tar.gz (1.0.8, via mirror)" in out.getvalue()
    fake.reset_calls()
    recipe.build_ports(fake.build())
    assert fake.names() == []


def test_ports_offline_without_an_archive_say_what_to_do(fake: FakeToolchain) -> None:
    for archive in fake.mirror.glob("zlib-*"):
        archive.unlink()
    with pytest.raises(DownloadError) as error:
        recipe.build_ports(fake.build())
    assert "port zlib 1.2.11" in error.value.message
    assert "--mirror" in error.value.fix


def test_setup_names_the_packages_and_needs_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provision, "REQUIREMENTS", (
        provision.Requirement("Emscripten (emcc)", "emscripten", lambda: False),
        provision.Requirement("make", "make", lambda: True),
    ))
    monkeypatch.setattr(provision.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(provision.shutil, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(ToolMissing) as error:
        provision.setup(runner=provision.Runner(Path("/"), out=io.StringIO()))
    assert error.value.fix == "sudo apt-get install -y emscripten"


def test_setup_dry_run_prints_the_apt_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provision, "REQUIREMENTS", (
        provision.Requirement("Emscripten (emcc)", "emscripten", lambda: False),
        provision.Requirement("zlib headers", "zlib1g-dev", lambda: False),
    ))
    monkeypatch.setattr(provision.shutil, "which", lambda name: f"/usr/bin/{name}")
    out = io.StringIO()
    provision.setup(runner=provision.Runner(Path("/"), dry_run=True, out=out))
    assert "apt-get install -y --no-install-recommends emscripten zlib1g-dev" in out.getvalue()


@pytest.mark.parametrize(("command", "wanted"), [
    ('invoke wasm.node wasm.run -- -c "import wasi"', ("build",)),  # the README's command 1
    ("invoke wasm.browser wasm.serve", ("build",)),
    ("invoke wasm.node wasm.test-browser -- test_json", ("build", "browser")),
    ("invoke wasm.wasi", ("build", "wasi")),
    ("invoke wasm.run --target wasi -- -c 1", ("build", "wasi")),
    ("invoke wasm.limits", ("build", "browser", "wasi")),
    ("nox -s tests e2e", ("build", "browser", "wasi")),  # the README's command 2
    ("", ("build", "browser", "wasi")),
])
def test_setup_installs_what_the_bootstrapped_command_needs(command: str,
                                                           wanted: tuple[str, ...]) -> None:
    import shlex

    assert provision.purposes_for(shlex.split(command)) == wanted


def test_a_first_build_for_node_does_not_install_browsers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provision.shutil, "which", lambda name: None)
    monkeypatch.setattr(provision.Path, "is_file", lambda self: False)
    build_only = {r.package for r in provision.missing_packages(("build",))}
    assert {"emscripten", "build-essential"} <= build_only
    assert not build_only & {"chromium", "firefox-esr", "clang-19", "wasi-libc"}
    everything = {r.package for r in provision.missing_packages()}
    assert {"chromium", "firefox-esr", "wasi-libc"} <= everything


def test_doctor_reports_the_toolchain_and_flags(fake: FakeToolchain) -> None:
    report = doctor.examine(fake.build())
    text = doctor.render(report)
    rows = {row.item: row for row in report.rows}
    assert rows["emcc"].detail.startswith("3.1.6 from")
    assert rows["emcc version"].status == "warn"  # the advisory below 3.1.8
    assert "--no-experimental-fetch" in rows["node"].detail
    assert rows["port zlib 1.2.11"].status == "warn"
    assert "fix: `invoke wasm.ports`" in text


def test_doctor_names_each_browser_engine_and_the_package_a_missing_one_needs(
        fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{fake.bin_dir}")  # no browser at all
    (fake.bin_dir / "Xvfb").write_text("#!/bin/sh\n")
    (fake.bin_dir / "Xvfb").chmod(0o755)
    rows = {row.item: row for row in doctor.examine(fake.build()).rows}
    assert rows["xvfb"].status == "ok"
    for package in ("chromium", "firefox-esr", "webkit2gtk-driver"):
        assert rows[package].status == "warn"  # only the page tests need them
        assert rows[package].fix.startswith(f"`sudo apt-get install {package}`")
    assert "WebKitWebDriver" in rows["webkit2gtk-driver"].detail


def test_doctor_marks_a_missing_emcc(fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(fake.bin_dir))
    report = doctor.examine(fake.build())
    assert not report.ok
    row = next(r for r in report.rows if r.item == "emcc")
    assert row.status == "missing"
    assert "apt-get install emscripten" in row.fix


def test_ccache_wraps_the_compiler_when_installed(fake: FakeToolchain,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert "EM_COMPILER_WRAPPER" not in find_emscripten(fake.layout).env
    ccache = fake.bin_dir / "ccache"
    ccache.write_text("#!/bin/sh\nexec \"$@\"\n")
    ccache.chmod(0o755)
    env = find_emscripten(fake.layout).env
    assert env["EM_COMPILER_WRAPPER"] == str(ccache)
    assert Path(env["CCACHE_DIR"]).is_relative_to(fake.layout.cache_root)
    monkeypatch.setenv("CPYTHON_WASM_NO_CCACHE", "1")
    assert "EM_COMPILER_WRAPPER" not in find_emscripten(fake.layout).env


def test_an_empty_cache_gets_its_sysroot_before_the_ports(fake: FakeToolchain) -> None:
    """sid's package ships no prebuilt cache: the ports write into a sysroot embuilder makes."""
    emscripten = dataclasses.replace(find_emscripten(fake.layout), cache_seed=None)
    runner = Runner(fake.checkout, out=io.StringIO())
    build_ports(emscripten, fake.versions, fake.layout, runner, mirror=fake.mirror, offline=True)
    [embuilder] = fake.find("embuilder")
    assert embuilder.argv == ["build", "sysroot", "zlib", "bzip2"]
    fake.reset_calls()
    (fake.layout.emscripten_state(emscripten.key) / "ports.json").unlink()  # forget the stamp
    build_ports(emscripten, fake.versions, fake.layout, runner, mirror=fake.mirror, offline=True)
    [embuilder] = fake.find("embuilder")
    assert embuilder.argv == ["build", "zlib", "bzip2"]  # installed once
