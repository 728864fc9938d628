/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state.c - state directories, state.json, liveness of the init process. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/state.h"
#include "runtime/idmap.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/format.h"
#include "util/parse.h"

#define STATE_FILE "state.json"

int casca_id_validate(const char *id, struct casca_error **err)
{
        size_t len = id ? strlen(id) : 0;

        if (len == 0)
                return casca_error_setx(err, EINVAL, "container id must not be empty");
        if (len > 1024)
                return casca_error_setx(err, EINVAL, "container id is too long");
        if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
                return casca_error_setx(err, EINVAL, "invalid container id `%s`", id);
        for (const char *p = id; *p; p++) {
                char c = *p;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.' || c == '+'))
                        return casca_error_setx(err, EINVAL,
                                                "invalid container id `%s`: only letters, digits "
                                                "and _ - . + are allowed",
                                                id);
        }
        return 0;
}

const char *casca_default_state_root(void)
{
        static char buf[4096];
        const char *xdg;

        xdg = getenv("XDG_RUNTIME_DIR");
        /* the host's root; and, as runc decides, root of a user namespace
         * (rootless podman's runtime) without XDG_RUNTIME_DIR or whose USER
         * is root */
        if (geteuid() == 0) {
                const char *user = getenv("USER");
                if (!xdg || !casca_idmap_rootless() || (user && strcmp(user, "root") == 0))
                        return "/run/casca";
        }
        if (xdg && xdg[0] == '/' && casca_snprintf(buf, sizeof(buf), "%s/casca", xdg) >= 0)
                return buf;
        casca_snprintf_trunc(buf, sizeof(buf), "/tmp/casca-%u", (unsigned)geteuid()); /* fits */
        return buf;
}

const char *casca_state_root(const struct casca_context *ctx)
{
        return ctx->state_root ? ctx->state_root : casca_default_state_root();
}

char *casca_state_root_abs(const struct casca_context *ctx, struct casca_error **err)
{
        const char *root = casca_state_root(ctx);
        char *abs = realpath(root, NULL);

        if (!abs)
                casca_error_set(err, errno, "state root `%s`", root);
        return abs;
}

/* A state root another user can write to (or owns) lets that user hide, fake
 * or replace a caller's containers: the fallback /tmp/casca-<uid> can be made
 * by anyone before its owner first runs casca.  Refuse the opened directory
 * (after symlinks: what is checked is what is used) unless the caller owns
 * it and nobody else can write to it, and its parent unless it is the
 * caller's or root's and, when others can write to it, sticky (/tmp). */
static int state_root_check(int fd, const char *root, struct casca_error **err)
{
        _cleanup_close_ int parent = -1;
        uid_t me = geteuid();
        struct stat sb;

        if (fstat(fd, &sb) < 0)
                return casca_error_set(err, errno, "state root `%s`", root);
        if (sb.st_uid != me)
                return casca_error_setx(err, EPERM,
                                        "state root `%s` is owned by uid %u, not by the caller "
                                        "(uid %u): refusing it, its owner could hide or fake "
                                        "containers; remove it, or use --root or $XDG_RUNTIME_DIR",
                                        root, (unsigned)sb.st_uid, (unsigned)me);
        if (sb.st_mode & (S_IWGRP | S_IWOTH))
                return casca_error_setx(err, EPERM,
                                        "state root `%s` is writable by others (mode %04o): "
                                        "refusing it; chmod 0700 it",
                                        root, (unsigned)(sb.st_mode & 07777));
        parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0 || fstat(parent, &sb) < 0)
                return casca_error_set(err, errno, "state root `%s`: its parent", root);
        if (sb.st_uid != me && sb.st_uid != 0)
                return casca_error_setx(err, EPERM,
                                        "state root `%s`: its parent directory is owned by uid "
                                        "%u, who could replace it: refusing it",
                                        root, (unsigned)sb.st_uid);
        if ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !(sb.st_mode & S_ISVTX))
                return casca_error_setx(err, EPERM,
                                        "state root `%s`: its parent directory is writable by "
                                        "others and not sticky (mode %04o): refusing it",
                                        root, (unsigned)(sb.st_mode & 07777));
        return 0;
}

int casca_state_root_open(const char *root, bool create, struct casca_error **err)
{
        _cleanup_close_ int fd = -1;
        int r;

        if (create) {
                r = casca_fs_mkdir_p(root, 0700, NULL);
                if (r < 0)
                        return casca_error_set(err, -r, "state root `%s`", root);
        }
        fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return casca_error_set(err, errno, "state root `%s`", root);
        r = state_root_check(fd, root, err);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

static int lock_dir(int fd, const char *id, bool exclusive, struct casca_error **err)
{
        while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
                if (errno != EINTR)
                        return casca_error_set(err, errno, "lock container `%s`", id);
        return 0;
}

static bool only_create_files(int dir_fd);

/* Is the existing state dir of `id` what a create killed before it was
 * ready left: no state.json (or a damaged one), or one not ready that no
 * create holds (a create holds the lock until it records ready)? */
static bool is_leftover(int root_fd, const char *id)
{
        _cleanup_close_ int fd =
                openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_state_ struct casca_state *s = NULL;
        int r;

        if (fd < 0 || flock(fd, LOCK_SH | LOCK_NB) < 0)
                return false;
        r = casca_state_read(fd, &s, NULL);
        if (r == -ENOENT || r == -EINVAL)
                return only_create_files(fd);
        return r >= 0 && !s->ready;
}

int casca_state_dir_create(int root_fd, const char *id, struct casca_error **err)
{
        for (int attempt = 0;; attempt++) {
                _cleanup_close_ int fd = -1;
                struct stat st;
                int r;

                if (mkdirat(root_fd, id, 0700) < 0) {
                        if (errno != EEXIST)
                                return casca_error_set(err, errno, "create state dir for `%s`", id);
                        if (is_leftover(root_fd, id))
                                return casca_error_setx(err, EEXIST,
                                                        "container `%s` already exists: left over "
                                                        "from a create that did not finish "
                                                        "(`casca delete --force %s` removes it)",
                                                        id, id);
                        return casca_error_setx(err, EEXIST, "container `%s` already exists", id);
                }
                fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0) {
                        /* out of fds (EMFILE): the directory we made goes */
                        r = casca_error_set(err, errno, "open state dir for `%s`", id);
                        (void)unlinkat(root_fd, id, AT_REMOVEDIR);
                        return r;
                }
                r = lock_dir(fd, id, true, err);
                if (r < 0) {
                        (void)unlinkat(root_fd, id, AT_REMOVEDIR);
                        return r;
                }
                /* a delete --force took the empty directory for a leftover
                 * between our mkdir and our lock: make it again */
                if (fstat(fd, &st) == 0 && st.st_nlink == 0 && attempt < 3)
                        continue;
                return TAKE_FD(fd);
        }
}

int casca_state_dir_open(int root_fd, const char *id, bool exclusive, struct casca_error **err)
{
        return casca_state_dir_open_lock(root_fd, id, exclusive ? LOCK_EX : LOCK_SH, NULL, err);
}

int casca_state_dir_open_lock(int root_fd, const char *id, int lock, bool *ret_busy,
                              struct casca_error **err)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        r = casca_id_validate(id, err);
        if (r < 0)
                return r;
        fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return casca_error_setx(err, ENOENT, "container `%s` does not exist", id);
                return casca_error_set(err, errno, "open state dir for `%s`", id);
        }
        if (ret_busy)
                *ret_busy = false;
        if (lock & LOCK_NB) {
                while (flock(fd, lock) < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EWOULDBLOCK)
                                return casca_error_set(err, errno, "lock container `%s`", id);
                        if (ret_busy)
                                *ret_busy = true;
                        break;
                }
        } else {
                r = lock_dir(fd, id, lock == LOCK_EX, err);
                if (r < 0)
                        return r;
        }
        /* Removed while we waited for the lock? */
        if (fstat(fd, &st) < 0 || st.st_nlink == 0)
                return casca_error_setx(err, ENOENT, "container `%s` does not exist", id);
        return TAKE_FD(fd);
}

static int remove_dir(int root_fd, DIR *d, const char *id, struct casca_error **err)
{
        struct dirent *de;

        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                /* an empty directory too (restore's criu-root, left by a
                 * restore killed half-way); what one holds stays, named */
                if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT &&
                    (errno != EISDIR ||
                     (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)))
                        return casca_error_set(err, errno, "remove `%s` from state dir of `%s`",
                                               de->d_name, id);
        }
        if (unlinkat(root_fd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return casca_error_set(err, errno, "remove state dir of `%s`", id);
        return 0;
}

int casca_state_dir_remove(int root_fd, const char *id, struct casca_error **err)
{
        _cleanup_closedir_ DIR *d = casca_fs_opendir_at(root_fd, id);

        if (!d) {
                if (errno == ENOENT)
                        return 0;
                return casca_error_set(err, errno, "open state dir for `%s`", id);
        }
        return remove_dir(root_fd, d, id, err);
}

int casca_state_dir_remove_fd(int root_fd, int dir_fd, const char *id, struct casca_error **err)
{
        _cleanup_closedir_ DIR *d = fdopendir(dir_fd);

        if (!d) {
                int e = errno;

                close(dir_fd);
                return casca_error_set(err, e, "open state dir for `%s`", id);
        }
        rewinddir(d);
        return remove_dir(root_fd, d, id, err);
}

int casca_write_atomic(int dir_fd, const char *name, const void *buf, size_t len,
                       struct casca_error **err)
{
        char tmp[256];
        _cleanup_close_ int fd = -1;
        ssize_t n;

        if (casca_snprintf(tmp, sizeof(tmp), ".%s.tmp", name) < 0)
                return casca_error_setx(err, ENAMETOOLONG, "write `%s`: name too long", name);
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return casca_error_set(err, errno, "write `%s`", name);
        n = write(fd, buf, len);
        if (n < 0 || (size_t)n != len) {
                int e = n < 0 ? errno : EIO;
                unlinkat(dir_fd, tmp, 0);
                return casca_error_set(err, e, "write `%s`", name);
        }
        if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
                int e = errno;
                unlinkat(dir_fd, tmp, 0);
                return casca_error_set(err, e, "rename `%s`", name);
        }
        return 0;
}

/* ---- JSON --------------------------------------------------------------- */

/* "k": v, or "k": null without v. */
static void gen_kv(struct casca_jgen *j, const char *k, const char *v)
{
        casca_jgen_str(j, k);
        if (v)
                casca_jgen_str(j, v);
        else
                casca_jgen_null(j);
}

static void gen_annotations(struct casca_jgen *j, const struct casca_state *s)
{
        casca_jgen_str(j, "annotations");
        casca_jgen_map_open(j);
        for (size_t i = 0; i < s->n_annotations; i++)
                gen_kv(j, s->annotations[i].key, s->annotations[i].value);
        casca_jgen_map_close(j);
}

int casca_state_write(int dir_fd, const struct casca_state *s, struct casca_error **err)
{
        _cleanup_free_ char *json = NULL;
        struct casca_jgen j;
        int r;

        if (casca_jgen_init(&j, 0, NULL) < 0)
                return casca_error_set(err, ENOMEM, "state");
        casca_jgen_map_open(&j);
        gen_kv(&j, "id", s->id);
        gen_kv(&j, "bundle", s->bundle);
        gen_kv(&j, "rootfs", s->rootfs);
        casca_jgen_kbool(&j, "ready", s->ready);
        casca_jgen_kint(&j, "pid", s->pid);
        casca_jgen_kint(&j, "pidStart", (long long)s->pid_start);
        gen_kv(&j, "created", s->created);
        gen_kv(&j, "cgroupPath", s->cgroup_path);
        if (s->cgroup_unit)
                gen_kv(&j, "cgroupUnit", s->cgroup_unit);
        casca_jgen_kbool(&j, "network", s->network);
        if (s->stdio[0] && s->stdio[1] && s->stdio[2]) {
                casca_jgen_str(&j, "stdio");
                casca_jgen_array_open(&j);
                for (int i = 0; i < 3; i++)
                        casca_jgen_str(&j, s->stdio[i]);
                casca_jgen_array_close(&j);
        }
        gen_annotations(&j, s);
        casca_jgen_map_close(&j);
        json = casca_jgen_finish(&j, NULL);
        if (!json)
                return casca_error_setx(err, EINVAL, "generate JSON");
        r = casca_write_atomic(dir_fd, STATE_FILE, json, strlen(json), err);
        if (r < 0)
                return casca_error_prefix(err, "container `%s`", s->id);
        return 0;
}

static char *dup_str(const struct casca_json *root, const char *key)
{
        const char *s = casca_json_str(casca_json_get(root, key));

        return s ? strdup(s) : NULL;
}

/* An integer member, 0 when absent or not one. */
static int64_t get_int(const struct casca_json *root, const char *key)
{
        int64_t v = 0;

        return casca_json_i64(casca_json_get(root, key), NULL, &v, NULL) == 0 ? v : 0;
}

static bool get_bool(const struct casca_json *root, const char *key)
{
        return casca_json_type(casca_json_get(root, key)) == CASCA_JSON_TRUE;
}

int casca_state_read(int dir_fd, struct casca_state **ret, struct casca_error **err)
{
        _cleanup_state_ struct casca_state *s = NULL;
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -1;
        _cleanup_json_ struct casca_json *root = NULL;
        const struct casca_json *ann, *stdio;
        size_t len = 0;

        *ret = NULL;
        fd = openat(dir_fd, STATE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return casca_error_set(err, errno, "read state");
        buf = casca_fs_read_fd(fd, STATE_FILE, CASCA_STATE_MAX_SIZE, &len, err);
        if (!buf)
                return casca_error_prefix(err, "read state");
        root = casca_json_parse(buf, len, err);
        if (!root)
                return casca_error_prefix(err, "state.json is corrupt");
        s = calloc(1, sizeof(*s));
        if (!s)
                return casca_error_set(err, ENOMEM, "read state");
        s->id = dup_str(root, "id");
        s->bundle = dup_str(root, "bundle");
        s->rootfs = dup_str(root, "rootfs");
        s->created = dup_str(root, "created");
        s->cgroup_path = dup_str(root, "cgroupPath");
        s->cgroup_unit = dup_str(root, "cgroupUnit");
        s->ready = get_bool(root, "ready");
        s->network = get_bool(root, "network");
        s->pid = (pid_t)get_int(root, "pid");
        s->pid_start = (uint64_t)get_int(root, "pidStart");
        stdio = casca_json_get(root, "stdio");
        if (casca_json_is_array(stdio) && casca_json_len(stdio) == 3)
                for (size_t i = 0; i < 3; i++) {
                        const char *v = casca_json_str(casca_json_at(stdio, i));

                        s->stdio[i] = v ? strdup(v) : NULL;
                }
        ann = casca_json_get(root, "annotations");
        if (casca_json_is_object(ann) && casca_json_len(ann)) {
                size_t n = casca_json_len(ann);
                s->annotations = calloc(n, sizeof(*s->annotations));
                for (size_t i = 0; s->annotations && i < n; i++) {
                        const char *v = casca_json_str(casca_json_at(ann, i));
                        s->annotations[i].key = strdup(casca_json_key(ann, i));
                        s->annotations[i].value = strdup(v ? v : "");
                        s->n_annotations++;
                }
        }
        if (!s->id || !s->bundle)
                return casca_error_setx(err, EINVAL, "state.json is corrupt: missing id or bundle");
        *ret = TAKE_PTR(s);
        return 0;
}

/* Is a directory without a readable state.json a container's?  Yes when
 * it has a damaged state.json, or holds only what create writes before its
 * first one (here or in an older casca): config.json, the temporary files,
 * the exec fifo; or nothing. */
static bool only_create_files(int dir_fd)
{
        static const char *const names[] = {STATE_FILE, "." STATE_FILE ".tmp", CASCA_STATE_CONFIG,
                                            "." CASCA_STATE_CONFIG ".tmp", CASCA_STATE_FIFO};
        _cleanup_closedir_ DIR *d = casca_fs_opendir_at(dir_fd, ".");
        struct dirent *de;

        if (faccessat(dir_fd, STATE_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return true;
        if (!d)
                return false;
        while ((de = readdir(d))) {
                bool known = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;

                for (size_t i = 0; i < ARRAY_SIZE(names) && !known; i++)
                        known = strcmp(de->d_name, names[i]) == 0;
                if (!known)
                        return false;
        }
        return true;
}

struct casca_state *casca_state_bare(const char *id)
{
        struct casca_state *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->id = strdup(id);
        s->bundle = strdup("");
        if (!s->id || !s->bundle) {
                casca_state_free(s);
                errno = ENOMEM;
                return NULL;
        }
        return s;
}

struct casca_state *casca_state_incomplete(int dir_fd, const char *id)
{
        struct casca_state *s;

        if (!only_create_files(dir_fd)) {
                errno = ENOENT;
                return NULL;
        }
        s = casca_state_bare(id);
        if (s)
                s->incomplete = true;
        return s;
}

void casca_state_free(struct casca_state *s)
{
        if (!s)
                return;
        free(s->id);
        free(s->bundle);
        free(s->rootfs);
        free(s->created);
        free(s->cgroup_path);
        free(s->cgroup_unit);
        casca_state_stdio_clear(s);
        for (size_t i = 0; i < s->n_annotations; i++) {
                free(s->annotations[i].key);
                free(s->annotations[i].value);
        }
        free(s->annotations);
        free(s);
}

void casca_state_stdio_clear(struct casca_state *s)
{
        for (int fd = 0; fd < 3; fd++) {
                free(s->stdio[fd]);
                s->stdio[fd] = NULL;
        }
}

int casca_state_read_stdio(struct casca_state *s, pid_t pid)
{
        for (int fd = 0; fd < 3; fd++) {
                char link[64], target[PATH_MAX];
                ssize_t n;

                if (pid > 0)
                        casca_snprintf_trunc(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
                else
                        casca_snprintf_trunc(link, sizeof(link), "/proc/self/fd/%d", fd);
                n = readlink(link, target, sizeof(target) - 1);
                target[n < 0 ? 0 : n] = '\0';
                free(s->stdio[fd]);
                s->stdio[fd] = strdup(target);
                if (!s->stdio[fd])
                        return -ENOMEM;
        }
        return 0;
}

/* /proc/PID/stat: the process's start time (0: none, or a zombie) and, in
 * *ret_state, its state letter */
static uint64_t proc_stat(pid_t pid, char *ret_state)
{
        char path[64], buf[1024];
        _cleanup_close_ int fd = -1;
        uint64_t start = 0;
        const char *end;
        char *p, state;
        ssize_t n;

        if (casca_snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid) < 0)
                return 0;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        /* comm may hold spaces and parens: fields restart after the last ')' */
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 1, " %c", &state) != 1)
                return 0;
        if (state == 'Z' || state == 'X')
                return 0;
        if (ret_state)
                *ret_state = state;
        /* field 3 is state; starttime is field 22: skip 18 more fields */
        p += 2;
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return 0;
                p++;
        }
        if (casca_parse_u64(p, &end, UINT64_MAX, &start) < 0)
                return 0;
        return start;
}

uint64_t casca_proc_starttime(pid_t pid)
{
        return proc_stat(pid, NULL);
}

bool casca_state_pid_stopped(const struct casca_state *s)
{
        char state = 0;

        if (s->pid <= 0 || s->pid_start == 0 || proc_stat(s->pid, &state) != s->pid_start)
                return false;
        return state == 'T' || state == 't';
}

bool casca_state_pid_alive(const struct casca_state *s)
{
        uint64_t start;

        if (s->pid <= 0 || s->pid_start == 0)
                return false;
        start = casca_proc_starttime(s->pid);
        return start != 0 && start == s->pid_start;
}

enum casca_status casca_state_status(int dir_fd, const struct casca_state *s)
{
        if (!casca_state_pid_alive(s))
                return CASCA_STATUS_STOPPED;
        if (!s->ready)
                return CASCA_STATUS_CREATING;
        if (faccessat(dir_fd, CASCA_STATE_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return CASCA_STATUS_CREATED;
        return CASCA_STATUS_RUNNING;
}

const char *casca_status_name(enum casca_status st)
{
        switch (st) {
        case CASCA_STATUS_CREATING:
                return "creating";
        case CASCA_STATUS_CREATED:
                return "created";
        case CASCA_STATUS_RUNNING:
                return "running";
        case CASCA_STATUS_PAUSED:
                return "paused";
        case CASCA_STATUS_STOPPED:
                break;
        }
        return "stopped";
}

char *casca_state_to_json(const struct casca_state *s, enum casca_status st, bool pretty,
                          struct casca_error **err)
{
        struct casca_jgen j;
        char *json;

        if (casca_jgen_init(&j, pretty ? CASCA_JGEN_PRETTY : 0, NULL) < 0) {
                casca_error_set(err, ENOMEM, "state");
                return NULL;
        }
        casca_jgen_map_open(&j);
        gen_kv(&j, "ociVersion", CASCA_OCI_VERSION);
        gen_kv(&j, "id", s->id);
        gen_kv(&j, "status", casca_status_name(st));
        casca_jgen_kint(&j, "pid", st == CASCA_STATUS_STOPPED ? 0 : s->pid);
        gen_kv(&j, "bundle", s->bundle);
        gen_kv(&j, "rootfs", s->rootfs);
        gen_kv(&j, "created", s->created);
        gen_annotations(&j, s);
        casca_jgen_map_close(&j);
        json = casca_jgen_finish(&j, NULL);
        if (!json)
                casca_error_setx(err, EINVAL, "generate JSON");
        return json;
}

int casca_write_pid_file(const char *path, pid_t pid, struct casca_error **err)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        char buf[32];
        int len = casca_snprintf(buf, sizeof(buf), "%d", (int)pid);

        /* a name of its own, made with O_EXCL (mkostemp): never a file, fifo
         * or link someone else put there (a pid file in a shared directory
         * such as /tmp); renamed over the pid file once written */
        if (len < 0 || asprintf(&tmp, "%s.casca-XXXXXX", path) < 0)
                return casca_error_set(err, ENOMEM, "--pid-file");
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return casca_error_set(err, errno, "--pid-file `%s`", path);
        if (fchmod(fd, 0644) < 0 || write(fd, buf, (size_t)len) != len || rename(tmp, path) < 0) {
                int e = errno;
                unlink(tmp);
                return casca_error_set(err, e, "--pid-file `%s`", path);
        }
        return 0;
}
