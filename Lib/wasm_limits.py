"""Probes of what works in this interpreter; runs inside the wasm build (and anywhere else).

    python wasm_limits.py --list           names and areas of the checks, as JSON
    python wasm_limits.py --check NAME     run one check, print one JSON line

Each check exercises one capability that CPython's WebAssembly notes call limited: it returns
a short detail when the capability works and raises when it does not. The host runs every check
in its own process (`invoke wasm.limits`), so a check that kills the runtime only loses itself
and is reported as "crashes the runtime".
"""

import json
import os
import sys
import tempfile

CHECKS = {}


def check(group):
    def register(function):
        CHECKS[function.__name__] = (group, function)
        return function
    return register


def _tmpdir():
    return tempfile.mkdtemp(prefix="wasm-limits-")


# -- network ------------------------------------------------------------------------------
def _open_socket(family_name, kind_name):
    import socket
    with socket.socket(getattr(socket, family_name), getattr(socket, kind_name)) as s:
        return f"fileno {s.fileno()}"


@check("network")
def socket_af_inet_stream():
    return _open_socket("AF_INET", "SOCK_STREAM")


@check("network")
def socket_af_inet_dgram():
    return _open_socket("AF_INET", "SOCK_DGRAM")


@check("network")
def socket_af_inet6_stream():
    return _open_socket("AF_INET6", "SOCK_STREAM")


@check("network")
def socket_af_unix():
    return _open_socket("AF_UNIX", "SOCK_STREAM")


@check("network")
def socketpair():
    import socket
    a, b = socket.socketpair()
    a.sendall(b"x")
    data = b.recv(1)
    a.close()
    b.close()
    return f"received {data!r}"


@check("network")
def socket_blocking_accept():
    import socket
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(1.0)
    try:
        server.accept()
    except TimeoutError:
        return "timed out as asked (no client)"
    finally:
        server.close()
    return "accepted"


@check("network")
def gethostbyname():
    import socket
    address = socket.gethostbyname("localhost")
    if address != "127.0.0.1":
        raise OSError(f"localhost resolved to {address}")
    return address


@check("network")
def select_select():
    import select
    readable, _, _ = select.select([sys.stdin], [], [], 0)
    return f"{len(readable)} readable"


@check("asyncio")
def asyncio_new_event_loop():
    import asyncio
    loop = asyncio.new_event_loop()
    try:
        return f"{type(loop).__name__}: {loop.run_until_complete(asyncio.sleep(0, 'ran'))}"
    finally:
        loop.close()


@check("asyncio")
def asyncio_run():
    """sleep, gather, a wait_for timeout, a queue, a cancelled task, call_later and
    run_in_executor, in one asyncio.run()."""
    import asyncio
    import contextlib

    async def main():
        loop = asyncio.get_running_loop()
        gathered = await asyncio.gather(asyncio.sleep(0.01, 1), asyncio.sleep(0.02, 2))
        try:
            await asyncio.wait_for(asyncio.sleep(10), 0.05)
            raise RuntimeError("wait_for did not time out")
        except TimeoutError:
            pass
        queue = asyncio.Queue()
        loop.call_later(0.01, queue.put_nowait, "queued")
        task = asyncio.create_task(asyncio.sleep(10))
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        in_executor = await loop.run_in_executor(None, sum, [1, 2, 3])
        return gathered, await queue.get(), task.cancelled(), in_executor

    return repr(asyncio.run(main()))


@check("asyncio")
def asyncio_subprocess():
    import asyncio

    async def main():
        process = await asyncio.create_subprocess_exec("true")
        return await process.wait()

    return str(asyncio.run(main()))


@check("asyncio")
def asyncio_open_connection():
    import asyncio

    async def main():
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", 80), 5)
        writer.close()
        return "connected"

    return asyncio.run(main())


# -- processes, threads, signals ------------------------------------------------------------
@check("processes")
def subprocess_run():
    import subprocess
    return str(subprocess.run(["true"]).returncode)


@check("processes")
def os_fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return "forked"


@check("processes")
def os_popen():
    with os.popen("echo hi") as pipe:
        return pipe.read().strip()


@check("processes")
def threading_start_join():
    import threading
    results = []
    threads = [threading.Thread(target=results.append, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return f"{len(results)} threads ran"


@check("signals")
def signal_alarm():
    import signal
    import time
    fired = []
    signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    signal.alarm(1)
    deadline = time.time() + 3
    while not fired and time.time() < deadline:
        pass
    if not fired:
        raise TimeoutError("SIGALRM never arrived")
    return "SIGALRM delivered"


@check("signals")
def signal_setitimer():
    import signal
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    signal.setitimer(signal.ITIMER_REAL, 0)
    return "set and cleared"


@check("signals")
def signal_handler_sigusr1():
    import signal
    got = []
    signal.signal(signal.SIGUSR1, lambda *a: got.append(1))
    os.kill(os.getpid(), signal.SIGUSR1)
    if not got:
        raise RuntimeError("handler not called")
    return "handler called"


@check("signals")
def sigterm_self():
    """SIGTERM to itself with a handler set: on Linux the handler runs (without one, the
    process ends, as it should)."""
    import signal
    got = []
    signal.signal(signal.SIGTERM, lambda *a: got.append(1))
    os.kill(os.getpid(), signal.SIGTERM)
    if not got:
        raise RuntimeError("still running, handler not called")
    return "handler called"


@check("processes")
def os_nice():
    return str(os.nice(0))


@check("processes")
def resource_getrusage():
    import resource
    return f"utime {resource.getrusage(resource.RUSAGE_SELF).ru_utime}"


# -- file system ----------------------------------------------------------------------------
@check("file system")
def pwd_getpwuid():
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


@check("file system")
def grp_getgrgid():
    import grp
    return grp.getgrgid(os.getgid()).gr_name


@check("file system")
def os_chown():
    path = os.path.join(_tmpdir(), "f")
    open(path, "w").close()
    os.chown(path, os.getuid(), os.getgid())
    return "chown to self"


@check("file system")
def os_lchown():
    path = os.path.join(_tmpdir(), "f")
    open(path, "w").close()
    os.lchown(path, os.getuid(), os.getgid())
    return "lchown to self"


@check("file system")
def os_lchmod():
    path = os.path.join(_tmpdir(), "f")
    open(path, "w").close()
    os.lchmod(path, 0o600)
    return "lchmod"


@check("file system")
def umask_applies():
    old = os.umask(0o077)
    try:
        path = os.path.join(_tmpdir(), "f")
        with open(path, "w"):
            pass
        mode = os.stat(path).st_mode & 0o777
    finally:
        os.umask(old)
    if mode & 0o077:
        raise AssertionError(f"umask 077 ignored: file mode {mode:o}")
    return f"mode {mode:o}"


@check("file system")
def os_link():
    folder = _tmpdir()
    source = os.path.join(folder, "a")
    open(source, "w").close()
    os.link(source, os.path.join(folder, "b"))
    return f"{os.stat(source).st_nlink} links"


@check("file system")
def os_pread():
    path = os.path.join(_tmpdir(), "f")
    with open(path, "wb") as f:
        f.write(b"0123456789")
    fd = os.open(path, os.O_RDONLY)
    try:
        return repr(os.pread(fd, 3, 4))
    finally:
        os.close(fd)


@check("file system")
def os_preadv():
    path = os.path.join(_tmpdir(), "f")
    with open(path, "wb") as f:
        f.write(b"0123456789")
    fd = os.open(path, os.O_RDONLY)
    try:
        buffer = bytearray(3)
        os.preadv(fd, [buffer], 4)
        return repr(bytes(buffer))
    finally:
        os.close(fd)


@check("file system")
def os_mkfifo():
    os.mkfifo(os.path.join(_tmpdir(), "fifo"))
    return "created"


@check("file system")
def os_mknod():
    import stat
    os.mknod(os.path.join(_tmpdir(), "node"), stat.S_IFREG | 0o600)
    return "created"


@check("file system")
def large_file():
    path = os.path.join(_tmpdir(), "big")
    with open(path, "wb") as f:
        f.seek(3 * 1024**3)
        f.write(b"x")
    size = os.stat(path).st_size
    os.unlink(path)
    return f"{size} bytes"


@check("file system")
def mmap_flush():
    import mmap
    path = os.path.join(_tmpdir(), "m")
    with open(path, "wb") as f:
        f.write(b"\0" * 4096)
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 4096) as m:
        m[0:5] = b"hello"
        m.flush()
    with open(path, "rb") as f:
        if f.read(5) != b"hello":
            raise AssertionError("flushed data not in the file")
    return "written through"


# -- misc -----------------------------------------------------------------------------------
@check("misc")
def recursion_depth():
    sys.setrecursionlimit(100_000)

    def down(n):
        return down(n + 1) if n < 20_000 else n

    return f"depth {down(0)}"


@check("misc")
def memory_512mb():
    block = bytearray(512 * 1024**2)
    block[-1] = 1
    return f"{len(block) // 1024**2} MB"


@check("misc")
def locale_setlocale():
    import locale
    import time
    name = locale.setlocale(locale.LC_ALL, "C.UTF-8")
    return f"{name}, {time.strftime('%A %d %B', time.gmtime(0))}"


@check("misc")
def glibc_strftime_extension():
    import time
    text = time.strftime("%-d", time.gmtime(0))
    if text != "1":
        raise ValueError(f"%-d gave {text!r}")
    return text


@check("misc")
def obmalloc():
    import sysconfig
    if not sysconfig.get_config_var("WITH_PYMALLOC"):
        raise RuntimeError("built --without-pymalloc")
    return "pymalloc on"


@check("misc")
def ensurepip_bootstrap():
    import ensurepip
    ensurepip.bootstrap(root=_tmpdir())
    return f"pip {ensurepip.version()} installed"


@check("file system")
def os_utime():
    path = os.path.join(_tmpdir(), "stamped")
    open(path, "w").close()
    os.utime(path, (1_000_000_000, 1_000_000_000))
    mtime = os.stat(path).st_mtime
    if mtime != 1_000_000_000:
        raise ValueError(f"st_mtime is {mtime} after os.utime(path, (1e9, 1e9))")
    return "st_mtime set"


@check("misc")
def time_sleep():
    import time
    start = time.monotonic()
    time.sleep(0.05)
    elapsed = time.monotonic() - start
    if not 0.04 <= elapsed < 5:
        raise RuntimeError(f"time.sleep(0.05) took {elapsed:.3f} s")
    return "slept 0.05 s"


@check("misc")
def ctypes_libc():
    """The C library through ctypes.CDLL(None), as the ctypes tutorial does it."""
    import ctypes
    libc = ctypes.CDLL(None)
    length = libc.strlen(b"hello")
    libc.sqrt.restype = ctypes.c_double
    libc.sqrt.argtypes = [ctypes.c_double]
    buffer = ctypes.create_string_buffer(32)
    # A variadic function: wasm passes the variable arguments differently, so ctypes needs
    # the fixed ones named (argtypes) to call it right, as on macOS/arm64.
    libc.snprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
    libc.snprintf(buffer, 32, b"%d-%s", 42, b"ok")
    return f"strlen {length}, sqrt(2.0) {libc.sqrt(2.0):.4f}, snprintf {buffer.value!r}"


@check("misc")
def ctypes_load_library():
    """A shared library by file name: what ctypes.CDLL("libc.so.6") and shared extension
    modules need (dynamic linking)."""
    import ctypes
    import ctypes.util
    name = ctypes.util.find_library("c") or "libc.so.6"
    return repr(ctypes.CDLL(name))


def _import(name):
    def probe():
        module = __import__(name)
        return getattr(module, "__file__", None) or "built in"
    probe.__name__ = f"import_{name}"
    return probe


for _name in ("ctypes", "readline", "sqlite3", "ssl", "lzma", "_decimal", "bz2", "zlib",
              "curses", "dbm", "tkinter", "multiprocessing", "hashlib"):
    check("modules")(_import(_name))


def run(name):
    group, function = CHECKS[name]
    try:
        detail = function()
        status = "works"
    except BaseException as exc:  # the point is to report any failure, SystemExit included
        status, detail = "fails", f"{type(exc).__name__}: {exc}"
    print(json.dumps({"check": name, "group": group, "status": status,
                      "detail": str(detail)[:200]}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--list"]:
        print(json.dumps({name: group for name, (group, _) in CHECKS.items()}))
    elif sys.argv[1:2] == ["--check"] and len(sys.argv) == 3:
        run(sys.argv[2])
    else:
        sys.exit(__doc__)
