/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* handle.c - an opened container: its locked state dir, its state, its
 * cgroup and a pidfd of its init (handle.h). */
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "runtime/handle.h"
#include "util/cleanup.h"

void casca_handle_close(struct casca_handle *h)
{
        casca_state_free(h->st);
        h->st = NULL;
        casca_closep(&h->dir_fd);
        casca_closep(&h->root_fd);
}

static int handle_open_lock(int root_fd, const char *id, int lock, struct casca_handle *h,
                            struct casca_error **err)
{
        _cleanup_error_ struct casca_error *e = NULL;
        bool busy = false;
        int r;

        *h = (struct casca_handle){.root_fd = root_fd, .dir_fd = -1};
        h->dir_fd = casca_state_dir_open_lock(h->root_fd, id, lock, &busy, err);
        if (h->dir_fd < 0) {
                r = h->dir_fd;
                casca_handle_close(h);
                return r;
        }
        r = casca_state_read(h->dir_fd, &h->st, &e);
        /* a create (or delete) holds the lock: what its state.json says
         * (written whole, by rename), or, before there is one, creating */
        if (busy && (r < 0 || !h->st->id || strcmp(h->st->id, id) != 0)) {
                casca_state_free(h->st);
                h->st = casca_state_bare(id);
                if (!h->st) {
                        casca_handle_close(h);
                        return casca_error_set(err, ENOMEM, "state");
                }
                h->status = CASCA_STATUS_CREATING;
                return 0;
        }
        /* a state.json that names another container (copied or edited by
         * hand) is damaged: its id would lead delete, the network teardown
         * and list elsewhere; the directory's name is the container's */
        if (r >= 0 && (!h->st->id || strcmp(h->st->id, id) != 0)) {
                casca_state_free(h->st);
                h->st = NULL;
                r = -EINVAL;
        }
        if (r == -ENOENT || r == -EINVAL) {
                /* a create killed before it wrote its state (we hold the
                 * lock: none is running), or a damaged state: what the
                 * directory holds is still the container's */
                h->st = casca_state_incomplete(h->dir_fd, id);
                if (!h->st && errno == ENOENT)
                        r = casca_error_setx(err, ENOENT, "container `%s` does not exist", id);
                else if (!h->st)
                        r = casca_error_set(err, errno, "state");
        } else if (r < 0 && err) {
                *err = TAKE_PTR(e);
        }
        if (!h->st) {
                casca_handle_close(h);
                if (r != -ENOENT)
                        casca_error_prefix(err, "container `%s`", id);
                return r;
        }
        h->status = casca_state_status(h->dir_fd, h->st);
        /* like runc: a frozen cgroup makes it paused, started or not */
        if ((h->status == CASCA_STATUS_RUNNING || h->status == CASCA_STATUS_CREATED) &&
            h->st->cgroup_path) {
                _cleanup_cgroup_ struct casca_cgroup *cg = NULL;

                if (casca_cgroup_open(h->st->cgroup_path, &cg, NULL) >= 0 &&
                    casca_cgroup_is_frozen(cg, NULL) > 0)
                        h->status = CASCA_STATUS_PAUSED;
        }
        return 0;
}

int casca_handle_open(struct casca_context *ctx, const char *id, bool exclusive,
                      struct casca_handle *h, struct casca_error **err)
{
        int root_fd = casca_state_root_open(casca_state_root(ctx), false, err);

        if (root_fd < 0) {
                *h = (struct casca_handle){.root_fd = -1, .dir_fd = -1};
                if (-root_fd == ENOENT) {
                        if (err) {
                                casca_error_free(*err);
                                *err = NULL;
                        }
                        return casca_error_setx(err, ENOENT, "container `%s` does not exist", id);
                }
                return root_fd;
        }
        return casca_handle_open_at(root_fd, id, exclusive, h, err);
}

int casca_handle_open_at(int root_fd, const char *id, bool exclusive, struct casca_handle *h,
                         struct casca_error **err)
{
        return handle_open_lock(root_fd, id, exclusive ? LOCK_EX : LOCK_SH, h, err);
}

int casca_handle_peek_at(int root_fd, const char *id, struct casca_handle *h,
                         struct casca_error **err)
{
        return handle_open_lock(root_fd, id, LOCK_SH | LOCK_NB, h, err);
}

struct casca_cgroup *casca_handle_cgroup(struct casca_handle *h)
{
        struct casca_cgroup *cg = NULL;

        if (!h->st->cgroup_path)
                return NULL;
        if (h->st->cgroup_unit ? casca_cgroup_systemd_open(h->st->cgroup_path, h->st->cgroup_unit,
                                                           &cg, NULL) < 0
                               : casca_cgroup_open(h->st->cgroup_path, &cg, NULL) < 0)
                return NULL;
        return cg;
}

int casca_handle_pidfd(const struct casca_state *st)
{
        int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);

        if (fd < 0)
                return -errno;
        /* the pid could have been reused between reading state and here */
        if (!casca_state_pid_alive(st)) {
                close(fd);
                return -ESRCH;
        }
        return fd;
}
