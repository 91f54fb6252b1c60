/* csign: Ed25519 and envelopes on libcrypto. See csign.h. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csign.h"

struct csign_key {
    EVP_PKEY *pkey;
    char keyid[CSIGN_KEYID_SIZE];
    char pub[CSIGN_PUB_SIZE];
};

static bool b64_decode(const char *in, unsigned char *out, size_t want)
{
    unsigned char buf[128];
    size_t n = strlen(in);
    int k;
    if (n == 0 || n > 120 || n % 4) return false;
    k = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n);
    if (k < 0) return false;
    /* EVP_DecodeBlock counts the padding as zero bytes */
    if (n >= 1 && in[n - 1] == '=') k--;
    if (n >= 2 && in[n - 2] == '=') k--;
    if ((size_t)k != want) return false;
    memcpy(out, buf, want);
    return true;
}

static void b64_encode(const unsigned char *in, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

void csign_sha256_hex(const void *data, size_t len, char out[CSIGN_SHA256_SIZE])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

bool csign_keyid_of(const char *pub, char keyid[CSIGN_KEYID_SIZE])
{
    unsigned char raw[32];
    char hex[CSIGN_SHA256_SIZE];
    keyid[0] = 0;
    if (!pub || !b64_decode(pub, raw, 32)) return false;
    csign_sha256_hex(raw, 32, hex);
    memcpy(keyid, hex, CSIGN_KEYID_SIZE - 1);
    keyid[CSIGN_KEYID_SIZE - 1] = 0;
    return true;
}

static enum kerr key_fill(struct csign_key *k)
{
    unsigned char raw[32];
    size_t n = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &n) != 1 || n != 32) return KERR_INVALID;
    b64_encode(raw, 32, k->pub);
    csign_keyid_of(k->pub, k->keyid);
    return KERR_OK;
}

enum kerr csign_keygen(const char *key_path, const char *pub_path)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    struct csign_key k = {0};
    enum kerr res = KERR_INVALID;
    FILE *f = NULL;
    int fd;
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &k.pkey) != 1) goto out;
    if ((res = key_fill(&k)) != KERR_OK) goto out;
    fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        res = errno == EEXIST ? KERR_CONFLICT : KERR_IO;
        goto out;
    }
    f = fdopen(fd, "w");
    res = KERR_IO;
    if (!f) {
        close(fd);
        goto out;
    }
    if (PEM_write_PrivateKey(f, k.pkey, NULL, NULL, 0, NULL, NULL) != 1 || fflush(f) != 0 ||
        fsync(fileno(f)) != 0) {
        fclose(f);
        goto out;
    }
    fclose(f);
    f = fopen(pub_path, "w");
    if (!f) goto out;
    fprintf(f, "{\"keyid\":\"%s\",\"public\":\"%s\"}\n", k.keyid, k.pub);
    if (fclose(f) != 0) goto out;
    res = KERR_OK;
out:
    EVP_PKEY_free(k.pkey);
    EVP_PKEY_CTX_free(ctx);
    return res;
}

enum kerr csign_key_load(const char *path, struct csign_key **out)
{
    FILE *f = fopen(path, "r");
    struct csign_key *k;
    *out = NULL;
    if (!f) return KERR_IO;
    k = calloc(1, sizeof *k);
    if (!k) {
        fclose(f);
        return KERR_NOMEM;
    }
    k->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k->pkey || EVP_PKEY_get_id(k->pkey) != EVP_PKEY_ED25519 || key_fill(k) != KERR_OK) {
        csign_key_free(k);
        return KERR_INVALID;
    }
    *out = k;
    return KERR_OK;
}

void csign_key_free(struct csign_key *k)
{
    if (!k) return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

const char *csign_key_id(const struct csign_key *k) { return k->keyid; }
const char *csign_key_pub(const struct csign_key *k) { return k->pub; }

enum kerr csign_pub_load(const char *path, char pub[CSIGN_PUB_SIZE])
{
    char buf[512];
    FILE *f = fopen(path, "r");
    size_t n;
    cJSON *o;
    const cJSON *p;
    enum kerr res = KERR_PARSE;
    char id[CSIGN_KEYID_SIZE];
    pub[0] = 0;
    if (!f) return KERR_IO;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    o = cJSON_Parse(buf);
    p = cJSON_GetObjectItemCaseSensitive(o, "public");
    if (cJSON_IsString(p) && csign_keyid_of(p->valuestring, id)) {
        snprintf(pub, CSIGN_PUB_SIZE, "%s", p->valuestring);
        res = KERR_OK;
    }
    cJSON_Delete(o);
    return res;
}

enum kerr csign_keyset_add(struct csign_keyset *set, const char *pub)
{
    char id[CSIGN_KEYID_SIZE];
    if (!csign_keyid_of(pub, id)) return KERR_INVALID;
    if (csign_keyset_has(set, id)) return KERR_OK;
    if (set->n >= CSIGN_MAX_KEYS) return KERR_TOOBIG;
    memcpy(set->keyid[set->n], id, sizeof id);
    snprintf(set->pub[set->n], CSIGN_PUB_SIZE, "%s", pub);
    set->n++;
    return KERR_OK;
}

bool csign_keyset_has(const struct csign_keyset *set, const char *keyid)
{
    for (int i = 0; i < set->n; i++)
        if (strcmp(set->keyid[i], keyid) == 0) return true;
    return false;
}

static enum kerr sign_one(const struct csign_key *k, const char *text, char sig[CSIGN_SIG_SIZE])
{
    unsigned char raw[64];
    size_t n = sizeof raw;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    enum kerr res = KERR_INVALID;
    if (md && EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
        EVP_DigestSign(md, raw, &n, (const unsigned char *)text, strlen(text)) == 1 && n == 64) {
        b64_encode(raw, 64, sig);
        res = KERR_OK;
    }
    EVP_MD_CTX_free(md);
    return res;
}

static bool verify_one(const char *pub, const char *text, size_t len, const char *sig)
{
    unsigned char rawpub[32], rawsig[64];
    EVP_PKEY *pk;
    EVP_MD_CTX *md;
    bool ok = false;
    if (!b64_decode(pub, rawpub, 32) || !b64_decode(sig, rawsig, 64)) return false;
    pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, rawpub, 32);
    md = EVP_MD_CTX_new();
    if (pk && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1)
        ok = EVP_DigestVerify(md, rawsig, 64, (const unsigned char *)text, len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    return ok;
}

enum kerr csign_envelope_make(const char *text, struct csign_key *const *keys, int nkeys,
                              char **out)
{
    cJSON *o = cJSON_CreateObject(), *sigs = cJSON_CreateArray();
    enum kerr res = KERR_NOMEM;
    *out = NULL;
    if (!o || !sigs) goto out;
    cJSON_AddItemToObject(o, "signed", cJSON_CreateString(text));
    cJSON_AddItemToObject(o, "signatures", sigs);
    sigs = NULL;
    for (int i = 0; i < nkeys; i++) {
        char sig[CSIGN_SIG_SIZE];
        cJSON *s;
        res = sign_one(keys[i], text, sig);
        if (res != KERR_OK) goto out;
        s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "keyid", keys[i]->keyid);
        cJSON_AddStringToObject(s, "sig", sig);
        cJSON_AddItemToArray(cJSON_GetObjectItem(o, "signatures"), s);
    }
    *out = cJSON_PrintUnformatted(o);
    res = *out ? KERR_OK : KERR_NOMEM;
out:
    cJSON_Delete(sigs);
    cJSON_Delete(o);
    return res;
}

enum kerr csign_envelope_open(const char *json, size_t len, const struct csign_keyset *set,
                              char **text, const char **why)
{
    cJSON *o = cJSON_ParseWithLength(json, len);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "signed");
    const cJSON *sigs = cJSON_GetObjectItemCaseSensitive(o, "signatures"), *s;
    enum kerr res = KERR_PARSE;
    *text = NULL;
    *why = "not a signed envelope";
    if (!cJSON_IsString(t) || !cJSON_IsArray(sigs)) goto out;
    res = KERR_AUTH;
    *why = "no signature by a trusted key";
    cJSON_ArrayForEach(s, sigs) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "keyid");
        const cJSON *sg = cJSON_GetObjectItemCaseSensitive(s, "sig");
        if (!cJSON_IsString(id) || !cJSON_IsString(sg)) continue;
        for (int i = 0; i < set->n; i++) {
            if (strcmp(set->keyid[i], id->valuestring) != 0) continue;
            if (verify_one(set->pub[i], t->valuestring, strlen(t->valuestring), sg->valuestring)) {
                *text = strdup(t->valuestring);
                res = *text ? KERR_OK : KERR_NOMEM;
                *why = NULL;
                goto out;
            }
            *why = "bad signature";
        }
    }
out:
    cJSON_Delete(o);
    return res;
}
