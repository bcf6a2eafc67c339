// The page side of the console: output pane, input box with history, and the stdin channel to
// the worker running Python. No third-party code: the page works offline.
"use strict";

const HEADER_INTS = 2; // must match python.worker.js
const CAPACITY = 64 * 1024;
const BLOCK_START = "\x02\n"; // must match Lib/wasm_console.py
const BLOCK_END = "\n\x03\n";

const body = document.body;
const statusLine = document.getElementById("status");
const output = document.getElementById("output");
const input = document.getElementById("input");
const runButton = document.getElementById("run");
const promptLabel = document.getElementById("prompt");
const form = document.getElementById("prompt-form");
const stopButton = document.getElementById("stop");
const SIGINT = 2;

const encoder = new TextEncoder();
const history = [];
let historyIndex = 0;
let queue = []; // Uint8Array chunks waiting for Python to read stdin
let waiting = false;
let control = null;
let data = null;
let worker = null;
let interrupt = null; // CPython's signal buffer: a signal number written here interrupts Python
let loadStarted = performance.now();

function setState(state, text) {
  body.dataset.state = state;
  statusLine.textContent = text;
}

function append(text, kind) {
  const span = document.createElement("span");
  span.className = kind;
  span.textContent = text;
  output.appendChild(span);
  output.scrollTop = output.scrollHeight;
  if (kind === "stdout") {
    // The text after the last newline is what Python is prompting with (">>> ", "... ").
    const all = output.textContent;
    promptLabel.textContent = all.slice(all.lastIndexOf("\n") + 1) || ">>>";
  }
}

function enableInput(enabled) {
  input.disabled = !enabled;
  runButton.disabled = !enabled;
  stopButton.disabled = enabled || body.dataset.state !== "busy";
  if (enabled) input.focus();
}

function stop() {
  // Python reads the buffer between bytecodes and raises KeyboardInterrupt, as on Ctrl-C in a
  // terminal; the worker keeps running, so the session and its variables survive.
  if (interrupt && body.dataset.state === "busy") Atomics.store(interrupt, 0, SIGINT);
}

function deliver() {
  const chunk = queue.shift();
  data.set(chunk);
  Atomics.store(control, 1, chunk.length);
  Atomics.store(control, 0, 1);
  Atomics.notify(control, 0);
  waiting = false;
}

function send(text) {
  const encoded = encoder.encode(text);
  for (let start = 0; start < encoded.length; start += CAPACITY) {
    queue.push(encoded.subarray(start, start + CAPACITY));
  }
  if (waiting && queue.length) deliver();
}

function submit(text, asBlock) {
  if (text.trim()) {
    history.push(text);
  }
  historyIndex = history.length;
  append(text + "\n", "input");
  setState("busy", "Running…");
  enableInput(false);
  send(asBlock ? BLOCK_START + text + BLOCK_END : text + "\n");
}

function onMessage(event) {
  const message = event.data;
  switch (message.type) {
    case "output":
      append(message.text, message.stream);
      break;
    case "loaded":
      setState("starting", "Starting Python…");
      break;
    case "waiting":
      waiting = true;
      if (queue.length) {
        deliver();
      } else {
        const seconds = ((performance.now() - loadStarted) / 1000).toFixed(1);
        const first = body.dataset.state === "starting";
        setState("ready", first ? `Ready (started in ${seconds} s)` : "Ready");
        enableInput(true);
      }
      break;
    case "exit":
      setState("exited", `Python exited with status ${message.status}. Reload the page to start again.`);
      enableInput(false);
      break;
    case "failed":
      setState("failed", message.reason);
      break;
  }
}

function caretOnFirstLine() {
  return !input.value.slice(0, input.selectionStart).includes("\n");
}

function caretOnLastLine() {
  return !input.value.slice(input.selectionEnd).includes("\n");
}

function onKeyDown(event) {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    submit(text, text.includes("\n"));
  } else if (event.key === "ArrowUp" && caretOnFirstLine() && historyIndex > 0) {
    event.preventDefault();
    historyIndex -= 1;
    input.value = history[historyIndex];
  } else if (event.key === "ArrowDown" && caretOnLastLine() && historyIndex < history.length) {
    event.preventDefault();
    historyIndex += 1;
    input.value = historyIndex < history.length ? history[historyIndex] : "";
  }
}

function onPaste(event) {
  const pasted = (event.clipboardData || window.clipboardData).getData("text");
  if (!pasted.includes("\n")) return; // one line: let it land in the box
  event.preventDefault();
  const before = input.value.slice(0, input.selectionStart);
  const after = input.value.slice(input.selectionEnd);
  input.value = "";
  submit((before + pasted + after).replace(/\r\n?/g, "\n").replace(/\n+$/, ""), true);
}

function onGlobalKeyDown(event) {
  const copying = String(window.getSelection() || "") !== "";
  if (event.ctrlKey && event.key.toLowerCase() === "c" && !copying && body.dataset.state === "busy") {
    event.preventDefault();
    stop();
  }
}

function start() {
  interrupt = new Uint8Array(new SharedArrayBuffer(4));
  const shared = new SharedArrayBuffer(HEADER_INTS * 4 + CAPACITY);
  control = new Int32Array(shared, 0, HEADER_INTS);
  data = new Uint8Array(shared, HEADER_INTS * 4, CAPACITY);
  worker = new Worker("python.worker.js");
  worker.onmessage = onMessage;
  worker.onerror = (event) => setState("failed", `The Python worker failed: ${event.message}`);
  loadStarted = performance.now();
  worker.postMessage({ type: "start", buffer: shared, console: "wasm_console.py",
                       interrupt: interrupt.buffer });
  input.addEventListener("keydown", onKeyDown);
  document.addEventListener("keydown", onGlobalKeyDown);
  stopButton.addEventListener("click", stop);
  input.addEventListener("paste", onPaste);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    submit(text, text.includes("\n"));
  });
}

if (!window.crossOriginIsolated || typeof SharedArrayBuffer === "undefined") {
  setState(
    "unsupported",
    "Python cannot start: this page is not cross-origin isolated, so SharedArrayBuffer is " +
      "missing. Serve it with `invoke wasm.serve`, which sends the Cross-Origin-Opener-Policy " +
      "and Cross-Origin-Embedder-Policy headers it needs.",
  );
} else {
  start();
}
