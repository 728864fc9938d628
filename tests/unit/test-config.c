/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-config - the config.json parser, mount options, name tables, and the
 * `spec` and `features` generators.  Run from the repository root (the
 * fixtures are read from tests/fixtures/config/). */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include "casca.h"
#include "runtime/config.h"
#include "runtime/features.h"
#include "runtime/spec.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/json.h"

#define FIXTURES "tests/fixtures/config"
#define BIT(c) (UINT64_C(1) << (c))

static struct casca_config *parse(const char *json, char **ret_msg)
{
        struct casca_error *err = NULL;
        struct casca_config *cfg = casca_config_parse(json, strlen(json), &err);

        if (ret_msg)
                *ret_msg = err ? strdup(err->msg) : NULL;
        casca_error_free(err);
        return cfg;
}

/* Parse json; it must fail with exactly msg. */
static void parse_fails(const char *json, const char *msg, const char *what)
{
        _cleanup_free_ char *got = NULL;
        struct casca_config *cfg = parse(json, &got);

        ok(!cfg, "%s: refused", what);
        is_str(got, msg, "%s: message", what);
        casca_config_free(cfg);
}

static void test_full(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_config_ struct casca_config *c = NULL;
        const struct casca_process *p;
        const struct casca_linux *l;
        const struct casca_resources *res;
        const struct casca_seccomp *s;

        c = casca_config_load(FIXTURES "/good/full.json", &err);
        if (!ok(c, "full.json parses")) {
                printf("#   %s\n", err ? err->msg : "?");
                return;
        }
        is_str(c->oci_version, "1.2.1", "ociVersion");
        is_str(c->root_path, "rootfs", "root.path");
        ok(c->root_readonly, "root.readonly");
        is_str(c->hostname, "casca", "hostname");
        is_str(c->domainname, "example.org", "domainname");
        ok(c->network == NULL, "network left to casca.network's parser");

        /* mounts */
        is_int(c->n_mounts, 7, "7 mounts");
        is_str(c->mounts[1].destination, "/dev", "mounts[1].destination");
        is_str(c->mounts[1].type, "tmpfs", "mounts[1].type");
        is_int(c->mounts[1].flags, MS_NOSUID | MS_STRICTATIME, "mounts[1] flags");
        is_str(c->mounts[1].data, "mode=755,size=65536k", "mounts[1] data");
        is_int(c->mounts[1].n_options, 4, "mounts[1] options kept as given");
        is_int(c->mounts[5].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, "sysfs flags");
        ok(c->mounts[5].data == NULL, "sysfs has no data");
        ok(c->mounts[6].type == NULL, "bind mount without type");
        is_str(c->mounts[6].source, "/srv/data", "bind source");
        is_int(c->mounts[6].flags, MS_BIND | MS_REC | MS_NOSUID | MS_NOATIME, "bind flags");
        is_int(c->mounts[6].clear_flags, MS_RDONLY, "rw clears MS_RDONLY");
        is_int(c->mounts[6].propagation, MS_PRIVATE | MS_REC, "rprivate");

        /* process */
        ok(c->has_process, "has_process");
        p = &c->process;
        ok(p->terminal, "terminal");
        ok(p->has_console_size && p->console_height == 24 && p->console_width == 80,
           "consoleSize 24x80");
        is_int(p->user.uid, 1000, "uid");
        is_int(p->user.gid, 1000, "gid");
        ok(p->user.has_umask && p->user.umask == 022, "umask");
        is_int(p->user.n_additional_gids, 3, "additionalGids");
        is_int(p->user.additional_gids[2], 4294967295u, "additionalGids[2] = UINT32_MAX");
        is_int(p->n_args, 1, "one arg");
        is_str(p->args[0], "sh", "args[0]");
        ok(p->args[1] == NULL, "args NULL-terminated");
        is_int(p->n_env, 3, "env");
        is_str(p->env[2], "HOME=/root", "env[2]");
        ok(p->env[3] == NULL, "env NULL-terminated");
        is_str(p->cwd, "/home/user", "cwd");
        ok(p->has_capabilities, "has_capabilities");
        is_int(p->caps.bounding,
               BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_SYS_ADMIN) | BIT(CAP_CHECKPOINT_RESTORE),
               "bounding set");
        is_int(p->caps.effective, BIT(CAP_KILL), "effective set");
        is_int(p->caps.inheritable, BIT(CAP_NET_RAW), "inheritable set");
        is_int(p->caps.permitted, BIT(CAP_KILL) | BIT(CAP_CHOWN), "permitted set");
        is_int(p->caps.ambient, BIT(CAP_KILL), "ambient set");
        is_int(p->n_rlimits, 3, "rlimits");
        ok(p->rlimits[0].resource == RLIMIT_NOFILE && p->rlimits[0].soft == 1024 &&
                   p->rlimits[0].hard == 4096,
           "RLIMIT_NOFILE 1024/4096");
        ok(p->rlimits[1].resource == RLIMIT_CORE && p->rlimits[1].hard == UINT64_MAX,
           "RLIMIT_CORE hard = UINT64_MAX");
        is_int(p->rlimits[2].resource, RLIMIT_NPROC, "RLIMIT_NPROC");
        ok(p->no_new_privileges, "noNewPrivileges");
        ok(p->has_oom_score_adj && p->oom_score_adj == -500, "oomScoreAdj");
        is_str(p->apparmor_profile, "casca-default", "apparmorProfile");
        is_str(p->selinux_label, "system_u:system_r:container_t:s0:c1,c2", "selinuxLabel");

        /* hooks */
        is_int(c->hooks[CASCA_HOOK_PRESTART].n, 1, "prestart hooks");
        is_str(c->hooks[CASCA_HOOK_PRESTART].hooks[0].path, "/usr/bin/fix-mounts", "prestart path");
        is_int(c->hooks[CASCA_HOOK_PRESTART].hooks[0].n_args, 2, "prestart args");
        is_str(c->hooks[CASCA_HOOK_PRESTART].hooks[0].env[0], "KEY=value", "prestart env");
        ok(!c->hooks[CASCA_HOOK_PRESTART].hooks[0].has_timeout, "prestart without timeout");
        ok(c->hooks[CASCA_HOOK_CREATE_RUNTIME].hooks[0].has_timeout &&
                   c->hooks[CASCA_HOOK_CREATE_RUNTIME].hooks[0].timeout == 10,
           "createRuntime timeout");
        is_int(c->hooks[CASCA_HOOK_CREATE_CONTAINER].n, 2, "createContainer hooks");
        is_int(c->hooks[CASCA_HOOK_START_CONTAINER].n, 1, "startContainer hooks");
        is_int(c->hooks[CASCA_HOOK_POSTSTART].hooks[0].timeout, 5, "poststart timeout");
        is_str(c->hooks[CASCA_HOOK_POSTSTOP].hooks[0].args[1], "-f", "poststop args");

        /* annotations */
        is_int(c->n_annotations, 2, "annotations");
        is_str(c->annotations[0].key, "org.example.key", "annotation key");
        is_str(c->annotations[0].value, "value", "annotation value");

        /* linux */
        ok(c->has_linux, "has_linux");
        l = &c->linux_cfg;
        for (int t = 0; t < CASCA_NS__MAX; t++)
                ok(l->namespaces[t].present && !l->namespaces[t].path, "namespace %s is new",
                   casca_ns_type_name(t));
        ok(l->n_uid_mappings == 1 && l->uid_mappings[0].container_id == 0 &&
                   l->uid_mappings[0].host_id == 100000 && l->uid_mappings[0].size == 65536,
           "uidMappings");
        is_int(l->n_gid_mappings, 1, "gidMappings");
        ok(l->time_offsets[CASCA_CLOCK_MONOTONIC].present &&
                   l->time_offsets[CASCA_CLOCK_MONOTONIC].secs == 10,
           "monotonic offset");
        ok(!l->time_offsets[CASCA_CLOCK_BOOTTIME].present, "no boottime offset");
        is_int(l->n_devices, 4, "devices");
        ok(l->devices[0].type == 'c' && l->devices[0].major == 10 && l->devices[0].minor == 229,
           "device 0 is c 10:229");
        ok(l->devices[0].has_file_mode && l->devices[0].file_mode == 0666, "device fileMode");
        ok(l->devices[0].has_uid && l->devices[0].has_gid, "device uid/gid");
        ok(!l->devices[1].has_uid, "device 1 has no uid");
        ok(l->devices[3].type == 'p' && l->devices[3].major == -1 && l->devices[3].minor == -1,
           "fifo without numbers");
        is_str(l->cgroups_path, "casca-full", "cgroupsPath");

        ok(l->has_resources, "has_resources");
        res = &l->resources;
        ok(res->any_limit, "any_limit");
        is_int(res->n_devices, 3, "device rules");
        ok(!res->devices[0].allow && res->devices[0].type == 'a' && res->devices[0].major == -1 &&
                   strcmp(res->devices[0].access, "rwm") == 0,
           "deny-all rule");
        ok(res->devices[2].type == 'b' && res->devices[2].minor == -1 &&
                   strcmp(res->devices[2].access, "r") == 0,
           "block rule");
        ok(res->memory.has_limit && res->memory.limit == 536870912, "memory.limit");
        ok(res->memory.has_swap && res->memory.swap == -1, "memory.swap -1");
        ok(res->memory.has_swappiness && res->memory.swappiness == 0, "memory.swappiness 0");
        ok(res->memory.has_disable_oom_killer && !res->memory.disable_oom_killer,
           "disableOOMKiller");
        ok(res->memory.has_check_before_update && res->memory.check_before_update,
           "checkBeforeUpdate");
        ok(res->cpu.has_shares && res->cpu.shares == 1024, "cpu.shares");
        ok(res->cpu.has_quota && res->cpu.quota == 50000, "cpu.quota");
        ok(res->cpu.has_burst && res->cpu.burst == 10000, "cpu.burst");
        ok(res->cpu.has_idle && res->cpu.idle == 0, "cpu.idle");
        is_str(res->cpu.cpus, "0-1", "cpu.cpus");
        is_str(res->cpu.mems, "0", "cpu.mems");
        ok(res->pids.has_limit && res->pids.limit == 32771, "pids.limit");
        ok(res->block_io.has_weight && res->block_io.weight == 500, "blockIO.weight");
        is_int(res->block_io.n_weight_device, 2, "weightDevice");
        ok(res->block_io.weight_device[1].has_weight &&
                   !res->block_io.weight_device[1].has_leaf_weight,
           "weightDevice[1] weight only");
        ok(res->block_io.n_throttle_write_bps == 1 &&
                   res->block_io.throttle_write_bps[0].rate == UINT64_MAX,
           "throttleWriteBpsDevice rate UINT64_MAX");
        is_int(res->block_io.n_throttle_read_iops, 1, "throttleReadIOPSDevice");
        is_int(res->n_hugepage_limits, 2, "hugepageLimits");
        is_str(res->hugepage_limits[1].page_size, "1GB", "hugepage size");
        is_int(res->n_unified, 2, "unified");
        is_str(res->unified[1].value, "default 100", "unified value");

        is_int(l->n_sysctl, 2, "sysctl");
        is_str(l->sysctl[0].key, "net.ipv4.ip_forward", "sysctl key");
        s = l->seccomp;
        if (ok(s, "seccomp")) {
                is_int(s->default_action, CASCA_SCMP_ERRNO, "defaultAction");
                ok(s->has_default_errno_ret && s->default_errno_ret == 1, "defaultErrnoRet");
                is_int(s->n_architectures, 3, "architectures");
                is_str(s->flags[1], "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "flags");
                is_str(s->listener_path, "/run/seccomp-agent.socket", "listenerPath");
                is_str(s->listener_metadata, "agent-data", "listenerMetadata");
                is_int(s->n_syscalls, 11, "syscalls");
                is_int(s->syscalls[0].n_names, 4, "syscalls[0] names");
                ok(s->syscalls[2].n_args == 1 &&
                           s->syscalls[2].args[0].op == CASCA_SCMP_CMP_MASKED_EQ &&
                           s->syscalls[2].args[0].value == 2114060288,
                   "clone masked-eq arg");
                ok(s->syscalls[3].has_errno_ret && s->syscalls[3].errno_ret == 13, "errnoRet");
                ok(s->syscalls[5].args[0].index == 5 &&
                           s->syscalls[5].args[0].value == UINT64_MAX &&
                           s->syscalls[5].args[0].op == CASCA_SCMP_CMP_NE,
                   "arg index 5, value UINT64_MAX");
                is_int(s->syscalls[5].action, CASCA_SCMP_KILL_PROCESS, "KILL_PROCESS");
                is_int(s->syscalls[10].action, CASCA_SCMP_NOTIFY, "NOTIFY");
        }
        is_int(l->n_masked_paths, 12, "maskedPaths");
        is_str(l->masked_paths[11], "/proc/interrupts", "maskedPaths[11]");
        is_int(l->n_readonly_paths, 5, "readonlyPaths");
        is_int(l->rootfs_propagation, MS_PRIVATE, "rootfsPropagation");
        is_str(l->mount_label, "system_u:object_r:container_file_t:s0:c1,c2", "mountLabel");
        ok(l->has_personality && l->personality == PER_LINUX, "personality");
        ok(l->n_net_devices == 1 && strcmp(l->net_devices[0].host_name, "eth1") == 0 &&
                   strcmp(l->net_devices[0].name, "eth0") == 0,
           "netDevices");
}

static void test_small_documents(void)
{
        _cleanup_free_ char *msg = NULL;
        struct casca_config *c;

        c = parse("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}", &msg);
        ok(c && !c->has_process && !c->has_linux && c->n_mounts == 0 && !c->root_readonly,
           "minimal config");
        casca_config_free(c);

        c = parse("{\"ociVersion\":\"1.2.0-rc.1+build.5\",\"root\":{\"path\":\"r\"},"
                  "\"process\":{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{\"uid\":4294967295,"
                  "\"gid\":0},\"oomScoreAdj\":-1000},"
                  "\"linux\":{\"resources\":{\"memory\":{\"limit\":-9223372036854775808},"
                  "\"cpu\":{\"shares\":18446744073709551615},\"devices\":[]},"
                  "\"namespaces\":[{\"type\":\"network\"}],\"netDevices\":{\"eth3\":{}},"
                  "\"personality\":{\"domain\":\"LINUX32\"},"
                  "\"rootfsPropagation\":\"rshared\"},\"casca\":{\"network\":{}}}",
                  NULL);
        if (ok(c, "edge values parse")) {
                is_int(c->process.user.uid, UINT32_MAX, "uid UINT32_MAX");
                is_int(c->process.oom_score_adj, -1000, "oomScoreAdj -1000");
                ok(c->linux_cfg.resources.memory.limit == INT64_MIN, "memory.limit INT64_MIN");
                ok(c->linux_cfg.resources.cpu.shares == UINT64_MAX, "cpu.shares UINT64_MAX");
                is_str(c->linux_cfg.net_devices[0].name, "eth3", "netDevice name defaults to host");
                is_int(c->linux_cfg.personality, PER_LINUX32, "LINUX32");
                is_int(c->linux_cfg.rootfs_propagation, MS_SHARED | MS_REC, "rshared");
                ok(c->linux_cfg.has_resources, "has_resources");
                ok(c->linux_cfg.resources.any_limit, "any_limit with memory and cpu");
        }
        casca_config_free(c);

        c = parse("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":"
                  "{\"devices\":[{\"allow\":false}],\"memory\":{},\"unified\":{}}}}",
                  NULL);
        ok(c && c->linux_cfg.has_resources && !c->linux_cfg.resources.any_limit,
           "device rules and empty sections are no limit");
        casca_config_free(c);
}

static void test_errors(void)
{
        parse_fails("{\"ociVersion\": \"1.0.0\",\n  \"root\": xyz}",
                    "invalid JSON at line 2, column 11: lexical error: invalid char in json text",
                    "invalid JSON");
        parse_fails("", "invalid JSON at line 1, column 1: parse error: premature EOF",
                    "empty document");
        {
                static const char nul[] = "{\"ociVersion\":\"1.0.0\"}\0{}";
                struct casca_error *err = NULL;
                struct casca_config *c = casca_config_parse(nul, sizeof(nul) - 1, &err);
                ok(!c && err && strstr(err->msg, "NUL byte"), "embedded NUL byte refused");
                casca_error_free(err);
        }
        {
                char deep[300];
                memset(deep, '[', 100);
                memset(deep + 100, ']', 100);
                deep[200] = '\0';
                parse_fails(deep, "invalid JSON: nested deeper than 64 levels", "deep nesting");
        }
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"sysctl\":"
                    "{\"net.a\":\"1\",\"net.a\":\"2\"}}}",
                    "linux.sysctl: duplicate member \"net.a\"", "duplicate member");
        parse_fails("\"config\"", "the top level of the config must be a JSON object",
                    "top level string");
        parse_fails("{\"root\":{\"path\":\"r\"}}", "ociVersion: required", "no ociVersion");
        parse_fails("{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"r\"}}",
                    "ociVersion: unsupported version \"2.0.0\" (casca supports runtime-spec 1.x)",
                    "ociVersion 2.0.0");
        parse_fails("{\"ociVersion\":\"0.9.0\",\"root\":{\"path\":\"r\"}}",
                    "ociVersion: unsupported version \"0.9.0\" (casca supports runtime-spec 1.x)",
                    "ociVersion 0.9.0");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":"
                    "[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":1.0,\"gid\":0}}}",
                    "process.user.uid: expected an unsigned 32-bit integer", "uid 1.0");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":"
                    "{\"cpu\":{\"period\":18446744073709551616}}}}",
                    "linux.resources.cpu.period: expected an unsigned 64-bit integer",
                    "u64 overflow");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
                    "[{\"type\":\"pid\"},{\"type\":\"uts\"},{\"type\":\"foo\"}]}}",
                    "linux.namespaces[2].type: unknown namespace \"foo\"", "unknown namespace");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
                    "[{\"type\":\"pid\"},{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}]}}",
                    "linux.namespaces[1].type: duplicate namespace \"pid\"", "duplicate namespace");
        parse_fails(
                "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":"
                "\"/a\"},{\"destination\":\"b\"}]}",
                "mounts[1].destination: must be an absolute path", "relative mount");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"sysctl\":"
                    "{\"vm.swappiness\":\"1\"}}}",
                    "linux.sysctl.vm.swappiness: not a namespaced sysctl", "host sysctl");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"sysctl\":"
                    "{\"kernel.shmmax\":\"1\"}}}",
                    "linux.sysctl.kernel.shmmax: requires an IPC namespace", "ipc sysctl");
        parse_fails(
                "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"uidMappings\":"
                "[{\"containerID\":0,\"hostID\":1,\"size\":1}]}}",
                "linux.uidMappings: requires a user namespace", "mapping without userns");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"netDevices\":"
                    "{\"eth3\":{}}}}",
                    "linux.netDevices: requires a network namespace", "netDevices without netns");
        parse_fails(
                "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\""
                ":\"/m\",\"source\":\"/s\",\"options\":[\"rbind\",\"idmap\"]}]}",
                "mounts[0].options[1]: \"idmap\": id-mapped mounts are not supported",
                "idmap on a bind mount");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"hooks\":{\"poststop\":"
                    "[{\"path\":\"/x\",\"timeout\":0}]}}",
                    "hooks.poststop[0].timeout: must be a positive number of seconds",
                    "hook timeout 0");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":"
                    "[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,"
                    "\"hard\":1}]}}",
                    "process.rlimits[0].soft: soft limit 2 is above the hard limit 1",
                    "soft > hard");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":"
                    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
                    "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,"
                    "\"op\":\"SCMP_CMP_EQ\"}]}]}}}",
                    "linux.seccomp.syscalls[0].args[0].index: expected an integer between 0 and 5",
                    "seccomp arg index 6");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":"
                    "[\"sh\"],\"cwd\":\"/\",\"capabilities\":{\"ambient\":[\"CAP_KILL\","
                    "\"CAP_NOPE\"]}}}",
                    "process.capabilities.ambient[1]: unknown capability \"CAP_NOPE\"",
                    "unknown capability");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":"
                    "{\"devices\":[{\"allow\":true,\"access\":\"rr\"}]}}}",
                    "linux.resources.devices[0].access: invalid access \"rr\" (expected a "
                    "combination of r, w and m)",
                    "repeated access letter");
        parse_fails("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":null}",
                    "process: expected an object", "null process");
}

/* Failures deep inside arrays leave half-filled structs behind; freeing
 * them must not leak (run under valgrind) or crash. */
static void test_partial_free(void)
{
        static const char *const docs[] = {
                "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":"
                "\"/a\",\"options\":[\"ro\",\"x=1\"]},{\"destination\":\"/b\",\"options\":[\"a\","
                "3]}]}",
                "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\","
                "\"b\"],\"env\":[\"A=1\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0,"
                "\"additionalGids\":[1,2]},\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1,"
                "\"hard\":1},{\"type\":\"RLIMIT_X\"}]}}",
                "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"hooks\":{\"prestart\":[{"
                "\"path\":\"/a\",\"args\":[\"a\"],\"env\":[\"b=c\"]}],\"poststop\":[{\"path\":"
                "\"/b\"},{\"path\":\"b\"}]},\"annotations\":{\"a\":\"b\",\"c\":1}}",
                "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{"
                "\"type\":\"network\",\"path\":\"/n\"},{\"type\":\"user\"}],\"uidMappings\":[{"
                "\"containerID\":0,\"hostID\":0,\"size\":1}],\"devices\":[{\"type\":\"c\","
                "\"path\":\"/dev/a\",\"major\":1,\"minor\":1}],\"cgroupsPath\":\"x\","
                "\"resources\":{\"cpu\":{\"cpus\":\"0\",\"mems\":\"0\"},\"hugepageLimits\":[{"
                "\"pageSize\":\"2MB\",\"limit\":1}],\"unified\":{\"a.b\":\"1\"},\"blockIO\":{"
                "\"weightDevice\":[{\"major\":1,\"minor\":1}],\"throttleReadBpsDevice\":[{"
                "\"major\":1,\"minor\":1,\"rate\":1},{\"major\":1}]}}}}",
                "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"sysctl\":{"
                "\"net.a\":\"1\"},\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"flags\":[],\"listenerPath\":\"/s\","
                "\"syscalls\":[{\"names\":[\"a\",\"b\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{"
                "\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]},{\"names\":[\"c\"],\"action\":"
                "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"X\"}]}]},"
                "\"maskedPaths\":[\"/a\"],\"readonlyPaths\":[\"/b\",\"c\"]}}",
                "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{"
                "\"type\":\"network\"}],\"mountLabel\":\"l\",\"personality\":{\"domain\":\"LINUX\","
                "\"flags\":[\"a\"]},\"netDevices\":{\"a\":{\"name\":\"b\"},\"c\":{\"name\":"
                "\"b\"}}}}",
        };
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        size_t n = 0, refused = 0;

        for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
                _cleanup_free_ char *msg = NULL;
                struct casca_config *c = parse(docs[i], &msg);
                ok(!c && msg, "partial document %zu refused: %s", i, msg ? msg : "(accepted)");
                casca_config_free(c);
        }

        /* every bad fixture fails; valgrind watches the frees */
        d = opendir(FIXTURES "/bad");
        if (!ok(d, "open " FIXTURES "/bad"))
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                struct casca_error *err = NULL;
                struct casca_config *c;
                size_t len = strlen(de->d_name);

                if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
                        continue;
                if (asprintf(&path, FIXTURES "/bad/%s", de->d_name) < 0)
                        break;
                c = casca_config_load(path, &err);
                n++;
                if (!c && err)
                        refused++;
                casca_config_free(c);
                casca_error_free(err);
        }
        ok(n >= 30, "at least 30 bad fixtures (%zu)", n);
        is_int(refused, n, "all bad fixtures refused");
}

static void test_load(void)
{
        struct casca_error *err = NULL;
        struct casca_config *c;

        c = casca_config_load("/nonexistent/config.json", &err);
        ok(!c && err, "missing file refused");
        is_str(err ? err->msg : NULL, "config `/nonexistent/config.json`: no such file",
               "missing file message");
        ok(err && err->code == ENOENT, "missing file code ENOENT");
        casca_error_free(err);
        err = NULL;

        c = casca_config_load(FIXTURES, &err);
        ok(!c && err && strstr(err->msg, "not a regular file"), "directory refused");
        casca_error_free(err);
        err = NULL;

        c = casca_config_load(FIXTURES "/bad/oci-version-2.0.0.json", &err);
        ok(!c && err &&
                   strncmp(err->msg,
                           "config `" FIXTURES "/bad/oci-version-2.0.0.json`: "
                           "ociVersion: unsupported version",
                           strlen("config `" FIXTURES "/bad/oci-version-2.0.0.json`: "
                                  "ociVersion: unsupported version")) == 0,
           "load errors name the file, then the JSON path");
        casca_error_free(err);
}

static void mount_opts(const char *const *opts, size_t n, struct casca_mount *m)
{
        memset(m, 0, sizeof(*m));
        m->options = (char **)opts;
        m->n_options = n;
}

static void test_mount_options(void)
{
        static const struct {
                const char *opt;
                unsigned long set, clear, prop;
        } table[] = {
                {"ro", MS_RDONLY, 0, 0},
                {"rw", 0, MS_RDONLY, 0},
                {"suid", 0, MS_NOSUID, 0},
                {"nosuid", MS_NOSUID, 0, 0},
                {"dev", 0, MS_NODEV, 0},
                {"nodev", MS_NODEV, 0, 0},
                {"exec", 0, MS_NOEXEC, 0},
                {"noexec", MS_NOEXEC, 0, 0},
                {"sync", MS_SYNCHRONOUS, 0, 0},
                {"async", 0, MS_SYNCHRONOUS, 0},
                {"dirsync", MS_DIRSYNC, 0, 0},
                {"remount", MS_REMOUNT, 0, 0},
                {"mand", MS_MANDLOCK, 0, 0},
                {"nomand", 0, MS_MANDLOCK, 0},
                {"atime", 0, MS_NOATIME, 0},
                {"noatime", MS_NOATIME, 0, 0},
                {"diratime", 0, MS_NODIRATIME, 0},
                {"nodiratime", MS_NODIRATIME, 0, 0},
                {"relatime", MS_RELATIME, 0, 0},
                {"norelatime", 0, MS_RELATIME, 0},
                {"strictatime", MS_STRICTATIME, 0, 0},
                {"nostrictatime", 0, MS_STRICTATIME, 0},
                {"bind", MS_BIND, 0, 0},
                {"rbind", MS_BIND | MS_REC, 0, 0},
                {"private", 0, 0, MS_PRIVATE},
                {"rprivate", 0, 0, MS_PRIVATE | MS_REC},
                {"shared", 0, 0, MS_SHARED},
                {"rshared", 0, 0, MS_SHARED | MS_REC},
                {"slave", 0, 0, MS_SLAVE},
                {"rslave", 0, 0, MS_SLAVE | MS_REC},
                {"unbindable", 0, 0, MS_UNBINDABLE},
                {"runbindable", 0, 0, MS_UNBINDABLE | MS_REC},
        };
        struct casca_mount m;
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
                const char *opts[] = {table[i].opt};
                mount_opts(opts, 1, &m);
                r = casca_mount_parse_options(&m, NULL);
                ok(r == 0 && m.flags == table[i].set && m.clear_flags == table[i].clear &&
                           m.propagation == table[i].prop && m.data == NULL,
                   "mount option %s", table[i].opt);
                free(m.data);
        }
        {
                const char *opts[] = {"ro",      "nosuid", "mode=755", "rw",     "",
                                      "size=1k", "rslave", "private",  "noexec", "exec"};
                mount_opts(opts, ARRAY_SIZE(opts), &m);
                r = casca_mount_parse_options(&m, NULL);
                ok(r == 0, "mixed options parse");
                is_int(m.flags, MS_NOSUID, "later rw/exec undo ro/noexec");
                is_int(m.clear_flags, MS_RDONLY | MS_NOEXEC, "cleared flags");
                is_int(m.propagation, MS_PRIVATE, "last propagation wins");
                is_str(m.data, "mode=755,size=1k", "unknown options joined as data");
                /* parsing twice gives the same (the old data is freed) */
                r = casca_mount_parse_options(&m, NULL);
                is_str(m.data, "mode=755,size=1k", "reparse is idempotent");
                free(m.data);
        }
        {
                char big[3000];
                const char *opts[] = {big, big};
                struct casca_error *err = NULL;

                memset(big, 'x', sizeof(big) - 1);
                big[sizeof(big) - 1] = '\0';
                mount_opts(opts, 2, &m);
                r = casca_mount_parse_options(&m, &err);
                ok(r == -EINVAL && err && strstr(err->msg, "mount data longer than 4095 bytes"),
                   "mount data over a page refused");
                ok(m.data == NULL, "no data left behind");
                casca_error_free(err);
        }
}

static void test_mount_rec_attrs(void)
{
        static const struct {
                const char *opts[3];
                uint64_t set, clr;
        } table[] = {
                {{"rro"}, MOUNT_ATTR_RDONLY, 0},
                {{"rro", "rrw"}, 0, MOUNT_ATTR_RDONLY},
                {{"rnosuid", "rnodev", "rnoexec"},
                 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                 0},
                {{"rsuid", "rdev", "rexec"},
                 0,
                 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC},
                {{"rnosymfollow"}, MOUNT_ATTR_NOSYMFOLLOW, 0},
                {{"rnodiratime", "rdiratime"}, 0, MOUNT_ATTR_NODIRATIME},
                {{"rnoatime"}, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
                {{"rnoatime", "rrelatime"}, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
                {{"rstrictatime"}, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
                {{"rnorelatime"}, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
                {{"rnoatime", "ratime"}, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
        };
        struct casca_mount m;
        struct casca_error *err = NULL;
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
                size_t n = 0;
                while (n < 3 && table[i].opts[n])
                        n++;
                mount_opts(table[i].opts, n, &m);
                r = casca_mount_parse_options(&m, NULL);
                ok(r == 0 && m.rec_attr_set == table[i].set && m.rec_attr_clr == table[i].clr &&
                           m.flags == 0 && m.data == NULL,
                   "recursive mount options %s%s%s", table[i].opts[0], n > 1 ? "," : "",
                   n > 1 ? table[i].opts[1] : "");
                free(m.data);
        }
        {
                const char *opts[] = {"rbind", "ro", "mode=755"};
                mount_opts(opts, ARRAY_SIZE(opts), &m);
                r = casca_mount_parse_options(&m, &err);
                ok(r == -EINVAL && err &&
                           strstr(err->msg, "unknown option \"mode=755\": a bind mount takes no"),
                   "a bind mount refuses filesystem data");
                ok(m.data == NULL, "no data kept for the refused bind");
                casca_error_free(err);
                err = NULL;
                m.type = "bind";
                m.options = (char **)opts + 1;
                m.n_options = 2;
                r = casca_mount_parse_options(&m, &err);
                ok(r == -EINVAL, "type bind without the bind option refuses it too");
                casca_error_free(err);
                err = NULL;
                m.type = "tmpfs";
                r = casca_mount_parse_options(&m, NULL);
                is_str(m.data, "mode=755", "other filesystems get it as data");
                free(m.data);
        }
}

static void test_names(void)
{
        static const char *const ns[] = {"pid", "network", "mount",  "ipc",
                                         "uts", "user",    "cgroup", "time"};
        int n_caps = 0;

        for (int t = 0; t < CASCA_NS__MAX; t++)
                is_str(casca_ns_type_name(t), ns[t], "namespace %d name", t);
        ok(casca_ns_type_name(CASCA_NS__MAX) == NULL, "namespace out of range");

        is_int(casca_capability_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN, "CAP_SYS_ADMIN");
        is_int(casca_capability_from_name("CAP_CHOWN"), 0, "CAP_CHOWN is 0");
        is_int(casca_capability_from_name("CAP_CHECKPOINT_RESTORE"), 40, "CAP_CHECKPOINT_RESTORE");
        is_int(casca_capability_from_name("cap_kill"), -1, "lower case refused");
        is_int(casca_capability_from_name("KILL"), -1, "no CAP_ prefix refused");
        is_int(casca_capability_from_name("CAP_5"), -1, "numbers refused");
        is_int(casca_capability_from_name("CAP_NOPE"), -1, "unknown refused");
        is_int(casca_capability_from_name(NULL), -1, "NULL refused");
        is_str(casca_capability_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN", "name of 21");
        is_str(casca_capability_name(CAP_NET_BIND_SERVICE), "CAP_NET_BIND_SERVICE", "name of 10");
        ok(casca_capability_name(-1) == NULL && casca_capability_name(64) == NULL,
           "out of range names");
        ok(casca_capability_name(63) == NULL, "no name for 63");
        for (int c = 0; c < 64; c++) {
                const char *name = casca_capability_name(c);
                if (!name)
                        continue;
                n_caps++;
                if (casca_capability_from_name(name) != c)
                        ok(0, "round trip of %s", name);
        }
        ok(n_caps >= 41, "libcap knows %d capabilities, all round-trip", n_caps);
}

static void test_spec(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_free_ char *json = NULL, *rl = NULL;
        struct casca_config *c;
        const struct casca_mount *devpts = NULL, *sys = NULL;

        json = casca_spec_generate(&(struct casca_spec_options){.hardened = true}, &err);
        ok(json, "spec generated");
        c = json ? casca_config_parse(json, strlen(json), &err) : NULL;
        if (ok(c, "spec round-trips through the parser")) {
                /* errnoRet and defaultErrnoRet are runtime-spec 1.1.0 */
                is_str(c->oci_version, "1.1.0", "hardened ociVersion: the lowest that covers it");
                ok(c->linux_cfg.seccomp && c->linux_cfg.seccomp->has_default_errno_ret,
                   "hardened: a seccomp profile with defaultErrnoRet (1.1.0)");
                ok(c->has_process && !c->process.terminal, "terminal false");
                is_str(c->process.args[0], "sh", "args sh");
                is_int(c->process.n_env, 2, "PATH and TERM");
                is_str(c->process.cwd, "/", "cwd /");
                is_int(c->process.caps.bounding,
                       BIT(CAP_AUDIT_WRITE) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE),
                       "default capabilities");
                ok(c->process.caps.effective == c->process.caps.bounding &&
                           c->process.caps.permitted == c->process.caps.bounding &&
                           c->process.caps.inheritable == 0 && c->process.caps.ambient == 0,
                   "bounding = effective = permitted");
                ok(c->process.n_rlimits == 1 && c->process.rlimits[0].resource == RLIMIT_NOFILE &&
                           c->process.rlimits[0].soft == 1024 && c->process.rlimits[0].hard == 1024,
                   "RLIMIT_NOFILE 1024");
                ok(c->process.no_new_privileges, "noNewPrivileges");
                ok(c->root_readonly && strcmp(c->root_path, "rootfs") == 0, "root rootfs ro");
                is_str(c->hostname, "casca", "hostname");
                is_int(c->n_mounts, 6, "six mounts");
                ok(c->linux_cfg.namespaces[CASCA_NS_NETWORK].present &&
                           c->linux_cfg.namespaces[CASCA_NS_CGROUP].present &&
                           !c->linux_cfg.namespaces[CASCA_NS_USER].present,
                   "rootful namespaces");
                ok(c->linux_cfg.resources.n_devices == 1 &&
                           !c->linux_cfg.resources.devices[0].allow,
                   "deny-all device rule");
                is_int(c->linux_cfg.n_masked_paths, 13, "maskedPaths");
                is_int(c->linux_cfg.n_readonly_paths, 6, "readonlyPaths");
                for (size_t i = 0; i < c->n_mounts; i++)
                        if (strcmp(c->mounts[i].destination, "/dev/pts") == 0)
                                devpts = &c->mounts[i];
                ok(devpts && devpts->data && strstr(devpts->data, "gid=5") &&
                           strstr(devpts->data, "newinstance"),
                   "devpts newinstance, gid=5");
        }
        casca_config_free(c);

        rl = casca_spec_generate(&(struct casca_spec_options){.hardened = true, .rootless = true},
                                 &err);
        c = rl ? casca_config_parse(rl, strlen(rl), &err) : NULL;
        if (ok(c, "rootless spec round-trips")) {
                const struct casca_linux *l = &c->linux_cfg;
                ok(l->namespaces[CASCA_NS_USER].present && !l->namespaces[CASCA_NS_NETWORK].present,
                   "user namespace, no network namespace");
                ok(l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == getuid() &&
                           l->uid_mappings[0].container_id == 0 && l->uid_mappings[0].size == 1,
                   "uid mapping of the caller");
                ok(l->n_gid_mappings == 1 && l->gid_mappings[0].host_id == getgid(),
                   "gid mapping of the caller");
                ok(!l->has_resources, "no cgroup device rules");
                devpts = sys = NULL;
                for (size_t i = 0; i < c->n_mounts; i++) {
                        if (strcmp(c->mounts[i].destination, "/dev/pts") == 0)
                                devpts = &c->mounts[i];
                        if (strcmp(c->mounts[i].destination, "/sys") == 0)
                                sys = &c->mounts[i];
                }
                ok(devpts && devpts->data && !strstr(devpts->data, "gid="), "devpts without gid=");
                ok(sys &&
                           sys->flags == (MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV |
                                          MS_RDONLY) &&
                           strcmp(sys->source, "/sys") == 0,
                   "/sys is a read-only rbind of the host's");
        }
        casca_config_free(c);
}

/* The default: what runc's `spec` writes, the hostname and version aside. */
static void test_spec_runc(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_free_ char *json = casca_spec_generate(&(struct casca_spec_options){0}, &err);
        struct casca_config *c = json ? casca_config_parse(json, strlen(json), &err) : NULL;

        if (ok(c, "runc profile round-trips through the parser")) {
                const struct casca_linux *l = &c->linux_cfg;

                is_str(c->oci_version, "1.0.0", "runc profile ociVersion 1.0.0");
                ok(c->process.terminal, "terminal true, as runc's");
                ok(c->process.caps.ambient == 0 && c->process.caps.inheritable == 0 &&
                           c->process.caps.bounding == (BIT(CAP_AUDIT_WRITE) | BIT(CAP_KILL) |
                                                        BIT(CAP_NET_BIND_SERVICE)),
                   "runc's capabilities, no ambient (runc 1.2+)");
                ok(!l->seccomp, "no seccomp, as runc's");
                is_int(c->n_mounts, 7, "runc's seven mounts");
                ok(c->n_mounts == 7 && strcmp(c->mounts[6].destination, "/sys/fs/cgroup") == 0 &&
                           strcmp(c->mounts[6].type, "cgroup") == 0,
                   "the cgroup mount last");
                is_int(l->n_masked_paths, 11, "runc's maskedPaths");
                is_int(l->n_readonly_paths, 5, "runc's readonlyPaths");
                ok(l->namespaces[CASCA_NS_PID].present && l->namespaces[CASCA_NS_NETWORK].present &&
                           l->namespaces[CASCA_NS_IPC].present &&
                           l->namespaces[CASCA_NS_UTS].present &&
                           l->namespaces[CASCA_NS_MOUNT].present &&
                           !l->namespaces[CASCA_NS_USER].present,
                   "runc's namespaces");
                ok(json && strstr(json, "\"terminal\": true"), "spelt as runc spells it");
        }
        casca_config_free(c);
}

static const struct casca_json *jget(const struct casca_json *v, const char *a, const char *b)
{
        v = casca_json_get(v, a);
        return b ? casca_json_get(v, b) : v;
}

static bool str_in(const struct casca_json *arr, const char *s)
{
        for (size_t i = 0; casca_json_is_array(arr) && i < casca_json_len(arr); i++)
                if (casca_json_str(casca_json_at(arr, i)) &&
                    strcmp(casca_json_str(casca_json_at(arr, i)), s) == 0)
                        return true;
        return false;
}

static void test_features(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_free_ char *json = casca_features_json(&err);
        _cleanup_json_ struct casca_json *doc = NULL;
        const struct casca_json *v;
        bool all_known = true;

        if (!ok(json, "features generated"))
                return;
        doc = casca_json_parse(json, strlen(json), &err);
        if (!ok(doc && casca_json_is_object(doc), "features is a JSON object"))
                return;
        v = jget(doc, "ociVersionMin", NULL);
        is_str(casca_json_is_string(v) ? casca_json_str(v) : NULL, "1.0.0", "ociVersionMin");
        v = jget(doc, "ociVersionMax", NULL);
        is_str(casca_json_is_string(v) ? casca_json_str(v) : NULL, "1.3.0", "ociVersionMax");
        v = jget(doc, "hooks", NULL);
        ok(casca_json_is_array(v) && casca_json_len(v) == 6 && str_in(v, "createRuntime"),
           "six hooks");
        v = jget(doc, "mountOptions", NULL);
        ok(str_in(v, "rbind") && str_in(v, "ro") && str_in(v, "rslave") &&
                   str_in(v, "nostrictatime"),
           "mountOptions");
        for (size_t i = 0; casca_json_is_array(v) && i < casca_json_len(v); i++) {
                const char *opts[] = {casca_json_str(casca_json_at(v, i))};
                struct casca_mount m;
                mount_opts(opts, 1, &m);
                if (casca_mount_parse_options(&m, NULL) < 0 || m.data) {
                        all_known = false;
                        printf("#   %s is not a known mount option\n", opts[0]);
                }
                free(m.data);
        }
        ok(all_known, "every listed mount option is one the parser maps to flags");
        v = jget(doc, "linux", "namespaces");
        ok(casca_json_is_array(v) && casca_json_len(v) == CASCA_NS__MAX && str_in(v, "time"),
           "linux.namespaces");
        v = jget(doc, "linux", "capabilities");
        ok(casca_json_is_array(v) && casca_json_len(v) >= 41 && str_in(v, "CAP_SYS_ADMIN") &&
                   str_in(v, "CAP_CHECKPOINT_RESTORE"),
           "linux.capabilities");
        v = jget(doc, "linux", "cgroup");
        ok((casca_json_type(casca_json_get(v, "v2")) == CASCA_JSON_TRUE) &&
                   (casca_json_type(casca_json_get(v, "v1")) == CASCA_JSON_FALSE) &&
                   (casca_json_type(casca_json_get(v, "systemd")) == CASCA_JSON_TRUE) &&
                   (casca_json_type(casca_json_get(v, "systemdUser")) == CASCA_JSON_TRUE) &&
                   (casca_json_type(casca_json_get(v, "rdma")) == CASCA_JSON_FALSE),
           "linux.cgroup: v2 only, the systemd driver, the user's too");
        ok((casca_json_type(jget(jget(doc, "linux", "apparmor"), "enabled", NULL)) ==
            CASCA_JSON_TRUE) &&
                   (casca_json_type(jget(jget(doc, "linux", "selinux"), "enabled", NULL)) ==
                    CASCA_JSON_TRUE) &&
                   (casca_json_type(jget(jget(doc, "linux", "intelRdt"), "enabled", NULL)) ==
                    CASCA_JSON_FALSE) &&
                   (casca_json_type(jget(jget(doc, "linux", "intelRdt"), "schemata", NULL)) ==
                    CASCA_JSON_FALSE),
           "apparmor, selinux supported; intelRdt not");
        v = jget(jget(doc, "linux", "memoryPolicy"), "modes", NULL);
        ok(casca_json_is_array(v) && casca_json_len(v) == 7 && str_in(v, "MPOL_BIND") &&
                   str_in(v, "MPOL_WEIGHTED_INTERLEAVE"),
           "linux.memoryPolicy.modes");
        v = jget(jget(doc, "linux", "memoryPolicy"), "flags", NULL);
        ok(casca_json_is_array(v) && casca_json_len(v) == 3 && str_in(v, "MPOL_F_STATIC_NODES"),
           "linux.memoryPolicy.flags");
        v = jget(jget(doc, "linux", "mountExtensions"), "idmap", NULL);
        ok((casca_json_type(casca_json_get(v, "enabled")) == CASCA_JSON_FALSE),
           "mountExtensions.idmap disabled");
        v = jget(doc, "annotations", "io.github.casca.version");
        is_str(casca_json_is_string(v) ? casca_json_str(v) : NULL, CASCA_VERSION,
               "version annotation");
}

/* `update -r FILE`: a linux.resources object alone. */
static void test_resources_alone(void)
{
        static const char doc[] = "{\"memory\":{\"limit\":33554432,\"swap\":-1},\"cpu\":{\"quota\":"
                                  "50000,\"cpus\":\"0\"},\"pids\":{\"limit\":10},\"unified\":{"
                                  "\"cpu.weight\":\"50\"}}";
        static const char bad[] = "{\"pids\":{\"limit\":\"x\"}}";
        struct casca_error *err = NULL;
        struct casca_resources *res = casca_resources_parse(doc, strlen(doc), &err);

        ok(res != NULL, "resources object parses");
        if (res) {
                ok(res->memory.has_limit && res->memory.limit == 33554432, "memory.limit");
                ok(res->memory.has_swap && res->memory.swap == -1, "memory.swap");
                ok(!res->memory.has_reservation, "memory.reservation absent");
                ok(res->cpu.has_quota && res->cpu.quota == 50000 && !res->cpu.has_period,
                   "cpu.quota without a period");
                is_str(res->cpu.cpus, "0", "cpu.cpus");
                ok(res->pids.has_limit && res->pids.limit == 10, "pids.limit");
                ok(res->n_unified == 1 && strcmp(res->unified[0].key, "cpu.weight") == 0,
                   "unified");
                ok(res->any_limit, "any_limit");
        }
        casca_resources_free(res);
        casca_resources_free(NULL);

        res = casca_resources_parse(bad, strlen(bad), &err);
        ok(res == NULL && err, "a bad member fails");
        is_str(err ? err->msg : NULL, "linux.resources.pids.limit: expected a 64-bit integer",
               "the error names the member as in a config");
        casca_error_free(err);
        err = NULL;
        res = casca_resources_parse("[]", 2, &err);
        ok(res == NULL && err, "not an object");
        is_str(err ? err->msg : NULL, "linux.resources: expected an object", "the error says so");
        casca_error_free(err);
}

/* jgen a document with f, into a string (NULL on failure) */
static char *gen(void (*f)(struct casca_jgen *, const void *, const void *), const void *a,
                 const void *b)
{
        struct casca_jgen j;

        if (casca_jgen_init(&j, CASCA_JGEN_DOCUMENT, NULL) < 0)
                return NULL;
        f(&j, a, b);
        return casca_jgen_finish(&j, NULL);
}

static void gen_resources(struct casca_jgen *j, const void *res, const void *unused)
{
        casca_resources_emit(j, res);
}

static void gen_merged(struct casca_jgen *j, const void *base, const void *over)
{
        casca_jgen_merged(j, base, over);
}

/* compact JSON text of a document, for comparisons */
static char *compact(const char *json)
{
        char *out = malloc(strlen(json) + 1), *o = out;
        bool in_str = false;

        for (const char *c = json; out && *c; c++) {
                if (*c == '"' && (c == json || c[-1] != '\\'))
                        in_str = !in_str;
                if (in_str || (*c != ' ' && *c != '\n'))
                        *o++ = *c;
        }
        if (out)
                *o = '\0';
        return out;
}

static void test_resources_emit_merge(void)
{
        static const char full[] =
                "{\"memory\":{\"limit\":67108864,\"reservation\":1,\"swap\":-1,\"swappiness\":"
                "10,\"disableOOMKiller\":false},\"cpu\":{\"shares\":1024,\"period\":100000,"
                "\"quota\":-1,\"cpus\":\"0-1\",\"mems\":\"0\"},\"pids\":{\"limit\":0},"
                "\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,"
                "\"weight\":10}],\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":"
                "18446744073709551615}]},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":"
                "2097152}],\"unified\":{\"memory.high\":\"max\"}}";
        static const char saved[] =
                "{\"ociVersion\":\"1.2.0\",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],"
                "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
                "\"memory\":{\"limit\":1048576,\"swap\":2097152},\"hugepageLimits\":[{"
                "\"pageSize\":\"2MB\",\"limit\":0},{\"pageSize\":\"1GB\",\"limit\":0}]}},"
                "\"hostname\":\"x\"}";
        static const char update[] =
                "{\"linux\":{\"resources\":{\"memory\":{\"limit\":33554432},\"pids\":{"
                "\"limit\":50},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304},"
                "{\"pageSize\":\"64KB\",\"limit\":65536}]}}}";
        static const char want[] =
                "{\"ociVersion\":\"1.2.0\",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],"
                "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
                "\"memory\":{\"limit\":33554432,\"swap\":2097152},\"hugepageLimits\":[{"
                "\"pageSize\":\"2MB\",\"limit\":4194304},{\"pageSize\":\"1GB\",\"limit\":0},"
                "{\"pageSize\":\"64KB\",\"limit\":65536}],\"pids\":{\"limit\":50}}},"
                "\"hostname\":\"x\"}";
        struct casca_error *err = NULL;
        struct casca_resources *res = casca_resources_parse(full, strlen(full), &err);
        _cleanup_free_ char *out = NULL, *c = NULL, *merged = NULL, *cm = NULL;
        _cleanup_json_ struct casca_json *base = NULL, *over = NULL;

        ok(res != NULL, "resources to emit parse");
        if (!res) {
                casca_error_free(err);
                return;
        }
        out = gen(gen_resources, res, NULL);
        c = out ? compact(out) : NULL;
        is_str(c, full, "emit gives back every member the parser read");
        casca_resources_free(res);

        base = casca_json_parse(saved, strlen(saved), NULL);
        over = casca_json_parse(update, strlen(update), NULL);
        ok(base && over, "merge inputs parse");
        if (base && over) {
                merged = gen(gen_merged, base, over);
                cm = merged ? compact(merged) : NULL;
                is_str(cm, want, "merge: members replaced or added, keyed array elements merged");
        }
}

/* A document with process and linux members added to a minimal config. */
static struct casca_config *parse_with(const char *process, const char *linux_, const char *top,
                                       char **ret_msg)
{
        _cleanup_free_ char *doc = NULL;

        if (asprintf(&doc,
                     "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},"
                     "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"%s%s},"
                     "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]%s%s}%s%s}",
                     process[0] ? "," : "", process, linux_[0] ? "," : "", linux_,
                     top[0] ? "," : "", top) < 0)
                return NULL;
        return parse(doc, ret_msg);
}

static bool id_in(const struct casca_id_set *set, unsigned id)
{
        return set->bits[id / (8 * sizeof(unsigned long))] & (1UL << (id % (8 * sizeof(long))));
}

/* runtime-spec 1.1 to 1.3 fields: parsed into what the init applies, or
 * refused by name; any 1.x version; casca's own object is closed. */
static void test_runtime_spec_1_3(void)
{
        _cleanup_free_ char *msg = NULL;
        struct casca_config *c;

        c = parse("{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"}}", NULL);
        ok(c, "ociVersion 1.3.0 accepted");
        casca_config_free(c);
        c = parse("{\"ociVersion\":\"1.10.0-rc.1\",\"root\":{\"path\":\"r\"}}", NULL);
        ok(c, "ociVersion 1.10.0-rc.1 accepted (any 1.x)");
        casca_config_free(c);

        c = parse_with("\"scheduler\":{\"policy\":\"SCHED_FIFO\",\"priority\":7,\"flags\":"
                       "[\"SCHED_FLAG_RESET_ON_FORK\"]},"
                       "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":7},"
                       "\"execCPUAffinity\":{\"initial\":\"0,2-3\",\"final\":\"1\"}",
                       "\"memoryPolicy\":{\"mode\":\"MPOL_INTERLEAVE\",\"nodes\":\"0-1,5\","
                       "\"flags\":[\"MPOL_F_STATIC_NODES\"]}",
                       "", &msg);
        if (ok(c, "scheduler, ioPriority, execCPUAffinity, memoryPolicy parse: %s",
               msg ? msg : "")) {
                const struct casca_process *p = &c->process;
                const struct casca_linux *l = &c->linux_cfg;

                ok(p->has_scheduler && p->scheduler.policy == SCHED_FIFO &&
                           p->scheduler.priority == 7 && p->scheduler.flags == 0x01,
                   "scheduler SCHED_FIFO 7, reset-on-fork");
                ok(p->has_io_priority && p->io_priority.klass == 3 && p->io_priority.priority == 7,
                   "ioPriority idle 7");
                ok(p->has_affinity_initial && id_in(&p->affinity_initial, 0) &&
                           !id_in(&p->affinity_initial, 1) && id_in(&p->affinity_initial, 2) &&
                           id_in(&p->affinity_initial, 3) && p->affinity_initial.highest == 3,
                   "initial affinity 0,2-3");
                ok(p->has_affinity_final && id_in(&p->affinity_final, 1) &&
                           p->affinity_final.highest == 1,
                   "final affinity 1");
                ok(l->has_memory_policy && l->memory_policy == (3 | (1 << 15)) &&
                           id_in(&l->memory_policy_nodes, 5) &&
                           !id_in(&l->memory_policy_nodes, 2) &&
                           l->memory_policy_nodes.highest == 5,
                   "memoryPolicy interleave|static on 0-1,5");
        }
        casca_config_free(c);
        free(msg);
        msg = NULL;

        c = parse_with("", "\"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"nodes\":\"1024\"}", "",
                       &msg);
        ok(!c && msg &&
                   strcmp(msg, "linux.memoryPolicy.nodes: 1024 is above the highest id, "
                               "1023") == 0,
           "node 1024 refused: %s", msg ? msg : "(accepted)");
        casca_config_free(c);
        free(msg);
        msg = NULL;

        c = parse_with("", "", "\"casca\":{\"network\":{},\"netwrok\":{}}", &msg);
        ok(!c && msg &&
                   strcmp(msg, "casca: unknown key \"netwrok\" (casca knows \"network\", "
                               "\"cloudInit\")") == 0,
           "unknown key in casca refused: %s", msg ? msg : "(accepted)");
        casca_config_free(c);
        free(msg);
        msg = NULL;

        c = parse_with("", "", "\"casca\":{\"network\":{\"brige\":\"br0\"}}", &msg);
        ok(!c && msg && strcmp(msg, "casca.network: unknown key \"brige\"") == 0,
           "unknown key in casca.network refused: %s", msg ? msg : "(accepted)");
        casca_config_free(c);
        free(msg);
        msg = NULL;

        c = parse_with("", "\"intelRdt\":{\"closID\":\"a\"}", "", &msg);
        ok(!c && msg && strstr(msg, "linux.intelRdt: not supported"), "intelRdt refused: %s",
           msg ? msg : "(accepted)");
        casca_config_free(c);
        free(msg);
        msg = NULL;

        /* linux.mountLabel as runc applies it (on an SELinux host) */
        c = parse_with("", "\"mountLabel\":\"system_u:object_r:container_file_t:s0\"",
                       "\"mounts\":[{\"destination\":\"/tmp\",\"type\":\"tmpfs\","
                       "\"options\":[\"mode=1777\"]},{\"destination\":\"/proc\",\"type\":"
                       "\"proc\"},{\"destination\":\"/b\",\"source\":\"/srv\",\"options\":"
                       "[\"rbind\"]},{\"destination\":\"/dev/pts\",\"type\":\"devpts\"}]",
                       &msg);
        if (ok(c, "mountLabel config parses: %s", msg ? msg : "")) {
                ok(casca_config_apply_mount_label(c, NULL) == 0, "mount label applied");
                is_str(c->mounts[0].data,
                       "mode=1777,context=\"system_u:object_r:container_file_t:s0\"",
                       "tmpfs gets context=");
                ok(!c->mounts[1].data && !c->mounts[2].data, "proc and bind mounts do not");
                is_str(c->mounts[3].data, "context=\"system_u:object_r:container_file_t:s0\"",
                       "devpts without options gets context=");
        }
        casca_config_free(c);
}

int main(void)
{
        test_full();
        test_small_documents();
        test_errors();
        test_partial_free();
        test_load();
        test_mount_options();
        test_mount_rec_attrs();
        test_names();
        test_spec();
        test_spec_runc();
        test_features();
        test_resources_alone();
        test_resources_emit_merge();
        test_runtime_spec_1_3();
        return tap_done();
}
