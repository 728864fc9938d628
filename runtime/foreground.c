/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* foreground.c - a runtime that stays with its process (run, exec):
 * forward signals, relay the pty, wait, and report 128+N for signal N. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/foreground.h"
#include "util/cleanup.h"

static const int forwarded[] = {SIGHUP,  SIGINT,   SIGQUIT, SIGTERM, SIGUSR1,
                                SIGUSR2, SIGWINCH, SIGCONT, SIGCHLD};

static void copy_winsize(int from, int to)
{
        struct winsize ws;

        /* a caller's terminal without a size leaves process.consoleSize */
        if (ioctl(from, TIOCGWINSZ, &ws) == 0 && (ws.ws_row || ws.ws_col))
                ioctl(to, TIOCSWINSZ, &ws);
}

static bool pump(int from, int to)
{
        char buf[8192];
        ssize_t n = read(from, buf, sizeof(buf));

        if (n <= 0)
                return n < 0 && (errno == EINTR || errno == EAGAIN);
        for (ssize_t off = 0; off < n;) {
                ssize_t w = write(to, buf + off, (size_t)(n - off));
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return false;
                }
                off += w;
        }
        return true;
}

int casca_foreground_wait(struct casca_foreground *fg, pid_t pid, int master, int *ret_status)
{
        int sfd = fg->sfd;
        bool stdin_open = master >= 0, master_open = master >= 0;
        int status = 0;

        if (master >= 0 && isatty(STDIN_FILENO))
                copy_winsize(STDIN_FILENO, master);
        for (;;) {
                struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
                                      {.fd = master_open ? master : -1, .events = POLLIN},
                                      {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN}};

                if (poll(p, 3, -1) < 0 && errno != EINTR)
                        return -errno;
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
                        master_open = pump(master, STDOUT_FILENO);
                if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
                        stdin_open = pump(STDIN_FILENO, master);
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        if (read(sfd, &si, sizeof(si)) != sizeof(si))
                                continue;
                        if (si.ssi_signo == SIGWINCH && master >= 0)
                                copy_winsize(STDIN_FILENO, master);
                        else if (si.ssi_signo != SIGCHLD)
                                kill(pid, (int)si.ssi_signo);
                }
                /* reap: the init, and anything else that was ours */
                for (;;) {
                        int s;
                        pid_t w = waitpid(-1, &s, WNOHANG);
                        if (w <= 0)
                                break;
                        if (w == pid) {
                                status = s;
                                goto done;
                        }
                }
        }
done:
        /* what the container wrote last is still in the pty */
        if (master >= 0) {
                int fl = fcntl(master, F_GETFL);
                fcntl(master, F_SETFL, fl | O_NONBLOCK);
                while (pump(master, STDOUT_FILENO))
                        ;
        }
        *ret_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        return 0;
}

int casca_foreground_begin(struct casca_foreground *fg, struct casca_error **err)
{
        sigset_t set;

        *fg = (struct casca_foreground){.sfd = -1};
        sigemptyset(&set);
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                sigaddset(&set, forwarded[i]);
        sigprocmask(SIG_BLOCK, &set, &fg->old);
        fg->sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (fg->sfd < 0) {
                int e = errno;
                sigprocmask(SIG_SETMASK, &fg->old, NULL);
                return casca_error_set(err, e, "signalfd");
        }
        return 0;
}

void casca_foreground_raw(struct casca_foreground *fg, int master)
{
        struct termios t;

        if (master < 0 || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &fg->saved) < 0)
                return;
        t = fg->saved;
        cfmakeraw(&t);
        fg->raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
}

void casca_foreground_end(struct casca_foreground *fg)
{
        if (fg->raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &fg->saved);
        casca_closep(&fg->sfd);
        sigprocmask(SIG_SETMASK, &fg->old, NULL);
}
