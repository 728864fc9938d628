/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-cgroupfs.c - the cgroup manager on a fake tree: a temporary
 * directory of plain files standing in for cgroup2 control files (set with
 * casca_cgroup_set_mountpoint; the host's /sys/fs/cgroup is never used).
 * What needs a kernel (rmdir of a real cgroup, freezing, killing, limits)
 * runs in the VM lane: tests/integration/cgroup-manager.bats. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casca.h"
#include "cgroup/cgroup.h"
#include "tap.h"
#include "util/cleanup.h"

/* The "data" object of `events --stats`, as one line of JSON. */
static int stats_json(struct casca_cgroup *cg, char **ret)
{
        struct casca_jgen j;
        int r;

        *ret = NULL;
        if (casca_jgen_init(&j, 0, NULL) < 0)
                return -ENOMEM;
        r = casca_cgroup_stats(cg, &j, NULL);
        if (r < 0) {
                casca_jgen_done(&j);
                return r;
        }
        *ret = casca_jgen_finish(&j, NULL);
        return *ret ? 0 : -EINVAL;
}

static char root[] = "/tmp/casca-cgtest.XXXXXX";

static void put(const char *rel, const char *content)
{
        char p[4096];
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s", root, rel);
        f = fopen(p, "we");
        if (!f)
                return;
        fputs(content, f);
        fclose(f);
}

static char got[4096];
static const char *get(const char *rel)
{
        char p[4096];
        FILE *f;
        size_t n;

        snprintf(p, sizeof(p), "%s/%s", root, rel);
        got[0] = '\0';
        f = fopen(p, "re");
        if (!f)
                return "(missing)";
        n = fread(got, 1, sizeof(got) - 1, f);
        got[n] = '\0';
        fclose(f);
        return got;
}

static bool exists(const char *rel)
{
        char p[4096];

        snprintf(p, sizeof(p), "%s/%s", root, rel);
        return access(p, F_OK) == 0;
}

static void mkd(const char *rel)
{
        char p[4096];

        snprintf(p, sizeof(p), "%s/%s", root, rel);
        mkdir(p, 0755);
}

/* A leaf cgroup as the kernel would show it. */
static void fake_cgroup(const char *rel, const char *controllers)
{
        char f[512];

        mkd(rel);
        snprintf(f, sizeof(f), "%s/cgroup.controllers", rel);
        put(f, controllers);
        static const char *const files[] = {
                "cgroup.procs", "cgroup.freeze",   "cgroup.subtree_control",
                "memory.max",   "memory.swap.max", "pids.max",
                "cpu.max",      "cpu.weight"};
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                snprintf(f, sizeof(f), "%s/%s", rel, files[i]);
                put(f, "");
        }
        snprintf(f, sizeof(f), "%s/cgroup.events", rel);
        put(f, "populated 0\nfrozen 0\n");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

/* rm -rf root/rel */
static int rm_rf(const char *rel)
{
        char p[4096];

        snprintf(p, sizeof(p), "%s/%s", root, rel);
        return nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_paths(void)
{
        _cleanup_error_ struct casca_error *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;
        _cleanup_free_ char *p1 = NULL, *p2 = NULL, *p3 = NULL, *p4 = NULL;

        is_int(casca_cgroup_resolve_path(NULL, "ctr1", &p1, NULL), 0, "default path");
        is_str(p1, geteuid() == 0 ? "/casca/ctr1" : p1, "default: /casca/<id> for root");
        is_int(casca_cgroup_resolve_path("/a//./b/", "x", &p2, NULL), 0, "absolute path");
        is_str(p2, "/a/b", "absolute paths are normalised");
        is_int(casca_cgroup_resolve_path("/a/../b", "x", &p3, &e1), -EINVAL, "\"..\" is refused");
        is_str(e1 ? e1->msg : NULL, "linux.cgroupsPath `/a/../b`: \"..\" is not allowed",
               "... with the JSON path");
        is_int(casca_cgroup_resolve_path("/", "x", &p3, &e2), -EINVAL, "the root is refused");
        is_int(casca_cgroup_resolve_path(NULL, "a/b", &p3, &e3), -EINVAL,
               "an id with a slash is refused");
        is_int(casca_cgroup_resolve_path("", "..", &p3, &e4), -EINVAL, "an id \"..\" is refused");
        /* relative: below the parent of our own cgroup (0::/... in /proc/self/cgroup) */
        is_int(casca_cgroup_resolve_path("pod/ctr", "x", &p4, NULL), 0, "relative path");
        ok(p4 && strlen(p4) >= 8 && strcmp(p4 + strlen(p4) - 8, "/pod/ctr") == 0,
           "relative path ends up below our parent cgroup (%s)", p4 ? p4 : "");
}

/* The systemd driver's names: runc's "slice:prefix:name". */
static void test_systemd_names(void)
{
        static const struct {
                const char *in, *unit, *path;
        } good[] = {
                {NULL, "casca-x.scope", "/system.slice/casca-x.scope"},
                {"", "casca-x.scope", "/system.slice/casca-x.scope"},
                {"system.slice:casca:abc", "casca-abc.scope", "/system.slice/casca-abc.scope"},
                {"machine-foo.slice:libpod:1", "libpod-1.scope",
                 "/machine.slice/machine-foo.slice/libpod-1.scope"},
                {"a-b-c.slice:p:n", "p-n.scope", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope"},
                {":casca:y", "casca-y.scope", "/system.slice/casca-y.scope"},
                {"system.slice::y", "y.scope", "/system.slice/y.scope"},
                {"-.slice:casca:y", "casca-y.scope", "/casca-y.scope"},
        };
        static const char *const bad[] = {"/a/b",
                                          "a:b",
                                          "a:b:c:d",
                                          "foo:casca:x",
                                          "-a.slice:p:n",
                                          "a-.slice:p:n",
                                          "a--b.slice:p:n",
                                          "system.slice:casca:",
                                          "system.slice:casca:a/b",
                                          "system.slice:casca:x.slice"};

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                _cleanup_free_ char *unit = NULL, *path = NULL;

                is_int(casca_cgroup_systemd_resolve(good[i].in, "x", &unit, &path, NULL), 0,
                       "systemd: `%s` resolves", good[i].in ? good[i].in : "(null)");
                is_str(unit, good[i].unit, "... unit %s", good[i].unit);
                is_str(path, good[i].path, "... cgroup %s", good[i].path);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                _cleanup_error_ struct casca_error *e = NULL;
                _cleanup_free_ char *unit = NULL, *path = NULL;
                int r = casca_cgroup_systemd_resolve(bad[i], "x", &unit, &path, &e);

                ok(r < 0 && e && strstr(e->msg, "linux.cgroupsPath"), "systemd: `%s` refused (%s)",
                   bad[i], e ? e->msg : "accepted");
        }
}

static void test_available(void)
{
        char other[] = "/tmp/casca-cgnone.XXXXXX";

        ok(mkdtemp(other) != NULL, "a second temp dir");
        is_int(casca_cgroup_set_mountpoint(other, NULL), 0, "set mount point");
        ok(!casca_cgroup_v2_available(), "a directory without cgroup.controllers is not cgroup2");
        rmdir(other);
        is_int(casca_cgroup_set_mountpoint("relative", NULL), -EINVAL, "relative mount refused");
        is_int(casca_cgroup_set_mountpoint(root, NULL), 0, "the fake tree");
        is_str(casca_cgroup_mountpoint(), root, "mountpoint() follows the setter");
        ok(casca_cgroup_v2_available(), "the fake tree counts as cgroup2");
}

static void test_join_and_apply(void)
{
        _cleanup_error_ struct casca_error *e1 = NULL, *e2 = NULL, *e3 = NULL;
        struct casca_kv bogus[] = {{"memory.bogus", "1"}}, huge[] = {{"hugetlb.2MB.max", "0"}};
        struct casca_cgroup *cg = NULL;
        struct casca_resources res = {0};

        fake_cgroup("ctr", "cpu memory pids\n");
        res.memory.has_limit = true;
        res.memory.limit = 32 << 20;
        res.pids.has_limit = true;
        res.pids.limit = 64;
        is_int(casca_cgroup_create("/ctr", "ctr", &res, &cg, NULL), 0,
               "create joins an existing cgroup");
        if (!cg)
                return;
        is_str(casca_cgroup_path(cg), "/ctr", "path()");
        ok(casca_cgroup_dirfd(cg) >= 0, "dirfd()");
        is_str(get("ctr/memory.max"), "33554432", "memory.max written");
        is_str(get("ctr/pids.max"), "64", "pids.max written");
        is_str(get("cgroup.subtree_control"), "+pids", "root: controllers enabled one by one");

        res.pids.limit = 0;
        is_int(casca_cgroup_apply(cg, &res, NULL), 0, "apply again (update)");
        is_str(get("ctr/pids.max"), "max", "pids.max rewritten whole (O_TRUNC, one write)");

        res = (struct casca_resources){0};
        res.unified = bogus;
        res.n_unified = 1;
        is_int(casca_cgroup_apply(cg, &res, &e1), -ENOENT, "an unknown unified key: ENOENT");
        is_str(e1 ? e1->msg : NULL, "cgroup /ctr: open memory.bogus: No such file or directory",
               "... naming the key");
        is_int(casca_cgroup_apply(cg, &res, NULL), -ENOENT, "the same with a NULL error pointer");
        res.unified = huge;
        is_int(casca_cgroup_apply(cg, &res, &e2), -EOPNOTSUPP, "a missing controller");
        is_str(e2 ? e2->msg : NULL,
               "cgroup /ctr: controller `hugetlb` is not available (needed by "
               "linux.resources.unified)",
               "... naming the controller");

        res = (struct casca_resources){0};
        res.memory.has_limit = res.memory.has_swap = true;
        res.memory.limit = 1 << 20;
        res.memory.swap = 1 << 20;
        snprintf(got, sizeof(got), "%s/ctr/memory.swap.max", root);
        unlink(got);
        is_int(casca_cgroup_apply(cg, &res, &e3), 0,
               "memory.swap.max \"0\" on a kernel without swap accounting: skipped");

        is_int(casca_cgroup_enter(cg, 1234, NULL), 0, "enter");
        is_str(get("ctr/cgroup.procs"), "1234", "enter writes cgroup.procs");

        is_int(casca_cgroup_is_frozen(cg, NULL), 0, "not frozen");
        put("ctr/cgroup.events", "populated 1\nfrozen 1\n");
        is_int(casca_cgroup_freeze(cg, true, NULL), 0, "freeze returns once events say frozen");
        is_str(get("ctr/cgroup.freeze"), "1", "freeze writes cgroup.freeze");
        is_int(casca_cgroup_is_frozen(cg, NULL), 1, "frozen");
        casca_cgroup_free(cg);
}

static void test_pids_and_stats(void)
{
        _cleanup_free_ char *json = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        struct casca_cgroup *cg = NULL;
        size_t n = 0;

        fake_cgroup("st", "cpu memory pids io\n");
        fake_cgroup("st/sub", "");
        put("st/cgroup.procs", "12\n5\n");
        put("st/sub/cgroup.procs", "7\n");
        put("st/cpu.stat", "usage_usec 5\nuser_usec 3\nsystem_usec 2\nnr_periods 10\n"
                           "nr_throttled 4\nthrottled_usec 9\n");
        put("st/memory.current", "4096\n");
        put("st/memory.max", "max\n");
        put("st/memory.stat", "anon 1\nfile 2\n");
        put("st/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
        put("st/pids.current", "3\n");
        put("st/pids.max", "max\n");
        put("st/io.stat", "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n");
        put("st/hugetlb.2MB.current", "0\n");
        put("st/hugetlb.2MB.events", "max 2\n");
        is_int(casca_cgroup_open("/st", &cg, NULL), 0, "open");
        if (!cg)
                return;
        is_int(casca_cgroup_pids(cg, &pids, &n, NULL), 0, "pids");
        is_int(n, 3, "three pids, the sub-cgroup's included");
        ok(n == 3 && pids[0] == 5 && pids[1] == 7 && pids[2] == 12, "sorted");
        is_int(stats_json(cg, &json), 0, "stats");
        is_str(json,
               "{\"cpu\":{\"usage\":{\"total\":5000,\"kernel\":2000,\"user\":3000},"
               "\"throttling\":{\"periods\":10,\"throttledPeriods\":4,\"throttledTime\":9000}},"
               "\"memory\":{\"cache\":2,\"usage\":{\"limit\":18446744073709551615,\"usage\":4096,"
               "\"max\":0,\"failcnt\":3},\"raw\":{\"anon\":1,\"file\":2}},"
               "\"pids\":{\"current\":3,\"limit\":0},"
               "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"minor\":0,\"op\":\"Read\","
               "\"value\":1},{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":2}],"
               "\"ioServicedRecursive\":[{\"major\":8,\"minor\":0,\"op\":\"Read\",\"value\":3},"
               "{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":4}]},"
               "\"hugetlb\":{\"2MB\":{\"usage\":0,\"failcnt\":2}}}",
               "stats JSON in runc's shape");
        casca_cgroup_free(cg);
}

/* update: the half of cpu.max and the memory limit an update does not give
 * come from the cgroup. */
static void test_update(void)
{
        struct casca_cgroup *cg = NULL;
        struct casca_resources res = {0};

        fake_cgroup("up", "cpu memory\n");
        put("up/cpu.max", "20000 50000\n");
        put("up/memory.max", "1048576\n");
        is_int(casca_cgroup_open("/up", &cg, NULL), 0, "open");
        if (!cg)
                return;
        res.cpu.has_quota = true;
        res.cpu.quota = 10000;
        is_int(casca_cgroup_update(cg, &res, NULL), 0, "update a quota alone");
        ok(res.cpu.has_period && res.cpu.period == 50000, "the period is the cgroup's");
        is_str(get("up/cpu.max"), "10000 50000", "cpu.max keeps the period");
        res = (struct casca_resources){0};
        res.cpu.has_period = true;
        res.cpu.period = 100000;
        is_int(casca_cgroup_update(cg, &res, NULL), 0, "update a period alone");
        is_str(get("up/cpu.max"), "10000 100000", "cpu.max keeps the quota");
        res = (struct casca_resources){0};
        res.memory.has_swap = true;
        res.memory.swap = 3 << 20;
        is_int(casca_cgroup_update(cg, &res, NULL), 0, "update memory+swap alone");
        ok(res.memory.has_limit && res.memory.limit == 1048576, "the memory limit is the cgroup's");
        is_str(get("up/memory.swap.max"), "2097152", "memory.swap.max against memory.max");
        casca_cgroup_free(cg);
}

/* events: what cgroup.events and memory.events say, and what to poll. */
static void test_watch(void)
{
        struct casca_cgroup_watch *w = NULL;
        struct casca_cgroup *cg = NULL;
        struct casca_cgroup_events ev;
        struct pollfd p[4];

        fake_cgroup("ev", "memory\n");
        put("ev/cgroup.events", "populated 1\nfrozen 0\n");
        put("ev/memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\n");
        is_int(casca_cgroup_open("/ev", &cg, NULL), 0, "open");
        if (!cg)
                return;
        is_int(casca_cgroup_watch_open(cg, &w, NULL), 0, "watch");
        if (!w) {
                casca_cgroup_free(cg);
                return;
        }
        is_int(casca_cgroup_watch_pollfds(w, p, 4), 2, "two files to poll");
        ok(p[0].fd >= 0 && p[1].fd >= 0 && p[0].events == POLLPRI, "both open, POLLPRI");
        casca_cgroup_watch_read(w, &ev);
        ok(ev.has_populated && ev.populated, "populated 1");
        ok(ev.has_oom && ev.oom == 2 && ev.oom_kill == 1, "oom 2, oom_kill 1");
        put("ev/cgroup.events", "populated 0\nfrozen 0\n");
        put("ev/memory.events", "low 0\nhigh 0\nmax 7\noom 3\noom_kill 2\n");
        casca_cgroup_watch_read(w, &ev);
        ok(ev.has_populated && !ev.populated && ev.oom == 3 && ev.oom_kill == 2,
           "read again: the files as they are now");
        casca_cgroup_watch_free(w);

        snprintf(got, sizeof(got), "%s/ev/memory.events", root);
        unlink(got);
        is_int(casca_cgroup_watch_open(cg, &w, NULL), 0, "watch without memory.events");
        if (w) {
                is_int(casca_cgroup_watch_pollfds(w, p, 1), 1, "room for one pollfd: one");
                is_int(p[0].fd, -1, "memory.events first, -1: poll() skips it");
                casca_cgroup_watch_read(w, &ev);
                ok(!ev.has_oom && ev.has_populated, "no memory controller: no OOM counts");
        }
        casca_cgroup_watch_free(w);
        casca_cgroup_free(cg);
}

static void test_create_failure_cleans_up(void)
{
        _cleanup_error_ struct casca_error *e1 = NULL, *e2 = NULL, *e3 = NULL;
        struct casca_cgroup *cg = NULL;
        struct casca_resources res = {0};

        res.pids.has_limit = true;
        res.pids.limit = 5;
        /* new directories in a fake tree hold no control files */
        is_int(casca_cgroup_create("/pod/new", "new", &res, &cg, &e1), -EOPNOTSUPP,
               "a limit on a cgroup without the controller fails");
        is_str(e1 ? e1->msg : NULL,
               "cgroup /pod/new: controller `pids` is not available (needed by "
               "linux.resources.pids.limit)",
               "... naming the controller");
        ok(!exists("pod/new") && !exists("pod"), "a failed create removes what it made");

        mkd("keep");
        is_int(casca_cgroup_create("/keep/new", "new", &res, &cg, &e2), -EOPNOTSUPP, "fails again");
        ok(exists("keep") && !exists("keep/new"), "... leaving the parent it did not create");

        res.pids.limit = 0;
        res.memory.has_limit = res.memory.has_swap = true;
        res.memory.limit = 2;
        res.memory.swap = 1;
        is_int(casca_cgroup_create("/pod2/x", "x", &res, &cg, &e3), -EINVAL, "a bad resource");
        ok(!exists("pod2"), "... is refused before anything is created");

        is_int(casca_cgroup_create("/pod3/y", "y", NULL, &cg, NULL), 0, "no limits: create works");
        ok(exists("pod3/y"), "nested directories created");
        casca_cgroup_free(cg);
}

static void test_open_missing(void)
{
        _cleanup_error_ struct casca_error *e1 = NULL, *e2 = NULL;
        struct casca_cgroup *cg = NULL;

        is_int(casca_cgroup_open("/nope", &cg, &e1), -ENOENT, "open of a missing cgroup");
        is_str(e1 ? e1->msg : NULL, "cgroup /nope: No such file or directory", "... says so");
        is_int(casca_cgroup_open("relative", &cg, &e2), -EINVAL, "open needs an absolute path");

        fake_cgroup("gone", "");
        is_int(casca_cgroup_open("/gone", &cg, NULL), 0, "open");
        if (!cg)
                return;
        ok(rm_rf("gone") == 0, "the cgroup disappears");
        is_int(casca_cgroup_destroy(cg, NULL), 0, "destroy of a vanished cgroup is not an error");
        casca_cgroup_free(cg);
}

int main(void)
{

        if (!mkdtemp(root)) {
                printf("Bail out! mkdtemp: %s\n", strerror(errno));
                return 1;
        }
        put("cgroup.controllers", "cpuset cpu io memory pids\n");
        put("cgroup.subtree_control", "cpu\n");
        test_paths();
        test_systemd_names();
        test_available();
        test_join_and_apply();
        test_pids_and_stats();
        test_update();
        test_watch();
        test_create_failure_cleans_up();
        test_open_missing();
        if (rm_rf("") != 0)
                printf("# could not remove %s\n", root);
        return tap_done();
}
