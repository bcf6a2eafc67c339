/* dlopen() and dlsym() for a statically linked python.wasm, on Emscripten releases whose C
 * library answers both with weak stubs that always fail ("dynamic linking not enabled").
 * Tools/wasm/versions.toml links this file into python.js for those releases (the
 * ctypes_dlfcn fix); the answers come from ctypes_support.js: dlopen(NULL) is the program
 * itself, and a name resolves among python.wasm's exports, so ctypes.CDLL(None) works.
 */
void *wasmbuild_dlopen(const char *file, int flags);
void *wasmbuild_dlsym(void *handle, const char *name);

void *dlopen(const char *file, int flags) {
    return wasmbuild_dlopen(file, flags);
}

/* musl's dlsym() calls this with the caller's address, which a static build does not need. */
void *__dlsym(void *handle, const char *name, void *caller) {
    (void)caller;
    return wasmbuild_dlsym(handle, name);
}
