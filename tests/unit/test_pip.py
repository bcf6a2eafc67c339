"""`wasm.pip` on made-up wheels in a mirror folder (offline, as the unit tests must run): the
choice follows the build's environment, bad input is one line, and a failure installs nothing."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from wasmbuild import pip
from wasmbuild.core.errors import ConfigError
from wasmbuild.packages import requirements
from wasmbuild.targets import registry
from wasmbuild.toolchains.context import Context

from .conftest import FakeToolchain


def make_wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = (),
               tag: str = "py3-none-any", purelib: bool = True, extra_file: str = "") -> Path:
    """A wheel of a package `name` whose module says its version."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-{tag}.whl"
    info = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": f"VERSION = {version!r}\n",
             f"{info}/METADATA": "Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}".format(
                 name, version, "".join(f"Requires-Dist: {r}\n" for r in requires)),
             f"{info}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: {str(purelib).lower()}\n"
                              f"Tag: {tag}\n"}
    if extra_file:
        files[f"{name}/{extra_file}"] = "data\n"
    files[f"{info}/RECORD"] = "".join(f"{path},,\n" for path in [*files, f"{info}/RECORD"])
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def built(fake: FakeToolchain, target: str = "node", out: io.StringIO | None = None,
          **options: object) -> Context:
    """A context whose `target` build exists (its python.js or python.wasm)."""
    ctx = fake.build(out=out, offline=True, **options)
    program = ctx.python_js(target) if target != "wasi" else None
    assert program is not None
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_text("// built\n")
    return ctx


def install(ctx: Context, *wanted: str, target: str = "node", **options: bool) -> list[str]:
    picks = pip.install(ctx, registry.get(target), [requirements.parse(w) for w in wanted],
                        **options)  # type: ignore[arg-type]
    return sorted(f"{p.name}=={p.version}" for p in picks)


def site(ctx: Context) -> Path:
    return ctx.target_dir("node") / "site-packages"


def test_dependencies_are_chosen_by_the_builds_platform_not_this_machines(
        fake: FakeToolchain) -> None:
    make_wheel(fake.mirror, "app", "1.0", requires=(
        "helper>=1", 'nativeonly ; sys_platform != "emscripten"',
        'wasmonly ; sys_platform == "emscripten"', 'winonly ; platform_system == "Windows"',
        'old ; python_version < "3.8"', "extra-dep ; extra == 'fancy'"))
    for name in ("helper", "nativeonly", "wasmonly", "winonly", "old", "extra_dep"):
        make_wheel(fake.mirror, name, "1.0")
    make_wheel(fake.mirror, "helper", "2.0")
    ctx = built(fake)
    assert install(ctx, "app") == ["app==1.0", "helper==2.0", "wasmonly==1.0"]
    assert (site(ctx) / "helper" / "__init__.py").read_text() == "VERSION = '2.0'\n"
    assert (site(ctx) / "app-1.0.dist-info" / "INSTALLER").read_text() == "cpython-wasm\n"
    assert not (site(ctx).parent / "site-packages.partial").exists()
    assert install(ctx, "app[fancy]") == ["app==1.0", "extra-dep==1.0", "helper==2.0",
                                          "wasmonly==1.0"]


def test_a_newer_release_replaces_the_installed_one(fake: FakeToolchain) -> None:
    make_wheel(fake.mirror, "lib", "1.0", extra_file="gone_in_2.txt")
    ctx = built(fake)
    install(ctx, "lib==1.0")
    assert (site(ctx) / "lib" / "gone_in_2.txt").is_file()
    make_wheel(fake.mirror, "lib", "2.0")
    install(ctx, "lib")
    assert sorted(p.name for p in site(ctx).iterdir()) == ["lib", "lib-2.0.dist-info"]
    assert not (site(ctx) / "lib" / "gone_in_2.txt").exists()


@pytest.mark.parametrize(("wanted", "message"), [
    ("nosuch", "no file of 'nosuch' in"),
    ("lib==9.9", "no release of lib matches ==9.9 on"),
    ("fast", "fast 1.0 has only wheels with compiled code (cp311-cp311-manylinux_2_17_x86_64), "
             "and no release of it that any version allows is pure Python: there is no wasm "
             "wheel for this build"),
    ("lib>=1 ; python_version >= '3'", None),
])
def test_bad_input_is_one_line_and_installs_nothing(fake: FakeToolchain, wanted: str,
                                                     message: str | None) -> None:
    make_wheel(fake.mirror, "lib", "1.0")
    make_wheel(fake.mirror, "fast", "1.0", tag="cp311-cp311-manylinux_2_17_x86_64", purelib=False)
    ctx = built(fake)
    install(ctx, "lib")
    before = sorted(p.name for p in site(ctx).rglob("*"))
    if message is None:  # a good requirement, for contrast
        assert install(ctx, wanted) == ["lib==1.0"]
        return
    with pytest.raises(ConfigError) as failed:
        install(ctx, "lib", wanted)
    assert message in failed.value.message and "\n" not in failed.value.message
    assert failed.value.fix
    assert sorted(p.name for p in site(ctx).rglob("*")) == before
    assert not (site(ctx).parent / "site-packages.partial").exists()


def test_require_hashes_takes_only_listed_files(fake: FakeToolchain, tmp_path: Path) -> None:
    wheel = make_wheel(fake.mirror, "lib", "1.0", requires=("dep",))
    dep = make_wheel(fake.mirror, "dep", "1.0")
    digest, dep_digest = (hashlib.sha256(w.read_bytes()).hexdigest() for w in (wheel, dep))
    ctx = built(fake)
    listed = tmp_path / "requirements.txt"
    listed.write_text(f"lib==1.0 \\\n    --hash=sha256:{digest}  # the app\n")
    with pytest.raises(ConfigError, match=r"dep \(needed by lib 1.0\) is not pinned with a hash"):
        pip.install(ctx, registry.get("node"), requirements.read_file(listed), require_hashes=True)
    listed.write_text(f"lib==1.0 --hash=sha256:{'0' * 64}\ndep==1.0 --hash=sha256:{dep_digest}\n")
    with pytest.raises(ConfigError, match=f"has sha256 {digest}, which the requirements"):
        pip.install(ctx, registry.get("node"), requirements.read_file(listed), require_hashes=True)
    assert not site(ctx).exists()
    listed.write_text(f"lib==1.0 --hash=sha256:{digest}\ndep==1.0 --hash=sha256:{dep_digest}\n")
    picks = pip.install(ctx, registry.get("node"), requirements.read_file(listed),
                        require_hashes=True)
    assert sorted(p.name for p in picks) == ["dep", "lib"]


def test_a_dry_run_prints_the_installation_and_installs_nothing(fake: FakeToolchain) -> None:
    make_wheel(fake.mirror, "lib", "1.0")
    out = io.StringIO()
    ctx = built(fake, out=out, dry_run=True)
    install(ctx, "lib")
    printed = out.getvalue()
    assert "python3 -m zipfile -e" in printed and "lib-1.0-py3-none-any.whl" in printed
    assert "mv " in printed and not site(ctx).exists()


def test_packages_need_the_build(fake: FakeToolchain) -> None:
    make_wheel(fake.mirror, "lib", "1.0")
    from wasmbuild.core.errors import ToolMissing

    with pytest.raises(ToolMissing, match="is not built"):
        install(fake.build(offline=True), "lib")


def test_a_requirements_file_option_other_than_hash_is_refused(tmp_path: Path) -> None:
    listed = tmp_path / "requirements.txt"
    listed.write_text("--index-url https://example.invalid\nlib\n")
    with pytest.raises(ConfigError, match="option --index-url is not supported"):
        requirements.read_file(listed)


def test_the_page_loads_the_browser_builds_packages_and_nothing_when_there_are_none(
        fake: FakeToolchain) -> None:
    import base64
    import json

    make_wheel(fake.mirror, "lib", "1.0")
    ctx = built(fake, "browser")
    folder = ctx.target_dir("browser")
    packages = "/usr/local/lib/python3.11/site-packages"
    from wasmbuild.targets import browser

    email = ctx.source_dir / "Lib" / "email" / "__init__.py"  # left out of the page's stdlib
    email.parent.mkdir(parents=True)
    email.write_text("# email\n")
    browser.install_page(ctx, folder)
    plain = json.loads((folder / "wasm-site.json").read_text())
    assert plain and all(path.count("/") == packages.count("/") + 1 for path in plain)
    install(ctx, "lib", target="browser")
    bundle = json.loads((folder / "wasm-site.json").read_text())
    assert set(bundle) - set(plain) == {f"{packages}/lib/__init__.py", f"{packages}/email/__init__.py",
                                        f"{packages}/lib-1.0.dist-info/METADATA",
                                        f"{packages}/lib-1.0.dist-info/WHEEL",
                                        f"{packages}/lib-1.0.dist-info/RECORD",
                                        f"{packages}/lib-1.0.dist-info/INSTALLER"}
    assert base64.b64decode(bundle[f"{packages}/lib/__init__.py"]) == b"VERSION = '1.0'\n"


def test_a_compiled_release_is_passed_over_for_an_older_pure_one_without_building(
        fake: FakeToolchain) -> None:
    make_wheel(fake.mirror, "fast", "1.0", tag="cp311-cp311-manylinux_2_17_x86_64", purelib=False)
    (fake.mirror / "fast-1.0.tar.gz").write_bytes(b"an sdist that would build fast.c")
    out = io.StringIO()
    ctx = built(fake, out=out)
    with pytest.raises(ConfigError, match=r"fast 1.0 has only wheels with compiled code"):
        install(ctx, "fast")
    make_wheel(fake.mirror, "fast", "0.9")
    assert install(ctx, "fast") == ["fast==0.9"]
    assert "building its sdist" not in out.getvalue()
