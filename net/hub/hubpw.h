/* hubpw: staff passwords for the web console. A password is hashed with
 * scrypt (OpenSSL's EVP_PBE_scrypt, memory-hard: N = 2^15, r = 8, p = 1,
 * 32 MiB and ~50-100 ms per hash on the build machine) and a 16-byte salt
 * from getrandom(), and stored as "$scrypt$ln=15,r=8,p=1$<salt>$<key>"
 * (standard base64). Verification reads the parameters from the stored text,
 * so they can be raised later without breaking old hashes. Pure functions;
 * any thread. Callers never log a password or a hash. */
#ifndef HUBPW_H
#define HUBPW_H

#include <stdbool.h>
#include <stddef.h>

#include "kerr.h"

#define HUBPW_HASH_SIZE 128 /* a stored hash with its NUL fits in this */
#define HUBPW_MIN 10        /* bytes of a password, at least */
#define HUBPW_MAX 128       /* and at most */
#define HUBPW_GEN_LEN 16    /* characters of a generated password (~80 bits) */

/* Hashes pw[0..len) into out (cap >= HUBPW_HASH_SIZE). KERR_IO when the
 * kernel gives no randomness, KERR_NOMEM when scrypt fails, KERR_TOOBIG when
 * cap is too small; out is "" then. */
enum kerr hubpw_hash(const char *pw, size_t len, char *out, size_t cap);

/* True when pw[0..len) is the password of stored (hubpw_hash's text). False
 * for a wrong password and for a stored text that is not such a hash, or
 * asks for parameters out of bounds (ln 10..20, r 1..32, p 1..4). The key is
 * compared in constant time. */
bool hubpw_verify(const char *pw, size_t len, const char *stored);

/* A new random password of HUBPW_GEN_LEN characters from a-z and 2-9 without
 * the look-alikes l, o (out: at least HUBPW_GEN_LEN + 1 bytes). KERR_IO when
 * there is no randomness. */
enum kerr hubpw_generate(char *out);

/* True for an acceptable password: HUBPW_MIN..HUBPW_MAX bytes of valid
 * UTF-8 without control characters. */
bool hubpw_acceptable(const char *pw);

#endif
