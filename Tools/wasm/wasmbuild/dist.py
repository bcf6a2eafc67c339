"""`wasm.dist`: a deployable archive of the browser page, with a manifest of sizes and digests."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ToolMissing

if TYPE_CHECKING:
    from .build import Build

BUILD_OUTPUTS = ("python.js", "python.wasm", "python.data")
HEADERS_NOTE = """Serve these files over HTTP(S) with, on every response:
  Cross-Origin-Opener-Policy: same-origin
  Cross-Origin-Embedder-Policy: require-corp
and `application/wasm` as the type of python.wasm. Open python.html.
"""


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    gzip_size: int
    sha256: str


def describe(path: Path) -> Entry:
    data = path.read_bytes()
    return Entry(path.name, len(data), len(gzip.compress(data, compresslevel=9, mtime=0)),
                 hashlib.sha256(data).hexdigest())


def size_table(entries: list[Entry]) -> str:
    lines = ["| file | bytes | gzip -9 |", "|---|---:|---:|"]
    lines += [f"| {e.name} | {e.size:,} | {e.gzip_size:,} |" for e in entries
              if e.name.endswith((".wasm", ".data", ".js"))]
    return "\n".join(lines)


def make_dist(build: Build) -> Path:
    folder = build.target_dir("browser")
    missing = [n for n in BUILD_OUTPUTS if not (folder / n).is_file()]
    if missing and not build.runner.dry_run:
        raise ToolMissing(f"the browser build is incomplete ({', '.join(missing)} missing in "
                          f"{build.runner.path(folder)})", fix="run `invoke wasm.browser` first")
    name = f"cpython-{build.cpython.key}-emscripten-{build.emscripten.version}-{build.variant('browser')}"
    archive = build.layout.builddir / "dist" / f"{name}.tar.gz"
    files = [folder / n for n in BUILD_OUTPUTS] + [folder / p.name for p in build.page_files()]
    build.runner.say(f"tar -czf {build.runner.path(archive)} -C {build.runner.path(folder)} "
                     + " ".join(f.name for f in files) + " manifest.json HEADERS.txt")
    if build.runner.dry_run:
        return archive
    entries = [describe(f) for f in files]
    manifest = {
        "cpython": build.cpython.version,
        "emscripten": build.emscripten.version,
        "flavour": build.flavour("browser"),
        "files": [e.__dict__ for e in entries],
    }
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    with tarfile.open(partial, "w:gz") as tar:
        for f in files:
            tar.add(f, arcname=f"{name}/{f.name}")
        for extra, text in (("manifest.json", json.dumps(manifest, indent=2) + "\n"),
                            ("HEADERS.txt", HEADERS_NOTE)):
            data = text.encode()
            info = tarfile.TarInfo(f"{name}/{extra}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    partial.replace(archive)
    build.runner.say(size_table(entries))
    build.runner.note(f"wrote {build.runner.path(archive)}")
    return archive
