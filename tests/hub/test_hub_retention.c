/* hub_erases_personal_fields_after_retention: the store's retention sweep
 * (retention shortened to 1 s, a sweep every 200 ms) erases the contact
 * name, phone, description, the hand-typed company name and the staff notes
 * of resolved and rejected requests, keeps everything else, leaves open
 * requests alone, and the bytes are gone from the database file and its WAL,
 * not only NULL in the row. Then kiosk-hub's --retention-days flag: 0 and
 * junk are usage errors (2). Sample data only; bounded waits (≤ 10 s).
 * Its _pg twin (KIOSK_HUB_PG) runs the same sweep on a PostgreSQL store and
 * checks the rows; not the bytes on disk (PostgreSQL keeps an updated row's
 * old version until VACUUM: docs/hub.md §9) nor the flag (the same code). */
#include <fcntl.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"
#include "hubauth.h"
#include "hubstore.h"
#include "kclock.h"
#include "ktest.h"
#ifdef KIOSK_HUB_PG
#include "pgtest.h"
#endif

#ifdef KIOSK_HUB_PG
#define TEST_NAME "hub_erases_personal_fields_after_retention_pg"
#else
#define TEST_NAME "hub_erases_personal_fields_after_retention"
#endif

static char dir[64], db[512], wal[520];

/* Files a request through the writer, as the HTTP layer does. */
static void put(struct hubstore *st, const char *ticket, bool typed, const char *name,
                const char *desc)
{
    struct api_help_request r;
    struct hubstore_job j;
    char *canon = NULL;
    memset(&r, 0, sizeof r);
    snprintf(r.ticket, sizeof r.ticket, "%s", ticket);
    snprintf(r.kiosk_id, sizeof r.kiosk_id, "HL-R01");
    snprintf(r.category, sizeof r.category, "legal");
    r.company_id_null = typed;
    snprintf(r.company_id, sizeof r.company_id, "%s", typed ? "" : "c012");
    snprintf(r.company_name, sizeof r.company_name, "%s公司标记", name);
    snprintf(r.contact_name, sizeof r.contact_name, "%s姓名", name);
    snprintf(r.phone, sizeof r.phone, "139%s", strcmp(name, "甲") == 0   ? "11110001"
                                               : strcmp(name, "乙") == 0 ? "22220002"
                                                                         : "33330003");
    snprintf(r.tower, sizeof r.tower, "t03");
    snprintf(r.description, sizeof r.description, "%s", desc);
    snprintf(r.lang, sizeof r.lang, "zh");
    snprintf(r.created_at, sizeof r.created_at, "2026-11-25T14:00:00Z");
    snprintf(r.check, sizeof r.check, "135790");
    CHECK(api_help_request_encode(&r, &canon) == KERR_OK);
    memset(&j, 0, sizeof j);
    j.op = HUBSTORE_REQ_PUT;
    snprintf(j.kiosk_id, sizeof j.kiosk_id, "HL-R01");
    snprintf(j.ticket, sizeof j.ticket, "%s", ticket);
    CHECK(api_uuid_v4_make(j.idem_key) == KERR_OK);
    snprintf(j.category, sizeof j.category, "legal");
    snprintf(j.check, sizeof j.check, "135790");
    j.body = canon;
    hubauth_sha256(canon, strlen(canon), j.body_hash);
    CHECK(hubstore_run(st, &j) == KERR_OK);
    CHECK(j.result == 201);
    free(canon);
}

static void set(struct hubstore *st, const char *ticket, const char *status, const char *note)
{
    struct hubstore_job j;
    memset(&j, 0, sizeof j);
    j.op = HUBSTORE_STATUS_SET;
    snprintf(j.ticket, sizeof j.ticket, "%s", ticket);
    snprintf(j.status, sizeof j.status, "%s", status);
    j.has_note = note != NULL;
    if (note) snprintf(j.note, sizeof j.note, "%s", note);
    CHECK(hubstore_run(st, &j) == KERR_OK);
    CHECK(j.result == 200);
}

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static bool jnull(const cJSON *o, const char *name)
{
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* Occurrences of needle in the file at path (0 when it does not exist). */
static int in_file(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    static char buf[8 << 20];
    size_t n, m = strlen(needle);
    int hits = 0;
    if (!f) return 0;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(buf + i, needle, m) == 0) hits++;
    return hits;
}

static int run_hub(const char *bin, const char *days)
{
    char tok[160], dbf[160];
    int st;
    pid_t pid;
    FILE *f;
    snprintf(tok, sizeof tok, "%s/admin.token", dir);
    snprintf(dbf, sizeof dbf, "%s/flag.db", dir);
    f = fopen(tok, "w");
    if (f) {
        fputs("retention-admin-token-0123\n", f);
        fclose(f);
    }
    pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 1);
        dup2(nul, 2);
        execl(bin, bin, "--listen", "127.0.0.1:0", "--db", dbf, "--admin-token-file", tok,
              "--retention-days", days, (char *)NULL);
        _exit(127);
    }
    /* a usage error exits at once; a hub that started is stopped after 1 s */
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        usleep(10000);
    }
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    return 100 + (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char **argv)
{
    struct hubstore_config cfg = {.retention_s = 1, .sweep_every_ms = 200};
    struct hubstore *st = NULL;
    cJSON *a = NULL, *b = NULL, *c = NULL;
    char desc_a[1600];
    uint64_t t0;
    size_t n = 0;

    snprintf(dir, sizeof dir, "/tmp/hubretXXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof db, "%s/hub.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", db);
    /* a long description spills into an overflow page */
    for (int i = 0; i < 160; i++) n += (size_t)snprintf(desc_a + n, sizeof desc_a - n, "描述甲");
#ifdef KIOSK_HUB_PG
    pgtest_fresh_db("hubret_pg", db, sizeof db);
#endif
    CHECK(hubstore_open(db, &cfg, &st) == KERR_OK);
    if (!st) return ktest_done(TEST_NAME);

    put(st, "HL-R01-100000001", true, "甲", desc_a);       /* typed company, resolved */
    put(st, "HL-R01-100000002", false, "乙", "描述乙乙乙"); /* listed company, rejected */
    put(st, "HL-R01-100000003", true, "丙", "描述丙丙丙"); /* stays open */
    set(st, "HL-R01-100000001", "accepted", "备注甲一");
    set(st, "HL-R01-100000001", "in_progress", NULL);
    set(st, "HL-R01-100000001", "resolved", "备注甲二");
    set(st, "HL-R01-100000002", "rejected", "备注乙一");
    set(st, "HL-R01-100000003", "accepted", "备注丙一");
#ifndef KIOSK_HUB_PG
    /* before the sweep, the bytes are there (so the search below can find them) */
    CHECK(in_file(db, "甲姓名") + in_file(wal, "甲姓名") > 0);
    CHECK(in_file(db, "备注乙一") + in_file(wal, "备注乙一") > 0);
#endif

    t0 = kclock_mono_ms();
    while (kclock_mono_ms() - t0 < 10000) {
        cJSON_Delete(a);
        cJSON_Delete(b);
        a = b = NULL;
        CHECK(hubstore_request_get(st, "HL-R01-100000001", &a) == KERR_OK);
        CHECK(hubstore_request_get(st, "HL-R01-100000002", &b) == KERR_OK);
        if (jstr(a, "erased_at") && jstr(b, "erased_at")) break;
        usleep(50000);
    }
    CHECK(jstr(a, "erased_at") && api_time_valid(jstr(a, "erased_at")));
    CHECK(jstr(b, "erased_at") != NULL);
    /* erased: JSON null */
    CHECK(jnull(a, "contact_name") && jnull(a, "phone") && jnull(a, "description"));
    CHECK(jnull(a, "note"));
    CHECK(jnull(cJSON_GetObjectItem(a, "company"), "name"));  /* typed by hand */
    CHECK(jnull(cJSON_GetObjectItem(a, "company"), "id"));
    CHECK(jnull(b, "contact_name") && jnull(b, "phone") && jnull(b, "description"));
    CHECK_STR(jstr(cJSON_GetObjectItem(b, "company"), "name"), "乙公司标记"); /* listed */
    {
        const cJSON *h, *e;
        int notes = 0, entries = 0;
        h = cJSON_GetObjectItem(a, "history");
        cJSON_ArrayForEach(e, h)
        {
            entries++;
            if (!jnull(e, "note")) notes++;
        }
        CHECK(entries == 4 && notes == 0);
        CHECK_STR(jstr(cJSON_GetArrayItem(h, 3), "to"), "resolved"); /* history stays */
    }
    /* kept: ticket, category, tower, times, status, check code */
    CHECK_STR(jstr(a, "ticket"), "HL-R01-100000001");
    CHECK_STR(jstr(a, "category"), "legal");
    CHECK_STR(jstr(a, "tower"), "t03");
    CHECK_STR(jstr(a, "status"), "resolved");
    CHECK_STR(jstr(a, "check"), "135790");
    CHECK(jstr(a, "received_at") && jstr(a, "created_at"));
    {
        struct api_ticket_status t;
        CHECK(hubstore_ticket_status(st, "HL-R01-100000001", "135790", &t) == KERR_OK);
        CHECK(t.status == API_TICKET_RESOLVED && t.note_null);
    }
    /* the open request is untouched, at least one more sweep later */
    usleep(400000);
    CHECK(hubstore_request_get(st, "HL-R01-100000003", &c) == KERR_OK);
    CHECK(jnull(c, "erased_at"));
    CHECK_STR(jstr(c, "contact_name"), "丙姓名");
    CHECK_STR(jstr(c, "note"), "备注丙一");

#ifndef KIOSK_HUB_PG
    /* the bytes: gone from the database file and the WAL, while it runs */
    {
        static const char *const gone[] = {"甲姓名", "13911110001", "描述甲描述甲", "甲公司标记",
                                           "备注甲一", "备注甲二", "乙姓名", "13922220002",
                                           "描述乙乙乙", "备注乙一"};
        for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
            int hits = in_file(db, gone[i]) + in_file(wal, gone[i]);
            if (hits) fprintf(stderr, "  still on disk: %s (%d)\n", gone[i], hits);
            CHECK(hits == 0);
        }
        CHECK(in_file(db, "丙姓名") + in_file(wal, "丙姓名") > 0); /* the search works */
        CHECK(in_file(db, "乙公司标记") + in_file(wal, "乙公司标记") > 0);
    }
#endif
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    hubstore_close(st);
#ifndef KIOSK_HUB_PG
    CHECK(in_file(db, "甲姓名") == 0 && in_file(db, "备注乙一") == 0);

    /* the flag: at least one day; junk and 0 are usage errors */
    if (argc > 1) {
        CHECK(run_hub(argv[1], "0") == 2);
        CHECK(run_hub(argv[1], "1.5") == 2);
        CHECK(run_hub(argv[1], "thirty") == 2);
        CHECK(run_hub(argv[1], "1") == 100); /* started, ran, stopped cleanly */
    }
#else
    (void)argc;
    (void)argv;
    (void)run_hub;
    (void)in_file;
#endif
    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    return ktest_done(TEST_NAME);
}
