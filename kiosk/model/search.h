/* search: the service directory's search index. Built once from a loaded
 * bundle (search_build), it answers each keystroke (search_query) over
 * services, categories, organisations and nursing rooms by hanzi substring, full pinyin
 * ("falv", "falvfuwu"), pinyin initials ("flfw"), a prefix of either and
 * mixed input ("法lv"); a polyphonic character matches any of its readings
 * (from hzpinyin, i.e. libpinyin's dictionary). The index borrows the
 * content: free the index before the content. Read-only after build, so any
 * thread may query; build on one thread. */
#ifndef SEARCH_H
#define SEARCH_H

#include <stddef.h>

#include "content.h"
#include "kerr.h"

#define SEARCH_MAX_QUERY 64 /* bytes of query used; the rest is ignored */

struct search_index;

enum search_kind { SEARCH_SERVICE, SEARCH_CATEGORY, SEARCH_ORG, SEARCH_NURSING };

/* Which kinds a query answers with (search_query_kinds): a bit per kind. */
#define SEARCH_KIND(k) (1u << (k))
/* The service directory's search: services, categories, organisations. */
#define SEARCH_DIRECTORY (SEARCH_KIND(SEARCH_SERVICE) | SEARCH_KIND(SEARCH_CATEGORY) | SEARCH_KIND(SEARCH_ORG))
/* The places of the map: organisations and nursing rooms. */
#define SEARCH_PLACES (SEARCH_KIND(SEARCH_ORG) | SEARCH_KIND(SEARCH_NURSING))

/* How a hit matched, best first; hits are ranked by this, then by position
 * of the match, then shorter name, then category > service > organisation,
 * then nursing room, then bundle order. Pinyin initials from the first character ("flfw" for
 * 法律服务) count as SEARCH_PREFIX; initials further in as SEARCH_INITIALS. */
enum search_how {
    SEARCH_EXACT,      /* the name equals the query (hanzi or pinyin) */
    SEARCH_PREFIX,     /* the name starts with it (hanzi, pinyin, initials) */
    SEARCH_NAME,       /* inside the name (hanzi or pinyin substring) */
    SEARCH_INITIALS,   /* inside the name's initials */
    SEARCH_TAG,        /* a tag (hanzi or pinyin) */
    SEARCH_TEXT        /* summary, provider or English name */
};

struct search_hit {
    enum search_kind kind;
    /* exactly one of these is set, by kind */
    const struct content_service *service;
    const struct content_category *category;
    const struct content_org *org;
    const struct content_nursing_room *nursing_room;
    enum search_how how;
    int score; /* lower is better; for ordering only */
};

/* Builds the index over c (opens hzpinyin if it is not open yet; without
 * pinyin data only hanzi and English matching work and a warning is
 * logged). Returns NULL and sets *err (KERR_NOMEM) on failure. */
struct search_index *search_build(const struct content *c, enum kerr *err);

/* Frees ix; NULL is fine. */
void search_free(struct search_index *ix);

/* Writes up to max best hits for query (UTF-8; ASCII is case-folded, spaces
 * and apostrophes ignored, "u:"/"ü" read as "v") into hits, best first, and
 * returns how many it wrote. An empty or all-space query returns 0. Only
 * the kinds of the service directory (SEARCH_DIRECTORY). */
size_t search_query(const struct search_index *ix, const char *query, struct search_hit *hits,
                    size_t max);
/* Same, answering with the kinds in the mask kinds (SEARCH_KIND bits, e.g.
 * SEARCH_PLACES for the map's search box). */
size_t search_query_kinds(const struct search_index *ix, const char *query, unsigned kinds,
                          struct search_hit *hits, size_t max);

/* For an empty result: writes up to max categories worth trying (display
 * order) into out and returns the count. */
size_t search_suggest(const struct search_index *ix, const struct content_category **out,
                      size_t max);

/* A one-line hint for an empty result, e.g. "试试拼音首字母，如 flfw"; never NULL. */
const char *search_hint(enum content_lang lang);

#endif
