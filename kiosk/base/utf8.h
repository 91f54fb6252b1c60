/* utf8: strict UTF-8 validation and decoding (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). cJSON passes invalid UTF-8 through, so
 * every string that comes from outside is checked here before it is used.
 * Pure functions on caller-owned buffers; any thread. */
#ifndef UTF8_H
#define UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..len) is valid UTF-8 with no NUL byte. */
bool utf8_valid(const char *s, size_t len);

/* Decodes one code point at *s (NUL-terminated, valid UTF-8 expected) and
 * advances *s past it. Returns 0 at the terminator (without advancing) and
 * U+FFFD for a malformed sequence (advancing one byte). */
uint32_t utf8_next(const char **s);

/* Number of code points in a valid NUL-terminated UTF-8 string. */
size_t utf8_count(const char *s);

/* Encodes cp into out (at least 4 bytes); returns the byte count (0 if cp is
 * not a Unicode scalar value). Does not NUL-terminate. */
size_t utf8_encode(uint32_t cp, char *out);

/* Byte length of the first n code points of valid UTF-8 s (stops at NUL). */
size_t utf8_prefix_bytes(const char *s, size_t n);

#endif
