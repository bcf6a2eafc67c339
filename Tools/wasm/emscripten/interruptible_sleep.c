/* Sleeping that a signal can cut short, for python.wasm built without threads.
 *
 * Emscripten's C library sleeps (nanosleep, clock_nanosleep, and so time.sleep) by spinning
 * on the clock until the time is up: a whole CPU is busy for the length of the sleep, and
 * nothing can end it early, so Ctrl-C during time.sleep(60) waited a minute. These
 * definitions replace the library's (an object on the link line wins over an archive member)
 * and ask JavaScript to wait instead: runtime_bridge.js waits with Atomics.wait on CPython's
 * signal buffer (Module.Py_EmscriptenSignalBuffer, Python/emscripten_signal.c) when the
 * program that loaded python.js provides one, so writing a signal number into it and
 * notifying ends the sleep with EINTR, after which CPython runs the signal's handler as it
 * does on Linux. Where JavaScript may not block (a browser's main thread), it spins as before.
 *
 * The file is on LDFLAGS, so configure's link tests link it too. They declare the function
 * they look for as `char f()`: the definitions here are weak, which makes a differing
 * signature a warning (as with the C library's own) rather than an error that would answer
 * "no nanosleep"; and the file calls nothing configure looks for (clock_gettime was one, and
 * a fresh configure concluded there was none).
 */
#include <emscripten.h>
#include <emscripten/html5.h> /* emscripten_date_now */
#include <errno.h>
#include <time.h>

/* Milliseconds to wait; returns 0 when the time is up, 1 when a signal arrived first, -1
 * when this JavaScript context cannot block. */
EM_JS(int, wasmkit_wait_ms, (double ms), {
  return Module.wasmKitSleep ? Module.wasmKitSleep(ms) : -1;
});

static double remaining_ms(clockid_t clock, int flags, const struct timespec *request) {
    double ms = request->tv_sec * 1000.0 + request->tv_nsec / 1e6;
    if (flags & TIMER_ABSTIME) {
        /* the clocks Emscripten's clock_gettime reads */
        ms -= clock == CLOCK_REALTIME ? emscripten_date_now() : emscripten_get_now();
    }
    return ms > 0 ? ms : 0;
}

__attribute__((weak)) int __clock_nanosleep(clockid_t clock, int flags, const struct timespec *request,
                      struct timespec *remain) {
    if (clock == CLOCK_THREAD_CPUTIME_ID) return EINVAL;
    if (!request || request->tv_nsec < 0 || request->tv_nsec > 999999999L || request->tv_sec < 0)
        return EINVAL;
    double ms = remaining_ms(clock, flags, request);
    double start = emscripten_get_now();
    int waited = ms > 0 ? wasmkit_wait_ms(ms) : 0;
    if (waited < 0) {
        while (emscripten_get_now() - start < ms) {
        }
        return 0;
    }
    if (waited == 1) {
        if (remain && !(flags & TIMER_ABSTIME)) {
            double left = ms - (emscripten_get_now() - start);
            if (left < 0) left = 0;
            remain->tv_sec = (time_t)(left / 1000);
            remain->tv_nsec = (long)((left - remain->tv_sec * 1000.0) * 1e6);
        }
        return EINTR;
    }
    return 0;
}

__attribute__((weak)) int clock_nanosleep(clockid_t clock, int flags, const struct timespec *request,
                    struct timespec *remain) {
    return __clock_nanosleep(clock, flags, request, remain);
}

__attribute__((weak)) int nanosleep(const struct timespec *request, struct timespec *remain) {
    int error = __clock_nanosleep(CLOCK_REALTIME, 0, request, remain);
    if (error) {
        errno = error;
        return -1;
    }
    return 0;
}
