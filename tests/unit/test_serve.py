"""The development server, for real on loopback: headers, types, traversal, load, errors."""

from __future__ import annotations

import functools
import http.client
import io
import os
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from wasmbuild.browser import serve
from wasmbuild.core.errors import ConfigError
from wasmbuild.core.shell import Runner


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    root = tmp_path / "root"
    page = root / "builddir" / "emscripten-browser"
    page.mkdir(parents=True)
    (page / "python.wasm").write_bytes(b"\0asm\1\0\0\0")
    (page / "python.js").write_text("var Module;")
    (page / "python.data").write_bytes(b"\1\2\3")
    (page / "python.html").write_text("<!doctype html><title>é</title>")
    (tmp_path / "secret.txt").write_text("outside the root")
    os.symlink(tmp_path, root / "escape")
    # What the checkout holds besides the pages, none of it served.
    for name, text in {".git/config": "[remote] url = https://token@host/x", ".venv/pyvenv.cfg": "x",
                       ".nox/tests/x": "x", "builddir/cpython-3.11.2/src/Lib/os.py": "x",
                       "builddir/cpython-3.11.2/src/Python/ceval.c": "/* c */",
                       "builddir/emscripten-browser/config.log": "x",
                       "builddir/emscripten-browser/Makefile": "x",
                       "builddir/emscripten-browser/.stamps/make.json": "{}",
                       "builddir/emscripten-browser/tests-bundle/common.0123456789abcdef.json": "{}",
                       "builddir/dist/page.tar.gz": "x", "README.md": "x",
                       "builddir/emscripten-browser/wasm_console.py": "print()",
                       "builddir/cpython-3.11.2/emcc-3.1.6/emscripten-browser/python.js": "real",
                       "builddir/cpython-3.11.2/emcc-3.1.6/emscripten-node/python.js": "node"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    os.symlink(page, root / "builddir" / "emscripten-browser-debug")
    os.symlink(tmp_path / "secret.txt", page / "leak.js")
    log: list[str] = []
    server = serve.start(root, bind="127.0.0.1", port=0, log=log.append)
    yield f"http://127.0.0.1:{server.server_address[1]}", root, log
    server.shutdown()
    server.server_close()


def raw_get(base: str, path: str) -> int:
    """Send `path` exactly as written (requests would normalise the dots away)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    connection.endheaders()
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.parametrize(("name", "content_type"), [
    ("python.wasm", "application/wasm"),
    ("python.js", "text/javascript; charset=utf-8"),
    ("python.data", "application/octet-stream"),
    ("python.html", "text/html; charset=utf-8"),
])
def test_isolation_headers_and_types(site: tuple[str, Path, list[str]], name: str,
                                     content_type: str) -> None:
    base, root, _ = site
    response = requests.get(f"{base}/builddir/emscripten-browser/{name}", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.content == (root / "builddir" / "emscripten-browser" / name).read_bytes()


def test_only_digest_named_files_may_be_cached(site: tuple[str, Path, list[str]]) -> None:
    base, root, _ = site
    folder = root / "builddir" / "emscripten-browser" / "tests-bundle"
    folder.mkdir(exist_ok=True)
    (folder / "common.0123456789abcdef.json").write_text("{}")
    (folder / "common.json").write_text("{}")
    fixed = requests.get(f"{base}/builddir/emscripten-browser/tests-bundle/"
                         "common.0123456789abcdef.json?x=1", timeout=10)
    assert fixed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert fixed.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    plain = requests.get(f"{base}/builddir/emscripten-browser/tests-bundle/common.json", timeout=10)
    assert plain.headers["Cache-Control"] == "no-cache"


def test_a_kept_copy_is_revalidated_and_a_rebuild_shows(site: tuple[str, Path, list[str]]) -> None:
    base, root, _ = site
    url = f"{base}/builddir/emscripten-browser/python.wasm"
    first = requests.get(url, timeout=10)
    tag = first.headers["ETag"]
    again = requests.get(url, headers={"If-None-Match": tag}, timeout=10)
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", tag)
    assert again.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    wasm = root / "builddir" / "emscripten-browser" / "python.wasm"
    stat = wasm.stat()
    wasm.write_bytes(b"\0asm\2\0\0\0")  # rebuilt: same size, within the same second
    os.utime(wasm, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    rebuilt = requests.get(url, headers={"If-None-Match": tag}, timeout=10)
    assert (rebuilt.status_code, rebuilt.content) == (200, b"\0asm\2\0\0\0")
    assert rebuilt.headers["ETag"] != tag
    missing = requests.get(f"{base}/builddir/nothing.wasm", headers={"If-None-Match": tag},
                           timeout=10)
    assert missing.status_code == 404 and "ETag" not in missing.headers


def test_head_sends_headers_without_a_body(site: tuple[str, Path, list[str]]) -> None:
    base, _, _ = site
    response = requests.head(f"{base}/builddir/emscripten-browser/python.wasm", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "8"
    assert response.headers["Content-Type"] == "application/wasm"
    assert response.content == b""


@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/builddir/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/builddir/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/escape/secret.txt",
    "/escape/",
    "/..%5csecret.txt",
    "/%00/secret.txt",
    "/%252e%252e/secret.txt",
    "/builddir/emscripten-browser/%2e%2e/%2e%2e/%2e%2e/secret.txt",
    "/builddir\\..\\..\\secret.txt",
    "//secret.txt",
    "/builddir/emscripten-browser/leak.js",  # a symlink out of the served set
])
def test_nothing_outside_the_root_is_served(site: tuple[str, Path, list[str]], path: str) -> None:
    base, _, _ = site
    assert raw_get(base, path) == 404


@pytest.mark.parametrize("path", [
    "/.git/config", "/.git/", "/.venv/pyvenv.cfg", "/.nox/", "/.nox/tests/x",
    "/builddir/", "/builddir/cpython-3.11.2/src/Lib/os.py", "/builddir/cpython-3.11.2/",
    "/builddir/cpython-3.11.2/src/Python/ceval.c",  # only the debug page gets C sources
    "/builddir/emscripten-browser/", "/builddir/emscripten-browser/config.log",
    "/builddir/emscripten-browser/Makefile", "/builddir/emscripten-browser/.stamps/make.json",
    "/builddir/cpython-3.11.2/emcc-3.1.6/emscripten-node/python.js", "/README.md", "/",
    "/" + "a" * 4000, "/builddir/emscripten-browser/" + "b/" * 2000 + "python.js",
])
def test_only_the_pages_are_served(site: tuple[str, Path, list[str]], path: str) -> None:
    base, _, _ = site
    response = requests.get(base + path, timeout=10)
    assert response.status_code in (404, 414)
    assert ".git" not in response.text and "token" not in response.text


@pytest.mark.parametrize("path", [
    "/builddir/emscripten-browser/python.html",
    "/builddir/emscripten-browser/wasm_console.py",  # the console page's program
    "/builddir/emscripten-browser/tests-bundle/common.0123456789abcdef.json",
    "/builddir/emscripten-browser-debug/python.js",  # a link to a build folder, as the recipe's
    "/builddir/cpython-3.11.2/emcc-3.1.6/emscripten-browser/python.js",
    "/builddir/dist/page.tar.gz",
])
def test_the_pages_and_what_they_load_are_served(site: tuple[str, Path, list[str]],
                                                 path: str) -> None:
    base, _, _ = site
    assert requests.get(base + path, timeout=10).status_code == 200


def test_the_debug_page_gets_the_c_sources_it_names(tmp_path: Path) -> None:
    root = tmp_path / "root"
    source = root / "builddir" / "cpython-3.11.2" / "src" / "Python" / "ceval.c"
    source.parent.mkdir(parents=True)
    source.write_text("/* c */")
    (source.parent / "ceval.py").write_text("x")
    served = functools.partial(serve.pages_of_a_checkout, debug_sources=True)
    server = serve.start(root, bind="127.0.0.1", port=0, log=lambda line: None, served=served)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/builddir/cpython-3.11.2/src/Python"
        assert requests.get(f"{base}/ceval.c", timeout=10).text == "/* c */"
        assert requests.get(f"{base}/ceval.py", timeout=10).status_code == 404
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"])
def test_methods_other_than_get_and_head_are_refused(site: tuple[str, Path, list[str]],
                                                     method: str) -> None:
    base, _, _ = site
    response = requests.request(method, f"{base}/builddir/emscripten-browser/python.js",
                                timeout=10)
    assert response.status_code in (405, 501)
    assert "var Module" not in response.text


def test_a_range_request_gets_the_whole_file(site: tuple[str, Path, list[str]]) -> None:
    # No partial answers: a range is answered with the whole file and 200, never a slice of
    # something else.
    base, _, _ = site
    response = requests.get(f"{base}/builddir/emscripten-browser/python.wasm",
                            headers={"Range": "bytes=0-3"}, timeout=10)
    assert (response.status_code, response.content) == (200, b"\0asm\1\0\0\0")


def test_a_network_bind_needs_expose_and_says_to_whom(tmp_path: Path) -> None:
    runner = Runner(tmp_path, dry_run=True, out=io.StringIO())
    with pytest.raises(ConfigError, match=r"--bind 0\.0\.0\.0 would show the pages") as error:
        serve.serve_until_interrupted(tmp_path, runner, bind="0.0.0.0", port=8000, page="p")
    assert "--expose" in error.value.fix
    serve.serve_until_interrupted(tmp_path, runner, bind="0.0.0.0", port=8000, page="p",
                                  expose=True)
    assert "anyone who can reach 0.0.0.0:8000" in runner.out.getvalue()  # type: ignore[attr-defined]
    for loopback in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        assert serve.is_loopback(loopback)


def test_absolute_url_paths_stay_inside(site: tuple[str, Path, list[str]], tmp_path: Path) -> None:
    base, _, _ = site
    assert raw_get(base, str(tmp_path / "secret.txt")) == 404
    assert raw_get(base, "//etc/passwd") == 404


def test_missing_file_is_a_404_without_traceback(site: tuple[str, Path, list[str]]) -> None:
    base, _, log = site
    assert requests.get(f"{base}/builddir/nope.wasm", timeout=10).status_code == 404
    assert not any("Traceback" in line for line in log)


def test_200_concurrent_requests_are_all_answered(site: tuple[str, Path, list[str]]) -> None:
    base, _, _ = site
    url = f"{base}/builddir/emscripten-browser/python.wasm"

    def fetch(_: int) -> tuple[int, bytes]:
        with requests.Session() as session:
            response = session.get(url, timeout=30)
            return response.status_code, response.content

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(fetch, range(200)))
    assert answers == [(200, b"\0asm\1\0\0\0")] * 200


def test_a_broken_request_does_not_stop_the_server(site: tuple[str, Path, list[str]]) -> None:
    base, _, _ = site
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
        sock.recv(1024)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /builddir/emscripten-browser/python.data HTTP/1.1\r\nHost: x\r\n")
    assert requests.get(f"{base}/builddir/emscripten-browser/python.js", timeout=10).ok


def test_a_busy_port_names_the_port_and_the_way_out(site: tuple[str, Path, list[str]]) -> None:
    base, root, _ = site
    port = int(base.rsplit(":", 1)[1])
    with pytest.raises(ConfigError) as error:
        serve.start(root, bind="127.0.0.1", port=port)
    assert f"port {port}" in error.value.message
    assert f"--port {port + 1}" in error.value.fix


def test_default_binding_is_loopback_only() -> None:
    import inspect

    assert inspect.signature(serve.start).parameters["bind"].default == "127.0.0.1"
