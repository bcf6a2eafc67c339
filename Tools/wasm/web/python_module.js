// python.wasm compiled on the page's own thread, as soon as the page runs this script; the
// page hands the compiled module to its Python worker (python.worker.js) in "start".
//
// Why here and not in the worker: Chromium keeps a module compiled on a page's thread, with
// the optimised code V8 made for it while Python ran, for the next visit of the page, so a
// program there starts on optimised code. A module compiled in a dedicated worker gets none of
// that: every visit starts again from baseline code, and a long-running program stays there
// (bench/RESULTS.md, "The page against Pyodide's"). Null where the browser cannot compile
// streamed wasm, and on a page that is not cross-origin isolated yet (isolation.js reloads it
// first, or Python cannot start there); the worker then compiles python.wasm itself.
"use strict";

const pythonModule = self.crossOriginIsolated && typeof WebAssembly.compileStreaming === "function"
  ? WebAssembly.compileStreaming(fetch("python.wasm")).catch(() => null)
  : Promise.resolve(null);
