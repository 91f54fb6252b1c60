#include "hubpw.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "utf8.h"

#define SALT_LEN 16
#define KEY_LEN 32
#define LN_DEFAULT 15
#define R_DEFAULT 8
#define P_DEFAULT 1

static int fill_random(uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = getrandom(p + got, n - got, 0);
        if (k <= 0) return -1;
        got += (size_t)k;
    }
    return 0;
}

static int scrypt_key(const char *pw, size_t len, const uint8_t *salt, size_t slen, int ln, int r,
                      int p, uint8_t key[KEY_LEN])
{
    uint64_t n = (uint64_t)1 << ln;
    /* scrypt needs 128 * r * (N + p) bytes; allow that and a little more */
    uint64_t maxmem = 128u * (uint64_t)r * (n + (uint64_t)p + 2) + (1u << 20);
    return EVP_PBE_scrypt(pw, len, salt, slen, n, (uint64_t)r, (uint64_t)p, maxmem, key,
                          KEY_LEN) == 1
               ? 0
               : -1;
}

enum kerr hubpw_hash(const char *pw, size_t len, char *out, size_t cap)
{
    uint8_t salt[SALT_LEN], key[KEY_LEN];
    char s64[4 * ((SALT_LEN + 2) / 3) + 1], k64[4 * ((KEY_LEN + 2) / 3) + 1];
    int n;
    if (cap) out[0] = '\0';
    if (cap < HUBPW_HASH_SIZE) return KERR_TOOBIG;
    if (fill_random(salt, sizeof salt) != 0) return KERR_IO;
    if (scrypt_key(pw, len, salt, sizeof salt, LN_DEFAULT, R_DEFAULT, P_DEFAULT, key) != 0)
        return KERR_NOMEM;
    EVP_EncodeBlock((unsigned char *)s64, salt, sizeof salt);
    EVP_EncodeBlock((unsigned char *)k64, key, sizeof key);
    OPENSSL_cleanse(key, sizeof key);
    n = snprintf(out, cap, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", LN_DEFAULT, R_DEFAULT, P_DEFAULT, s64,
                 k64);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return KERR_TOOBIG;
    }
    return KERR_OK;
}

/* Decodes standard base64 text of exactly want bytes. 0 or -1. */
static int b64_exact(const char *txt, size_t tlen, uint8_t *outb, size_t want)
{
    uint8_t tmp[64];
    int n;
    size_t pad = 0;
    if (tlen == 0 || tlen % 4 != 0 || tlen / 4 * 3 > sizeof tmp) return -1;
    n = EVP_DecodeBlock(tmp, (const unsigned char *)txt, (int)tlen);
    if (n < 0) return -1;
    if (txt[tlen - 1] == '=') pad++;
    if (txt[tlen - 2] == '=') pad++;
    if ((size_t)n - pad != want) return -1;
    memcpy(outb, tmp, want);
    return 0;
}

bool hubpw_verify(const char *pw, size_t len, const char *stored)
{
    int ln, r, p, used = 0;
    const char *salt, *key, *end;
    uint8_t sb[SALT_LEN], kb[KEY_LEN], got[KEY_LEN];
    bool ok;
    if (!stored || sscanf(stored, "$scrypt$ln=%d,r=%d,p=%d$%n", &ln, &r, &p, &used) != 3 ||
        used == 0)
        return false;
    if (ln < 10 || ln > 20 || r < 1 || r > 32 || p < 1 || p > 4) return false;
    salt = stored + used;
    key = strchr(salt, '$');
    if (!key) return false;
    end = key + 1 + strlen(key + 1);
    if (b64_exact(salt, (size_t)(key - salt), sb, sizeof sb) != 0 ||
        b64_exact(key + 1, (size_t)(end - key - 1), kb, sizeof kb) != 0)
        return false;
    if (scrypt_key(pw, len, sb, sizeof sb, ln, r, p, got) != 0) return false;
    ok = CRYPTO_memcmp(got, kb, KEY_LEN) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

enum kerr hubpw_generate(char *out)
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789"; /* 32: no l, o, 0, 1 */
    uint8_t raw[HUBPW_GEN_LEN];
    out[0] = '\0';
    if (fill_random(raw, sizeof raw) != 0) return KERR_IO;
    for (size_t i = 0; i < sizeof raw; i++) out[i] = alphabet[raw[i] & 31];
    out[HUBPW_GEN_LEN] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    return KERR_OK;
}

bool hubpw_acceptable(const char *pw)
{
    size_t n = strlen(pw);
    if (n < HUBPW_MIN || n > HUBPW_MAX || !utf8_valid(pw, n)) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f) return false;
    return true;
}
