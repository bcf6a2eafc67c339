"""Node.js: a pinned release from the npm registry (--node-version, else versions.toml's
default), or a local one (--node, or the one on PATH when the pinned one cannot be had), and
the flags python.js needs under it, decided from the detected Node and Emscripten versions
(the [[node_flags]] table of versions.toml)."""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ConfigError, ToolMissing, ToolVersionError
from ..core.layout import Layout
from ..core.shell import Runner
from ..versions.config import TOOLS_WASM, NodeRelease, Versions


@dataclass(frozen=True)
class Node:
    path: Path
    version: str


def find_node(explicit: Path | None = None) -> Node:
    if explicit is not None:
        path = explicit.expanduser()
        if not path.exists():
            raise ConfigError(f"--node {explicit}: no such file", fix="pass the path of a node binary")
    else:
        found = shutil.which("node") or shutil.which("nodejs")
        if not found:
            raise ToolMissing("node not found on PATH",
                              fix="`sudo apt-get install nodejs`, or pass --node PATH")
        path = Path(found)
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise ToolMissing(f"cannot run {path}: {exc.strerror}", fix="pass a working node") from exc
    version = out.stdout.strip().lstrip("v")
    if out.returncode != 0 or not version:
        raise ToolVersionError(f"{path} --version failed", fix="pass a working node with --node")
    return Node(path, version)


def pinned_node_binary(layout: Layout, release: NodeRelease) -> Path:
    """Where a pinned Node release's `node` is once unpacked into the cache."""
    return layout.node_release(release.version) / "bin" / "node"


def provide_node(versions: Versions, major: str, layout: Layout, runner: Runner, *,
                 mirror: Path | None = None, offline: bool = False) -> Node:
    """The step that makes a pinned Node release usable: fetched from the npm registry and
    unpacked into the cache once, then checked to be that release."""
    release = versions.node_release(major)
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise ToolMissing(f"pinned Node binaries are for Linux x64, not {sys.platform} "
                          f"{platform.machine()}", fix="pass --node PATH to a local node instead")
    home = layout.node_release(release.version)
    node = pinned_node_binary(layout, release)
    if not node.is_file():
        from .sources import fetch, unpack

        runner.heading(f"Node {release.version}, pinned in versions.toml, into the cache")
        archive = fetch([release.download], what=f"Node {release.version}",
                        downloads=layout.downloads, mirror=mirror, runner=runner, offline=offline)
        runner.action(f"mkdir -p {runner.path(home)} && tar -xzf {runner.path(archive.path)} "
                      f"-C {runner.path(home)} --strip-components=1",
                      lambda: unpack(archive.path, home))
    if runner.dry_run:  # nothing was unpacked to ask
        return Node(node, release.version)
    return _checked(node, release, home)


def _checked(binary: Path, release: NodeRelease, home: Path) -> Node:
    """The unpacked binary, once it said it is `release`. Asking starts a Node (~50 ms, on
    every `wasm.run`), so the answer is kept beside it for as long as the binary is the same
    file."""
    answered = home / ".version-answered"
    found = binary.stat()
    identity = f"{release.version} {found.st_size} {found.st_mtime_ns}"
    try:
        if answered.read_text() == identity:
            return Node(binary, release.version)
    except OSError:  # never asked
        pass
    node = find_node(binary)
    if node.version != release.version:
        raise ToolVersionError(f"{binary} is {node.version}, expected {release.version}",
                               fix=f"delete {home} and run again")
    answered.write_text(identity)
    return node


def node_flags(versions: Versions, node: Node, emscripten_version: str) -> list[str]:
    """The flags python.js needs under this Node, built by this Emscripten."""
    return [rule.flag.replace("{tools}", str(TOOLS_WASM))
            for rule in versions.node_flags(node.version, emscripten_version)]
