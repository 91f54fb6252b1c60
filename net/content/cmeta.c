/* cmeta: codecs of root, publisher key list and manifest. See cmeta.h. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmeta.h"

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool cmeta_path_ok(const char *p)
{
    size_t n = p ? strlen(p) : 0, comp = 0;
    if (n == 0 || n >= CMETA_PATH_SIZE || p[0] == '/') return false;
    for (size_t i = 0; i <= n; i++) {
        char c = p[i];
        if (c == '/' || c == 0) {
            if (comp == 0) return false;
            if (comp == 1 && p[i - 1] == '.') return false;
            if (comp == 2 && p[i - 1] == '.' && p[i - 2] == '.') return false;
            comp = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
        comp++;
    }
    return true;
}

bool cmeta_target_ok(const char *t)
{
    if (!t) return false;
    if (strcmp(t, "all") == 0) return true;
    if (strncmp(t, "tower:", 6) == 0) return id_ok(t + 6);
    if (strncmp(t, "kiosk:", 6) == 0) return id_ok(t + 6);
    return false;
}

bool cmeta_targets_match(const struct cmeta_manifest *m, const char *kiosk_id, const char *tower)
{
    for (int i = 0; i < m->ntargets; i++) {
        const char *t = m->targets[i];
        if (strcmp(t, "all") == 0) return true;
        if (kiosk_id && strncmp(t, "kiosk:", 6) == 0 && strcmp(t + 6, kiosk_id) == 0) return true;
        if (tower && tower[0] && strncmp(t, "tower:", 6) == 0 && strcmp(t + 6, tower) == 0)
            return true;
    }
    return false;
}

bool cmeta_time_parse(const char *s, int64_t *out)
{
    struct tm tm;
    int y, mo, d, h, mi, se;
    char z;
    if (!s || strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z')
        return false;
    if (y < 2000 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        se > 60)
        return false;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = (int64_t)timegm(&tm);
    return true;
}

void cmeta_time_format(int64_t t, char out[21])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cmeta_version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
        if (x != y) return x < y ? -1 : 1;
        while (*a && *a != '.') a++;
        while (*b && *b != '.') b++;
        if (*a == '.') a++;
        if (*b == '.') b++;
    }
    return 0;
}

static bool get_int(const cJSON *o, const char *k, int64_t lo, int64_t hi, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v) || v->valuedouble < (double)lo || v->valuedouble > (double)hi ||
        v->valuedouble != (double)(int64_t)v->valuedouble)
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

static bool get_time(const cJSON *o, const char *k, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) && cmeta_time_parse(v->valuestring, out);
}

static bool type_is(const cJSON *o, const char *type)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");
    return cJSON_IsString(t) && strcmp(t->valuestring, type) == 0;
}

enum kerr cmeta_keys_decode(const char *text, const char *type, struct cmeta_keys *out,
                            const char **why)
{
    cJSON *o = cJSON_Parse(text);
    const cJSON *keys, *k;
    enum kerr res = KERR_INVALID;
    bool root = strcmp(type, "root") == 0;
    memset(out, 0, sizeof *out);
    *why = root ? "root: not a root key list" : "keys: not a publisher key list";
    if (!cJSON_IsObject(o) || !type_is(o, type)) goto out;
    *why = root ? "root: bad version" : "keys: bad version";
    if (!get_int(o, "version", 1, CMETA_VERSION_MAX, &out->version)) goto out;
    *why = "keys: bad expires";
    if (!root && !get_time(o, "expires", &out->expires)) goto out;
    *why = root ? "root: bad key" : "keys: bad key";
    keys = cJSON_GetObjectItemCaseSensitive(o, "keys");
    if (!cJSON_IsArray(keys) || cJSON_GetArraySize(keys) < 1) goto out;
    cJSON_ArrayForEach(k, keys) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(k, "public");
        if (!cJSON_IsString(p) || csign_keyset_add(&out->keys, p->valuestring) != KERR_OK) goto out;
    }
    res = KERR_OK;
    *why = NULL;
out:
    cJSON_Delete(o);
    return res;
}

enum kerr cmeta_keys_encode(const char *type, int64_t version, int64_t expires,
                            const struct csign_keyset *keys, char **out)
{
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    char t[21];
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddNumberToObject(o, "version", (double)version);
    if (expires) {
        cmeta_time_format(expires, t);
        cJSON_AddStringToObject(o, "expires", t);
    }
    for (int i = 0; i < keys->n; i++) {
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "keyid", keys->keyid[i]);
        cJSON_AddStringToObject(k, "public", keys->pub[i]);
        cJSON_AddItemToArray(arr, k);
    }
    cJSON_AddItemToObject(o, "keys", arr);
    *out = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return *out ? KERR_OK : KERR_NOMEM;
}

static bool hex64_ok(const char *s)
{
    if (strlen(s) != 64) return false;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

enum kerr cmeta_manifest_decode(const char *text, struct cmeta_manifest *out, const char **why)
{
    cJSON *o = cJSON_Parse(text);
    const cJSON *t, *files, *f, *mk;
    enum kerr res = KERR_INVALID;
    size_t nf;
    memset(out, 0, sizeof *out);
    *why = "manifest: not a content manifest";
    if (!cJSON_IsObject(o) || !type_is(o, "content")) goto out;
    *why = "manifest: bad version";
    if (!get_int(o, "version", 1, CMETA_VERSION_MAX, &out->version)) goto out;
    *why = "manifest: bad created or expires";
    if (!get_time(o, "created", &out->created) || !get_time(o, "expires", &out->expires)) goto out;
    *why = "manifest: bad min_kiosk_version";
    mk = cJSON_GetObjectItemCaseSensitive(o, "min_kiosk_version");
    if (!cJSON_IsString(mk) || strlen(mk->valuestring) >= sizeof out->min_kiosk_version) goto out;
    snprintf(out->min_kiosk_version, sizeof out->min_kiosk_version, "%s", mk->valuestring);
    *why = "manifest: bad targets";
    t = cJSON_GetObjectItemCaseSensitive(o, "targets");
    if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) < 1 || cJSON_GetArraySize(t) > CMETA_MAX_TARGETS)
        goto out;
    cJSON_ArrayForEach(f, t) {
        if (!cJSON_IsString(f) || !cmeta_target_ok(f->valuestring)) goto out;
        snprintf(out->targets[out->ntargets++], CMETA_TARGET_SIZE, "%s", f->valuestring);
    }
    *why = "manifest: bad files";
    files = cJSON_GetObjectItemCaseSensitive(o, "files");
    if (!cJSON_IsArray(files)) goto out;
    nf = (size_t)cJSON_GetArraySize(files);
    if (nf < 1 || nf > CMETA_MAX_FILES) goto out;
    out->files = calloc(nf, sizeof *out->files);
    res = KERR_NOMEM;
    if (!out->files) goto out;
    res = KERR_INVALID;
    cJSON_ArrayForEach(f, files) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "path");
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(f, "sha256");
        int64_t sz;
        struct cmeta_file *cf = &out->files[out->nfiles];
        *why = "manifest: bad file path";
        if (!cJSON_IsString(p) || !cmeta_path_ok(p->valuestring)) goto out;
        *why = "manifest: a file listed twice";
        if (cmeta_manifest_find(out, p->valuestring)) goto out;
        *why = "manifest: bad file size or sha256";
        if (!get_int(f, "size", 0, 1LL << 40, &sz) || !cJSON_IsString(h) || !hex64_ok(h->valuestring))
            goto out;
        snprintf(cf->path, sizeof cf->path, "%s", p->valuestring);
        snprintf(cf->sha256, sizeof cf->sha256, "%s", h->valuestring);
        cf->size = (uint64_t)sz;
        out->total_size += cf->size;
        out->nfiles++;
    }
    res = KERR_OK;
    *why = NULL;
out:
    if (res != KERR_OK) cmeta_manifest_free(out);
    cJSON_Delete(o);
    return res;
}

void cmeta_manifest_free(struct cmeta_manifest *m)
{
    free(m->files);
    m->files = NULL;
    m->nfiles = 0;
}

const struct cmeta_file *cmeta_manifest_find(const struct cmeta_manifest *m, const char *path)
{
    for (size_t i = 0; i < m->nfiles; i++)
        if (strcmp(m->files[i].path, path) == 0) return &m->files[i];
    return NULL;
}

enum kerr cmeta_manifest_encode(const struct cmeta_manifest *m, char **out)
{
    cJSON *o = cJSON_CreateObject(), *t = cJSON_CreateArray(), *fs = cJSON_CreateArray();
    char tm[21];
    cJSON_AddStringToObject(o, "type", "content");
    cJSON_AddNumberToObject(o, "version", (double)m->version);
    cmeta_time_format(m->created, tm);
    cJSON_AddStringToObject(o, "created", tm);
    cmeta_time_format(m->expires, tm);
    cJSON_AddStringToObject(o, "expires", tm);
    cJSON_AddStringToObject(o, "min_kiosk_version", m->min_kiosk_version);
    for (int i = 0; i < m->ntargets; i++) cJSON_AddItemToArray(t, cJSON_CreateString(m->targets[i]));
    cJSON_AddItemToObject(o, "targets", t);
    for (size_t i = 0; i < m->nfiles; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "path", m->files[i].path);
        cJSON_AddNumberToObject(f, "size", (double)m->files[i].size);
        cJSON_AddStringToObject(f, "sha256", m->files[i].sha256);
        cJSON_AddItemToArray(fs, f);
    }
    cJSON_AddItemToObject(o, "files", fs);
    *out = cJSON_Print(o);
    cJSON_Delete(o);
    return *out ? KERR_OK : KERR_NOMEM;
}
