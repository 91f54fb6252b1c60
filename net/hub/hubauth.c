#include "hubauth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

enum kerr hubauth_token_new(char *out)
{
    uint8_t raw[32];
    size_t got = 0;
    out[0] = '\0';
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n <= 0) return KERR_IO;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof raw; i++) sprintf(out + 2 * i, "%02x", raw[i]);
    return KERR_OK;
}

void hubauth_sha256(const void *s, size_t len, uint8_t hash[32])
{
    unsigned int n = 32;
    EVP_Digest(s, len, hash, &n, EVP_sha256(), NULL);
}

enum kerr hubauth_admin_load(const char *path, uint8_t hash[32])
{
    char buf[512];
    size_t n, start = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return KERR_IO;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (start < n && (buf[start] == ' ' || buf[start] == '\t' || buf[start] == '\n' ||
                         buf[start] == '\r'))
        start++;
    while (n > start && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\n' ||
                         buf[n - 1] == '\r'))
        n--;
    if (n - start < 16 || n - start > 256) return KERR_INVALID;
    for (size_t i = start; i < n; i++)
        if (buf[i] < 0x21 || buf[i] > 0x7e) return KERR_INVALID;
    hubauth_sha256(buf + start, n - start, hash);
    OPENSSL_cleanse(buf, sizeof buf);
    return KERR_OK;
}

bool hubauth_bearer(const char *hdr, const char **tok, size_t *len)
{
    size_t n;
    if (!hdr || strncasecmp(hdr, "Bearer ", 7) != 0) return false;
    hdr += 7;
    while (*hdr == ' ') hdr++;
    n = strlen(hdr);
    while (n > 0 && hdr[n - 1] == ' ') n--;
    if (n == 0 || n > 256) return false;
    *tok = hdr;
    *len = n;
    return true;
}

bool hubauth_hash_eq(const uint8_t a[32], const uint8_t b[32])
{
    return CRYPTO_memcmp(a, b, 32) == 0;
}
