// Runs the Node build of CPython (python.js) the way a terminal user expects:
//
//   node [flags] Tools/wasm/node/python_runner.cjs builddir/.../python.js [python args]
//
// python.js runs Python synchronously: while it computes, its thread runs no JavaScript, so
// Node could neither notice Ctrl-C nor edit a line. Here python.js runs in a worker thread
// and this (main) thread stays free:
//
// - Ctrl-C (SIGINT) stores SIGINT in CPython's signal buffer, a SharedArrayBuffer that Python
//   polls between bytecodes (Python/emscripten_signal.c) and that ends its sleeps
//   (Tools/wasm/emscripten/runtime_bridge.js): KeyboardInterrupt, as on Linux.
// - When stdin is a terminal, this thread reads it for Python. In canonical mode (the usual
//   settings) that is a line editor (Node's readline: arrow keys, history kept in
//   PYTHON_HISTORY or ~/.python_history, Tab completion asked of Python's rlcompleter) when
//   stdout is a terminal too, plain lines otherwise. A program that puts the terminal in raw
//   mode with tcsetattr() (CPython 3.13's own REPL, PyREPL) gets each key as typed, and the
//   window size it asks for is the terminal's (../web/terminal_device.js). Python's read() of
//   stdin waits on a second shared buffer for the input, for end of file (Ctrl-D) or for
//   EINTR (Ctrl-C), which CPython turns into KeyboardInterrupt.
// - stdin that is a pipe or a file is read by Python directly, as before.
// - The exit status is Python's (130 after an unhandled KeyboardInterrupt).
"use strict";

const { Worker, isMainThread, workerData, parentPort } = require("node:worker_threads");
const completions = require("../web/completion.js");
const { TerminalDevice } = require("../web/terminal_device.js");

const SIGINT = 2;
const EINTR = 27; // Emscripten's errno numbers, as Python's errno module has them
const HEADER = 2; // Int32 slots before the data: [0] state, [1] byte count
const CAPACITY = 64 * 1024;
const State = { WAITING: 0, DATA: 1, EOF: 2, INTERRUPTED: 3, COMPLETE: 4 };

// ---------------------------------------------------------------------------------------
// Main thread: signals, the terminal, the worker's exit status.
// ---------------------------------------------------------------------------------------

function main() {
  const [pythonJs, ...args] = process.argv.slice(2);
  if (!pythonJs) {
    process.stderr.write("usage: node python_runner.cjs PATH/TO/python.js [ARGS...]\n");
    process.exit(2);
  }
  const tty = require("node:tty");
  const signals = new Int32Array(new SharedArrayBuffer(4));
  const channel = new SharedArrayBuffer(HEADER * 4 + CAPACITY);
  const terminalInput = tty.isatty(0);
  const windowSize = new Int32Array(new SharedArrayBuffer(8)); // [rows, columns]
  const measure = () => {
    const screen = [process.stdout, process.stderr, process.stdin].find((s) => s.isTTY && s.columns);
    Atomics.store(windowSize, 0, screen ? screen.rows : 0);
    Atomics.store(windowSize, 1, screen ? screen.columns : 0);
  };
  measure();
  if (process.stdout.isTTY) process.stdout.on("resize", measure);
  const worker = new Worker(__filename, {
    workerData: { pythonJs, args, signals: signals.buffer, channel, terminalInput,
                  windowSize: windowSize.buffer },
    stdin: false,
    // Python's C stack lives in wasm memory; JavaScript and wasm frames on this one.
    resourceLimits: { stackSizeMb: 8 },
  });
  const console = terminalInput ? new TerminalInput(worker, channel, tty.isatty(1)) : null;

  let attached = false; // python.js has our runtime bridge (a build older than it has not)
  let unanswered = 0; // Ctrl-Cs in a row that Python has not picked up
  process.on("SIGINT", () => {
    unanswered = Atomics.load(signals, 0) === 0 ? 1 : unanswered + 1;
    if (!attached || unanswered >= 3) {
      // Python cannot see the signal (an old build), or is stuck in code that never checks
      // (a long computation in C): end it as Ctrl-C ends a native program.
      if (attached) process.stderr.write("\nPython did not answer Ctrl-C three times; ending it\n");
      process.exit(130);
    }
    Atomics.store(signals, 0, SIGINT);
    Atomics.notify(signals, 0);
    if (console) console.interrupt();
  });
  worker.on("message", (message) => {
    if (message.type === "attached") attached = true;
    else if (console) console.onMessage(message);
  });
  worker.on("error", (error) => {
    process.stderr.write(`python.js failed: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  });
  worker.on("exit", (code) => {
    if (console) console.close();
    process.exit(process.exitCode || code);
  });
}

class TerminalInput {
  constructor(worker, channel, lineEditing) {
    this.worker = worker;
    this.control = new Int32Array(channel, 0, HEADER);
    this.data = new Uint8Array(channel, HEADER * 4, CAPACITY);
    this.lineEditing = lineEditing;
    this.queue = []; // encoded input not yet handed to Python
    this.endOfFile = false;
    this.waiting = false; // Python is blocked in read() for us
    this.prompt = "";
    this.completion = null; // the readline callback of a pending completion
    this.rl = null;
    this.history = lineEditing ? new HistoryFile() : null;
  }

  onMessage(message) {
    if (message.type === "mode") {
      this.setRaw(!message.mode.canonical, message.mode.signals);
      if (message.dropInput) this.queue = [];
    } else if (message.type === "read") {
      this.waiting = true;
      this.prompt = message.prompt;
      if (!this.deliverQueued()) this.listen();
    } else if (message.type === "completions" && this.completion) {
      const done = this.completion;
      this.completion = null;
      done(null, [message.matches, message.word]);
    }
  }

  // Answer a waiting read() from what was typed ahead, if anything.
  deliverQueued() {
    if (!this.waiting) return false;
    if (this.queue.length) {
      const chunk = this.queue.shift();
      this.data.set(chunk);
      this.answer(State.DATA, chunk.length);
      return true;
    }
    if (this.endOfFile) {
      this.endOfFile = false;
      this.answer(State.EOF, 0);
      return true;
    }
    return false;
  }

  answer(state, count) {
    this.waiting = false;
    this.pause();
    Atomics.store(this.control, 1, count);
    Atomics.store(this.control, 0, state);
    Atomics.notify(this.control, 0);
  }

  // Raw mode (ICANON off): no line editor; each key goes to Python as it is typed, and Ctrl-C
  // (a byte now, not a signal) interrupts Python when the program keeps ISIG on.
  setRaw(raw, signals) {
    this.signals = signals;
    if (raw === Boolean(this.raw)) return;
    this.raw = raw;
    if (raw) {
      this.close();
      this.rl = null;
      this.onRawData = (bytes) => {
        const ctrlC = this.signals ? bytes.indexOf(3) : -1;
        if (ctrlC < 0) {
          this.push(bytes);
          return;
        }
        if (ctrlC > 0) this.push(bytes.subarray(0, ctrlC)); // typed before it, then the signal
        process.emit("SIGINT", "SIGINT");
      };
      process.stdin.setRawMode(true);
      process.stdin.on("data", this.onRawData);
      process.stdin.resume();
    } else {
      process.stdin.off("data", this.onRawData);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  }

  listen() {
    if (this.raw) return; // the keys arrive on their own
    if (!this.rl) this.open();
    this.rl.setPrompt(this.prompt);
    if (this.lineEditing) process.stdin.setRawMode(true);
    this.rl.resume();
    // Python has printed the prompt; readline redraws it in place and owns the line from now.
    if (this.lineEditing) this.rl.prompt(true);
  }

  pause() {
    if (!this.rl || this.raw) return;
    this.rl.pause();
    // While Python runs the terminal is in its usual mode, so Ctrl-C is a signal again.
    if (this.lineEditing && process.stdin.isTTY) process.stdin.setRawMode(false);
  }

  open() {
    const readline = require("node:readline");
    this.rl = readline.createInterface({
      input: process.stdin,
      output: this.lineEditing ? process.stdout : undefined,
      terminal: this.lineEditing,
      history: this.history ? this.history.entries : [],
      historySize: HistoryFile.LIMIT,
      removeHistoryDuplicates: false,
      completer: this.lineEditing ? (line, done) => this.complete(line, done) : undefined,
      tabSize: 4,
    });
    this.rl.on("line", (line) => {
      if (this.history) this.history.add(line);
      this.push(Buffer.from(line + "\n", "utf8"));
    });
    this.rl.on("SIGINT", () => {
      if (this.lineEditing) process.stdout.write("^C"); // as the terminal shows it when Python runs
      process.emit("SIGINT", "SIGINT");
    });
    this.rl.on("close", () => {
      // Ctrl-D on an empty line, or the end of stdin: end of file for this read.
      this.rl = null;
      this.endOfFile = true;
      this.deliverQueued();
    });
  }

  push(bytes) {
    for (let start = 0; start < bytes.length; start += CAPACITY) {
      this.queue.push(bytes.subarray(start, start + CAPACITY));
    }
    this.deliverQueued();
  }

  complete(line, done) {
    if (!line.trim()) {
      done(null, [["    "], ""]); // Tab at the start of a line indents, as in CPython's REPL
      return;
    }
    if (!this.waiting || this.completion) {
      done(null, [[], line]);
      return;
    }
    this.completion = done;
    const text = Buffer.from(line, "utf8").subarray(0, CAPACITY);
    this.data.set(text);
    Atomics.store(this.control, 1, text.length);
    Atomics.store(this.control, 0, State.COMPLETE);
    Atomics.notify(this.control, 0);
  }

  // Ctrl-C: a read() waiting for a line ends with EINTR; Python then runs the signal handler.
  interrupt() {
    this.queue = [];
    if (this.rl) {
      this.rl.line = "";
      this.rl.cursor = 0;
    }
    if (this.waiting) this.answer(State.INTERRUPTED, 0);
  }

  close() {
    if (this.rl) {
      this.rl.removeAllListeners("close");
      this.rl.close();
    }
  }
}

// The history across sessions: one line per entry, appended as typed, like CPython's
// ~/.python_history (PYTHON_HISTORY names another file). A file that cannot be read or
// written means a history of this session only.
class HistoryFile {
  static LIMIT = 1000;

  constructor() {
    const os = require("node:os");
    const path = require("node:path");
    this.fs = require("node:fs");
    this.path = process.env.PYTHON_HISTORY || path.join(os.homedir(), ".python_history");
    let lines = [];
    try {
      lines = this.fs.readFileSync(this.path, "utf8").split("\n");
    } catch (error) {
      // no history yet
    }
    // Newest first, as readline keeps it; libedit's header line is not an entry.
    this.entries = lines.filter((l) => l.trim() && l !== "_HiStOrY_V2_")
      .slice(-HistoryFile.LIMIT).reverse();
  }

  add(line) {
    if (!line.trim()) return;
    try {
      this.fs.appendFileSync(this.path, line + "\n");
    } catch (error) {
      // read-only home: keep this session's history only
    }
  }
}

// ---------------------------------------------------------------------------------------
// Worker thread: python.js, with stdin read through the main thread when it is a terminal.
// ---------------------------------------------------------------------------------------

function runPython() {
  const { pythonJs, args, terminalInput } = workerData;
  const windowSize = new Int32Array(workerData.windowSize);
  const terminal = new TerminalDevice(
    () => [Atomics.load(windowSize, 0), Atomics.load(windowSize, 1)],
    (mode, dropInput) => {
      if (dropInput) pending = new Uint8Array(0); // tcsetattr(TCSAFLUSH): unread input goes
      parentPort.postMessage({ type: "mode", mode, dropInput });
    });
  const signals = new Int32Array(workerData.signals);
  const control = new Int32Array(workerData.channel, 0, HEADER);
  const data = new Uint8Array(workerData.channel, HEADER * 4, CAPACITY);
  const path = require("node:path");
  const tty = require("node:tty");
  const decoder = new TextDecoder();
  let runtime = null;
  let pending = new Uint8Array(0);
  let outputTail = ""; // what follows the last newline Python wrote: its prompt

  function remember(buffer, offset, length) {
    const bytes = Uint8Array.prototype.slice.call(buffer, offset, offset + length);
    const text = decoder.decode(bytes);
    const newline = text.lastIndexOf("\n");
    outputTail = (newline < 0 ? outputTail + text : text.slice(newline + 1)).slice(-1000);
  }

  // Blocks until the main thread answers; serves completion requests meanwhile.
  function waitForInput() {
    Atomics.store(control, 0, State.WAITING);
    parentPort.postMessage({ type: "read", prompt: outputTail });
    for (;;) {
      Atomics.wait(control, 0, State.WAITING);
      const state = Atomics.load(control, 0);
      if (state !== State.COMPLETE) return state;
      const text = decoder.decode(data.slice(0, Atomics.load(control, 1)));
      Atomics.store(control, 0, State.WAITING);
      const answer = runtime ? completions(runtime.module, runtime.memory, text) : null;
      parentPort.postMessage({ type: "completions", ...(answer || { word: "", matches: [] }) });
    }
  }

  function readTerminal(buffer, offset, length) {
    // The C library reads into two buffers at once, the first sometimes of length 0: only a
    // read that can take bytes waits for a line.
    if (length === 0) return 0;
    if (pending.length === 0) {
      const state = waitForInput();
      outputTail = ""; // the line editor echoed the line and its newline
      if (state === State.EOF) return 0;
      if (state === State.INTERRUPTED) throw new runtime.fs.ErrnoError(EINTR);
      pending = terminal.translateInput(data.slice(0, Atomics.load(control, 1)));
    }
    const count = Math.min(length, pending.length);
    buffer.set(pending.subarray(0, count), offset);
    pending = pending.subarray(count);
    return count;
  }

  globalThis.wasmKitHost = {
    attach(attached) {
      runtime = attached;
      parentPort.postMessage({ type: "attached" });
      const { module, fs } = runtime;
      module.Py_EmscriptenSignalBuffer = signals;
      // Python sees the process's environment, as a native Python does (HOME,
      // PYTHON_HISTORY, ...): before 6.0.5 Emscripten gave it only its own defaults (HOME
      // /home/web_user, a folder the host does not have). Read while the runtime starts.
      if (runtime.env) Object.assign(runtime.env, process.env);
      // The site configuration asks the standard streams about the terminal only when the
      // terminal layer below stands behind them.
      if (runtime.env && [0, 1, 2].some((fd) => tty.isatty(fd))) {
        runtime.env.CPYTHON_WASM_TERMINAL = "1";
      }
      const read = fs.read;
      const write = fs.write;
      fs.read = function (stream, buffer, offset, length, position) {
        if (terminalInput && stream.nfd === 0 && !stream.stream_ops) {
          return readTerminal(buffer, offset, length);
        }
        return read.apply(this, arguments);
      };
      // The worker did not open the process's standard streams: closing them (CPython 3.13
      // does at exit) would make Node warn on stderr. Python's descriptor goes, Node's stays.
      const close = fs.close;
      fs.close = function (stream) {
        if (!stream.stream_ops && stream.nfd <= 2 && typeof fs.closeStream == "function") {
          fs.closeStream(stream.fd);
          return;
        }
        return close.apply(this, arguments);
      };
      fs.write = function (stream, buffer, offset, length) {
        if (stream.nfd === 1 || stream.nfd === 2) remember(buffer, offset, length);
        return write.apply(this, arguments);
      };
      // A stream Node opens, or a copy of one (os.dup), is a terminal when its descriptor is
      // one: Emscripten marks it with `tty = true`, which has no settings to ask.
      const createStream = fs.createStream;
      fs.createStream = function () {
        const stream = createStream.apply(this, arguments);
        if (stream && stream.tty === true) terminal.attach(stream);
        return stream;
      };
      const loaderInit = module.onRuntimeInitialized;
      module.onRuntimeInitialized = function () {
        // Emscripten calls all three standard streams terminals; tell Python the truth, so
        // that piped input is not taken for an interactive session.
        // A terminal answers tcgetattr()/tcsetattr() and the window size (TerminalDevice).
        for (const fd of [0, 1, 2]) {
          const stream = fs.getStream(fd);
          if (!stream || stream.stream_ops) continue;
          if (tty.isatty(fd)) terminal.attach(stream);
          else stream.tty = false;
        }
        if (loaderInit) return loaderInit.apply(this, arguments);
      };
    },
  };
  process.argv = [process.argv[0], pythonJs, ...args];
  require(path.resolve(pythonJs));
}

if (isMainThread) {
  main();
} else {
  runPython();
}
