// The terminal Python sees on its standard streams: the settings tcgetattr() reads and
// tcsetattr() changes, and the window size, for the page's worker (python.worker.js loads
// this file with importScripts) and the Node runner's worker (python_runner.cjs requires it).
//
// Emscripten asks a stream's TTY for these through hooks (tty.ops.ioctl_tcgets, _tcsets,
// _tiocgwinsz; before 3.1.69 through the kit's tty_ioctl.js). A program that changes the
// settings changes what the front end does with keys: in canonical mode it edits a line and
// hands Python the whole line (echoing unless ECHO is off: getpass()); in raw mode (ICANON
// off: PyREPL) it hands Python each key as typed. `changed(mode)` tells the front end.
(function (root) {
  "use strict";

  // <termios.h> (musl, as Linux): the flags the front ends act on, and the usual settings of
  // a terminal in canonical mode.
  const ISIG = 0o1, ICANON = 0o2, ECHO = 0o10;
  const OPOST = 0o1, ONLCR = 0o4;
  const ICRNL = 0o400;
  const TCSETSF = 0x5404; // set, and drop the input not yet read
  const USUAL = {
    c_iflag: 0o400 | 0o2000 | 0o20000 | 0o40000, // ICRNL IXON IMAXBEL IUTF8
    c_oflag: OPOST | ONLCR,
    c_cflag: 0o17 | 0o60 | 0o200, // B38400 CS8 CREAD
    c_lflag: ISIG | ICANON | ECHO | 0o20 | 0o40 | 0o1000 | 0o4000 | 0o100000,
    // VINTR ^C, VQUIT ^\, VERASE DEL, VKILL ^U, VEOF ^D, VTIME 0, VMIN 1, VSWTC, VSTART ^Q,
    // VSTOP ^S, VSUSP ^Z, VEOL, VREPRINT ^R, VDISCARD ^O, VWERASE ^W, VLNEXT ^V
    c_cc: [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22].concat(new Array(16).fill(0)),
  };

  class TerminalDevice {
    // size(): [rows, columns]; changed(mode, dropInput): the settings changed.
    constructor(size, changed) {
      this.size = size;
      this.changed = changed;
      this.settings = JSON.parse(JSON.stringify(USUAL));
    }

    // What the front ends need of the settings.
    get mode() {
      const { c_lflag: local, c_oflag: output } = this.settings;
      return {
        canonical: Boolean(local & ICANON),
        echo: Boolean(local & ECHO),
        signals: Boolean(local & ISIG),
        newlineAsCrLf: Boolean(output & OPOST) && Boolean(output & ONLCR),
      };
    }

    // Keys as the program reads them: with ICRNL (the usual settings, kept by PyREPL's raw
    // mode) Enter's "\r" arrives as "\n", as a terminal driver hands it over.
    translateInput(bytes) {
      if (!(this.settings.c_iflag & ICRNL) || !bytes.includes(13)) return bytes;
      return bytes.map((byte) => (byte === 13 ? 10 : byte));
    }

    // Make `stream` (0, 1 or 2, once Emscripten has opened it) a terminal with these hooks.
    attach(stream) {
      const tty = stream.tty && typeof stream.tty == "object" ? stream.tty : {};
      tty.ops = Object.assign({}, tty.ops, {
        ioctl_tcgets: () => JSON.parse(JSON.stringify(this.settings)),
        ioctl_tcsets: (_tty, request, settings) => {
          this.settings = {
            c_iflag: settings.c_iflag, c_oflag: settings.c_oflag, c_cflag: settings.c_cflag,
            c_lflag: settings.c_lflag, c_cc: Array.from(settings.c_cc, (b) => b & 0xff),
          };
          this.changed(this.mode, request === TCSETSF);
          return 0;
        },
        ioctl_tiocgwinsz: () => {
          const [rows, columns] = this.size();
          return rows > 0 && columns > 0 ? [rows, columns] : [24, 80];
        },
      });
      stream.tty = tty;
    }
  }

  // Bytes a program wrote, as the terminal must get them: with OPOST and ONLCR set (the
  // usual settings), "\n" is sent as "\r\n"; a program in raw mode sends its own "\r".
  function translateOutput(bytes, mode) {
    if (!mode.newlineAsCrLf || !bytes.includes(10)) return bytes;
    let count = 0;
    for (const byte of bytes) if (byte === 10) count++;
    const out = new Uint8Array(bytes.length + count);
    let at = 0;
    for (const byte of bytes) {
      if (byte === 10) out[at++] = 13;
      out[at++] = byte;
    }
    return out;
  }

  const api = { TerminalDevice, translateOutput };
  if (typeof module == "object" && module.exports) module.exports = api;
  else Object.assign(root, api);
})(typeof self != "undefined" ? self : globalThis);
