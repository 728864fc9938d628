/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* notify.c - hand the seccomp listener fd to the agent at listenerPath
 * (runtime-spec config-linux.md "The Container Process State"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/socket.h"

int casca_seccomp_process_state_json(pid_t pid, const char *metadata, const char *state_json,
                                     char **ret_json, struct casca_error **err)
{
        _cleanup_json_ struct casca_json *state = NULL;
        struct casca_jgen j;
        int r;

        if (!state_json)
                return casca_error_setx(err, EINVAL, "container process state: no state");
        state = casca_json_parse(state_json, strlen(state_json), err);
        if (!state)
                return casca_error_prefix(err, "container process state: bad state json");
        if (!casca_json_is_object(state))
                return casca_error_setx(err, EINVAL,
                                        "container process state: state is not an object");
        r = casca_jgen_init(&j, 0, err);
        if (r < 0)
                return casca_error_prefix(err, "container process state");
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "ociVersion", CASCA_OCI_VERSION);
        casca_jgen_str(&j, "fds");
        casca_jgen_array_open(&j);
        casca_jgen_str(&j, "seccompFd");
        casca_jgen_array_close(&j);
        casca_jgen_kint(&j, "pid", (long long)pid);
        if (metadata)
                casca_jgen_kstr(&j, "metadata", metadata);
        casca_jgen_str(&j, "state");
        casca_jgen_value(&j, state);
        casca_jgen_map_close(&j);
        *ret_json = casca_jgen_finish(&j, err);
        return *ret_json ? 0 : casca_error_prefix(err, "container process state");
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
