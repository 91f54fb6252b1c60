/* pinyin_c: includes libpinyin's <pinyin.h> from C. Its novel_types.h
 * defines five const objects at file scope (null_token, sentence_start,
 * token_min, token_max, c_separate); in C they have external linkage, so two
 * C files that include it collide at link time ("multiple definition of
 * null_token"). Define PINYIN_C_TU to a name unique to the file before
 * including this header and the five are renamed for that file. Private to
 * kime and its tests. */
#ifndef PINYIN_C_H
#define PINYIN_C_H

#ifndef PINYIN_C_TU
#error "define PINYIN_C_TU (unique per .c file) before including pinyin_c.h"
#endif

#include <stdbool.h>

#define PINYIN_C_CAT2(a, b) a##_##b
#define PINYIN_C_CAT(a, b) PINYIN_C_CAT2(a, b)
#define null_token PINYIN_C_CAT(PINYIN_C_TU, null_token)
#define sentence_start PINYIN_C_CAT(PINYIN_C_TU, sentence_start)
#define token_min PINYIN_C_CAT(PINYIN_C_TU, token_min)
#define token_max PINYIN_C_CAT(PINYIN_C_TU, token_max)
#define c_separate PINYIN_C_CAT(PINYIN_C_TU, c_separate)
#include <pinyin.h>
#undef null_token
#undef sentence_start
#undef token_min
#undef token_max
#undef c_separate

#endif
