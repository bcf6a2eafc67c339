// The page side of the console: output pane, input box with history, and the stdin channel to
// the worker running Python. No third-party code: the page works offline.
"use strict";

const HEADER_INTS = 2; // must match python.worker.js
const CAPACITY = 64 * 1024;
const State = { WAITING: 0, DATA: 1, INTERRUPTED: 3, COMPLETE: 4 }; // as python.worker.js
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
const completionList = document.getElementById("completions");
const forgetButton = document.getElementById("forget-home");
const SIGINT = 2;
const CONSOLE_PROMPTS = [">>> ", "... "]; // wasm_console.py's; any other prompt is input()'s

const encoder = new TextEncoder();
const history = [];
let historyIndex = 0;
let queue = []; // Uint8Array chunks waiting for Python to read stdin
let waiting = false;
let control = null;
let data = null;
let worker = null;
let interrupt = null; // CPython's signal buffer: a signal number written here interrupts Python
let completing = null; // the input box's text when Tab asked Python for completions
let loadStarted = performance.now();
let tabLeaves = false; // after Escape, Tab moves the focus on as usual

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

function inInput() {
  // Python waits for a line that a program asked for (input()), not for the console's prompt.
  return waiting && !CONSOLE_PROMPTS.includes(promptLabel.textContent);
}

function enableInput(enabled) {
  input.disabled = !enabled;
  runButton.disabled = !enabled;
  stopButton.disabled = !(body.dataset.state === "busy" || (enabled && inInput()));
  if (enabled) input.focus();
}

function answer(state, count) {
  Atomics.store(control, 1, count);
  Atomics.store(control, 0, state);
  Atomics.notify(control, 0);
}

function stop() {
  // Python reads the buffer between bytecodes (and its sleeps wait on it) and raises
  // KeyboardInterrupt, as on Ctrl-C in a terminal; the worker keeps running, so the session
  // and its variables survive. Waiting for input, its read() ends with EINTR, which CPython
  // turns into the same KeyboardInterrupt.
  if (!interrupt) return;
  if (body.dataset.state === "busy") {
    Atomics.store(interrupt, 0, SIGINT);
    Atomics.notify(interrupt, 0);
  } else if (waiting) {
    Atomics.store(interrupt, 0, SIGINT);
    waiting = false;
    append("^C\n", "input");
    setState("busy", "Running…");
    enableInput(false);
    answer(State.INTERRUPTED, 0);
  }
}

function deliver() {
  const chunk = queue.shift();
  data.set(chunk);
  waiting = false;
  answer(State.DATA, chunk.length);
}

// Tab: Python's rlcompleter answers for the text before the caret (python.worker.js).
function requestCompletion() {
  if (!waiting || completing !== null) return;
  const before = input.value.slice(0, input.selectionStart);
  const encoded = encoder.encode(before).subarray(0, CAPACITY);
  completing = input.value;
  data.set(encoded);
  answer(State.COMPLETE, encoded.length);
}

function commonPrefix(words) {
  return words.reduce((prefix, word) => {
    let i = 0;
    while (i < prefix.length && i < word.length && prefix[i] === word[i]) i++;
    return prefix.slice(0, i);
  });
}

function showCompletions({ word, matches, error }) {
  const asked = completing;
  completing = null;
  if (error) {
    completionList.textContent = `Tab completion failed: ${error}`;
    return;
  }
  if (asked !== input.value) return; // typed on meanwhile
  const caret = input.selectionStart;
  const insert = matches.length ? commonPrefix(matches) : word;
  if (insert.length > word.length || matches.length === 1) {
    input.setRangeText(insert, caret - word.length, caret, "end");
  }
  completionList.textContent = matches.length > 1 ? matches.join("  ")
    : matches.length ? "" : `No completions for “${word}”`;
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
    case "completions":
      showCompletions(message);
      break;
    case "home":
      keepHomeChanges(message.changed, message.removed);
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

function onTab(event) {
  if (event.shiftKey || event.ctrlKey || event.altKey || event.metaKey || !input.value) return;
  event.preventDefault(); // from here Tab edits; Escape gives it back to focus moves
  const before = input.value.slice(0, input.selectionStart);
  if (!before.slice(before.lastIndexOf("\n") + 1).trim()) {
    input.setRangeText("    ", input.selectionStart, input.selectionEnd, "end"); // indent
  } else {
    requestCompletion();
  }
}

function onKeyDown(event) {
  if (event.key === "Tab") {
    if (!tabLeaves) onTab(event);
    tabLeaves = false;
  } else if (event.key === "Escape") {
    tabLeaves = true;
    completionList.textContent = "";
  } else if (event.key === "Enter" && !event.shiftKey) {
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
  const selected = String(window.getSelection() || "") !== "" ||
    (document.activeElement === input && input.selectionStart !== input.selectionEnd);
  if (event.ctrlKey && event.key.toLowerCase() === "c" && !selected &&
      (body.dataset.state === "busy" || waiting)) {
    event.preventDefault();
    stop();
  }
}

// The home folder, kept in IndexedDB: one record per file, keyed by its path.
const HOME_DB = "cpython-wasm-home";

function openHome() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(HOME_DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore("files");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function loadHome() {
  const db = await openHome();
  return new Promise((resolve, reject) => {
    const files = {};
    const cursor = db.transaction("files").objectStore("files").openCursor();
    cursor.onsuccess = () => {
      const at = cursor.result;
      if (!at) return resolve(files);
      files[at.key] = at.value;
      at.continue();
    };
    cursor.onerror = () => reject(cursor.error);
  });
}

let homeStore = null; // a promise of the database, or null where IndexedDB is unavailable

function keepHomeChanges(changed, removed) {
  if (!homeStore) return;
  homeStore.then((db) => {
    const files = db.transaction("files", "readwrite").objectStore("files");
    for (const [path, content] of Object.entries(changed)) files.put(content, path);
    for (const path of removed) files.delete(path);
  }).catch((error) => append(`The home folder could not be saved: ${error}\n`, "stderr"));
}

function forgetHome() {
  if (worker) worker.terminate();
  const request = indexedDB.deleteDatabase(HOME_DB);
  request.onsuccess = request.onerror = request.onblocked = () => location.reload();
}

async function start() {
  let home = null;
  try {
    home = await loadHome();
    homeStore = openHome();
  } catch (error) {
    document.getElementById("home-note").textContent =
      `Files are not kept across reloads here: IndexedDB is unavailable (${error}).`;
  }
  interrupt = new Int32Array(new SharedArrayBuffer(4));
  const shared = new SharedArrayBuffer(HEADER_INTS * 4 + CAPACITY);
  control = new Int32Array(shared, 0, HEADER_INTS);
  data = new Uint8Array(shared, HEADER_INTS * 4, CAPACITY);
  worker = new Worker("python.worker.js");
  worker.onmessage = onMessage;
  worker.onerror = (event) => setState("failed", `The Python worker failed: ${event.message}`);
  loadStarted = performance.now();
  worker.postMessage({ type: "start", buffer: shared, console: "wasm_console.py",
                       interrupt: interrupt.buffer, home });
  input.addEventListener("keydown", onKeyDown);
  document.addEventListener("keydown", onGlobalKeyDown);
  stopButton.addEventListener("click", stop);
  forgetButton.addEventListener("click", forgetHome);
  input.addEventListener("input", () => {
    completionList.textContent = "";
  });
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
