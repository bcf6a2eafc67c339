// Runs the browser build of CPython (python.js) in a worker, so Python can block on stdin.
//
// Two uses. The console page (console.js) gives Python a terminal: its standard streams are
// TTYs (terminal_device.js: settings, raw mode, window size); what Python writes goes to the
// page as bytes, which the page's terminal (xterm.js) decodes and draws. The test pages
// (tests.js) run `python args...` with plain streams and collect the output as text.
//
// stdin: Python's read() of stdin posts "waiting" and blocks on a SharedArrayBuffer until the
//        page stores an answer: bytes (a line in canonical mode, the keys typed in raw mode;
//        none: end of file), an interruption (Ctrl-C while Python waits: read() fails with
//        EINTR and CPython raises KeyboardInterrupt, the page having put SIGINT in CPython's
//        signal buffer), or a completion request (Tab: Python's completions are posted and
//        the wait goes on).
// The home folder: the console starts in it, and the page keeps it in the browser
//        (IndexedDB): its files arrive with "start", and when Python waits for input after a
//        line was entered, the files changed since are posted ("home") for the page to store.

"use strict";

postMessage({ type: "alive" }); // the page takes a worker that never says so as one that failed to load
importScripts("completion.js", "terminal_device.js");

const HEADER_INTS = 2; // [0]: State; [1]: byte count
const CAPACITY = 64 * 1024;
const State = { WAITING: 0, DATA: 1, INTERRUPTED: 3, COMPLETE: 4 }; // as console.js
const EINTR = 27; // Emscripten's errno number
const HOME = "/home/web_user"; // Emscripten's HOME

let control = null; // Int32Array over the shared buffer
let bytes = null; // Uint8Array over the data part
let pending = new Uint8Array(0); // bytes of the current submission not yet read by Python
let keepHome = false;
let savedHome = new Map(); // path -> "mtime size" as last posted
let terminal = null; // the console's TerminalDevice
let lineEntered = true; // the input Python read since it last waited ended a line

class OutputStream {
  constructor(name) {
    this.name = name;
    this.decoder = new TextDecoder("utf-8");
    this.buffer = new Uint8Array(4096);
    this.length = 0;
  }
  put(byte) {
    if (byte === null || byte === undefined) return;
    this.buffer[this.length++] = byte & 0xff;
    if (byte === 10 || this.length === this.buffer.length) this.flush();
  }
  flush() {
    if (this.length === 0) return;
    const text = this.decoder.decode(this.buffer.subarray(0, this.length), { stream: true });
    this.length = 0;
    if (text) postMessage({ type: "output", stream: this.name, text });
  }
}

const stdout = new OutputStream("stdout");
const stderr = new OutputStream("stderr");

function waitForInput() {
  stdout.flush();
  stderr.flush();
  if (keepHome && lineEntered) {
    // PyREPL writes its history only at exit, which never comes in a page: write it now.
    callPythonHook(Module, () => HEAPU8, "keep_history", "");
    postHomeChanges();
  }
  Atomics.store(control, 0, State.WAITING);
  postMessage({ type: "waiting", mode: terminal ? terminal.mode : null });
  for (;;) {
    Atomics.wait(control, 0, State.WAITING);
    const state = Atomics.load(control, 0);
    if (state !== State.COMPLETE) return state;
    const text = new TextDecoder().decode(bytes.slice(0, Atomics.load(control, 1)));
    Atomics.store(control, 0, State.WAITING);
    postMessage({ type: "completions", ...pythonCompletions(Module, () => HEAPU8, text) });
  }
}

// The read() of stdin's device (fd 0).
function readStdin(stream, buffer, offset, length) {
  if (length === 0) return 0; // the C library also reads into an empty buffer; no wait for it
  if (pending.length === 0) {
    const state = waitForInput();
    if (state === State.INTERRUPTED) throw new FS.ErrnoError(EINTR);
    pending = bytes.slice(0, Atomics.load(control, 1));
    if (terminal) pending = terminal.translateInput(pending);
    lineEntered = pending.includes(10) || pending.includes(13);
    if (pending.length === 0) return 0; // an empty submission is end-of-file
  }
  const count = Math.min(length, pending.length);
  buffer.set(pending.subarray(0, count), offset);
  pending = pending.subarray(count);
  return count;
}

// The write() of the console's stdout and stderr: bytes to the page's terminal.
function writeTerminal(stream, buffer, offset, length) {
  // `buffer` is the runtime's HEAP8 (signed): the page's terminal takes unsigned bytes.
  const written = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length).slice();
  postMessage({ type: "output", bytes: translateOutput(written, terminal.mode) });
  return length;
}

// The console's standard streams become one terminal (Emscripten opened them as TTYs).
function becomeTerminal(size) {
  const rows = new Int32Array(size); // [rows, columns], kept current by the page
  terminal = new TerminalDevice(() => [Atomics.load(rows, 0), Atomics.load(rows, 1)],
    (mode, dropInput) => {
      if (dropInput) pending = new Uint8Array(0);
      postMessage({ type: "mode", mode });
    });
  for (const fd of [0, 1, 2]) {
    const stream = FS.getStream(fd);
    terminal.attach(stream);
    const own = fd === 0 ? { read: readStdin } : { write: writeTerminal };
    stream.stream_ops = Object.assign({}, stream.stream_ops, own);
  }
}

// CPython 3.13 and newer have a REPL that edits lines on a terminal (PyREPL); the stdlib's
// folder (its modules are zipped) names the version.
function hasOwnRepl() {
  try {
    return FS.readdir("/usr/local/lib").some((name) => {
      const version = /^python3\.(\d+)$/.exec(name);
      return version !== null && Number(version[1]) >= 13;
    });
  } catch (error) {
    return false;
  }
}

function homeFiles(folder, found) {
  for (const name of FS.readdir(folder)) {
    if (name === "." || name === "..") continue;
    const path = `${folder}/${name}`;
    const stat = FS.stat(path);
    if (FS.isDir(stat.mode)) homeFiles(path, found);
    else if (FS.isFile(stat.mode)) found.set(path, `${stat.mtime.getTime()} ${stat.size}`);
  }
  return found;
}

function postHomeChanges() {
  let found;
  try {
    found = homeFiles(HOME, new Map());
  } catch (error) {
    return; // the folder is gone (removed by the program): nothing to keep
  }
  const changed = {};
  for (const [path, version] of found) {
    if (savedHome.get(path) !== version) changed[path] = FS.readFile(path);
  }
  const removed = [...savedHome.keys()].filter((path) => !found.has(path));
  savedHome = found;
  if (Object.keys(changed).length || removed.length) postMessage({ type: "home", changed, removed });
}

function restoreHome(files) {
  for (const [path, data] of Object.entries(files || {})) {
    if (!path.startsWith(HOME + "/")) continue;
    FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    FS.writeFile(path, data);
  }
  savedHome = homeFiles(HOME, new Map());
}

// The page sends {type: "start", buffer, interrupt, size, console, home} for the interactive
// console (`size`: a shared Int32Array buffer of the terminal's rows and columns; `console`:
// the URL of wasm_console.py, the console for Pythons without a REPL of their own that edits
// lines (before 3.13), or null for Python's own REPL; `home`: the kept files, path -> bytes,
// or null when the page keeps none), or, for test
// runs, {type: "start", buffer, args, bundle, env, collect}: `bundle` is a comma-separated list
// of URLs of JSON maps of file path -> base64 content written into the in-memory file system
// first, `args` replace the console, `env` is added to the environment, and the `collect` files
// are posted back at exit. The build's site configuration (SITE_BUNDLE, same format: its
// sitecustomize and event loop for asyncio) is written first, every time.
const SITE_BUNDLE = "wasm-site.json";
async function loadBundle(urls) {
  const files = {};
  for (const url of (urls || "").split(",").filter(Boolean)) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    Object.assign(files, await response.json());
  }
  return files;
}

// Begun as soon as the page makes this worker, before it says how to run Python: the site
// bundle and python.data are fetched while the page still loads. Null where it failed;
// Emscripten's loader then fetches it itself.
const early = {
  site: loadBundle(SITE_BUNDLE),
  data: fetch("python.data").then((response) => (response.ok ? response.arrayBuffer() : null))
    .catch(() => null),
};
early.site.catch(() => {}); // its failure is reported when "start" awaits it

// Module settings that hand Emscripten's loader what `early` already has, and python.wasm as
// the page compiled it (`module`, a WebAssembly.Module; see python_module.js): compiled on the
// page's thread, V8 keeps its optimised code for the page's next visit, which a module
// compiled in a worker does not get. Without one the worker compiles python.wasm itself.
async function earlyRuntime(module) {
  const [data, wasm] = await Promise.all([
    early.data, module || WebAssembly.compileStreaming(fetch("python.wasm")).catch(() => null)]);
  const settings = {};
  if (data) {
    settings.getPreloadedPackage = (name, size) =>
      name.endsWith("python.data") && data.byteLength === size ? data : null;
  }
  if (wasm) {
    settings.instantiateWasm = (imports, receiveInstance) => {
      WebAssembly.instantiate(wasm, imports).then(
        (instance) => receiveInstance(instance, wasm),
        (error) => postMessage({ type: "failed", reason: `python.wasm did not start: ${error}` }));
      return {}; // the exports come later, through receiveInstance
    };
  }
  return settings;
}

function writeBundle(files) {
  for (const [path, base64] of Object.entries(files)) {
    FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    const text = atob(base64);
    const data = new Uint8Array(text.length); // a plain loop: no callback per byte
    for (let i = 0; i < text.length; i++) data[i] = text.charCodeAt(i);
    FS.writeFile(path, data);
  }
}

function collectFiles(paths) {
  const found = {};
  for (const path of paths || []) {
    try {
      found[path] = FS.readFile(path, { encoding: "utf8" });
    } catch (error) {
      found[path] = null;
    }
  }
  return found;
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type !== "start") return;
  control = new Int32Array(message.buffer, 0, HEADER_INTS);
  bytes = new Uint8Array(message.buffer, HEADER_INTS * 4, CAPACITY);
  let consoleSource = null;
  let bundle = {};
  // Where a page's time goes (ms): fetching the test files, starting the runtime (python.wasm
  // and the stdlib), writing the files, running Python.
  const started = performance.now();
  const marks = {};
  try {
    const [source, site, extra] = await Promise.all([
      message.console ? fetch(message.console).then((response) => response.text()) : null,
      early.site, loadBundle(message.bundle)]);
    consoleSource = source;
    bundle = { ...site, ...extra };
    marks.files = performance.now();
  } catch (error) {
    postMessage({ type: "failed", reason: `could not load the page's files: ${error}` });
    return;
  }
  const plainStreams = {
    stdin: () => null, // makes fd 0 a device; its read() is replaced by readStdin below
    stdout: (byte) => stdout.put(byte),
    stderr: (byte) => stderr.put(byte),
  };
  const print = (stream) => (text) => postMessage({ type: "output", stream, text: text + "\n" });
  // A console leaves Emscripten's TTYs in place (becomeTerminal takes them over).
  self.Module = {
    noInitialRun: true,
    ...(message.size ? {} : plainStreams),
    print: print("stdout"),
    printErr: print("stderr"),
    preRun: [() => Object.assign(ENV, message.size ? { TERM: "xterm-256color",
                                                       CPYTHON_WASM_TERMINAL: "1" } : {},
                                 message.env || {})],
    // CPython's signal buffer (Python/emscripten_signal.c): the page writes a signal number
    // into it to interrupt running code (runtime_bridge.js turns CPython's polling on).
    Py_EmscriptenSignalBuffer: message.interrupt ? new Int32Array(message.interrupt) : undefined,
    onRuntimeInitialized: () => {
      marks.runtime = performance.now();
      if (message.size) {
        becomeTerminal(message.size);
      } else {
        const stdin = FS.getStream(0);
        stdin.stream_ops = Object.assign({}, stdin.stream_ops, { read: readStdin });
      }
      writeBundle(bundle);
      marks.written = performance.now();
      if (message.size) {
        if (consoleSource !== null) FS.writeFile("/wasm_console.py", consoleSource);
        keepHome = Boolean(message.home);
        restoreHome(message.home);
        FS.chdir(HOME);
      }
      // Python's own REPL where its stdlib has one that runs on a terminal (PyREPL, 3.13+).
      const ownRepl = Boolean(message.size) && hasOwnRepl();
      postMessage({ type: "loaded", ownRepl });
      const args = message.args ||
        ["-X", "utf8", ...(ownRepl || consoleSource === null ? [] : ["/wasm_console.py"])];
      let status = 0;
      try {
        status = callMain(args);
      } catch (error) {
        status = error && error.status !== undefined ? error.status : 1;
        if (!(error && error.name === "ExitStatus")) {
          postMessage({ type: "output", stream: "stderr", text: String(error) + "\n" });
        }
      }
      stdout.flush();
      stderr.flush();
      const ended = performance.now();
      const timings = {
        files: Math.round((marks.files ?? started) - started),
        runtime: Math.round(marks.runtime - (marks.files ?? started)),
        write: Math.round(marks.written - marks.runtime),
        python: Math.round(ended - marks.written),
      };
      postMessage({ type: "exit", status, files: collectFiles(message.collect), timings });
    },
  };
  Object.assign(self.Module, await earlyRuntime(message.module));
  try {
    importScripts("python.js");
  } catch (error) {
    postMessage({ type: "failed", reason: `python.js did not load: ${error}` });
  }
};
