#include "hzpinyin.h"
enum kerr hzpinyin_open(const char *data_dir) { (void)data_dir; return KERR_NOTFOUND; }
bool hzpinyin_ready(void) { return false; }
size_t hzpinyin_get(uint32_t cp, const char **out, size_t max) { (void)cp; (void)out; (void)max; return 0; }
enum kerr hzpinyin_phrase(const char *utf8, char sep, char *out, size_t outsz)
{ (void)utf8; (void)sep; if (outsz) out[0] = 0; return KERR_NOTFOUND; }
void hzpinyin_close(void) {}
