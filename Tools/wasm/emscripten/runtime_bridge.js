// Linked into python.js after Emscripten's runtime (--post-js; versions.toml, fix
// "interruptible_sleep"). Two things for the programs that load python.js:
//
// - Sleeping: interruptible_sleep.c asks Module.wasmKitSleep(ms) to wait. With a signal
//   buffer (Module.Py_EmscriptenSignalBuffer, an Int32Array over a SharedArrayBuffer) it
//   waits on the buffer, so another thread that stores a signal number there and calls
//   Atomics.notify ends the sleep at once (1: interrupted). Without one it still waits
//   without spinning a CPU where JavaScript may block (Node, a worker); elsewhere -1 asks the
//   C side to spin as Emscripten does.
// - Signals: CPython reads the buffer only once its Py_EMSCRIPTEN_SIGNAL_HANDLING flag is
//   set; it is set here when the loader provided a buffer.
// - A loader that defines globalThis.wasmKitHost.attach gets the runtime's Module, FS and
//   environment and memory before Python starts (Node's require() hides them inside
//   python.js's scope).
(function () {
  var scratch = null;
  var cannotBlock = false;

  function signalBuffer() {
    var buffer = Module.Py_EmscriptenSignalBuffer;
    var shared = typeof SharedArrayBuffer != "undefined" && buffer instanceof Int32Array &&
      buffer.buffer instanceof SharedArrayBuffer;
    return shared ? buffer : null;
  }

  Module.wasmKitSleep = function (ms) {
    if (cannotBlock) return -1;
    var signals = signalBuffer();
    var deadline = Date.now() + ms;
    try {
      if (!signals) {
        if (typeof SharedArrayBuffer == "undefined") return -1;
        scratch = scratch || new Int32Array(new SharedArrayBuffer(4));
        Atomics.wait(scratch, 0, 0, ms);
        return 0;
      }
      for (;;) {
        if (Atomics.load(signals, 0) !== 0) return 1;
        var left = deadline - Date.now();
        if (left <= 0) return 0;
        Atomics.wait(signals, 0, 0, left);
      }
    } catch (error) {
      cannotBlock = true; // Atomics.wait is refused on this thread (a page's main thread)
      return -1;
    }
  };

  function enableSignals() {
    if (!signalBuffer()) return;
    var flag = Module._Py_EMSCRIPTEN_SIGNAL_HANDLING;
    if (flag && typeof flag == "object") flag = flag.value; // an exported WebAssembly.Global
    if (typeof flag == "number") HEAPU8[flag] = 1;
  }

  var loaderInit = Module.onRuntimeInitialized;
  Module.onRuntimeInitialized = function () {
    enableSignals();
    if (loaderInit) return loaderInit.apply(this, arguments);
  };

  var host = typeof globalThis == "object" ? globalThis.wasmKitHost : undefined;
  if (host && typeof host.attach == "function") {
    host.attach({
      module: Module,
      fs: typeof FS == "object" ? FS : null,
      env: typeof ENV == "object" ? ENV : null, // the environment Python will see
      memory: function () { return HEAPU8; },
    });
  }
})();
