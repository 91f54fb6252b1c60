/* contentcheck: content_load() plus what needs SDL: images decode within the
 * size limits, every string of the loaded bundle (content_foreach_text) and
 * every name on its map has glyphs in the UI font, every category icon is a
 * ligature the Material Icons font knows, and map.geojson (when there is
 * one) loads and is one connected walk network. */
#include "contentcheck.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

#include <sys/stat.h>
#include <unistd.h>

#include "bundlefs.h"
#include "fontfind.h"
#include "geomap.h"
#include "imghdr.h"
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

struct glyph_walk {
    struct glyphs *g;
    const struct content *c;
    struct content_report *rep;
};

/* The first character of s without a glyph (0 when none) into ch. */
static uint32_t missing_glyph(struct glyphs *g, const char *s, char ch[5])
{
    const char *p = s;
    if (!utf8_valid(s, strlen(s))) return 0; /* the loader reported it */
    while (*p) {
        uint32_t cp = utf8_next(&p);
        if (cp < 0x20 || cp == 0x7F) continue; /* \n and \t are layout, not glyphs */
        if (!has_glyph(g, cp)) {
            memset(ch, 0, 5);
            utf8_encode(cp, ch);
            g->missing++;
            return cp;
        }
    }
    return 0;
}

/* One line per string with a missing glyph, at the string's JSON path. */
static void check_string(const char *s, void *ud)
{
    struct glyph_walk *w = ud;
    char ch[5], path[PATHLEN];
    uint32_t cp = missing_glyph(w->g, s, ch);
    if (cp)
        content_report_add(w->rep, FILE_NAME, content_text_path(w->c, s, path, sizeof path),
                           "character U+%04X \"%s\" has no glyph in the UI font", (unsigned)cp, ch);
}

/* The names the map shows (name, name:en of every feature), as above. */
static void check_map_names(struct glyph_walk *w, const struct geomap *m)
{
    for (size_t i = 0; m && i < m->n_f; i++) {
        const char *names[2] = {m->f[i].name, m->f[i].name_en};
        for (int k = 0; k < 2; k++) {
            char ch[5], path[PATHLEN];
            uint32_t cp = names[k] ? missing_glyph(w->g, names[k], ch) : 0;
            if (!cp) continue;
            snprintf(path, sizeof path, "$.features[%zu].properties.%s", m->f[i].index,
                     k ? "name:en" : "name");
            content_report_add(w->rep, GEOMAP_FILE, path,
                               "character U+%04X \"%s\" has no glyph in the UI font", (unsigned)cp, ch);
        }
    }
}

/* Every string of the loaded bundle (content_foreach_text: the bundle in
 * memory, not content.json read again) and every name on its map (m, may
 * be NULL) has its glyphs in the UI font. */
static enum kerr check_glyphs(const struct content *c, const struct geomap *m,
                              const char *font_spec, struct content_report *rep)
{
    struct fontfind_result fr;
    struct glyphs g;
    struct glyph_walk w = {&g, c, rep};
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
    } else {
        content_foreach_text(c, check_string, &w);
        check_map_names(&w, m);
        if (g.missing) res = KERR_INVALID;
    }
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

/* Each image is read once (bundlefs: no symlink, regular file), its header
 * checked again (imghdr: the file may have changed since content_load), and
 * only then decoded, from the same bytes. */
static enum kerr check_images(const struct content *c, struct content_report *rep)
{
    enum kerr res = KERR_OK;
    size_t dl = c->dir ? strlen(c->dir) : 0;
    for (size_t i = 0; i < c->n_notices; i++) {
        const char *img = c->notices[i].image, *rel, *why = NULL;
        const char *base = img && strrchr(img, '/') ? strrchr(img, '/') + 1 : img;
        SDL_Surface *s;
        struct stat st;
        struct imghdr ih;
        char p[PATHLEN];
        char *buf = NULL;
        enum kerr e = KERR_OK;
        int fd;
        if (!img) continue;
        snprintf(p, sizeof p, "$.notices[%zu].image", i);
        rel = c->dir && strncmp(img, c->dir, dl) == 0 && img[dl] == '/' ? img + dl + 1 : img;
        fd = bundlefs_open(c->dir, rel, &st, &why, &e);
        if (fd >= 0 && st.st_size > (off_t)CONTENT_MAX_IMAGE_BYTES) {
            why = "file over the size limit";
            e = KERR_TOOBIG;
        } else if (fd >= 0) {
            e = bundlefs_read_all(fd, (size_t)st.st_size, &buf);
            why = "cannot be read";
        }
        if (fd >= 0) close(fd);
        if (e == KERR_OK) e = imghdr_probe((const unsigned char *)buf, (size_t)st.st_size, &ih, &why);
        if (e == KERR_OK && (ih.w > CONTENT_MAX_IMAGE_SIDE || ih.h > CONTENT_MAX_IMAGE_SIDE ||
                             (uint64_t)ih.w * ih.h > CONTENT_MAX_IMAGE_PIXELS)) {
            content_report_add(rep, FILE_NAME, p,
                               "%s: %s of %ux%u pixels is over the limit (each side %d, %u pixels); not decoded",
                               rel, imghdr_format_name(ih.format), (unsigned)ih.w, (unsigned)ih.h,
                               CONTENT_MAX_IMAGE_SIDE, CONTENT_MAX_IMAGE_PIXELS);
            free(buf);
            res = KERR_TOOBIG;
            continue;
        }
        if (e != KERR_OK) {
            content_report_add(rep, FILE_NAME, p, "%s: %s", rel, why ? why : kerr_str(e));
            free(buf);
            res = KERR_INVALID;
            continue;
        }
        s = IMG_Load_RW(SDL_RWFromConstMem(buf, (int)st.st_size), 1);
        free(buf);
        if (!s) {
            content_report_add(rep, FILE_NAME, p, "image \"%s\" does not decode: %s", base,
                               IMG_GetError());
            res = KERR_INVALID;
            continue;
        }
        if (s->w < 1 || s->h < 1 || (uint32_t)s->w > ih.w || (uint32_t)s->h > ih.h) {
            /* the decoder disagrees with the header: never trust such a file */
            content_report_add(rep, FILE_NAME, p,
                               "image \"%s\" decodes to %dx%d pixels but its header says %ux%u",
                               base, s->w, s->h, (unsigned)ih.w, (unsigned)ih.h);
            res = KERR_INVALID;
        }
        SDL_FreeSurface(s);
    }
    return res;
}

/* map.geojson, when the bundle has one: the file (geomap) and one
 * connected walk network (walk_build). No map is fine: no service circle.
 * A valid map is left in *out for the glyph check (geomap_free). */
static enum kerr check_map(const struct content *c, struct content_report *rep,
                           struct geomap **out)
{
    struct geomap *m = NULL;
    struct walk_graph *g = NULL;
    enum kerr res = KERR_OK;
    int fd;
    if (!c->dir) return KERR_OK;
    fd = bundlefs_open(c->dir, GEOMAP_FILE, NULL, NULL, &res);
    if (fd < 0 && res == KERR_NOTFOUND) return KERR_OK;
    if (fd >= 0) close(fd); /* geomap_load opens it again and reports any refusal */
    res = geomap_load(c->dir, c, &m, rep);
    if (res == KERR_OK) res = walk_build(m, &g, rep);
    walk_graph_free(g);
    if (res == KERR_OK)
        *out = m;
    else
        geomap_free(m);
    return res;
}

enum kerr content_check_deep(const struct content *c, struct content_report *rep, void *ud)
{
    const char *font_spec = ud;
    bool we_init = false;
    enum kerr res, r2, r3, r4;
    struct geomap *m = NULL;
    if (!TTF_WasInit()) {
        if (TTF_Init() != 0) {
            content_report_add(rep, "font", "$", "SDL_ttf does not start: %s", TTF_GetError());
            return KERR_NOTFOUND;
        }
        we_init = true;
    }
    res = check_images(c, rep);
    r4 = check_map(c, rep, &m);
    r2 = check_glyphs(c, m, font_spec, rep);
    r3 = check_icons(c, rep);
    if (we_init) TTF_Quit();
    geomap_free(m);
    if (res == KERR_OK) res = r2;
    if (res == KERR_OK) res = r3;
    if (res == KERR_OK) res = r4;
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
