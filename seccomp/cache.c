/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cache.c - the compiled filter the container init loads, and a cache of
 * compiled filters.
 *
 * libseccomp needs several milliseconds to build and compile a profile of a
 * few hundred syscalls for three architectures: most of the time `casca run`
 * takes.  The BPF program it generates depends only on the profile, the
 * libseccomp version and the kernel's seccomp API level, so it is kept in
 * <state root>/@cache/seccomp/ ('@' is not allowed in container ids) under a
 * hash of that key.  The file holds the whole key, which is compared byte for
 * byte on a hit: a hash collision is a miss, never a wrong filter.  A file
 * that does not check out (short, foreign owner, wrong key) is ignored and
 * rewritten.  Any cache failure falls back to compiling; only compiling can
 * fail a container.
 *
 * create also keeps the program with the container's state
 * (casca_seccomp_prog_store()), keyed by the profile alone: exec installs
 * those bytes, the init's own program, without libseccomp or the cache.
 *
 * Profiles with NOTIFY rules or a listener are not cached or stored: they
 * keep libseccomp's context and are loaded through it (it owns the
 * listener). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/format.h"

#define CACHE_DIR_PARENT "@cache"
#define CACHE_DIR "seccomp"
#define CACHE_MAX_ENTRIES 64
#define CACHE_MAGIC "CASCABPF"
/* 1: one program (header, key, instructions), still read from a state
 * dir; 2: the split filter (header, key, n_progs and each one's length,
 * instructions) */
#define CACHE_FORMAT 2u
/* Sanity bounds for files read from the cache (the kernel's are 4096
 * instructions per program and 32768 in all). */
#define PROG_MAX_INSNS 65536u
#define PROG_MAX_PARTS 64u

struct casca_seccomp_prog {
        scmp_filter_ctx ctx;       /* NOTIFY profiles: loaded by libseccomp */
        struct sock_filter *insns; /* everything else: the BPF programs, */
        uint32_t n_insns;          /* one after the other */
        uint32_t *lens;            /* each one's length, loaded in order */
        uint32_t n_progs;
        uint32_t flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2), each load */
};

struct cache_header {
        char magic[8];
        uint32_t format, flags, key_len, n_insns;
};

/* ---- the key ----------------------------------------------------------------- */

struct buf {
        unsigned char *p;
        size_t len, cap;
        bool oom;
};

static void buf_release(struct buf *b)
{
        free(b->p);
}

static void buf_add(struct buf *b, const void *data, size_t len)
{
        if (b->oom || len == 0) /* buf_str(b, NULL): memcpy's source must not be NULL */
                return;
        if (b->len + len > b->cap) {
                size_t cap = b->cap ? b->cap : 4096;
                unsigned char *p;

                while (cap < b->len + len)
                        cap *= 2;
                p = realloc(b->p, cap);
                if (!p) {
                        b->oom = true;
                        return;
                }
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->len, data, len);
        b->len += len;
}

static void buf_u64(struct buf *b, uint64_t v)
{
        buf_add(b, &v, sizeof(v));
}

static void buf_str(struct buf *b, const char *s)
{
        size_t len = s ? strlen(s) : 0;

        /* NULL and "" differ */
        buf_u64(b, s ? len : UINT64_MAX);
        buf_add(b, s, len);
}

/* Everything casca_seccomp_build() reads, and what else decides its output.
 * The key of a stored program (casca_seccomp_prog_store()) is the profile
 * alone: the program stays the one the init loaded whatever casca or
 * libseccomp is installed since. */
static int cache_key(const struct casca_seccomp *s, bool versions, struct buf *b)
{
        if (versions) {
                const struct scmp_version *v = seccomp_version();

                buf_str(b, "casca " CASCA_VERSION " seccomp bpf");
                buf_u64(b, v ? v->major : 0);
                buf_u64(b, v ? v->minor : 0);
                buf_u64(b, v ? v->micro : 0);
                buf_u64(b, seccomp_api_get());
                buf_u64(b, seccomp_arch_native());
        } else {
                buf_str(b, "casca seccomp stored bpf");
                buf_u64(b, seccomp_arch_native());
        }
        buf_u64(b, (uint64_t)s->default_action);
        buf_u64(b, s->has_default_errno_ret);
        buf_u64(b, s->default_errno_ret);
        buf_u64(b, s->n_architectures);
        for (size_t i = 0; i < s->n_architectures; i++)
                buf_str(b, s->architectures[i]);
        buf_u64(b, s->n_flags);
        for (size_t i = 0; i < s->n_flags; i++)
                buf_str(b, s->flags[i]);
        buf_u64(b, s->n_syscalls);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const struct casca_seccomp_syscall *sc = &s->syscalls[i];

                buf_u64(b, (uint64_t)sc->action);
                buf_u64(b, sc->has_errno_ret);
                buf_u64(b, sc->errno_ret);
                buf_u64(b, sc->n_names);
                for (size_t j = 0; j < sc->n_names; j++)
                        buf_str(b, sc->names[j]);
                buf_u64(b, sc->n_args);
                for (size_t k = 0; k < sc->n_args; k++) {
                        buf_u64(b, sc->args[k].index);
                        buf_u64(b, sc->args[k].value);
                        buf_u64(b, sc->args[k].value_two);
                        buf_u64(b, (uint64_t)sc->args[k].op);
                }
        }
        return b->oom ? -ENOMEM : 0;
}

/* ---- the cache directory ------------------------------------------------------- */

static bool ours(const struct stat *st)
{
        return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static int open_subdir(int parent, const char *name)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!ours(&st))
                return -EPERM;
        return TAKE_FD(fd);
}

static int cache_dir_open(int state_root_fd)
{
        _cleanup_close_ int parent = -1;

        if (state_root_fd < 0)
                return -EBADF;
        parent = open_subdir(state_root_fd, CACHE_DIR_PARENT);
        if (parent < 0)
                return parent;
        return open_subdir(parent, CACHE_DIR);
}

/* A program image: header, key, then (format 2) the number of programs and
 * their lengths, then the instructions.  0 and p filled when it is whole and
 * made for key; -EINVAL otherwise.  Format 1 (one program) is taken when
 * old_format: a container's state from before the split filter. */
static int image_parse(const unsigned char *data, size_t len, const struct buf *key,
                       bool old_format, struct casca_seccomp_prog *p)
{
        struct cache_header h;
        size_t insns_len, off;
        uint32_t n_progs = 1, sum = 0;

        if (len < sizeof(h))
                return -EINVAL;
        memcpy(&h, data, sizeof(h));
        if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) != 0 ||
            !(h.format == CACHE_FORMAT || (old_format && h.format == 1)) || h.key_len != key->len ||
            h.n_insns == 0 || h.n_insns > PROG_MAX_INSNS)
                return -EINVAL;
        if (len - sizeof(h) < h.key_len || memcmp(data + sizeof(h), key->p, key->len) != 0)
                return -EINVAL;
        off = sizeof(h) + h.key_len;
        if (h.format == CACHE_FORMAT) {
                if (len - off < sizeof(n_progs))
                        return -EINVAL;
                memcpy(&n_progs, data + off, sizeof(n_progs));
                off += sizeof(n_progs);
                if (n_progs == 0 || n_progs > PROG_MAX_PARTS ||
                    len - off < (size_t)n_progs * sizeof(uint32_t))
                        return -EINVAL;
        }
        p->lens = calloc(n_progs, sizeof(*p->lens));
        if (!p->lens)
                return -ENOMEM;
        if (h.format == CACHE_FORMAT) {
                memcpy(p->lens, data + off, (size_t)n_progs * sizeof(uint32_t));
                off += (size_t)n_progs * sizeof(uint32_t);
        } else {
                p->lens[0] = h.n_insns;
        }
        for (uint32_t i = 0; i < n_progs; i++) {
                if (p->lens[i] == 0 || p->lens[i] > h.n_insns - sum)
                        goto bad;
                sum += p->lens[i];
        }
        insns_len = (size_t)h.n_insns * sizeof(struct sock_filter);
        if (sum != h.n_insns || len != off + insns_len)
                goto bad;
        p->insns = malloc(insns_len);
        if (!p->insns) {
                free(TAKE_PTR(p->lens));
                return -ENOMEM;
        }
        memcpy(p->insns, data + off, insns_len);
        p->n_insns = h.n_insns;
        p->n_progs = n_progs;
        p->flags = h.flags;
        return 0;
bad:
        free(TAKE_PTR(p->lens));
        return -EINVAL;
}

/* The image of p (BPF programs) under key, malloc'd; always format 2. */
static int image_make(const struct buf *key, const struct casca_seccomp_prog *p,
                      unsigned char **ret, size_t *ret_len)
{
        struct cache_header h = {.format = CACHE_FORMAT,
                                 .flags = p->flags,
                                 .key_len = (uint32_t)key->len,
                                 .n_insns = p->n_insns};
        size_t insns_len = (size_t)p->n_insns * sizeof(struct sock_filter);
        size_t lens_len = (size_t)p->n_progs * sizeof(uint32_t);
        size_t len = sizeof(h) + key->len + sizeof(p->n_progs) + lens_len + insns_len;
        unsigned char *data, *at;

        if (!p->insns || p->n_insns == 0 || !p->lens || p->n_progs == 0)
                return -EOPNOTSUPP;
        data = malloc(len);
        if (!data)
                return -ENOMEM;
        memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
        at = mempcpy(data, &h, sizeof(h));
        at = mempcpy(at, key->p, key->len);
        at = mempcpy(at, &p->n_progs, sizeof(p->n_progs));
        at = mempcpy(at, p->lens, lens_len);
        memcpy(at, p->insns, insns_len);
        *ret = data;
        *ret_len = len;
        return 0;
}

static int cache_read(int dir_fd, const char *name, const struct buf *key,
                      struct casca_seccomp_prog *p)
{
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ unsigned char *data = NULL;
        struct stat st;
        ssize_t n;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || !ours(&st) ||
            (size_t)st.st_size < sizeof(struct cache_header) ||
            (uint64_t)st.st_size > sizeof(struct cache_header) + key->len +
                                           (1 + PROG_MAX_PARTS) * sizeof(uint32_t) +
                                           PROG_MAX_INSNS * sizeof(struct sock_filter))
                return -EINVAL;
        data = malloc((size_t)st.st_size);
        if (!data)
                return -ENOMEM;
        n = read(fd, data, (size_t)st.st_size);
        if (n != st.st_size)
                return -EIO;
        return image_parse(data, (size_t)n, key, false, p);
}

/* Keep the directory bounded: past CACHE_MAX_ENTRIES start over. */
static void cache_trim(int dir_fd)
{
        _cleanup_closedir_ DIR *d = casca_fs_opendir_at(dir_fd, ".");
        struct dirent *de;
        size_t n = 0;

        if (!d)
                return;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        if (n < CACHE_MAX_ENTRIES)
                return;
        rewinddir(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        unlinkat(dir_fd, de->d_name, 0);
}

static void cache_write(int dir_fd, const char *name, const struct buf *key,
                        const struct casca_seccomp_prog *p)
{
        _cleanup_free_ unsigned char *data = NULL;
        _cleanup_close_ int fd = -1;
        size_t len;
        char tmp[64];
        ssize_t n;

        if (image_make(key, p, &data, &len) < 0)
                return;
        cache_trim(dir_fd);
        /* one temporary name per writer: racing writers write the same bytes */
        if (casca_snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid()) < 0)
                return;
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return;
        n = write(fd, data, len);
        if (n < 0 || (size_t)n != len || renameat(dir_fd, tmp, dir_fd, name) < 0)
                unlinkat(dir_fd, tmp, 0);
}

/* ---- compiling ------------------------------------------------------------------- */

/* The seccomp(2) flags libseccomp's seccomp_load() would pass for ctx. */
static int load_flags(scmp_filter_ctx ctx, uint32_t *ret)
{
        static const struct {
                enum scmp_filter_attr attr;
                uint32_t flag;
        } map[] = {
                {SCMP_FLTATR_CTL_TSYNC, SECCOMP_FILTER_FLAG_TSYNC},
                {SCMP_FLTATR_CTL_LOG, SECCOMP_FILTER_FLAG_LOG},
                {SCMP_FLTATR_CTL_SSB, SECCOMP_FILTER_FLAG_SPEC_ALLOW},
#ifdef SCMP_FLTATR_CTL_WAITKILL
                {SCMP_FLTATR_CTL_WAITKILL, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
#endif
        };
        uint32_t flags = 0, v;

        for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
                v = 0;
                if (seccomp_attr_get(ctx, map[i].attr, &v) == 0 && v)
                        flags |= map[i].flag;
        }
        /* the filter must leave no_new_privs to process.noNewPrivileges */
        if (seccomp_attr_get(ctx, SCMP_FLTATR_CTL_NNP, &v) < 0 || v)
                return -EINVAL;
        *ret = flags;
        return 0;
}

/* ctx's program appended to the memfd fd at offset `at`, its length to
 * *ret_len; its load flags to p->flags, which every part shares (first: the
 * first part). */
static int export_at(scmp_filter_ctx ctx, bool first, int fd, off_t at,
                     struct casca_seccomp_prog *p, uint32_t *ret_len, struct casca_error **err)
{
        struct stat st;
        uint32_t flags;
        int r;

        r = load_flags(ctx, &flags);
        if (r < 0 || (!first && flags != p->flags))
                return casca_error_set(err, r < 0 ? -r : EINVAL,
                                       "linux.seccomp: filter attributes");
        p->flags = flags;
        if (ftruncate(fd, at) < 0 || lseek(fd, at, SEEK_SET) != at)
                return casca_error_set(err, errno, "linux.seccomp: compiled filter");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return casca_error_set(err, -r, "linux.seccomp: compile the filter");
        if (fstat(fd, &st) < 0)
                return casca_error_set(err, errno, "linux.seccomp: compiled filter");
        if (st.st_size <= at || (st.st_size - at) % (off_t)sizeof(struct sock_filter) != 0 ||
            (uint64_t)st.st_size / sizeof(struct sock_filter) > PROG_MAX_INSNS)
                return casca_error_setx(err, EINVAL, "linux.seccomp: compiled filter of %lld bytes",
                                        (long long)(st.st_size - at));
        *ret_len = (uint32_t)((st.st_size - at) / (off_t)sizeof(struct sock_filter));
        return 0;
}

/* Part `part` of s's split filter appended to fd at offset `at`. */
static int compile_part(const struct casca_seccomp *s, const uint32_t *arches, size_t part,
                        bool tree, casca_seccomp_skip_fn on_skip, void *userdata, int fd, off_t at,
                        struct casca_seccomp_prog *p, struct casca_error **err)
{
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        int r;

        r = casca_seccomp_build_part(s, arches, part, tree, on_skip, userdata, &ctx, err);
        if (r < 0)
                return r;
        return export_at(ctx, part == 0, fd, at, p, &p->lens[part], err);
}

/* The split filter's parts into fd, their lengths to p, the bytes written
 * to *ret_done. */
static int compile_split(const struct casca_seccomp *s, casca_seccomp_skip_fn on_skip,
                         void *userdata, int fd, struct casca_seccomp_prog *p, off_t *ret_done,
                         struct casca_error **err)
{
        uint32_t arches[PROG_MAX_PARTS - 1];
        size_t n_arches = 0;
        off_t done = 0;
        int r;

        r = casca_seccomp_split_arches(s, arches, ARRAY_SIZE(arches), &n_arches, err);
        if (r < 0)
                return r;
        p->lens = calloc(n_arches + 1, sizeof(*p->lens));
        if (!p->lens)
                return casca_error_set(err, ENOMEM, "linux.seccomp");
        p->n_progs = (uint32_t)n_arches + 1;
        for (size_t part = 0; part <= n_arches; part++) {
                r = compile_part(s, arches, part, true, part == 1 ? on_skip : NULL, userdata, fd,
                                 done, p, err);
                /* the tree is a few instructions longer than the list: a
                 * part the kernel would refuse for its length is a list */
                if (r == 0 && p->lens[part] > BPF_MAXINSNS)
                        r = compile_part(s, arches, part, false, NULL, NULL, fd, done, p, err);
                if (r < 0)
                        return r;
                done += (off_t)p->lens[part] * (off_t)sizeof(struct sock_filter);
        }
        *ret_done = done;
        return 0;
}

/* s -> BPF, through a memfd (libseccomp 2.5 exports to an fd only): the
 * split filter (casca_seccomp_build_part()); where a part cannot be built,
 * the whole filter as one program, which filters alike, so that no profile
 * the whole filter takes is refused for its parts; its error is the one
 * reported (the whole filter's messages, paths included). */
static int compile(const struct casca_seccomp *s, casca_seccomp_skip_fn on_skip, void *userdata,
                   struct casca_seccomp_prog *p, struct casca_error **err)
{
        _cleanup_close_ int fd = memfd_create("casca-seccomp", MFD_CLOEXEC);
        _cleanup_error_ struct casca_error *split_err = NULL;
        off_t done = 0;
        ssize_t n;
        int r;

        if (fd < 0)
                return casca_error_set(err, errno, "linux.seccomp: memfd_create");
        r = compile_split(s, on_skip, userdata, fd, p, &done, &split_err);
        if (r < 0) {
                _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;

                free(TAKE_PTR(p->lens));
                p->lens = calloc(1, sizeof(*p->lens));
                if (!p->lens)
                        return casca_error_set(err, ENOMEM, "linux.seccomp");
                p->n_progs = 1;
                r = casca_seccomp_build_ex(s, NULL, NULL, &ctx, err);
                if (r >= 0)
                        r = export_at(ctx, true, fd, 0, p, &p->lens[0], err);
                if (r < 0)
                        return r;
                done = (off_t)p->lens[0] * (off_t)sizeof(struct sock_filter);
        }
        p->insns = malloc((size_t)done);
        if (!p->insns)
                return casca_error_set(err, ENOMEM, "linux.seccomp");
        n = pread(fd, p->insns, (size_t)done, 0);
        if (n != done)
                return casca_error_set(err, n < 0 ? errno : EIO,
                                       "linux.seccomp: read the compiled "
                                       "filter");
        p->n_insns = (uint32_t)(done / (off_t)sizeof(struct sock_filter));
        return 0;
}

/* NOTIFY profiles are loaded by libseccomp (it keeps the listener): no
 * program of theirs is cached or stored. */
static bool has_program(const struct casca_seccomp *s)
{
        return !casca_seccomp_uses_notify(s) && !s->listener_path && !s->listener_metadata;
}

int casca_seccomp_prog_get(const struct casca_seccomp *s, int state_root_fd,
                           casca_seccomp_skip_fn on_skip, void *userdata,
                           struct casca_seccomp_prog **ret, bool *ret_cached,
                           struct casca_error **err)
{
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        _cleanup_close_ int dir_fd = -1;
        struct casca_seccomp_prog *p;
        _cleanup_(buf_release) struct buf key = {0};
        char name[32];
        int r;

        *ret = NULL;
        if (ret_cached)
                *ret_cached = false;
        p = calloc(1, sizeof(*p));
        if (!p)
                return casca_error_set(err, ENOMEM, "linux.seccomp");
        if (s && has_program(s) && cache_key(s, true, &key) == 0 &&
            casca_snprintf(name, sizeof(name), "%016llx.bpf",
                           (unsigned long long)casca_hash64(key.p, key.len)) >= 0) {
                dir_fd = cache_dir_open(state_root_fd);
                if (dir_fd >= 0 && cache_read(dir_fd, name, &key, p) == 0) {
                        if (ret_cached)
                                *ret_cached = true;
                        goto done;
                }
        }

        if (key.len == 0) {
                /* NOTIFY: libseccomp loads it and keeps the listener */
                r = casca_seccomp_build_ex(s, on_skip, userdata, &ctx, err);
                if (r < 0)
                        goto fail;
                p->ctx = TAKE_PTR(ctx);
                goto done;
        }
        r = compile(s, on_skip, userdata, p, err);
        if (r < 0)
                goto fail;
        if (dir_fd >= 0)
                cache_write(dir_fd, name, &key, p);
done:
        *ret = p;
        return 0;
fail:
        casca_seccomp_prog_free(p);
        return r;
}

int casca_seccomp_prog_load(const struct casca_seccomp_prog *p, int *ret_notify_fd,
                            struct casca_error **err)
{
        struct sock_fprog fprog;
        long r;

        if (ret_notify_fd)
                *ret_notify_fd = -1;
        if (!p)
                return casca_error_setx(err, EINVAL, "load seccomp filter: no filter");
        if (p->ctx)
                return casca_seccomp_load(p->ctx, ret_notify_fd, err);
        /* fail closed: a program without parts would load nothing */
        if (p->n_progs == 0 || !p->insns || !p->lens)
                return casca_error_setx(err, EINVAL, "load seccomp filter: no program");
        /* each part in order (image_parse() checked that they add up) */
        for (uint32_t i = 0, at = 0; i < p->n_progs; at += p->lens[i++]) {
                fprog = (struct sock_fprog){.len = (unsigned short)p->lens[i],
                                            .filter = p->insns + at};
                if (p->lens[i] > USHRT_MAX)
                        return casca_error_setx(err, E2BIG, "load seccomp filter: %u instructions",
                                                p->lens[i]);
                r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &fprog);
                if (r < 0 && errno == ENOSYS && p->flags == 0)
                        r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog);
                if (r < 0)
                        return casca_error_set(err, errno, "load seccomp filter");
                /* TSYNC: a positive value is the thread that could not be synced */
                if (r > 0)
                        return casca_error_setx(err, ESRCH,
                                                "load seccomp filter: thread %ld could not be "
                                                "synchronized",
                                                r);
        }
        return 0;
}

int casca_seccomp_prog_store(const struct casca_seccomp_prog *p, const struct casca_seccomp *s,
                             void **ret, size_t *ret_len, struct casca_error **err)
{
        _cleanup_(buf_release) struct buf key = {0};
        unsigned char *data;
        int r;

        *ret = NULL;
        *ret_len = 0;
        if (!p || !s || p->ctx || !has_program(s))
                return 0;
        r = cache_key(s, false, &key);
        if (r < 0)
                return casca_error_set(err, -r, "linux.seccomp: store the compiled filter");
        r = image_make(&key, p, &data, ret_len);
        if (r < 0)
                return casca_error_set(err, -r, "linux.seccomp: store the compiled filter");
        *ret = data;
        return 0;
}

int casca_seccomp_prog_from_stored(const struct casca_seccomp *s, const void *data, size_t len,
                                   struct casca_seccomp_prog **ret, struct casca_error **err)
{
        struct casca_seccomp_prog *p;
        _cleanup_(buf_release) struct buf key = {0};
        int r;

        *ret = NULL;
        if (!s || !has_program(s))
                return casca_error_setx(err, EINVAL,
                                        "stored seccomp filter: the profile has no program");
        r = cache_key(s, false, &key);
        if (r < 0)
                return casca_error_set(err, -r, "stored seccomp filter");
        p = calloc(1, sizeof(*p));
        if (!p)
                return casca_error_set(err, ENOMEM, "stored seccomp filter");
        r = image_parse(data, len, &key, true, p);
        if (r < 0) {
                casca_seccomp_prog_free(p);
                if (r == -EINVAL)
                        return casca_error_setx(err, EINVAL,
                                                "stored seccomp filter: not a whole program of "
                                                "this profile");
                return casca_error_set(err, -r, "stored seccomp filter");
        }
        *ret = p;
        return 0;
}

/* The native architecture is the one seccomp_data.arch holds for our
 * syscalls: libseccomp's architecture tokens are the kernel's AUDIT_ARCH_*
 * values. */
bool casca_seccomp_prog_allows(const struct casca_seccomp_prog *p, int nr, const uint64_t args[6])
{
        struct seccomp_data d = {.nr = nr, .arch = seccomp_arch_native()};
        const struct sock_filter *insns;
        uint32_t action = SECCOMP_RET_ALLOW;
        bool bad = false;

        if (!p || p->ctx || !p->insns || d.arch == 0)
                return false;
        memcpy(d.args, args, sizeof(d.args));
        insns = p->insns;
        for (uint32_t i = 0; i < p->n_progs; insns += p->lens[i], i++)
                action = casca_seccomp_stricter(action, casca_bpf_run(insns, p->lens[i], &d, &bad));
        action &= SECCOMP_RET_ACTION_FULL;
        return !bad && (action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG);
}

void casca_seccomp_prog_free(struct casca_seccomp_prog *p)
{
        if (!p)
                return;
        casca_seccomp_release(p->ctx);
        free(p->insns);
        free(p->lens);
        free(p);
}
