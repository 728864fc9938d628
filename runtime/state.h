/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state.h - a container's state directory: <root>/<id>/{state.json,
 * config.json, exec.fifo}.  Writes are atomic (write + rename); commands
 * on one id serialise on flock() of the directory. */
#ifndef CASCA_STATE_H
#define CASCA_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/config.h"

enum casca_status {
        CASCA_STATUS_CREATING,
        CASCA_STATUS_CREATED,
        CASCA_STATUS_RUNNING,
        CASCA_STATUS_PAUSED,
        CASCA_STATUS_STOPPED,
};

struct casca_state {
        char *id;
        char *bundle;       /* absolute */
        char *rootfs;       /* absolute */
        bool ready;         /* init reached the exec fifo (status created) */
        pid_t pid;          /* init, in the runtime's pid namespace; 0 unknown */
        uint64_t pid_start; /* /proc/<pid>/stat starttime, guards against reuse */
        char *created;      /* RFC 3339, UTC */
        char *cgroup_path;  /* NULL: no cgroup */
        char *cgroup_unit;  /* the systemd scope (--systemd-cgroup), else NULL */
        bool network;       /* casca.network or linux.netDevices: delete undoes them
                               (set before create makes any of it) */
        char *stdio[3];     /* the init's fds 0-2 as create gave them ("pipe:[N]", a
                               path; readlink of /proc/PID/fd/N), or NULL: checkpoint's
                               descriptors.json, as runc records them at create (the
                               process may have moved them since) */
        bool incomplete;    /* no readable state.json: a leftover of a create killed
                               before it wrote one (or a damaged one); never written */
        struct casca_kv *annotations;
        size_t n_annotations;
};

#define CASCA_STATE_FIFO "exec.fifo"
#define CASCA_STATE_CONFIG "config.json"
/* The compiled seccomp program the init loaded, for exec (seccomp/cache.c's
 * casca_seccomp_prog_store() image); absent for NOTIFY profiles. */
#define CASCA_STATE_SECCOMP "seccomp.bpf"
/* Its size bound: the profile's key (at most ~2.3 bytes per byte of the
 * config) and the program. */
#define CASCA_STATE_SECCOMP_MAX_SIZE (3u * CASCA_CONFIG_MAX_SIZE + (1u << 20))
/* A state holds the config's annotations: as big as a config may be, and
 * the rest. */
#define CASCA_STATE_MAX_SIZE (CASCA_CONFIG_MAX_SIZE + (64u << 10))

int casca_id_validate(const char *id, struct casca_error **err);

/* The state root: --root (ctx->state_root) or casca_default_state_root(). */
const char *casca_state_root(const struct casca_context *ctx);
/* realpath() of the state root (netns/ records paths under it). */
char *casca_state_root_abs(const struct casca_context *ctx, struct casca_error **err);

/* mkdir -p the state root (0700) when create, and open it O_DIRECTORY.
 * A root not owned by the caller or writable by others (or in a parent
 * another user can rename it out of) is refused: EPERM. */
int casca_state_root_open(const char *root, bool create, struct casca_error **err);
/* mkdirat(id): EEXIST becomes "container `id` already exists" (saying how
 * to remove it when it is the leftover of a create that did not finish).
 * Returns the dir fd, exclusively locked (a directory removed between the
 * mkdir and the lock is made again). */
int casca_state_dir_create(int root_fd, const char *id, struct casca_error **err);
/* Open and lock an existing state dir: "container `id` does not exist". */
int casca_state_dir_open(int root_fd, const char *id, bool exclusive, struct casca_error **err);
/* The same with flock()'s `lock` (LOCK_SH, LOCK_EX, | LOCK_NB): with
 * LOCK_NB and the lock held elsewhere it returns the dir unlocked, and
 * *ret_busy says so. */
int casca_state_dir_open_lock(int root_fd, const char *id, int lock, bool *ret_busy,
                              struct casca_error **err);
int casca_state_dir_remove(int root_fd, const char *id, struct casca_error **err);
/* The same through dir_fd, an O_RDONLY fd of the directory, which it takes
 * (closes): needs no new fd, so it works where open fails with EMFILE. */
int casca_state_dir_remove_fd(int root_fd, int dir_fd, const char *id, struct casca_error **err);

int casca_state_write(int dir_fd, const struct casca_state *s, struct casca_error **err);
/* -ENOENT: no state.json; -EINVAL: one that is not a whole state. */
int casca_state_read(int dir_fd, struct casca_state **ret, struct casca_error **err);
/* A state of the id alone: an empty bundle, no pid; NULL (ENOMEM). */
struct casca_state *casca_state_bare(const char *id);
/* What stands for the state of a directory without a readable state.json:
 * casca_state_bare(), incomplete.  NULL with errno ENOENT when the
 * directory holds anything but what create writes up to its first state
 * (it is not a container's), ENOMEM. */
struct casca_state *casca_state_incomplete(int dir_fd, const char *id);
void casca_state_free(struct casca_state *s);
static inline void casca_state_freep(struct casca_state **s)
{
        casca_state_free(*s);
}
#define _cleanup_state_ __attribute__((cleanup(casca_state_freep)))

/* Is the recorded init still the same live process?  Only a pid recorded
 * with its start time can be: a bare pid may have been reused. */
bool casca_state_pid_alive(const struct casca_state *s);
/* The init (pid and start time) is alive and stopped: SIGSTOP, or traced. */
bool casca_state_pid_stopped(const struct casca_state *s);
enum casca_status casca_state_status(int dir_fd, const struct casca_state *s);
const char *casca_status_name(enum casca_status st);
/* The runtime-spec state document. */
char *casca_state_to_json(const struct casca_state *s, enum casca_status st, bool pretty,
                          struct casca_error **err);

/* s->stdio[fd] = what fd 0-2 of pid (0: the caller) refer to, as
 * /proc/PID/fd shows it ("" for a closed one); -ENOMEM. */
int casca_state_read_stdio(struct casca_state *s, pid_t pid);
/* Free s->stdio[0-2] and set them NULL. */
void casca_state_stdio_clear(struct casca_state *s);
/* Field 22 of /proc/<pid>/stat; 0 when the process is gone or a zombie. */
uint64_t casca_proc_starttime(pid_t pid);
/* Write buf to dir_fd/name atomically (tmp file + renameat), mode 0600. */
int casca_write_atomic(int dir_fd, const char *name, const void *buf, size_t len,
                       struct casca_error **err);

/* --pid-file: written next to itself and renamed into place. */
int casca_write_pid_file(const char *path, pid_t pid, struct casca_error **err);

#endif
