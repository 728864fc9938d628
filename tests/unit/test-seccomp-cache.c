/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-seccomp-cache.c - seccomp/cache.c: compiled programs load and filter
 * like libseccomp's own load, the cache hits on the same profile only, a
 * damaged, foreign or colliding file is a miss (and is rewritten), NOTIFY
 * profiles are not cached, the directory stays bounded; the program stored
 * with a container's state comes back byte for byte for its profile only. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "casca.h"
#include "seccomp/seccomp.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/json.h"

#define CACHE "@cache/seccomp"

static bool under_valgrind;
static char root[] = "/tmp/casca-test-seccomp-cache.XXXXXX";
static int root_fd = -1;

/* A profile: allow by default, uname -> errno; names per rule. */
struct profile {
        struct casca_seccomp s;
        struct casca_seccomp_syscall sc;
        char *names[1];
        char *arch[2];
};

static struct casca_seccomp *profile(struct profile *p, uint32_t uname_errno)
{
        memset(p, 0, sizeof(*p));
        p->names[0] = "uname";
        p->arch[0] = "SCMP_ARCH_X86_64";
        p->arch[1] = "SCMP_ARCH_X86";
        p->s.default_action = CASCA_SCMP_ALLOW;
        p->s.architectures = p->arch;
        p->s.n_architectures = 2;
        p->s.syscalls = &p->sc;
        p->s.n_syscalls = 1;
        p->sc.names = p->names;
        p->sc.n_names = 1;
        p->sc.action = CASCA_SCMP_ERRNO;
        p->sc.has_errno_ret = true;
        p->sc.errno_ret = uname_errno;
        return &p->s;
}

/* Load prog in a child and call uname(); the child exits with its errno
 * (0: allowed), 200 when the load failed. */
static int uname_errno_under(const struct casca_seccomp_prog *prog)
{
        int status;
        pid_t pid;

        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                struct casca_error *e = NULL;
                struct utsname u;

                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    casca_seccomp_prog_load(prog, NULL, &e) < 0)
                        _exit(200);
                _exit(uname(&u) < 0 ? errno : 0);
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The files in the cache (not the temporaries); the first one's path
 * relative to the root goes to first (may be NULL). */
static int scan(char *first, size_t size)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd = openat(root_fd, CACHE, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int n = 0;

        if (fd < 0)
                return -1;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -1;
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (n++ == 0 && first)
                        snprintf(first, size, CACHE "/%s", de->d_name);
        }
        return n;
}

static int count_entries(void)
{
        return scan(NULL, 0);
}

/* The one file in the cache (the test removes the others first). */
static int only_entry(char *name, size_t size)
{
        return scan(name, size) > 0 ? 0 : -1;
}

static void clear_cache(void)
{
        char name[300];

        while (only_entry(name, sizeof(name)) == 0)
                unlinkat(root_fd, name, 0);
}

/* prog_get; *cached tells; -1 on error (printed). */
static struct casca_seccomp_prog *get(const struct casca_seccomp *s, int fd, bool *cached)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct casca_seccomp_prog *p = NULL;

        if (casca_seccomp_prog_get(s, fd, NULL, NULL, &p, cached, &err) < 0)
                printf("# prog_get: %s\n", err ? err->msg : "?");
        return p;
}

static void test_no_cache(void)
{
        struct profile pr;
        struct casca_seccomp_prog *p;
        bool cached = true;

        p = get(profile(&pr, EACCES), -1, &cached);
        ok(p != NULL && !cached, "without a state root: compiled, not cached");
        if (p && !under_valgrind)
                is_int(uname_errno_under(p), EACCES, "compiled program: uname -> EACCES");
        casca_seccomp_prog_free(p);
        casca_seccomp_prog_free(NULL);
}

static void test_hit_and_miss(void)
{
        struct profile pr;
        struct casca_seccomp_prog *p;
        bool cached = true;

        clear_cache();
        p = get(profile(&pr, EACCES), root_fd, &cached);
        ok(p != NULL && !cached, "first use: a miss");
        is_int(count_entries(), 1, "first use: one file in " CACHE);
        casca_seccomp_prog_free(p);

        p = get(profile(&pr, EACCES), root_fd, &cached);
        ok(p != NULL && cached, "same profile again: a hit");
        if (p && !under_valgrind)
                is_int(uname_errno_under(p), EACCES, "program from the cache: uname -> EACCES");
        casca_seccomp_prog_free(p);

        p = get(profile(&pr, ENOSYS), root_fd, &cached);
        ok(p != NULL && !cached, "a different errnoRet: a miss");
        if (p && !under_valgrind)
                is_int(uname_errno_under(p), ENOSYS, "the new program: uname -> ENOSYS");
        is_int(count_entries(), 2, "two profiles, two files");
        casca_seccomp_prog_free(p);

        pr.names[0] = "getpid";
        p = get(&pr.s, root_fd, &cached);
        ok(p != NULL && !cached, "a different syscall name: a miss");
        if (p && !under_valgrind)
                is_int(uname_errno_under(p), 0, "uname allowed when getpid is the filtered one");
        casca_seccomp_prog_free(p);
}

/* Damage the cached file of profile(EPERM) with f, then expect a miss that
 * still filters right and a hit afterwards (rewritten). */
static void damaged(const char *what, void (*f)(const char *name))
{
        struct profile pr;
        struct casca_seccomp_prog *p;
        char name[300];
        bool cached = true;

        clear_cache();
        casca_seccomp_prog_free(get(profile(&pr, EPERM), root_fd, &cached));
        if (only_entry(name, sizeof(name)) < 0) {
                ok(0, "%s: no cache file", what);
                return;
        }
        f(name);
        p = get(profile(&pr, EPERM), root_fd, &cached);
        ok(p != NULL && !cached, "%s: a miss", what);
        if (p && !under_valgrind)
                is_int(uname_errno_under(p), EPERM, "%s: recompiled program filters", what);
        casca_seccomp_prog_free(p);
        p = get(profile(&pr, EPERM), root_fd, &cached);
        ok(p != NULL && cached, "%s: rewritten, a hit again", what);
        casca_seccomp_prog_free(p);
}

static void truncate_it(const char *name)
{
        struct stat st;
        int fd = openat(root_fd, name, O_WRONLY | O_CLOEXEC);

        if (fd >= 0 && fstat(fd, &st) == 0)
                (void)!ftruncate(fd, st.st_size - 8);
        if (fd >= 0)
                close(fd);
}

/* Flip a byte of the key: what a hash collision looks like. */
static void flip_key(const char *name)
{
        int fd = openat(root_fd, name, O_RDWR | O_CLOEXEC);
        unsigned char c;

        /* the header is 24 bytes; the key follows */
        if (fd >= 0 && pread(fd, &c, 1, 40) == 1) {
                c ^= 0xff;
                (void)!pwrite(fd, &c, 1, 40);
        }
        if (fd >= 0)
                close(fd);
}

/* A program the key would not produce: allow uname. */
static void swap_program(const char *name)
{
        struct profile pr;
        struct casca_seccomp_prog *other;
        char other_name[300];
        bool cached;

        /* compile a different profile into its own file, move it over name */
        other = get(profile(&pr, ENOSYS), root_fd, &cached);
        casca_seccomp_prog_free(other);
        unlinkat(root_fd, name, 0);
        if (only_entry(other_name, sizeof(other_name)) == 0)
                renameat(root_fd, other_name, root_fd, name);
}

static void group_writable(const char *name)
{
        (void)!fchmodat(root_fd, name, 0620, 0);
}

static void test_damaged(void)
{
        damaged("truncated file", truncate_it);
        damaged("key differs (collision)", flip_key);
        damaged("another profile's file under this name", swap_program);
        damaged("group-writable file", group_writable);
}

static void test_notify_not_cached(void)
{
        struct profile pr;
        struct casca_seccomp_prog *p;
        bool cached = true;

        if (seccomp_api_get() < 5) {
                ok(1, "# SKIP NOTIFY profile: needs libseccomp API level 5, have %u",
                   seccomp_api_get());
                return;
        }
        clear_cache();
        profile(&pr, 0);
        pr.sc.action = CASCA_SCMP_NOTIFY;
        pr.sc.has_errno_ret = false;
        pr.s.listener_path = "/run/casca-test-nonexistent.sock";
        p = get(&pr.s, root_fd, &cached);
        ok(p != NULL && !cached, "NOTIFY profile: built");
        is_int(count_entries(), 0, "NOTIFY profile: nothing cached");
        casca_seccomp_prog_free(p);
}

static void test_errors_and_trim(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct casca_seccomp_prog *p = NULL;
        struct profile pr;
        char name[64];
        bool cached;

        profile(&pr, EPERM);
        pr.arch[1] = "SCMP_ARCH_NOPE";
        is_int(casca_seccomp_prog_get(&pr.s, root_fd, NULL, NULL, &p, &cached, &err), -EINVAL,
               "a build error is reported with a cache too");
        ok(p == NULL && err && strstr(err->msg, "architectures[1]"), "and names the JSON path");

        clear_cache();
        for (int i = 0; i < 64; i++) {
                snprintf(name, sizeof(name), CACHE "/%016x.bpf", i);
                close(openat(root_fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        }
        casca_seccomp_prog_free(get(profile(&pr, EPERM), root_fd, &cached));
        is_int(count_entries(), 1, "a full cache starts over: 64 stale files gone, one new");
}

static void test_bad_dir(void)
{
        struct profile pr;
        struct casca_seccomp_prog *p;
        bool cached = true;

        (void)!fchmodat(root_fd, "@cache", 0777, 0);
        p = get(profile(&pr, EPERM), root_fd, &cached);
        ok(p != NULL && !cached, "world-writable cache dir: compiled, not used");
        casca_seccomp_prog_free(p);
        p = get(profile(&pr, EPERM), root_fd, &cached);
        ok(p != NULL && !cached, "world-writable cache dir: still no hit");
        casca_seccomp_prog_free(p);
        (void)!fchmodat(root_fd, "@cache", 0700, 0);
}

/* The program stored with a container's state: the same bytes back for the
 * same profile, refused for another profile or a damaged image, none for a
 * NOTIFY profile. */
static void test_stored(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct casca_seccomp_prog *p, *q = NULL, *stored = NULL;
        _cleanup_free_ void *image = NULL, *again = NULL;
        struct profile pr;
        size_t len = 0, len2 = 0;
        bool cached;

        p = get(profile(&pr, EACCES), -1, &cached);
        is_int(casca_seccomp_prog_store(p, &pr.s, &image, &len, &err), 0, "store: an image");
        ok(image && len > 24, "store: %zu bytes", len);
        is_int(casca_seccomp_prog_from_stored(&pr.s, image, len, &stored, &err), 0,
               "from_stored: the same profile loads");
        /* the same bytes: stored again, the images are equal */
        ok(stored && casca_seccomp_prog_store(stored, &pr.s, &again, &len2, &err) == 0 &&
                   len2 == len && memcmp(again, image, len) == 0,
           "from_stored: the very program that was stored");
        if (stored && !under_valgrind)
                is_int(uname_errno_under(stored), EACCES, "stored program: uname -> EACCES");
        casca_seccomp_prog_free(stored);

        profile(&pr, ENOSYS);
        is_int(casca_seccomp_prog_from_stored(&pr.s, image, len, &q, &err), -EINVAL,
               "from_stored: another profile's image is refused");
        ok(q == NULL && err && strstr(err->msg, "stored seccomp filter"), "with a clear error");
        casca_error_free(TAKE_PTR(err));
        profile(&pr, EACCES);
        for (size_t cut = 0; cut < len; cut += len / 7 + 1) {
                if (casca_seccomp_prog_from_stored(&pr.s, image, cut, &q, &err) != -EINVAL) {
                        ok(0, "from_stored: an image cut at %zu is refused", cut);
                        break;
                }
                casca_error_free(TAKE_PTR(err));
        }
        ok(q == NULL, "from_stored: a cut image is refused");
        ((unsigned char *)image)[30] ^= 1;
        is_int(casca_seccomp_prog_from_stored(&pr.s, image, len, &q, &err), -EINVAL,
               "from_stored: a changed key is refused");
        casca_error_free(TAKE_PTR(err));
        casca_seccomp_prog_free(p);

        if (seccomp_api_get() >= 5) {
                _cleanup_free_ void *none = (void *)1;

                profile(&pr, 0);
                pr.sc.action = CASCA_SCMP_NOTIFY;
                pr.sc.has_errno_ret = false;
                pr.s.listener_path = "/run/casca-test-nonexistent.sock";
                p = get(&pr.s, -1, &cached);
                ok(p && casca_seccomp_prog_store(p, &pr.s, &none, &len, &err) == 0 && !none,
                   "store: nothing for a NOTIFY profile");
                casca_seccomp_prog_free(p);
        }
}

/* A state dir written before the split filter holds format 1: one program
 * (the whole filter) after the key.  exec still takes it: the init of a
 * container created before an upgrade keeps its filter. */
static void test_stored_format1(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        _cleanup_free_ unsigned char *old = NULL;
        _cleanup_free_ void *image = NULL;
        _cleanup_close_ int fd = -1;
        struct casca_seccomp_prog *p, *q = NULL;
        struct profile pr;
        uint32_t h[4], key_len;
        size_t len = 0;
        struct stat st;
        bool cached;

        p = get(profile(&pr, EACCES), -1, &cached);
        fd = memfd_create("test-format1", MFD_CLOEXEC);
        if (!p || casca_seccomp_prog_store(p, &pr.s, &image, &len, &err) < 0 || fd < 0 ||
            casca_seccomp_build(&pr.s, &ctx, &err) < 0 || seccomp_export_bpf(ctx, fd) < 0 ||
            fstat(fd, &st) < 0) {
                ok(0, "format 1: make one");
                casca_seccomp_prog_free(p);
                return;
        }
        casca_seccomp_prog_free(p);
        /* magic, then format, flags, key_len, n_insns; the key as stored */
        memcpy(h, (unsigned char *)image + 8, sizeof(h));
        key_len = h[2];
        old = malloc(24 + key_len + (size_t)st.st_size);
        if (!old) {
                ok(0, "format 1: malloc");
                return;
        }
        h[0] = 1;
        h[3] = (uint32_t)(st.st_size / 8);
        memcpy(old, image, 8);
        memcpy(old + 8, h, sizeof(h));
        memcpy(old + 24, (unsigned char *)image + 24, key_len);
        if (pread(fd, old + 24 + key_len, (size_t)st.st_size, 0) != st.st_size) {
                ok(0, "format 1: read the whole filter");
                return;
        }
        is_int(casca_seccomp_prog_from_stored(&pr.s, old, 24 + key_len + (size_t)st.st_size, &q,
                                              &err),
               0, "from_stored: a format 1 image (one program) loads");
        if (q && !under_valgrind)
                is_int(uname_errno_under(q), EACCES, "format 1 program: uname -> EACCES");
        casca_seccomp_prog_free(q);
}

/* A part of the split filter near the kernel's 4096 instructions: the
 * tree of syscall numbers would pass the limit where the list does not, so
 * that part is a list, and the filter loads.  The native part of this
 * profile: 4148 instructions as a tree, 4067 as a list (libseccomp 2.5.4). */
static void test_long_part(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_json_ struct casca_json *doc = NULL;
        _cleanup_free_ void *image = NULL;
        _cleanup_free_ char *json = NULL;
        struct casca_seccomp *def = casca_seccomp_default_profile_new(&err), *s = NULL;
        struct casca_seccomp_prog *p = NULL;
        uint32_t h[4], n_progs = 0, lens[8] = {0}, longest = 0;
        size_t len = 0, at = 0, cap = 1 << 20;
        bool cached;

        json = malloc(cap);
        if (!def || !json) {
                ok(0, "long part: the default profile");
                casca_seccomp_free(def);
                return;
        }
        /* the default profile's names but ioctl, allowed; ioctl allowed for
         * 3740 values of its request */
        at += (size_t)snprintf(json + at, cap - at,
                               "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
                               "[\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"action\": "
                               "\"SCMP_ACT_ALLOW\", \"names\": [\"uname\"");
        for (size_t i = 0; i < def->n_syscalls; i++)
                for (size_t k = 0; k < def->syscalls[i].n_names; k++)
                        if (def->syscalls[i].action == CASCA_SCMP_ALLOW &&
                            def->syscalls[i].n_args == 0 &&
                            strcmp(def->syscalls[i].names[k], "ioctl") != 0 &&
                            strcmp(def->syscalls[i].names[k], "uname") != 0)
                                at += (size_t)snprintf(json + at, cap - at, ", \"%s\"",
                                                       def->syscalls[i].names[k]);
        at += (size_t)snprintf(json + at, cap - at, "]}");
        for (int i = 0; i < 3740; i++)
                at += (size_t)snprintf(json + at, cap - at,
                                       ", {\"names\": [\"ioctl\"], \"action\": "
                                       "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, "
                                       "\"value\": %d, \"op\": \"SCMP_CMP_EQ\"}]}",
                                       1000 + 7 * i);
        at += (size_t)snprintf(json + at, cap - at, "]}");
        casca_seccomp_free(def);
        doc = at < cap ? casca_json_parse(json, at, NULL) : NULL;
        if (!doc || casca_seccomp_from_json(doc, JKEY(NULL, "seccomp"), &s, &err) < 0) {
                ok(0, "long part: parse: %s", err ? err->msg : "?");
                casca_seccomp_free(s);
                return;
        }
        p = get(s, -1, &cached);
        if (!p || casca_seccomp_prog_store(p, s, &image, &len, &err) < 0 || !image) {
                ok(0, "long part: compile and store");
                casca_seccomp_prog_free(p);
                casca_seccomp_free(s);
                return;
        }
        /* format 2: header, key, n_progs, lens */
        memcpy(h, (unsigned char *)image + 8, sizeof(h));
        memcpy(&n_progs, (unsigned char *)image + 24 + h[2], sizeof(n_progs));
        if (n_progs <= ARRAY_SIZE(lens))
                memcpy(lens, (unsigned char *)image + 28 + h[2], n_progs * sizeof(uint32_t));
        for (uint32_t i = 0; i < n_progs && i < ARRAY_SIZE(lens); i++)
                longest = lens[i] > longest ? lens[i] : longest;
        ok(n_progs == 2 && longest > 4000 && longest <= 4096,
           "long part: %u parts, the longest %u instructions (at most 4096)", n_progs, longest);
        if (!under_valgrind)
                is_int(uname_errno_under(p), 0, "long part: the filter loads, uname allowed");
        casca_seccomp_prog_free(p);
        casca_seccomp_free(s);
}

int main(void)
{
        const char *preload = getenv("LD_PRELOAD");

        under_valgrind = preload && strstr(preload, "vgpreload");
        if (!mkdtemp(root)) {
                ok(0, "mkdtemp");
                return tap_done();
        }
        root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        test_no_cache();
        test_hit_and_miss();
        test_damaged();
        test_notify_not_cached();
        test_errors_and_trim();
        test_bad_dir();
        test_stored();
        test_stored_format1();
        test_long_part();
        clear_cache();
        unlinkat(root_fd, CACHE, AT_REMOVEDIR);
        unlinkat(root_fd, "@cache", AT_REMOVEDIR);
        close(root_fd);
        ok(rmdir(root) == 0, "the test leaves nothing behind");
        return tap_done();
}
