/* ui_damage_redraws_only_changes_pixel_exact: random frames of fills and
 * copies (blended, opaque, clipped, scaled, colour-modulated), and in
 * surface mode coverage masks and surface blits, are drawn by a damage
 * recorder that redraws only changed cells, and by one that redraws
 * everything. After every frame both surfaces must be equal to the byte,
 * while the first draws far fewer pixels. Both modes, and surface mode once
 * more with the partial side sharing every redraw with the helper thread
 * while the full side draws alone. */
#include <SDL2/SDL.h>
#include <stdlib.h>
#include <string.h>

#include "ktest.h"
#include "ui_damage.h"

#define W 640
#define H 360
#define NTEX 5
#define NMASK 3
#define NITEMS 48
#define FRAMES 1200

struct item {
    int tex;       /* -1: fill; NTEX + i: mask i; NTEX + NMASK: the surface */
    SDL_Rect dst;
    uint32_t rgba; /* colour or modulation */
    int clip;      /* -1: none, else an index into clips */
};

static const SDL_Rect clips[2] = {{40, 50, 300, 200}, {333, 17, 250, 311}};

struct side {
    SDL_Surface *surf;
    SDL_Renderer *r;
    SDL_Texture *tex[NTEX];
    uint32_t serial[NTEX];
    struct ui_damage *d;
};

static bool surface_mode;
static size_t part_helper_px; /* ui_damage_set_helper for the partial side */
static uint8_t masks[NMASK][64 * 48];
static SDL_Surface *solid; /* an opaque surface in the screen's format */

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Texture i: a gradient with varying alpha (blended) or opaque. */
static SDL_Surface *tex_surface(int i)
{
    int tw = 17 + i * 23, th = 11 + i * 13;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, tw, th, 32, SDL_PIXELFORMAT_ARGB8888);
    for (int y = 0; y < th; y++) {
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch);
        for (int x = 0; x < tw; x++) {
            Uint32 a = i == 0 ? 255 : (Uint32)((x * 255) / tw);
            row[x] = a << 24 | (Uint32)(x * 7 + i * 40) % 256 << 16 | (Uint32)(y * 11) % 256 << 8 |
                     (Uint32)(i * 60);
        }
    }
    return s;
}

static int mask_w(int i)
{
    return 20 + i * 22;
}
static int mask_h(int i)
{
    return 16 + i * 16;
}

static void side_init(struct side *sd, bool retained, size_t helper_px)
{
    sd->surf = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_RGB888);
    sd->r = SDL_CreateSoftwareRenderer(sd->surf);
    for (int i = 0; i < NTEX; i++) {
        SDL_Surface *s = tex_surface(i);
        sd->tex[i] = SDL_CreateTextureFromSurface(sd->r, s);
        SDL_SetTextureBlendMode(sd->tex[i], i == 0 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
        if (i == 4) SDL_SetTextureScaleMode(sd->tex[i], SDL_ScaleModeNearest);
        sd->serial[i] = 1;
        SDL_FreeSurface(s);
    }
    CHECK(sd->surf != NULL && sd->r != NULL);
    CHECK(ui_damage_create(sd->r, W, H, retained, surface_mode, surface_mode ? sd->surf : NULL,
                           &sd->d) == KERR_OK);
    ui_damage_set_helper(sd->d, helper_px);
}

static void side_free(struct side *sd)
{
    ui_damage_destroy(sd->d);
    for (int i = 0; i < NTEX; i++) SDL_DestroyTexture(sd->tex[i]);
    SDL_DestroyRenderer(sd->r);
    SDL_FreeSurface(sd->surf);
}

static void random_item(struct item *it)
{
    int kinds = surface_mode ? NTEX + NMASK + 1 : NTEX;
    int k = (int)(rnd() % (unsigned)(kinds + 2)) - 2;
    it->tex = k < 0 ? -1 : k;
    if (it->tex >= NTEX) { /* masks and the surface are drawn at their size */
        it->dst.x = (int)(rnd() % (W + 40)) - 20;
        it->dst.y = (int)(rnd() % (H + 40)) - 20;
        it->dst.w = it->tex == NTEX + NMASK ? solid->w : mask_w(it->tex - NTEX);
        it->dst.h = it->tex == NTEX + NMASK ? solid->h : mask_h(it->tex - NTEX);
        it->rgba = rnd() | (rnd() % 2 ? 0xFF : 0);
        it->clip = (int)(rnd() % 4) - 2;
        if (it->clip < 0) it->clip = -1;
        return;
    }
    it->dst.x = (int)(rnd() % (W + 40)) - 20;
    it->dst.y = (int)(rnd() % (H + 40)) - 20;
    if (it->tex >= 0 && rnd() % 2) { /* unscaled */
        it->dst.w = 17 + it->tex * 23;
        it->dst.h = 11 + it->tex * 13;
    } else {
        it->dst.w = 1 + (int)(rnd() % 200);
        it->dst.h = 1 + (int)(rnd() % 120);
    }
    it->rgba = rnd() | (rnd() % 3 == 0 ? 0xFF : 0);
    if (it->tex >= 0 && rnd() % 2) it->rgba = 0xFFFFFFFFu;
    it->clip = (int)(rnd() % 4) - 2;
    if (it->clip < 0) it->clip = -1;
}

static size_t draw(struct side *sd, const struct item *items, size_t n)
{
    ui_damage_begin(sd->d);
    ui_damage_fill(sd->d, &(SDL_Rect){0, 0, W, H}, 0xF5F1EBFFu);
    for (size_t i = 0; i < n; i++) {
        const struct item *it = &items[i];
        ui_damage_clip(sd->d, it->clip < 0 ? NULL : &clips[it->clip]);
        if (it->tex < 0)
            ui_damage_fill(sd->d, &it->dst, it->rgba);
        else if (it->tex == NTEX + NMASK)
            ui_damage_surface(sd->d, solid, 7, it->dst.x, it->dst.y);
        else if (it->tex >= NTEX)
            ui_damage_mask(sd->d, masks[it->tex - NTEX], mask_w(it->tex - NTEX),
                           (uint32_t)it->tex, &it->dst, it->rgba);
        else
            ui_damage_copy(sd->d, sd->tex[it->tex], sd->serial[it->tex], &it->dst, it->rgba);
    }
    ui_damage_clip(sd->d, NULL);
    return ui_damage_flush(sd->d, NULL);
}

static bool same(const struct side *a, const struct side *b)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            Uint32 pa = ((Uint32 *)((Uint8 *)a->surf->pixels + y * a->surf->pitch))[x];
            Uint32 pb = ((Uint32 *)((Uint8 *)b->surf->pixels + y * b->surf->pitch))[x];
            if (pa != pb) {
                fprintf(stderr, "%s mode: (%d,%d) %08x != %08x\n",
                        surface_mode ? "surface" : "texture", x, y, pa, pb);
                return false;
            }
        }
    return true;
}

/* Rewrites texture i's pixels in place on both sides (same address). */
static void retint(struct side *a, struct side *b, int i, uint32_t v)
{
    int tw = 17 + i * 23, th = 11 + i * 13;
    Uint32 *px = malloc((size_t)tw * th * 4);
    for (int k = 0; k < tw * th; k++) px[k] = 0xFF000000u | (v * 2654435761u + (Uint32)k * 97u);
    SDL_UpdateTexture(a->tex[i], NULL, px, tw * 4);
    SDL_UpdateTexture(b->tex[i], NULL, px, tw * 4);
    a->serial[i]++;
    b->serial[i]++;
    free(px);
}

static void run_mode(void)
{
    struct side part, full;
    struct item items[NITEMS];
    size_t drawn_part = 0, drawn_full = 0, mismatch = 0;
    side_init(&part, true, part_helper_px);
    side_init(&full, false, 0);
    for (size_t i = 0; i < NITEMS; i++) random_item(&items[i]);

    /* the first frame is drawn whole; an identical frame draws nothing */
    CHECK(draw(&part, items, NITEMS) == (size_t)W * H);
    draw(&full, items, NITEMS);
    CHECK(same(&part, &full));
    CHECK(draw(&part, items, NITEMS) == 0);

    for (int f = 0; f < FRAMES; f++) {
        int changes = 1 + (int)(rnd() % 3);
        for (int c = 0; c < changes; c++) {
            struct item *it = &items[rnd() % NITEMS];
            switch (rnd() % 5) {
            case 0: random_item(it); break;
            case 1: it->dst.x += (int)(rnd() % 9) - 4; break;
            case 2: it->rgba ^= 0x10203000u; break;
            case 3: { /* swap draw order */
                struct item t = *it, *o = &items[rnd() % NITEMS];
                *it = *o;
                *o = t;
                break;
            }
            default: retint(&part, &full, 1 + (int)(rnd() % (NTEX - 1)), rnd()); break;
            }
        }
        if (f == FRAMES / 2) ui_damage_invalidate(part.d);
        {
            size_t px = draw(&part, items, NITEMS);
            if (f == FRAMES / 2) CHECK(px == (size_t)W * H);
            drawn_part += px;
        }
        drawn_full += draw(&full, items, NITEMS);
        if (!same(&part, &full) && mismatch++ < 3) fprintf(stderr, "frame %d differs\n", f);
    }
    CHECK(mismatch == 0);
    printf("damage (%s mode%s): %d frames, partial drew %.1f%% of the pixels of full redraws\n",
           surface_mode ? "surface" : "texture", part_helper_px ? ", two threads" : "", FRAMES,
           100.0 * (double)drawn_part / (double)drawn_full);
    CHECK(drawn_part * 2 < drawn_full);

    side_free(&part);
    side_free(&full);
}

int main(void)
{
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "SDL_Init: %s\n", SDL_GetError());
        return 1;
    }
    for (int i = 0; i < NMASK; i++)
        for (int k = 0; k < mask_w(i) * mask_h(i); k++)
            masks[i][k] = (uint8_t)(k % 7 == 0 ? 0 : k % 5 == 0 ? 255 : (k * 37 + i * 11) % 256);
    solid = SDL_CreateRGBSurfaceWithFormat(0, 57, 33, 32, SDL_PIXELFORMAT_RGB888);
    for (int y = 0; y < solid->h; y++)
        for (int x = 0; x < solid->w; x++)
            ((Uint32 *)((Uint8 *)solid->pixels + y * solid->pitch))[x] =
                (Uint32)(x * 4) << 16 | (Uint32)(y * 7) << 8 | 0x40;
    SDL_SetSurfaceBlendMode(solid, SDL_BLENDMODE_NONE);
    surface_mode = false;
    run_mode();
    surface_mode = true;
    run_mode();
    part_helper_px = 1;
    run_mode();
    SDL_FreeSurface(solid);
    SDL_Quit();
    return ktest_done("ui_damage");
}
