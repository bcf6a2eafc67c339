// Run a WASI command module (python.wasm) under Node's built-in WASI (preview 1).
//
//     node run_node.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--inherit-env]
//                       MODULE [ARGS...]
//
// The same interface as run_wasmtime.py: arguments after MODULE reach the program, standard
// streams are this process's, and the program's exit status is this process's; a relative
// script path is made absolute against this process's working folder (the program starts
// in `/`).
//
// The program runs in a worker thread, so that this thread hears Ctrl-C while wasm runs:
// WASI preview 1 has no signals and nothing can enter a running instance to raise
// KeyboardInterrupt in it, so Ctrl-C ends the program as an unhandled KeyboardInterrupt ends
// a native Python: its line, then death by SIGINT (status 130 in a shell). What the program
// had not flushed is lost.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { WASI } from "node:wasi";
import process from "node:process";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

// wasi_snapshot_preview1's subscription: 48 bytes, its tag (0: a clock) at 8, the clock's id
// at 16, its timeout at 24 and its flags at 40.
const SUBSCRIPTION_SIZE = 48;
const CLOCK_REALTIME = 0;
const ABSTIME = 1;
// A standard stream's call that would block (blockingStandardStreams).
const EAGAIN = 6;
const RETRY_MS = 10;
const pause = new Int32Array(new SharedArrayBuffer(4));

if (!isMainThread) {
  const { module, argv, env, preopens } = workerData;
  const wasi = new WASI({ version: "preview1", args: [module, ...argv], env, preopens,
                          returnOnExit: true });
  const compiled = await WebAssembly.compile(await readFile(module));
  const imports = wasi.getImportObject();
  let instance = null;
  relativeClocks(imports.wasi_snapshot_preview1, () => instance.exports.memory.buffer);
  blockingStandardStreams(imports.wasi_snapshot_preview1);
  instance = await WebAssembly.instantiate(compiled, imports);
  parentPort.postMessage(wasi.start(instance));
} else {
  main();
}

// Node's WASI waits forever on a clock subscription with an absolute deadline, which is how
// wasi-libc's clock_nanosleep(TIMER_ABSTIME) sleeps, and so CPython's time.sleep(). Before
// poll_oneoff sees them, such deadlines become the time left, on the same clocks.
function relativeClocks(wasiImports, memoryBuffer) {
  const pollOneoff = wasiImports.poll_oneoff;
  wasiImports.poll_oneoff = (subscriptions, events, count, written) => {
    const view = new DataView(memoryBuffer());
    for (let i = 0; i < count; i++) {
      const at = subscriptions + i * SUBSCRIPTION_SIZE;
      const isClock = view.getUint8(at + 8) === 0;
      const flags = view.getUint16(at + 40, true);
      if (!isClock || !(flags & ABSTIME)) continue;
      const now = view.getUint32(at + 16, true) === CLOCK_REALTIME
        ? BigInt(Date.now()) * 1000000n : process.hrtime.bigint();
      const left = view.getBigUint64(at + 24, true) - now;
      view.setBigUint64(at + 24, left > 0n ? left : 0n, true);
      view.setUint16(at + 40, flags & ~ABSTIME, true);
    }
    return pollOneoff(subscriptions, events, count, written);
  };
}

// Node puts the terminal into non-blocking mode, so a read of stdin with no key pressed yet
// gives EAGAIN, which Python's input() takes for the end of input (EOFError), and a write to
// a busy terminal can fail the same way. The standard streams block, as they do for a native
// Python: such a call waits a little and tries again (Ctrl-C still ends the run).

function blockingStandardStreams(wasiImports) {
  for (const [name, fds] of [["fd_read", [0]], ["fd_write", [1, 2]]]) {
    const call = wasiImports[name];
    wasiImports[name] = (fd, ...rest) => {
      for (;;) {
        const result = call(fd, ...rest);
        if (result !== EAGAIN || !fds.includes(fd)) return result;
        Atomics.wait(pause, 0, 0, RETRY_MS);
      }
    };
  }
}

function main() {
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
  const worker = new Worker(new URL(import.meta.url),
                            { workerData: { module, argv: rest, env, preopens } });
  worker.on("message", (status) => { process.exitCode = status; });
  worker.on("error", (error) => {
    console.error(error);
    process.exitCode = 1;
  });
  process.once("SIGINT", () => {
    process.stderr.write("KeyboardInterrupt\n");
    // Not process.exit(): it waits for the worker, which may be blocked reading stdin.
    process.kill(process.pid, "SIGINT");
  });
}
