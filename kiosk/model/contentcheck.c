/* contentcheck: content_load() plus what needs SDL: images decode within the
 * size limits, every string of content.json has glyphs in the UI font, and
 * every category icon is a ligature the Material Icons font knows. */
#include "contentcheck.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <cjson/cJSON.h>

#include "fontfind.h"
#include "geomap.h"
#include "utf8.h"
#include "walk.h"

#define FILE_NAME "content.json"
#define PATHLEN 200

struct glyphs {
    TTF_Font *font;
    uint8_t *known;    /* bitset over U+0000..U+10FFFF */
    uint8_t *provided; /* same */
    size_t missing;
};

static bool has_glyph(struct glyphs *g, uint32_t cp)
{
    size_t byte = cp >> 3;
    uint8_t bit = (uint8_t)(1u << (cp & 7));
    if (cp > 0x10FFFF) return false;
    if (!(g->known[byte] & bit)) {
        g->known[byte] |= bit;
        if (TTF_GlyphIsProvided32(g->font, cp)) g->provided[byte] |= bit;
    }
    return (g->provided[byte] & bit) != 0;
}

static void check_string(struct glyphs *g, const char *s, const char *path,
                         struct content_report *rep)
{
    const char *p = s;
    if (!utf8_valid(s, strlen(s))) return; /* content_load reported it */
    while (*p) {
        uint32_t cp = utf8_next(&p);
        if (cp < 0x20 || cp == 0x7F) continue; /* \n and \t are layout, not glyphs */
        if (!has_glyph(g, cp)) {
            char ch[5] = {0};
            utf8_encode(cp, ch);
            content_report_add(rep, FILE_NAME, path,
                               "character U+%04X \"%s\" has no glyph in the UI font", (unsigned)cp, ch);
            g->missing++;
            return; /* one line per string is enough */
        }
    }
}

static void walk_json(struct glyphs *g, const cJSON *v, const char *path, int depth,
                      struct content_report *rep)
{
    char p[PATHLEN];
    size_t i = 0;
    if (depth > CONTENT_MAX_DEPTH) return;
    if (cJSON_IsString(v) && v->valuestring) {
        check_string(g, v->valuestring, path, rep);
        return;
    }
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        if (cJSON_IsObject(v) && c->string)
            snprintf(p, sizeof p, "%.150s.%.40s", path, c->string);
        else
            snprintf(p, sizeof p, "%.180s[%zu]", path, i);
        walk_json(g, c, p, depth + 1, rep);
    }
}

static enum kerr check_glyphs(const struct content *c, const char *font_spec,
                              struct content_report *rep)
{
    struct fontfind_result fr;
    struct glyphs g;
    char path[4096];
    FILE *f = NULL;
    char *buf = NULL;
    long n;
    cJSON *root = NULL;
    enum kerr res = KERR_OK;
    memset(&g, 0, sizeof g);
    if (fontfind_text(font_spec, &fr) != KERR_OK) {
        content_report_add(rep, "font", "$", "the UI font \"%s\" is not installed",
                           font_spec ? font_spec : "Noto Sans CJK SC");
        return KERR_NOTFOUND;
    }
    g.font = TTF_OpenFontIndex(fr.path, 16, fr.index);
    if (!g.font) {
        content_report_add(rep, "font", "$", "cannot open the UI font: %s", TTF_GetError());
        return KERR_NOTFOUND;
    }
    g.known = calloc(0x110000 / 8, 1);
    g.provided = calloc(0x110000 / 8, 1);
    if (!g.known || !g.provided) {
        res = KERR_NOMEM;
        goto done;
    }
    snprintf(path, sizeof path, "%s/" FILE_NAME, c->dir);
    f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        res = KERR_IO;
        goto done;
    }
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        res = buf ? KERR_IO : KERR_NOMEM;
        goto done;
    }
    root = cJSON_ParseWithLength(buf, (size_t)n);
    if (!root) {
        res = KERR_PARSE;
        goto done;
    }
    walk_json(&g, root, "$", 0, rep);
    if (g.missing) res = KERR_INVALID;
done:
    if (res == KERR_IO || res == KERR_PARSE)
        content_report_add(rep, FILE_NAME, "$", "cannot re-read the file for the glyph check");
    cJSON_Delete(root);
    free(buf);
    if (f) fclose(f);
    free(g.known);
    free(g.provided);
    TTF_CloseFont(g.font);
    return res;
}

/* A Material Icons ligature renders as one glyph about 1 em wide; an unknown
 * name falls apart into letters, which are several em wide or nothing. */
static enum kerr check_icons(const struct content *c, struct content_report *rep)
{
    struct fontfind_result fr;
    TTF_Font *font;
    enum kerr res = KERR_OK;
    const int size = 48;
    if (fontfind_icons(NULL, &fr) != KERR_OK) return KERR_OK; /* no icon font: not the bundle's fault */
    font = TTF_OpenFontIndex(fr.path, size, fr.index);
    if (!font) return KERR_OK;
    for (size_t i = 0; i < c->n_categories; i++) {
        int w = 0, h = 0;
        const char *icon = c->categories[i].icon;
        if (TTF_SizeUTF8(font, icon, &w, &h) != 0 || w < size / 2 || w > size * 3 / 2) {
            char p[PATHLEN];
            snprintf(p, sizeof p, "$.categories[%zu].icon", i);
            content_report_add(rep, FILE_NAME, p, "\"%s\" is not an icon of the Material Icons font",
                               icon);
            res = KERR_INVALID;
        }
    }
    TTF_CloseFont(font);
    return res;
}

static enum kerr check_images(const struct content *c, struct content_report *rep)
{
    enum kerr res = KERR_OK;
    for (size_t i = 0; i < c->n_notices; i++) {
        const char *img = c->notices[i].image;
        SDL_Surface *s;
        char p[PATHLEN];
        if (!img) continue;
        snprintf(p, sizeof p, "$.notices[%zu].image", i);
        s = IMG_Load(img);
        if (!s) {
            content_report_add(rep, FILE_NAME, p, "image \"%s\" does not decode: %s",
                               strrchr(img, '/') ? strrchr(img, '/') + 1 : img, IMG_GetError());
            res = KERR_INVALID;
            continue;
        }
        if (s->w < 1 || s->h < 1 || s->w > CONTENT_MAX_IMAGE_SIDE || s->h > CONTENT_MAX_IMAGE_SIDE) {
            content_report_add(rep, FILE_NAME, p, "image is %dx%d pixels; each side must be 1..%d",
                               s->w, s->h, CONTENT_MAX_IMAGE_SIDE);
            res = KERR_TOOBIG;
        }
        SDL_FreeSurface(s);
    }
    return res;
}

/* map.geojson, when the bundle has one: the file (geomap) and one
 * connected walk network (walk_build). No map is fine: no service circle. */
static enum kerr check_map(const struct content *c, struct content_report *rep)
{
    char path[4096];
    struct geomap *m = NULL;
    struct walk_graph *g = NULL;
    enum kerr res;
    if (!c->dir || snprintf(path, sizeof path, "%s/" GEOMAP_FILE, c->dir) >= (int)sizeof path ||
        access(path, F_OK) != 0)
        return KERR_OK;
    res = geomap_load(c->dir, c, &m, rep);
    if (res == KERR_OK) res = walk_build(m, &g, rep);
    walk_graph_free(g);
    geomap_free(m);
    return res;
}

enum kerr content_check_deep(const struct content *c, struct content_report *rep, void *ud)
{
    const char *font_spec = ud;
    bool we_init = false;
    enum kerr res, r2, r3;
    if (!TTF_WasInit()) {
        if (TTF_Init() != 0) {
            content_report_add(rep, "font", "$", "SDL_ttf does not start: %s", TTF_GetError());
            return KERR_NOTFOUND;
        }
        we_init = true;
    }
    res = check_images(c, rep);
    r2 = check_glyphs(c, font_spec, rep);
    r3 = check_icons(c, rep);
    if (we_init) TTF_Quit();
    if (res == KERR_OK) res = r2;
    if (res == KERR_OK) res = r3;
    r3 = check_map(c, rep);
    if (res == KERR_OK) res = r3;
    return res;
}

int content_check_dir(const char *dir, const char *font_spec, FILE *out)
{
    struct content_report *rep = malloc(sizeof *rep);
    struct content *c = NULL;
    enum kerr res;
    if (!rep) {
        fprintf(out, "%s: $: out of memory\n", FILE_NAME);
        return 1;
    }
    content_report_init(rep);
    res = content_load(dir, &c, rep);
    if (res == KERR_OK) res = content_check_deep(c, rep, (void *)font_spec);
    content_report_print(rep, out);
    if (res == KERR_OK)
        fprintf(out, "%s: valid (version %s, %zu services, %zu notices)\n", dir, c->version,
                c->n_services, c->n_notices);
    else
        fprintf(out, "%s: invalid (%zu problems, %s)\n", dir, content_report_total(rep),
                kerr_str(res));
    content_free(c);
    free(rep);
    return res == KERR_OK ? 0 : 1;
}
