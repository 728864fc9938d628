/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fs.h - safe file access: paths resolved inside a root directory, small
 * whole-file reads and writes, close-on-exec sweeps.
 *
 * "Inside the root" means: the path is taken relative to root_fd whether or
 * not it starts with '/', every symlink met on the way (absolute or
 * relative) is resolved as if root_fd were "/", and ".." never climbs above
 * root_fd.  Nothing a path or a symlink in the root says can lead outside. */
#ifndef CASCA_FS_H
#define CASCA_FS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct casca_error;

/* Open `path` inside the root with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS); on a kernel without openat2 (ENOSYS) it uses the
 * fallback below from then on.  O_CLOEXEC is always added.  Returns the fd. */
int casca_fs_open_in_root(int root_fd, const char *path, int flags, mode_t mode,
                          struct casca_error **err);
/* The same, resolved in userspace: one component at a time with
 * openat(O_PATH|O_NOFOLLOW), symlinks read and spliced in (absolute ones
 * restart at the root), ".." clamped at the root, at most 40 symlinks
 * (ELOOP), symlinks inside /proc/<pid>/ (magic links) refused with ELOOP. */
int casca_fs_open_in_root_fallback(int root_fd, const char *path, int flags, mode_t mode,
                                   struct casca_error **err);

/* Resolve everything but the last component of `path` inside the root
 * (following a symlink in the last position too, unless nofollow_last) and
 * return an O_PATH fd of the directory that holds it; *ret_name gets the
 * last component (malloc'd; "." when the path names the root or ends in
 * "." or "..").  With mkdir_parents, missing directories on the way are
 * created (0755).  For mknodat/symlinkat/mkdirat on an entry in the root. */
int casca_fs_open_parent_in_root(int root_fd, const char *path, bool mkdir_parents,
                                 bool nofollow_last, char **ret_name, struct casca_error **err);

/* mkdir -p of a host path (each missing directory with mode); "mkdir `x`"
 * names the one that failed. */
int casca_fs_mkdir_p(const char *path, mode_t mode, struct casca_error **err);

/* mkdir -p inside the root (symlinks on the way are followed inside the
 * root, so "var/run -> /run" creates under <root>/run).  Returns 0. */
int casca_fs_mkdir_in_root(int root_fd, const char *path, mode_t mode, struct casca_error **err);

/* Make sure `path` exists inside the root as a mount target: a directory
 * (dir) or an empty file (0644), creating missing parents; an existing entry
 * of either kind is kept.  Returns an O_PATH fd of it (never of a symlink). */
int casca_fs_ensure_in_root(int root_fd, const char *path, bool dir, struct casca_error **err);

/* Write `data` to an existing file (procfs, sysfs, cgroupfs) in one
 * write(2); a short write is an error (EIO).  No O_CREAT, no O_TRUNC. */
int casca_fs_write_file(const char *path, const char *data, size_t len, struct casca_error **err);
/* The same relative to dirfd; the last component is never followed. */
int casca_fs_write_file_at(int dirfd, const char *name, const char *data, size_t len,
                           struct casca_error **err);

/* Replace dir/name with a file holding data (mode): written to
 * dir/.name.tmp, then renamed over it, so a reader (or a SIGKILL) sees the
 * old file or the new one, never part of one.  The dot hides the temporary
 * file from directory watchers that skip dotfiles (dnsmasq's --hostsdir). */
int casca_fs_replace_file(const char *dir, const char *name, const char *data, size_t len,
                          mode_t mode, struct casca_error **err);

/* The same on an open fd; `what` names it in the error message. */
int casca_fs_write_fd(int fd, const char *what, const char *data, size_t len,
                      struct casca_error **err);

/* Read a whole file (procfs files too) into a NUL-terminated malloc'd
 * buffer; *ret_len (optional) gets its length without the NUL. */
char *casca_fs_read_file(const char *path, size_t *ret_len, struct casca_error **err);
/* A sealed memfd (close-on-exec, read from offset 0) holding data: a
 * file to hand to another process as its stdin or over a socket, which
 * neither blocks the writer (as a pipe does past its 64 KiB) nor can be
 * changed by the reader.  Returns the fd or -errno. */
int casca_fs_memfd_of(const char *name, const char *data, size_t len, struct casca_error **err);
/* A new memfd (close-on-exec, plus mfd_flags) that fill() writes, then
 * sealed against writing, growing and shrinking; the fd or -errno, errors
 * saying "seal <what>".  F_SEAL_WRITE fails with EBUSY while a page just
 * written still has a transient reference (on Linux 6.1 pages can sit in
 * another CPU's LRU batch when the process moved between write and seal):
 * a memfd made and filled again gets fresh pages, up to five times. */
int casca_fs_memfd_sealed(const char *name, unsigned mfd_flags, const char *what,
                          int (*fill)(int fd, void *arg, struct casca_error **err), void *arg,
                          struct casca_error **err);
/* The rest of an open fd, at most max bytes: a longer one is EFBIG,
 * "`what`: larger than <max> bytes", found without reading past max. */
char *casca_fs_read_fd(int fd, const char *what, size_t max, size_t *ret_len,
                       struct casca_error **err);

/* A directory stream of dirfd/name (name "." for dirfd itself, with an
 * offset of its own), opened O_NOFOLLOW and close-on-exec; NULL with errno
 * set on failure, with nothing left open. */
DIR *casca_fs_opendir_at(int dirfd, const char *name);

/* Copy what directory src_dir holds into directory dst_dir: directories,
 * files, symlinks (never followed), device nodes, fifos and sockets, with
 * their owners and modes (runc's and crun's "tmpcopyup" of a tmpfs mount).
 * dst_dir must not lie inside src_dir. */
int casca_fs_copy_tree(int src_dir, int dst_dir, struct casca_error **err);

/* Mark every fd >= first_fd close-on-exec: close_range(CLOSE_RANGE_CLOEXEC),
 * or on kernels without it the fallback, which walks /proc/self/fd. */
int casca_fs_cloexec_from(int first_fd, struct casca_error **err);
int casca_fs_cloexec_from_fallback(int first_fd, struct casca_error **err);
/* Close every fd >= first_fd but the n_keep fds in keep (-1 entries are
 * ignored): close_range() over the gaps, or the /proc/self/fd walk. */
int casca_fs_close_from_except(int first_fd, const int *keep, size_t n_keep,
                               struct casca_error **err);
int casca_fs_close_from_except_fallback(int first_fd, const int *keep, size_t n_keep,
                                        struct casca_error **err);

#endif
