"""An asyncio event loop for CPython on wasm32-emscripten and wasm32-wasi.

asyncio's standard loop wakes itself through a socket pair, and neither platform has one:
making one ended the runtime on Node and raised OSError in the browser and under WASI, so
`asyncio.run()` could not start. This loop is asyncio's own selector loop with two changes:

- it wakes itself through os.pipe() (Emscripten's in-memory pipes), which select() sees; WASI
  has no pipes, and nothing to wake a loop from outside (no threads, no signal handlers), so
  there it has no self-pipe at all;
- it waits by sleeping, because select() on Emscripten returns at once whatever its timeout.

Timers, tasks, futures, queues, locks, `wait_for`, `call_later`, pipes and `add_reader` are
asyncio's own code. `run_in_executor(None, ...)` runs the function at once in the loop's thread
when no thread can start (builds without pthreads), instead of failing to start a worker.
Subprocesses and sockets raise OSError, as the rest of Python does on this platform.

The build's sitecustomize calls `install()` right after asyncio's import: this becomes the
platform's loop (asyncio.SelectorEventLoop, the default policy's), so asyncio.run(),
asyncio.new_event_loop() and code that names the selector loop all get it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import select
import selectors
import sys
import time
from collections.abc import Callable
from typing import Any

# How often a wait looks again at file descriptors that something outside this thread can
# make ready (another thread, the JavaScript host): the longest delay it adds to noticing one.
POLL_INTERVAL = 0.005


def threads_available() -> bool:
    """False in a wasm build without pthreads (every profile but `threads`)."""
    if sys.platform == "wasi":
        return False
    info = getattr(sys, "_emscripten_info", None)
    return info is None or bool(info.pthreads)


class _PipeEnd:
    """One end of os.pipe(), with the socket methods the selector loop calls on its self-pipe."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        os.set_blocking(fd, False)

    def fileno(self) -> int:
        return self._fd

    def recv(self, size: int) -> bytes:
        return os.read(self._fd, size)

    def send(self, data: bytes) -> int:
        return os.write(self._fd, data)

    def setblocking(self, flag: bool) -> None:
        os.set_blocking(self._fd, flag)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def wait_until_ready(look: Callable[[], Any], timeout: float | None, looks_again: bool) -> Any:
    """Call `look()` (a select or poll with no timeout) until it finds something ready or the
    timeout passes, sleeping in between: the whole timeout when nothing outside this thread
    can make a descriptor ready (`looks_again` false), else POLL_INTERVAL at a time."""
    deadline = None if timeout is None else time.monotonic() + max(timeout, 0)
    while True:
        ready = look()
        if ready:
            return ready
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return ready
        if remaining is None or looks_again:
            time.sleep(POLL_INTERVAL if remaining is None else min(remaining, POLL_INTERVAL))
        else:
            time.sleep(remaining)


class SleepingSelector(selectors.SelectSelector):
    """select() that honours its timeout on Emscripten: look, then sleep."""

    def __init__(self) -> None:
        super().__init__()
        self.own_fds: set[int] = set()
        """The loop's self-pipe: only this thread writes it when no other thread exists."""

    def _select(self, r: list[Any], w: list[Any], x: list[Any],
                timeout: float | None = None) -> tuple[list[Any], list[Any], list[Any]]:
        # Only fds others can make ready need looking at again before the timeout.
        watched = {key.fd for key in self.get_map().values()} - self.own_fds

        def look() -> tuple[list[Any], list[Any], list[Any]] | None:
            ready = select.select(r, w, x, 0)
            return ready if any(ready) else None

        found = wait_until_ready(look, timeout, bool(watched) or threads_available())
        return found or ([], [], [])


def waiting(selector: selectors.BaseSelector) -> selectors.BaseSelector:
    """Another selector (asyncio's tests pass PollSelector, SelectSelector) made to wait for
    its timeout too: it looks again every POLL_INTERVAL."""
    look = selector.select
    selector.select = lambda timeout=None: wait_until_ready(  # type: ignore[method-assign]
        lambda: look(0), timeout, looks_again=True)
    return selector


def _run_now(function: Callable[..., Any], *args: Any) -> concurrent.futures.Future[Any]:
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    try:
        future.set_result(function(*args))
    except Exception as exc:  # as a worker thread would hand it over
        future.set_exception(exc)
    return future


class WasmEventLoop(asyncio.unix_events._UnixSelectorEventLoop):  # type: ignore[misc,name-defined]
    """asyncio's selector loop with a pipe for its self-pipe and a selector that waits."""

    def __init__(self, selector: selectors.BaseSelector | None = None) -> None:
        if selector is not None and not isinstance(selector, SleepingSelector):
            selector = waiting(selector)
        super().__init__(selector or SleepingSelector())

    def _make_self_pipe(self) -> None:
        if not hasattr(os, "pipe"):  # WASI: call_soon_threadsafe() has no thread to come from
            self._ssock = self._csock = None
            return
        reader, writer = os.pipe()
        self._ssock = _PipeEnd(reader)
        self._csock = _PipeEnd(writer)
        self._internal_fds += 1
        if isinstance(self._selector, SleepingSelector):
            self._selector.own_fds.add(reader)
        self._add_reader(reader, self._read_from_self)

    def _close_self_pipe(self) -> None:
        if self._ssock is not None:
            super()._close_self_pipe()

    def _write_to_self(self) -> None:
        if self._csock is not None:
            super()._write_to_self()

    def run_in_executor(self, executor: concurrent.futures.Executor | None,
                        func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        if executor is None and self._default_executor is None and not threads_available():
            self._check_closed()
            if self._debug:
                self._check_callback(func, "run_in_executor")
            return asyncio.wrap_future(_run_now(func, *args), loop=self)
        return super().run_in_executor(executor, func, *args)


class WasmEventLoopPolicy(asyncio.unix_events._UnixDefaultEventLoopPolicy):  # type: ignore[misc,name-defined]
    _loop_factory = WasmEventLoop


# Where asyncio keeps its platform's loop and policy (some names exist only in some releases;
# 3.14 deprecates the public policy names and reads the underscored one).
_REPLACED = {"SelectorEventLoop": WasmEventLoop, "EventLoop": WasmEventLoop,
             "DefaultEventLoopPolicy": WasmEventLoopPolicy,
             "_DefaultEventLoopPolicy": WasmEventLoopPolicy}


def install() -> None:
    """Make WasmEventLoop this platform's asyncio loop: what asyncio.run(), new_event_loop()
    and asyncio.SelectorEventLoop() create, also after set_event_loop_policy(None) (which
    asyncio's own tests call) brings back the default policy."""
    for namespace in (asyncio, asyncio.unix_events):
        for name, replacement in _REPLACED.items():
            if name in vars(namespace):
                setattr(namespace, name, replacement)
    events: Any = asyncio.events
    setter = getattr(events, "_set_event_loop_policy", None) or events.set_event_loop_policy
    setter(None)  # the next loop comes from the (replaced) default policy
