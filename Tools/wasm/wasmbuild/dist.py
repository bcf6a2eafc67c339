"""`wasm.dist`: a deployable archive of the browser page, with a manifest of sizes and digests."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .browser import web_packages
from .core.errors import ToolMissing
from .targets.browser import page_files
from .targets.site_files import BROWSER_BUNDLE
from .toolchains.context import Context

BUILD_OUTPUTS = ("python.js", "python.wasm", "python.data", BROWSER_BUNDLE)
HEADERS_NOTE = """Serve this folder from any static host over HTTPS, or over plain HTTP on
localhost, and open python.html. Python needs SharedArrayBuffer, which
browsers give only to cross-origin isolated pages; the page's service worker
(isolation.worker.js) adds the headers for that to these files, at the cost
of one reload on the first visit. A host that sends, on every response,
  Cross-Origin-Opener-Policy: same-origin
  Cross-Origin-Embedder-Policy: require-corp
and `application/wasm` as the type of python.wasm needs no worker and no
reload, and also serves browsers without service workers (turned off,
private windows). Plain HTTP from another machine works in no case: browsers
give SharedArrayBuffer only to secure contexts (HTTPS, localhost), headers
or not.
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


def make_dist(ctx: Context) -> Path:
    folder = ctx.target_dir("browser")
    terminal = web_packages.file_names(ctx.versions)  # xterm.js & co, installed with the page
    missing = [n for n in (*BUILD_OUTPUTS, *terminal) if not (folder / n).is_file()]
    if missing and not ctx.runner.dry_run:
        raise ToolMissing(f"the browser build is incomplete ({', '.join(missing)} missing in "
                          f"{ctx.runner.path(folder)})", fix="run `invoke wasm.browser` first")
    name = f"cpython-{ctx.cpython.key}-emscripten-{ctx.emscripten.version}-{ctx.variant('browser')}"
    archive = ctx.paths.dist / f"{name}.tar.gz"
    files = [folder / n for n in (*BUILD_OUTPUTS, *(p.name for p in page_files()), *terminal)]
    ctx.runner.say(f"tar -czf {ctx.runner.path(archive)} -C {ctx.runner.path(folder)} "
                     + " ".join(f.name for f in files) + " manifest.json HEADERS.txt")
    if ctx.runner.dry_run:
        return archive
    entries = [describe(f) for f in files]
    manifest = {
        "cpython": ctx.cpython.version,
        "emscripten": ctx.emscripten.version,
        "flavour": ctx.flavour("browser"),
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
    ctx.runner.say(size_table(entries))
    ctx.runner.note(f"wrote {ctx.runner.path(archive)}")
    return archive
