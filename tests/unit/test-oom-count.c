/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-oom-count.c - how `events` counts OOMs from the memory.events
 * counters it reads (casca_oom_count_*): one event per OOM kill, however the
 * kernel's "oom" counter moves around it and whenever the reader wakes. */
#include <stdbool.h>
#include <stdint.h>

#include "casca.h"
#include "cgroup/cgroup.h"
#include "tap.h"

/* Read (oom, oom_kill) at time t: the events counted. */
static uint64_t look(struct casca_oom_count *c, uint64_t oom, uint64_t kill, int64_t t, bool last)
{
        struct casca_cgroup_events ev = {.has_oom = true, .oom = oom, .oom_kill = kill};

        return casca_oom_count_step(c, &ev, t, last);
}

static struct casca_oom_count start(uint64_t oom, uint64_t kill)
{
        struct casca_cgroup_events ev = {.has_oom = true, .oom = oom, .oom_kill = kill};
        struct casca_oom_count c;

        casca_oom_count_init(&c, &ev);
        return c;
}

int main(void)
{
        struct casca_oom_count c;
        struct casca_cgroup_events none = {0};
        uint64_t n;

        /* nothing moved */
        c = start(0, 0);
        is_int(look(&c, 0, 0, 10, false), 0, "no change, no event");
        is_int(casca_oom_count_due(&c, 10), -1, "nothing pending");

        /* earlier counts are not events */
        c = start(3, 2);
        is_int(look(&c, 3, 2, 10, true), 0, "counts from before the watch are not reported");

        /* the one-kill incident read in one look */
        c = start(0, 0);
        is_int(look(&c, 1, 1, 10, false), 1, "oom 1, oom_kill 1 in one look: one event");

        /* the flake seen in the VM lane: "oom" first, then the kill with a
         * second failed charge: one event, not two */
        c = start(0, 0);
        n = look(&c, 1, 0, 10, false);
        is_int(n, 0, "oom without a kill yet: held back");
        is_int(casca_oom_count_due(&c, 10), CASCA_OOM_WINDOW_MS, "due after the window");
        n += look(&c, 2, 1, 40, false);
        is_int(n, 1, "oom 1 then (oom 2, kill 1): one event in all");
        n += look(&c, 2, 1, 40 + 5 * CASCA_OOM_WINDOW_MS, true);
        is_int(n, 1, "and nothing more at the end");

        /* a charge that fails again while the victim dies, seen after the kill */
        c = start(0, 0);
        n = look(&c, 1, 1, 10, false);
        n += look(&c, 2, 1, 30, false);
        n += look(&c, 3, 1, 10 + CASCA_OOM_WINDOW_MS - 1, false);
        n += look(&c, 3, 1, 40 + 2 * CASCA_OOM_WINDOW_MS, true);
        is_int(n, 1, "an oom just after the kill is the kill's");

        /* two kills: two events, however they are read */
        c = start(0, 0);
        is_int(look(&c, 2, 2, 10, false), 2, "two kills in one look: two events");
        c = start(0, 0);
        n = look(&c, 1, 0, 10, false);
        n += look(&c, 1, 1, 20, false);
        n += look(&c, 2, 1, 20 + 2 * CASCA_OOM_WINDOW_MS, false);
        n += look(&c, 2, 2, 30 + 2 * CASCA_OOM_WINDOW_MS, true);
        is_int(n, 2, "two separate incidents: two events");

        /* an OOM no kill follows (nothing killable): reported once, late */
        c = start(0, 0);
        is_int(look(&c, 1, 0, 10, false), 0, "oom alone: held back");
        is_int(look(&c, 4, 0, 10 + CASCA_OOM_WINDOW_MS / 2, false), 0,
               "more failed charges in the window: still held back");
        is_int(casca_oom_count_due(&c, 10 + CASCA_OOM_WINDOW_MS / 2), CASCA_OOM_WINDOW_MS / 2,
               "due when the window from the first one ends");
        is_int(look(&c, 4, 0, 10 + CASCA_OOM_WINDOW_MS, false), 1,
               "unexplained for the window: one event");
        is_int(casca_oom_count_due(&c, 20 + CASCA_OOM_WINDOW_MS), -1, "nothing pending after it");
        is_int(look(&c, 4, 0, 10 + 3 * CASCA_OOM_WINDOW_MS, true), 0, "and not again at the end");

        /* the end of the watch reports what is held back */
        c = start(5, 5);
        is_int(look(&c, 6, 5, 10, false), 0, "oom alone, held back");
        is_int(look(&c, 6, 5, 20, true), 1, "the last look reports it");

        /* an oom long after a kill is a new incident */
        c = start(0, 0);
        n = look(&c, 1, 1, 10, false);
        n += look(&c, 2, 1, 10 + 3 * CASCA_OOM_WINDOW_MS, false);
        n += look(&c, 2, 1, 20 + 3 * CASCA_OOM_WINDOW_MS, true);
        is_int(n, 2, "an oom long after the kill: its own event");

        /* memory.events gone (the cgroup removed): what is held back is
         * still reported at the end, and the levels are kept */
        c = start(0, 0);
        is_int(look(&c, 1, 0, 10, false), 0, "oom alone, held back");
        is_int(casca_oom_count_step(&c, &none, 20, false), 0, "unreadable: nothing yet");
        is_int(casca_oom_count_step(&c, &none, 30, true), 1, "unreadable at the end: reported");
        is_int(look(&c, 1, 0, 40, true), 0, "the levels were kept");
        return tap_done();
}
