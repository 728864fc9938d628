/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spec.h - the default config.json `casca spec` writes. */
#ifndef CASCA_SPEC_H
#define CASCA_SPEC_H

#include <stdbool.h>

#include "casca.h"

enum casca_spec_network {
        CASCA_SPEC_NETWORK_NONE,   /* a network namespace with only lo (rootless: none) */
        CASCA_SPEC_NETWORK_BRIDGE, /* casca.network with its defaults (not rootless) */
};

struct casca_spec_options {
        /* false: what runc's `spec` writes (runc 1.2 and later), so that
         * scripts that edit runc's output work on casca's: terminal true,
         * runc's mounts (a cgroup mount too), namespaces (a cgroup one only
         * on a cgroup2 host), capabilities, masked and read-only paths, no
         * seccomp; only the hostname ("casca") and ociVersion (1.0.0, what
         * the fields need) differ.
         * true: casca's hardened profile: terminal false, a seccomp allow
         * list, podman's and docker's masked and read-only paths together,
         * always a cgroup namespace, no cgroup mount; ociVersion 1.1.0. */
        bool hardened;
        /* runc's --rootless: a user namespace mapping the caller's uid/gid to
         * 0, no network namespace, /sys bind-mounted read-only from the
         * host, no uid=/gid= mount options, no cgroup device rules */
        bool rootless;
        /* a system container (systemd as init, see README "System
         * containers"); with rootless or userns_size, unprivileged */
        bool system;
        /* --system --userns: a user namespace mapping 0..userns_size-1 to
         * userns_host_id.. (LXC's unprivileged container); 0: none */
        unsigned long long userns_host_id, userns_size;
        /* bridge adds "casca": {"network": {...}} with the defaults */
        enum casca_spec_network network;
};

struct casca_jgen;
/* "maskedPaths" and "readonlyPaths" of the hardened profile (the sandbox's too). */
void casca_spec_gen_hardened_paths(struct casca_jgen *j);

/* A pretty-printed config.json (malloc'd, ends in a newline). */
char *casca_spec_generate(const struct casca_spec_options *o, struct casca_error **err);

#endif
