/* Forced into xz's compile for WASI (versions.toml [deps.xz.wasi]).
 *
 * liblzma 5.4 defines a helper that masks signals with sigprocmask() even when it is built
 * without threads, where nothing calls it. wasi-libc has sigset_t but no signal masks: the
 * helper compiles against a mask that does nothing, as a program without signals needs. */
#include <signal.h>
#include <__typedef_sigset_t.h>
#define sigprocmask(how, set, old) 0
