/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* idmap.h - rootless id mappings: /etc/subuid and /etc/subgid, newuidmap and
 * newgidmap, and whether user namespaces are enabled at all. */
#ifndef CASCA_IDMAP_H
#define CASCA_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/config.h"

#define CASCA_SUBUID_FILE "/etc/subuid"
#define CASCA_SUBGID_FILE "/etc/subgid"

struct casca_subid_range {
        uint32_t start, count;
};

/* The ranges a subordinate id file's text grants to the user `name` or
 * numeric `id` ("name:start:count" or "id:start:count" lines; comments and
 * bad lines are skipped, as shadow does).  *ret is malloc'ed. */
int casca_subid_parse(const char *text, const char *name, uint32_t id,
                      struct casca_subid_range **ret, size_t *ret_n);

/* The caller's first range in `file` (/etc/subuid or /etc/subgid): 1 and
 * *ret when there is one, 0 when none. */
int casca_idmap_own_range(const char *file, struct casca_subid_range *ret);

/* How the parent writes the maps of a new user namespace: itself (root, or
 * only the caller's own id mapped), or through newuidmap/newgidmap (paths). */
struct casca_idmap_plan {
        char *newuidmap, *newgidmap; /* NULL: write uid_map/gid_map directly */
};

/* Before create makes anything: refuse a config whose user namespace cannot
 * be made (the knob that disables it named) or whose mappings the caller may
 * not write (the range, the file and the package named), and find the
 * helpers.  Nothing to do without a new user namespace. */
int casca_idmap_plan_make(const struct casca_linux *l, struct casca_idmap_plan *ret,
                          struct casca_error **err);
void casca_idmap_plan_clear(struct casca_idmap_plan *p);

/* Run `helper` (newuidmap or newgidmap) for pid with the mappings, directly
 * (fork/exec, no shell); its stderr goes into the error.  `what` is the JSON
 * path for errors. */
int casca_idmap_run_helper(const char *helper, pid_t pid, const struct casca_id_mapping *m,
                           size_t n, const char *what, struct casca_error **err);

/* Whether casca runs without the host's root: as a normal user, or as uid 0
 * of a user namespace that is not the initial one (rootless podman runs its
 * runtime there, as root of the namespace newuidmap made for the user).  As
 * runc and crun: the state root is then $XDG_RUNTIME_DIR's and a cgroup that
 * cannot be made is not an error without limits. */
bool casca_idmap_rootless(void);

/* The same for a /proc/self/uid_map text (0 0 4294967295 is the initial
 * namespace's): true when it maps less than every id to itself. */
bool casca_idmap_uid_map_is_userns(const char *uid_map);

/* The sysctl that disables user namespaces for the caller, or NULL. */
const char *casca_idmap_userns_disabled(void);

#endif
