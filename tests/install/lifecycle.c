/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A program of libcasca's users: it includes <casca.h> only and is linked
 * against the installed libcasca through pkg-config (test-install.sh).
 * Usage: lifecycle STATE-ROOT EMPTY-BUNDLE VERSION; prints TAP. */
#include <casca.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static int n, failed;

static void ok(int cond, const char *what, const struct casca_error *err)
{
        n++;
        failed += !cond;
        printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
        if (err)
                printf("# error: %s\n", err->msg);
}

int main(int argc, char **argv)
{
        struct casca_context ctx = {.state_root = argv[1], .cgroup_manager = CASCA_CGROUP_DISABLED};
        struct casca_create_options opts = {.bundle = argv[2]};
        struct casca_container_info *list = NULL;
        struct casca_resources *res;
        struct casca_error *err = NULL;
        const char *bad = "{\"memory\":{\"limit\":\"x\"}}", *good = "{\"pids\":{\"limit\":10}}";
        char *json = NULL;
        size_t count = 99;
        int r;

        if (argc != 4)
                return 2;
        ok(strcmp(CASCA_VERSION, argv[3]) == 0, "casca.h's CASCA_VERSION is pkg-config's", NULL);
        r = casca_container_list(&ctx, &list, &count, &err);
        ok(r == 0 && count == 0, "list: an empty state root has no containers", err);
        casca_container_info_free(list, count);
        casca_error_free(err), err = NULL;

        r = casca_container_create(&ctx, "lib-demo", &opts, &err);
        ok(r < 0 && err && strstr(err->msg, "config.json"),
           "create: a bundle without config.json is refused, naming it", err);
        casca_error_free(err), err = NULL;

        r = casca_container_state(&ctx, "lib-demo", &json, &err);
        ok(r < 0 && err && strcmp(err->msg, "container `lib-demo` does not exist") == 0,
           "state: the failed create left no container", err);
        casca_error_free(err), err = NULL;

        r = casca_container_delete(&ctx, "lib-demo", true, &err);
        ok(r < 0 && err && strstr(err->msg, "does not exist"), "delete --force of none: an error",
           err);
        casca_error_free(err), err = NULL;

        res = casca_resources_parse(bad, strlen(bad), &err);
        ok(!res && err && strstr(err->msg, "memory.limit"),
           "resources: a bad limit is refused, naming its JSON path", err);
        casca_error_free(err), err = NULL;
        res = casca_resources_parse(good, strlen(good), &err);
        ok(res != NULL, "resources: a good object parses", err);
        casca_resources_free(res);
        casca_error_free(err), err = NULL;

        ok(casca_signal_parse("KILL") == SIGKILL && casca_signal_parse("SIGTERM") == SIGTERM,
           "signal names", NULL);
        printf("1..%d\n", n);
        return failed ? 1 : 0;
}
