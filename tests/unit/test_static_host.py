"""The page on any static host: its service worker ships with it, adds the headers our own
server sends, and HEADERS.txt says what a host may add (the browsers: tests/e2e/
test_static_host.py)."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

from wasmbuild import dist, recipe
from wasmbuild.browser import serve
from wasmbuild.targets.browser import page_files
from wasmbuild.versions.config import TOOLS_WASM

from .conftest import FakeToolchain

WEB = TOOLS_WASM / "web"


def worker_headers() -> dict[str, str]:
    """The headers isolation.worker.js adds to every same-origin answer (its ADDED table)."""
    table = re.search(r"const ADDED = \{(.*?)\};", (WEB / "isolation.worker.js").read_text(), re.S)
    assert table, "isolation.worker.js has no ADDED table"
    return dict(re.findall(r'"([\w-]+)": "([\w-]+)"', table.group(1)))


def test_the_worker_adds_what_our_server_sends() -> None:
    """A page behind a static host gets the headers it gets behind `wasm.serve`, and the type
    streaming compilation needs."""
    isolation = {k: v for k, v in serve.ISOLATION_HEADERS.items() if k.startswith("Cross-Origin")}
    assert worker_headers() == isolation
    worker = (WEB / "isolation.worker.js").read_text()
    assert f'"Content-Type", "{serve.CONTENT_TYPES[".wasm"]}"' in worker


def test_the_isolation_scripts_are_page_files_a_classic_script_and_a_relative_worker() -> None:
    names = {p.name for p in page_files()}
    assert {"isolation.js", "isolation.worker.js"} <= names
    script = (WEB / "isolation.js").read_text()
    assert not re.search(r"^\s*(import|export)\b", script, re.M)  # loaded by a plain <script>
    assert 'register(WORKER, { scope: "./" })' in script  # works from any subfolder
    assert 'const WORKER = "isolation.worker.js";' in script


def test_headers_note_is_advice_and_names_what_each_host_needs() -> None:
    note = dist.HEADERS_NOTE
    assert "any static host" in note and "isolation.worker.js" in note
    assert "one reload on the first visit" in note
    for name in ("Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy"):  # CORP is
        assert f"  {name}: {serve.ISOLATION_HEADERS[name]}\n" in note  # for other origins' files
    assert "application/wasm" in note
    assert "Plain HTTP from another machine works in no case" in note
    assert all(len(line) <= 80 for line in note.splitlines())  # read in a terminal


def test_dist_archive_carries_the_worker_and_the_advice(fake: FakeToolchain) -> None:
    build = fake.build()
    recipe.build_target(build, "browser")
    archive = dist.make_dist(build)
    with tarfile.open(archive) as tar:
        names = {Path(n).name: n for n in tar.getnames()}
        assert {"isolation.js", "isolation.worker.js", "python.html", "HEADERS.txt"} <= set(names)
        # Beside python.html in the archive's one folder: the worker's scope is that folder.
        assert Path(names["isolation.worker.js"]).parent == Path(names["python.html"]).parent
        headers = tar.extractfile(names["HEADERS.txt"])
        assert headers is not None and headers.read().decode() == dist.HEADERS_NOTE
