// Cross-origin isolation for the page, from any static host. Python needs SharedArrayBuffer
// (its worker blocks on stdin with Atomics.wait; Ctrl+C writes a shared signal buffer), and
// browsers give it only to cross-origin isolated pages: pages served with the headers
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// `invoke wasm.serve` sends them; many static hosts (GitHub Pages, `python3 -m http.server`)
// cannot be told to. There the page registers isolation.worker.js, a service worker that adds
// the headers to the page's own files, and reloads once, through it. Later visits come through
// the worker from the start.
//
// whenIsolated() answers { ok: true } once SharedArrayBuffer is usable, or { ok: false,
// reason } with one line that says why not and what works; while the page reloads itself, it
// does not answer at all. Once isolated, <html data-isolation> says how: "headers" (the host
// sent them), "worker" (through the worker from the start) or "reloaded" (a first visit, after
// its one reload). A classic script, loaded before console.js.
"use strict";

(() => {
  const WORKER = "isolation.worker.js";
  // Set just before the reload, read by the reloaded page: one reload per visit, never a loop.
  const RELOADED = `cpython-wasm-isolation-reload:${location.pathname}`;
  const SLOW_WORKER_MS = 15_000; // the worker is a few lines: installed in well under that
  const CANNOT = "Python cannot start here: ";
  // What works where a service worker does not: the host sending the headers itself.
  const HEADERS_WORK = "serving it with the headers Cross-Origin-Opener-Policy: same-origin " +
    "and Cross-Origin-Embedder-Policy: require-corp (HEADERS.txt) works without a service " +
    "worker.";

  function failed(reason) {
    return { ok: false, reason: CANNOT + reason };
  }

  // Was this load the reload? The mark is taken away either way, so a reload by hand tries
  // once more.
  function reloadedBefore() {
    try {
      const reloaded = sessionStorage.getItem(RELOADED) !== null;
      sessionStorage.removeItem(RELOADED);
      return reloaded;
    } catch {
      return true; // no storage to guard the reload with: better no reload than a loop
    }
  }

  function reloadOnce() {
    sessionStorage.setItem(RELOADED, "1");
    location.reload();
    return new Promise(() => {}); // the page goes away
  }

  function timeout(ms, value) {
    return new Promise((resolve) => setTimeout(() => resolve(value), ms));
  }

  async function isolate() {
    const isolated = window.crossOriginIsolated === true;
    const shared = typeof SharedArrayBuffer === "function";
    if (isolated && shared) {
      // Taken away either way: a later visit may need its own reload.
      const how = reloadedBefore() ? "reloaded"
        : navigator.serviceWorker && navigator.serviceWorker.controller ? "worker" : "headers";
      document.documentElement.dataset.isolation = how;
      return { ok: true };
    }
    // Isolated but without it, or a browser older than isolation itself.
    if (isolated || (!shared && !("crossOriginIsolated" in window))) {
      return failed("this browser has no SharedArrayBuffer, which Python needs to wait for " +
        "input and to be interrupted; use a current Chrome, Edge, Firefox or Safari.");
    }
    if (location.protocol === "file:") {
      return failed("pages opened as files (file://) get no SharedArrayBuffer; serve the " +
        "folder over HTTP, e.g. `python3 -m http.server` in it, and open " +
        "http://localhost:8000/python.html.");
    }
    // Plain HTTP is trusted only from this machine (localhost, 127.0.0.1); elsewhere browsers
    // ignore the isolation headers and offer no service workers.
    if (!window.isSecureContext) {
      return failed(`plain HTTP from another machine (${location.origin}) is not a secure ` +
        "context, which gets no SharedArrayBuffer, with or without headers; serve the page " +
        "over HTTPS, or open it as http://localhost on the machine serving it.");
    }
    const noWorker = "this browser gives the page no service worker (turned off, blocked, or " +
      "a private window), which it needs for SharedArrayBuffer on this host; ";
    if (!("serviceWorker" in navigator)) return failed(noWorker + HEADERS_WORK);
    if (reloadedBefore()) {
      return failed("the page's service worker did not make it cross-origin isolated, even " +
        `after a reload, so SharedArrayBuffer is missing; ${HEADERS_WORK}`);
    }
    let registration;
    try {
      registration = await navigator.serviceWorker.register(WORKER, { scope: "./" });
    } catch (error) {
      return failed(`the page's service worker could not be registered (${error}), and it ` +
        `needs one for SharedArrayBuffer on this host; ${HEADERS_WORK}`);
    }
    // Blockers (settings, extensions, test drivers) may replace register() with a stub that
    // registers nothing and answers nothing.
    if (!(registration instanceof ServiceWorkerRegistration)) {
      return failed(noWorker + HEADERS_WORK);
    }
    // `ready` resolves once a worker for this page is active; a page loaded after that comes
    // through it. (A worker that fails to install never gets there.)
    const active = await Promise.race(
      [navigator.serviceWorker.ready, timeout(SLOW_WORKER_MS, null)]);
    if (!active) {
      return failed("the page's service worker never started, and the page needs it for " +
        `SharedArrayBuffer on this host; ${HEADERS_WORK}`);
    }
    return reloadOnce();
  }

  // Started at once: the worker installs while the rest of the page loads. Never rejected: the
  // console waits on this answer, so whatever goes wrong ends as a line it can show.
  const answer = isolate().catch((error) => failed(
    `the page could not make itself cross-origin isolated (${error}); ${HEADERS_WORK}`));
  window.whenIsolated = () => answer;
})();
