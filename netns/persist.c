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

#include "netns/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

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

/* "k": v, nothing without v. */
static void gen_kv(struct casca_jgen *j, const char *k, const char *v)
{
        if (v)
                casca_jgen_kstr(j, k, v);
}

static void gen_state(struct casca_jgen *j, const struct casca_netstate *st)
{
        char a4[CASCA_IP_STRLEN], a6[CASCA_IP_STRLEN];

        casca_jgen_map_open(j);
        casca_jgen_kint(j, "version", 1);
        gen_kv(j, "bridge", st->bridge);
        gen_kv(j, "veth", st->veth);
        gen_kv(j, "ipam", st->ipam_dir);
        gen_kv(j, "address", st->has_addr4 ? casca_ip_format(&st->addr4, a4, sizeof(a4)) : NULL);
        gen_kv(j, "address6", st->has_addr6 ? casca_ip_format(&st->addr6, a6, sizeof(a6)) : NULL);
        if (st->has_netns) {
                casca_jgen_str(j, "netns");
                casca_jgen_map_open(j);
                casca_jgen_kint(j, "dev", (long long)st->netns_dev);
                casca_jgen_kint(j, "ino", (long long)st->netns_ino);
                casca_jgen_map_close(j);
        }
        if (st->n_devs) {
                casca_jgen_str(j, "netdevs");
                casca_jgen_array_open(j);
                for (size_t i = 0; i < st->n_devs; i++) {
                        casca_jgen_map_open(j);
                        gen_kv(j, "host", st->devs[i].host_name);
                        gen_kv(j, "name", st->devs[i].name);
                        casca_jgen_map_close(j);
                }
                casca_jgen_array_close(j);
        }
        casca_jgen_map_close(j);
}

int casca_netstate_save(const char *state_root, const char *id, const struct casca_netstate *st,
                        struct casca_error **err)
{
        _cleanup_free_ char *dir = NULL, *json = NULL;
        struct casca_jgen j;
        int r;

        if (asprintf(&dir, "%s/%s", state_root, id) < 0)
                return casca_error_set(err, ENOMEM, "network state");
        r = casca_fs_mkdir_p(dir, 0700, err);
        if (r < 0)
                return r;
        if (casca_jgen_init(&j, 0, NULL) < 0)
                return casca_error_set(err, ENOMEM, "network state");
        gen_state(&j, st);
        json = casca_jgen_finish(&j, NULL);
        if (!json)
                return casca_error_set(err, ENOMEM, "network state");
        return casca_fs_replace_file(dir, STATE_FILE, json, strlen(json), 0600, err);
}

static char *dup_str(const struct casca_json *obj, const char *key)
{
        const char *s = casca_json_str(casca_json_get(obj, key));

        return s ? strdup(s) : NULL;
}

int casca_netstate_load(const char *state_root, const char *id, struct casca_netstate *st,
                        struct casca_error **err)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_json_ struct casca_json *root = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        const struct casca_json *netns, *devs;
        int64_t dev, ino;
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
        root = casca_json_parse(text, (size_t)n, NULL);
        if (!casca_json_is_object(root))
                return casca_error_setx(err, EINVAL, "`%s`: not a casca network state", path);
        st->bridge = dup_str(root, "bridge");
        st->veth = dup_str(root, "veth");
        st->ipam_dir = dup_str(root, "ipam");
        {
                _cleanup_free_ char *a4 = dup_str(root, "address"), *a6 = dup_str(root, "address6");
                st->has_addr4 = a4 && casca_ip_parse(a4, &st->addr4) == 0;
                st->has_addr6 = a6 && casca_ip_parse(a6, &st->addr6) == 0;
        }
        netns = casca_json_get(root, "netns");
        if (casca_json_i64(casca_json_get(netns, "dev"), NULL, &dev, NULL) == 0) {
                st->netns_dev = (uint64_t)dev;
                if (casca_json_i64(casca_json_get(netns, "ino"), NULL, &ino, NULL) == 0) {
                        st->netns_ino = (uint64_t)ino;
                        st->has_netns = true;
                }
        }
        devs = casca_json_get(root, "netdevs");
        if (casca_json_is_array(devs) && casca_json_len(devs)) {
                st->devs = calloc(casca_json_len(devs), sizeof(*st->devs));
                for (size_t i = 0; st->devs && i < casca_json_len(devs); i++) {
                        char *h = dup_str(casca_json_at(devs, i), "host");
                        char *nm = dup_str(casca_json_at(devs, i), "name");
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
