/* Injected storage failures: a SQLite VFS wrapper (made the default, so the
 * outbox uses it unchanged) fails the Nth write or fsync, or reports a full
 * disk past a byte budget. For every N and every kind of failure, each push
 * that returned KERR_OK is found after a clean reopen, the file passes
 * integrity_check, and the failures come back as KERR_IO / KERR_FULL, never
 * as "saved". Then the same through kclient_submit_request. Sample data. */
#include <sqlite3.h>
#include <stdatomic.h>

#include "ktest.h"
#include "nettest.h"
#include "outbox.h"

enum fault { F_NONE, F_WRITE, F_SYNC, F_FULL };

static atomic_int fault_kind;
static atomic_long fault_after;   /* ops (writes or syncs) until failures start */
static atomic_long bytes_budget;  /* F_FULL: bytes that may still be written */
static atomic_long injected;

static sqlite3_vfs *real_vfs;

struct ffile {
    sqlite3_file base;
    sqlite3_file *real;
};

#define REAL(f) (((struct ffile *)(f))->real)

static bool fire(enum fault k)
{
    if (atomic_load(&fault_kind) != (int)k) return false;
    if (atomic_fetch_sub(&fault_after, 1) > 0) return false;
    atomic_fetch_add(&injected, 1);
    return true;
}

static int f_close(sqlite3_file *f)
{
    int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
    return rc;
}
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    if (fire(F_WRITE)) return SQLITE_IOERR_WRITE;
    if (atomic_load(&fault_kind) == (int)F_FULL && atomic_fetch_sub(&bytes_budget, n) < n) {
        atomic_fetch_add(&injected, 1);
        return SQLITE_FULL;
    }
    return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 s)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), s);
}
static int f_sync(sqlite3_file *f, int flags)
{
    if (fire(F_SYNC)) return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *s) { return REAL(f)->pMethods->xFileSize(REAL(f), s); }
static int f_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int f_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int f_reserved(sqlite3_file *f, int *r)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r);
}
static int f_fctl(sqlite3_file *f, int op, void *a)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, a);
}
static int f_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int f_devchar(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int f_shmmap(sqlite3_file *f, int i, int sz, int ext, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), i, sz, ext, pp);
}
static int f_shmlock(sqlite3_file *f, int o, int n, int fl)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), o, n, fl);
}
static void f_shmbarrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int f_shmunmap(sqlite3_file *f, int d) { return REAL(f)->pMethods->xShmUnmap(REAL(f), d); }

static const sqlite3_io_methods f_methods = {
    2, f_close, f_read, f_write, f_truncate, f_sync, f_size, f_lock, f_unlock, f_reserved,
    f_fctl, f_sector, f_devchar, f_shmmap, f_shmlock, f_shmbarrier, f_shmunmap, NULL, NULL};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    struct ffile *ff = (struct ffile *)f;
    int rc;
    (void)vfs;
    ff->real = (sqlite3_file *)(ff + 1);
    rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
    f->pMethods = ff->real->pMethods ? &f_methods : NULL;
    return rc;
}

static sqlite3_vfs fvfs;

static void install_vfs(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    fvfs = *real_vfs;
    fvfs.zName = "faulty";
    fvfs.szOsFile = (int)sizeof(struct ffile) + real_vfs->szOsFile;
    fvfs.xOpen = f_open;
    fvfs.pNext = NULL;
    sqlite3_vfs_register(&fvfs, 1);
}

static void arm(enum fault k, long after)
{
    atomic_store(&fault_after, after);
    atomic_store(&bytes_budget, after);
    atomic_store(&fault_kind, k);
}

#define PUSHES 12

static enum kerr push(struct outbox *ob, char t[API_TICKET_SIZE], char check[API_CHECK_SIZE])
{
    struct api_help_request r;
    struct outbox_receipt rc;
    char key[API_UUID_SIZE];
    enum kerr e;
    nt_request(&r, NULL);
    e = outbox_push_request(ob, "HL-F01", &r, 1000, &rc, key, NULL);
    memcpy(t, rc.ticket, API_TICKET_SIZE);
    memcpy(check, rc.check, API_CHECK_SIZE);
    return e;
}

/* One case: 2 clean pushes, arm, PUSHES pushes, disarm, reopen, verify. */
static void one_case(const char *dir, enum fault k, long after, int *ok_total, int *err_total,
                     int *bad_errors)
{
    static const struct outbox_opts opts = {.check = true, .ui_conn = true};
    char path[256], t[API_TICKET_SIZE], ck[API_CHECK_SIZE];
    char oks[PUSHES + 2][API_TICKET_SIZE], okc[PUSHES + 2][API_CHECK_SIZE];
    int nok = 0;
    struct outbox *ob = NULL;
    struct outbox_local loc;
    snprintf(path, sizeof path, "%s/f%d_%ld.db", dir, (int)k, after);
    arm(F_NONE, 0);
    if (outbox_open(path, &opts, &ob, NULL) != KERR_OK) {
        CHECK(0);
        return;
    }
    for (int i = 0; i < 2; i++)
        if (push(ob, t, ck) == KERR_OK) {
            memcpy(okc[nok], ck, sizeof ck);
            memcpy(oks[nok++], t, sizeof t);
        }
    arm(k, after);
    for (int i = 0; i < PUSHES; i++) {
        enum kerr e = push(ob, t, ck);
        if (e == KERR_OK) {
            memcpy(okc[nok], ck, sizeof ck);
            memcpy(oks[nok++], t, sizeof t);
            (*ok_total)++;
        } else {
            (*err_total)++;
            if (!(e == KERR_IO || e == KERR_FULL || e == KERR_DB)) (*bad_errors)++;
            if (k == F_FULL && e != KERR_FULL && e != KERR_IO) (*bad_errors)++;
            CHECK(t[0] == '\0');
        }
    }
    arm(F_NONE, 0);
    outbox_close(ob);
    ob = NULL;
    /* reopen without faults: every "saved" ticket is there */
    CHECK(outbox_open(path, &opts, &ob, NULL) == KERR_OK);
    if (!ob) return;
    for (int i = 0; i < nok; i++) {
        bool found = outbox_local(ob, oks[i], okc[i], &loc) == KERR_OK;
        if (!found) fprintf(stderr, "LOST: fault %d after %ld: %s\n", (int)k, after, oks[i]);
        CHECK(found);
    }
    CHECK(outbox_integrity_ok(ob));
    /* and it still accepts new requests */
    CHECK(push(ob, t, ck) == KERR_OK);
    outbox_close(ob);
}

static void kclient_case(const char *dir)
{
    /* Through the public API with the disk "full": KERR_FULL, nothing saved. */
    struct kclient_config cfg;
    struct kclient *c = NULL;
    struct kclient_status s;
    char path[256], t[KCLIENT_TICKET_SIZE];
    enum kerr e;
    int saved = 0;
    memset(&cfg, 0, sizeof cfg);
    snprintf(path, sizeof path, "%s/kclient.db", dir);
    cfg.db_path = path;
    cfg.hub_url = "http://127.0.0.1:9"; /* discard port: nothing listens */
    cfg.kiosk_id = "HL-F02";
    cfg.token = TSRV_TOKEN;
    cfg.heartbeat_s = -1;
    cfg.backoff_base_ms = 60000; /* the sender stays quiet */
    arm(F_NONE, 0);
    CHECK(kclient_open(&cfg, &c) == KERR_OK);
    if (!c) return;
    CHECK(nt_submit(c, t) == KERR_OK);
    saved++;
    usleep(100000); /* let the sender's first (failed) attempt be recorded */
    arm(F_FULL, 0);
    e = nt_submit(c, t);
    CHECK(e == KERR_FULL);
    CHECK(t[0] == '\0');
    arm(F_NONE, 0);
    CHECK(nt_submit(c, t) == KERR_OK);
    saved++;
    /* The counts are the sender's snapshot, re-read when it is woken. */
    for (int i = 0; i < 200; i++) {
        kclient_status(c, &s);
        if (s.queue_depth == saved) break;
        usleep(10000);
    }
    CHECK(s.queue_depth == saved);
    kclient_close(c);
}

int main(void)
{
    char dir[] = "/tmp/outbox_faults_XXXXXX";
    int ok_total = 0, err_total = 0, bad_errors = 0;
    char cmd[128];
    if (!mkdtemp(dir)) return 1;
    install_vfs();
    for (long n = 0; n < 40; n++) {
        one_case(dir, F_WRITE, n, &ok_total, &err_total, &bad_errors);
        one_case(dir, F_SYNC, n / 2, &ok_total, &err_total, &bad_errors);
    }
    for (long budget = 0; budget < 80000; budget += 4096)
        one_case(dir, F_FULL, budget, &ok_total, &err_total, &bad_errors);
    printf("injected %ld failures: %d pushes saved, %d refused, %d with an unexpected error\n",
           atomic_load(&injected), ok_total, err_total, bad_errors);
    CHECK(atomic_load(&injected) > 50);
    CHECK(err_total > 50);
    CHECK(ok_total > 50);
    CHECK(bad_errors == 0);
    kclient_case(dir);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    return ktest_done("outbox_never_saved_unless_durable_under_io_faults");
}
