// Runs `python -m test ...` in the worker for an automated test run (wasm.test-browser).
// The query string carries the run: ?args=<JSON list>&bundle=<URL>&env=<JSON>&collect=<JSON>.
// When Python exits, body[data-state] is "exited" and window.testRun holds the status, the
// output, the collected files and where the page's time went (milliseconds).
"use strict";

const params = new URLSearchParams(location.search);
const statusLine = document.getElementById("status");
const output = document.getElementById("output");
window.testRun = null;

function finish(state, text, run) {
  window.testRun = run;
  statusLine.textContent = text;
  document.body.dataset.state = state;
}

if (!window.crossOriginIsolated) {
  finish("unsupported", "not cross-origin isolated: serve with `invoke wasm.serve`", null);
} else {
  const shared = new SharedArrayBuffer(8 + 64 * 1024);
  const worker = new Worker("python.worker.js");
  let text = "";
  worker.onmessage = (event) => {
    const message = event.data;
    if (message.type === "output") {
      text += message.text; // shown once at the end: a verbose run prints thousands of lines
    } else if (message.type === "loaded") {
      statusLine.textContent = "Running…";
      document.body.dataset.state = "running";
    } else if (message.type === "exit") {
      output.textContent = text;
      const timings = { ...message.timings, page: Math.round(performance.now()) };
      finish("exited", `exit status ${message.status}`,
             { status: message.status, output: text, files: message.files, timings });
    } else if (message.type === "failed") {
      output.textContent = text;
      finish("failed", message.reason, { status: null, output: text + message.reason, files: {} });
    } else if (message.type === "waiting") {
      // A test read stdin: give it end-of-file rather than hanging.
      const control = new Int32Array(shared, 0, 2);
      Atomics.store(control, 1, 0);
      Atomics.store(control, 0, 1);
      Atomics.notify(control, 0);
    }
  };
  worker.onerror = (event) =>
    finish("failed", `worker error: ${event.message}`, { status: null, output: text, files: {} });
  pythonModule.then((module) => worker.postMessage({
    type: "start",
    module,
    buffer: shared,
    args: JSON.parse(params.get("args") || "[]"),
    bundle: params.get("bundle"),
    env: JSON.parse(params.get("env") || "{}"),
    collect: JSON.parse(params.get("collect") || "[]"),
  }));
}
