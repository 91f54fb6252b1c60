#include "content.h"
#include <stdarg.h>
#include <string.h>
const char *content_tr(const struct content_text *t, enum content_lang lang)
{ if (!t || !t->zh) return ""; return lang == CONTENT_EN && t->en ? t->en : t->zh; }
void content_report_init(struct content_report *rep) { rep->count = rep->dropped = 0; }
void content_report_add(struct content_report *rep, const char *file, const char *path, const char *fmt, ...) { (void)rep; (void)file; (void)path; (void)fmt; }
size_t content_report_total(const struct content_report *rep) { return rep->count + rep->dropped; }
void content_report_print(const struct content_report *rep, FILE *out) { (void)rep; (void)out; }
enum kerr content_load(const char *dir, struct content **out, struct content_report *rep) { (void)dir; (void)rep; *out = NULL; return KERR_INVALID; }
enum kerr content_load_mem(const char *json, size_t len, const char *dir, struct content **out, struct content_report *rep) { (void)json; (void)len; (void)dir; (void)rep; *out = NULL; return KERR_INVALID; }
void content_free(struct content *c) { (void)c; }
enum kerr content_load_safe(const char *dir, const char *last_good_dir, content_deep_check_fn deep_check, void *deep_ud, struct content **out, struct content_report *rep) { (void)dir; (void)last_good_dir; (void)deep_check; (void)deep_ud; (void)rep; *out = NULL; return KERR_INVALID; }
const struct content_tower *content_tower(const struct content *c, const char *id) { (void)c; (void)id; return NULL; }
const struct content_org *content_org(const struct content *c, const char *id) { (void)c; (void)id; return NULL; }
const struct content_category *content_category(const struct content *c, const char *id) { (void)c; (void)id; return NULL; }
const struct content_service *content_service(const struct content *c, const char *id) { (void)c; (void)id; return NULL; }
const struct content_nursing_room *content_nursing_room(const struct content *c, const char *id) { (void)c; (void)id; return NULL; }
const struct content_company *content_company(const struct content *c, const char *id) { (void)c; (void)id; return NULL; }
const struct content_request_category *content_request_category(const struct content *c, const char *id) { (void)c; (void)id; return NULL; }
const struct content_notice *content_notice(const struct content *c, const char *id) { (void)c; (void)id; return NULL; }
size_t content_current_notices(const struct content *c, int64_t now_s, const struct content_notice **out, size_t max) { (void)c; (void)now_s; (void)out; (void)max; return 0; }
size_t content_services_in(const struct content *c, const char *cat_id, const struct content_service **out, size_t max) { (void)c; (void)cat_id; (void)out; (void)max; return 0; }
size_t content_orgs_of_type(const struct content *c, enum content_org_type type, const struct content_org **out, size_t max) { (void)c; (void)type; (void)out; (void)max; return 0; }
const char *content_place_format(const struct content *c, const struct content_place *p, enum content_lang lang, char *buf, size_t bufsz) { (void)c; (void)p; (void)lang; if (bufsz) buf[0] = 0; return buf; }
const char *content_org_type_key(enum content_org_type t) { (void)t; return NULL; }
const struct content_text *content_org_type_label(enum content_org_type t) { static const struct content_text x = {"组织", "Organisation"}; (void)t; return &x; }
