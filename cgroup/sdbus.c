/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sdbus.c - libsystemd's sd-bus, loaded with dlopen() the first time the
 * systemd cgroup manager needs the bus.
 *
 * Linked, libsystemd.so.0 and the five libraries it needs (libgcrypt,
 * liblzma, libzstd, liblz4, libgpg-error) were mapped and relocated by the
 * dynamic loader on every casca call, twice for create, run and exec
 * (casca re-executes from a sealed copy of itself), though only the systemd
 * manager uses them.  The sd-bus functions casca calls are defined here
 * with sd-bus.h's own prototypes (the compiler checks they match) and
 * forward to the library's.  Before casca_sdbus_open() has succeeded they
 * fail with -ENOSYS, and the free/unref ones do nothing: nothing of the
 * library's exists to free.  The variadic ones go through the library's
 * va_list variants. */
#include <errno.h>
#include <stdarg.h>
#include <systemd/sd-bus.h>

#include "cgroup/sdbus.h"
#include "util/dl.h"

/* name, parameters, arguments: the int-returning functions forwarded as
 * they are */
#define SDBUS_INT_FUNCS(X)                                                                         \
        X(sd_bus_open_system, (sd_bus * *ret), (ret))                                              \
        X(sd_bus_open_user, (sd_bus * *ret), (ret))                                                \
        X(sd_bus_message_new_method_call,                                                          \
          (sd_bus * bus, sd_bus_message * *m, const char *destination, const char *path,           \
           const char *interface, const char *member),                                             \
          (bus, m, destination, path, interface, member))                                          \
        X(sd_bus_message_open_container, (sd_bus_message * m, char type, const char *contents),    \
          (m, type, contents))                                                                     \
        X(sd_bus_message_close_container, (sd_bus_message * m), (m))                               \
        X(sd_bus_message_append_basic, (sd_bus_message * m, char type, const void *p),             \
          (m, type, p))                                                                            \
        X(sd_bus_message_append_array,                                                             \
          (sd_bus_message * m, char type, const void *ptr, size_t size), (m, type, ptr, size))     \
        X(sd_bus_call,                                                                             \
          (sd_bus * bus, sd_bus_message * m, uint64_t usec, sd_bus_error * ret_error,              \
           sd_bus_message * *reply),                                                               \
          (bus, m, usec, ret_error, reply))                                                        \
        X(sd_bus_wait, (sd_bus * bus, uint64_t timeout_usec), (bus, timeout_usec))                 \
        X(sd_bus_process, (sd_bus * bus, sd_bus_message * *r), (bus, r))                           \
        X(sd_bus_match_signal,                                                                     \
          (sd_bus * bus, sd_bus_slot * *ret, const char *sender, const char *path,                 \
           const char *interface, const char *member, sd_bus_message_handler_t callback,           \
           void *userdata),                                                                        \
          (bus, ret, sender, path, interface, member, callback, userdata))                         \
        X(sd_bus_error_has_name, (const sd_bus_error *e, const char *name), (e, name))             \
        X(sd_bus_get_property_string,                                                              \
          (sd_bus * bus, const char *destination, const char *path, const char *interface,         \
           const char *member, sd_bus_error *ret_error, char **ret),                               \
          (bus, destination, path, interface, member, ret_error, ret))

/* the unref functions: NULL when nothing is loaded */
#define SDBUS_UNREF_FUNCS(X)                                                                       \
        X(sd_bus_slot_unref, sd_bus_slot)                                                          \
        X(sd_bus_message_unref, sd_bus_message)                                                    \
        X(sd_bus_flush_close_unref, sd_bus)

/* what is looked up by name, beyond the two lists */
#define SDBUS_OTHER_FUNCS(X)                                                                       \
        X(sd_bus_error_free)                                                                       \
        X(sd_bus_message_appendv)                                                                  \
        X(sd_bus_message_readv)                                                                    \
        X(sd_bus_call_methodv)

#define SDBUS_PTR(name, ...) __typeof__(name) *name;
static struct {
        SDBUS_INT_FUNCS(SDBUS_PTR)
        SDBUS_UNREF_FUNCS(SDBUS_PTR)
        SDBUS_OTHER_FUNCS(SDBUS_PTR)
} fns;
#undef SDBUS_PTR

#define SDBUS_SYM(name, ...) {#name, (void **)&fns.name},
static const struct casca_dl_sym syms[] = {SDBUS_INT_FUNCS(SDBUS_SYM) SDBUS_UNREF_FUNCS(SDBUS_SYM)
                                                   SDBUS_OTHER_FUNCS(SDBUS_SYM)};
#undef SDBUS_SYM

static struct casca_dl lib =
        CASCA_DL_INIT(CASCA_SDBUS_SONAME, "libsystemd0", "systemd cgroup manager", syms);

int casca_sdbus_open(struct casca_error **err)
{
        return casca_dl_load(&lib, err);
}

#define SDBUS_INT_FWD(name, params, args)                                                          \
        int name params                                                                            \
        {                                                                                          \
                return lib.loaded ? fns.name args : -ENOSYS;                                       \
        }
SDBUS_INT_FUNCS(SDBUS_INT_FWD)
#undef SDBUS_INT_FWD

#define SDBUS_UNREF_FWD(name, type)                                                                \
        type *name(type *p)                                                                        \
        {                                                                                          \
                return lib.loaded && p ? fns.name(p) : NULL;                                       \
        }
SDBUS_UNREF_FUNCS(SDBUS_UNREF_FWD)
#undef SDBUS_UNREF_FWD

void sd_bus_error_free(sd_bus_error *e)
{
        if (lib.loaded)
                fns.sd_bus_error_free(e);
}

int sd_bus_message_append(sd_bus_message *m, const char *types, ...)
{
        va_list ap;
        int r;

        if (!lib.loaded)
                return -ENOSYS;
        va_start(ap, types);
        r = fns.sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        return r;
}

int sd_bus_message_read(sd_bus_message *m, const char *types, ...)
{
        va_list ap;
        int r;

        if (!lib.loaded)
                return -ENOSYS;
        va_start(ap, types);
        r = fns.sd_bus_message_readv(m, types, ap);
        va_end(ap);
        return r;
}

int sd_bus_call_method(sd_bus *bus, const char *destination, const char *path,
                       const char *interface, const char *member, sd_bus_error *ret_error,
                       sd_bus_message **reply, const char *types, ...)
{
        va_list ap;
        int r;

        if (!lib.loaded)
                return -ENOSYS;
        va_start(ap, types);
        r = fns.sd_bus_call_methodv(bus, destination, path, interface, member, ret_error, reply,
                                    types, ap);
        va_end(ap);
        return r;
}
