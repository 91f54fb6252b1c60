/* The store's write path, SQLite against PostgreSQL, side by side: request
 * inserts (HUBSTORE_REQ_PUT, each a new key) from 1, 4 and 16 client
 * threads for a fixed time each, answered after the group commit as the HTTP
 * handlers are. Prints POSTs/s, p50 and p99 per backend and client count.
 * The store alone: the HTTP layer (kiosk-hub-load) adds the same cost to
 * both. Then the alerts' fan-out on PostgreSQL under that load: a second
 * store (another hub) listens while 16 clients write through the first and
 * an alert event is put every 20 ms; prints the time from put to the other
 * store's listener (p50, p99, max). Never fails on speed; fails only when an
 * insert is not a 201 or an alert does not arrive. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hubstore.h"
#include "kclock.h"
#include "pgtest.h"

#define MAX_SAMPLES 400000
#define SECONDS 3

struct run {
    struct hubstore *st;
    int id;
    uint64_t until;
    int n, bad;
    uint32_t *lat_us; /* this thread's samples */
};

static atomic_int next_key;

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void *client(void *p)
{
    struct run *r = p;
    const char *body = "{\"sample\":\"示例\",\"description\":\"bench\"}";
    while (kclock_mono_ms() < r->until && r->n < MAX_SAMPLES / 16) {
        struct hubstore_job j;
        int key = atomic_fetch_add(&next_key, 1) + 1;
        uint64_t t0;
        memset(&j, 0, sizeof j);
        j.op = HUBSTORE_REQ_PUT;
        snprintf(j.kiosk_id, sizeof j.kiosk_id, "bench%d", r->id);
        api_ticket_format(j.ticket, j.kiosk_id, (uint64_t)key);
        snprintf(j.idem_key, sizeof j.idem_key, "00000000-0000-4000-8000-%012d", key);
        snprintf(j.category, sizeof j.category, "it");
        j.body = body;
        memcpy(j.body_hash, &key, sizeof key);
        t0 = mono_us();
        if (hubstore_run(r->st, &j) != KERR_OK || j.result != 201) r->bad++;
        r->lat_us[r->n++] = (uint32_t)(mono_us() - t0);
    }
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* One measurement: rate, p50 and p99 (ms) into out[3]; the count of non-201s. */
static int measure(const char *path, int clients, double out[3])
{
    struct hubstore *st = NULL;
    struct run r[16];
    pthread_t t[16];
    uint32_t *all;
    int total = 0, bad = 0;
    uint64_t t0;
    if (hubstore_open(path, NULL, &st) != KERR_OK) return 1;
    all = malloc(sizeof(uint32_t) * MAX_SAMPLES);
    t0 = kclock_mono_ms();
    for (int i = 0; i < clients; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].st = st;
        r[i].id = i;
        r[i].until = t0 + SECONDS * 1000;
        r[i].lat_us = malloc(sizeof(uint32_t) * (MAX_SAMPLES / 16));
        pthread_create(&t[i], NULL, client, &r[i]);
    }
    for (int i = 0; i < clients; i++) {
        pthread_join(t[i], NULL);
        memcpy(all + total, r[i].lat_us, sizeof(uint32_t) * (size_t)r[i].n);
        total += r[i].n;
        bad += r[i].bad;
        free(r[i].lat_us);
    }
    out[0] = total / ((double)(kclock_mono_ms() - t0) / 1000.0);
    qsort(all, (size_t)total, sizeof *all, cmp_u32);
    out[1] = total ? all[total / 2] / 1000.0 : 0;
    out[2] = total ? all[(size_t)total * 99 / 100] / 1000.0 : 0;
    free(all);
    hubstore_close(st);
    return bad;
}

/* ---- alerts fanned out under load (PostgreSQL) ---- */

#define ALERTS 150
static uint32_t alert_lat_us[ALERTS];
static atomic_int alerts_seen;

static void on_alert(int64_t id, const char *event, void *arg)
{
    const char *at = strstr(event, "\"bench_us\":");
    int n;
    (void)id;
    (void)arg;
    if (!at) return;
    n = atomic_load(&alerts_seen);
    if (n < ALERTS) {
        alert_lat_us[n] = (uint32_t)(mono_us() - strtoull(at + 11, NULL, 10));
        atomic_store(&alerts_seen, n + 1);
    }
}

/* Prints the fan-out figures; returns the count of inserts not 201 and of
 * alerts lost. */
static int alert_fanout(const char *url)
{
    struct hubstore *a = NULL, *b = NULL;
    struct run r[16];
    pthread_t t[16];
    int bad = 0, total = 0, put = 0, seen;
    uint64_t t0;
    if (hubstore_open(url, NULL, &a) != KERR_OK || hubstore_open(url, NULL, &b) != KERR_OK ||
        hubstore_alert_listen(b, on_alert, NULL) != KERR_OK)
        return 1;
    t0 = kclock_mono_ms();
    for (int i = 0; i < 16; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].st = a;
        r[i].id = 100 + i;
        r[i].until = t0 + SECONDS * 1000;
        r[i].lat_us = malloc(sizeof(uint32_t) * (MAX_SAMPLES / 16));
        pthread_create(&t[i], NULL, client, &r[i]);
    }
    for (; put < ALERTS && kclock_mono_ms() < t0 + SECONDS * 1000; put++) {
        char ev[96];
        int64_t id;
        snprintf(ev, sizeof ev, "{\"bench_us\":%llu}", (unsigned long long)mono_us());
        if (hubstore_alert_put(a, ev, &id) != KERR_OK) bad++;
        usleep(20000);
    }
    for (int i = 0; i < 16; i++) {
        pthread_join(t[i], NULL);
        total += r[i].n;
        bad += r[i].bad;
        free(r[i].lat_us);
    }
    for (int i = 0; i < 200 && atomic_load(&alerts_seen) < put; i++) usleep(10000);
    hubstore_alert_listen_stop(b);
    seen = atomic_load(&alerts_seen);
    qsort(alert_lat_us, (size_t)seen, sizeof *alert_lat_us, cmp_u32);
    printf("alerts through one store to another's listener (LISTEN/NOTIFY) while 16 clients "
           "wrote %.0f requests/s: %d of %d arrived, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
           total / ((double)(kclock_mono_ms() - t0) / 1000.0), seen, put,
           seen ? alert_lat_us[seen / 2] / 1000.0 : 0, seen ? alert_lat_us[seen * 99 / 100] / 1000.0 : 0,
           seen ? alert_lat_us[seen - 1] / 1000.0 : 0);
    hubstore_close(b);
    hubstore_close(a);
    return bad + (put - seen);
}

int main(void)
{
    static const int clients[] = {1, 4, 16};
    char dir[] = "/tmp/hubbench.XXXXXX", file[64], url[1024];
    double f[2][3][3];
    int bad = 0;
    if (!mkdtemp(dir)) return 1;
    snprintf(file, sizeof file, "%s/hub.db", dir);
    pgtest_fresh_db("hubpg_bench", url, sizeof url);
    for (int c = 0; c < 3; c++) {
        bad += measure(file, clients[c], f[0][c]);
        bad += measure(url, clients[c], f[1][c]);
    }
    printf("hub store, new requests (REQ_PUT) for %d s each, answered after COMMIT\n", SECONDS);
    printf("clients | SQLite POSTs/s  p50 ms  p99 ms | PostgreSQL POSTs/s  p50 ms  p99 ms\n");
    for (int c = 0; c < 3; c++)
        printf("%7d | %14.0f %7.2f %7.2f | %18.0f %7.2f %7.2f\n", clients[c], f[0][c][0],
               f[0][c][1], f[0][c][2], f[1][c][0], f[1][c][1], f[1][c][2]);
    bad += alert_fanout(url);
    unlink(file);
    {
        char wal[80];
        snprintf(wal, sizeof wal, "%s-wal", file);
        unlink(wal);
        snprintf(wal, sizeof wal, "%s-shm", file);
        unlink(wal);
    }
    rmdir(dir);
    if (bad) fprintf(stderr, "%d inserts were not answered 201\n", bad);
    return bad ? 1 : 0;
}
