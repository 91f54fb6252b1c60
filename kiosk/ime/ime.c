/* ime.c: placeholder so the library links while the engine is written. */
#include "ime.h"

enum kerr ime_open(const struct ime_config *cfg, struct ime **out) { (void)cfg; *out = NULL; return KERR_NOTFOUND; }
void ime_close(struct ime *ime) { (void)ime; }
enum kerr ime_add_phrases(struct ime *ime, const char *const *p, const char *const *y, size_t n) { (void)ime; (void)p; (void)y; (void)n; return KERR_INVALID; }
enum kerr ime_add_phrases_auto(struct ime *ime, const char *const *p, size_t n) { (void)ime; (void)p; (void)n; return KERR_INVALID; }
enum kerr ime_input(struct ime *ime, const char *l) { (void)ime; (void)l; return KERR_INVALID; }
size_t ime_candidate_count(const struct ime *ime) { (void)ime; return 0; }
size_t ime_candidates(const struct ime *ime, size_t f, const char **o, size_t m) { (void)ime; (void)f; (void)o; (void)m; return 0; }
enum kerr ime_choose(struct ime *ime, size_t i, char *c, size_t cap) { (void)ime; (void)i; (void)c; (void)cap; return KERR_NOTFOUND; }
const char *ime_raw(const struct ime *ime) { (void)ime; return ""; }
const char *ime_preedit(const struct ime *ime) { (void)ime; return ""; }
void ime_reset(struct ime *ime) { (void)ime; }
