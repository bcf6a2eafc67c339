// JavaScript linked into python.js when _ctypes is built (Tools/wasm/versions.toml adds it
// with --js-library). Our builds link statically (no MAIN_MODULE), and there Emscripten's
// dlopen() and dlsym() abort the whole runtime; ctypes calls both (ctypes.CDLL(name), and
// every foreign function looked up by name). These versions fail the way C code expects:
// NULL and a dlerror() message, which ctypes turns into OSError or AttributeError.
// The runtime helpers it uses ($ctypesRuntime) differ between Emscripten releases: they come
// from ctypes_runtime_legacy.js or ctypes_runtime.js, which versions.toml links by version.
mergeInto(LibraryManager.library, {
#if MAIN_MODULE == 0
  $staticDl: {
    mainRegistered: false,
    mainHandle: 0,
    fail: function(message) {
      ctypesRuntime.withCString(message, ___dl_seterr);
      return 0;
    },
  },
  $staticDl__deps: ['$ctypesRuntime', '__dl_seterr'],

  // libc's dlopen() registers the program itself ("__main__") through here on first use;
  // that one succeeds, so dlopen(NULL) works. No other module can be loaded.
  _dlopen_js__deps: ['$staticDl'],
  _dlopen_js: function(handle) {
    if (!staticDl.mainRegistered) {
      staticDl.mainRegistered = true;
      return handle;
    }
    return staticDl.fail('dynamic loading is not supported: python.wasm is linked ' +
                         'statically (no MAIN_MODULE); use ctypes.CDLL(None)');
  },

  // A name resolves among python.wasm's exports (the C API is exported for
  // ctypes.pythonapi, see wasmbuild/exports.py): a function as a function-table index,
  // which is what a C function pointer is in wasm, and data as its address, which Emscripten
  // puts on Module as a number. libffi's EM_JS code calls the table helpers listed here;
  // _dlsym_js is linked whenever _ctypes is, so listing them here is what links them in
  // (Emscripten 3.1.6 ignores libffi's own EM_JS_DEPS, see em_js_deps.h).
  _dlsym_js__deps: ['$staticDl', '$ctypesRuntime', '$getWasmTableEntry', '$setWasmTableEntry'],
  _dlsym_js: function(handle, symbol) {
    var name = ctypesRuntime.readCString(symbol);
    var item = ctypesRuntime.exports()[name];
    if (typeof item == 'function') {
      return ctypesRuntime.addFunction(item);
    }
    if (typeof WebAssembly.Global == 'function' && item instanceof WebAssembly.Global) {
      return item.value;  // newer releases export data as globals holding the address
    }
    var address = Module['_' + name];
    if (typeof address == 'number') {
      return address;
    }
    return staticDl.fail('undefined symbol: ' + name + ' (not exported from python.wasm)');
  },

  // Newer releases answer dlopen() and dlsym() in a static build with weak C stubs that always
  // fail ("dynamic linking not enabled"); static_dlfcn.c (linked for those releases by
  // versions.toml) defines both and calls these.
  wasmbuild_dlopen__deps: ['$staticDl', 'malloc'],
  wasmbuild_dlopen: function(file, flags) {
    if (file) {
      return staticDl.fail('dynamic loading is not supported: python.wasm is linked ' +
                           'statically (no MAIN_MODULE); use ctypes.CDLL(None)');
    }
    // dlopen(NULL): the program itself. Any stable non-NULL address serves as its handle.
    staticDl.mainHandle = staticDl.mainHandle || _malloc(1);
    return staticDl.mainHandle;
  },
  wasmbuild_dlsym__deps: ['_dlsym_js'],
  wasmbuild_dlsym: function(handle, symbol) {
    return __dlsym_js(handle, symbol);
  },
#endif
});
