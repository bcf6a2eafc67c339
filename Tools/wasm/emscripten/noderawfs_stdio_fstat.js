// Linked with --js-library by the noderawfs_stdio_fstat fix of Tools/wasm/versions.toml.
//
// Before 6.0.5, fstat() on the Node target's file system (NODERAWFS) stats the stream's path
// again, and the standard streams have the path '': os.fstat(0), (1) and (2) failed with
// ENOENT. CPython 3.13 fstat()s them while it makes sys.stdin/stdout/stderr, so it started
// with all three set to None and printed nothing. A stream that holds a Node file descriptor
// (nfd) is answered from Node's fstat of that descriptor. A pipe or socket (an in-memory node
// with no path Node knows) is answered from its node: os.fstat() of an os.pipe() end failed
// with ENOENT, and so did signal.set_wakeup_fd() on it, which asyncio's add_signal_handler
// calls. Other streams as before.
mergeInto(LibraryManager.library, {
  // What stat says of an in-memory pipe or socket node (they have no getattr of their own).
  $wasmbuildNodeStat: function(node) {
    var now = new Date();
    return {dev: 0, ino: node.id, mode: node.mode | 384 /* 0600, as Linux gives a pipe */,
            nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, atime: now, mtime: now, ctime: now,
            blksize: 4096, blocks: 0};
  },
  __syscall_fstat64__deps: ['$SYSCALLS', '$FS', '$ERRNO_CODES', '$wasmbuildNodeStat'],
  __syscall_fstat64: function(fd, buf) {
    try {
      var stream = SYSCALLS.getStreamFromFD(fd);
#if NODERAWFS
      if (stream.nfd !== undefined) {
        return SYSCALLS.doStat(function() { return fs.fstatSync(stream.nfd); }, stream.path, buf);
      }
      if (stream.node && (FS.isFIFO(stream.node.mode) || FS.isSocket(stream.node.mode))) {
        return SYSCALLS.doStat(function() { return wasmbuildNodeStat(stream.node); }, stream.path, buf);
      }
#endif
      return SYSCALLS.doStat(FS.stat, stream.path, buf);
    } catch (e) {
      if (e && e.code && ERRNO_CODES[e.code]) return -ERRNO_CODES[e.code];  // from Node's fs
      // An FS.ErrnoError (3.1.6's has no name, newer ones are named) is returned as -errno.
      if (typeof FS == 'undefined' || !(e instanceof FS.ErrnoError || (e && e.name === 'ErrnoError'))) {
        throw e;
      }
      return -e.errno;
    }
  },
});
