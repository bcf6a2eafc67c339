"""The source provider chain: cache, mirror, download over real HTTP on loopback; unpacking."""

from __future__ import annotations

import hashlib
import http.server
import io
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from wasmbuild.core.errors import ChecksumMismatch, ConfigError, DownloadError
from wasmbuild.core.shell import Runner
from wasmbuild.toolchains.sources import check_cpython_tree, fetch, sync_tree, unpack
from wasmbuild.versions.config import Download

from .conftest import make_archive, make_cpython_tree


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on loopback serving tmp_path/www."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(www), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    httpd.shutdown()


def runner(tmp_path: Path) -> Runner:
    return Runner(tmp_path, out=io.StringIO())


def test_download_is_verified_and_cached(tmp_path: Path, server: tuple[str, Path]) -> None:
    url, www = server
    sha = make_archive(www / "Python-3.11.2.tgz", "Python-3.11.2", {"README": "hello"})
    dead = Download("python.org", "http://127.0.0.1:9/Python-3.11.2.tgz", sha)
    live = Download("debian", f"{url}/Python-3.11.2.tgz", sha)
    got = fetch([dead, live], what="CPython", downloads=tmp_path / "dl", mirror=None,
                runner=runner(tmp_path))
    assert got.provider == "debian"
    assert hashlib.sha256(got.path.read_bytes()).hexdigest() == sha
    (www / "Python-3.11.2.tgz").unlink()
    again = fetch([dead, live], what="CPython", downloads=tmp_path / "dl", mirror=None,
                  runner=runner(tmp_path))
    assert again.provider == "cache"


def test_download_with_wrong_digest_is_refused_and_not_kept(
    tmp_path: Path, server: tuple[str, Path]
) -> None:
    url, www = server
    (www / "evil.tgz").write_bytes(b"not the release")
    pinned = Download("python.org", f"{url}/evil.tgz", "0" * 64)
    with pytest.raises(ChecksumMismatch, match="sha256 mismatch"):
        fetch([pinned], what="CPython", downloads=tmp_path / "dl", mirror=None,
              runner=runner(tmp_path))
    assert list((tmp_path / "dl").iterdir()) == []


def test_mirror_file_with_wrong_digest_is_reported_and_left_alone(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "Python-3.11.2.tgz").write_bytes(b"truncated")
    pinned = Download("python.org", "https://python.invalid/Python-3.11.2.tgz", "1" * 64)
    with pytest.raises(ChecksumMismatch) as error:
        fetch([pinned], what="CPython", downloads=tmp_path / "dl", mirror=mirror,
              runner=runner(tmp_path), offline=True)
    assert "mirror folder" in error.value.message
    assert (mirror / "Python-3.11.2.tgz").read_bytes() == b"truncated"


def test_missing_mirror_folder_is_a_clear_error(tmp_path: Path) -> None:
    pinned = Download("python.org", "https://python.invalid/Python-3.11.2.tgz", "1" * 64)
    with pytest.raises(ConfigError, match="does not exist"):
        fetch([pinned], what="CPython", downloads=tmp_path / "dl", mirror=tmp_path / "nope",
              runner=runner(tmp_path))


def test_offline_without_mirror_says_how_to_get_the_file(tmp_path: Path) -> None:
    pinned = Download("python.org", "https://python.invalid/Python-3.11.2.tgz", "1" * 64)
    with pytest.raises(DownloadError) as error:
        fetch([pinned], what="CPython 3.11.2", downloads=tmp_path / "dl", mirror=None,
              runner=runner(tmp_path), offline=True)
    assert "--mirror" in error.value.fix
    assert "Python-3.11.2.tgz" in error.value.fix


def test_unpack_replaces_the_top_folder(tmp_path: Path) -> None:
    archive = tmp_path / "a.tar.gz"
    make_archive(archive, "zlib-1.2.11.dfsg", {"zlib.h": "z", "sub/x.c": "c"})
    dest = tmp_path / "ports" / "zlib-1.2.11"
    unpack(archive, dest)
    assert (dest / "sub" / "x.c").read_text() == "c"
    assert [p.name for p in dest.parent.iterdir()] == ["zlib-1.2.11"]


def test_unpack_refuses_paths_leaving_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ChecksumMismatch, match="unsafe path"):
        unpack(archive, tmp_path / "out" / "dest")
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path / "out" / "dest").exists()


def test_unpack_of_a_corrupt_archive_leaves_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(tarfile.TarError):
        unpack(archive, tmp_path / "out" / "dest")
    assert list((tmp_path / "out").iterdir()) == []


def test_sync_tree_copies_changes_only_and_mirrors_deletions(tmp_path: Path) -> None:
    src = make_cpython_tree(tmp_path / "src")
    (src / "Lib").mkdir()
    (src / "Lib" / "os.py").write_text("# os\n")
    (src / ".git").mkdir()
    (src / ".git" / "HEAD").write_text("ref")
    dst = tmp_path / "dst"
    first = sync_tree(src, dst)
    assert (dst / "Python" / "ceval.c").is_file()
    assert not (dst / ".git").exists()
    untouched = (dst / "configure").stat().st_mtime_ns
    assert sync_tree(src, dst) == first
    (src / "Python" / "ceval.c").write_text("changed")
    (src / "Include" / "patchlevel.h").unlink()
    (dst / "Lib" / "__pycache__").mkdir(parents=True)
    (dst / "Lib" / "__pycache__" / "os.cpython-311.pyc").write_bytes(b"pyc")
    assert sync_tree(src, dst) != first
    assert (dst / "Python" / "ceval.c").read_text() == "changed"
    assert not (dst / "Include" / "patchlevel.h").exists()
    assert (dst / "configure").stat().st_mtime_ns == untouched
    assert (dst / "Lib" / "__pycache__" / "os.cpython-311.pyc").exists()


def test_check_cpython_tree_explains_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such folder"):
        check_cpython_tree(tmp_path / "missing")
    (tmp_path / "notpython").mkdir()
    with pytest.raises(ConfigError, match="not a CPython source tree"):
        check_cpython_tree(tmp_path / "notpython")
    tree = make_cpython_tree(tmp_path / "cpython", "3.12.1")
    assert check_cpython_tree(tree) == "3.12.1"
    (tree / "config.status").write_text("#!/bin/sh\n")
    with pytest.raises(ConfigError) as error:
        check_cpython_tree(tree)
    assert "make distclean" in error.value.fix
