/* kioskctl_bookings: the `kioskctl bookings ...` command group (nursing-room
 * bookings: list, show, cancel). kioskctl.c parses the common options and
 * hands the group its positional words and options, with a way to call the
 * hub. Single-threaded, like the rest of kioskctl. */
#ifndef KIOSKCTL_BOOKINGS_H
#define KIOSKCTL_BOOKINGS_H

#include <stdbool.h>
#include <stddef.h>

/* How the group reaches the hub: call performs one request with the admin
 * token and returns the HTTP status (or -1 when the hub cannot be reached,
 * a message printed); *out is the answer body (NUL-terminated, the caller
 * frees it; NULL when none) of *len bytes. */
struct kctl_http {
    long (*call)(void *ctx, const char *method, const char *path, const char *body, char **out,
                 size_t *len);
    void *ctx;
    bool json; /* --json: print the hub's JSON as it came */
};

/* Runs `bookings list [--room R] [--date D]`, `bookings show CODE` or
 * `bookings cancel CODE --note TEXT`; pos[0] is "bookings". Returns
 * kioskctl's exit code (0 ok, 1 hub error or not found, 2 usage, 3
 * unreachable, 4 auth, 5 conflict). */
int kioskctl_bookings(const struct kctl_http *h, int npos, const char *const *pos,
                      const char *room, const char *date, const char *note);

/* The group's lines of kioskctl's usage text. */
extern const char kioskctl_bookings_usage[];

#endif
