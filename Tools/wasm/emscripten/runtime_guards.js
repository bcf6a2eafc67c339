// Linked into python.js after Emscripten's runtime (--post-js; versions.toml, fix
// "runtime_guards"), so that no Python call aborts the runtime: each of these used to end the
// process with a JavaScript exception instead of raising OSError in Python.
(function () {
  var EHOSTUNREACH = 23, EOPNOTSUPP = 138; // Emscripten's errno numbers (Python's errno agrees)

  // Emscripten's sockets are WebSockets, which connect, and servers accept, only while the
  // JavaScript event loop turns; python.js runs Python synchronously, so that never happens
  // before Python returns. listen() require()d the `ws` package on Node (absent: the runtime
  // died; socket.socketpair() listens, so asyncio's event loop died with it) and connecting
  // waited forever in the browser. Both now fail at once with an errno.
  if (typeof SOCKFS == "object" && SOCKFS.websocket_sock_ops) {
    var ops = SOCKFS.websocket_sock_ops;
    ops.listen = function () {
      throw new FS.ErrnoError(EOPNOTSUPP);
    };
    var createPeer = ops.createPeer;
    ops.createPeer = function (sock, addr, port) {
      if (typeof addr == "object") return createPeer.apply(this, arguments); // an accepted peer
      throw new FS.ErrnoError(EHOSTUNREACH);
    };
  }

  // On Node (NODERAWFS), close() of an in-memory stream (a pipe or socket end) only freed its
  // descriptor: the pipe never learnt that an end was closed. Such a stream is now closed the
  // way the in-memory file system closes it (its own close, then the descriptor).
  if (typeof NODERAWFS == "object" && typeof VFS == "object") {
    var rawClose = FS.close;
    FS.close = function (stream) {
      return stream.stream_ops ? VFS.close(stream) : rawClose.apply(this, arguments);
    };
  }

  // A pipe whose write end is closed reads as end of file (0 bytes) once empty, and polls as
  // readable (POLLIN|POLLHUP), as POSIX says; Emscripten's pipes answered EAGAIN forever, so a
  // reader (asyncio's pipe transport, `os.read` in a loop) waited for data that never came.
  // 6.0.5 counts the ends (writeClosed); before it, a pipe counts its open streams (refcnt),
  // and the reader's own stream is one of them, so one left means the writer is gone.
  if (typeof PIPEFS == "object" && PIPEFS.stream_ops) {
    var POLLIN = 1, POLLHUP = 16;
    var writerGone = function (stream) {
      var pipe = stream.node.pipe;
      if (!pipe || (stream.flags & 3) === 1) return false; // a write end
      return pipe.writeClosed !== undefined ? pipe.writeClosed : pipe.refcnt < 2;
    };
    var pipeOps = PIPEFS.stream_ops;
    var pipeRead = pipeOps.read, pipePoll = pipeOps.poll;
    pipeOps.read = function (stream) {
      try {
        return pipeRead.apply(this, arguments);
      } catch (e) {
        if (e && e.errno === 6 && writerGone(stream)) return 0; // EAGAIN, but nothing can come
        throw e;
      }
    };
    pipeOps.poll = function (stream) {
      var mask = pipePoll.apply(this, arguments);
      return writerGone(stream) ? mask | POLLIN | POLLHUP : mask;
    };
  }

  // select() and poll() read stream.stream_ops.poll, and on NODERAWFS (the Node build) a
  // stream Node opened (stdin, any file) has no stream_ops before Emscripten 6.0.5: a
  // TypeError ended the runtime. During those two calls such streams get an empty stream_ops,
  // so they count as ready, as a regular file does. (NODERAWFS tells its streams by
  // stream_ops being absent, so they cannot keep one.)
  var imports = typeof wasmImports == "object" ? wasmImports
    : typeof asmLibraryArg == "object" ? asmLibraryArg : null;
  if (!imports || typeof FS != "object") return;

  function withStreamOps(fds, call) {
    var patched = [];
    fds.forEach(function (fd) {
      var stream = FS.getStream(fd);
      if (stream && !stream.stream_ops) {
        stream.stream_ops = {};
        patched.push(stream);
      }
    });
    try {
      return call();
    } finally {
      patched.forEach(function (stream) {
        delete stream.stream_ops;
      });
    }
  }

  var select = imports.__syscall__newselect;
  if (select) {
    imports.__syscall__newselect = function (nfds, readfds, writefds, exceptfds, timeout) {
      var fds = [];
      for (var fd = 0; fd < Math.min(nfds, 64); fd++) {
        var word = fd >> 5, bit = 1 << (fd & 31);
        if ([readfds, writefds, exceptfds].some(function (set) {
          return set && HEAP32[(set >> 2) + word] & bit;
        })) fds.push(fd);
      }
      var args = arguments;
      return withStreamOps(fds, function () { return select.apply(null, args); });
    };
  }
  var poll = imports.__syscall_poll;
  if (poll) {
    imports.__syscall_poll = function (fdsPointer, nfds, timeout) {
      var fds = [];
      for (var i = 0; i < nfds; i++) fds.push(HEAP32[(fdsPointer >> 2) + 2 * i]); // struct pollfd: 8 bytes
      var args = arguments;
      return withStreamOps(fds, function () { return poll.apply(null, args); });
    };
  }
})();
