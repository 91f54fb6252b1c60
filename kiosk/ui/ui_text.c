#include "ui_text.h"

#include <SDL_ttf.h>
#include <stdlib.h>
#include <string.h>

#include "fontfind.h"
#include "klog.h"
#include "utf8.h"

/* Logical pixel sizes of the fonts; multiplied by the scale at open time. */
static const int font_px[UI_F__COUNT] = {24, 30, 38, 50, 72, 180, 48, 96};

#define NBUCKETS 2048
#define MAX_TEXT_H 8192
#define PARA_SPACING 1.25f

struct entry {
    struct entry *next;
    uint32_t hash;
    int font, max_w;
    uint32_t rgba;
    char *text;
    SDL_Texture *tex;
    int w, h;
    size_t bytes;
    uint64_t used;
};

struct ui_text {
    SDL_Renderer *r;
    struct ui_text_config cfg;
    struct fontfind_result text_face, bold_face, icon_face;
    bool have_bold;
    float scale;
    TTF_Font *fonts[UI_F__COUNT];
    uint16_t *adv[UI_F__COUNT]; /* BMP glyph advances, 0 = not yet known */
    struct entry *buckets[NBUCKETS];
    size_t entries, bytes, budget;
    uint64_t clock;
    struct ui_text_stats st;
    bool warned;
};

static uint32_t fnv1a(const char *s, int font, int max_w, uint32_t rgba)
{
    uint32_t h = 2166136261u ^ (uint32_t)font * 16777619u ^ (uint32_t)max_w * 2654435761u ^
                 rgba * 40503u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void close_fonts(struct ui_text *t)
{
    for (int i = 0; i < UI_F__COUNT; i++) {
        if (t->fonts[i]) TTF_CloseFont(t->fonts[i]);
        t->fonts[i] = NULL;
        free(t->adv[i]);
        t->adv[i] = NULL;
    }
}

static void drop_all(struct ui_text *t)
{
    for (int b = 0; b < NBUCKETS; b++) {
        struct entry *e = t->buckets[b];
        while (e) {
            struct entry *n = e->next;
            SDL_DestroyTexture(e->tex);
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
    for (int i = 0; i < UI_F__COUNT; i++) {
        const struct fontfind_result *face = &t->text_face;
        int px = (int)(font_px[i] * t->scale + 0.5f);
        if (i == UI_F_ICON || i == UI_F_ICON_L)
            face = &t->icon_face;
        else if ((i == UI_F_TITLE || i == UI_F_HUGE) && t->have_bold)
            face = &t->bold_face;
        t->fonts[i] = TTF_OpenFontIndex(face->path, px < 6 ? 6 : px, face->index);
        if (!t->fonts[i]) {
            KLOGE("text", "cannot open font %s#%d: %s", face->path, face->index, TTF_GetError());
            close_fonts(t);
            return KERR_NOTFOUND;
        }
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
    t->r = r;
    if (cfg) t->cfg = *cfg;
    t->scale = scale;
    t->budget = t->cfg.cache_bytes ? t->cfg.cache_bytes : (size_t)48 << 20;
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
    free(t);
    return rc;
}

void ui_text_destroy(struct ui_text *t)
{
    if (!t) return;
    drop_all(t);
    close_fonts(t);
    free(t);
}

enum kerr ui_text_set_scale(struct ui_text *t, float scale)
{
    drop_all(t);
    close_fonts(t);
    t->scale = scale;
    return open_fonts(t);
}

static int advance(struct ui_text *t, enum ui_font f, uint32_t cp)
{
    int minx, maxx, miny, maxy, adv = 0;
    if (cp < 0x10000 && t->adv[f][cp]) return t->adv[f][cp] - 1;
    if (TTF_GlyphMetrics32(t->fonts[f], cp, &minx, &maxx, &miny, &maxy, &adv) != 0) adv = 0;
    if (cp < 0x10000) t->adv[f][cp] = (uint16_t)(adv + 1);
    return adv;
}

int ui_text_width(struct ui_text *t, enum ui_font f, const char *text)
{
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
    return TTF_FontHeight(t->fonts[f]);
}

bool ui_text_has_glyph(struct ui_text *t, uint32_t cp)
{
    return TTF_GlyphIsProvided32(t->fonts[UI_F_BODY], cp) != 0;
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

size_t ui_text_wrap(struct ui_text *t, enum ui_font f, const char *text, int max_w,
                    size_t *starts, size_t max)
{
    /* Positions of code points on the current line, so the break can move
     * back for the punctuation rules. */
    enum { MAXCP = 1024 };
    size_t pos[MAXCP];
    uint32_t cps[MAXCP];
    int widths[MAXCP];
    size_t nlines = 0, n = 0, line_start = 0, last_break = 0;
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
            line_start = (size_t)(p - text);
            continue;
        }
        if (n == MAXCP) { /* absurdly long line without breaks: force one */
            if (nlines < max) starts[nlines] = off;
            nlines++;
            n = 0;
            w = 0;
            last_break = 0;
            line_start = off;
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
                line_start = (size_t)(p - text);
                if (nlines < max) starts[nlines] = line_start;
                nlines++;
                continue;
            }
            line_start = pos[brk];
            if (nlines < max) starts[nlines] = line_start;
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
    (void)line_start;
    return nlines;
}

static void evict(struct ui_text *t)
{
    /* Evict the least recently used entries (never one used this frame)
     * until three quarters of the budget is free. */
    while (t->bytes > t->budget * 3 / 4) {
        struct entry **victim = NULL;
        for (int b = 0; b < NBUCKETS; b++)
            for (struct entry **pe = &t->buckets[b]; *pe; pe = &(*pe)->next)
                if ((*pe)->used < t->clock && (!victim || (*pe)->used < (*victim)->used))
                    victim = pe;
        if (!victim) return;
        struct entry *e = *victim;
        *victim = e->next;
        t->bytes -= e->bytes;
        t->entries--;
        SDL_DestroyTexture(e->tex);
        free(e->text);
        free(e);
    }
}

static SDL_Surface *render_lines(struct ui_text *t, enum ui_font f, const char *text, int max_w,
                                 SDL_Color color)
{
    enum { MAXLINES = 512 };
    size_t starts[MAXLINES];
    size_t nl = ui_text_wrap(t, f, text, max_w, starts, MAXLINES);
    size_t len = strlen(text);
    int lh = TTF_FontHeight(t->fonts[f]);
    int step = nl > 1 ? (int)(lh * PARA_SPACING) : lh;
    int width = 0, height;
    SDL_Surface *dst;
    char *buf;

    if (nl > MAXLINES) nl = MAXLINES;
    height = step * (int)(nl - 1) + lh;
    if (height > MAX_TEXT_H) {
        nl = (size_t)((MAX_TEXT_H - lh) / step + 1);
        height = step * (int)(nl - 1) + lh;
    }
    buf = malloc(len + 1);
    if (!buf) return NULL;
    /* Measure the widest line. */
    for (size_t i = 0; i < nl; i++) {
        size_t end = i + 1 < nl ? starts[i + 1] : len;
        memcpy(buf, text + starts[i], end - starts[i]);
        buf[end - starts[i]] = 0;
        int lw = ui_text_width(t, f, buf);
        if (lw > width) width = lw;
    }
    if (width <= 0) width = 1;
    dst = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!dst) {
        free(buf);
        return NULL;
    }
    SDL_FillRect(dst, NULL, 0);
    for (size_t i = 0; i < nl; i++) {
        size_t end = i + 1 < nl ? starts[i + 1] : len;
        size_t l = end - starts[i];
        SDL_Surface *s;
        memcpy(buf, text + starts[i], l);
        while (l > 0 && (buf[l - 1] == '\n' || buf[l - 1] == ' ')) l--;
        buf[l] = 0;
        if (l == 0) continue;
        s = TTF_RenderUTF8_Blended(t->fonts[f], buf, color);
        if (!s) continue;
        SDL_Rect to = {0, (int)i * step, s->w, s->h};
        SDL_SetSurfaceBlendMode(s, SDL_BLENDMODE_NONE);
        SDL_BlitSurface(s, NULL, dst, &to);
        SDL_FreeSurface(s);
    }
    free(buf);
    return dst;
}

bool ui_text_get(struct ui_text *t, enum ui_font f, const char *text, int max_w, uint32_t rgba,
                 struct ui_text_tex *out)
{
    uint32_t h;
    struct entry *e;
    SDL_Surface *s;
    SDL_Color color = {(Uint8)(rgba >> 24), (Uint8)(rgba >> 16), (Uint8)(rgba >> 8), (Uint8)rgba};

    memset(out, 0, sizeof *out);
    if (!text || !*text) return false;
    h = fnv1a(text, f, max_w, rgba);
    for (e = t->buckets[h % NBUCKETS]; e; e = e->next) {
        if (e->hash == h && e->font == (int)f && e->max_w == max_w && e->rgba == rgba &&
            strcmp(e->text, text) == 0) {
            e->used = t->clock;
            t->st.hits++;
            out->tex = e->tex;
            out->w = e->w;
            out->h = e->h;
            return true;
        }
    }
    t->st.misses++;
    if (max_w > 0 || strchr(text, '\n')) {
        s = render_lines(t, f, text, max_w, color);
    } else {
        s = TTF_RenderUTF8_Blended(t->fonts[f], text, color);
    }
    if (!s) {
        if (!t->warned) KLOGW("text", "rasterising failed: %s", TTF_GetError());
        t->warned = true;
        return false;
    }
    e = calloc(1, sizeof *e);
    if (!e) {
        SDL_FreeSurface(s);
        return false;
    }
    e->tex = SDL_CreateTextureFromSurface(t->r, s);
    e->text = strdup(text);
    if (!e->tex || !e->text) {
        if (e->tex) SDL_DestroyTexture(e->tex);
        free(e->text);
        free(e);
        SDL_FreeSurface(s);
        return false;
    }
    SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
    e->hash = h;
    e->font = f;
    e->max_w = max_w;
    e->rgba = rgba;
    e->w = s->w;
    e->h = s->h;
    e->bytes = (size_t)s->w * (size_t)s->h * 4 + strlen(text) + sizeof *e;
    e->used = t->clock;
    SDL_FreeSurface(s);
    e->next = t->buckets[h % NBUCKETS];
    t->buckets[h % NBUCKETS] = e;
    t->entries++;
    t->bytes += e->bytes;
    t->st.rasterised_bytes += e->bytes;
    if (t->bytes > t->budget) evict(t);
    out->tex = e->tex;
    out->w = e->w;
    out->h = e->h;
    return true;
}

void ui_text_stats(const struct ui_text *t, struct ui_text_stats *out)
{
    *out = t->st;
    out->entries = t->entries;
    out->bytes = t->bytes;
}

void ui_text_frame(struct ui_text *t)
{
    t->clock++;
}
