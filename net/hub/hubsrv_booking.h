/* hubsrv_booking: the hub's booking routes (see hubsrv_booking.c). Called by
 * hubsrv.c on the daemon's thread for the request it answers: route matches
 * the booking paths, dispatch answers them, answer answers a finished
 * HUBSTORE_BOOKING job. Include only from net/hub/hubsrv*.c. */
#ifndef HUBSRV_BOOKING_H
#define HUBSRV_BOOKING_H

#include <stddef.h>

#include "hubsrv_impl.h"

/* The booking route of url (R_NONE when it is none); *arg and *len are the
 * path parameter (room id or code) when the route has one. */
enum route hubsrv_booking_route(const char *url, const char **arg, size_t *len);

/* Answers a booking route (availability, create, check-in, cancel, staff). */
enum MHD_Result hubsrv_booking_dispatch(struct hreq *r);

/* A heartbeat that names its tower: prepare keeps the tower for the lease
 * (call before submitting the heartbeat's job); heartbeat answers once the
 * heartbeat is stored: with nothing to lease it sends the heartbeat's answer
 * (hubsrv_heartbeat_answer), else it grants the lease (a second job) and
 * adds the member "leases": [...] to that answer. */
void hubsrv_booking_lease_prepare(struct hreq *r, const char *tower);
enum MHD_Result hubsrv_booking_heartbeat(struct hreq *r);

/* Answers r once its HUBSTORE_BOOKING job is done. */
enum MHD_Result hubsrv_booking_answer(struct hreq *r);

#endif
