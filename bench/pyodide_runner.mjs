// Runs a Python file in Pyodide under Node and prints what it prints, plus the load time.
//   node bench/pyodide_runner.mjs <pyodide package dir> <file.py> [args...]
// Used by bench/runtime.py to measure Pyodide beside our build with the same workloads.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [packageDir, script, ...args] = process.argv.slice(2);
const started = performance.now();
// The CommonJS build: every release has one, and 0.23's ES module imports Node packages
// (`ws`) that the npm package does not bring along.
const { loadPyodide } = createRequire(import.meta.url)(path.join(packageDir, "pyodide.js"));
const pyodide = await loadPyodide({ indexURL: packageDir + "/", args: [script, ...args] });
const loaded = performance.now();
pyodide.globals.set("__bench_argv__", [script, ...args]);
pyodide.runPython("import sys; sys.argv = list(__bench_argv__)");
pyodide.runPython(readFileSync(script, "utf8"), { filename: script });
console.error(JSON.stringify({ pyodide_load_seconds: (loaded - started) / 1000 }));
