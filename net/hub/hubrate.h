/* hubrate: a token bucket per key (rate tokens per second, up to burst),
 * kept in memory in a fixed-size open-addressing table. The server keeps two:
 * requests per kiosk id, and failed authentications per client address
 * (hubconn's address key). A key that is not in the table starts with a full
 * bucket; when the table is 3/4 full every bucket is forgotten (all full
 * again). Keys longer than HUBRATE_KEY_MAX bytes are cut there. Owned by the
 * server; any thread (one mutex). */
#ifndef HUBRATE_H
#define HUBRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "kerr.h"

struct hubrate;

#define HUBRATE_KEY_MAX 47 /* a kiosk id (32) or an IPv6 address in text (45) */

/* A limiter of rate tokens/s with room for burst. Returns NULL on no memory. */
struct hubrate *hubrate_new(double rate, double burst);

/* Frees the limiter. NULL is a no-op. */
void hubrate_free(struct hubrate *r);

/* Takes one token for kiosk id at time now_ms. True when allowed; otherwise
 * false with *retry_after_s set to the whole seconds until a token is back
 * (at least 1). */
bool hubrate_take(struct hubrate *r, const char *id, uint64_t now_ms, int *retry_after_s);

/* Like hubrate_take but takes nothing: true when id has a whole token at
 * now_ms (an unknown id always has); otherwise false with *retry_after_s as
 * in hubrate_take. Used to refuse before the costly check that would take. */
bool hubrate_peek(struct hubrate *r, const char *id, uint64_t now_ms, int *retry_after_s);

#endif
