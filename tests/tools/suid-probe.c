/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* suid-probe - print the real and effective uid ("uid=1000 euid=0").
 * hardening.bats installs it setuid-root in a container's rootfs: without
 * noNewPrivileges the exec makes it euid 0, with it the euid stays.  Built
 * static (no libraries in the test rootfs), see the Makefile. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
        printf("uid=%u euid=%u\n", (unsigned)getuid(), (unsigned)geteuid());
        return 0;
}
