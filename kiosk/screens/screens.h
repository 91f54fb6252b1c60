/* screens: every screen of the kiosk, one file each (scr_<id>.c). Ids are a
 * contract (README: "Screen ids"): scripts and people depend on them. A
 * screen reads the model and calls ui widgets; it never touches curl or
 * SQLite. UI thread only. */
#ifndef SCREENS_H
#define SCREENS_H

#include "app.h"

extern const struct screen screen_attract;        /* attract */
extern const struct screen screen_home;           /* home */
extern const struct screen screen_services;       /* services: categories + 搜索 */
extern const struct screen screen_service_list;   /* service_list: arg = category */
extern const struct screen screen_service_detail; /* service_detail: arg = service */
extern const struct screen screen_search;         /* search */
extern const struct screen screen_notices;        /* notices */
extern const struct screen screen_notice_detail;  /* notice_detail: arg = notice */
extern const struct screen screen_about;          /* about */
extern const struct screen screen_help;           /* help: request categories + 查询进度 */
extern const struct screen screen_help_form;      /* help_form: arg = request category */
extern const struct screen screen_help_review;    /* help_review: arg = struct helpform */
extern const struct screen screen_help_done;      /* help_done: see help_done_open */
extern const struct screen screen_ticket;         /* ticket: look up a ticket's status */
extern const struct screen screen_circle;         /* circle: map + nearest places (找支部) */
extern const struct screen screen_place;          /* place: arg = place id (const char *) */
extern const struct screen screen_admin_pin;      /* admin_pin: the PIN, after the hidden gesture */
extern const struct screen screen_admin;          /* admin: the on-site admin panel */
extern const struct screen screen_admin_pattern;  /* admin_pattern: screen test pattern */
extern const struct screen screen_admin_touch;    /* admin_touch: touch calibration check */

/* Shared by circle and place (scr_circle.c): a place group's icon, and a
 * place's line "步行 4 分钟 · 280 米 · A座 12层" into buf. */
struct walk_place;
const char *circle_group_icon(int group);
const char *circle_place_line(struct app *a, const struct walk_place *p, bool step_free, char *buf,
                              size_t n);

/* Goes home and opens help_done for a request just filed: its ticket and
 * check code, and the category's name (the form screens are left, so their
 * personal data is wiped). */
struct kclient_receipt;
void help_done_open(struct app *a, const struct kclient_receipt *r, const char *category);

/* The pinyin keyboard of forms (scr_imekbd.c). The engine answers on its
 * own thread (imew.h): keys pressed while it is busy wait here, in order,
 * and are folded into one request when the answer comes. */
#define IMEKBD_QUEUE 64
struct imekbd {
    bool english;
    int page;
    size_t page_start[32], next_start;
    uint64_t shown_seq;        /* the answer the pages belong to */
    char queue[IMEKBD_QUEUE];  /* a-z, '\b', ' ', 1..6 = punctuation */
    size_t nq;
};
enum { IMEKBD_NONE, IMEKBD_CHANGED, IMEKBD_LIMIT };
/* Draws it in r (height imekbd_height(w)) and applies taps to buf (cap
 * bytes, at most max_cp code points); returns IMEKBD_CHANGED when buf
 * changed, IMEKBD_LIMIT when a tap would have passed the limit. */
int imekbd(struct app *a, struct imekbd *k, struct ui_rect r, char *buf, size_t cap, size_t max_cp);
float imekbd_height(float w);
/* Drops pinyin being typed and keys not yet applied (when the field
 * changes); the engine's session is wiped on its thread. */
void imekbd_reset(struct app *a, struct imekbd *k);

/* Side margin for the current orientation. */
float scr_margin(struct ui *ui);

/* A card with a heading and a paragraph; returns its height. Used by detail
 * screens. If draw is false only measures. */
float scr_info_card(struct app *a, float x, float y, float w, const char *icon,
                    const char *heading, const char *text);

/* "没有有效内容" panel shown when the bundle is missing. */
void scr_no_content(struct app *a, struct ui_rect body);

/* The k-th screen worth composing in idle time in language lang
 * (app_options.warm_target): the screens that show only content, most
 * visited first (home, services, notices, about, help, search, the service
 * circle, the help form, the ticket screen, a place of the circle, the
 * service lists, the notices, then the service details). Sets *s, and *arg
 * to what the screen's enter gets from app_push (a content item, a place id,
 * or NULL), used without a copy; false when k is
 * past the last. The help form resets the shared IME session on enter and
 * leave: the app warms nothing while a form is on screen (SCREEN_PERSONAL).
 * help_review and help_done are not listed. In English only the first seven are:
 * the deeper English screens would cost about 12 MB more of text masks for
 * the least visited screens (peak RSS must stay under 80 MB). */
bool scr_warm_target(const struct content *c, enum content_lang lang, size_t k,
                     const struct screen **s, const void **arg);

/* Formats a Unix time as a local date "2026-11-25" into buf. */
const char *scr_date(int64_t t, char *buf, size_t n);

#endif
