#include "search.h"
#include <stdlib.h>
struct search_index { int dummy; };
struct search_index *search_build(const struct content *c, enum kerr *err)
{ (void)c; struct search_index *ix = calloc(1, sizeof *ix); if (!ix && err) *err = KERR_NOMEM; return ix; }
void search_free(struct search_index *ix) { free(ix); }
size_t search_query(const struct search_index *ix, const char *query, struct search_hit *hits, size_t max)
{ (void)ix; (void)query; (void)hits; (void)max; return 0; }
size_t search_suggest(const struct search_index *ix, const struct content_category **out, size_t max)
{ (void)ix; (void)out; (void)max; return 0; }
const char *search_hint(enum content_lang lang) { return lang == CONTENT_EN ? "Try pinyin initials, e.g. flfw" : "试试拼音首字母，如 flfw"; }
