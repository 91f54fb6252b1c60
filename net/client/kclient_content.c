/* kclient_content: signed content updates on the sender thread. The
 * heartbeat answer's "content" member announces a version; when it is newer
 * than the installed one the sender downloads the bundle file into
 * <content dir>/incoming.part (size and time limits, in the same curl multi
 * as everything else), then cinstall_apply verifies, unpacks, checks and
 * switches it (synchronously on this thread: small bundles, a few hundred
 * ms). The UI learns of it through kclient_content_ready and switches its
 * screens at the next idle moment. See kclient_impl.h and cinstall.h. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cinstall.h"
#include "kclock.h"
#include "klog.h"

#include "kclient_impl.h"

#define RETRY_FAILED_MS (10LL * 60 * 1000) /* a version that failed is tried again after */

struct kclient_content {
    struct cinstall_cfg cfg; /* strings below are owned */
    char *dir, *root_file, *kiosk_id, *tower, *kiosk_version;
    int timeout_ms;
    /* sender thread only */
    bool busy;               /* a download is in flight */
    int64_t want;            /* its version */
    uint64_t want_size;
    int64_t failed_version;
    uint64_t failed_at;
    /* under c->mu */
    int64_t installed;       /* what current points to */
    char error[CINSTALL_WHY_SIZE];
    int64_t ready;           /* installed by the sender, not yet taken by the UI */
};

enum kerr kclient_content_open(struct kclient *c, const struct kclient_config *cfg)
{
    struct kclient_content *k;
    struct cinstall_state st;
    struct cinstall_info info;
    if (!cfg->content || !cfg->content->dir || !cfg->content->root_file) return KERR_OK;
    k = calloc(1, sizeof *k);
    if (!k) return KERR_NOMEM;
    k->dir = strdup(cfg->content->dir);
    k->root_file = strdup(cfg->content->root_file);
    k->kiosk_id = strdup(cfg->kiosk_id);
    k->tower = strdup(cfg->content->tower ? cfg->content->tower : "");
    k->kiosk_version = strdup(c->version);
    if (!k->dir || !k->root_file || !k->kiosk_id || !k->tower || !k->kiosk_version) {
        c->content = k;
        return KERR_NOMEM;
    }
    k->cfg = *cfg->content;
    k->cfg.dir = k->dir;
    k->cfg.root_file = k->root_file;
    k->cfg.kiosk_id = k->kiosk_id;
    k->cfg.tower = k->tower;
    k->cfg.kiosk_version = k->kiosk_version;
    k->timeout_ms = cfg->content_timeout_s > 0 ? cfg->content_timeout_s * 1000 : 120000;
    cinstall_state_load(k->dir, &st);
    if (cinstall_current(k->dir, &info) == KERR_OK) k->installed = info.version;
    snprintf(k->error, sizeof k->error, "%s", st.error);
    c->content = k;
    return KERR_OK;
}

void kclient_content_free(struct kclient *c)
{
    struct kclient_content *k = c->content;
    if (!k) return;
    free(k->dir);
    free(k->root_file);
    free(k->kiosk_id);
    free(k->tower);
    free(k->kiosk_version);
    free(k);
    c->content = NULL;
}

void kclient_content_fill_heartbeat(struct kclient *c, struct api_heartbeat *hb)
{
    struct kclient_content *k = c->content;
    if (!k) return;
    snprintf(hb->tower, sizeof hb->tower, "%s", k->tower);
    pthread_mutex_lock(&c->mu);
    snprintf(hb->content_bundle, sizeof hb->content_bundle, "%lld", (long long)k->installed);
    /* printable ASCII only (the contract); anything else becomes '?' */
    snprintf(hb->content_error, sizeof hb->content_error, "%s", k->error);
    pthread_mutex_unlock(&c->mu);
    for (char *p = hb->content_error; *p; p++)
        if (*p < 0x20 || *p > 0x7e) *p = '?';
}

static void set_error(struct kclient *c, const char *why)
{
    pthread_mutex_lock(&c->mu);
    snprintf(c->content->error, sizeof c->content->error, "%s", why);
    pthread_mutex_unlock(&c->mu);
}

void kclient_content_on_heartbeat(struct kclient *c, const char *resp, size_t len)
{
    struct kclient_content *k = c->content;
    cJSON *o, *m;
    const cJSON *v, *sz;
    int64_t ver, installed;
    char path[160];
    if (!k || k->busy || !resp || !len) return;
    o = cJSON_ParseWithLength(resp, len);
    m = cJSON_GetObjectItemCaseSensitive(o, "content");
    v = cJSON_GetObjectItemCaseSensitive(m, "version");
    sz = cJSON_GetObjectItemCaseSensitive(m, "size");
    if (!cJSON_IsNumber(v) || !cJSON_IsNumber(sz) || v->valuedouble < 1 || v->valuedouble > 1e9 ||
        sz->valuedouble < 1) {
        cJSON_Delete(o);
        return;
    }
    ver = (int64_t)v->valuedouble;
    k->want_size = (uint64_t)sz->valuedouble;
    cJSON_Delete(o);
    pthread_mutex_lock(&c->mu);
    installed = k->installed;
    pthread_mutex_unlock(&c->mu);
    if (ver <= installed) return;
    if (ver == k->failed_version && kclock_mono_ms() - k->failed_at < RETRY_FAILED_MS) return;
    if (k->want_size > (k->cfg.max_bytes ? k->cfg.max_bytes : CINSTALL_MAX_BYTES_DEFAULT) + (1u << 20)) {
        char why[CINSTALL_WHY_SIZE];
        snprintf(why, sizeof why, "v%lld: download of %llu bytes over the limit", (long long)ver,
                 (unsigned long long)k->want_size);
        cinstall_note_error(k->dir, ver, why);
        set_error(c, why);
        k->failed_version = ver;
        k->failed_at = kclock_mono_ms();
        return;
    }
    k->want = ver;
    snprintf(path, sizeof path, "/api/v1/content/bundles/%lld", (long long)ver);
    KLOGI(MOD, "content v%lld announced (%llu bytes); downloading", (long long)ver,
          (unsigned long long)k->want_size);
    if (kclient_xfer_start(c, X_CONTENT, path)) k->busy = true;
}

bool kclient_content_prepare(struct kclient *c, struct xfer *x)
{
    struct kclient_content *k = c->content;
    char path[PATH_MAX];
    if (!k) return false;
    mkdir(k->dir, 0700);
    cinstall_incoming_path(k->dir, path);
    x->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (x->fd < 0) {
        KLOGE(MOD, "cannot write %s: %s", path, strerror(errno));
        return false;
    }
    x->file_max = k->want_size;
    curl_easy_setopt(x->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)k->want_size);
    curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)k->timeout_ms);
    curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_TIME, 10L);
    curl_easy_setopt(x->easy, CURLOPT_ACCEPT_ENCODING, NULL);
    return true;
}

size_t kclient_content_write(struct xfer *x, const char *p, size_t n)
{
    size_t done = 0;
    if (x->file_len + n > x->file_max) {
        x->too_big = true; /* longer than announced: endless data */
        return 0;
    }
    while (done < n) {
        ssize_t k = write(x->fd, p + done, n - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return 0;
        done += (size_t)k;
    }
    x->file_len += n;
    return n;
}

void kclient_content_done(struct kclient *c, struct xfer *x, CURLcode rc, long http)
{
    struct kclient_content *k = c->content;
    char why[CINSTALL_WHY_SIZE], path[PATH_MAX];
    int64_t ver = 0;
    enum kerr e;
    bool fsynced = x->fd >= 0 && fsync(x->fd) == 0;
    if (!k) return;
    k->busy = false;
    if (x->fd >= 0) close(x->fd);
    x->fd = -1;
    cinstall_incoming_path(k->dir, path);
    if (rc != CURLE_OK || http != 200 || x->file_len != k->want_size || !fsynced) {
        if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED)
            snprintf(why, sizeof why, "v%lld: download longer than announced (%llu bytes)",
                     (long long)k->want, (unsigned long long)k->want_size);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            snprintf(why, sizeof why, "v%lld: download too slow or too long (timeout)",
                     (long long)k->want);
        else if (rc != CURLE_OK)
            snprintf(why, sizeof why, "v%lld: download failed: %s", (long long)k->want,
                     curl_easy_strerror(rc));
        else if (http != 200)
            snprintf(why, sizeof why, "v%lld: download answered HTTP %ld", (long long)k->want, http);
        else
            snprintf(why, sizeof why, "v%lld: download of %llu bytes, %llu announced",
                     (long long)k->want, (unsigned long long)x->file_len,
                     (unsigned long long)k->want_size);
        KLOGW(MOD, "content %s", why);
        cinstall_note_error(k->dir, k->want, why);
        set_error(c, why);
        k->failed_version = k->want;
        k->failed_at = kclock_mono_ms();
        unlink(path);
        return;
    }
    e = cinstall_apply(&k->cfg, path, (int64_t)time(NULL), &ver, why);
    unlink(path);
    if (e != KERR_OK) {
        set_error(c, why);
        k->failed_version = k->want;
        k->failed_at = kclock_mono_ms();
    } else {
        pthread_mutex_lock(&c->mu);
        k->installed = ver;
        k->ready = ver;
        k->error[0] = 0;
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_lock(&c->mu);
    if (c->notify) c->notify(c->notify_ud);
    pthread_mutex_unlock(&c->mu);
}

bool kclient_content_ready(struct kclient *c, int64_t *version)
{
    bool ready = false;
    KASSERT_OWNER(&c->owner);
    if (!c->content) return false;
    pthread_mutex_lock(&c->mu);
    if (c->content->ready) {
        *version = c->content->ready;
        c->content->ready = 0;
        ready = true;
    }
    pthread_mutex_unlock(&c->mu);
    return ready;
}

void kclient_content_rolled_back(struct kclient *c, int64_t now_installed, const char *why)
{
    KASSERT_OWNER(&c->owner);
    if (!c->content) return;
    pthread_mutex_lock(&c->mu);
    c->content->installed = now_installed;
    snprintf(c->content->error, sizeof c->content->error, "%s", why);
    pthread_mutex_unlock(&c->mu);
}
