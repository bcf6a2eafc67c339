// Preloaded with `node --require` for python.js built by Emscripten < 3.1.12 on Node >= 23.
// That output loads python.wasm with fetch() whenever a global fetch exists, and Node's fetch
// cannot open file paths. Node 23+ no longer accepts --no-experimental-fetch, so the global is
// removed before python.js runs; the file is then read with fs as on older Node versions.
"use strict";
delete globalThis.fetch;
