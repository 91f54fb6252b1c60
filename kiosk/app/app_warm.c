/* The idle-time warm-up after start-up (docs/ARCHITECTURE.md, "Start-up"):
 * the glyphs of every content and UI string, then the pinyin engine and the
 * indexes, then the texts and keyboards of the content screens, composed in
 * warm-up passes (ui_warm_begin) that draw nothing. */
#include <stdlib.h>
#include <string.h>

#include "app_impl.h"
#include "geomap.h"
#include "klog.h"
#include "kmem.h"
#include "utf8.h"
#include "walk.h"

static const enum ui_font warm_fonts[] = {UI_F_BODY, UI_F_LARGE, UI_F_SMALL, UI_F_TITLE, UI_F_HUGE};

static void warm_add(uint8_t *seen, const char *s)
{
    uint32_t cp;
    while (s && (cp = utf8_next(&s)) != 0)
        if (cp < 0x30000) seen[cp >> 3] |= (uint8_t)(1u << (cp & 7));
}

static void warm_add_cb(const char *text, void *ud)
{
    warm_add(ud, text);
}

/* Bytes of text the content-screen warm-up may cache (masks: 1 byte a
 * pixel; ~390 texts): 6 MiB kept the whole tour's peak RSS under 80 MB
 * (79.7-79.8 MB, against 83.5-83.7 with 12 MiB) at the same frame p99. */
#define WARM_TEXT_MAX ((size_t)6 << 20)

/* Collects every code point the content, the map and the UI strings use,
 * so that the first visit of a screen composes its text from cached glyphs:
 * every string of the bundle (content_foreach_text: organisations, nursing
 * rooms, companies, phrases, request categories, towers' short names...),
 * the organisation types' labels, the names on the map, and the app's own
 * strings. */
static void warm_collect(struct app *a)
{
    const struct walk *w;
    uint8_t *seen = calloc(0x30000 / 8, 1);
    size_t n = 0;
    a->warm.done = true;
    if (!seen) return;
    for (int id = 0; id < S__COUNT; id++) {
        warm_add(seen, i18n((enum str_id)id, CONTENT_ZH));
        warm_add(seen, i18n((enum str_id)id, CONTENT_EN));
    }
    warm_add(seen, "0123456789:-–·年月日星期一二三四五六 ");
    content_foreach_text(a->content, warm_add_cb, seen);
    for (int t = 0; t < CONTENT_ORG__COUNT; t++) {
        warm_add(seen, content_org_type_label((enum content_org_type)t)->zh);
        warm_add(seen, content_org_type_label((enum content_org_type)t)->en);
    }
    w = a->content ? app_walk(a) : NULL; /* the map, loaded now rather than on 找支部 */
    if (w) {
        const struct geomap *m = walk_graph(w)->map;
        size_t np;
        const struct walk_place *pl = walk_places(w, &np);
        for (size_t i = 0; i < m->n_f; i++) {
            warm_add(seen, m->f[i].name);
            warm_add(seen, m->f[i].name_en);
        }
        for (size_t i = 0; i < np; i++) {
            warm_add(seen, pl[i].kind->zh);
            warm_add(seen, pl[i].kind->en);
        }
    }
    for (uint32_t cp = 0x21; cp < 0x30000; cp++)
        if (seen[cp >> 3] & (1u << (cp & 7))) n++;
    a->warm.cps = malloc((n ? n : 1) * sizeof *a->warm.cps);
    if (a->warm.cps) {
        a->warm.n = 0;
        for (uint32_t cp = 0x21; cp < 0x30000; cp++)
            if (seen[cp >> 3] & (1u << (cp & 7))) a->warm.cps[a->warm.n++] = cp;
        a->warm.done = false;
    }
    free(seen);
}

/* Composes one screen of opt.warm_target in a warm-up pass (ui_warm_begin):
 * its texts go into the text cache, nothing is drawn and nothing changes on
 * the screen on show. Chinese first, then English. Returns true while there
 * is more to do. */
static bool warm_screen_step(struct app *a)
{
    const struct screen *s = NULL;
    const void *arg = NULL;
    enum content_lang lang = a->lang;
    struct layer l = {NULL, NULL, NULL, 0};
    struct ui_text_stats ts;
    bool full;
    if (a->warm.screens_done) return false;
    if (!a->opt.warm_target || !a->content) {
        a->warm.screens_done = true;
        return false;
    }
    ui_text_stats(a->text, &ts);
    /* Half the cache at most: a warm-up must not evict what it warmed, nor
     * what the screens visited meanwhile use; and WARM_TEXT_MAX at most, the
     * share of the kiosk's memory target (peak RSS <= 80 MB) its text
     * masks may take. The Chinese screens (the default language) come
     * first; what is left over is composed on its first show. */
    full = ts.bytes > (ts.budget / 2 < WARM_TEXT_MAX ? ts.budget / 2 : WARM_TEXT_MAX);
    if (full || !a->opt.warm_target(a->content, a->warm.screen_pass == 0 ? CONTENT_ZH : CONTENT_EN,
                                    a->warm.screen_k, &s, &arg)) {
        a->warm.screen_k = 0;
        if (++a->warm.screen_pass == 2 || full) {
            a->warm.screens_done = true;
            kmem_heap_huge_pages();
            KLOGI("app", "prewarmed the content screens in %.0f ms (text cache %zu entries, %zu KiB%s)",
                  a->warm.busy_us / 1000.0, ts.entries, ts.bytes / 1024,
                  full ? ", stopped at its share of the cache" : "");
            return false;
        }
        return true;
    }
    /* A form on screen: its IME session is shared with the help form this
     * may warm. Later, when the form is left. */
    if (a->stack[a->depth - 1].s->flags & SCREEN_PERSONAL) return false;
    if (!ui_warm_begin(a->ui)) return false; /* a finger is down: later */
    a->warm.screen_k++;
    a->lang = a->warm.screen_pass == 0 ? CONTENT_ZH : CONTENT_EN;
    l.s = s;
    l.st = calloc(1, s->state_size ? s->state_size : 1);
    if (l.st) {
        if (s->enter) s->enter(a, l.st, arg);
        s->frame(a, l.st, app_screen_body(a, s));
        if (!(s->flags & SCREEN_BARE)) app_draw_topbar(a, &l);
    }
    ui_warm_end(a->ui);
    if (l.st) {
        if (s->leave) s->leave(a, l.st);
        free(l.st);
    }
    a->lang = lang;
    return true;
}

/* Rasterises glyphs for up to budget_us, or once they are all done composes
 * one screen; returns true while work remains. */
bool app_warm_step(struct app *a, uint64_t budget_us)
{
    uint64_t start = app_mono_us();
    bool more = true;
    if (a->warm.done) {
        more = warm_screen_step(a);
        a->warm.busy_us += app_mono_us() - start;
        return more;
    }
    if (!a->warm.cps) {
        warm_collect(a);
        if (a->warm.done) return true;
    }
    while (app_mono_us() - start < budget_us) {
        char buf[8];
        size_t len;
        if (a->warm.i == a->warm.n) {
            a->warm.i = 0;
            if (++a->warm.font == (int)(sizeof warm_fonts / sizeof warm_fonts[0])) {
                struct ui_text_stats st;
                ui_text_stats(a->text, &st);
                KLOGI("app", "prewarmed %zu glyphs (%zu KiB) of %zu code points", st.glyphs,
                      st.glyph_bytes / 1024, a->warm.n);
                free(a->warm.cps);
                a->warm.cps = NULL;
                a->warm.done = true;
                /* The pinyin engine and the pinyin indexes, so the first
                 * search and the first form open at once. */
                app_search(a);
                if (a->client) app_companies(a);
                break;
            }
        }
        len = utf8_encode(a->warm.cps[a->warm.i++], buf);
        buf[len] = 0;
        ui_text_prewarm(a->text, warm_fonts[a->warm.font], buf);
    }
    a->warm.busy_us += app_mono_us() - start;
    return more;
}

bool app_warming(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return !a->warm.done || !a->warm.screens_done;
}

void app_warm_finish(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    while (app_warming(a) && app_warm_step(a, 1000000)) {
    }
}

uint64_t app_warm_busy_us(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->warm.busy_us;
}
