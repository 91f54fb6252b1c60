/* imghdr: see imghdr.h. The SVG reader follows nanosvg's own tokenizer
 * (SDL2_image 2.6 decodes SVG with nanosvg: a tag runs from '<' to the next
 * '>', quotes or not; the element name runs to the first space; every <svg>
 * element sets the size again, the last one winning). Rather than guess which
 * one wins, the size is the largest width/viewBox seen, and anything nanosvg
 * would read differently from us (leading spaces, em units, entities, long
 * numbers) is refused. */
#include "imghdr.h"

#include <stdbool.h>
#include <string.h>

#define SIDE_CAP (1u << 30)

static enum kerr fail(struct imghdr *out, const char **why, enum kerr e, const char *w)
{
    memset(out, 0, sizeof *out);
    if (why) *why = w;
    return e;
}

const char *imghdr_format_name(enum imghdr_format f)
{
    switch (f) {
    case IMGHDR_PNG: return "PNG";
    case IMGHDR_JPEG: return "JPEG";
    case IMGHDR_SVG: return "SVG";
    default: return "unknown";
    }
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

enum imghdr_format imghdr_format_of(const unsigned char *buf, size_t len)
{
    size_t i = 0;
    if (len >= 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0) return IMGHDR_PNG;
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF) return IMGHDR_JPEG;
    while (i < len && i < 64 && is_space(buf[i])) i++;
    if ((len - i >= 4 && memcmp(buf + i, "<svg", 4) == 0) ||
        (len - i >= 5 && memcmp(buf + i, "<?xml", 5) == 0))
        return IMGHDR_SVG;
    return IMGHDR_UNKNOWN;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static enum kerr probe_png(const unsigned char *b, size_t len, struct imghdr *out, const char **why)
{
    uint32_t w, h;
    /* The IHDR chunk is first, right after the signature (PNG spec 5.6). */
    if (len < 24 || be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0)
        return fail(out, why, KERR_INVALID, "PNG without an IHDR header");
    w = be32(b + 16);
    h = be32(b + 20);
    if (w == 0 || h == 0 || w > 0x7FFFFFFFu || h > 0x7FFFFFFFu)
        return fail(out, why, KERR_INVALID, "PNG header with an invalid size");
    if (w > SIDE_CAP || h > SIDE_CAP) return fail(out, why, KERR_TOOBIG, "PNG side over 2^30 pixels");
    out->format = IMGHDR_PNG;
    out->w = w;
    out->h = h;
    return KERR_OK;
}

/* SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC). */
static bool is_sof(unsigned char m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static enum kerr probe_jpeg(const unsigned char *b, size_t len, struct imghdr *out, const char **why)
{
    size_t i = 2;
    for (int seg = 0; seg < IMGHDR_JPEG_MAX_SEGMENTS; seg++) {
        unsigned char m;
        size_t l;
        if (i >= len) return fail(out, why, KERR_INVALID, "JPEG ends before its frame header (SOF)");
        if (b[i] != 0xFF) return fail(out, why, KERR_INVALID, "JPEG with bytes between its segments");
        while (i < len && b[i] == 0xFF) i++; /* fill bytes */
        if (i >= len) return fail(out, why, KERR_INVALID, "JPEG ends before its frame header (SOF)");
        m = b[i++];
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue; /* TEM, RSTn: no length */
        if (m == 0x00 || m == 0xD8) return fail(out, why, KERR_INVALID, "malformed JPEG marker");
        if (m == 0xD9 || m == 0xDA)
            return fail(out, why, KERR_INVALID, "JPEG without a frame header (SOF) before its data");
        if (len - i < 2) return fail(out, why, KERR_INVALID, "JPEG ends inside a segment");
        l = (size_t)b[i] << 8 | b[i + 1];
        if (l < 2) return fail(out, why, KERR_INVALID, "malformed JPEG segment length");
        if (is_sof(m)) {
            uint32_t w, h;
            if (l < 8 || len - i < 7) return fail(out, why, KERR_INVALID, "JPEG frame header too short");
            h = (uint32_t)b[i + 3] << 8 | b[i + 4];
            w = (uint32_t)b[i + 5] << 8 | b[i + 6];
            if (h == 0)
                return fail(out, why, KERR_INVALID, "JPEG height given later (DNL) is not supported");
            if (w == 0) return fail(out, why, KERR_INVALID, "JPEG frame header with width 0");
            out->format = IMGHDR_JPEG;
            out->w = w;
            out->h = h;
            return KERR_OK;
        }
        i += l;
    }
    return fail(out, why, KERR_INVALID, "JPEG with too many segments before its frame header");
}

/* ---- SVG ----------------------------------------------------------------- */

struct svg {
    double w_attr, h_attr; /* largest width / height attribute, px (% as pct/100) */
    double vb_w, vb_h;     /* largest viewBox width / height */
    int nw, nh, nvb;       /* width, height and viewBox attributes seen */
    bool w_len, h_len;     /* some width / height attribute in a length unit */
    bool w_rel, h_rel;     /* some width / height in % (nanosvg reads it as 0) */
    int n;                 /* <svg> elements */
    bool defs;             /* inside <defs>, where nanosvg skips <svg> */
    const char *err;
};

/* A number as nanosvg's parser reads it: [+-]digits[.digits][e[+-]digits],
 * the exponent only when not followed by m/x (em, ex). At most 32 chars:
 * nanosvg copies 63 and a longer number would be read differently. */
static bool svg_number(const char **ps, const char *e, double *out)
{
    const char *s = *ps, *start = s;
    double v = 0, scale = 1;
    int digits = 0, ex = 0, exsign = 1;
    bool neg = false;
    if (s < e && (*s == '+' || *s == '-')) neg = *s++ == '-';
    while (s < e && *s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
        digits++;
    }
    if (s < e && *s == '.') {
        s++;
        while (s < e && *s >= '0' && *s <= '9') {
            scale /= 10;
            v += (*s++ - '0') * scale;
            digits++;
        }
    }
    if (!digits) return false;
    if (s < e && (*s == 'e' || *s == 'E') && !(s + 1 < e && (s[1] == 'm' || s[1] == 'x'))) {
        int exdigits = 0;
        s++;
        if (s < e && (*s == '+' || *s == '-')) exsign = *s++ == '-' ? -1 : 1;
        while (s < e && *s >= '0' && *s <= '9') {
            if (ex < 1000) ex = ex * 10 + (*s - '0');
            s++;
            exdigits++;
        }
        if (!exdigits) return false;
    }
    if (s - start > 32) return false;
    for (int k = 0; k < ex && v != 0; k++) {
        v = exsign > 0 ? v * 10 : v / 10;
        if (v > 1e300) break;
    }
    *out = neg ? -v : v;
    *ps = s;
    return true;
}

/* width="..." / height="...": a positive number and a unit nanosvg turns
 * into pixels at 96 dpi. Returns false (svg->err set) when refused. */
static bool svg_length(struct svg *g, const char *v, size_t n, double *px, bool *rel)
{
    static const struct { const char *u; double k; } units[] = {
        {"px", 1}, {"pt", 96.0 / 72}, {"pc", 96.0 / 6}, {"mm", 96 / 25.4}, {"cm", 96 / 2.54}, {"in", 96},
    };
    const char *s = v, *e = v + n;
    double x;
    *rel = false;
    while (e > s && is_space((unsigned char)e[-1])) e--;
    if (!svg_number(&s, e, &x)) {
        g->err = "SVG width or height is not a plain number (leading space, entity or too long?)";
        return false;
    }
    if (x <= 0) {
        g->err = "SVG width or height is not positive";
        return false;
    }
    if (s == e) {
        *px = x;
        return true;
    }
    if (e - s == 1 && *s == '%') {
        *rel = true;
        *px = x / 100;
        return true;
    }
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (e - s == 2 && memcmp(s, units[k].u, 2) == 0) {
            *px = x * units[k].k;
            return true;
        }
    g->err = "SVG width or height in a unit other than px, pt, pc, mm, cm, in or %";
    return false;
}

static bool svg_viewbox(struct svg *g, const char *v, size_t n)
{
    const char *s = v, *e = v + n;
    double num[4];
    for (int k = 0; k < 4; k++) {
        if (k > 0) {
            const char *t = s;
            while (s < e && (is_space((unsigned char)*s) || *s == ',')) s++;
            if (s == t) break;
        }
        if (!svg_number(&s, e, &num[k])) {
            g->err = "SVG viewBox is not four numbers";
            return false;
        }
        if (k == 3) {
            while (s < e && is_space((unsigned char)*s)) s++;
            if (s != e) break;
            if (num[2] <= 0 || num[3] <= 0) {
                g->err = "SVG viewBox with a width or height that is not positive";
                return false;
            }
            if (num[2] > g->vb_w) g->vb_w = num[2];
            if (num[3] > g->vb_h) g->vb_h = num[3];
            g->nvb++;
            return true;
        }
    }
    g->err = "SVG viewBox is not four numbers";
    return false;
}

static bool attr_is(const char *a, size_t n, const char *name)
{
    return n == strlen(name) && memcmp(a, name, n) == 0;
}

/* One tag, the bytes between '<' and '>' (as nanosvg's nsvg__parseElement
 * splits it). Start tags named exactly "svg" give the size; "defs" start and
 * end tags switch nanosvg's defs flag, under which an <svg> is ignored. */
static void svg_tag(struct svg *g, const char *s, const char *e)
{
    int nattr = 0;
    bool end = false, is_svg;
    const char *name;
    size_t namelen;
    while (s < e && is_space((unsigned char)*s)) s++;
    if (s < e && *s == '/') {
        end = true;
        s++;
    }
    if (s >= e || *s == '?' || *s == '!') return;
    name = s;
    while (s < e && !is_space((unsigned char)*s)) s++;
    namelen = (size_t)(s - name);
    if (end) {
        if (attr_is(name, namelen, "defs")) g->defs = false;
        return;
    }
    is_svg = attr_is(name, namelen, "svg");
    if (is_svg && g->defs) {
        g->err = "SVG with an <svg> element inside <defs>";
        return;
    }
    if (is_svg) g->n++;
    if (s < e) s++;
    while (s < e && !g->err) {
        const char *an, *v;
        size_t anl;
        char q;
        double px;
        bool rel;
        while (s < e && is_space((unsigned char)*s)) s++;
        if (s >= e) break;
        if (*s == '/') { /* "<defs />": start and end at once */
            end = true;
            break;
        }
        an = s;
        while (s < e && !is_space((unsigned char)*s) && *s != '=') s++;
        anl = (size_t)(s - an);
        if (s < e) s++;
        while (s < e && *s != '"' && *s != '\'') s++;
        if (s >= e) break;
        q = *s++;
        v = s;
        while (s < e && *s != q) s++;
        if (is_svg && ++nattr > IMGHDR_SVG_MAX_ATTRS) {
            g->err = "SVG element with too many attributes";
            return;
        }
        if (is_svg && attr_is(an, anl, "width")) {
            if (!svg_length(g, v, (size_t)(s - v), &px, &rel)) return;
            g->w_len |= !rel;
            g->w_rel |= rel;
            g->nw++;
            if (px > g->w_attr) g->w_attr = px;
        } else if (is_svg && attr_is(an, anl, "height")) {
            if (!svg_length(g, v, (size_t)(s - v), &px, &rel)) return;
            g->h_len |= !rel;
            g->h_rel |= rel;
            g->nh++;
            if (px > g->h_attr) g->h_attr = px;
        } else if (is_svg && attr_is(an, anl, "viewBox")) {
            if (!svg_viewbox(g, v, (size_t)(s - v))) return;
        }
        if (s < e) s++;
    }
    if (attr_is(name, namelen, "defs")) g->defs = !end;
}

static uint32_t ceil_px(double v)
{
    uint32_t i;
    if (v >= (double)SIDE_CAP) return SIDE_CAP + 1;
    i = (uint32_t)v;
    i += v > (double)i;
    return i ? i : 1;
}

static enum kerr probe_svg(const unsigned char *b, size_t len, struct imghdr *out, const char **why)
{
    struct svg g;
    const char *s = (const char *)b, *e, *mark = NULL;
    const void *nul = memchr(b, 0, len);
    memset(&g, 0, sizeof g);
    e = nul ? (const char *)nul : s + len; /* nanosvg stops at the first NUL */
    for (; s < e && !g.err; s++) {
        if (*s == '<' && !mark)
            mark = s + 1;
        else if (*s == '>' && mark) {
            svg_tag(&g, mark, s);
            mark = NULL;
        }
    }
    if (g.err) return fail(out, why, KERR_INVALID, g.err);
    if (g.n == 0) return fail(out, why, KERR_INVALID, "SVG without an <svg> element");
    /* nanosvg falls back to the viewBox when width is missing or in %, and
     * to the extent of the drawing when there is no viewBox either: that
     * size cannot be known from the header, so it is refused. */
    if (!g.nvb && (!g.w_len || g.w_rel || !g.h_len || g.h_rel))
        return fail(out, why, KERR_INVALID, "SVG needs width and height in px, pt, pc, mm, cm or in, or a viewBox");
    out->format = IMGHDR_SVG;
    if (g.n == 1 && g.nw <= 1 && g.nh <= 1 && g.nvb <= 1) {
        /* one element, one of each: exactly what nanosvg computes */
        out->w = ceil_px(g.w_len ? g.w_attr : (g.vb_w > g.w_attr ? g.vb_w : g.w_attr));
        out->h = ceil_px(g.h_len ? g.h_attr : (g.vb_h > g.h_attr ? g.vb_h : g.h_attr));
    } else {
        /* which one wins depends on their order: take the largest */
        out->w = ceil_px(g.vb_w > g.w_attr ? g.vb_w : g.w_attr);
        out->h = ceil_px(g.vb_h > g.h_attr ? g.vb_h : g.h_attr);
    }
    if (out->w > SIDE_CAP || out->h > SIDE_CAP) return fail(out, why, KERR_TOOBIG, "SVG side over 2^30 pixels");
    return KERR_OK;
}

enum kerr imghdr_probe(const unsigned char *buf, size_t len, struct imghdr *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (!buf) return fail(out, why, KERR_INVALID, "no data");
    switch (imghdr_format_of(buf, len)) {
    case IMGHDR_PNG: return probe_png(buf, len, out, why);
    case IMGHDR_JPEG: return probe_jpeg(buf, len, out, why);
    case IMGHDR_SVG: return probe_svg(buf, len, out, why);
    default: return fail(out, why, KERR_INVALID, "is not PNG, JPEG or SVG");
    }
}
