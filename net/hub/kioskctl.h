/* kioskctl: what kioskctl.c (options, the HTTP call, answers) shares with
 * the files of its command groups (kioskctl_fleet.c: kiosk list, kiosk
 * screenshot, alert). One process, one thread. */
#ifndef KIOSKCTL_H
#define KIOSKCTL_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

enum { EX_OK = 0, EX_HUB = 1, EX_USAGE = 2, EX_UNREACHABLE = 3, EX_AUTH = 4, EX_CONFLICT = 5 };

struct buf {
    char *p;
    size_t len;
    bool over;
};

struct ctl {
    const char *hub;
    char token[300];
    bool json;
};

/* The options of the fleet commands (kioskctl_fleet_opt fills them). */
struct fleet_opts {
    const char *to, *level, *title, *body, *title_en, *body_en, *until, *out, *timeout;
};

/* Performs one request (body: JSON, or NULL); returns the HTTP status, or -1
 * when the hub cannot be reached (a message is printed). The answer is in
 * *out (caller frees out->p). */
long kioskctl_call(const struct ctl *c, const char *method, const char *path, const char *body,
                   struct buf *out);
/* Maps an error status to an exit code and prints the problem's title and
 * detail (never the token). */
int kioskctl_fail(long code, const struct buf *b);
/* What kioskctl_get returns when the caller has an answer to print. */
#define KIOSKCTL_GOT_ANSWER (-1)
/* GET path. On 200: with --json prints the answer as it came and returns
 * EX_OK; otherwise parses it into *o (the caller deletes it) and returns
 * KIOSKCTL_GOT_ANSWER. Any other answer: prints why, returns the exit code
 * (400 → EX_USAGE), *o = NULL. */
int kioskctl_get(const struct ctl *c, const char *path, struct cJSON **o);
/* A member as text for a table ("-" when absent or null). */
const char *kioskctl_str(const struct cJSON *o, const char *name);

/* kioskctl_fleet.c. opt: consumes argv[*i] (and its value) when it is one
 * of the fleet options: true, or false when it is not one. The commands
 * return exit codes; pos[] are the positional words (pos[0] the group). */
bool kioskctl_fleet_opt(struct fleet_opts *o, int argc, char **argv, int *i);
int kioskctl_kiosk_list(const struct ctl *c);
int kioskctl_kiosk_screenshot(const struct ctl *c, const struct fleet_opts *o, const char *id);
int kioskctl_alert(const struct ctl *c, const struct fleet_opts *o, const char *const *pos,
                   int npos);

#endif
