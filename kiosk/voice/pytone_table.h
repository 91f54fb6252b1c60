/* pytone_table: the generated table of hanzi readings with their tones
 * (pytone_table.c, made at build time by gen_pytone.py from Unicode's
 * Unihan_Readings). Sorted by code point; a character's rows are adjacent.
 * Private to pytone.c and its tests. */
#ifndef PYTONE_TABLE_H
#define PYTONE_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct pytone_entry {
    uint32_t cp;
    char syl[7];      /* toneless, lowercase, 'v' for u-umlaut ("lv") */
    uint8_t tone;     /* 1-4, 5 = neutral */
    uint8_t is_default; /* kMandarin's reading: the one a lone character gets */
};

extern const struct pytone_entry pytone_table[];
extern const size_t pytone_table_n;

#endif
