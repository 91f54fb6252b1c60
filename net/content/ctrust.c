/* ctrust: the chain of trust of one bundle file: the kiosk's root (stored or
 * installed), the rotations the bundle carries, the publisher key list and
 * the manifest, each checked against the one before. See ctrust.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbundle.h"
#include "ctrust.h"

#define WHY(...) snprintf(why, CINSTALL_WHY_SIZE, __VA_ARGS__)

char *ctrust_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    size_t n;
    if (!f) return NULL;
    b = malloc(CBUNDLE_META_MAX + 1);
    n = b ? fread(b, 1, CBUNDLE_META_MAX + 1, f) : 0;
    fclose(f);
    if (!b || n > CBUNDLE_META_MAX) {
        free(b);
        return NULL;
    }
    b[n] = 0;
    if (len) *len = n;
    return b;
}

/* A root envelope verified by its own keys (and, when prev is given, by a
 * key of prev too). */
static enum kerr open_root(const char *env, size_t len, const struct cmeta_keys *prev,
                           struct cmeta_keys *out, char why[CINSTALL_WHY_SIZE])
{
    char *text = cbundle_unverified_text(env, len), *t2 = NULL;
    const char *w = NULL;
    enum kerr e;
    if (!text) {
        WHY("root: not a signed envelope");
        return KERR_PARSE;
    }
    e = cmeta_keys_decode(text, "root", out, &w);
    free(text);
    if (e != KERR_OK) {
        WHY("%s", w);
        return e;
    }
    e = csign_envelope_open(env, len, &out->keys, &t2, &w);
    free(t2);
    if (e != KERR_OK) {
        WHY("root v%lld: not signed by its own key", (long long)out->version);
        return KERR_AUTH;
    }
    if (prev) {
        e = csign_envelope_open(env, len, &prev->keys, &t2, &w);
        free(t2);
        if (e != KERR_OK) {
            WHY("root v%lld: rotation not signed by the trusted root v%lld", (long long)out->version,
                (long long)prev->version);
            return KERR_AUTH;
        }
    }
    return KERR_OK;
}

enum kerr ctrust_check(const struct ctrust_in *in, const struct cbundle_meta *meta,
                       struct ctrust_out *out, char why[CINSTALL_WHY_SIZE])
{
    struct cmeta_keys root, pubs, stored;
    char path[4200], *env, *text = NULL;
    size_t len = 0;
    const char *w = NULL;
    enum kerr e;
    memset(out, 0, sizeof *out);
    /* 1. the root we trust: the newest stored one, else the installed one */
    snprintf(path, sizeof path, "%s/root.json", in->dir);
    env = ctrust_read_file(path, &len);
    if (!env && in->root_file) env = ctrust_read_file(in->root_file, &len);
    if (!env) {
        WHY("no trusted root key (content_root in the config)");
        return KERR_AUTH;
    }
    e = open_root(env, len, NULL, &root, why);
    free(env);
    if (e != KERR_OK) return e;
    /* 2. rotations carried by the bundle, one version at a time */
    for (int i = 0; i < meta->nroots; i++) {
        struct cmeta_keys next;
        char *t = cbundle_unverified_text(meta->roots[i], meta->roots_len[i]);
        const char *w2;
        enum kerr d = t ? cmeta_keys_decode(t, "root", &next, &w2) : KERR_PARSE;
        free(t);
        if (d != KERR_OK) {
            WHY("root rotation: not a root key list");
            return KERR_PARSE;
        }
        if (next.version <= root.version) continue; /* already trusted */
        if (next.version != root.version + 1) {
            WHY("root v%lld: skips from v%lld", (long long)next.version, (long long)root.version);
            return KERR_AUTH;
        }
        e = open_root(meta->roots[i], meta->roots_len[i], &root, &next, why);
        if (e != KERR_OK) return e;
        root = next;
        out->root_changed = true;
        out->root_env = i;
    }
    out->root_version = root.version;
    /* 3. the publisher key list, signed by that root, never older */
    e = csign_envelope_open(meta->keys, meta->keys_len, &root.keys, &text, &w);
    if (e != KERR_OK) {
        WHY("keys: not signed by the trusted root v%lld (%s)", (long long)root.version, w);
        return KERR_AUTH;
    }
    e = cmeta_keys_decode(text, "publishers", &pubs, &w);
    free(text);
    text = NULL;
    if (e != KERR_OK) {
        WHY("%s", w);
        return e;
    }
    snprintf(path, sizeof path, "%s/keys.json", in->dir);
    env = ctrust_read_file(path, &len);
    if (env) {
        char *t = cbundle_unverified_text(env, len);
        if (t && cmeta_keys_decode(t, "publishers", &stored, &w) == KERR_OK &&
            pubs.version < stored.version) {
            free(t);
            free(env);
            WHY("keys: list v%lld is older than the installed v%lld (a revoked key?)",
                (long long)pubs.version, (long long)stored.version);
            return KERR_AUTH;
        }
        free(t);
        free(env);
    }
    if (pubs.expires <= in->now) {
        WHY("keys: the publisher key list expired");
        return KERR_AUTH;
    }
    /* 4. the manifest, signed by a publisher */
    e = csign_envelope_open(meta->manifest, meta->manifest_len, &pubs.keys, &text, &w);
    if (e != KERR_OK) {
        WHY("manifest: signature by an unknown or revoked key (%s)", w);
        return KERR_AUTH;
    }
    e = cmeta_manifest_decode(text, &out->m, &w);
    free(text);
    if (e != KERR_OK) {
        WHY("%s", w);
        return e;
    }
    if (out->m.version <= in->installed || out->m.version <= in->max_seen) {
        WHY("version %lld is not newer than %lld (replay or rollback)", (long long)out->m.version,
            (long long)(in->installed > in->max_seen ? in->installed : in->max_seen));
        cmeta_manifest_free(&out->m);
        return KERR_CONFLICT;
    }
    if (out->m.expires <= in->now) {
        char t[21];
        cmeta_time_format(out->m.expires, t);
        WHY("manifest v%lld expired at %s (freeze)", (long long)out->m.version, t);
        cmeta_manifest_free(&out->m);
        return KERR_INVALID;
    }
    if (!cmeta_targets_match(&out->m, in->kiosk_id, in->tower)) {
        WHY("manifest v%lld is not for this kiosk (targets)", (long long)out->m.version);
        cmeta_manifest_free(&out->m);
        return KERR_INVALID;
    }
    if (in->kiosk_version && cmeta_version_cmp(in->kiosk_version, out->m.min_kiosk_version) < 0) {
        WHY("manifest v%lld needs kiosk %s or newer", (long long)out->m.version,
            out->m.min_kiosk_version);
        cmeta_manifest_free(&out->m);
        return KERR_INVALID;
    }
    return KERR_OK;
}
