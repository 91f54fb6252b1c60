/* helpform: the help-request form as data, with no UI: the fields a person
 * fills in, their validation (with the message to show next to the field, in
 * Chinese or English), phone masking for display, matching companies by
 * hanzi or pinyin, and the typed request (struct api_help_request) handed to
 * kclient_submit_request. Personal data lives in a struct helpform and the
 * request made from it; helpform_wipe() zeroes the one, explicit_bzero the
 * other. Pure functions on caller-owned memory; UI thread. */
#ifndef HELPFORM_H
#define HELPFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "content.h"
#include "kerr.h"

#define HELPFORM_NAME_MAX 20     /* code points of a contact name */
#define HELPFORM_COMPANY_MAX 40  /* code points of a company name typed by hand */
#define HELPFORM_DESC_MAX 300    /* code points of a description (the hub takes 500) */
#define HELPFORM_PHONE_MAX 13    /* bytes: 0571-12345678 is the longest form */

enum helpform_field { HF_COMPANY, HF_NAME, HF_PHONE, HF_TOWER, HF_DESC, HF__COUNT };

struct helpform {
    char category_id[40];
    char company_id[40]; /* "" when typed by hand */
    char company[HELPFORM_COMPANY_MAX * 4 + 1];
    char name[HELPFORM_NAME_MAX * 4 + 1];
    char phone[HELPFORM_PHONE_MAX + 1];
    char tower_id[40];
    char desc[HELPFORM_DESC_MAX * 4 + 1];
};

/* Returns true if the UI font can draw cp (emoji usually not). */
typedef bool (*helpform_glyph_fn)(uint32_t cp, void *ud);

/* Checks one field. Returns NULL when it is fine, else a short message for a
 * person, in lang ("请输入正确的手机号或带区号的固定电话"). has_glyph may be
 * NULL (no glyph check). */
const char *helpform_check(const struct helpform *f, enum helpform_field field,
                           const struct content *c, helpform_glyph_fn has_glyph, void *ud,
                           enum content_lang lang);

/* True for a mainland mobile (1[3-9] and 9 more digits) or a landline with
 * area code (0 + 2-3 digits, optional '-', 7-8 digits). */
bool helpform_phone_valid(const char *phone);

/* The phone for display: 138****0000 for a mobile, 0571-****5678 for a
 * landline; short or partial input is shown as typed. */
const char *helpform_phone_masked(const char *phone, char *buf, size_t n);

/* Appends utf8 text to dst (size cap) if the result stays within max_cp code
 * points and cap bytes. Returns false (dst unchanged) if it would not. */
bool helpform_append(char *dst, size_t cap, size_t max_cp, const char *text);

/* Removes the last code point of s (no-op on ""). */
void helpform_backspace(char *s);

/* Fills *out (zeroed first) with the form's content for kclient_submit_request:
 * category, company (id, or null when typed by hand, and name), contact name,
 * phone, tower, description, lang. Ticket, kiosk id, time and check code are
 * left "" for the outbox to stamp. No allocation, no copy elsewhere; the
 * caller wipes *out after use. KERR_TOOBIG (out wiped) if a field does not fit. */
enum kerr helpform_request(const struct helpform *f, enum content_lang lang,
                           struct api_help_request *out);

/* Zeroes everything. */
void helpform_wipe(struct helpform *f);

/* The pinyin of every company name, computed once (needs hzpinyin open
 * while it is built, not afterwards). Borrows c. NULL on KERR_NOMEM. */
struct helpform_companies;
struct helpform_companies *helpform_companies_build(const struct content *c);
void helpform_companies_free(struct helpform_companies *ix);

/* Companies matching query (hanzi substring, or pinyin/initials substring,
 * case-folded), bundle order, up to max into out. Returns how many matched
 * (may exceed max). An empty query matches all. */
size_t helpform_match_companies(const struct helpform_companies *ix, const char *query,
                                const struct content_company **out, size_t max);

#endif
