/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-fs.c - resolution inside a root (openat2 and the userspace fallback),
 * creation of mount targets, whole-file I/O, close-on-exec sweeps. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casca.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/fs.h"

typedef int (*open_fn)(int, const char *, int, mode_t, struct casca_error **);

static char tmpdir[] = "/tmp/casca-test-fs.XXXXXX";
static char rootpath[PATH_MAX];
static char pwned[64]; /* a name that must never appear in the host's /tmp */
static int root_fd = -1;

static void put(const char *rel, const char *content)
{
        int fd = openat(root_fd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0 || write(fd, content, strlen(content)) < 0) {
                perror(rel);
                exit(2);
        }
        close(fd);
}

static void link_(const char *target, const char *rel)
{
        if (symlinkat(target, root_fd, rel) < 0) {
                perror(rel);
                exit(2);
        }
}

static void mkdir_(const char *rel)
{
        if (mkdirat(root_fd, rel, 0755) < 0) {
                perror(rel);
                exit(2);
        }
}

static void setup(void)
{
        char outside[PATH_MAX + 16];
        int fd;

        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                exit(2);
        }
        snprintf(rootpath, sizeof(rootpath), "%s/root", tmpdir);
        snprintf(outside, sizeof(outside), "%s/outside", tmpdir);
        snprintf(pwned, sizeof(pwned), "casca-pwned-%d", (int)getpid());
        if (mkdir(rootpath, 0755) < 0 || mkdir(outside, 0755) < 0) {
                perror("mkdir");
                exit(2);
        }
        snprintf(outside, sizeof(outside), "%s/outside/secret", tmpdir);
        fd = open(outside, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
                perror("secret");
                exit(2);
        }
        close(fd);
        root_fd = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0) {
                perror(rootpath);
                exit(2);
        }
        mkdir_("etc");
        put("etc/passwd", "inroot\n");
        mkdir_("dir");
        mkdir_("dir/sub");
        put("dir/sub/file", "file\n");
        mkdir_("tmp");
        link_("/", "abs_root");
        link_("../../..", "up3");
        link_("/etc", "abs_etc");
        link_("/etc/passwd", "abs_etc_passwd");
        link_("loop2", "loop1");
        link_("loop1", "loop2");
        link_("chain2", "chain1");
        link_("chain3/", "chain2");
        link_("dir", "chain3");
        link_("dir/sub/../sub", "rel_chain");
        link_("../outside", "dotdot_outside");
        link_("/etc/casca-should-not-exist", "dangling_etc");
        link_("/", "evil");
        link_("../../../../../../../../tmp", "escape_tmp");
        link_("sub", "dir/sublink");
        link_("../../abs_etc", "dir/sub/up_to_abs");
}

/* Is the open fd the entry `rel` (a plain path, no symlinks) of the root, and
 * does the kernel place it inside the root? */
static int is_entry(int fd, const char *rel)
{
        char proc[64], target[PATH_MAX];
        struct stat a, b;
        ssize_t n;

        if (fstat(fd, &a) < 0 || fstatat(root_fd, rel, &b, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
                return 0;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        n = readlink(proc, target, sizeof(target) - 1);
        if (n < 0)
                return 0;
        target[n] = '\0';
        if (strncmp(target, rootpath, strlen(rootpath)) != 0 ||
            (target[strlen(rootpath)] != '\0' && target[strlen(rootpath)] != '/')) {
                printf("#   resolved outside the root: %s\n", target);
                return 0;
        }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void resolves(open_fn fn, const char *how, const char *path, int flags, const char *rel)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_close_ int fd = fn(root_fd, path, flags, 0, &err);

        if (fd < 0)
                printf("#   %s\n", err ? err->msg : "(no error)");
        ok(fd >= 0 && is_entry(fd, rel), "%s: `%s` resolves to <root>/%s", how, path, rel);
}

static void fails(open_fn fn, const char *how, const char *path, int flags, int want)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_close_ int fd = fn(root_fd, path, flags, 0, &err);

        if (fd >= 0) {
                char proc[64], target[PATH_MAX] = "";
                ssize_t n;

                snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
                n = readlink(proc, target, sizeof(target) - 1);
                if (n > 0)
                        target[n] = '\0';
                printf("#   opened %s\n", target);
        }
        ok(fd == -want && err && err->code == want && strstr(err->msg, path),
           "%s: `%s` fails with %s", how, path, strerror(want));
}

static int host_exists(const char *path)
{
        struct stat st;

        return lstat(path, &st) == 0;
}

static void resolution(open_fn fn, const char *how)
{
        resolves(fn, how, "", O_PATH, ".");
        resolves(fn, how, "/", O_PATH, ".");
        resolves(fn, how, "/..", O_PATH, ".");
        resolves(fn, how, "abs_root", O_PATH, ".");
        resolves(fn, how, "up3", O_PATH, ".");
        resolves(fn, how, "up3/etc/passwd", O_RDONLY, "etc/passwd");
        resolves(fn, how, "../../../etc/passwd", O_RDONLY, "etc/passwd");
        resolves(fn, how, "/../../etc/./passwd", O_RDONLY, "etc/passwd");
        resolves(fn, how, "abs_etc/passwd", O_RDONLY, "etc/passwd");
        resolves(fn, how, "abs_etc_passwd", O_RDONLY, "etc/passwd");
        resolves(fn, how, "abs_root/abs_root/abs_etc/../etc/passwd", O_RDONLY, "etc/passwd");
        resolves(fn, how, "chain1/sub/file", O_RDONLY, "dir/sub/file");
        resolves(fn, how, "chain1", O_PATH | O_DIRECTORY, "dir");
        resolves(fn, how, "rel_chain/file", O_RDONLY, "dir/sub/file");
        resolves(fn, how, "dir/sublink/file", O_RDONLY, "dir/sub/file");
        resolves(fn, how, "dir/sub/up_to_abs/passwd", O_RDONLY, "etc/passwd");
        resolves(fn, how, "dir/sub/../../etc/passwd", O_RDONLY, "etc/passwd");
        resolves(fn, how, "escape_tmp", O_PATH | O_DIRECTORY, "tmp");
        resolves(fn, how, "evil/tmp", O_PATH | O_DIRECTORY, "tmp");
        resolves(fn, how, "abs_root", O_PATH | O_NOFOLLOW, "abs_root");
        fails(fn, how, "dotdot_outside/secret", O_RDONLY, ENOENT);
        fails(fn, how, "loop1", O_RDONLY, ELOOP);
        fails(fn, how, "loop1/x", O_RDONLY, ELOOP);
        fails(fn, how, "etc/passwd/x", O_RDONLY, ENOTDIR);
        fails(fn, how, "abs_etc_passwd", O_RDONLY | O_NOFOLLOW, ELOOP);
        fails(fn, how, "abs_etc", O_WRONLY | O_CREAT | O_EXCL, EEXIST);
        fails(fn, how, "dangling_etc", O_RDONLY, ENOENT);

        /* O_CREAT through a dangling absolute link lands inside the root. */
        {
                _cleanup_error_ struct casca_error *err = NULL;
                _cleanup_close_ int fd =
                        fn(root_fd, "dangling_etc", O_WRONLY | O_CREAT, 0600, &err);

                ok(fd >= 0 && is_entry(fd, "etc/casca-should-not-exist"),
                   "%s: O_CREAT through `dangling_etc` creates <root>/etc/casca-should-not-exist",
                   how);
                ok(!host_exists("/etc/casca-should-not-exist"),
                   "%s: the host's /etc/casca-should-not-exist does not exist", how);
                unlinkat(root_fd, "etc/casca-should-not-exist", 0);
        }
}

/* The kernel's magic links in /proc/<pid>/ are refused; /proc/self is not one. */
static void magic(open_fn fn, const char *how)
{
        _cleanup_close_ int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_error_ struct casca_error *err = NULL, *err2 = NULL, *err3 = NULL;
        _cleanup_close_ int a = -1, b = -1, c = -1;
        char path[64];

        a = fn(proc, "self/status", O_RDONLY, 0, &err);
        ok(a >= 0, "%s: /proc: `self/status` (self is a plain link) opens", how);
        snprintf(path, sizeof(path), "self/fd/%d", proc);
        b = fn(proc, path, O_PATH, 0, &err2);
        ok(b == -ELOOP, "%s: /proc: `%s` (a magic link) fails with ELOOP", how, path);
        c = fn(proc, "thread-self/cwd/etc", O_PATH, 0, &err3);
        ok(c == -ELOOP, "%s: /proc: `thread-self/cwd/etc` fails with ELOOP", how);
}

static void parent_is(const char *path, bool mkdir_parents, bool nofollow_last, const char *dir,
                      const char *want_name)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int fd = casca_fs_open_parent_in_root(root_fd, path, mkdir_parents,
                                                              nofollow_last, &name, &err);

        ok(fd >= 0 && is_entry(fd, dir) && name && strcmp(name, want_name) == 0,
           "open_parent_in_root `%s`%s%s gives <root>/%s and `%s`", path,
           mkdir_parents ? " (mkdir parents)" : "", nofollow_last ? " (nofollow last)" : "", dir,
           want_name);
}

static void creation(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        char host_pwned[PATH_MAX], rel[PATH_MAX + 16];
        int fd;

        snprintf(host_pwned, sizeof(host_pwned), "/tmp/%s", pwned);
        ok(!host_exists(host_pwned), "the host's %s does not exist before", host_pwned);

        snprintf(rel, sizeof(rel), "/evil/tmp/%s", pwned);
        fd = casca_fs_ensure_in_root(root_fd, rel, true, &err);
        snprintf(rel, sizeof(rel), "tmp/%s", pwned);
        ok(fd >= 0 && is_entry(fd, rel), "ensure(dir) `/evil/tmp/%s` creates <root>/%s", pwned,
           rel);
        ok(!host_exists(host_pwned), "and the host's %s still does not exist", host_pwned);
        if (fd >= 0)
                close(fd);

        snprintf(rel, sizeof(rel), "escape_tmp/%s/deeper/file", pwned);
        fd = casca_fs_ensure_in_root(root_fd, rel, false, &err);
        snprintf(rel, sizeof(rel), "tmp/%s/deeper/file", pwned);
        ok(fd >= 0 && is_entry(fd, rel), "ensure(file) through `escape_tmp` creates <root>/%s",
           rel);
        ok(!host_exists(host_pwned), "and the host's %s still does not exist", host_pwned);
        if (fd >= 0)
                close(fd);

        fd = casca_fs_ensure_in_root(root_fd, "/abs_etc/casca-should-not-exist", false, &err);
        ok(fd >= 0 && is_entry(fd, "etc/casca-should-not-exist"),
           "ensure(file) `/abs_etc/casca-should-not-exist` creates it inside the root");
        ok(!host_exists("/etc/casca-should-not-exist"),
           "the host's /etc/casca-should-not-exist does not exist");
        if (fd >= 0)
                close(fd);
        unlinkat(root_fd, "etc/casca-should-not-exist", 0);

        fd = casca_fs_ensure_in_root(root_fd, "dangling_etc", false, &err);
        ok(fd >= 0 && is_entry(fd, "etc/casca-should-not-exist"),
           "ensure(file) on the dangling link `dangling_etc` creates its target inside the root");
        ok(!host_exists("/etc/casca-should-not-exist"),
           "the host's /etc/casca-should-not-exist still does not exist");
        if (fd >= 0)
                close(fd);
        unlinkat(root_fd, "etc/casca-should-not-exist", 0);

        fd = casca_fs_ensure_in_root(root_fd, "etc/passwd", false, &err);
        ok(fd >= 0 && is_entry(fd, "etc/passwd"), "ensure(file) keeps an existing file");
        if (fd >= 0)
                close(fd);
        fd = casca_fs_ensure_in_root(root_fd, "up3/dotdot_outside", true, &err);
        ok(fd >= 0 && is_entry(fd, "outside"),
           "ensure(dir) `up3/dotdot_outside` creates <root>/outside, not the sibling");
        if (fd >= 0)
                close(fd);

        fd = casca_fs_ensure_in_root(root_fd, "loop1/x", true, &err);
        ok(fd == -ELOOP && err && strstr(err->msg, "loop1/x"), "ensure through a loop: ELOOP");
        casca_error_free(err);
        err = NULL;

        ok(casca_fs_mkdir_in_root(root_fd, "evil/var/lib/casca", 0755, &err) == 0,
           "mkdir_in_root `evil/var/lib/casca` succeeds");
        ok(faccessat(root_fd, "var/lib/casca", F_OK, AT_SYMLINK_NOFOLLOW) == 0,
           "and creates <root>/var/lib/casca");
        ok(casca_fs_mkdir_in_root(root_fd, "var/lib/casca", 0755, &err) == 0,
           "mkdir_in_root of an existing path succeeds");
        ok(casca_fs_mkdir_in_root(root_fd, "etc/passwd/x", 0755, &err) == -ENOTDIR &&
                   strstr(err->msg, "mkdir `etc/passwd/x`"),
           "mkdir_in_root below a file fails with ENOTDIR and names the path");
        casca_error_free(err);
        err = NULL;

        parent_is("abs_etc/newfile", false, false, "etc", "newfile");
        parent_is("evil", false, true, ".", "evil");
        parent_is("new1/new2/leaf", true, false, "new1/new2", "leaf");
        parent_is("up3/../abs_root/..", false, false, ".", ".");
}

static void files(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_free_ char *got = NULL, *status = NULL;
        char path[PATH_MAX + 16];
        size_t len = 0;

        snprintf(path, sizeof(path), "%s/root/etc/passwd", tmpdir);
        ok(casca_fs_write_file(path, "hello", 5, &err) == 0, "write_file an existing file");
        got = casca_fs_read_file(path, &len, &err);
        ok(got && len == 7 && strcmp(got, "hellot\n") == 0,
           "read_file reads it back (one write, no truncation)");
        snprintf(path, sizeof(path), "%s/root/nope", tmpdir);
        ok(casca_fs_write_file(path, "x", 1, &err) == -ENOENT && strstr(err->msg, "/root/nope`"),
           "write_file never creates: ENOENT naming the file");
        casca_error_free(err);
        err = NULL;
        ok(casca_fs_write_file_at(root_fd, "abs_etc_passwd", "x", 1, &err) == -ELOOP,
           "write_file_at does not follow a symlink");
        casca_error_free(err);
        err = NULL;
        ok(casca_fs_write_file_at(root_fd, "etc/passwd", "ab", 2, &err) == 0,
           "write_file_at writes relative to a dirfd");
        status = casca_fs_read_file("/proc/self/status", &len, &err);
        ok(status && len > 0 && strncmp(status, "Name:", 5) == 0 && strlen(status) == len,
           "read_file reads a procfs file (st_size 0) whole");
        ok(casca_fs_read_file("/nonexistent/x", NULL, &err) == NULL && err &&
                   strcmp(err->msg, "open `/nonexistent/x`: No such file or directory") == 0,
           "read_file error names the file");
}

/* replace_file: the new content whole, its mode, no temporary file left;
 * a failure changes nothing */
static void replace(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_free_ char *got = NULL;
        char dir[PATH_MAX + 16], path[PATH_MAX + 32], tmp[PATH_MAX + 32];
        struct stat sb;

        snprintf(dir, sizeof(dir), "%s/replace", tmpdir);
        snprintf(path, sizeof(path), "%s/f.json", dir);
        snprintf(tmp, sizeof(tmp), "%s/.f.json.tmp", dir);
        ok(mkdir(dir, 0700) == 0, "mkdir replace/");
        ok(casca_fs_replace_file(dir, "f.json", "{}", 2, 0600, &err) == 0,
           "replace_file creates a missing file");
        ok(casca_fs_replace_file(dir, "f.json", "[1]", 3, 0600, &err) == 0,
           "replace_file replaces it");
        got = casca_fs_read_file(path, NULL, &err);
        ok(got && strcmp(got, "[1]") == 0, "the new content, whole");
        ok(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0600, "with the mode asked for");
        ok(access(tmp, F_OK) < 0 && errno == ENOENT, "no temporary file left");
        ok(mkdir(tmp, 0700) == 0, "a directory in the way of the temporary file");
        ok(casca_fs_replace_file(dir, "f.json", "x", 1, 0600, &err) < 0 && err &&
                   strstr(err->msg, "/replace/.f.json.tmp`"),
           "replace_file fails, naming the temporary file");
        free(got);
        got = casca_fs_read_file(path, NULL, NULL);
        ok(got && strcmp(got, "[1]") == 0, "and the file keeps its old content");
}

/* read_fd's bound, and the memfd that carries a state to a hook */
static void bounded(void)
{
        static const char data[] = "0123456789";
        _cleanup_close_ int fd = casca_fs_memfd_of("t", data, 10, NULL);
        char *got;
        size_t len = 0;

        ok(fd >= 0, "memfd_of");
        ok(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "memfd_of is close-on-exec");
        ok(fd >= 0 && write(fd, "x", 1) < 0 && errno == EPERM, "memfd_of is sealed against writes");
        got = casca_fs_read_fd(fd, "t", 10, &len, NULL);
        ok(got && len == 10 && strcmp(got, data) == 0, "read_fd of exactly max bytes");
        free(got);
        for (size_t max = 0; max < 10; max++) {
                _cleanup_error_ struct casca_error *err = NULL;

                lseek(fd, 0, SEEK_SET);
                got = casca_fs_read_fd(fd, "t", max, NULL, &err);
                if (got || !err || err->code != EFBIG)
                        break;
                if (max == 9)
                        is_str(err->msg, "`t`: larger than 9 bytes", "read_fd past max: EFBIG");
        }
        ok(!got, "read_fd refuses every max below the size");
        free(got);
}

static void cloexec(int (*fn)(int, struct casca_error **), const char *how)
{
        _cleanup_error_ struct casca_error *err = NULL;
        int fds[4], all = 1, low;

        low = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
        for (int i = 0; i < 4; i++)
                fds[i] = dup(low);
        ok(fn(fds[0], &err) == 0, "%s: succeeds", how);
        for (int i = 0; i < 4; i++)
                all &= (fcntl(fds[i], F_GETFD) & FD_CLOEXEC) != 0;
        ok(all, "%s: every fd from the first on is close-on-exec", how);
        ok(!(fcntl(low, F_GETFD) & FD_CLOEXEC), "%s: an fd below the first is untouched", how);
        close(low);
        for (int i = 0; i < 4; i++)
                close(fds[i]);
}

static void close_except(int (*fn)(int, const int *, size_t, struct casca_error **),
                         const char *how)
{
        _cleanup_error_ struct casca_error *err = NULL;
        int fds[6], low, keep[3];
        bool closed = true, kept = true;

        low = open("/dev/null", O_RDONLY);
        for (int i = 0; i < 6; i++)
                fds[i] = dup(low);
        keep[0] = fds[2];
        keep[1] = -1;
        keep[2] = fds[4];
        ok(fn(fds[0], keep, 3, &err) == 0, "%s: succeeds", how);
        for (int i = 0; i < 6; i++) {
                bool open_now = fcntl(fds[i], F_GETFD) >= 0;

                if (i == 2 || i == 4)
                        kept &= open_now;
                else
                        closed &= !open_now && errno == EBADF;
        }
        ok(closed, "%s: every fd from the first on is closed", how);
        ok(kept, "%s: but the kept ones", how);
        ok(fcntl(low, F_GETFD) >= 0, "%s: an fd below the first stays open", how);
        casca_error_free(TAKE_PTR(err));
        ok(fn(-1, NULL, 0, &err) == -EINVAL, "%s: a negative first fd is refused", how);
        close(low);
        close(fds[2]);
        close(fds[4]);
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

static void cleanup_tree(void)
{
        nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int main(void)
{
        setup();
        resolution(casca_fs_open_in_root, "openat2");
        resolution(casca_fs_open_in_root_fallback, "fallback");
        magic(casca_fs_open_in_root, "openat2");
        magic(casca_fs_open_in_root_fallback, "fallback");
        creation();
        files();
        replace();
        bounded();
        cloexec(casca_fs_cloexec_from, "close_range");
        cloexec(casca_fs_cloexec_from_fallback, "/proc/self/fd fallback");
        close_except(casca_fs_close_from_except, "close_range");
        close_except(casca_fs_close_from_except_fallback, "/proc/self/fd fallback");
        close(root_fd);
        cleanup_tree();
        return tap_done();
}
