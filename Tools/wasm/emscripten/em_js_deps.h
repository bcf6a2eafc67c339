/* Forced into every compile of libffi (CFLAGS -include) by Tools/wasm/versions.toml.
 *
 * libffi's wasm32 port names the JavaScript helpers its EM_JS code calls with the
 * EM_JS_DEPS macro, which newer Emscripten releases provide. Where the macro is missing
 * (Emscripten 3.1.6) it becomes a harmless declaration here, and the helpers are linked
 * in by ctypes_support.js instead.
 */
#ifndef EM_JS_DEPS
#define EM_JS_DEPS(tag, deps) extern int wasmbuild_em_js_deps_##tag
#endif
