/* hubauth: the hub's credentials. Kiosk tokens are 256 random bits from
 * getrandom(), shown once as 64 hex digits and stored only as their SHA-256
 * (OpenSSL libcrypto). The admin token is read from a file at start-up and
 * compared by hash in constant time. Pure functions plus one file read; any
 * thread may call them. */
#ifndef HUBAUTH_H
#define HUBAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

#define HUBAUTH_TOKEN_LEN 64 /* hex digits of a kiosk token */

/* Fills out (at least HUBAUTH_TOKEN_LEN + 1 bytes) with a new random token.
 * Returns KERR_IO when the kernel gives no randomness (out is then ""). */
enum kerr hubauth_token_new(char *out);

/* SHA-256 of s[0..len) into hash. */
void hubauth_sha256(const void *s, size_t len, uint8_t hash[32]);

/* Reads the admin token from path (surrounding whitespace ignored) and keeps
 * only its SHA-256 in hash. KERR_IO when unreadable, KERR_INVALID when it is
 * shorter than 16 or longer than 256 characters or not printable ASCII. */
enum kerr hubauth_admin_load(const char *path, uint8_t hash[32]);

/* Extracts the token of an "Authorization: Bearer <token>" value. Returns
 * false when hdr is NULL or not of that form. *tok points into hdr. */
bool hubauth_bearer(const char *hdr, const char **tok, size_t *len);

/* Constant-time comparison of two hashes. */
bool hubauth_hash_eq(const uint8_t a[32], const uint8_t b[32]);

#endif
