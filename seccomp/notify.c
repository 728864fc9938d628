/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* notify.c - hand the seccomp listener fd to the agent at listenerPath
 * (runtime-spec config-linux.md "The Container Process State"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seccomp/internal.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/socket.h"

/* Copy a parsed JSON value into g (numbers keep their text). */
static yajl_gen_status gen_value(yajl_gen g, yajl_val v, unsigned depth)
{
        yajl_gen_status st = yajl_gen_status_ok;

        if (depth > 64)
                return yajl_max_depth_exceeded;
        switch (v ? v->type : yajl_t_null) {
        case yajl_t_string:
                return casca_seccomp_gen_str(g, v->u.string);
        case yajl_t_number:
                return yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
        case yajl_t_true:
                return yajl_gen_bool(g, 1);
        case yajl_t_false:
                return yajl_gen_bool(g, 0);
        case yajl_t_object:
                GEN(st, yajl_gen_map_open(g));
                for (size_t i = 0; i < v->u.object.len; i++) {
                        GEN(st, casca_seccomp_gen_str(g, v->u.object.keys[i]));
                        GEN(st, gen_value(g, v->u.object.values[i], depth + 1));
                }
                GEN(st, yajl_gen_map_close(g));
                return st;
        case yajl_t_array:
                GEN(st, yajl_gen_array_open(g));
                for (size_t i = 0; i < v->u.array.len; i++)
                        GEN(st, gen_value(g, v->u.array.values[i], depth + 1));
                GEN(st, yajl_gen_array_close(g));
                return st;
        default:
                return yajl_gen_null(g);
        }
}

int casca_seccomp_process_state_json(pid_t pid, const char *metadata, const char *state_json,
                                     char **ret_json, struct casca_error **err)
{
        _cleanup_(casca_seccomp_tree_freep) yajl_val state = NULL;
        _cleanup_(casca_seccomp_gen_freep) yajl_gen g = NULL;
        yajl_gen_status st = yajl_gen_status_ok;
        const unsigned char *buf;
        char errbuf[256];
        size_t len;
        char *json;
        int r;

        if (!state_json)
                return casca_error_setx(err, EINVAL, "container process state: no state");
        state = yajl_tree_parse(state_json, errbuf, sizeof(errbuf));
        if (!state)
                return casca_error_setx(err, EINVAL, "container process state: bad state json: %s",
                                        errbuf);
        if (!YAJL_IS_OBJECT(state))
                return casca_error_setx(err, EINVAL,
                                        "container process state: state is not an object");
        g = yajl_gen_alloc(NULL);
        if (!g)
                return casca_error_set(err, ENOMEM, "container process state");

        GEN(st, yajl_gen_map_open(g));
        GEN(st, casca_seccomp_gen_str(g, "ociVersion"));
        GEN(st, casca_seccomp_gen_str(g, CASCA_OCI_VERSION));
        GEN(st, casca_seccomp_gen_str(g, "fds"));
        GEN(st, yajl_gen_array_open(g));
        GEN(st, casca_seccomp_gen_str(g, "seccompFd"));
        GEN(st, yajl_gen_array_close(g));
        GEN(st, casca_seccomp_gen_str(g, "pid"));
        GEN(st, yajl_gen_integer(g, (long long)pid));
        if (metadata) {
                GEN(st, casca_seccomp_gen_str(g, "metadata"));
                GEN(st, casca_seccomp_gen_str(g, metadata));
        }
        GEN(st, casca_seccomp_gen_str(g, "state"));
        GEN(st, gen_value(g, state, 0));
        GEN(st, yajl_gen_map_close(g));
        GEN(st, yajl_gen_get_buf(g, &buf, &len));
        r = casca_seccomp_gen_done(st, "container process state", err);
        if (r < 0)
                return r;
        json = strndup((const char *)buf, len);
        if (!json)
                return casca_error_set(err, ENOMEM, "container process state");
        *ret_json = json;
        return 0;
}

int casca_seccomp_send_listener(const char *listener_path, int notify_fd,
                                const char *process_state_json, struct casca_error **err)
{
        _cleanup_close_ int sock = -1;
        size_t len, done = 0;

        if (!listener_path || !*listener_path)
                return casca_error_setx(err, EINVAL, "linux.seccomp.listenerPath: empty path");
        if (notify_fd < 0 || !process_state_json || !*process_state_json)
                return casca_error_setx(err, EINVAL, "seccomp listener `%s`: nothing to send",
                                        listener_path);
        sock = casca_unix_connect(listener_path, "seccomp listener", err);
        if (sock < 0)
                return sock;

        /* The fd goes with the first sendmsg only; the rest follows plainly. */
        len = strlen(process_state_json);
        while (done < len) {
                ssize_t n = casca_send_with_fd(sock, process_state_json + done, len - done,
                                               done == 0 ? notify_fd : -1);
                if (n < 0)
                        return casca_error_set(err, (int)-n, "send to seccomp listener `%s`",
                                               listener_path);
                if (n == 0)
                        return casca_error_setx(err, EIO,
                                                "send to seccomp listener `%s`: short write",
                                                listener_path);
                done += (size_t)n;
        }
        if (close(TAKE_FD(sock)) < 0 && errno != EINTR)
                return casca_error_set(err, errno, "close seccomp listener `%s`", listener_path);
        return 0;
}
