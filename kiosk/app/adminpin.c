/* The admin PIN: hashing (hubpw's scrypt), the count of wrong PINs and the
 * lock, kept in the state folder. See adminpin.h. */
#include "adminpin.h"

#include <errno.h>
#include <fcntl.h>
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

enum adminpin_result adminpin_try(struct adminpin *p, const char *hash, const char *pin,
                                  int64_t now_s, int *left)
{
    bool ok;
    if (left) *left = 0;
    if (!adminpin_hash_shaped(hash)) {
        KLOGW(MOD, "a PIN was entered but no admin_pin_hash is configured");
        return ADMINPIN_UNSET;
    }
    if (adminpin_locked_for(p, now_s) > 0) {
        KLOGW(MOD, "a PIN was entered while the panel is locked (%lld s left)",
              (long long)(p->locked_until_s - now_s));
        return ADMINPIN_LOCKED;
    }
    ok = adminpin_valid(pin) && hubpw_verify(pin, strlen(pin), hash);
    if (ok) {
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
