/* The admin PIN: hashing (hubpw's scrypt), the count of wrong PINs and the
 * lock, kept in the state folder. See adminpin.h. */
#include "adminpin.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hubpw.h"
#include "klog.h"

#define MOD "admin"

bool adminpin_valid(const char *pin)
{
    size_t n = pin ? strlen(pin) : 0;
    if (n < ADMINPIN_MIN || n > ADMINPIN_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (pin[i] < '0' || pin[i] > '9') return false;
    return true;
}

bool adminpin_hash_shaped(const char *hash)
{
    return hash && strncmp(hash, "$scrypt$", 8) == 0 && strlen(hash) < ADMINPIN_HASH_SIZE &&
           strlen(hash) > 20;
}

enum kerr adminpin_hash(const char *pin, char *out, size_t cap)
{
    _Static_assert(ADMINPIN_HASH_SIZE >= HUBPW_HASH_SIZE, "a hubpw hash fits");
    if (cap) out[0] = '\0';
    if (!adminpin_valid(pin)) return KERR_INVALID;
    return hubpw_hash(pin, strlen(pin), out, cap);
}

/* Writes "failures locked_until\n" to a temporary file and renames it over
 * the state file, so a crash leaves the old or the new one. */
static void save(const struct adminpin *p)
{
    char tmp[1200], line[64];
    int fd, n;
    if (!p->path[0]) return;
    snprintf(tmp, sizeof tmp, "%s.tmp", p->path);
    n = snprintf(line, sizeof line, "%d %lld\n", p->failures, (long long)p->locked_until_s);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) != 0) {
        KLOGE(MOD, "cannot keep the wrong-PIN count (%s): a restart forgets it", strerror(errno));
        if (fd >= 0) close(fd);
        unlink(tmp);
        return;
    }
    close(fd);
    if (rename(tmp, p->path) != 0) {
        KLOGE(MOD, "cannot keep the wrong-PIN count (%s)", strerror(errno));
        unlink(tmp);
    }
}

void adminpin_open(struct adminpin *p, const char *state_dir, int lock_after, int lock_s,
                   int64_t now_s)
{
    FILE *f;
    memset(p, 0, sizeof *p);
    p->lock_after = lock_after > 0 ? lock_after : 5;
    p->lock_s = lock_s > 0 ? lock_s : 300;
    if (!state_dir || !state_dir[0]) return;
    snprintf(p->path, sizeof p->path, "%s/admin_lock", state_dir);
    f = fopen(p->path, "r");
    if (!f) return; /* a fresh start */
    {
        int failures = 0;
        long long until = 0;
        if (fscanf(f, "%d %lld", &failures, &until) != 2 || failures < 0 || until < 0) {
            KLOGW(MOD, "the kept wrong-PIN count is unreadable; starting from 0");
        } else {
            p->failures = failures;
            p->locked_until_s = until;
            if (p->locked_until_s > now_s + p->lock_s) p->locked_until_s = now_s + p->lock_s;
        }
    }
    fclose(f);
}

int64_t adminpin_locked_for(struct adminpin *p, int64_t now_s)
{
    if (!p->locked_until_s) return 0;
    if (now_s < p->locked_until_s) return p->locked_until_s - now_s;
    p->locked_until_s = 0;
    p->failures = 0;
    save(p);
    KLOGI(MOD, "the admin panel's lock ran out");
    return 0;
}

enum adminpin_result adminpin_begin(struct adminpin *p, const char *hash, int64_t now_s)
{
    if (!adminpin_hash_shaped(hash)) {
        KLOGW(MOD, "a PIN was entered but no admin_pin_hash is configured");
        return ADMINPIN_UNSET;
    }
    if (adminpin_locked_for(p, now_s) > 0) {
        KLOGW(MOD, "a PIN was entered while the panel is locked (%lld s left)",
              (long long)(p->locked_until_s - now_s));
        return ADMINPIN_LOCKED;
    }
    return ADMINPIN_OK;
}

enum adminpin_result adminpin_record(struct adminpin *p, bool right, int64_t now_s, int *left)
{
    if (left) *left = 0;
    if (right) {
        if (p->failures) {
            p->failures = 0;
            save(p);
        }
        KLOGI(MOD, "admin panel opened with the PIN");
        return ADMINPIN_OK;
    }
    p->failures++;
    if (p->failures >= p->lock_after) {
        p->locked_until_s = now_s + p->lock_s;
        save(p);
        KLOGW(MOD, "wrong PIN (%d in a row): the admin panel is locked for %d s", p->failures,
              p->lock_s);
        return ADMINPIN_LOCKED;
    }
    save(p);
    if (left) *left = p->lock_after - p->failures;
    KLOGW(MOD, "wrong PIN (%d of %d before the lock)", p->failures, p->lock_after);
    return ADMINPIN_WRONG;
}

static bool verify(const char *hash, const char *pin)
{
    return adminpin_valid(pin) && hubpw_verify(pin, strlen(pin), hash);
}

enum adminpin_result adminpin_try(struct adminpin *p, const char *hash, const char *pin,
                                  int64_t now_s, int *left)
{
    enum adminpin_result r = adminpin_begin(p, hash, now_s);
    if (left) *left = 0;
    if (r != ADMINPIN_OK) return r;
    return adminpin_record(p, verify(hash, pin), now_s, left);
}

/* ---- the verification off the UI thread ---- */

struct adminpin_check {
    pthread_t th;
    char hash[ADMINPIN_HASH_SIZE];
    char pin[ADMINPIN_MAX + 1];
    atomic_int result; /* -1 running, 0 wrong, 1 right */
    void (*done)(void *ud);
    void *ud;
};

static void *check_main(void *arg)
{
    struct adminpin_check *c = arg;
    bool right = verify(c->hash, c->pin);
    explicit_bzero(c->pin, sizeof c->pin);
    atomic_store(&c->result, right ? 1 : 0);
    if (c->done) c->done(c->ud);
    return NULL;
}

enum kerr adminpin_check_start(const char *hash, const char *pin, void (*done)(void *ud), void *ud,
                               struct adminpin_check **out)
{
    struct adminpin_check *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c) return KERR_NOMEM;
    snprintf(c->hash, sizeof c->hash, "%s", hash ? hash : "");
    /* a PIN too long to be valid stays invalid when cut: mark it so */
    if (!pin || strlen(pin) >= sizeof c->pin) snprintf(c->pin, sizeof c->pin, "x");
    else snprintf(c->pin, sizeof c->pin, "%s", pin);
    atomic_init(&c->result, -1);
    c->done = done;
    c->ud = ud;
    if (pthread_create(&c->th, NULL, check_main, c) != 0) {
        explicit_bzero(c->pin, sizeof c->pin);
        free(c);
        KLOGE(MOD, "cannot start the PIN check");
        return KERR_NOMEM;
    }
    *out = c;
    return KERR_OK;
}

int adminpin_check_result(const struct adminpin_check *c)
{
    return atomic_load(&c->result);
}

void adminpin_check_free(struct adminpin_check *c)
{
    if (!c) return;
    pthread_join(c->th, NULL);
    explicit_bzero(c->pin, sizeof c->pin);
    free(c);
}
