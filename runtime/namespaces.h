/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* namespaces.h - clone3, joining namespaces by path, id maps, time offsets. */
#ifndef CASCA_NAMESPACES_H
#define CASCA_NAMESPACES_H

#include <stdint.h>
#include <sys/types.h>

#include "runtime/config.h"

int casca_ns_clone_flag(enum casca_ns_type t);
/* CLONE_NEW* flags of the namespaces to create (no path), without time. */
uint64_t casca_ns_new_flags(const struct casca_linux *l);
/* clone3 with fork semantics; cgroup_fd >= 0 adds CLONE_INTO_CGROUP.
 * Returns the pid in the parent, 0 in the child, -errno on failure. */
pid_t casca_clone3(uint64_t flags, int cgroup_fd);
/* Join the namespaces given by path whose type is in `mask` (bit = 1 <<
 * casca_ns_type), the user namespace first.  Errors name the JSON path. */
int casca_ns_join(const struct casca_linux *l, unsigned mask, struct casca_error **err);
struct casca_idmap_plan;
/* Parent side: write /proc/<pid>/{uid_map,setgroups,gid_map}, through
 * newuidmap/newgidmap where the plan (may be NULL) names them. */
int casca_ns_write_id_maps(pid_t pid, const struct casca_linux *l,
                           const struct casca_idmap_plan *plan, struct casca_error **err);
/* Child side: create the time namespace with linux.timeOffsets and enter it. */
int casca_ns_enter_new_time(const struct casca_linux *l, struct casca_error **err);

#endif
