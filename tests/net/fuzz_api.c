/* libFuzzer target: every decoder the kiosk runs on bytes from the network
 * (request answer, ticket status, problem+json) and the ones the hub runs on
 * bytes from kiosks (help request, heartbeat). Whatever decodes must encode
 * again and decode to the same value (canonical form is stable). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define ROUNDTRIP(type, dec, enc, val)                                                             \
    do {                                                                                           \
        char *o_ = NULL;                                                                           \
        type v2_;                                                                                  \
        if (enc(&val, &o_) != KERR_OK) abort();                                                    \
        if (dec(o_, strlen(o_), &v2_, NULL) != KERR_OK) abort();                                   \
        if (memcmp(&val, &v2_, sizeof val) != 0) abort();                                          \
        free(o_);                                                                                  \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *why = NULL;
    struct api_request_answer a;
    struct api_ticket_status t;
    struct api_problem p;
    struct api_help_request r;
    struct api_heartbeat h;

    if (api_request_answer_decode(s, size, &a, &why) == KERR_OK)
        ROUNDTRIP(struct api_request_answer, api_request_answer_decode, api_request_answer_encode, a);
    if (api_ticket_status_decode(s, size, &t, &why) == KERR_OK)
        ROUNDTRIP(struct api_ticket_status, api_ticket_status_decode, api_ticket_status_encode, t);
    if (api_problem_decode(s, size, &p, &why) == KERR_OK) {
        char *o = NULL;
        if (api_problem_encode(&p, &o) != KERR_OK) abort();
        free(o);
    }
    if (api_help_request_decode(s, size, &r, &why) == KERR_OK)
        ROUNDTRIP(struct api_help_request, api_help_request_decode, api_help_request_encode, r);
    if (api_heartbeat_decode(s, size, &h, &why) == KERR_OK)
        ROUNDTRIP(struct api_heartbeat, api_heartbeat_decode, api_heartbeat_encode, h);
    return 0;
}
