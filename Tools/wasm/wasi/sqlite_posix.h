/* Forced into SQLite's compile for WASI (versions.toml [deps.sqlite3.wasi]).
 *
 * SQLite 3.40's Unix layer names POSIX calls that wasi-libc does not have. WASI files have no
 * owner or mode bits, so changing them succeeds without doing anything, and every file
 * belongs to user 0. The lock commands get numbers so that the code compiles; the build's
 * default VFS is "unix-dotfile" (-DSQLITE_DEFAULT_UNIX_VFS), which locks with a directory
 * beside the database and never calls fcntl() with them. */
#include <sys/types.h>
#include <unistd.h>

static inline int fchmod(int fd, mode_t mode) { (void)fd; (void)mode; return 0; }
static inline int fchown(int fd, uid_t uid, gid_t gid) { (void)fd; (void)uid; (void)gid; return 0; }
static inline uid_t geteuid(void) { return 0; }

#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define F_GETLK 12
#define F_SETLK 13
#define F_SETLKW 14
