"""A development web server for the browser build (`invoke wasm.serve`).

It serves what the pages load and nothing else (`served`): the browser build folders' page
files, their test bundles, the benchmark pages, `wasm.dist`'s archives (and, for the debug
profile, the C sources its debug info names). The rest of the checkout (git metadata, virtual
environments, source trees, logs, stamps) and every directory listing is a 404 that names no
path; so is anything outside the root. It listens on loopback unless told to expose the pages
to the network (`--expose`), and then says to whom.

The browser build needs a cross-origin isolated page (SharedArrayBuffer for blocking stdin),
which takes three headers on every response: COOP same-origin, COEP require-corp and CORP. It
also needs `application/wasm` for streaming compilation. Files are served from one root folder
and never from outside it: `..` in any spelling, absolute paths and symlinks leading out of the
root are refused. The browser keeps copies but asks again on every load (`no-cache`, answered
`304 Not Modified` while the file's size and modification time are unchanged), so a rebuild shows
on the next reload and an unchanged python.wasm is neither downloaded nor compiled again
(Chromium keeps the compiled code of a cached module). Files whose name carries a digest of
their content (name.<16 hex digits>.ext) never change, and are not asked for again.
"""

from __future__ import annotations

import errno
import functools
import http.server
import ipaddress
import os
import posixpath
import re
import socket
import sys
import threading
import urllib.parse
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError
from ..core.shell import Command, Runner
from ..toolchains.context import Context
from ..toolchains.toolchain import Emscripten
from .bundles import BUNDLE_DIR

ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
REVALIDATE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
# name.<digest>.ext: the content is fixed by its name (the browser test bundles).
DIGEST_NAMED = re.compile(r"\.[0-9a-f]{16}\.[a-z]+$")


def cache_control(url_path: str) -> str:
    path = urllib.parse.urlsplit(url_path).path
    return IMMUTABLE if DIGEST_NAMED.search(path) else REVALIDATE


def entity_tag(path: Path) -> str | None:
    """The validator of a file: its size and modification time in nanoseconds (Last-Modified
    alone has whole seconds, too coarse for a file rebuilt within the second)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return f'"{st.st_size:x}-{st.st_mtime_ns:x}"' if path.is_file() else None
CONTENT_TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".data": "application/octet-stream",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".py": "text/plain; charset=utf-8",
    ".c": "text/plain; charset=utf-8",
    ".h": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".zip": "application/zip",
}


class Forbidden(Exception):
    pass


# What a page loads from a browser build folder: the build's own files and our page's (the
# console's Python program too), the licences of the page's JavaScript packages (NAME.LICENSE.txt,
# from versions.toml's [web_packages]) and the test pages' bundles in BUNDLE_DIR. Not its
# objects, Makefile, logs or configure files.
PAGE_SUFFIXES = {".html", ".js", ".mjs", ".wasm", ".data", ".css", ".json", ".map", ".py"}
LICENCE_SUFFIX = ".LICENSE.txt"
SourcesPolicy = Callable[[tuple[str, ...]], bool]


def _page_file(inner: tuple[str, ...]) -> bool:
    if len(inner) == 2 and inner[0] == BUNDLE_DIR:
        return inner[1].endswith(".json")
    return len(inner) == 1 and (posixpath.splitext(inner[0])[1] in PAGE_SUFFIXES
                                or inner[0].endswith(LICENCE_SUFFIX))


def pages_of_a_checkout(parts: tuple[str, ...], *, debug_sources: bool = False) -> bool:
    """Whether the file at `parts` (relative to the checkout) is one a page loads."""
    if len(parts) < 3 or parts[0] != "builddir":
        return False
    first, rest = parts[1], parts[2:]
    if first.startswith("emscripten-browser"):  # the recipe's links to the last builds
        return _page_file(rest)
    if first in ("bench-browser", "dist"):
        return True
    if first.startswith("cpython-") and len(rest) >= 2:
        if rest[0].startswith("emcc-") and rest[1].startswith("emscripten-browser"):
            return _page_file(rest[2:])
        # The debug page's DWARF names ../../src/...: only C sources, only for that page.
        return debug_sources and rest[0] == "src" and posixpath.splitext(parts[-1])[1] in (".c", ".h")
    return False


def resolve_inside(root: Path, url_path: str) -> Path:
    """The file a URL path names under `root`, or Forbidden if it would leave the root."""
    path = urllib.parse.urlsplit(url_path).path
    decoded = urllib.parse.unquote(path, errors="strict")
    if "\x00" in decoded or "\\" in decoded:
        raise Forbidden(url_path)
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p.startswith(".") for p in parts):  # `..`, dotfiles and dot-folders alike
        raise Forbidden(url_path)
    candidate = root.joinpath(*parts) if parts else root
    real = Path(os.path.realpath(candidate))
    if real != root and not real.is_relative_to(root):
        raise Forbidden(url_path)
    return candidate


def make_handler(root: Path, log: Callable[[str], None],
                 served: SourcesPolicy) -> type[http.server.SimpleHTTPRequestHandler]:
    real_root = Path(os.path.realpath(root))

    def allowed(url_path: str) -> Path:
        path = resolve_inside(real_root, url_path)
        if path.is_dir() or not served(path.relative_to(real_root).parts):
            raise Forbidden(url_path)
        return path

    class Handler(http.server.SimpleHTTPRequestHandler):
        server_version = "cpython-wasm-dev"
        protocol_version = "HTTP/1.1"

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(real_root), **kwargs)

        etag: str | None = None

        def send_head(self) -> Any:
            self.etag = None
            try:
                path = allowed(self.path)
            except (Forbidden, UnicodeDecodeError, ValueError, OSError):
                self.send_error(404, "Not found")  # the same answer whether it exists or not
                return None
            self.etag = entity_tag(path)
            asked = self.headers.get("If-None-Match", "")
            if self.etag and self.etag in (tag.strip() for tag in asked.split(",")):
                self.send_response(304)
                self.end_headers()
                return None
            return super().send_head()

        def translate_path(self, path: str) -> str:
            try:
                return str(allowed(path))
            except (Forbidden, UnicodeDecodeError, ValueError, OSError):
                return str(real_root / ".forbidden" / "\x00")

        def list_directory(self, path: str | os.PathLike[str]) -> None:
            self.send_error(404, "Not found")

        def guess_type(self, path: str | os.PathLike[str]) -> str:
            suffix = posixpath.splitext(str(path))[1].lower()
            return CONTENT_TYPES.get(suffix) or super().guess_type(path)

        def end_headers(self) -> None:
            for name, value in ISOLATION_HEADERS.items():
                self.send_header(name, value)
            self.send_header("Cache-Control", cache_control(self.path))
            if self.etag:
                self.send_header("ETag", self.etag)
            super().end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            log(f"{self.address_string()} {format % args}")

    return Handler


class DevServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[http.server.BaseHTTPRequestHandler],
                 log: Callable[[str], None]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self._log = log
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # One line instead of a traceback: a client that hangs up mid-response is routine.
        exc = sys.exc_info()[1]
        self._log(f"{client_address[0]} request failed: {type(exc).__name__}: {exc}")


def start(root: Path, *, bind: str = "127.0.0.1", port: int = 8000,
          log: Callable[[str], None] = print, served: SourcesPolicy = pages_of_a_checkout
          ) -> DevServer:
    """A running server in a background thread; `.shutdown()` stops it."""
    if not root.is_dir():
        raise ConfigError(f"cannot serve {root}: no such folder", fix="pass an existing folder")
    try:
        server = DevServer((bind, port), make_handler(root, log, served), log)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {bind} is already in use",
                              fix=f"stop the other server or pick another port: --port {port + 1}"
                              ) from None
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(exc, socket.gaierror):
            raise ConfigError(f"cannot bind to {bind!r}: {exc.strerror or exc}",
                              fix="use --bind 127.0.0.1 (loopback) or an address of this machine"
                              ) from None
        raise
    threading.Thread(target=server.serve_forever, name="wasm-serve", daemon=True).start()
    return server


def url_for(server: DevServer, path: str = "") -> str:
    host, port = server.server_address[:2]
    shown = "localhost" if host in ("127.0.0.1", "::1") else str(host)
    if shown == "0.0.0.0":
        shown = socket.gethostname()
    return f"http://{shown}:{port}/{path.lstrip('/')}"


def is_loopback(bind: str) -> bool:
    if bind == "localhost":
        return True
    try:
        return ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return False


def serve_until_interrupted(root: Path, runner: Runner, *, bind: str, port: int,
                            page: str, open_browser: bool = False, expose: bool = False,
                            debug_sources: bool = False) -> None:
    """Serve the pages under `root` until Ctrl-C, printing the URL of `page` (relative to root).
    A bind that is not loopback needs `expose`: it shows the pages to the network."""
    if not is_loopback(bind) and not expose:
        raise ConfigError(f"--bind {bind} would show the pages to other machines",
                          fix=f"pass --expose as well to mean it (--bind {bind} --expose), or "
                          "keep the default --bind 127.0.0.1")
    runner.say(f"# serving the browser build's pages under {runner.path(root)} (nothing else) "
               "with cross-origin isolation headers; Ctrl-C stops")
    if not is_loopback(bind):
        runner.say(f"# exposed: anyone who can reach {bind}:{port} can load these pages; the "
                   "rest of the checkout stays unserved")
    if runner.dry_run:
        return
    served: SourcesPolicy = functools.partial(pages_of_a_checkout, debug_sources=debug_sources)
    server = start(root, bind=bind, port=port, log=lambda line: runner.say(f"  {line}"),
                   served=served)
    url = url_for(server, page)
    runner.say(f"open {url}")
    if not (root / page).exists():
        runner.note(f"{page} does not exist yet: build it with `invoke wasm.browser`")
    if open_browser:
        webbrowser.open(url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        runner.say("\n# stopping the server")
    finally:
        server.shutdown()
        server.server_close()


def emrun_command(emscripten: Emscripten, root: Path, *, bind: str, port: int, page: str,
                  open_browser: bool) -> Command:
    """The recipe's other route: Emscripten's emrun, which sends the same isolation headers."""
    argv: list[str] = [emscripten.tool("emrun")]
    if not open_browser:
        argv.append("--no_browser")
    argv += ["--hostname", bind, "--port", str(port), page]
    return emscripten.command(*argv, cwd=root, env=emscripten.env)


def serve(ctx: Context, *, bind: str, port: int, open_browser: bool = False,
          expose: bool = False, emrun: bool = False) -> None:
    """`invoke wasm.serve`: the browser build's page, by our server or (`emrun`) Emscripten's."""
    page = ctx.page_url_path("browser")
    if emrun:
        ctx.runner.run(emrun_command(ctx.provide_emscripten(), ctx.paths.root, bind=bind,
                                     port=port, page=page, open_browser=open_browser))
        return
    serve_until_interrupted(ctx.paths.root, ctx.runner, bind=bind, port=port, page=page,
                            open_browser=open_browser, expose=expose,
                            debug_sources=ctx.profile.name == "debug")
