#include "ui_text.h"

#include <SDL_ttf.h>
#include <stdlib.h>
#include <string.h>

#include "fontfind.h"
#include "klog.h"
#include "kthread.h"
#include "utf8.h"

/* Logical pixel sizes of the fonts; multiplied by the scale at open time.
 * The second row is elder mode (ui_text_set_elder): text 1.4 times as large
 * (none under 34 px, 18 dp at 1.6 px a dp, 96 px = 60 dp), icons a little
 * larger, the attract clock as it is. */
#define NFONT (2 * UI_F__COUNT)
static const int font_px[NFONT] = {24, 30, 38, 50, 72, 180, 48, 96,
                                   34, 42, 53, 70, 100, 180, 56, 104};

#define NBUCKETS 2048
#define MAX_TEXT_H 8192
#define PARA_SPACING 1.25f

struct entry {
    struct entry *next;
    uint32_t hash;
    int font, max_w;
    uint32_t rgba;
    char *text;
    SDL_Texture *tex; /* texture mode */
    uint8_t *mask;    /* mask mode: w x h coverage */
    int w, h;
    size_t bytes;
    uint64_t used;
    uint32_t serial;
};

/* A rasterised glyph: its alpha coverage, trimmed to the rows that have
 * ink, placed relative to the pen position. */
struct glyph {
    uint32_t key; /* font << 21 | code point; 0 = empty slot */
    int16_t x0;   /* left edge relative to the pen (min(0, minx)) */
    int16_t y0;   /* first inked row */
    uint16_t w, h;
    uint8_t *alpha;
};

#define GLYPH_SLOTS 16384 /* power of two; about 10k glyphs before it is full */

struct ui_text {
    struct kthread_owner owner; /* the UI thread: ui_text_create binds it */
    SDL_Renderer *r;
    struct ui_text_config cfg;
    struct fontfind_result text_face, bold_face, icon_face;
    bool have_bold;
    float scale;
    /* Three faces (regular, bold, icons), each set to the size of the
     * ui_font being used: one FreeType face costs ~3 MB for Noto CJK, so
     * eight sizes would cost eight. */
    TTF_Font *faces[3];
    int face_px[3];
    int px[NFONT], height[NFONT];
    uint16_t *adv[NFONT]; /* BMP glyph advances, 0 = not yet known */
    bool elder;           /* public fonts map to the second row of font_px */
    struct entry *buckets[NBUCKETS];
    size_t entries, bytes, budget;
    uint64_t clock;
    uint32_t serial; /* last texture serial handed out */
    bool masks;      /* strings are coverage masks, not textures (ui_text_use_masks) */
    struct ui_text_stats st;
    bool warned;
    struct glyph *glyphs; /* open addressing, GLYPH_SLOTS */
    size_t nglyphs, glyph_bytes;
};

static uint32_t fnv1a(const char *s, int font, int max_w, uint32_t rgba)
{
    uint32_t h = 2166136261u ^ (uint32_t)font * 16777619u ^ (uint32_t)max_w * 2654435761u ^
                 rgba * 40503u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void drop_glyphs(struct ui_text *t)
{
    if (!t->glyphs) return;
    for (size_t i = 0; i < GLYPH_SLOTS; i++) free(t->glyphs[i].alpha);
    memset(t->glyphs, 0, GLYPH_SLOTS * sizeof *t->glyphs);
    t->nglyphs = t->glyph_bytes = 0;
}

static void close_fonts(struct ui_text *t)
{
    drop_glyphs(t);
    for (int i = 0; i < 3; i++) {
        if (t->faces[i]) TTF_CloseFont(t->faces[i]);
        t->faces[i] = NULL;
    }
    for (int i = 0; i < NFONT; i++) {
        free(t->adv[i]);
        t->adv[i] = NULL;
    }
}

static int face_of(const struct ui_text *t, int f)
{
    f %= UI_F__COUNT;
    if (f == UI_F_ICON || f == UI_F_ICON_L) return 2;
    if ((f == UI_F_TITLE || f == UI_F_HUGE) && t->faces[1]) return 1;
    return 0;
}

/* The face of font f, set to f's size. */
static TTF_Font *use(struct ui_text *t, enum ui_font f)
{
    int fc = face_of(t, f);
    if (t->face_px[fc] != t->px[f]) {
        TTF_SetFontSize(t->faces[fc], t->px[f]);
        t->face_px[fc] = t->px[f];
    }
    return t->faces[fc];
}

static void drop_all(struct ui_text *t)
{
    for (int b = 0; b < NBUCKETS; b++) {
        struct entry *e = t->buckets[b];
        while (e) {
            struct entry *n = e->next;
            if (e->tex) SDL_DestroyTexture(e->tex);
            free(e->mask);
            free(e->text);
            free(e);
            e = n;
        }
        t->buckets[b] = NULL;
    }
    t->entries = t->bytes = 0;
}

static enum kerr open_fonts(struct ui_text *t)
{
    const struct fontfind_result *faces[3] = {&t->text_face, t->have_bold ? &t->bold_face : NULL,
                                              &t->icon_face};
    for (int i = 0; i < 3; i++) {
        if (!faces[i]) continue;
        t->faces[i] = TTF_OpenFontIndex(faces[i]->path, 30, faces[i]->index);
        t->face_px[i] = 30;
        if (!t->faces[i]) {
            KLOGE("text", "cannot open font %s#%d: %s", faces[i]->path, faces[i]->index,
                  TTF_GetError());
            close_fonts(t);
            return KERR_NOTFOUND;
        }
    }
    for (int i = 0; i < NFONT; i++) {
        int px = (int)(font_px[i] * t->scale + 0.5f);
        t->px[i] = px < 6 ? 6 : px;
        t->height[i] = TTF_FontHeight(use(t, (enum ui_font)i));
        t->adv[i] = calloc(0x10000, sizeof(uint16_t));
        if (!t->adv[i]) {
            close_fonts(t);
            return KERR_NOMEM;
        }
    }
    return KERR_OK;
}

enum kerr ui_text_create(SDL_Renderer *r, const struct ui_text_config *cfg, float scale,
                         struct ui_text **out)
{
    enum kerr rc;
    struct ui_text *t = calloc(1, sizeof *t);
    if (!t) return KERR_NOMEM;
    kthread_owner_bind(&t->owner);
    t->r = r;
    if (cfg) t->cfg = *cfg;
    t->scale = scale;
    t->budget = t->cfg.cache_bytes ? t->cfg.cache_bytes : (size_t)32 << 20;
    t->glyphs = calloc(GLYPH_SLOTS, sizeof *t->glyphs);
    if (!t->glyphs) {
        free(t);
        return KERR_NOMEM;
    }
    rc = fontfind_text(t->cfg.font_spec, &t->text_face);
    if (rc != KERR_OK) {
        KLOGE("text", "no CJK text font found (%s); install fonts-noto-cjk or set \"font\"",
              t->cfg.font_spec ? t->cfg.font_spec : "Noto Sans CJK SC");
        goto fail;
    }
    t->have_bold = fontfind_text(t->cfg.bold_spec ? t->cfg.bold_spec
                                                  : "Noto Sans CJK SC:style=Bold",
                                 &t->bold_face) == KERR_OK;
    rc = fontfind_icons(t->cfg.icon_spec, &t->icon_face);
    if (rc != KERR_OK) {
        KLOGE("text", "no icon font found; install fonts-material-design-icons-iconfont");
        goto fail;
    }
    rc = open_fonts(t);
    if (rc != KERR_OK) goto fail;
    KLOGI("text", "font %s#%d, icons %s", t->text_face.path, t->text_face.index,
          t->icon_face.path);
    *out = t;
    return KERR_OK;
fail:
    free(t->glyphs);
    free(t);
    return rc;
}

void ui_text_destroy(struct ui_text *t)
{
    if (!t) return;
    KASSERT_OWNER(&t->owner);
    drop_all(t);
    close_fonts(t);
    free(t->glyphs);
    free(t);
}

enum kerr ui_text_set_scale(struct ui_text *t, float scale)
{
    KASSERT_OWNER(&t->owner);
    drop_all(t);
    close_fonts(t);
    t->scale = scale;
    return open_fonts(t);
}

static int advance(struct ui_text *t, enum ui_font f, uint32_t cp)
{
    int minx, maxx, miny, maxy, adv = 0;
    if (cp < 0x10000 && t->adv[f][cp]) return t->adv[f][cp] - 1;
    if (TTF_GlyphMetrics32(use(t, f), cp, &minx, &maxx, &miny, &maxy, &adv) != 0) adv = 0;
    if (cp < 0x10000) t->adv[f][cp] = (uint16_t)(adv + 1);
    return adv;
}

/* The font a public enum ui_font stands for now (elder mode: the second
 * row); every public call maps its font once, at entry. */
static enum ui_font real_font(const struct ui_text *t, enum ui_font f)
{
    KASSERT((int)f >= 0 && (int)f < UI_F__COUNT);
    return t->elder ? (enum ui_font)((int)f + UI_F__COUNT) : f;
}

void ui_text_set_elder(struct ui_text *t, bool on)
{
    KASSERT_OWNER(&t->owner);
    t->elder = on;
}

bool ui_text_elder(const struct ui_text *t)
{
    KASSERT_OWNER(&t->owner);
    return t->elder;
}

int ui_text_font_px(const struct ui_text *t, enum ui_font f)
{
    KASSERT_OWNER(&t->owner);
    return font_px[real_font(t, f)];
}

int ui_text_width(struct ui_text *t, enum ui_font f, const char *text)
{
    KASSERT_OWNER(&t->owner);
    f = real_font(t, f);
    int w = 0, best = 0;
    uint32_t cp;
    while ((cp = utf8_next(&text)) != 0) {
        if (cp == '\n') {
            if (w > best) best = w;
            w = 0;
            continue;
        }
        w += advance(t, f, cp);
    }
    return w > best ? w : best;
}

int ui_text_line_height(struct ui_text *t, enum ui_font f)
{
    KASSERT_OWNER(&t->owner);
    return t->height[real_font(t, f)];
}

bool ui_text_has_glyph(struct ui_text *t, uint32_t cp)
{
    KASSERT_OWNER(&t->owner);
    return TTF_GlyphIsProvided32(t->faces[0], cp) != 0;
}

bool ui_text_no_line_start(uint32_t cp)
{
    static const char set[] = "，。、；：？！）】」』”’》〉〕｝…—·％‰℃～,.;:?!)]}%";
    const char *p = set;
    uint32_t c;
    if (cp == 0x2019 || cp == 0x201D) return true;
    while ((c = utf8_next(&p)) != 0)
        if (c == cp) return true;
    return false;
}

bool ui_text_no_line_end(uint32_t cp)
{
    static const char set[] = "（【「『“‘《〈〔｛([{￥$";
    const char *p = set;
    uint32_t c;
    while ((c = utf8_next(&p)) != 0)
        if (c == cp) return true;
    return false;
}

/* A code point after which a line may break: CJK characters and punctuation
 * allow a break on either side; Latin text only at spaces and hyphens. */
static bool is_cjk(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF) || cp == 0x2014 || cp == 0x2026;
}

static size_t wrap_real(struct ui_text *t, enum ui_font f, const char *text, int max_w,
                        size_t *starts, size_t max);

size_t ui_text_wrap(struct ui_text *t, enum ui_font f, const char *text, int max_w,
                    size_t *starts, size_t max)
{
    KASSERT_OWNER(&t->owner);
    return wrap_real(t, real_font(t, f), text, max_w, starts, max);
}

/* ui_text_wrap with f already mapped (real_font). */
static size_t wrap_real(struct ui_text *t, enum ui_font f, const char *text, int max_w,
                        size_t *starts, size_t max)
{
    /* Positions of code points on the current line, so the break can move
     * back for the punctuation rules. */
    enum { MAXCP = 1024 };
    size_t pos[MAXCP];
    uint32_t cps[MAXCP];
    int widths[MAXCP];
    size_t nlines = 0, n = 0, last_break = 0;
    int w = 0;
    const char *p = text;

    if (max > 0) starts[0] = 0;
    nlines = 1;
    for (;;) {
        size_t off = (size_t)(p - text);
        uint32_t cp = utf8_next(&p);
        if (cp == 0) break;
        if (cp == '\n') {
            if (nlines < max) starts[nlines] = (size_t)(p - text);
            nlines++;
            n = 0;
            w = 0;
            last_break = 0;
            continue;
        }
        if (n == MAXCP) { /* absurdly long line without breaks: force one */
            if (nlines < max) starts[nlines] = off;
            nlines++;
            n = 0;
            w = 0;
            last_break = 0;
        }
        pos[n] = off;
        cps[n] = cp;
        widths[n] = advance(t, f, cp);
        /* A break opportunity before this code point? */
        if (n > 0) {
            uint32_t prev = cps[n - 1];
            if (is_cjk(cp) || is_cjk(prev) || prev == ' ' || prev == '-') last_break = n;
        }
        w += widths[n];
        n++;
        if (max_w > 0 && w > max_w && n > 1) {
            size_t brk = last_break > 0 ? last_break : n - 1;
            /* Punctuation rules: move the break back (at most 3 steps). */
            for (int step = 0; step < 3 && brk > 1; step++) {
                if (ui_text_no_line_start(cps[brk]) || ui_text_no_line_end(cps[brk - 1]))
                    brk--;
                else
                    break;
            }
            /* Skip spaces at the start of the new line. */
            while (brk < n && cps[brk] == ' ') brk++;
            if (brk >= n) { /* only spaces overflowed */
                n = 0;
                w = 0;
                last_break = 0;
                if (nlines < max) starts[nlines] = (size_t)(p - text);
                nlines++;
                continue;
            }
            if (nlines < max) starts[nlines] = pos[brk];
            nlines++;
            /* Carry the code points after the break to the new line. */
            memmove(pos, pos + brk, (n - brk) * sizeof pos[0]);
            memmove(cps, cps + brk, (n - brk) * sizeof cps[0]);
            memmove(widths, widths + brk, (n - brk) * sizeof widths[0]);
            n -= brk;
            w = 0;
            for (size_t i = 0; i < n; i++) w += widths[i];
            last_break = 0;
            for (size_t i = 1; i < n; i++)
                if (is_cjk(cps[i]) || is_cjk(cps[i - 1]) || cps[i - 1] == ' ') last_break = i;
        }
    }
    return nlines;
}

static int cmp_used(const void *x, const void *y)
{
    const struct entry *a = *(struct entry *const *)x, *b = *(struct entry *const *)y;
    return a->used < b->used ? -1 : a->used > b->used;
}

/* Frees the least recently used entries (never one used this frame) until
 * a quarter of the budget is free: one sort per eviction, not a scan per
 * victim, so a full cache costs one pass. */
static void evict(struct ui_text *t)
{
    struct entry **all = malloc(t->entries * sizeof *all);
    size_t n = 0;
    if (!all) return;
    for (int b = 0; b < NBUCKETS; b++)
        for (struct entry *e = t->buckets[b]; e; e = e->next)
            if (e->used < t->clock) all[n++] = e;
    qsort(all, n, sizeof *all, cmp_used);
    for (size_t i = 0; i < n && t->bytes > t->budget * 3 / 4; i++) {
        struct entry *e = all[i], **pe = &t->buckets[e->hash % NBUCKETS];
        while (*pe != e) pe = &(*pe)->next;
        *pe = e->next;
        t->bytes -= e->bytes;
        t->entries--;
        if (e->tex) SDL_DestroyTexture(e->tex);
        free(e->mask);
        free(e->text);
        free(e);
    }
    free(all);
}

/* The cached glyph of cp in font f, rasterising it on first use. Returns
 * NULL when the table is full or SDL_ttf fails (the caller falls back). */
static const struct glyph *glyph_get(struct ui_text *t, enum ui_font f, uint32_t cp)
{
    static const SDL_Color white = {255, 255, 255, 255};
    uint32_t key = ((uint32_t)f + 1) << 21 | (cp & 0x1FFFFF);
    size_t i = (key * 2654435761u) & (GLYPH_SLOTS - 1);
    struct glyph *g;
    SDL_Surface *s;
    int minx, maxx, miny, maxy, adv, top = -1, bottom = -1;

    for (;;) {
        g = &t->glyphs[i];
        if (g->key == key) return g;
        if (g->key == 0) break;
        i = (i + 1) & (GLYPH_SLOTS - 1);
    }
    if (t->nglyphs >= GLYPH_SLOTS * 3 / 4) return NULL;
    if (TTF_GlyphMetrics32(use(t, f), cp, &minx, &maxx, &miny, &maxy, &adv) != 0) return NULL;
    s = TTF_RenderGlyph32_Blended(use(t, f), cp, white);
    if (!s) return NULL;
    if (SDL_LockSurface(s) != 0) {
        SDL_FreeSurface(s);
        return NULL;
    }
    for (int y = 0; y < s->h; y++) {
        const Uint32 *row = (const Uint32 *)((const Uint8 *)s->pixels + y * s->pitch);
        for (int x = 0; x < s->w; x++)
            if (row[x] >> 24) {
                if (top < 0) top = y;
                bottom = y;
                break;
            }
    }
    g->key = key;
    g->x0 = (int16_t)(minx < 0 ? minx : 0);
    g->y0 = (int16_t)(top < 0 ? 0 : top);
    g->w = (uint16_t)s->w;
    g->h = (uint16_t)(top < 0 ? 0 : bottom - top + 1);
    g->alpha = g->h ? malloc((size_t)g->w * g->h) : NULL;
    if (g->h && !g->alpha) {
        g->h = 0;
    } else {
        for (int y = 0; y < g->h; y++) {
            const Uint32 *row = (const Uint32 *)((const Uint8 *)s->pixels + (y + top) * s->pitch);
            for (int x = 0; x < g->w; x++) g->alpha[y * g->w + x] = (uint8_t)(row[x] >> 24);
        }
    }
    SDL_UnlockSurface(s);
    SDL_FreeSurface(s);
    t->nglyphs++;
    t->glyph_bytes += (size_t)g->w * g->h;
    return g;
}

/* The extent of one line from cached glyphs: the ink hanging out left of
 * the pen (lead) and the width of advances plus ink on both sides. False if
 * a glyph cannot be had. */
static bool line_extent(struct ui_text *t, enum ui_font f, const char *text, size_t len,
                        int *lead_out, int *width_out)
{
    int w = 0, lead = 0, tail = 0;
    const char *p = text, *end = text + len;
    uint32_t cp;
    bool first = true;
    while (p < end && (cp = utf8_next(&p)) != 0) {
        const struct glyph *g;
        int adv;
        if (cp == '\n') continue;
        g = glyph_get(t, f, cp);
        if (!g) return false;
        adv = advance(t, f, cp);
        if (first && g->x0 < 0) lead = -g->x0;
        first = false;
        w += adv;
        tail = g->x0 + g->w - adv > 0 ? g->x0 + g->w - adv : 0;
    }
    *lead_out = lead;
    *width_out = lead + w + tail > 0 ? lead + w + tail : 1;
    return true;
}

/* Draws text[0..len) with cached glyphs into a coverage mask of bw x bh
 * bytes with its pen starting at (x, y), coverage scaled by alpha. Returns
 * false if a glyph could not be had. */
static bool compose_a8(struct ui_text *t, enum ui_font f, const char *text, size_t len,
                       uint8_t *dst, int bw, int bh, int x, int y, unsigned alpha)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        uint32_t cp = utf8_next(&p);
        const struct glyph *g;
        if (cp == 0) break;
        if (cp == '\n') continue;
        g = glyph_get(t, f, cp);
        if (!g) return false;
        for (int gy = 0; gy < g->h; gy++) {
            int dy = y + g->y0 + gy;
            uint8_t *row;
            if (dy < 0 || dy >= bh) continue;
            row = dst + (size_t)dy * bw;
            for (int gx = 0; gx < g->w; gx++) {
                int dx = x + g->x0 + gx;
                unsigned a = g->alpha[gy * g->w + gx];
                if (!a || dx < 0 || dx >= bw) continue;
                a = a * alpha / 255;
                if (a > row[dx]) row[dx] = (uint8_t)a;
            }
        }
        x += advance(t, f, cp);
    }
    return true;
}

/* SDL_ttf's own rendering of text[0..len) in white at alpha: the fallback
 * when a glyph cannot be had from the cache (its table is full). */
static SDL_Surface *ttf_line(struct ui_text *t, enum ui_font f, const char *text, size_t len,
                             unsigned alpha)
{
    SDL_Color white = {255, 255, 255, (Uint8)alpha};
    SDL_Surface *s = NULL;
    char *buf = malloc(len + 1);
    if (buf) {
        memcpy(buf, text, len);
        buf[len] = '\0';
        s = TTF_RenderUTF8_Blended(use(t, f), buf, white);
        free(buf);
    }
    if (!s && !t->warned) {
        KLOGW("text", "rasterising failed: %s", TTF_GetError());
        t->warned = true;
    }
    return s;
}

/* Copies the alpha of ARGB8888 surface s into mask m (bw x bh) at (x, y),
 * clipped. */
static void blit_alpha(SDL_Surface *s, uint8_t *m, int bw, int bh, int x, int y)
{
    if (SDL_LockSurface(s) != 0) return;
    for (int sy = 0; sy < s->h && y + sy < bh; sy++) {
        const Uint32 *row = (const Uint32 *)((const Uint8 *)s->pixels + sy * s->pitch);
        for (int sx = 0; sx < s->w && x + sx < bw; sx++)
            m[(size_t)(y + sy) * bw + x + sx] = (uint8_t)(row[sx] >> 24);
    }
    SDL_UnlockSurface(s);
}

/* A text as a coverage mask (coverage scaled by alpha), one line or wrapped
 * at max_w px with Chinese rules, composed from cached glyphs. A single
 * line is as wide as its advances plus any ink hanging out at either end;
 * a paragraph as wide as its widest line. Both the mask and the texture
 * path start here, so they have the same geometry. NULL on failure. */
static uint8_t *mask_text(struct ui_text *t, enum ui_font f, const char *text, int max_w,
                          unsigned alpha, int *w_out, int *h_out)
{
    enum { MAXLINES = 512 };
    size_t starts[MAXLINES], nl = 1, len = strlen(text);
    int lh = t->height[f], step = lh, width = 0, height = lh, lead, lw;
    uint8_t *m;
    if (max_w > 0 || strchr(text, '\n')) {
        nl = wrap_real(t, f, text, max_w, starts, MAXLINES);
        if (nl > MAXLINES) nl = MAXLINES;
        step = nl > 1 ? (int)(lh * PARA_SPACING) : lh;
        height = step * (int)(nl - 1) + lh;
        if (height > MAX_TEXT_H) {
            nl = (size_t)((MAX_TEXT_H - lh) / step + 1);
            height = step * (int)(nl - 1) + lh;
        }
        for (size_t i = 0; i < nl; i++) { /* the widest line, by advances */
            size_t e = i + 1 < nl ? starts[i + 1] : len;
            int wsum = 0;
            const char *p = text + starts[i];
            uint32_t cp;
            while (p < text + e && (cp = utf8_next(&p)) != 0)
                if (cp != '\n') wsum += advance(t, f, cp);
            if (wsum > width) width = wsum;
        }
        if (width <= 0) width = 1;
    } else if (!line_extent(t, f, text, len, &lead, &width)) {
        SDL_Surface *s = ttf_line(t, f, text, len, alpha);
        if (!s) return NULL;
        m = calloc((size_t)s->w * s->h, 1);
        if (m) blit_alpha(s, m, s->w, s->h, 0, 0);
        *w_out = s->w;
        *h_out = s->h;
        SDL_FreeSurface(s);
        return m;
    } else {
        starts[0] = 0;
    }
    m = calloc((size_t)width * height, 1);
    if (!m) return NULL;
    for (size_t i = 0; i < nl; i++) {
        size_t e = i + 1 < nl ? starts[i + 1] : len, l = e - starts[i];
        const char *line = text + starts[i];
        int y = (int)i * step;
        SDL_Surface *s;
        while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == ' ')) l--;
        if (l == 0) continue;
        if (line_extent(t, f, line, l, &lead, &lw) &&
            compose_a8(t, f, line, l, m, width, height, lead, y, alpha))
            continue;
        /* a glyph was missing: SDL_ttf draws the line instead */
        memset(m + (size_t)y * width, 0, (size_t)width * (height - y < lh ? height - y : lh));
        if ((s = ttf_line(t, f, line, l, alpha)) != NULL) {
            blit_alpha(s, m, width, height, 0, y);
            SDL_FreeSurface(s);
        }
    }
    *w_out = width;
    *h_out = height;
    return m;
}

/* The texture of mask m (w x h) painted in rgba's colour. */
static SDL_Texture *mask_texture(struct ui_text *t, const uint8_t *m, int w, int h, uint32_t rgba)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Texture *tex;
    Uint32 rgb = rgba >> 8;
    if (!s) return NULL;
    for (int y = 0; y < h; y++) {
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch);
        for (int x = 0; x < w; x++) row[x] = (Uint32)m[(size_t)y * w + x] << 24 | rgb;
    }
    tex = SDL_CreateTextureFromSurface(t->r, s);
    SDL_FreeSurface(s);
    if (tex) SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
    return tex;
}

/* What a caller gets of entry e (its colour, out->rgba, is set by the caller). */
static void entry_out(const struct entry *e, struct ui_text_tex *out)
{
    out->tex = e->tex;
    out->mask = e->mask;
    out->w = e->w;
    out->h = e->h;
    out->serial = e->serial;
}

/* Caches a new texture or mask (owned from here) for (f, text, max_w,
 * rgba) under hash h and fills out. False (and both freed) on failure. */
static bool add_entry(struct ui_text *t, uint32_t h, enum ui_font f, const char *text, int max_w,
                      uint32_t rgba, SDL_Texture *tex, uint8_t *mask, int w, int hh,
                      struct ui_text_tex *out)
{
    struct entry *e = calloc(1, sizeof *e);
    if (e) e->text = strdup(text);
    if (!e || !e->text) {
        if (tex) SDL_DestroyTexture(tex);
        free(mask);
        if (e) free(e->text);
        free(e);
        return false;
    }
    e->tex = tex;
    e->mask = mask;
    e->hash = h;
    e->font = f;
    e->max_w = max_w;
    e->rgba = rgba;
    e->w = w;
    e->h = hh;
    e->serial = ++t->serial;
    e->bytes = (size_t)w * (size_t)hh * (mask ? 1 : 4) + strlen(text) + sizeof *e;
    e->used = t->clock;
    e->next = t->buckets[h % NBUCKETS];
    t->buckets[h % NBUCKETS] = e;
    t->entries++;
    t->bytes += e->bytes;
    t->st.rasterised_bytes += e->bytes;
    if (t->bytes > t->budget) evict(t);
    entry_out(e, out);
    return true;
}

void ui_text_use_masks(struct ui_text *t, bool on)
{
    KASSERT_OWNER(&t->owner);
    if (t->masks == on) return;
    drop_all(t);
    t->masks = on;
}

bool ui_text_masks(const struct ui_text *t)
{
    KASSERT_OWNER(&t->owner);
    return t->masks;
}

bool ui_text_get(struct ui_text *t, enum ui_font f, const char *text, int max_w, uint32_t rgba,
                 struct ui_text_tex *out)
{
    KASSERT_OWNER(&t->owner);
    uint32_t h;
    struct entry *e;
    uint8_t *m;
    SDL_Texture *tex;
    int mw = 0, mh = 0;

    memset(out, 0, sizeof *out);
    if (!text || !*text) return false;
    f = real_font(t, f);
    out->rgba = 0xFFFFFFFFu;
    if (t->masks) {
        /* One mask serves every colour of the same alpha: it is painted in
         * the caller's colour when drawn. */
        out->rgba = rgba | 0xFFu;
        rgba = 0xFFFFFF00u | (rgba & 0xFFu);
    }
    h = fnv1a(text, f, max_w, rgba);
    for (e = t->buckets[h % NBUCKETS]; e; e = e->next) {
        if (e->hash == h && e->font == (int)f && e->max_w == max_w && e->rgba == rgba &&
            strcmp(e->text, text) == 0) {
            e->used = t->clock;
            t->st.hits++;
            entry_out(e, out);
            return true;
        }
    }
    t->st.misses++;
    m = mask_text(t, f, text, max_w, rgba & 0xFFu, &mw, &mh);
    if (!m) return false;
    if (t->masks) return add_entry(t, h, f, text, max_w, rgba, NULL, m, mw, mh, out);
    tex = mask_texture(t, m, mw, mh, rgba);
    free(m);
    return tex && add_entry(t, h, f, text, max_w, rgba, tex, NULL, mw, mh, out);
}

size_t ui_text_prewarm(struct ui_text *t, enum ui_font f, const char *text)
{
    KASSERT_OWNER(&t->owner);
    f = real_font(t, f);
    size_t n = 0;
    uint32_t cp;
    while (text && (cp = utf8_next(&text)) != 0) {
        size_t before = t->nglyphs;
        if (cp == '\n' || cp == ' ') continue;
        if (!glyph_get(t, f, cp)) break;
        n += t->nglyphs - before;
    }
    return n;
}

void ui_text_stats(const struct ui_text *t, struct ui_text_stats *out)
{
    KASSERT_OWNER(&t->owner);
    *out = t->st;
    out->glyphs = t->nglyphs;
    out->glyph_bytes = t->glyph_bytes;
    out->entries = t->entries;
    out->bytes = t->bytes;
    out->budget = t->budget;
}

void ui_text_frame(struct ui_text *t)
{
    KASSERT_OWNER(&t->owner);
    t->clock++;
}
