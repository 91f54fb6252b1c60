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

/* Side margin for the current orientation. */
float scr_margin(struct ui *ui);

/* A card with a heading and a paragraph; returns its height. Used by detail
 * screens. If draw is false only measures. */
float scr_info_card(struct app *a, float x, float y, float w, const char *icon,
                    const char *heading, const char *text);

/* "没有有效内容" panel shown when the bundle is missing. */
void scr_no_content(struct app *a, struct ui_rect body);

/* Formats a Unix time as a local date "2026-11-25" into buf. */
const char *scr_date(int64_t t, char *buf, size_t n);

#endif
