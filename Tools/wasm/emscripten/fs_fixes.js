// JavaScript linked into every python.js we build (--js-library, added by wasmbuild/steps/cross.py).
//
// utimensat(), behind os.utime(), shutil.copystat() and tarfile's extraction, is wrong in
// Emscripten 3.1.6 in three ways, which CPython's test_os, test_pathlib, test_mailbox and
// test_tarfile showed:
//  - the Node target's file system (NODERAWFS) passes the times in milliseconds to Node's
//    fs.utimesSync(), which takes seconds: files got dates ~30,000 years ahead, read back as
//    2**31 - 1;
//  - a NULL `times` ("set both to now", os.utime(path)) is read as a struct at address 0;
//  - UTIME_NOW and UTIME_OMIT in tv_nsec are taken as nanosecond counts.
// This replacement takes the same arguments and returns 0 or -errno like every syscall.
mergeInto(LibraryManager.library, {
  __syscall_utimensat__deps: ['$FS', '$SYSCALLS', '$ERRNO_CODES'],
  __syscall_utimensat: function(dirfd, path, times, flags) {
    try {
      path = SYSCALLS.calculateAt(dirfd, SYSCALLS.getStr(path), true);
      var now = Date.now();
      var current = null;
      // Milliseconds, as FS.utime takes them.
      function read(at, which) {
        if (!times) {
          return now;
        }
        var nanoseconds = {{{ makeGetValue('at', C_STRUCTS.timespec.tv_nsec, 'i32') }}};
        if (nanoseconds == 0x3fffffff /* UTIME_NOW */) {
          return now;
        }
        if (nanoseconds == 0x3ffffffe /* UTIME_OMIT */) {
          current = current || FS.stat(path);
          return current[which].getTime();
        }
        var seconds = {{{ makeGetValue('at', C_STRUCTS.timespec.tv_sec, 'i32') }}};
        return seconds * 1000 + nanoseconds / 1e6;
      }
      var atime = read(times, 'atime');
      var mtime = read(times + {{{ C_STRUCTS.timespec.__size__ }}}, 'mtime');
#if NODERAWFS
      fs.utimesSync(path, atime / 1000, mtime / 1000);
#else
      FS.utime(path, atime, mtime);
#endif
      return 0;
    } catch (e) {
      if (e instanceof FS.ErrnoError) {
        return -e.errno;
      }
#if NODERAWFS
      if (e.code && ERRNO_CODES[e.code]) {
        return -ERRNO_CODES[e.code];
      }
#endif
      throw e;
    }
  },
});
