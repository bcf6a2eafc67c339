// Runs the browser build of CPython (python.js) in a worker, so Python can block on stdin.
//
// stdin: the page writes UTF-8 bytes into a SharedArrayBuffer and wakes us with Atomics.notify;
//        we hand them to Emscripten one byte at a time, then end the read with null.
// stdout/stderr: Emscripten gives us single bytes. We collect them and decode UTF-8 as a
//        stream (a character may span several bytes, or several flushes), and post text in
//        chunks: on a newline, when Python waits for input, when it exits, or every 4 KiB.

"use strict";

const HEADER_INTS = 2; // [0]: 0 = empty, 1 = data ready; [1]: byte count
const CAPACITY = 64 * 1024;

let control = null; // Int32Array over the shared buffer
let bytes = null; // Uint8Array over the data part
let pending = []; // bytes of the current submission not yet read by Python
let endOfRead = false;

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
  Atomics.store(control, 0, 0);
  postMessage({ type: "waiting" });
  Atomics.wait(control, 0, 0);
  const count = Atomics.load(control, 1);
  pending = Array.from(bytes.subarray(0, count));
  Atomics.store(control, 0, 0);
}

function readByte() {
  if (endOfRead) {
    endOfRead = false;
    return null; // ends this read() call; Python gets the line it asked for
  }
  if (pending.length === 0) {
    waitForInput();
    if (pending.length === 0) return null; // an empty submission is end-of-file
  }
  const byte = pending.shift();
  if (pending.length === 0) endOfRead = true;
  return byte;
}

// The page sends {type: "start", buffer, console} for the interactive console, or, for test
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
    if (message.console) consoleSource = await (await fetch(message.console)).text();
    bundle = await loadBundle([SITE_BUNDLE, message.bundle].filter(Boolean).join(","));
    marks.files = performance.now();
  } catch (error) {
    postMessage({ type: "failed", reason: `could not load the page's files: ${error}` });
    return;
  }
  self.Module = {
    noInitialRun: true,
    stdin: readByte,
    stdout: (byte) => stdout.put(byte),
    stderr: (byte) => stderr.put(byte),
    print: (text) => postMessage({ type: "output", stream: "stdout", text: text + "\n" }),
    printErr: (text) => postMessage({ type: "output", stream: "stderr", text: text + "\n" }),
    preRun: [() => Object.assign(ENV, message.env || {})],
    // CPython's signal buffer (Python/emscripten_signal.c): the page writes a signal number
    // into it to interrupt running code.
    Py_EmscriptenSignalBuffer: message.interrupt ? new Uint8Array(message.interrupt) : undefined,
    onRuntimeInitialized: () => {
      if (message.interrupt && Module._Py_EMSCRIPTEN_SIGNAL_HANDLING !== undefined) {
        HEAP8[Module._Py_EMSCRIPTEN_SIGNAL_HANDLING] = 1;
      }
      marks.runtime = performance.now();
      writeBundle(bundle);
      marks.written = performance.now();
      if (consoleSource !== null) FS.writeFile("/wasm_console.py", consoleSource);
      postMessage({ type: "loaded" });
      const args = message.args || ["-X", "utf8", "/wasm_console.py"];
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
  try {
    importScripts("python.js");
  } catch (error) {
    postMessage({ type: "failed", reason: `python.js did not load: ${error}` });
  }
};
