/* kclient_fleet: the part of struct kclient that fleet operations own (the
 * event long-poll, the alerts it brought, screenshot requests and uploads)
 * and the calls kclient_sender.c makes into kclient_events.c. Included only
 * by kclient_impl.h. */
#ifndef KCLIENT_FLEET_H
#define KCLIENT_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api_fleet.h"

struct kclient;
struct xfer;

struct kclient_fleet {
    char tower[API_TOKEN_SIZE]; /* config: reported with each poll; "" = none */
    bool on;                    /* config: poll at all (kclient_config.events) */
    /* sender thread only */
    bool poll_in_flight, shot_in_flight;
    uint64_t poll_due;          /* monotonic ms */
    int tries;                  /* failed polls in a row (backoff) */
    unsigned long long seq;     /* the hub's sequence last seen; 0 = ask at once */
    /* under c->mu */
    struct api_alert alerts[API_ALERT_MAX];
    int nalerts;
    unsigned gen;               /* bumped when the alerts change */
    bool connected;             /* the last poll was answered */
    char shot_sid[API_SHOT_ID_SIZE];   /* asked by the hub, not yet given to the UI */
    char shot_seen[API_SHOT_ID_SIZE];  /* the last one given (asked again: ignored) */
    bool up_ready;                     /* an answer for the sender to upload */
    char up_sid[API_SHOT_ID_SIZE];
    unsigned char *up_png;             /* or NULL and up_reason */
    size_t up_len;
    char up_reason[128];
};

/* Sender thread: starts the event poll when due and an upload when one is
 * ready (tick); handles their finished transfers (done: true when x was
 * one of them); the next time the poll is due (due); frees what is left at
 * close (free, any thread once the sender stopped). */
void kclient_fleet_tick(struct kclient *c, uint64_t now);
bool kclient_fleet_done(struct kclient *c, struct xfer *x, int rc, long http);
uint64_t kclient_fleet_due(const struct kclient *c);
void kclient_fleet_free(struct kclient *c);

#endif
