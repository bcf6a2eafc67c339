"""The page's terminal (xterm.js and its fit addon, versions.toml's [web_packages]): fetched like
every pinned download, verified, and copied into the browser build folder under flat names."""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
from pathlib import Path

import pytest
from wasmbuild import doctor, recipe
from wasmbuild.browser import serve, web_packages
from wasmbuild.core.errors import ChecksumMismatch, DownloadError
from wasmbuild.dist import make_dist
from wasmbuild.versions import config

from .conftest import FAKE_XTERM, FakeToolchain, make_archive

FIT = {"lib/addon-fit.js": "var FitAddon = {};\n", "LICENSE": "MIT (fit)\n"}


def with_fit_addon(fake: FakeToolchain, content: dict[str, str] = FIT) -> FakeToolchain:
    """The fake versions with a second package, @xterm/addon-fit, in the mirror folder."""
    sha = make_archive(fake.mirror / "addon-fit-0.11.0.tgz", "package", content)
    fit = config.WebPackage("@xterm/addon-fit", "0.11.0", config.Download(
        "npm", "https://registry.invalid/@xterm/addon-fit/-/addon-fit-0.11.0.tgz", sha),
        (("addon-fit.js", "package/lib/addon-fit.js"), ("addon-fit.LICENSE.txt", "package/LICENSE")))
    fake.versions = dataclasses.replace(fake.versions,
                                        web_packages=(*fake.versions.web_packages, fit))
    return fake


def test_the_files_land_under_their_flat_names(fake: FakeToolchain, tmp_path: Path) -> None:
    fake = with_fit_addon(fake)
    out = io.StringIO()
    folder = tmp_path / "page"
    written = web_packages.install(fake.build(out=out), folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in written) == [
        "addon-fit.LICENSE.txt", "addon-fit.js", "xterm.LICENSE.txt", "xterm.js"]
    assert (folder / "xterm.js").read_text() == FAKE_XTERM["lib/xterm.js"]
    assert (folder / "addon-fit.LICENSE.txt").read_text() == FIT["LICENSE"]
    # The shell equivalent of each copy is printed, as for every step.
    assert "tar -xzOf" in out.getvalue() and "package/lib/xterm.js >" in out.getvalue()
    assert web_packages.file_names(fake.versions) == [
        "xterm.js", "xterm.LICENSE.txt", "addon-fit.js", "addon-fit.LICENSE.txt"]


def test_an_unchanged_file_keeps_its_modification_time(fake: FakeToolchain, tmp_path: Path) -> None:
    folder = tmp_path / "page"
    web_packages.install(fake.build(), folder)
    before = (folder / "xterm.js").stat().st_mtime_ns
    web_packages.install(fake.build(), folder)
    assert (folder / "xterm.js").stat().st_mtime_ns == before  # wasm.serve answers 304


def test_a_checksum_mismatch_is_one_line_and_nothing_is_extracted(
        fake: FakeToolchain, tmp_path: Path) -> None:
    fake = with_fit_addon(fake)
    make_archive(fake.mirror / "addon-fit-0.11.0.tgz", "package", {**FIT, "extra": "x"})
    folder = tmp_path / "page"
    with pytest.raises(ChecksumMismatch) as error:
        web_packages.install(fake.build(), folder)
    assert "\n" not in error.value.message and "addon-fit-0.11.0.tgz" in error.value.message
    assert error.value.fix
    assert not folder.exists()  # not even the first package's files, which were fine


def test_offline_with_an_empty_cache_names_the_mirror_option(
        fake: FakeToolchain, tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as error:
        web_packages.install(fake.build(mirror=None, offline=True), tmp_path / "page")
    assert "@xterm/xterm 6.0.0" in error.value.message and "--offline" in error.value.message
    assert "--mirror" in error.value.fix and "xterm-6.0.0.tgz" in error.value.fix
    assert not (tmp_path / "page").exists()


def test_a_dry_run_prints_the_copies_and_writes_nothing(fake: FakeToolchain, tmp_path: Path) -> None:
    out = io.StringIO()
    web_packages.install(fake.build(out=out, dry_run=True), tmp_path / "page")
    assert "package/LICENSE > " in out.getvalue()
    assert not (tmp_path / "page").exists() and not fake.layout.downloads.exists()


def test_the_browser_page_and_its_archive_carry_the_terminal(fake: FakeToolchain) -> None:
    build = fake.build()
    folder = recipe.build_target(build, "browser")
    assert (folder / "xterm.js").read_text() == FAKE_XTERM["lib/xterm.js"]
    with tarfile.open(make_dist(build)) as tar:
        names = {Path(n).name for n in tar.getnames()}
        member = next(m for m in tar.getmembers() if m.name.endswith("manifest.json"))
        manifest = json.load(tar.extractfile(member))  # type: ignore[arg-type]
    assert {"xterm.js", "xterm.LICENSE.txt"} <= names
    assert {"xterm.js", "xterm.LICENSE.txt"} <= {f["name"] for f in manifest["files"]}


def test_the_doctor_says_whether_the_packages_are_cached(fake: FakeToolchain) -> None:
    def row() -> doctor.Row:
        return next(r for r in doctor.examine(fake.build()).rows if r.item == "@xterm/xterm 6.0.0")

    assert row().status == "warn" and "--mirror" in row().fix
    fake.layout.downloads.mkdir(parents=True)
    (fake.layout.downloads / "xterm-6.0.0.tgz").write_bytes((fake.mirror / "xterm-6.0.0.tgz").read_bytes())
    assert row().status == "ok"


def test_the_pinned_packages_are_served_beside_the_page() -> None:
    versions = config.load()
    pinned = {p.name: p for p in versions.web_packages}
    assert pinned["@xterm/xterm"].version == "6.0.0"
    assert pinned["@xterm/addon-fit"].download.url.startswith("https://registry.npmjs.org/")
    for name in web_packages.file_names(versions):
        assert Path(name).name == name
        assert serve.pages_of_a_checkout(("builddir", "emscripten-browser", name)), name
    # The licences are served; other text files of a build folder stay private.
    assert not serve.pages_of_a_checkout(("builddir", "emscripten-browser", "pybuilddir.txt"))
