/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* persist.c - <state_root>/<id>/network.json: what a teardown needs.
 *
 *   {"version":1,"bridge":"casca0","veth":"cv1a2b3c4d",
 *    "ipam":"/run/casca/ipam/casca0","address":"10.88.0.2","address6":"fd88::2",
 *    "netns":{"dev":4,"ino":4026532481},
 *    "netdevs":[{"host":"dummy0","name":"eth1"}]}
 *
 * Written (tmp + rename) before each resource is made, so a SIGKILL at any
 * point leaves a file that names everything that may exist. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "netns/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define STATE_FILE "network.json"

bool casca_netstate_valid_id(const char *id)
{
        size_t n = id ? strlen(id) : 0;

        if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
                return false;
        for (const char *p = id; *p; p++)
                if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

void casca_netstate_clear(struct casca_netstate *st)
{
        free(st->bridge);
        free(st->veth);
        free(st->ipam_dir);
        for (size_t i = 0; i < st->n_devs; i++) {
                free(st->devs[i].host_name);
                free(st->devs[i].name);
        }
        free(st->devs);
        memset(st, 0, sizeof(*st));
}

static int gen_str(yajl_gen g, const char *s)
{
        return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok
                       ? 0
                       : -ENOMEM;
}

static int gen_kv(yajl_gen g, const char *k, const char *v)
{
        if (!v)
                return 0;
        return gen_str(g, k) < 0 || gen_str(g, v) < 0 ? -ENOMEM : 0;
}

static int gen_state(yajl_gen g, const struct casca_netstate *st)
{
        char a4[CASCA_IP_STRLEN], a6[CASCA_IP_STRLEN];
        int r = 0;

        yajl_gen_map_open(g);
        r |= gen_str(g, "version");
        yajl_gen_integer(g, 1);
        r |= gen_kv(g, "bridge", st->bridge);
        r |= gen_kv(g, "veth", st->veth);
        r |= gen_kv(g, "ipam", st->ipam_dir);
        r |= gen_kv(g, "address",
                    st->has_addr4 ? casca_ip_format(&st->addr4, a4, sizeof(a4)) : NULL);
        r |= gen_kv(g, "address6",
                    st->has_addr6 ? casca_ip_format(&st->addr6, a6, sizeof(a6)) : NULL);
        if (st->has_netns) {
                r |= gen_str(g, "netns");
                yajl_gen_map_open(g);
                r |= gen_str(g, "dev");
                yajl_gen_integer(g, (long long)st->netns_dev);
                r |= gen_str(g, "ino");
                yajl_gen_integer(g, (long long)st->netns_ino);
                yajl_gen_map_close(g);
        }
        if (st->n_devs) {
                r |= gen_str(g, "netdevs");
                yajl_gen_array_open(g);
                for (size_t i = 0; i < st->n_devs; i++) {
                        yajl_gen_map_open(g);
                        r |= gen_kv(g, "host", st->devs[i].host_name);
                        r |= gen_kv(g, "name", st->devs[i].name);
                        yajl_gen_map_close(g);
                }
                yajl_gen_array_close(g);
        }
        yajl_gen_map_close(g);
        return r ? -ENOMEM : 0;
}

int casca_netstate_save(const char *state_root, const char *id, const struct casca_netstate *st,
                        struct casca_error **err)
{
        _cleanup_free_ char *dir = NULL, *path = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -1;
        const unsigned char *buf;
        size_t len;
        yajl_gen g;
        int r;

        if (asprintf(&dir, "%s/%s", state_root, id) < 0)
                return casca_error_set(err, ENOMEM, "network state");
        if (asprintf(&path, "%s/" STATE_FILE, dir) < 0 ||
            asprintf(&tmp, "%s/." STATE_FILE ".tmp", dir) < 0)
                return casca_error_set(err, ENOMEM, "network state");
        r = casca_fs_mkdir_p(dir, 0700, err);
        if (r < 0)
                return r;
        g = yajl_gen_alloc(NULL);
        if (!g)
                return casca_error_set(err, ENOMEM, "network state");
        r = gen_state(g, st);
        if (r == 0 && yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
                r = -ENOMEM;
        if (r < 0) {
                yajl_gen_free(g);
                return casca_error_set(err, -r, "network state");
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                yajl_gen_free(g);
                return casca_error_set(err, errno, "open `%s`", tmp);
        }
        if (write(fd, buf, len) != (ssize_t)len) {
                r = errno ? errno : EIO;
                yajl_gen_free(g);
                unlink(tmp);
                return casca_error_set(err, r, "write `%s`", tmp);
        }
        yajl_gen_free(g);
        if (rename(tmp, path) < 0) {
                r = errno;
                unlink(tmp);
                return casca_error_set(err, r, "rename `%s`", tmp);
        }
        return 0;
}

static char *dup_str(yajl_val root, const char *key)
{
        const char *p[] = {key, NULL};
        yajl_val v = yajl_tree_get(root, p, yajl_t_string);
        const char *s = v ? YAJL_GET_STRING(v) : NULL;
        return s ? strdup(s) : NULL;
}

int casca_netstate_load(const char *state_root, const char *id, struct casca_netstate *st,
                        struct casca_error **err)
{
        static const char *p_dev[] = {"netns", "dev", NULL}, *p_ino[] = {"netns", "ino", NULL},
                          *p_devs[] = {"netdevs", NULL};
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char ebuf[128];
        yajl_val root, v;
        size_t len = 0;
        ssize_t n;

        memset(st, 0, sizeof(*st));
        if (asprintf(&path, "%s/%s/" STATE_FILE, state_root, id) < 0)
                return casca_error_set(err, ENOMEM, "network state");
        f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT)
                        return -ENOENT;
                return casca_error_set(err, errno, "open `%s`", path);
        }
        n = getdelim(&text, &len, '\0', f);
        if (n < 0)
                return casca_error_set(err, errno ? errno : EIO, "read `%s`", path);
        root = yajl_tree_parse(text, ebuf, sizeof(ebuf));
        if (!root || !YAJL_IS_OBJECT(root)) {
                yajl_tree_free(root);
                return casca_error_setx(err, EINVAL, "`%s`: not a casca network state", path);
        }
        st->bridge = dup_str(root, "bridge");
        st->veth = dup_str(root, "veth");
        st->ipam_dir = dup_str(root, "ipam");
        {
                _cleanup_free_ char *a4 = dup_str(root, "address"), *a6 = dup_str(root, "address6");
                st->has_addr4 = a4 && casca_ip_parse(a4, &st->addr4) == 0;
                st->has_addr6 = a6 && casca_ip_parse(a6, &st->addr6) == 0;
        }
        if ((v = yajl_tree_get(root, p_dev, yajl_t_number)) && YAJL_IS_INTEGER(v)) {
                st->netns_dev = (uint64_t)YAJL_GET_INTEGER(v);
                if ((v = yajl_tree_get(root, p_ino, yajl_t_number)) && YAJL_IS_INTEGER(v)) {
                        st->netns_ino = (uint64_t)YAJL_GET_INTEGER(v);
                        st->has_netns = true;
                }
        }
        v = yajl_tree_get(root, p_devs, yajl_t_array);
        if (v && v->u.array.len) {
                st->devs = calloc(v->u.array.len, sizeof(*st->devs));
                for (size_t i = 0; st->devs && i < v->u.array.len; i++) {
                        char *h = dup_str(v->u.array.values[i], "host");
                        char *nm = dup_str(v->u.array.values[i], "name");
                        if (!h || !nm) {
                                free(h);
                                free(nm);
                                continue;
                        }
                        st->devs[st->n_devs].host_name = h;
                        st->devs[st->n_devs].name = nm;
                        st->n_devs++;
                }
        }
        yajl_tree_free(root);
        return 0;
}

int casca_netstate_remove(const char *state_root, const char *id, struct casca_error **err)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s/" STATE_FILE, state_root, id) < 0)
                return casca_error_set(err, ENOMEM, "network state");
        if (unlink(path) < 0 && errno != ENOENT)
                return casca_error_set(err, errno, "remove `%s`", path);
        return 0;
}
