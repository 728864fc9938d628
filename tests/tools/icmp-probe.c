/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* icmp-probe - ping the way an unprivileged ping does (iputils' ping
 * without CAP_NET_RAW): one ICMP echo over an ICMP datagram socket, which
 * the kernel allows only to the groups in net.ipv4.ping_group_range.
 *
 *   icmp-probe ADDRESS   prints "echo-reply from ADDRESS", or the errno of
 *                        socket() (EACCES outside the range) and exits 1 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct sockaddr_in to = {.sin_family = AF_INET};
        struct icmphdr req = {.type = ICMP_ECHO, .un.echo.sequence = htons(1)};
        unsigned char buf[256];
        struct pollfd p;
        int fd;

        if (argc != 2 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
                fprintf(stderr, "usage: icmp-probe IPV4-ADDRESS\n");
                return 2;
        }
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
        if (fd < 0) {
                printf("socket: %s\n", strerror(errno));
                return 1;
        }
        if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
                printf("sendto: %s\n", strerror(errno));
                return 1;
        }
        p = (struct pollfd){.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 2000) != 1) {
                printf("no reply\n");
                return 1;
        }
        if (recv(fd, buf, sizeof(buf), 0) < (ssize_t)sizeof(req) || buf[0] != ICMP_ECHOREPLY) {
                printf("not an echo reply\n");
                return 1;
        }
        printf("echo-reply from %s\n", argv[1]);
        return 0;
}
