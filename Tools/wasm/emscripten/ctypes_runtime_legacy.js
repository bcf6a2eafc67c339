// $ctypesRuntime for ctypes_support.js, Emscripten releases before 3.1.35 (linked by
// [[emscripten_fixes]] in Tools/wasm/versions.toml). Here the string and function-table
// helpers are globals of the runtime, and python.wasm's exports are Module['asm'].
mergeInto(LibraryManager.library, {
  $ctypesRuntime__deps: ['$withStackSave'],
  $ctypesRuntime: {
    exports: function() {
      return Module['asm'];
    },
    readCString: function(pointer) {
      return UTF8ToString(pointer);
    },
    // Calls use(pointer) with `text` as a NUL-terminated UTF-8 string in wasm memory.
    withCString: function(text, use) {
      return withStackSave(function() {
        return use(allocateUTF8OnStack(text));
      });
    },
    addFunction: function(func) {
      return addFunction(func);
    },
  },
});
