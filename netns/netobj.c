/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netobj.c - named networks: their definition under the state root, their
 * bridge and nftables rules, the choice of a free subnet, rm and prune.
 * See netobj.h for the files; the order of a create is
 *
 *   lock -> (a leftover of the same name is removed) -> checks (name,
 *   options, the subnet against the host's routes and addresses and the
 *   other networks) -> network.json "creating" -> bridge (group, MTU,
 *   gateway addresses, up) -> nftables rules tagged "casca-net:<name>" ->
 *   sysctls -> network.json "ready"
 *
 * and rm runs it backwards from what network.json says. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/internal.h"
#include "netns/netobj.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/json.h"

#define DEF_FILE "network.json"

void casca_netdef_free(struct casca_netdef *d)
{
        if (!d)
                return;
        free(d->name);
        free(d->bridge);
        free(d->parent);
        free(d->mode);
        free(d->created);
        free(d->state);
        free(d);
}

void casca_netdef_list_free(struct casca_netdef **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                casca_netdef_free(v[i]);
        free(v);
}

bool casca_netdef_valid_name(const char *name)
{
        return casca_netname_valid(name);
}

char *casca_netdef_dir(const char *state_root, const char *name)
{
        char *p = NULL;

        if (asprintf(&p, "%s/" CASCA_NETWORKS_DIR "/%s", state_root, name) < 0)
                return NULL;
        return p;
}

static const char *driver_name(enum casca_netdriver d)
{
        return d == CASCA_NETDRV_MACVLAN  ? "macvlan"
               : d == CASCA_NETDRV_IPVLAN ? "ipvlan"
                                          : "bridge";
}

/* The bridge of network `name`: "casca-<name>" when it fits, else "cbr" and
 * 8 hex digits of a hash of the name. */
static void bridge_name(const char *name, char buf[IFNAMSIZ])
{
        uint64_t h = casca_hash64_str(name);

        /* both fit: the length is checked, "cbr" and 8 digits are 11 */
        if (strlen("casca-") + strlen(name) < IFNAMSIZ && !strchr(name, '.'))
                casca_snprintf_trunc(buf, IFNAMSIZ, "casca-%s", name);
        else
                casca_snprintf_trunc(buf, IFNAMSIZ, "cbr%08x", (unsigned)(h ^ (h >> 32)));
}

/* ---- network.json ------------------------------------------------------------ */

/* The definition's fields (network.json and inspect alike). */
static void gen_fields(struct casca_jgen *j, const struct casca_netdef *d)
{
        char buf[CASCA_CIDR_STRLEN];

        casca_jgen_kstr(j, "name", d->name);
        casca_jgen_kstr(j, "driver", driver_name(d->driver));
        if (d->bridge)
                casca_jgen_kstr(j, "bridge", d->bridge);
        if (d->parent)
                casca_jgen_kstr(j, "parent", d->parent);
        if (d->mode)
                casca_jgen_kstr(j, "mode", d->mode);
        if (d->subnet.ip.family)
                casca_jgen_kstr(j, "subnet", casca_cidr_format(&d->subnet, buf, sizeof(buf)));
        if (d->has_gateway)
                casca_jgen_kstr(j, "gateway", casca_ip_format(&d->gateway, buf, sizeof(buf)));
        if (d->has_ipv6) {
                casca_jgen_kstr(j, "subnet6", casca_cidr_format(&d->subnet6, buf, sizeof(buf)));
                casca_jgen_kstr(j, "gateway6", casca_ip_format(&d->gateway6, buf, sizeof(buf)));
        }
        casca_jgen_kbool(j, "internal", d->internal);
        casca_jgen_kint(j, "mtu", d->mtu);
        casca_jgen_kbool(j, "dns", d->dns);
        casca_jgen_kstr(j, "created", d->created ? d->created : "");
        casca_jgen_kstr(j, "state", d->state ? d->state : "");
}

static int save_def(const char *dir, const struct casca_netdef *d, struct casca_error **err)
{
        _cleanup_free_ char *text = NULL;
        struct casca_jgen j;
        int r;

        r = casca_jgen_init(&j, CASCA_JGEN_DOCUMENT, err);
        if (r < 0)
                return r;
        casca_jgen_map_open(&j);
        casca_jgen_kint(&j, "version", 1);
        gen_fields(&j, d);
        casca_jgen_map_close(&j);
        text = casca_jgen_finish(&j, err);
        if (!text)
                return casca_error_prefix(err, "network `%s`", d->name);
        return casca_fs_replace_file(dir, DEF_FILE, text, strlen(text), 0600, err);
}

/* key: a CIDR (ret_cidr) or an address (ret_ip); absent is fine. */
static int def_addr(const struct casca_json *root, const char *key, struct casca_cidr *ret_cidr,
                    struct casca_ip *ret_ip, bool *has)
{
        const struct casca_json *v = casca_json_get(root, key);
        const char *s = casca_json_str(v);

        if (!v)
                return 0;
        if (!s || (ret_cidr ? casca_cidr_parse(s, ret_cidr) : casca_ip_parse(s, ret_ip)) < 0)
                return -EINVAL;
        if (has)
                *has = true;
        return 0;
}

static int parse_def(const char *text, size_t len, const char *path, struct casca_netdef **ret,
                     struct casca_error **err)
{
        _cleanup_netdef_ struct casca_netdef *d = calloc(1, sizeof(*d));
        _cleanup_json_ struct casca_json *root = NULL;
        _cleanup_free_ char *driver = NULL;
        uint32_t mtu = 0;
        int r;

        if (!d)
                return casca_error_set(err, ENOMEM, "network definition");
        root = casca_json_parse(text, len, err);
        if (!root)
                return casca_error_prefix(err, "`%s`", path);
        r = casca_json_req_string(root, "name", NULL, &d->name, err);
        if (r >= 0)
                r = casca_json_opt_string(root, "driver", NULL, &driver, err);
        if (r >= 0)
                r = casca_json_opt_string(root, "bridge", NULL, &d->bridge, err);
        if (r >= 0)
                r = casca_json_opt_string(root, "parent", NULL, &d->parent, err);
        if (r >= 0)
                r = casca_json_opt_string(root, "mode", NULL, &d->mode, err);
        if (r >= 0)
                r = casca_json_opt_bool(root, "internal", NULL, &d->internal, err);
        if (r >= 0)
                r = casca_json_opt_bool(root, "dns", NULL, &d->dns, err);
        if (r >= 0)
                r = casca_json_opt_u32(root, "mtu", NULL, &mtu, err);
        if (r >= 0)
                r = casca_json_opt_string(root, "created", NULL, &d->created, err);
        if (r >= 0)
                r = casca_json_opt_string(root, "state", NULL, &d->state, err);
        if (r < 0)
                return casca_error_prefix(err, "`%s`", path);
        d->mtu = mtu;
        if (!driver || strcmp(driver, "bridge") == 0)
                d->driver = CASCA_NETDRV_BRIDGE;
        else if (strcmp(driver, "macvlan") == 0)
                d->driver = CASCA_NETDRV_MACVLAN;
        else if (strcmp(driver, "ipvlan") == 0)
                d->driver = CASCA_NETDRV_IPVLAN;
        else
                return casca_error_setx(err, EINVAL, "`%s`: driver: unknown driver \"%s\"", path,
                                        driver);
        if (def_addr(root, "subnet", &d->subnet, NULL, NULL) < 0 ||
            def_addr(root, "gateway", NULL, &d->gateway, &d->has_gateway) < 0 ||
            def_addr(root, "subnet6", &d->subnet6, NULL, &d->has_ipv6) < 0 ||
            def_addr(root, "gateway6", NULL, &d->gateway6, NULL) < 0 || !d->subnet.ip.family)
                return casca_error_setx(err, EINVAL, "`%s`: not a casca network definition", path);
        if (!d->state && !(d->state = strdup("ready")))
                return casca_error_set(err, ENOMEM, "network definition");
        *ret = TAKE_PTR(d);
        return 0;
}

int casca_netdef_load(const char *state_root, const char *name, struct casca_netdef **ret,
                      struct casca_error **err)
{
        _cleanup_free_ char *dir = NULL, *path = NULL, *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t cap = 0;
        ssize_t n;

        if (!casca_netdef_valid_name(name))
                return casca_error_setx(err, EINVAL,
                                        "invalid network name \"%s\": letters, digits and _ . - "
                                        "(not first), at most 64",
                                        name ? name : "");
        dir = casca_netdef_dir(state_root, name);
        if (!dir || asprintf(&path, "%s/" DEF_FILE, dir) < 0)
                return casca_error_set(err, ENOMEM, "network `%s`", name);
        f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT)
                        return casca_error_setx(err, ENOENT, "network `%s` does not exist", name);
                return casca_error_set(err, errno, "open `%s`", path);
        }
        n = getdelim(&text, &cap, '\0', f);
        if (n < 0)
                return casca_error_set(err, errno ? errno : EIO, "read `%s`", path);
        return parse_def(text, (size_t)n, path, ret, err);
}

/* ---- locks ------------------------------------------------------------------- */

static int lock_file(const char *dir, const char *name, int op, struct casca_error **err)
{
        _cleanup_close_ int fd = -1;
        char path[PATH_MAX];
        int r;

        if (casca_snprintf(path, sizeof(path), "%s/%s", dir, name) < 0)
                return casca_error_setx(err, ENAMETOOLONG, "`%s/%s`: path too long", dir, name);
        r = casca_fs_mkdir_p(dir, 0711, err);
        if (r < 0)
                return r;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", path);
        while (flock(fd, op) < 0)
                if (errno != EINTR)
                        return casca_error_set(err, errno, "lock `%s`", path);
        return TAKE_FD(fd);
}

/* <root>/@networks/lock, exclusive. */
static int lock_all(const char *state_root, struct casca_error **err)
{
        _cleanup_free_ char *dir = NULL;

        if (asprintf(&dir, "%s/" CASCA_NETWORKS_DIR, state_root) < 0)
                return casca_error_set(err, ENOMEM, "networks");
        return lock_file(dir, "lock", LOCK_EX, err);
}

/* ---- the host's routes and addresses ----------------------------------------- */

struct overlap {
        const struct casca_cidr *want;
        bool found;
        char what[96];
        struct casca_cidr hit;
        int oif;
        int ignore; /* routes and addresses of this interface are not in the way */
};

static bool cidr_overlap(const struct casca_cidr *a, const struct casca_cidr *b)
{
        if (a->ip.family != b->ip.family)
                return false;
        return a->prefix <= b->prefix ? casca_cidr_contains(a, &b->ip)
                                      : casca_cidr_contains(b, &a->ip);
}

static bool ignorable(const struct casca_cidr *c)
{
        if (c->ip.family == AF_INET6)
                return (c->ip.addr[0] == 0xfe && (c->ip.addr[1] & 0xc0) == 0x80) ||
                       c->ip.addr[0] == 0xff;
        return c->ip.addr[0] == 127 || c->ip.addr[0] >= 224;
}

static int route_attr_cb(const struct nlattr *a, void *data)
{
        struct overlap *o = data;

        if (mnl_attr_get_type(a) == RTA_DST &&
            mnl_attr_get_payload_len(a) == (o->want->ip.family == AF_INET ? 4u : 16u))
                memcpy(o->hit.ip.addr, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
        else if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
                o->oif = (int)mnl_attr_get_u32(a);
        return MNL_CB_OK;
}

static void note_hit(struct overlap *o, const char *kind)
{
        char c[CASCA_CIDR_STRLEN], dev[IF_NAMESIZE] = "";

        if (o->found || o->hit.prefix == 0 || ignorable(&o->hit) ||
            (o->ignore > 0 && o->oif == o->ignore) || !cidr_overlap(o->want, &o->hit))
                return;
        o->found = true;
        if (o->oif > 0 && !if_indextoname((unsigned)o->oif, dev))
                dev[0] = '\0';
        casca_snprintf_trunc(o->what, sizeof(o->what), "%s %s%s%s", kind,
                             casca_cidr_format(&o->hit, c, sizeof(c)), dev[0] ? " dev " : "", dev);
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
        const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
        struct overlap *o = data;

        if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != o->want->ip.family ||
            rtm->rtm_type != RTN_UNICAST)
                return MNL_CB_OK;
        memset(&o->hit, 0, sizeof(o->hit));
        o->hit.ip.family = rtm->rtm_family;
        o->hit.prefix = rtm->rtm_dst_len;
        o->oif = 0;
        mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, o);
        note_hit(o, "route");
        return MNL_CB_OK;
}

static int addr_attr_cb(const struct nlattr *a, void *data)
{
        struct overlap *o = data;

        if (mnl_attr_get_type(a) == IFA_LOCAL ||
            (mnl_attr_get_type(a) == IFA_ADDRESS && o->hit.ip.addr[0] == 0)) {
                if (mnl_attr_get_payload_len(a) == (o->want->ip.family == AF_INET ? 4u : 16u))
                        memcpy(o->hit.ip.addr, mnl_attr_get_payload(a),
                               mnl_attr_get_payload_len(a));
        }
        return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
        const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
        struct overlap *o = data;

        if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != o->want->ip.family)
                return MNL_CB_OK;
        memset(&o->hit, 0, sizeof(o->hit));
        o->hit.ip.family = ifa->ifa_family;
        mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, o);
        o->hit.prefix = o->hit.ip.family == AF_INET ? 32 : 128;
        o->oif = (int)ifa->ifa_index;
        note_hit(o, "address");
        return MNL_CB_OK;
}

int casca_subnet_check_free(const struct casca_cidr *c, const char *what, int ignore_ifindex,
                            struct casca_error **err)
{
        _cleanup_nl_ struct casca_nl *nl = NULL;
        struct overlap o = {.want = c, .ignore = ignore_ifindex};
        struct nlmsghdr *nlh;
        char buf[CASCA_CIDR_STRLEN];
        int r;

        r = casca_nl_open(NETLINK_ROUTE, -1, &nl, err);
        if (r < 0)
                return r;
        /* dumps that concurrent changes interrupted (EINTR) start again */
        for (int attempt = 0; attempt <= 20; attempt++) {
                o.found = false;
                nlh = casca_nl_request(nl, RTM_GETROUTE, NLM_F_DUMP);
                ((struct rtmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg)))
                        ->rtm_family = (uint8_t)c->ip.family;
                r = casca_nl_talk(nl, nlh, route_cb, &o);
                if (r == -EINTR)
                        continue;
                if (r < 0)
                        return casca_nl_error(nl, r, err, "list the host's routes");
                if (o.found)
                        break;
                nlh = casca_nl_request(nl, RTM_GETADDR, NLM_F_DUMP);
                ((struct ifaddrmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg)))
                        ->ifa_family = (uint8_t)c->ip.family;
                r = casca_nl_talk(nl, nlh, addr_cb, &o);
                if (r != -EINTR)
                        break;
        }
        if (r < 0)
                return casca_nl_error(nl, r, err, "list the host's routes and addresses");
        if (o.found)
                return casca_error_setx(err, EADDRINUSE,
                                        "%s: %s overlaps the host's %s (another network on this "
                                        "host: podman's, libvirt's, docker's?); choose another "
                                        "subnet",
                                        what, casca_cidr_format(c, buf, sizeof(buf)), o.what);
        return 0;
}

/* ---- listing --------------------------------------------------------------- */

static int cmp_def(const void *a, const void *b)
{
        return strcmp((*(struct casca_netdef *const *)a)->name,
                      (*(struct casca_netdef *const *)b)->name);
}

int casca_netdef_list(const char *state_root, struct casca_netdef ***ret, size_t *ret_n,
                      struct casca_error **err)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct casca_netdef **v = NULL;
        size_t n = 0;
        struct dirent *de;

        *ret = NULL;
        *ret_n = 0;
        if (asprintf(&dir, "%s/" CASCA_NETWORKS_DIR, state_root) < 0)
                return casca_error_set(err, ENOMEM, "networks");
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : casca_error_set(err, errno, "open `%s`", dir);
        while ((de = readdir(d))) {
                struct casca_netdef *def = NULL, **nv;
                struct casca_error *e = NULL;

                if (!casca_netdef_valid_name(de->d_name) ||
                    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
                        continue; /* the lock */
                if (de->d_type == DT_UNKNOWN) {
                        struct stat sb;
                        if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
                            !S_ISDIR(sb.st_mode))
                                continue;
                }
                if (casca_netdef_load(state_root, de->d_name, &def, &e) < 0) {
                        /* a create killed before its network.json: a name
                         * and nothing else, shown so that rm can take it */
                        casca_error_free(e);
                        def = calloc(1, sizeof(*def));
                        if (def) {
                                def->name = strdup(de->d_name);
                                def->state = strdup("creating");
                        }
                        if (!def || !def->name || !def->state) {
                                casca_netdef_free(def);
                                casca_netdef_list_free(v, n);
                                return casca_error_set(err, ENOMEM, "networks");
                        }
                }
                nv = reallocarray(v, n + 1, sizeof(*v));
                if (!nv) {
                        casca_netdef_free(def);
                        casca_netdef_list_free(v, n);
                        return casca_error_set(err, ENOMEM, "networks");
                }
                v = nv;
                v[n++] = def;
        }
        if (n)
                qsort(v, n, sizeof(*v), cmp_def);
        *ret = v;
        *ret_n = n;
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int casca_netdef_users(const char *state_root, const char *name, char ***ret,
                       struct casca_error **err)
{
        _cleanup_free_ char *dir = casca_netdef_dir(state_root, name), *leases = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_ char **v = NULL;
        size_t n = 0;
        struct dirent *de;

        if (!dir || asprintf(&leases, "%s/leases", dir) < 0)
                return casca_error_set(err, ENOMEM, "network `%s`", name);
        v = calloc(1, sizeof(char *));
        if (!v)
                return casca_error_set(err, ENOMEM, "network `%s`", name);
        d = opendir(leases);
        if (!d && errno != ENOENT)
                return casca_error_set(err, errno, "open `%s`", leases);
        while (d && (de = readdir(d))) {
                char owner[1100], path[PATH_MAX];
                struct casca_ip ip;
                _cleanup_fclose_ FILE *f = NULL;
                bool dup = false;

                if (casca_ip_parse(de->d_name, &ip) < 0)
                        continue;
                if (casca_snprintf(path, sizeof(path), "%s/%s", leases, de->d_name) < 0)
                        continue;
                f = fopen(path, "re");
                if (!f || !fgets(owner, sizeof(owner), f))
                        continue;
                owner[strcspn(owner, "\n")] = '\0';
                if (strcmp(owner, "@host") == 0)
                        continue; /* an address of a macvlan parent */
                for (size_t i = 0; i < n && !dup; i++)
                        dup = strcmp(v[i], owner) == 0;
                if (dup)
                        continue;
                char **nv = reallocarray(v, n + 2, sizeof(char *));
                if (!nv)
                        return casca_error_set(err, ENOMEM, "network `%s`", name);
                v = nv;
                if (!(v[n] = strdup(owner)))
                        return casca_error_set(err, ENOMEM, "network `%s`", name);
                v[++n] = NULL;
        }
        qsort(v, n, sizeof(char *), cmp_str);
        *ret = TAKE_PTR(v);
        return 0;
}

/* ---- removing -------------------------------------------------------------- */

/* rm -r of name under dfd (no symlinks followed). */
static int rm_tree(int dfd, const char *name)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                int r;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                r = rm_tree(dirfd(d), de->d_name);
                if (r < 0)
                        return r;
        }
        if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

/* Undo what d (or, without a definition, the name alone) may have made, then
 * the directory.  Caller holds the global lock. */
static int undo_network(const char *state_root, const char *name, struct casca_netdef *d,
                        struct casca_error **err)
{
        _cleanup_free_ char *dir = casca_netdef_dir(state_root, name), *parent = NULL;
        _cleanup_close_ int pfd = -1;
        char tag[160], brbuf[IFNAMSIZ];
        int r;

        if (!dir || asprintf(&parent, "%s/" CASCA_NETWORKS_DIR, state_root) < 0)
                return casca_error_set(err, ENOMEM, "network `%s`", name);
        if (d) {
                free(d->state);
                d->state = strdup("removing");
                if (!d->state)
                        return casca_error_set(err, ENOMEM, "network `%s`", name);
                r = save_def(dir, d, err);
                if (r < 0)
                        return r;
        }
        r = casca_dns_stop(dir, err);
        if (r < 0)
                return casca_error_prefix(err, "network `%s`", name);
        casca_nat_net_tag(name, tag, sizeof(tag));
        r = casca_nat_del_tag(tag, err);
        if (r < 0)
                return casca_error_prefix(err, "network `%s`", name);
        if (!d || d->driver == CASCA_NETDRV_BRIDGE) {
                _cleanup_nl_ struct casca_nl *nl = NULL;
                struct casca_link_info li;
                const char *br = d && d->bridge ? d->bridge : brbuf;

                if (br == brbuf)
                        bridge_name(name, brbuf);
                r = casca_nl_open(NETLINK_ROUTE, -1, &nl, err);
                if (r < 0)
                        return r;
                /* only a bridge in casca's group is ours to delete */
                r = casca_link_get(nl, br, &li);
                if (r == 0 && strcmp(li.kind, "bridge") == 0 && li.group == CASCA_BRIDGE_GROUP) {
                        r = casca_link_del(nl, br, err);
                        if (r < 0 && r != -ENODEV)
                                return casca_error_prefix(err, "network `%s`", name);
                }
        }
        pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
                return errno == ENOENT ? 0 : casca_error_set(err, errno, "open `%s`", parent);
        r = rm_tree(pfd, name);
        if (r < 0)
                return casca_error_set(err, -r, "remove `%s`", dir);
        return 0;
}

static int remove_locked(const char *state_root, const char *name, struct casca_error **err)
{
        _cleanup_netdef_ struct casca_netdef *d = NULL;
        _cleanup_free_ char *dir = casca_netdef_dir(state_root, name);
        _cleanup_strv_ char **users = NULL;
        _cleanup_close_ int lk = -1;
        struct casca_error *e = NULL;
        struct stat sb;
        int r;

        if (!dir)
                return casca_error_set(err, ENOMEM, "network `%s`", name);
        if (stat(dir, &sb) < 0)
                return casca_error_setx(err, ENOENT, "network `%s` does not exist", name);
        r = casca_netdef_load(state_root, name, &d, &e);
        if (r < 0 && r != -ENOENT && r != -EINVAL) {
                if (err && !*err)
                        *err = e;
                else
                        casca_error_free(e);
                return r;
        }
        casca_error_free(e);
        /* wait for the containers joining it right now */
        lk = lock_file(dir, "lock", LOCK_EX, err);
        if (lk < 0)
                return lk;
        r = casca_netdef_users(state_root, name, &users, err);
        if (r < 0)
                return r;
        if (users[0]) {
                _cleanup_free_ char *list = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&list, &len);
                for (size_t i = 0; f && users[i]; i++)
                        fprintf(f, "%s`%s`", i ? ", " : "", users[i]);
                if (f)
                        fclose(f);
                return casca_error_setx(
                        err, EBUSY, "network `%s` is in use by container%s %s: delete %s first",
                        name, users[1] ? "s" : "", list ? list : "?", users[1] ? "them" : "it");
        }
        return undo_network(state_root, name, d, err);
}

int casca_netdef_remove(const char *state_root, const char *name, struct casca_error **err)
{
        _cleanup_close_ int lk = -1;

        if (!casca_netdef_valid_name(name))
                return casca_error_setx(err, EINVAL, "invalid network name \"%s\"", name);
        lk = lock_all(state_root, err);
        if (lk < 0)
                return lk;
        return remove_locked(state_root, name, err);
}

int casca_netdef_prune(const char *state_root, char ***ret, struct casca_error **err)
{
        struct casca_netdef **v = NULL;
        _cleanup_strv_ char **out = calloc(1, sizeof(char *));
        _cleanup_close_ int lk = -1;
        size_t n = 0, k = 0;
        int r;

        if (!out)
                return casca_error_set(err, ENOMEM, "prune");
        lk = lock_all(state_root, err);
        if (lk < 0)
                return lk;
        r = casca_netdef_list(state_root, &v, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_strv_ char **users = NULL;
                struct casca_error *e = NULL;

                if (strcmp(v[i]->name, CASCA_DEFAULT_NETWORK) == 0 &&
                    strcmp(v[i]->state, "ready") == 0)
                        continue;
                if (casca_netdef_users(state_root, v[i]->name, &users, &e) < 0 || users[0]) {
                        casca_error_free(e);
                        continue;
                }
                r = remove_locked(state_root, v[i]->name, err);
                if (r == -EBUSY) { /* a container joined meanwhile */
                        casca_error_free(*err);
                        *err = NULL;
                        continue;
                }
                if (r < 0) {
                        casca_netdef_list_free(v, n);
                        return r;
                }
                char **nv = reallocarray(out, k + 2, sizeof(char *));
                if (nv)
                        out = nv;
                if (!nv || !(out[k] = strdup(v[i]->name))) {
                        casca_netdef_list_free(v, n);
                        return casca_error_set(err, ENOMEM, "prune");
                }
                out[++k] = NULL;
        }
        casca_netdef_list_free(v, n);
        *ret = TAKE_PTR(out);
        return 0;
}

/* ---- creating -------------------------------------------------------------- */

static int parse_opt_cidr(const char *s, int family, const char *what, struct casca_cidr *ret,
                          struct casca_error **err)
{
        struct casca_ip net;

        if (casca_cidr_parse(s, ret) < 0 || ret->ip.family != family)
                return casca_error_setx(err, EINVAL, "%s: invalid %s CIDR \"%s\"", what,
                                        family == AF_INET ? "IPv4" : "IPv6", s);
        casca_cidr_network(ret, &net);
        if (!casca_ip_equal(&net, &ret->ip))
                return casca_error_setx(err, EINVAL, "%s: \"%s\" has host bits set", what, s);
        if (ret->prefix > (family == AF_INET ? 30u : 126u))
                return casca_error_setx(err, EINVAL, "%s: \"%s\" is too small", what, s);
        return 0;
}

/* Does c overlap the subnet of another network? */
static int check_networks(const char *state_root, const char *self, const struct casca_cidr *c,
                          const char *what, struct casca_error **err)
{
        struct casca_netdef **v = NULL;
        char buf[CASCA_CIDR_STRLEN], other[CASCA_CIDR_STRLEN];
        size_t n = 0;
        int r;

        r = casca_netdef_list(state_root, &v, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const struct casca_netdef *o = v[i];
                const struct casca_cidr *oc = c->ip.family == AF_INET ? &o->subnet : &o->subnet6;

                if (strcmp(o->name, self) == 0 || !o->subnet.ip.family ||
                    (c->ip.family == AF_INET6 && !o->has_ipv6) || !cidr_overlap(c, oc))
                        continue;
                r = casca_error_setx(err, EADDRINUSE,
                                     "%s: %s overlaps network `%s` (%s); choose another subnet",
                                     what, casca_cidr_format(c, buf, sizeof(buf)), o->name,
                                     casca_cidr_format(oc, other, sizeof(other)));
                casca_netdef_list_free(v, n);
                return r;
        }
        casca_netdef_list_free(v, n);
        return 0;
}

/* The first free /prefix from first to last (IPv4, host order). */
static int pick_subnet(const char *state_root, const char *self, uint32_t first, uint32_t last,
                       unsigned prefix, struct casca_cidr *ret, struct casca_error **err)
{
        uint32_t step = UINT32_C(1) << (32 - prefix);

        for (uint64_t a = first; a <= last; a += step) {
                struct casca_cidr c = {.ip = {.family = AF_INET}, .prefix = prefix};
                struct casca_error *e = NULL;

                c.ip.addr[0] = (uint8_t)(a >> 24);
                c.ip.addr[1] = (uint8_t)(a >> 16);
                c.ip.addr[2] = (uint8_t)(a >> 8);
                c.ip.addr[3] = (uint8_t)a;
                if (check_networks(state_root, self, &c, "subnet", &e) == 0 &&
                    casca_subnet_check_free(&c, "subnet", 0, &e) == 0) {
                        *ret = c;
                        return 0;
                }
                if (e && e->code != EADDRINUSE) {
                        if (err && !*err)
                                *err = e;
                        else
                                casca_error_free(e);
                        return -EIO;
                }
                casca_error_free(e);
        }
        return casca_error_setx(
                err, ENOSPC, "no free subnet left for network `%s`: give one with --subnet", self);
}

static int validate(const char *state_root, const struct casca_netdef_opts *o,
                    struct casca_netdef *d, struct casca_error **err)
{
        int r;

        if (!o->driver || strcmp(o->driver, "bridge") == 0)
                d->driver = CASCA_NETDRV_BRIDGE;
        else if (strcmp(o->driver, "macvlan") == 0)
                d->driver = CASCA_NETDRV_MACVLAN;
        else if (strcmp(o->driver, "ipvlan") == 0)
                d->driver = CASCA_NETDRV_IPVLAN;
        else
                return casca_error_setx(err, EINVAL,
                                        "--driver: unknown driver \"%s\" (bridge, macvlan, ipvlan)",
                                        o->driver);
        if (o->mtu && (o->mtu < 68 || o->mtu > 65535))
                return casca_error_setx(err, EINVAL, "--mtu: expected 68..65535");
        d->mtu = o->mtu;
        d->internal = o->internal;
        if (d->driver == CASCA_NETDRV_BRIDGE) {
                char br[IFNAMSIZ];

                if (o->parent || o->mode)
                        return casca_error_setx(err, EINVAL,
                                                "--%s: only for the macvlan and ipvlan drivers",
                                                o->parent ? "parent" : "mode");
                /* by default on where dnsmasq is installed (recorded: a
                 * network never changes its mind); --dns insists */
                if (o->dns > 0 && access(CASCA_DNSMASQ, X_OK) < 0)
                        return casca_error_setx(err, ENOENT,
                                                "--dns: " CASCA_DNSMASQ " is not installed "
                                                "(Debian: dnsmasq-base)");
                d->dns = o->dns > 0 || (o->dns < 0 && access(CASCA_DNSMASQ, X_OK) == 0);
                bridge_name(d->name, br);
                if (!(d->bridge = strdup(br)))
                        return casca_error_set(err, ENOMEM, "network");
        } else {
                static const char *const mv[] = {"bridge", "private", "vepa", "passthru", NULL},
                                         *const iv[] = {"l2", "l3", "l3s", NULL};
                const char *const *modes = d->driver == CASCA_NETDRV_MACVLAN ? mv : iv;
                const char *mode = o->mode ? o->mode : modes[0];
                bool ok = false;

                if (!o->parent)
                        return casca_error_setx(err, EINVAL, "--parent: required for the %s driver",
                                                driver_name(d->driver));
                if (!casca_ifname_valid(o->parent))
                        return casca_error_setx(err, EINVAL, "--parent: invalid interface \"%s\"",
                                                o->parent);
                if (o->dns > 0)
                        return casca_error_setx(err, EINVAL,
                                                "--dns: not on a %s network (the host cannot reach "
                                                "its %s children through the parent)",
                                                driver_name(d->driver), driver_name(d->driver));
                if (o->internal)
                        return casca_error_setx(err, EINVAL,
                                                "--internal: only for the bridge driver");
                if (!o->subnet)
                        return casca_error_setx(err, EINVAL,
                                                "--subnet: required for the %s driver (the "
                                                "parent's LAN)",
                                                driver_name(d->driver));
                for (size_t i = 0; modes[i]; i++)
                        ok = ok || strcmp(mode, modes[i]) == 0;
                if (!ok)
                        return casca_error_setx(err, EINVAL, "--mode: \"%s\" is not a %s mode",
                                                mode, driver_name(d->driver));
                if (!(d->parent = strdup(o->parent)) || !(d->mode = strdup(mode)))
                        return casca_error_set(err, ENOMEM, "network");
        }

        if (o->subnet) {
                r = parse_opt_cidr(o->subnet, AF_INET, "--subnet", &d->subnet, err);
                if (r < 0)
                        return r;
                r = check_networks(state_root, d->name, &d->subnet, "--subnet", err);
                /* a macvlan subnet is the parent's LAN: it has a route */
                if (r >= 0 && d->driver == CASCA_NETDRV_BRIDGE)
                        r = casca_subnet_check_free(&d->subnet, "--subnet", 0, err);
                if (r < 0)
                        return r;
        } else if (strcmp(d->name, CASCA_DEFAULT_NETWORK) == 0) {
                /* like libvirt's default network: one /16 nobody uses,
                 * from 10.66/16 to 10.79/16 (podman 10.88/16 and
                 * 10.89.x/24, docker 172.17+/16, libvirt 192.168.122/24
                 * are the usual neighbours: never in that range) */
                r = pick_subnet(state_root, d->name, 0x0a420000, 0x0a4f0000, 16, &d->subnet, err);
                if (r < 0)
                        return r;
        } else {
                /* other networks: a /24 from 10.90.0.0/24 to 10.99.255.0/24 */
                r = pick_subnet(state_root, d->name, 0x0a5a0000, 0x0a63ff00, 24, &d->subnet, err);
                if (r < 0)
                        return r;
        }
        if (o->gateway) {
                if (casca_ip_parse(o->gateway, &d->gateway) < 0 || d->gateway.family != AF_INET)
                        return casca_error_setx(
                                err, EINVAL, "--gateway: invalid IPv4 address \"%s\"", o->gateway);
                uint64_t off;
                if (casca_cidr_offset(&d->subnet, &d->gateway, &off) < 0 || off < 1 ||
                    off > casca_cidr_last_host(&d->subnet))
                        return casca_error_setx(err, EINVAL, "--gateway: %s is not in the subnet",
                                                o->gateway);
                d->has_gateway = true;
        } else if (d->driver == CASCA_NETDRV_BRIDGE) {
                casca_cidr_nth(&d->subnet, 1, &d->gateway);
                d->has_gateway = true;
        }
        if (o->ipv6) {
                if (d->driver != CASCA_NETDRV_BRIDGE)
                        return casca_error_setx(err, EINVAL, "--ipv6: only for the bridge driver");
                r = parse_opt_cidr(o->ipv6, AF_INET6, "--ipv6", &d->subnet6, err);
                if (r >= 0)
                        r = check_networks(state_root, d->name, &d->subnet6, "--ipv6", err);
                if (r >= 0)
                        r = casca_subnet_check_free(&d->subnet6, "--ipv6", 0, err);
                if (r < 0)
                        return r;
                casca_cidr_nth(&d->subnet6, 1, &d->gateway6);
                d->has_ipv6 = true;
        }
        return 0;
}

/* The bridge: created (a link of that name that exists is refused: it is
 * not ours), in casca's group, MTU, gateway address(es), up. */
static int make_bridge(const struct casca_netdef *d, struct casca_error **err)
{
        _cleanup_nl_ struct casca_nl *nl = NULL;
        struct casca_link_change ch = {.up = 1, .netns_fd = -1, .group = CASCA_BRIDGE_GROUP};
        struct casca_link_info li;
        struct casca_cidr gw;
        int r;

        r = casca_nl_open(NETLINK_ROUTE, -1, &nl, err);
        if (r < 0)
                return r;
        r = casca_bridge_add(nl, d->bridge, err);
        if (r == -EEXIST)
                return casca_error_setx(err, EEXIST,
                                        "network `%s`: interface `%s` already exists (not made by "
                                        "casca)",
                                        d->name, d->bridge);
        if (r < 0)
                return r;
        r = casca_link_get(nl, d->bridge, &li);
        if (r < 0)
                return casca_nl_error(nl, r, err, "look up bridge `%s`", d->bridge);
        ch.mtu = d->mtu;
        /* the group first, up last: the rules that isolate it match the group */
        r = casca_link_set(nl, li.index,
                           &(struct casca_link_change){.netns_fd = -1, .group = CASCA_BRIDGE_GROUP},
                           err);
        if (r < 0)
                return r;
        gw = (struct casca_cidr){.ip = d->gateway, .prefix = d->subnet.prefix};
        r = casca_addr_add(nl, li.index, &gw, err);
        if (r >= 0 && d->has_ipv6) {
                gw = (struct casca_cidr){.ip = d->gateway6, .prefix = d->subnet6.prefix};
                r = casca_addr_add(nl, li.index, &gw, err);
        }
        if (r < 0)
                return casca_error_prefix(err, "bridge `%s`", d->bridge);
        return casca_link_set(nl, li.index, &ch, err);
}

static int sysctls(const struct casca_netdef *d, struct casca_error **err)
{
        int r;

        if (d->internal)
                return 0;
        r = casca_sysctl_write("/proc/sys/net/ipv4/ip_forward", "1", err);
        if (r >= 0 && d->has_ipv6)
                r = casca_sysctl_write("/proc/sys/net/ipv6/conf/all/forwarding", "1", err);
        return r;
}

/* macvlan/ipvlan: the parent must exist; its own addresses in the subnet
 * are leased to "@host" so that no container gets one of them. */
static int prepare_parent(const char *dir, const struct casca_netdef *d, struct casca_error **err)
{
        _cleanup_nl_ struct casca_nl *nl = NULL;
        _cleanup_free_ struct casca_cidr *addrs = NULL;
        _cleanup_free_ char *leases = NULL;
        struct casca_link_info li;
        size_t n = 0;
        int r;

        r = casca_nl_open(NETLINK_ROUTE, -1, &nl, err);
        if (r < 0)
                return r;
        r = casca_link_get(nl, d->parent, &li);
        if (r < 0)
                return casca_nl_error(nl, r, err, "--parent: interface `%s`", d->parent);
        r = casca_addr_list(nl, li.index, &addrs, &n, err);
        if (r < 0)
                return r;
        if (asprintf(&leases, "%s/leases", dir) < 0)
                return casca_error_set(err, ENOMEM, "network");
        for (size_t i = 0; i < n; i++) {
                struct casca_ip got;
                if (!casca_cidr_contains(&d->subnet, &addrs[i].ip))
                        continue;
                r = casca_ipam_allocate(leases, &d->subnet, NULL, &addrs[i].ip, "@host", &got, err);
                if (r < 0)
                        return r;
        }
        if (d->has_gateway) {
                struct casca_ip got;
                struct casca_error *e = NULL;
                /* already leased (the gateway is a parent's address): fine */
                (void)casca_ipam_allocate(leases, &d->subnet, NULL, &d->gateway, "@host", &got, &e);
                casca_error_free(e);
        }
        return 0;
}

static int create_locked(const char *state_root, const struct casca_netdef_opts *o,
                         struct casca_netdef **ret, struct casca_error **err)
{
        _cleanup_netdef_ struct casca_netdef *d = calloc(1, sizeof(*d));
        _cleanup_free_ char *dir = NULL;
        struct stat sb;
        int r;

        if (!d)
                return casca_error_set(err, ENOMEM, "network");
        if (!casca_netdef_valid_name(o->name))
                return casca_error_setx(err, EINVAL,
                                        "invalid network name \"%s\": letters, digits and _ . - "
                                        "(not first), at most 64",
                                        o->name ? o->name : "");
        dir = casca_netdef_dir(state_root, o->name);
        if (!dir || !(d->name = strdup(o->name)))
                return casca_error_set(err, ENOMEM, "network");
        if (stat(dir, &sb) == 0) {
                _cleanup_netdef_ struct casca_netdef *old = NULL;
                struct casca_error *e = NULL;

                r = casca_netdef_load(state_root, o->name, &old, &e);
                casca_error_free(e);
                if (r == 0 && strcmp(old->state, "ready") == 0)
                        return casca_error_setx(err, EEXIST, "network `%s` already exists",
                                                o->name);
                /* a create or rm that was killed: we hold the lock, so
                 * nobody is working on it; finish removing it */
                r = remove_locked(state_root, o->name, err);
                if (r < 0)
                        return casca_error_prefix(err, "remove the leftover of network `%s`",
                                                  o->name);
        }
        r = validate(state_root, o, d, err);
        if (r < 0)
                return r;
        d->created = casca_now_rfc3339(false);
        d->state = strdup("creating");
        if (!d->created || !d->state)
                return casca_error_set(err, ENOMEM, "network");

        r = casca_fs_mkdir_p(dir, 0711, err);
        if (r < 0)
                return r;
        r = save_def(dir, d, err);
        if (r < 0)
                return r;
        casca_network_step("network-recorded");
        if (d->driver == CASCA_NETDRV_BRIDGE) {
                r = make_bridge(d, err);
                if (r >= 0) {
                        casca_network_step("network-bridge");
                        r = casca_nat_network_add(d, err);
                }
                if (r >= 0)
                        r = sysctls(d, err);
        } else {
                r = prepare_parent(dir, d, err);
        }
        if (r >= 0) {
                casca_network_step("network-made");
                free(d->state);
                d->state = strdup("ready");
                r = d->state ? save_def(dir, d, err) : casca_error_set(err, ENOMEM, "network");
        }
        if (r < 0) {
                struct casca_error *e = NULL;
                (void)undo_network(state_root, d->name, d, &e);
                casca_error_free(e);
                return casca_error_prefix(err, "network `%s`", o->name);
        }
        if (ret)
                *ret = TAKE_PTR(d);
        return 0;
}

int casca_netdef_create(const char *state_root, const struct casca_netdef_opts *o,
                        struct casca_netdef **ret, struct casca_error **err)
{
        _cleanup_close_ int lk = -1;
        /* the libraries first: a missing one fails before anything is made */
        int r = casca_netlibs_load(NETLINK_NETFILTER, err);

        if (r < 0)
                return casca_error_prefix(err, "network create");
        lk = lock_all(state_root, err);
        if (lk < 0)
                return lk;
        return create_locked(state_root, o, ret, err);
}

int casca_netdef_use(const char *state_root, const char *name, struct casca_netdef **ret,
                     struct casca_error **err)
{
        struct casca_netdef_opts o = {.name = name, .dns = -1};
        struct casca_error *e = NULL;
        _cleanup_close_ int lk = -1;
        int r;

        r = casca_netdef_load(state_root, name, ret, &e);
        if (r == 0 && strcmp((*ret)->state, "ready") == 0) {
                return 0;
        }
        if (r == 0) {
                casca_netdef_free(*ret);
                *ret = NULL;
        }
        if (strcmp(name, CASCA_DEFAULT_NETWORK) != 0 || (r < 0 && r != -ENOENT)) {
                if (r == 0)
                        return casca_error_setx(err, EAGAIN,
                                                "network `%s` is incomplete (a killed create or "
                                                "rm): remove it with `casca network rm %s`",
                                                name, name);
                if (err && !*err)
                        *err = e;
                else
                        casca_error_free(e);
                return r;
        }
        casca_error_free(e);
        /* the default network, made on first use */
        lk = lock_all(state_root, err);
        if (lk < 0)
                return lk;
        e = NULL;
        if (casca_netdef_load(state_root, name, ret, &e) == 0) {
                if (strcmp((*ret)->state, "ready") == 0)
                        return 0;
                casca_netdef_free(*ret);
                *ret = NULL;
        }
        casca_error_free(e);
        return create_locked(state_root, &o, ret, err);
}

int casca_netdef_join(const char *state_root, const char *name, struct casca_netdef **ret,
                      int *ret_lock, struct casca_error **err)
{
        _cleanup_netdef_ struct casca_netdef *d = NULL;
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -1, lk = -1;
        int r;

        r = casca_netdef_use(state_root, name, &d, err);
        if (r < 0)
                return r;
        casca_netdef_free(TAKE_PTR(d));
        dir = casca_netdef_dir(state_root, name);
        if (!dir)
                return casca_error_set(err, ENOMEM, "network `%s`", name);
        /* no mkdir: a network removed meanwhile stays removed */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return errno == ENOENT
                               ? casca_error_setx(err, ENOENT, "network `%s` does not exist", name)
                               : casca_error_set(err, errno, "open `%s`", dir);
        lk = openat(dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lk < 0)
                return casca_error_set(err, errno, "open `%s/lock`", dir);
        while (flock(lk, LOCK_SH) < 0)
                if (errno != EINTR)
                        return casca_error_set(err, errno, "lock `%s/lock`", dir);
        /* what rm left (or not) while we waited for the lock */
        r = casca_netdef_load(state_root, name, &d, err);
        if (r < 0)
                return r;
        if (strcmp(d->state, "ready") != 0)
                return casca_error_setx(err, EAGAIN,
                                        "network `%s` is %s: remove it with `casca network rm %s`",
                                        name, d->state, name);
        *ret = TAKE_PTR(d);
        *ret_lock = TAKE_FD(lk);
        return 0;
}

/* ---- inspect ----------------------------------------------------------------- */

char *casca_netdef_to_json(const struct casca_netdef *d, char *const *users,
                           struct casca_error **err)
{
        struct casca_jgen j;

        if (casca_jgen_init(&j, CASCA_JGEN_PRETTY | CASCA_JGEN_UTF8, err) < 0)
                return NULL;
        casca_jgen_map_open(&j);
        gen_fields(&j, d);
        casca_jgen_str(&j, "containers");
        casca_jgen_array_open(&j);
        for (size_t i = 0; users && users[i]; i++)
                casca_jgen_str(&j, users[i]);
        casca_jgen_array_close(&j);
        casca_jgen_map_close(&j);
        return casca_jgen_finish(&j, err);
}
