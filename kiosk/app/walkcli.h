/* walkcli: the service circle on the command line, for admins and tests.
 * `kiosk --config FILE --nearest [--kind K] [--limit N] [--step-free]` prints
 * one JSON object per line {"id","kind","seconds","metres","tower","floor"}
 * sorted by seconds; `--route PLACE_ID [--step-free]` prints one object
 * {"id","seconds","metres","steps":[...],"path":[[lon,lat],...]}. From the
 * config's tower_id (and entrance). Loads the bundle without a window. */
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
};

/* Runs the query on cfg's bundle and prints to out; reasons go to err.
 * Returns the exit code: 0 ok, 1 the bundle, map or tower is unusable or
 * the place is unknown or unreachable, 2 a bad --kind. */
int walkcli_run(const struct app_config *cfg, const struct walkcli_opts *o, FILE *out, FILE *err);

#endif
