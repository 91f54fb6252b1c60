/* walkcli: the service circle on the command line, for admins and tests.
 * `kiosk --config FILE --nearest [--kind K] [--limit N] [--step-free]` prints
 * one JSON object per line {"id","kind","seconds","metres","tower","floor"}
 * sorted by seconds; `--route PLACE_ID [--step-free]` prints one object
 * {"id","seconds","metres","lang","steps":[...],"path":[[lon,lat],...]}, the
 * steps in the config's language or --lang zh|en. From the config's
 * tower_id (and entrance): without one it exits 1 saying so. Loads the
 * bundle without a window. */
#ifndef WALKCLI_H
#define WALKCLI_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

struct walkcli_opts {
    const char *route;  /* place id for --route, NULL for --nearest */
    const char *kind;   /* a group ("party") or a type ("union"); NULL = all */
    int limit;          /* 0 = all */
    bool step_free;
    int lang;           /* --lang: -1 the config's language, 0 zh, 1 en */
};

/* Runs the query on cfg's bundle and prints to out; reasons go to err.
 * Returns the exit code: 0 ok, 1 the bundle, map or tower is unusable or
 * the place is unknown or unreachable, 2 a bad --kind. */
int walkcli_run(const struct app_config *cfg, const struct walkcli_opts *o, FILE *out, FILE *err);

#endif
