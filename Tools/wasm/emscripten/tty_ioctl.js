// Linked with --js-library by the tty_ioctl fix of Tools/wasm/versions.toml.
//
// A terminal program asks its terminal three things through ioctl(): its settings (tcgetattr,
// TCGETS), new settings (tcsetattr, TCSETS*: raw mode, no echo) and its size (TIOCGWINSZ,
// os.get_terminal_size()). Newer Emscripten passes these to hooks of the stream's TTY
// (tty.ops.ioctl_tcgets, ioctl_tcsets, ioctl_tiocgwinsz), which the kit's terminal layer
// (Tools/wasm/web/terminal_device.js) provides. Before 3.1.69 the same ioctls answered 0
// and wrote nothing (getpass() could not turn echo off, every size was 0x0), and tcflush()
// (TCFLSH) aborted the runtime ('bad ioctl syscall'). This ioctl asks the same hooks,
// answers as before for a TTY without them, and -EINVAL (not an abort) for a request it
// does not know. Request numbers and the struct layout are musl's for wasm32.
mergeInto(LibraryManager.library, {
  __syscall_ioctl__deps: ['$SYSCALLS', '$FS', '$ERRNO_CODES'],
  __syscall_ioctl: function(fd, op, varargs) {
    SYSCALLS.varargs = varargs;
    try {
      var stream = SYSCALLS.getStreamFromFD(fd);
      var ops = stream.tty && typeof stream.tty == 'object' && stream.tty.ops || {};
      var NCCS = 32, C_CC = 17; // struct termios: four 32-bit flag words, c_line, c_cc[32]
      switch (op) {
        case 0x5401: // TCGETS
        case 0x5405: { // TCGETA
          if (!stream.tty) return -ERRNO_CODES.ENOTTY;
          if (ops.ioctl_tcgets && op === 0x5401) {
            var settings = ops.ioctl_tcgets(stream);
            var out = SYSCALLS.get();
            HEAP32[out >> 2] = settings.c_iflag || 0;
            HEAP32[(out + 4) >> 2] = settings.c_oflag || 0;
            HEAP32[(out + 8) >> 2] = settings.c_cflag || 0;
            HEAP32[(out + 12) >> 2] = settings.c_lflag || 0;
            for (var i = 0; i < NCCS; i++) HEAP8[out + C_CC + i] = settings.c_cc[i] || 0;
          }
          return 0;
        }
        case 0x5402: // TCSETS
        case 0x5403: // TCSETSW
        case 0x5404: { // TCSETSF
          if (!stream.tty) return -ERRNO_CODES.ENOTTY;
          if (!ops.ioctl_tcsets) return 0;
          var from = SYSCALLS.get();
          var cc = [];
          for (var j = 0; j < NCCS; j++) cc.push(HEAP8[from + C_CC + j]);
          return ops.ioctl_tcsets(stream.tty, op, {
            c_iflag: HEAP32[from >> 2], c_oflag: HEAP32[(from + 4) >> 2],
            c_cflag: HEAP32[(from + 8) >> 2], c_lflag: HEAP32[(from + 12) >> 2], c_cc: cc,
          });
        }
        case 0x5406: case 0x5407: case 0x5408: // TCSETA, TCSETAW, TCSETAF
        case 0x540B: // TCFLSH
        case 0x5414: // TIOCSWINSZ
          return stream.tty ? 0 : -ERRNO_CODES.ENOTTY;
        case 0x540F: { // TIOCGPGRP
          if (!stream.tty) return -ERRNO_CODES.ENOTTY;
          HEAP32[SYSCALLS.get() >> 2] = 0;
          return 0;
        }
        case 0x5410: // TIOCSPGRP
          return stream.tty ? -ERRNO_CODES.EINVAL : -ERRNO_CODES.ENOTTY;
        case 0x5413: { // TIOCGWINSZ
          if (!stream.tty) return -ERRNO_CODES.ENOTTY;
          // A TTY without the hook has no size: 0x0, as Linux says of a terminal never sized
          // (the struct is the caller's uninitialised memory otherwise).
          var size = ops.ioctl_tiocgwinsz ? ops.ioctl_tiocgwinsz(stream.tty) : [0, 0];
          var winsize = SYSCALLS.get();
          HEAP16[winsize >> 1] = size[0];
          HEAP16[(winsize + 2) >> 1] = size[1];
          HEAP16[(winsize + 4) >> 1] = 0;
          HEAP16[(winsize + 6) >> 1] = 0;
          return 0;
        }
        case 0x541B: // FIONREAD
        case 0x5421: // FIONBIO
          return FS.ioctl(stream, op, SYSCALLS.get());
        default:
          return -ERRNO_CODES.EINVAL;
      }
    } catch (e) {
      if (typeof FS == 'undefined' || !(e instanceof FS.ErrnoError || (e && e.name === 'ErrnoError'))) {
        throw e;
      }
      return -e.errno;
    }
  },
});
