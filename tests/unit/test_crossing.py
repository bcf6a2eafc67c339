"""Where the build Python is built and run when a toolchain comes from a Debian root: never on
a C library older than the one it was linked against (wasmbuild/toolchains/crossing.py)."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest
from wasmbuild import recipe
from wasmbuild.toolchains import crossing, wasi
from wasmbuild.toolchains.toolroots import PACKAGES, toolchain_root
from wasmbuild.versions import config

from .conftest import FakeToolchain, write_script

# The C library of the machines the README names, and of one that has no glibc.
HOSTS: dict[str, crossing.Glibc] = {
    "Debian 12": (2, 36), "Debian 13": (2, 41), "Debian unstable": (2, 43),
    "Ubuntu 22.04": (2, 35), "Ubuntu 24.04": (2, 39), "Alpine (musl)": None,
}
# Every (host, root release) pair whose build Python must be built inside the root; every
# other pair runs this machine's build Python inside the root.
BUILT_INSIDE = {
    ("Debian 13", "bookworm"), ("Debian unstable", "bookworm"), ("Ubuntu 24.04", "bookworm"),
    ("Debian unstable", "trixie"), ("Debian unstable", "sid"),
    ("Alpine (musl)", "bookworm"), ("Alpine (musl)", "trixie"), ("Alpine (musl)", "sid"),
}


def test_each_host_and_root_release_pair_has_its_place() -> None:
    versions = config.load()
    # A release added to versions.toml must be added to the table above, with its verdicts.
    assert set(versions.debian.releases) == {"bookworm", "trixie", "sid"}
    layout = config_layout()
    for host, glibc in HOSTS.items():
        for release in versions.debian.releases:
            where = crossing.place(layout, versions, "3.11.2", f"debian:{release}",
                                   ("enter",), glibc)
            assert where.in_root == ((host, release) in BUILT_INSIDE), (host, release, where.why)
            assert where.folder.name == ("build-debian-" + release if where.in_root else "build")
        # The system's toolchain and an emsdk's run on this machine: so does its build Python.
        for provider in ("system", "emsdk"):
            here = crossing.place(layout, versions, "3.11.2", provider, (), glibc)
            assert not here.in_root and here.folder.name == "build"


def config_layout() -> crossing.Layout:
    return crossing.Layout(root=Path("/c"), cache_root=Path("/cache"), builddir=Path("/c/b"))


def test_the_machines_glibc_is_read_from_its_c_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crossing.os, "confstr", lambda name: "glibc 2.41")
    assert crossing.host_glibc() == (2, 41)
    monkeypatch.setattr(crossing.os, "confstr", lambda name: None)  # musl answers nothing
    assert crossing.host_glibc() is None
    assert crossing.runs_inside((2, 36), (2, 36)) and not crossing.runs_inside((2, 41), (2, 36))
    assert not crossing.runs_inside(None, (2, 42))


def entered_in(fake: FakeToolchain, folder: Path) -> list[list[str]]:
    """The commands run through a root's bwrap in `folder`."""
    found = []
    for call in fake.find("bwrap"):
        at = call.argv.index("--chdir")
        if call.argv[at + 1] == str(folder):
            found.append(call.argv[at + 2:])
    return found


BOOKWORM = config.DebianRelease("bookworm", "12", ("bookworm",), None, (2, 36))
TRIXIE_WASI_LIBC = "0.0~git20241209.574b88d-2"


def bookworm_root(fake: FakeToolchain, packages: tuple[str, ...]) -> Path:
    """A made bookworm root, as toolroots.provision leaves it, whose bwrap is the fake."""
    fake.versions = dataclasses.replace(fake.versions, debian=config.DebianArchive(
        "http://deb.invalid/debian", "http://deb.invalid/sec", {"bookworm": BOOKWORM}))
    root = toolchain_root(fake.layout, BOOKWORM)
    root.root.mkdir(parents=True)
    root.ready_file.write_text(json.dumps({"packages": {p: "1" for p in packages}}))
    write_script(fake.bin_dir / "bwrap", "bwrap")
    return root.folder


def wasi_from_bookworm_root(fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch,
                            host: crossing.Glibc) -> Path:
    """A machine whose own wasi-libc is trixie's, so 3.11's WASI toolchain comes from a root."""
    monkeypatch.setattr(wasi, "_installed_version", {"wasi-libc": TRIXIE_WASI_LIBC}.get)
    monkeypatch.setattr(crossing, "host_glibc", lambda: host)
    toolchain = fake.versions.wasi.toolchains["bookworm"]
    return bookworm_root(fake, (*toolchain.packages, *wasi.ROOT_TOOLS,
                                *crossing.BUILD_PYTHON_PACKAGES))


def test_on_a_newer_machine_the_build_python_is_built_inside_the_older_root(
        with_wasi: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = with_wasi
    folder = wasi_from_bookworm_root(fake, monkeypatch, host=(2, 41))
    out = io.StringIO()
    ctx = fake.build(out=out)
    recipe.build_target(ctx, "wasi")
    inside = ctx.paths.native_dir(ctx.cpython.key, "bookworm")
    [enter] = folder.glob("enter-*")
    # Built by the root's programs: each native step went through the root's bwrap.
    assert entered_in(fake, inside) == [[str(ctx.source_dir / "configure"), "-C"], ["make", "-j2"]]
    [native] = fake.find("configure", cwd=inside)
    assert native.argv == ["-C"]
    [cross] = fake.find("configure", arg="--host=wasm32-unknown-wasi")
    assert f"--with-build-python={inside / 'python'}" in cross.argv
    assert not ctx.native_dir.exists()  # nothing of this machine's crossed into the root
    text = out.getvalue()
    assert f"{enter} " in text and "inside the Debian bookworm root" in text
    assert "glibc 2.36 is older than this machine's glibc 2.41" in text
    assert not (fake.layout.builddir / "build").exists()  # the recipe's path stays this machine's


def test_on_an_older_or_equal_machine_its_own_build_python_runs_in_the_root(
        with_wasi: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = with_wasi
    wasi_from_bookworm_root(fake, monkeypatch, host=(2, 36))
    ctx = fake.build()
    recipe.build_target(ctx, "wasi")
    [native] = fake.find("configure", cwd=ctx.native_dir)
    assert native.argv == ["-C"]
    assert entered_in(fake, ctx.native_dir) == []  # built here, by this machine's programs
    [cross] = fake.find("configure", arg="--host=wasm32-unknown-wasi")
    assert f"--with-build-python={ctx.native_dir / 'python'}" in cross.argv
    assert not ctx.paths.native_dir(ctx.cpython.key, "bookworm").exists()


def test_a_root_made_for_an_emscripten_gets_what_the_build_python_needs(
        fake: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Debian 13 machine, Emscripten 3.1.6 from a bookworm root made before, for a build
    whose build Python ran here: the root gets gcc's and zlib's headers, once, shown first."""
    bookworm_root(fake, PACKAGES)
    home = toolchain_root(fake.layout, BOOKWORM).host_path(Path("/usr/share/emscripten"))
    shutil.copytree(fake.emscripten_root, home)  # the fake emcc and its ports, as the root's
    fake.versions = dataclasses.replace(fake.versions, emscripten={
        "3.1.6": config.EmscriptenRelease("3.1.6", ("debian:bookworm",), None)})
    monkeypatch.setattr(crossing, "host_glibc", lambda: (2, 41))
    monkeypatch.setenv("PATH", str(fake.bin_dir))  # no system emcc: 3.1.6 is the root's
    out = io.StringIO()
    ctx = fake.build(out=out, dry_run=True, emscripten="3.1.6")
    recipe.build_target(ctx, "node")
    text = out.getvalue()
    install = "apt-get install -y --no-install-recommends zlib1g-dev"
    assert text.count(install) == 1
    inside = ctx.paths.native_dir(ctx.cpython.key, "bookworm")
    assert text.index(install) < text.index("build Python: native CPython 3.11.2 inside")
    assert f"(cd {ctx.runner.path(inside)} && {ctx.emscripten.enter[0]} ../src/configure -C)" in text
    assert "--with-build-python=../../build-debian-bookworm/python" in text
    assert fake.names() == []  # a dry run
