/* booking_prop: what the two files of hub_booking_property_13_kiosks share
 * (test_hub_booking_prop.c: the model, the hub's side, the operations by
 * people and main; booking_prop_kiosks.c: the kiosk processes, their leases
 * and what they confirmed). One thread. See test_hub_booking_prop.c. */
#ifndef BOOKING_PROP_H
#define BOOKING_PROP_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "booking.h"

#define NKIOSK 13
#define NROOM 4
#define NPHONE 40
#define MAXB 12000
#define NLEASER NROOM /* kiosks 0..3 stand in a tower with a room and take leases */
#define MAXL 4096
#define MAXQ 256

struct room {
    char id[16];
    struct book_rules r;
};

/* a booking as the kiosks showed it (or as the hub made it for a kiosk that died) */
struct bk {
    char code[BOOK_CODE_SIZE];
    int room;
    int64_t start, cin_from, cin_until, release;
    char last4[BOOK_LAST4_SIZE];
    int phone;
    enum { M_CONFIRMED, M_CHECKED_IN, M_CANCELLED } state;
};

struct lease { int room; int64_t start; int kiosk; };

/* a booking a leasing kiosk confirmed (queue) or may have (unsure) */
struct queued {
    int room, phone;
    int64_t start;
    char code[BOOK_CODE_SIZE];
};

/* an HTTP answer of the hub (status -1: none) */
struct presp {
    long status;
    char *body; /* malloc'd, NUL-terminated */
    size_t len;
};

/* ---- test_hub_booking_prop.c ---- */
extern struct room rooms[NROOM];
extern struct bk bks[MAXB];
extern int nb;
extern int64_t now_s;
extern char tokens[NKIOSK][80], ids[NKIOSK][16];
extern struct lease leases[MAXL];
extern int nl;
extern struct queued queue[NLEASER][MAXQ], unsure[NLEASER][MAXQ];
extern int nq[NLEASER], nu[NLEASER];
extern long died_creating;

int rn(int n);
const char *jstr(const cJSON *o, const char *n);
int64_t jtime(const cJSON *o, const char *n);
int slot_holder(int room, int64_t start);
int lease_holder(int room, int64_t start);
int room_index(const char *id);
/* One request to the hub under test (harness.h http). */
void prop_http(const char *method, const char *path, const char *token, const char *key,
               const char *body, struct presp *r);
extern const char *const prop_admin_token;
int prop_hub_port(void);

/* ---- booking_prop_kiosks.c ---- */
extern const char *driver;
extern int64_t t_scale;
extern long offline_made, offline_delivered, ghosts, kiosk_kills, kills_confirming, kills_after_ok,
    kills_heartbeat, kills_idle, cut_starts, busy_refusals, settles;
extern uint64_t ms_starting, ms_settling;

bool in_list(const struct queued *l, int n, int room, int64_t t);
/* Kiosk k's first start on its state folder dir (made here), online; a
 * leasing kiosk then takes its leases. */
void kp_first_start(int k, const char *dir);
void kp_heartbeat(int k);
bool kp_is_cut(int k);
void kp_create(int k, const char *room, const char *start, const char *phone, const char *key,
               bool die, struct presp *r, bool *shown);
/* Ends kiosk k's input; its exit status (0: it closed its link cleanly). */
int kp_close(int k);
void op_heartbeat(int k);
void op_offline(int k);
void op_sync(int k);
void op_kiosk_kill(int k);
void deliver_before(int64_t t);
long count_in_logs(const char *what);
/* CHECKs counted in booking_prop_kiosks.c (ktest.h counts per file). */
void kp_checks(int *pass, int *fail);

#endif
