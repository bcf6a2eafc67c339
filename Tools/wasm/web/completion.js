// Tab completion answers from Python (Lib/wasm_site/wasm_completion.py), and its other hooks
// (keep_history), for the two line editors in front of it: the page's input box (python.worker.js loads this file with
// importScripts) and the Node runner's terminal (Tools/wasm/node/python_runner.cjs requires it).
//
// It is called while Python waits in read() for a line: the interpreter is idle and has let go
// of its lock, so taking the lock and calling into it is safe, as GNU readline's completion
// does in CPython. Only C API functions of the stable ABI are used; python.wasm exports them.
(function (root) {
  "use strict";

  const NONE = { word: "", matches: [] };

  // `module`: python.js's Module; `memory()`: its current HEAPU8 (memory may grow meanwhile).
  function pythonCompletions(module, memory, text) {
    const answer = callHook(module, memory, "complete", text);
    return answer.error ? { word: "", matches: [], error: answer.error }
      : answer.text === null ? NONE : JSON.parse(answer.text);
  }

  // wasm_completion.<name>(text), which returns a str: {text} (null when there is no
  // interpreter to ask) or {error}.
  function callHook(module, memory, name, text) {
    const m = module;
    if (!m || typeof m._PyGILState_Ensure != "function") return { text: null };
    const encoder = new TextEncoder();
    const allocated = [];
    const references = [];
    const bytesAt = (bytes) => {
      const pointer = m._malloc(bytes.length + 1);
      allocated.push(pointer);
      memory().set(bytes, pointer);
      memory()[pointer + bytes.length] = 0;
      return pointer;
    };
    const owned = (object) => {
      if (object) references.push(object);
      return object;
    };
    const gil = m._PyGILState_Ensure();
    try {
      const failed = (what) => ({ error: what });
      const completion = owned(m._PyImport_ImportModule(bytesAt(encoder.encode("wasm_completion"))));
      if (!completion) return failed("wasm_completion cannot be imported");
      const complete = owned(m._PyObject_GetAttrString(completion, bytesAt(encoder.encode(name))));
      const encoded = encoder.encode(text);
      const argument = complete && m._PyUnicode_FromStringAndSize(bytesAt(encoded), encoded.length);
      const argumentTuple = argument && owned(m._PyTuple_New(1));
      if (!argumentTuple) return failed(`wasm_completion.${name} is missing`);
      m._PyTuple_SetItem(argumentTuple, 0, argument); // the tuple takes this reference
      const result = owned(m._PyObject_CallObject(complete, argumentTuple));
      if (!result) return failed(`wasm_completion.${name} raised an exception`);
      const sizeAt = m._malloc(4);
      allocated.push(sizeAt);
      const utf8 = m._PyUnicode_AsUTF8AndSize(result, sizeAt);
      if (!utf8) return { text: null };
      const heap = memory();
      const size = new DataView(heap.buffer).getInt32(sizeAt, true);
      return { text: new TextDecoder().decode(heap.slice(utf8, utf8 + size)) };
    } catch (error) {
      return { error: String(error) }; // shown where the answers go
    } finally {
      m._PyErr_Clear();
      for (const object of references) m._Py_DecRef(object);
      for (const pointer of allocated) m._free(pointer);
      m._PyGILState_Release(gil);
    }
  }

  if (typeof module == "object" && module.exports) {
    module.exports = pythonCompletions;
    module.exports.callHook = callHook;
  } else {
    root.pythonCompletions = pythonCompletions;
    root.callPythonHook = callHook;
  }
})(typeof self != "undefined" ? self : globalThis);
