/* hubstore_content: releases and kiosk content states. See
 * hubstore_content.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cbundle.h"
#include "cmeta.h"
#include "csign.h"
#include "hubstore_content_impl.h"
#include "hubstore_impl.h"
#include "hubstore_pg.h"
#include "kclock.h"
#include "klog.h"

#define RELOAD_MS 30000  /* PostgreSQL: the list is read again at least this often */

static void time_str(int64_t t, char out[21])
{
    cmeta_time_format(t, out);
}

static bool to_matches(const char *to, const char *kiosk, const char *tower)
{
    char buf[HUBCONTENT_TO_SIZE], *save = NULL;
    snprintf(buf, sizeof buf, "%s", to);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "all") == 0) return true;
        if (strncmp(t, "kiosk:", 6) == 0 && strcmp(t + 6, kiosk) == 0) return true;
        if (tower && tower[0] && strncmp(t, "tower:", 6) == 0 && strcmp(t + 6, tower) == 0)
            return true;
    }
    return false;
}

static void path_of(const struct hubcontent *hc, int64_t v, char *p, size_t cap)
{
    snprintf(p, cap, "%s/bundle-%lld.tar", hc->dir, (long long)v);
}

static enum kerr load(struct hubcontent *hc)
{
    struct hubstore_rd rd;
    struct hubstore_q q, *s = &q;
    enum kerr res = KERR_DB;
    if (!hubstore_rd_own(hc->st, hc->db, &rd)) return KERR_DB;
    if (!hubstore_q_prep(&q, &rd,
                         "SELECT version, size, created, expires, at, published, sha256, to_spec,"
                         " targets, manifest, purged FROM content_releases ORDER BY version",
                         NULL))
        goto out;
    while (hubstore_q_step(s) == SQLITE_ROW) {
        struct release *nr = realloc(hc->rel, (hc->nrel + 1) * sizeof *nr), *r;
        if (!nr) break;
        hc->rel = nr;
        r = &hc->rel[hc->nrel++];
        memset(r, 0, sizeof *r);
        r->version = hubstore_q_int_col(s, 0);
        r->size = hubstore_q_int_col(s, 1);
        r->created = hubstore_q_int_col(s, 2);
        r->expires = hubstore_q_int_col(s, 3);
        r->at = hubstore_q_int_col(s, 4);
        r->published = hubstore_q_int_col(s, 5);
        snprintf(r->sha256, sizeof r->sha256, "%s", hubstore_q_col(s, 6));
        snprintf(r->to, sizeof r->to, "%s", hubstore_q_col(s, 7));
        snprintf(r->targets, sizeof r->targets, "%s", hubstore_q_col(s, 8));
        r->manifest = strdup(hubstore_q_col(s, 9));
        r->purged = hubstore_q_int_col(s, 10);
    }
    hubstore_q_done(&q);
    if (!hubstore_q_prep(&q, &rd,
                         "SELECT id, tower, content, offered, reported, error FROM content_kiosks",
                         NULL))
        goto out;
    while (hubstore_q_step(s) == SQLITE_ROW) {
        struct kstate *k;
        if (hc->nks == hc->capks) {
            size_t cap = hc->capks ? hc->capks * 2 : 64;
            struct kstate *n = realloc(hc->ks, cap * sizeof *n);
            if (!n) break;
            hc->ks = n;
            hc->capks = cap;
        }
        k = &hc->ks[hc->nks++];
        memset(k, 0, sizeof *k);
        snprintf(k->id, sizeof k->id, "%s", hubstore_q_col(s, 0));
        snprintf(k->tower, sizeof k->tower, "%s", hubstore_q_col(s, 1));
        k->content = hubstore_q_int_col(s, 2);
        k->offered = hubstore_q_int_col(s, 3);
        k->reported = hubstore_q_int_col(s, 4);
        snprintf(k->error, sizeof k->error, "%s", hubstore_q_col(s, 5));
    }
    res = KERR_OK;
out:
    hubstore_q_done(&q);
    hubstore_rd_put(&rd);
    return res;
}

enum kerr hubcontent_reload(struct hubcontent *hc)
{
    for (size_t i = 0; i < hc->nrel; i++) free(hc->rel[i].manifest);
    free(hc->rel);
    hc->rel = NULL;
    hc->nrel = 0;
    hc->nks = 0;
    hc->loaded_ms = kclock_mono_ms();
    return load(hc);
}

/* Removes the folder's files of purged releases (hubstore_content_files.c),
 * one log line when there were any. Under mu. */
static void prune_logged(struct hubcontent *hc)
{
    int64_t files = 0, bytes = 0;
    hubcontent_prune(hc, &files, &bytes);
    if (files)
        KLOGI("hub", "content: removed %lld bundle files of purged releases from %s (%lld bytes)",
              (long long)files, hc->dir, (long long)bytes);
}

/* PostgreSQL: reads the lists again when another hub published since, when
 * they are RELOAD_MS old, or (force) always. Under mu. */
static void refresh(struct hubcontent *hc, bool force)
{
    if (!hc->st->pg) return;
    if (!force && !atomic_load(&hc->stale) && kclock_mono_ms() < hc->loaded_ms + RELOAD_MS) return;
    atomic_store(&hc->stale, false);
    if (hubcontent_reload(hc) != KERR_OK) {
        KLOGW("hub", "content releases could not be read again; keeping the last list");
        atomic_store(&hc->stale, true);
    } else {
        prune_logged(hc); /* another hub's sweep may have purged releases since */
    }
}

void hubcontent_log_event(struct hubcontent *hc, const char *event)
{
    if (strncmp(event, "{\"content\"", 10) == 0) atomic_store(&hc->stale, true);
}

enum kerr hubcontent_open(struct hubstore *st, const char *db_path, const char *files,
                          struct hubcontent **out)
{
    struct hubcontent *hc = calloc(1, sizeof *hc);
    enum kerr e;
    *out = NULL;
    if (!hc) return KERR_NOMEM;
    pthread_mutex_init(&hc->mu, NULL);
    hc->st = st;
    snprintf(hc->dir, sizeof hc->dir, "%s.content", files);
    if (mkdir(hc->dir, 0700) != 0 && errno != EEXIST) {
        KLOGE("hub", "cannot create %s: %s", hc->dir, strerror(errno));
        hubcontent_close(hc);
        return KERR_IO;
    }
    if (!st->pg) {
        if (sqlite3_open_v2(db_path, &hc->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                            NULL) != SQLITE_OK) {
            hubcontent_close(hc);
            return KERR_DB;
        }
        sqlite3_busy_timeout(hc->db, 5000);
        sqlite3_exec(hc->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    }
    e = hubcontent_reload(hc);
    if (e != KERR_OK) {
        hubcontent_close(hc);
        return e;
    }
    prune_logged(hc); /* what a sweep before this start purged */
    *out = hc;
    return KERR_OK;
}

void hubcontent_close(struct hubcontent *hc)
{
    if (!hc) return;
    sqlite3_close(hc->db);
    for (size_t i = 0; i < hc->nrel; i++) free(hc->rel[i].manifest);
    free(hc->rel);
    free(hc->ks);
    pthread_mutex_destroy(&hc->mu);
    free(hc);
}

static enum kerr save_release(struct hubcontent *hc, const struct release *r)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    int rc = SQLITE_ERROR;
    if (!hubstore_rd_own(hc->st, hc->db, &rd)) return KERR_DB;
    if (hubstore_q_prep(&s, &rd,
                        "INSERT INTO content_releases(version, size, created, expires, at,"
                        " published, sha256, to_spec, targets, manifest)"
                        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) ON CONFLICT(version) DO UPDATE SET"
                        " to_spec = excluded.to_spec, at = excluded.at"
                        " WHERE content_releases.sha256 = excluded.sha256",
                        NULL)) {
        hubstore_q_int(&s, 1, r->version);
        hubstore_q_int(&s, 2, r->size);
        hubstore_q_int(&s, 3, r->created);
        hubstore_q_int(&s, 4, r->expires);
        hubstore_q_int(&s, 5, r->at);
        hubstore_q_int(&s, 6, r->published);
        hubstore_q_text(&s, 7, r->sha256);
        hubstore_q_text(&s, 8, r->to);
        hubstore_q_text(&s, 9, r->targets);
        hubstore_q_text(&s, 10, r->manifest);
        rc = hubstore_q_step(&s);
    }
    hubstore_q_done(&s);
    hubstore_rd_put(&rd);
    return rc == SQLITE_DONE ? KERR_OK : KERR_DB;
}

enum kerr hubcontent_publish(struct hubcontent *hc, const void *data, size_t len, const char *to,
                             int64_t at, int64_t *version, char why[200])
{
    struct release r;
    struct cbundle_meta meta;
    struct cmeta_manifest m;
    char path[1100], tmp[1100], *text;
    const char *w = NULL;
    enum kerr e;
    *version = 0;
    memset(&r, 0, sizeof r);
    snprintf(tmp, sizeof tmp, "%s/upload-%ld.tmp", hc->dir, (long)pthread_self());
    if (hubcontent_write_file(tmp, data, len) != KERR_OK) {
        snprintf(why, 200, "cannot store the upload");
        return KERR_IO;
    }
    e = cbundle_peek(tmp, &meta, why);
    if (e != KERR_OK) {
        unlink(tmp);
        return KERR_PARSE;
    }
    text = cbundle_unverified_text(meta.manifest, meta.manifest_len);
    e = text ? cmeta_manifest_decode(text, &m, &w) : KERR_PARSE;
    free(text);
    if (e != KERR_OK) {
        snprintf(why, 200, "%s", w ? w : "manifest.json is not a signed envelope");
        cbundle_meta_free(&meta);
        unlink(tmp);
        return KERR_PARSE;
    }
    r.version = m.version;
    r.size = (int64_t)len;
    r.created = m.created;
    r.expires = m.expires;
    r.at = at ? at : (int64_t)time(NULL);
    r.published = (int64_t)time(NULL);
    csign_sha256_hex(data, len, r.sha256);
    snprintf(r.to, sizeof r.to, "%s", to && to[0] ? to : "all");
    for (int i = 0; i < m.ntargets; i++)
        snprintf(r.targets + strlen(r.targets), sizeof r.targets - strlen(r.targets), "%s%s",
                 i ? "," : "", m.targets[i]);
    r.manifest = meta.manifest;
    meta.manifest = NULL;
    cbundle_meta_free(&meta);
    cmeta_manifest_free(&m);
    *version = r.version;
    pthread_mutex_lock(&hc->mu);
    refresh(hc, true); /* what every hub published */
    e = KERR_OK;
    for (size_t i = 0; i < hc->nrel; i++) {
        struct release *o = &hc->rel[i];
        if (o->version == r.version) {
            if (strcmp(o->sha256, r.sha256) != 0) {
                snprintf(why, 200, "version %lld was published with other content; sign with a "
                                   "higher --version", (long long)r.version);
                e = KERR_CONFLICT;
            } else { /* widen or move a staged rollout */
                snprintf(o->to, sizeof o->to, "%s", r.to);
                o->at = r.at;
                e = save_release(hc, o);
                free(r.manifest);
                r.manifest = NULL;
            }
            goto done;
        }
        if (o->version > r.version) {
            snprintf(why, 200, "version %lld is below the newest published (%lld); sign with a "
                               "higher --version", (long long)r.version, (long long)o->version);
            e = KERR_CONFLICT;
        }
    }
    if (e != KERR_OK) goto done;
    /* PostgreSQL: the bytes first, then the row that offers them */
    if (hc->st->pg && hubpg_bundle_put(hc->st->pg, r.version, data, len) != KERR_OK) {
        snprintf(why, 200, "cannot store the bundle in the database");
        e = KERR_IO;
        goto done;
    }
    path_of(hc, r.version, path, sizeof path);
    if (rename(tmp, path) != 0) {
        e = KERR_IO;
        goto done;
    }
    tmp[0] = 0;
    if (hc->st->pg) hubcontent_note_verified(hc, r.version, path, r.sha256);
    e = save_release(hc, &r);
    if (e == KERR_OK && hc->st->pg) {
        /* another hub may have published this version with other bytes a
         * moment before (the row keeps the first): the database says */
        int same = -1;
        refresh(hc, true);
        for (size_t i = 0; i < hc->nrel; i++)
            if (hc->rel[i].version == r.version) same = strcmp(hc->rel[i].sha256, r.sha256) == 0;
        if (same == 1) {
            KLOGI("hub", "content v%lld published to %s (%zu bytes)", (long long)r.version, r.to, len);
        } else {
            if (same == 0)
                snprintf(why, 200, "version %lld was published with other content; sign with a "
                                   "higher --version", (long long)r.version);
            e = same == 0 ? KERR_CONFLICT : KERR_IO;
            unlink(path); /* the cache holds the database's bytes only */
        }
    } else if (e == KERR_OK) {
        struct release *nr = realloc(hc->rel, (hc->nrel + 1) * sizeof *nr);
        if (!nr) e = KERR_NOMEM;
        else {
            hc->rel = nr;
            hc->rel[hc->nrel++] = r;
            r.manifest = NULL;
            KLOGI("hub", "content v%lld published to %s (%zu bytes)", (long long)r.version, r.to, len);
        }
    }
done:
    pthread_mutex_unlock(&hc->mu);
    if (tmp[0]) unlink(tmp);
    free(r.manifest);
    if (e == KERR_OK && hc->st->pg) {
        /* every hub on the database reads its list again (hubcontent_log_event) */
        char ev[48];
        int64_t id;
        snprintf(ev, sizeof ev, "{\"content\":%lld}", (long long)r.version);
        if (hubstore_alert_put(hc->st, ev, &id) != KERR_OK)
            KLOGW("hub", "content v%lld: the other hubs offer it within %d s", (long long)r.version,
                  RELOAD_MS / 1000);
    }
    return e;
}

/* The newest release offered to this kiosk now; NULL if none. Under mu. */
static const struct release *offer(const struct hubcontent *hc, const char *kiosk,
                                   const char *tower, int64_t now)
{
    for (size_t i = hc->nrel; i-- > 0;) {
        const struct release *r = &hc->rel[i];
        /* a purged release is offered to nobody (the sweep keeps the ones a
         * kiosk still installs or may roll back to) */
        if (r->at <= now && !r->purged && to_matches(r->to, kiosk, tower)) return r;
    }
    return NULL;
}

static struct kstate *kstate_of(struct hubcontent *hc, const char *kiosk)
{
    for (size_t i = 0; i < hc->nks; i++)
        if (strcmp(hc->ks[i].id, kiosk) == 0) return &hc->ks[i];
    if (hc->nks == hc->capks) {
        size_t cap = hc->capks ? hc->capks * 2 : 64;
        struct kstate *n = realloc(hc->ks, cap * sizeof *n);
        if (!n) return NULL;
        hc->ks = n;
        hc->capks = cap;
    }
    memset(&hc->ks[hc->nks], 0, sizeof hc->ks[hc->nks]);
    snprintf(hc->ks[hc->nks].id, sizeof hc->ks[hc->nks].id, "%s", kiosk);
    hc->ks[hc->nks].content = -1; /* never reported */
    return &hc->ks[hc->nks++];
}

void hubcontent_heartbeat(struct hubcontent *hc, const char *kiosk, const char *tower,
                          int64_t content, const char *error, cJSON *answer)
{
    int64_t now = (int64_t)time(NULL);
    const struct release *r;
    struct kstate *k;
    if (content < 0) return; /* this kiosk takes no content updates: nothing to record */
    pthread_mutex_lock(&hc->mu);
    refresh(hc, false);
    r = offer(hc, kiosk, tower, now);
    k = kstate_of(hc, kiosk);
    if (k) {
        int64_t offered = r && r->version > content ? r->version : k->offered;
        bool changed = k->content != content || strcmp(k->tower, tower ? tower : "") != 0 ||
                       strcmp(k->error, error ? error : "") != 0 || k->offered != offered;
        k->reported = now;
        /* PostgreSQL: the kiosk's last heartbeat may have gone to another hub,
         * so this one's copy says nothing; the statement changes the row only
         * when something changed, or to renew its time once a minute */
        if (changed || hc->st->pg) {
            struct hubstore_rd rd;
            struct hubstore_q s;
            int rc = SQLITE_ERROR;
            memset(&s, 0, sizeof s);
            k->content = content;
            k->offered = offered;
            snprintf(k->tower, sizeof k->tower, "%s", tower ? tower : "");
            snprintf(k->error, sizeof k->error, "%s", error ? error : "");
            if (hubstore_rd_own(hc->st, hc->db, &rd)) {
                if (hubstore_q_prep(&s, &rd,
                                    "INSERT OR REPLACE INTO content_kiosks(id, tower, content,"
                                    " offered, reported, error) VALUES(?1,?2,?3,?4,?5,?6)",
                                    "INSERT INTO content_kiosks(id, tower, content, offered,"
                                    " reported, error) VALUES($1,$2,$3,$4,$5,$6) ON CONFLICT (id)"
                                    " DO UPDATE SET tower = excluded.tower, content ="
                                    " excluded.content, offered = excluded.offered, reported ="
                                    " excluded.reported, error = excluded.error"
                                    " WHERE (content_kiosks.tower, content_kiosks.content,"
                                    " content_kiosks.offered, content_kiosks.error) IS DISTINCT"
                                    " FROM (excluded.tower, excluded.content, excluded.offered,"
                                    " excluded.error) OR content_kiosks.reported <"
                                    " excluded.reported - 60")) {
                    hubstore_q_text(&s, 1, k->id);
                    hubstore_q_text(&s, 2, k->tower);
                    hubstore_q_int(&s, 3, k->content);
                    hubstore_q_int(&s, 4, k->offered);
                    hubstore_q_int(&s, 5, k->reported);
                    hubstore_q_text(&s, 6, k->error);
                    rc = hubstore_q_step(&s);
                }
                hubstore_q_done(&s);
                hubstore_rd_put(&rd);
            }
            if (rc != SQLITE_DONE) KLOGW("hub", "content state of %s not stored", k->id);
        }
    }
    if (r && r->version > content && answer) {
        cJSON *o = cJSON_CreateObject();
        char url[64];
        snprintf(url, sizeof url, "/api/v1/content/bundles/%lld", (long long)r->version);
        cJSON_AddNumberToObject(o, "version", (double)r->version);
        cJSON_AddNumberToObject(o, "size", (double)r->size);
        cJSON_AddStringToObject(o, "sha256", r->sha256);
        cJSON_AddStringToObject(o, "url", url);
        cJSON_AddItemToObject(answer, "content", o);
    }
    pthread_mutex_unlock(&hc->mu);
}

cJSON *hubcontent_manifest_for(struct hubcontent *hc, const char *kiosk, const char *tower)
{
    const struct release *r;
    cJSON *o = NULL;
    pthread_mutex_lock(&hc->mu);
    refresh(hc, false);
    if (!tower || !tower[0]) {
        for (size_t i = 0; i < hc->nks; i++)
            if (strcmp(hc->ks[i].id, kiosk) == 0) tower = hc->ks[i].tower;
    }
    r = offer(hc, kiosk, tower, (int64_t)time(NULL));
    if (r) {
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "version", (double)r->version);
        cJSON_AddNumberToObject(o, "size", (double)r->size);
        cJSON_AddStringToObject(o, "sha256", r->sha256);
        cJSON_AddStringToObject(o, "manifest", r->manifest);
    }
    pthread_mutex_unlock(&hc->mu);
    return o;
}

/* The release of version v in the list, or NULL. Under mu. */
static const struct release *release_of(const struct hubcontent *hc, int64_t v)
{
    for (size_t i = 0; i < hc->nrel; i++)
        if (hc->rel[i].version == v) return &hc->rel[i];
    return NULL;
}

enum hubcontent_bundle hubcontent_bundle_path(struct hubcontent *hc, int64_t v, char *path,
                                              size_t cap, uint64_t *size)
{
    const struct release *r;
    char sha256[CSIGN_SHA256_SIZE] = "";
    pthread_mutex_lock(&hc->mu);
    refresh(hc, false);
    r = release_of(hc, v);
    if (!r && hc->st->pg) { /* published a moment ago on another hub */
        refresh(hc, true);
        r = release_of(hc, v);
    }
    if (!r || r->purged) {
        pthread_mutex_unlock(&hc->mu);
        return r ? HUBCONTENT_BUNDLE_REMOVED : HUBCONTENT_BUNDLE_UNKNOWN;
    }
    *size = (uint64_t)r->size;
    snprintf(sha256, sizeof sha256, "%s", r->sha256);
    pthread_mutex_unlock(&hc->mu);
    path_of(hc, v, path, cap);
    if (hc->st->pg && !hubcontent_cache_bundle(hc, v, (int64_t)*size, sha256, path)) {
        /* another hub's sweep may have purged it since this list was read */
        pthread_mutex_lock(&hc->mu);
        refresh(hc, true);
        r = release_of(hc, v);
        pthread_mutex_unlock(&hc->mu);
        if (!r || r->purged) return HUBCONTENT_BUNDLE_REMOVED;
        path[0] = '\0';
    }
    return HUBCONTENT_BUNDLE_OK;
}

cJSON *hubcontent_list(struct hubcontent *hc)
{
    cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "releases");
    char t[21];
    pthread_mutex_lock(&hc->mu);
    refresh(hc, true);
    for (size_t i = hc->nrel; i-- > 0;) {
        const struct release *r = &hc->rel[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "version", (double)r->version);
        time_str(r->created, t);
        cJSON_AddStringToObject(x, "created", t);
        time_str(r->expires, t);
        cJSON_AddStringToObject(x, "expires", t);
        time_str(r->at, t);
        cJSON_AddStringToObject(x, "at", t);
        time_str(r->published, t);
        cJSON_AddStringToObject(x, "published_at", t);
        cJSON_AddNumberToObject(x, "size", (double)r->size);
        cJSON_AddStringToObject(x, "sha256", r->sha256);
        cJSON_AddStringToObject(x, "to", r->to);
        cJSON_AddStringToObject(x, "targets", r->targets);
        if (r->purged) { /* the row stays for the history; its bytes are gone */
            time_str(r->purged, t);
            cJSON_AddStringToObject(x, "bundle_removed_at", t);
        } else {
            cJSON_AddNullToObject(x, "bundle_removed_at");
        }
        cJSON_AddItemToArray(a, x);
    }
    pthread_mutex_unlock(&hc->mu);
    return o;
}

cJSON *hubcontent_status(struct hubcontent *hc)
{
    cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "kiosks");
    char t[21];
    int64_t latest = 0;
    pthread_mutex_lock(&hc->mu);
    refresh(hc, true); /* every kiosk's state, whichever hub its heartbeat reached */
    if (hc->nrel) latest = hc->rel[hc->nrel - 1].version;
    for (size_t i = 0; i < hc->nks; i++) {
        const struct kstate *k = &hc->ks[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "id", k->id);
        cJSON_AddStringToObject(x, "tower", k->tower);
        cJSON_AddNumberToObject(x, "content", (double)(k->content < 0 ? 0 : k->content));
        cJSON_AddNumberToObject(x, "offered", (double)k->offered);
        time_str(k->reported, t);
        cJSON_AddStringToObject(x, "reported_at", t);
        if (k->error[0]) cJSON_AddStringToObject(x, "error", k->error);
        else cJSON_AddNullToObject(x, "error");
        cJSON_AddItemToArray(a, x);
    }
    cJSON_AddNumberToObject(o, "latest", (double)latest);
    pthread_mutex_unlock(&hc->mu);
    return o;
}
