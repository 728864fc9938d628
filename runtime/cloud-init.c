/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cloud-init.c - casca.cloudInit: parse it, read and check its files at
 * create, and write the NoCloud seed the container's cloud-init reads.
 * The YAML check is libyaml's parser (Debian's libyaml, the C parser
 * PyYAML and so cloud-init use): a syntax error is refused at create with
 * its line and column instead of surfacing on the container's first boot. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "runtime/cloud-init.h"
#include "runtime/config.h"
#include "util/cleanup.h"
#include "util/dl.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/json.h"

/* libyaml, loaded the first time a container has casca.cloudInit, not at
 * every start (util/dl.h says why); after the macros below, a call such as
 * yaml_parser_parse(...) goes through the loaded pointer. */
#define YAML_FUNCS(X)                                                                              \
        X(yaml_parser_initialize)                                                                  \
        X(yaml_parser_set_input_string)                                                            \
        X(yaml_parser_parse)                                                                       \
        X(yaml_parser_load)                                                                        \
        X(yaml_parser_delete)                                                                      \
        X(yaml_event_delete)                                                                       \
        X(yaml_document_get_node)                                                                  \
        X(yaml_document_get_root_node)                                                             \
        X(yaml_document_delete)
#define YAML_PTR(name) __typeof__(name) *f_##name;
static struct {
        YAML_FUNCS(YAML_PTR)
} yaml_fns;
#undef YAML_PTR
#define YAML_SYM(name) {#name, (void **)&yaml_fns.f_##name},
static const struct casca_dl_sym yaml_syms[] = {YAML_FUNCS(YAML_SYM)};
#undef YAML_SYM
static struct casca_dl yaml_lib =
        CASCA_DL_INIT(CASCA_YAML_SONAME, "libyaml-0-2", "casca.cloudInit", yaml_syms);
#define YAML_CALL(name) (casca_dl_check(&yaml_lib), yaml_fns.f_##name)
#define yaml_parser_initialize YAML_CALL(yaml_parser_initialize)
#define yaml_parser_set_input_string YAML_CALL(yaml_parser_set_input_string)
#define yaml_parser_parse YAML_CALL(yaml_parser_parse)
#define yaml_parser_load YAML_CALL(yaml_parser_load)
#define yaml_parser_delete YAML_CALL(yaml_parser_delete)
#define yaml_event_delete YAML_CALL(yaml_event_delete)
#define yaml_document_get_node YAML_CALL(yaml_document_get_node)
#define yaml_document_get_root_node YAML_CALL(yaml_document_get_root_node)
#define yaml_document_delete YAML_CALL(yaml_document_delete)

static const char *const keys[CASCA_CLOUD_INIT__MAX] = {"userData", "metaData", "networkConfig"};
static const char *const names[CASCA_CLOUD_INIT__MAX] = {"user-data", "meta-data",
                                                         "network-config"};

const char *casca_cloud_init_key(enum casca_cloud_init_file f)
{
        return keys[f];
}

const char *casca_cloud_init_file_name(enum casca_cloud_init_file f)
{
        return names[f];
}

void casca_cloud_init_free(struct casca_cloud_init *ci)
{
        if (!ci)
                return;
        for (int i = 0; i < CASCA_CLOUD_INIT__MAX; i++) {
                free(ci->part[i].text);
                free(ci->part[i].path);
        }
        free(ci);
}

static int parse_part(struct casca_cloud_init *ci, int i, const struct casca_json *v,
                      const struct casca_jpath *p, struct casca_error **err)
{
        int r;

        ci->part[i].present = true;
        if (casca_json_is_string(v)) {
                r = casca_json_string(v, p, &ci->part[i].text, err);
                if (r < 0)
                        return r;
                ci->part[i].len = strlen(ci->part[i].text);
                return 0;
        }
        if (!casca_json_is_object(v))
                return casca_json_error(err, p, "expected a string (the text) or {\"path\": FILE}");
        for (size_t k = 0; k < casca_json_len(v); k++)
                if (strcmp(casca_json_key(v, k), "path") != 0)
                        return casca_json_error(err, p, "unknown key \"%s\" (expected \"path\")",
                                                casca_json_key(v, k));
        r = casca_json_req_string(v, "path", p, &ci->part[i].path, err);
        if (r < 0)
                return r;
        if (!ci->part[i].path[0])
                return casca_json_error(err, JKEY(p, "path"), "must not be empty");
        return 0;
}

int casca_cloud_init_parse(const struct casca_json *v, struct casca_cloud_init **ret,
                           struct casca_error **err)
{
        const struct casca_jpath *p = JKEY(JKEY(NULL, "casca"), "cloudInit");
        struct casca_cloud_init *ci;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        for (size_t k = 0; k < casca_json_len(v); k++) {
                bool known = false;

                for (int i = 0; i < CASCA_CLOUD_INIT__MAX; i++)
                        known |= strcmp(casca_json_key(v, k), keys[i]) == 0;
                if (!known)
                        return casca_json_error(err, p,
                                                "unknown key \"%s\" (casca knows \"userData\", "
                                                "\"metaData\", \"networkConfig\")",
                                                casca_json_key(v, k));
        }
        ci = calloc(1, sizeof(*ci));
        if (!ci)
                return casca_error_set(err, ENOMEM, "casca.cloudInit");
        for (int i = 0; i < CASCA_CLOUD_INIT__MAX; i++) {
                const struct casca_json *x = casca_json_get(v, keys[i]);

                if (x && (r = parse_part(ci, i, x, JKEY(p, keys[i]), err)) < 0) {
                        casca_cloud_init_free(ci);
                        return r;
                }
        }
        *ret = ci;
        return 0;
}

/* ---- the YAML check ------------------------------------------------------- */

int casca_cloud_init_check_yaml(const char *text, size_t len, const char *what,
                                struct casca_error **err)
{
        yaml_parser_t parser;
        yaml_event_t ev;
        int docs = 0, r = 0;
        bool done = false, want_root = false;

        if (casca_dl_load(&yaml_lib, err) < 0)
                return casca_error_prefix(err, "%s", what);
        if (!yaml_parser_initialize(&parser))
                return casca_error_set(err, ENOMEM, "%s: YAML parser", what);
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        while (!done) {
                if (!yaml_parser_parse(&parser, &ev)) {
                        r = casca_error_setx(
                                err, EINVAL, "%s: invalid YAML at line %zu, column %zu: %s", what,
                                parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                                parser.problem ? parser.problem : "syntax error");
                        break;
                }
                switch (ev.type) {
                case YAML_DOCUMENT_START_EVENT:
                        docs++;
                        want_root = true;
                        break;
                case YAML_MAPPING_START_EVENT:
                case YAML_SEQUENCE_START_EVENT:
                case YAML_SCALAR_EVENT:
                case YAML_ALIAS_EVENT:
                        /* cloud-init reads each of these files as a mapping */
                        if (want_root && ev.type != YAML_MAPPING_START_EVENT &&
                            !(ev.type == YAML_SCALAR_EVENT && ev.data.scalar.length == 0 &&
                              ev.data.scalar.plain_implicit)) {
                                r = casca_error_setx(err, EINVAL,
                                                     "%s: the top level must be a YAML mapping "
                                                     "(line %zu)",
                                                     what, ev.start_mark.line + 1);
                                done = true;
                        }
                        want_root = false;
                        break;
                case YAML_STREAM_END_EVENT:
                        done = true;
                        break;
                default:
                        break;
                }
                yaml_event_delete(&ev);
        }
        if (r == 0 && docs > 1)
                r = casca_error_setx(err, EINVAL, "%s: %d YAML documents, cloud-init reads one",
                                     what, docs);
        yaml_parser_delete(&parser);
        return r;
}

/* ---- cloud-init's "leave the network alone" --------------------------------- */

/* The value of key in the mapping node m, or NULL; the last one wins, as
 * in the dict PyYAML makes. */
static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *m, const char *key)
{
        yaml_node_t *found = NULL;
        size_t n = strlen(key);

        if (!m || m->type != YAML_MAPPING_NODE)
                return NULL;
        for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
             p++) {
                yaml_node_t *k = yaml_document_get_node(doc, p->key);

                if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == n &&
                    memcmp(k->data.scalar.value, key, n) == 0)
                        found = yaml_document_get_node(doc, p->value);
        }
        return found;
}

bool casca_cloud_init_net_disabled(const char *text, size_t len)
{
        yaml_parser_t parser;
        yaml_document_t doc;
        yaml_node_t *top, *net, *cfg;
        bool off = false;

        /* casca_cloud_init_load() loaded it, with its error */
        if (casca_dl_load(&yaml_lib, NULL) < 0 || !yaml_parser_initialize(&parser))
                return false;
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        if (!yaml_parser_load(&parser, &doc)) {
                yaml_parser_delete(&parser);
                return false;
        }
        /* cloud-init's Init._remove_top_level_network_key(), then
         * net.is_disabled_cfg() */
        top = yaml_document_get_root_node(&doc);
        net = map_get(&doc, top, "network");
        cfg = map_get(&doc, net ? net : top, "config");
        off = cfg && cfg->type == YAML_SCALAR_NODE && cfg->data.scalar.length == 8 &&
              memcmp(cfg->data.scalar.value, "disabled", 8) == 0;
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        return off;
}

/* casca's network and cloud-init's: with casca.network, casca has set up
 * the interface, its address, routes and resolv.conf before init starts,
 * and cloud-init (which otherwise writes its fallback, DHCP on the first
 * interface, for systemd-networkd) must leave them alone. */
static int reconcile_network(struct casca_cloud_init *ci, const char *casca_if,
                             struct casca_error **err)
{
        const int nc = CASCA_CLOUD_INIT_NETWORK_CONFIG;

        if (!casca_if)
                return 0;
        if (ci->part[nc].present) {
                if (casca_cloud_init_net_disabled(ci->part[nc].text, ci->part[nc].len))
                        return 0;
                return casca_error_setx(err, EINVAL,
                                        "casca.cloudInit.networkConfig: casca.network configures "
                                        "%s already and cloud-init would configure it again: "
                                        "leave networkConfig out (casca then tells cloud-init to "
                                        "leave the network alone) or make it \"config: "
                                        "disabled\"",
                                        casca_if);
        }
        ci->part[nc].text = strdup(CASCA_CLOUD_INIT_NET_OFF);
        if (!ci->part[nc].text)
                return casca_error_set(err, ENOMEM, "casca.cloudInit.networkConfig");
        ci->part[nc].len = strlen(ci->part[nc].text);
        ci->part[nc].present = true;
        return 0;
}

/* ---- create --------------------------------------------------------------- */

/* A file of the seed, at most this big (cloud-init's own datasources take
 * far less: EC2's user-data is limited to 16 KiB). */
#define PART_MAX_SIZE (1u << 20)

static int read_part(struct casca_cloud_init *ci, int i, const char *bundle,
                     struct casca_error **err)
{
        _cleanup_free_ char *full = NULL;
        _cleanup_close_ int fd = -1;
        const char *path = ci->part[i].path;

        if (path[0] != '/') {
                if (asprintf(&full, "%s/%s", bundle, path) < 0)
                        return casca_error_set(err, ENOMEM, "casca.cloudInit.%s.path", keys[i]);
                path = full;
        }
        fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return casca_error_set(err, errno, "casca.cloudInit.%s.path: open `%s`", keys[i],
                                       path);
        ci->part[i].text = casca_fs_read_fd(fd, path, PART_MAX_SIZE, &ci->part[i].len, err);
        if (!ci->part[i].text)
                return casca_error_prefix(err, "casca.cloudInit.%s.path", keys[i]);
        if (memchr(ci->part[i].text, '\0', ci->part[i].len))
                return casca_error_setx(err, EINVAL, "casca.cloudInit.%s.path: `%s` is not text",
                                        keys[i], path);
        return 0;
}

/* user-data is checked only when it says it is cloud-config: a shell
 * script, a MIME multipart or an #include are cloud-init's to read. */
static bool is_cloud_config(const char *text)
{
        return strncmp(text, "#cloud-config", 13) == 0 &&
               (text[13] == '\n' || text[13] == '\r' || text[13] == '\0' || text[13] == ' ');
}

int casca_cloud_init_load(struct casca_cloud_init *ci, const char *bundle, const char *id,
                          const char *hostname, const char *casca_if, struct casca_error **err)
{
        int r = casca_dl_load(&yaml_lib, err);

        if (r < 0)
                return r;
        for (int i = 0; i < CASCA_CLOUD_INIT__MAX; i++) {
                char what[64];

                if (!ci->part[i].present)
                        continue;
                if (ci->part[i].path && !ci->part[i].text) {
                        r = read_part(ci, i, bundle, err);
                        if (r < 0)
                                return r;
                }
                if (i == CASCA_CLOUD_INIT_USER_DATA && !is_cloud_config(ci->part[i].text))
                        continue;
                casca_snprintf_trunc(what, sizeof(what), "casca.cloudInit.%s", keys[i]);
                r = casca_cloud_init_check_yaml(ci->part[i].text, ci->part[i].len, what, err);
                if (r < 0)
                        return r;
        }
        r = reconcile_network(ci, casca_if, err);
        if (r < 0)
                return r;
        /* NoCloud wants a meta-data file; its instance-id says whether a
         * boot is the instance's first (cloud-init runs its per-instance
         * modules once per id): the container's id by default */
        if (!ci->part[CASCA_CLOUD_INIT_META_DATA].present) {
                char *t = NULL;
                int n = hostname && hostname[0]
                                ? asprintf(&t, "instance-id: %s\nlocal-hostname: %s\n", id,
                                           hostname)
                                : asprintf(&t, "instance-id: %s\n", id);

                if (n < 0)
                        return casca_error_set(err, ENOMEM, "casca.cloudInit.metaData");
                ci->part[CASCA_CLOUD_INIT_META_DATA].present = true;
                ci->part[CASCA_CLOUD_INIT_META_DATA].text = t;
                ci->part[CASCA_CLOUD_INIT_META_DATA].len = (size_t)n;
        }
        return 0;
}

int casca_cloud_init_write_seed(const struct casca_cloud_init *ci, int dir_fd,
                                struct casca_error **err)
{
        for (int i = 0; i < CASCA_CLOUD_INIT__MAX; i++) {
                _cleanup_close_ int fd = -1;
                const char *buf = ci->part[i].text;
                size_t left = ci->part[i].len;

                /* NoCloud needs user-data to exist, even empty */
                if (!ci->part[i].present && i != CASCA_CLOUD_INIT_USER_DATA)
                        continue;
                fd = openat(dir_fd, names[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            0644);
                if (fd < 0)
                        return casca_error_set(err, errno, "cloud-init seed: create `%s`",
                                               names[i]);
                while (buf && left > 0) {
                        ssize_t n = write(fd, buf, left);

                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                return casca_error_set(err, n < 0 ? errno : EIO,
                                                       "cloud-init seed: write `%s`", names[i]);
                        buf += n;
                        left -= (size_t)n;
                }
        }
        return 0;
}
