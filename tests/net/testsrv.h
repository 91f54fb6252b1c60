/* testsrv: a small HTTP/1.1 hub stand-in on raw sockets for the net tests
 * (127.0.0.1 only). It implements the kiosk side of the wire contract
 * (requests with idempotency, ticket status, heartbeat) and counts effects
 * per idempotency key, and it can misbehave on demand: hang, drip, reset,
 * 5xx, 429 with Retry-After, 400, a 50 MB answer. The store of effects
 * survives tsrv_pause/tsrv_resume (the "server down" fault). Like the hub,
 * every problem answer to POST /api/v1/requests names the request
 * ("instance": "urn:uuid:<Idempotency-Key>"), a ticket lookup needs the
 * request's check code (?check=) and finds a renumbered request by its
 * receipt ticket too. It can hold tickets "from before" (a reinstalled
 * kiosk): those, and tickets made taken on purpose, are answered 409
 * ticket-taken, storing nothing. Thread-safe. */
#ifndef TESTSRV_H
#define TESTSRV_H

#include <stdbool.h>
#include <stdint.h>

enum tsrv_mode {
    TS_OK = 0,
    TS_HANG,      /* record the effect, never answer */
    TS_DRIP,      /* record the effect, answer one byte a second */
    TS_RESET,     /* record the effect, send half a status line, then RST */
    TS_500,       /* 500 problem, no effect */
    TS_503_RA,    /* 503 + Retry-After: 1, no effect */
    TS_429_DATE,  /* 429 + Retry-After: <HTTP-date 2 s ahead>, no effect */
    TS_400,       /* 400 problem, no effect */
    TS_HUGE,      /* 200 with a 50 MB close-delimited body, no effect */
    TS_FOREIGN,   /* the answer set with tsrv_set_foreign (a proxy's page...), no effect */
};

struct tsrv;

/* Listens on 127.0.0.1:port (0 = any free port). NULL on failure. */
struct tsrv *tsrv_start(int port);
int tsrv_port(struct tsrv *t);
void tsrv_set_mode(struct tsrv *t, enum tsrv_mode m);
/* Closes the listener and every connection (clients see refused/reset). */
void tsrv_pause(struct tsrv *t);
/* Listens again on the same port; false on failure. */
bool tsrv_resume(struct tsrv *t);
void tsrv_stop(struct tsrv *t);

struct tsrv_stats {
    int effects;       /* distinct idempotency keys stored (= rows a hub would create) */
    int receipts;      /* POST /requests that reached the handler */
    int replays;       /* same key, same body again (answered 200) */
    int conflicts;     /* same key with another body, or a ticket under two keys */
    int overlaps;      /* a key arrived while the same key was still being handled */
    int connections;   /* TCP connections accepted */
    int heartbeats;
    int queries;
    int bad_headers;   /* POST without Idempotency-Key/bearer/User-Agent */
    int taken;         /* 409 ticket-taken for a preloaded or made-taken ticket */
    int check_misses;  /* ticket lookups of a known ticket with a wrong or missing check */
    int screen_beats;  /* heartbeats that said screen_on */
    bool screen_on;    /* what the last of them said */
    char content_version[64]; /* what the last heartbeat said */
};
void tsrv_stats(struct tsrv *t, struct tsrv_stats *out);

/* Effects stored for key (0 or 1) and receipts of it. */
int tsrv_key_receipts(struct tsrv *t, const char *key);
bool tsrv_has_key(struct tsrv *t, const char *key);
bool tsrv_has_ticket(struct tsrv *t, const char *ticket);
/* TS_FOREIGN: answers every POST /requests with this status, Content-Type
 * (NULL: none) and body, as a proxy or captive portal would; sets the mode. */
void tsrv_set_foreign(struct tsrv *t, int status, const char *ctype, const char *body);
/* Holds the tickets <kiosk_id>-<first..last, 6 digits> as if filed before. */
bool tsrv_preload_tickets(struct tsrv *t, const char *kiosk_id, int first, int last);
/* The next n tickets never seen before are answered 409 ticket-taken (and stay taken). */
void tsrv_take_next_tickets(struct tsrv *t, int n);
/* The stored request with this ticket: its receipt_ticket ("" if none) and check code. */
bool tsrv_effect_of(struct tsrv *t, const char *ticket, char receipt[40], char check[7]);
/* Stored requests whose receipt_ticket is receipt; ticket_out gets the last one's ticket. */
int tsrv_effects_with_receipt(struct tsrv *t, const char *receipt, char ticket_out[40]);
/* Monotonic ms of the last two POST /requests arrivals (0 if none). */
void tsrv_last_arrivals(struct tsrv *t, uint64_t *prev, uint64_t *last);

#define TSRV_TOKEN "test-token-sample"

#endif
