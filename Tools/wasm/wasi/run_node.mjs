// Run a WASI command module (python.wasm) under Node's built-in WASI (preview 1).
//
//     node run_node.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--inherit-env]
//                       MODULE [ARGS...]
//
// The same interface as run_wasmtime.py: arguments after MODULE reach the program, standard
// streams are this process's, and the program's exit status is this process's; a relative
// script path is made absolute against this process's working folder (the program starts
// in `/`).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { WASI } from "node:wasi";
import process from "node:process";

const args = process.argv.slice(2);
const preopens = {};
let env = {};
const own = {};
while (args.length && args[0].startsWith("--")) {
  const option = args.shift();
  if (option === "--inherit-env") {
    env = { ...process.env };
    continue;
  }
  const value = args.shift();
  if (option === "--dir") {
    const [host, guest] = value.split("::");
    preopens[guest || host] = host;
  } else if (option === "--env") {
    const at = value.indexOf("=");
    own[value.slice(0, at)] = value.slice(at + 1);
  } else {
    console.error(`run_node.mjs: unknown option ${option}`);
    process.exit(2);
  }
}
Object.assign(env, own);
const [module, ...rest] = args;

// Python's options that take a value as the next word; -c and -m end the options.
const VALUE_OPTIONS = new Set(["-W", "-X", "--check-hash-based-pycs"]);
for (let i = 0; i < rest.length; ) {
  const word = rest[i];
  if (["-c", "-m", "-", "--"].includes(word) || /^-[cm]/.test(word)) break;
  if (word.startsWith("-")) {
    i += VALUE_OPTIONS.has(word) ? 2 : 1;
    continue;
  }
  if (!isAbsolute(word) && existsSync(word)) rest[i] = resolve(word);
  break;
}
const wasi = new WASI({ version: "preview1", args: [module, ...rest], env, preopens,
                        returnOnExit: true });
const compiled = await WebAssembly.compile(await readFile(module));
const instance = await WebAssembly.instantiate(compiled, wasi.getImportObject());
process.exitCode = wasi.start(instance);
