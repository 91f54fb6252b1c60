/* hubrate: a per-kiosk token bucket (rate tokens per second, up to burst),
 * kept in memory in a fixed-size open-addressing table. A kiosk that is not
 * in the table starts with a full bucket; when the table is full the oldest
 * idle entries are reused. Owned by the server; any thread (one mutex). */
#ifndef HUBRATE_H
#define HUBRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "kerr.h"

struct hubrate;

/* A limiter of rate tokens/s with room for burst. Returns NULL on no memory. */
struct hubrate *hubrate_new(double rate, double burst);

void hubrate_free(struct hubrate *r);

/* Takes one token for kiosk id at time now_ms. True when allowed; otherwise
 * false with *retry_after_s set to the whole seconds until a token is back
 * (at least 1). */
bool hubrate_take(struct hubrate *r, const char *id, uint64_t now_ms, int *retry_after_s);

#endif
