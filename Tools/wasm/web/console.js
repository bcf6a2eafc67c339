// The page side of the console: a terminal (xterm.js) for Python, which runs in a worker
// (python.worker.js), and the channels between them.
//
// Python's standard streams are that terminal: what Python writes is drawn as a terminal
// draws it (colours, "\r" progress lines, cursor movement), and its settings decide what a
// key does. In raw mode (CPython 3.13's own REPL, PyREPL, edits its lines itself) each key
// goes to Python as typed; in canonical mode (the console of older Pythons, input()) the
// page's line editor (line_editor.js) edits a line and hands it over whole.
// Ctrl-C (with nothing selected) and Stop put SIGINT in CPython's signal buffer; Python
// raises KeyboardInterrupt in running code, in time.sleep() and in a read of stdin.
"use strict";

const HEADER_INTS = 2; // as python.worker.js
const CAPACITY = 64 * 1024;
const State = { WAITING: 0, DATA: 1, INTERRUPTED: 3, COMPLETE: 4 }; // as python.worker.js
const BLOCK_START = "\x02\n"; // as Lib/wasm_console.py
const BLOCK_END = "\n\x03\n";
const CONSOLE_PROMPTS = [">>> ", "... "]; // wasm_console.py's; any other prompt is input()'s
const SIGINT = 2;
const HOME = "/home/web_user";
const HISTORY_FILE = `${HOME}/.python_history`;
const READER_KEY = "cpython-wasm-screen-reader";

const body = document.body;
const statusLine = document.getElementById("status");
const stopButton = document.getElementById("stop");
const forgetButton = document.getElementById("forget-home");
const encoder = new TextEncoder();

let term = null;
let editor = null;
let worker = null;
let control = null; // Int32Array: [state, byte count] of the stdin channel
let data = null; // its bytes
let interrupt = null; // CPython's signal buffer: a signal number written here interrupts Python
let windowSize = null; // Int32Array: [rows, columns], read by Python's TIOCGWINSZ
let waiting = false; // Python is blocked reading stdin
let mode = { canonical: true, echo: true, signals: true };
let typedAhead = []; // what was typed while Python ran, for its next read
let completionAnswer = null; // resolves the pending Tab completion
let ownRepl = false; // Python's own REPL (PyREPL) runs, not wasm_console.py
const history = []; // the line editor's, kept in ~/.python_history for wasm_console.py
let lastLine = ""; // what follows the last newline Python wrote: a prompt, when it reads
const outputText = new TextDecoder();
const terminalScripts = document.readyState === "loading"
  ? new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve))
  : Promise.resolve(); // xterm.js, its fit addon and line_editor.js: deferred (python.html)

let busyTimer = null;

function setState(state, text) {
  clearTimeout(busyTimer);
  if (body.dataset.state === state && statusLine.textContent === text) return;
  body.dataset.state = state;
  statusLine.textContent = text;
  stopButton.disabled = !(state === "busy" || state === "ready"); // Ctrl-C's button
}

function answer(state, count) {
  waiting = false;
  showHomeState();
  Atomics.store(control, 1, count);
  Atomics.store(control, 0, state);
  Atomics.notify(control, 0);
}

function send(bytes) {
  for (let start = 0; start < bytes.length; start += CAPACITY) {
    typedAhead.push(bytes.subarray(start, start + CAPACITY));
  }
  deliver();
}

function deliver() {
  if (!waiting || !typedAhead.length) return;
  // All that waits, as a terminal hands a read what has been typed (up to the channel's size).
  let count = 0;
  while (typedAhead.length && count + typedAhead[0].length <= CAPACITY) {
    const chunk = typedAhead.shift();
    data.set(chunk, count);
    count += chunk.length;
  }
  answer(State.DATA, count);
  // A line handed over runs a command. A key in raw mode is only running code when Python
  // does not come back for the next key soon (PyREPL reads every key).
  if (mode.canonical) setState("busy", "Running…");
  else {
    clearTimeout(busyTimer);
    busyTimer = setTimeout(() => setState("busy", "Running…"), 200);
  }
}

// Ctrl-C or Stop: KeyboardInterrupt in running code; a read of stdin ends with EINTR, which
// CPython turns into the same exception. The session and its variables survive.
function interruptPython() {
  if (!interrupt || body.dataset.state === "exited") return;
  Atomics.store(interrupt, 0, SIGINT);
  Atomics.notify(interrupt, 0);
  typedAhead = [];
  if (waiting) {
    if (editor.active) editor.cancel();
    editor.enqueue(() => {
      if (waiting) endWaitInterrupted();
      else setState("busy", "Running…");
    });
  } else if (mode.echo) {
    term.write("^C");
  }
}

// The read Python waits in fails with EINTR: CPython then takes the SIGINT in its buffer.
function endWaitInterrupted() {
  answer(State.INTERRUPTED, 0);
  setState("busy", "Running…");
}

const lineHost = {
  submit(text) {
    setState("busy", "Running…");
    send(encoder.encode(text));
  },
  paste(text) {
    setState("busy", "Running…");
    const framed = !ownRepl && CONSOLE_PROMPTS.includes(lastLine);
    send(encoder.encode(framed ? BLOCK_START + text + BLOCK_END : text + "\n"));
  },
  endOfFile() {
    answer(State.DATA, 0);
  },
  complete(before) {
    return new Promise((resolve) => {
      completionAnswer = resolve;
      const encoded = encoder.encode(before).subarray(0, CAPACITY);
      data.set(encoded);
      Atomics.store(control, 1, encoded.length);
      Atomics.store(control, 0, State.COMPLETE);
      Atomics.notify(control, 0);
    });
  },
  takeTypedAhead() {
    const typed = typedAhead.splice(0);
    return typed.map((chunk) => new TextDecoder().decode(chunk)).join("");
  },
  keepTypedAhead(text) {
    typedAhead.push(encoder.encode(text)); // a line begun later takes it
    if (!mode.canonical) deliver();
  },
  prompt: () => lastLine,
  history,
  remember(line) {
    history.push(line);
    if (!ownRepl) keepHomeChanges({ [HISTORY_FILE]: encoder.encode(history.slice(-1000).join("\n") + "\n") }, []);
  },
};

// Keys, pastes and Ctrl-C from the terminal.
function onTerminalData(text) {
  if (!worker || body.dataset.state === "exited") return;
  if (mode.signals && text.includes("\x03")) {
    interruptPython();
    return;
  }
  if (waiting && mode.canonical) {
    editor.feed(text);
  } else {
    send(encoder.encode(text)); // raw mode, or typed ahead while Python runs
  }
}

function onPythonWaits(newMode) {
  mode = newMode;
  waiting = true;
  showHomeState();
  if (interrupt && Atomics.load(interrupt, 0) !== 0) {
    // Ctrl-C came after Python last looked at its signals (it clears what it takes) but before
    // this message: Python already blocks in read(), so the wait is what Ctrl-C ends.
    endWaitInterrupted();
    return;
  }
  if (typedAhead.length && !mode.canonical) {
    deliver();
    return;
  }
  const first = body.dataset.state === "starting";
  const seconds = (performance.now() / 1000).toFixed(1); // since the page's navigation
  setState("ready", first ? `Ready (started in ${seconds} s)` : "Ready");
  if (mode.canonical) editor.begin(mode.echo); // it takes what was typed ahead
}

function onMessage(event) {
  const message = event.data;
  switch (message.type) {
    case "output": {
      term.write(message.bytes);
      const text = outputText.decode(message.bytes, { stream: true });
      const cut = Math.max(text.lastIndexOf("\n"), text.lastIndexOf("\r"));
      lastLine = (cut < 0 ? lastLine + text : text.slice(cut + 1)).slice(-1000);
      break;
    }
    case "mode":
      mode = message.mode;
      break;
    case "completions":
      if (completionAnswer) completionAnswer(message);
      completionAnswer = null;
      break;
    case "home":
      keepHomeChanges(message.changed, message.removed);
      break;
    case "loaded":
      ownRepl = message.ownRepl;
      setState("starting", "Starting Python…");
      break;
    case "waiting":
      onPythonWaits(message.mode);
      break;
    case "exit":
      setState("exited", `Python exited with status ${message.status}. Reload the page to start again.`);
      break;
    case "failed":
      setState("failed", message.reason);
      break;
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
let savesUnderWay = 0;

// body's data-home says "saving" from the moment Python gets input until it waits again
// and every change it posted is committed: a page reloaded before that may lose the last
// line's files (a browser may abort the transaction).
function showHomeState() {
  if (homeStore) body.dataset.home = !waiting || savesUnderWay ? "saving" : "saved";
}

function keepHomeChanges(changed, removed) {
  if (!homeStore) return;
  savesUnderWay += 1;
  homeStore.then((db) => new Promise((resolve, reject) => {
    const transaction = db.transaction("files", "readwrite");
    const files = transaction.objectStore("files");
    for (const [path, content] of Object.entries(changed)) files.put(content, path);
    for (const path of removed) files.delete(path);
    transaction.oncomplete = resolve;
    transaction.onerror = transaction.onabort = () => reject(transaction.error);
  })).catch((error) => term.write(`\r\nThe home folder could not be saved: ${error}\r\n`))
    .finally(() => {
      savesUnderWay -= 1;
      showHomeState();
    });
}

function forgetHome() {
  if (worker) worker.terminate();
  const request = indexedDB.deleteDatabase(HOME_DB);
  request.onsuccess = request.onerror = request.onblocked = () => location.reload();
}

function openTerminal() {
  term = new Terminal({
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
    fontSize: 14,
    scrollback: 5000,
    cursorBlink: true,
    // Screen reader mode keeps the output as text that screen readers read out; it is a
    // choice, kept in this browser, because in it xterm.js takes no text from input methods
    // (emoji pickers, dictation).
    screenReaderMode: localStorage.getItem(READER_KEY) === "on",
  });
  const reader = document.getElementById("screen-reader");
  const showReaderMode = () => reader.setAttribute("aria-pressed", String(term.options.screenReaderMode));
  reader.addEventListener("click", () => {
    term.options.screenReaderMode = !term.options.screenReaderMode;
    localStorage.setItem(READER_KEY, term.options.screenReaderMode ? "on" : "off");
    showReaderMode();
    term.focus();
  });
  showReaderMode();
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(document.getElementById("terminal"));
  // Ctrl+C with text selected copies it and Ctrl+V pastes, as in other terminals in a page;
  // the browser does both (xterm.js answers its copy and paste events).
  term.attachCustomKeyEventHandler((event) => {
    const key = event.key.toLowerCase();
    if (event.type === "keydown" && event.ctrlKey && !event.altKey && !event.metaKey) {
      if (key === "c" && term.hasSelection()) return false;
      if (key === "v") return false;
    }
    return true;
  });
  const resize = () => {
    fit.fit();
    if (windowSize) {
      Atomics.store(windowSize, 0, term.rows);
      Atomics.store(windowSize, 1, term.cols);
    }
  };
  new ResizeObserver(resize).observe(document.getElementById("terminal"));
  resize();
  editor = new LineEditor(term, lineHost);
  term.onData(onTerminalData);
  term.focus();
  window.pythonTerminal = term; // for tests and the browser's console
}

// WebKitGTK, on a page its service worker controls (isolation.js), now and then fails to load
// a new dedicated worker: an error event with no message, before the worker runs a line. The
// same worker loads at the next try, so a worker that never spoke (its first line posts
// "alive") is started again, whether it failed aloud or in silence.
const WORKER_ATTEMPTS = 3;
const WORKER_SILENCE_MS = 10000; // its script is small: a worker that loads speaks in far less
let startMessage = null; // posted once the terminal is open; again to a worker made anew

function startWorker(attemptsLeft) {
  let spoke = false;
  const failed = (reason) => {
    clearTimeout(silence);
    if (!spoke) {
      worker.terminate(); // it never ran a line of Python: nothing is lost
      if (attemptsLeft > 1) return startWorker(attemptsLeft - 1);
    }
    setState("failed", `The Python worker failed: ${reason}`);
  };
  const silence = setTimeout(() => failed("it did not start"), WORKER_SILENCE_MS);
  worker = new Worker("python.worker.js");
  worker.onmessage = (event) => {
    if (!spoke) reached("worker");
    spoke = true;
    clearTimeout(silence);
    onMessage(event);
  };
  worker.onerror = (event) => failed(event.message || "it could not be loaded");
  if (startMessage) worker.postMessage(startMessage);
}

// How far the page's start got, for a person (or a test) looking at a page that did not start.
function reached(step) {
  body.dataset.reached = body.dataset.reached ? `${body.dataset.reached} ${step}` : step;
}

async function start() {
  // The worker fetches python.wasm and python.data and compiles Python from now on, while the
  // page reads its kept files and loads its terminal; Python itself starts with "start".
  startWorker(WORKER_ATTEMPTS);
  let home = null;
  try {
    home = await loadHome();
    homeStore = openHome();
  } catch (error) {
    document.getElementById("home-note").textContent =
      `Files are not kept across reloads here: IndexedDB is unavailable (${error}).`;
  }
  reached("home");
  if (home && home[HISTORY_FILE]) {
    history.push(...new TextDecoder().decode(home[HISTORY_FILE]).split("\n").filter(Boolean));
  }
  windowSize = new Int32Array(new SharedArrayBuffer(8));
  interrupt = new Int32Array(new SharedArrayBuffer(4));
  const shared = new SharedArrayBuffer(HEADER_INTS * 4 + CAPACITY);
  control = new Int32Array(shared, 0, HEADER_INTS);
  data = new Uint8Array(shared, HEADER_INTS * 4, CAPACITY);
  await terminalScripts;
  openTerminal(); // before Python starts: it asks the terminal's size at once
  reached("terminal");
  const module = await pythonModule;
  reached(module ? "module" : "no-module");
  startMessage = { type: "start", buffer: shared, console: "wasm_console.py",
                   interrupt: interrupt.buffer, size: windowSize.buffer, home, module };
  worker.postMessage(startMessage);
  stopButton.addEventListener("click", () => {
    interruptPython();
    term.focus();
  });
  forgetButton.addEventListener("click", forgetHome);
}

function cannotStart(reason) {
  setState("unsupported", reason);
}

// isolation.js: SharedArrayBuffer needs a cross-origin isolated page; on a host that does not
// send the headers for it, a service worker of the page's own adds them.
if (typeof whenIsolated == "function") {
  whenIsolated().then((result) => (result.ok ? start() : cannotStart(result.reason)));
} else if (window.crossOriginIsolated) {
  start();
} else {
  cannotStart("Python cannot start: this page is not cross-origin isolated, so " +
              "SharedArrayBuffer is missing.");
}
