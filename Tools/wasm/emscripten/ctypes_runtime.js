// $ctypesRuntime for ctypes_support.js, Emscripten 3.1.35 and newer (linked by
// [[emscripten_fixes]] in Tools/wasm/versions.toml). From 3.1.35 the string helpers and
// addFunction are library functions, linked only when a dependency names them; later
// releases keep python.wasm's exports in `wasmExports` instead of Module['asm'].
mergeInto(LibraryManager.library, {
  $ctypesRuntime__deps: ['$UTF8ToString', '$stringToUTF8', '$lengthBytesUTF8', '$addFunction',
                         'malloc', 'free'],
  $ctypesRuntime: {
    exports: function() {
      return typeof wasmExports != 'undefined' ? wasmExports : Module['asm'];
    },
    readCString: function(pointer) {
      return UTF8ToString(pointer);
    },
    // Calls use(pointer) with `text` as a NUL-terminated UTF-8 string in wasm memory.
    withCString: function(text, use) {
      var size = lengthBytesUTF8(text) + 1;
      var pointer = _malloc(size);
      stringToUTF8(text, pointer, size);
      try {
        return use(pointer);
      } finally {
        _free(pointer);
      }
    },
    addFunction: function(func) {
      return addFunction(func);
    },
  },
});
