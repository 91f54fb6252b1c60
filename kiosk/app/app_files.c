/* What the app reads and writes on disk: the state folder (and its removal
 * when it was a throw-away one), the content bundle with its last good copy,
 * screenshots, images. Nothing here draws. */
#define _GNU_SOURCE
#include <SDL_image.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app_impl.h"
#include "contentcheck.h"
#include "geomap.h"
#include "klog.h"
#include "walk.h"

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static enum kerr mkdir_p(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return KERR_IO;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return KERR_IO;
    return KERR_OK;
}

enum kerr app_files_state_dir(struct app *a)
{
    if (a->cfg.state_dir[0]) {
        snprintf(a->state_dir, sizeof a->state_dir, "%s", a->cfg.state_dir);
    } else if (a->opt.headless) {
        /* Tests and tours leave nothing behind. */
        snprintf(a->state_dir, sizeof a->state_dir, "/tmp/kiosk-state-XXXXXX");
        if (!mkdtemp(a->state_dir)) return KERR_IO;
        a->temp_state = true;
        return KERR_OK;
    } else {
        const char *home = getenv("HOME");
        snprintf(a->state_dir, sizeof a->state_dir, "%s/.local/state/huanglong-kiosk",
                 home ? home : "/tmp");
    }
    return mkdir_p(a->state_dir);
}

void app_files_remove_state(struct app *a)
{
    if (a->temp_state) nftw(a->state_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void app_files_load_content(struct app *a)
{
    char last_good[1100];
    struct content_report *rep = calloc(1, sizeof *rep);
    enum kerr rc;
    uint64_t t = app_mono_us();
    if (!rep) return;
    if (app_content_load_pushed(a)) { /* a signed bundle pushed by the hub */
        free(rep);
        return;
    }
    content_report_init(rep);
    snprintf(last_good, sizeof last_good, "%s/content-last-good", a->state_dir);
    /* A throw-away state folder (headless runs) keeps no last good copy. */
    rc = content_load_safe(a->cfg.content_dir, a->temp_state ? NULL : last_good, content_check_deep,
                           a->cfg.font[0] ? a->cfg.font : NULL, &a->content, rep);
    if (rc != KERR_OK || !a->content) {
        snprintf(a->content_error, sizeof a->content_error, "%s",
                 rep->count ? rep->lines[0] : kerr_str(rc));
        KLOGE("app", "no valid content bundle (%s): %s", a->cfg.content_dir, a->content_error);
    } else {
        if (content_report_total(rep) > 0)
            snprintf(a->content_error, sizeof a->content_error, "%s", rep->lines[0]);
        KLOGI("app", "content %s (%zu services, %zu notices) loaded in %.1f ms",
              a->content->version, a->content->n_services, a->content->n_notices,
              (app_mono_us() - t) / 1000.0);
    }
    free(rep);
}

void app_files_load_map(struct app *a)
{
    struct content_report *rep = calloc(1, sizeof *rep);
    uint64_t t = app_mono_us();
    char why[CONTENT_REPORT_LINE] = "";
    enum kerr e = KERR_NOMEM;
    if (rep && a->content) {
        content_report_init(rep);
        e = geomap_load(a->content->dir, a->content, &a->map, rep);
        if (e == KERR_OK) e = walk_build(a->map, &a->walk_graph, rep);
        if (e == KERR_OK) {
            e = walk_create(a->content, a->walk_graph, a->cfg.tower_id, a->cfg.entrance, false,
                            &a->walk, why, sizeof why);
            if (e == KERR_INVALID) { /* a tower or door not on the map: list, without times */
                KLOGW("app", "service circle without a location: %s", why);
                why[0] = 0;
                e = walk_create(a->content, a->walk_graph, NULL, NULL, false, &a->walk, why,
                                sizeof why);
            }
        }
        if (e != KERR_OK && !why[0] && rep->count) snprintf(why, sizeof why, "%s", rep->lines[0]);
    }
    free(rep);
    if (e == KERR_OK)
        KLOGI("app", "map: %zu nodes, service circle from %s ready in %.1f ms",
              a->walk_graph->n_nodes, walk_has_here(a->walk) ? a->cfg.tower_id : "nowhere (no tower_id)",
              (app_mono_us() - t) / 1000.0);
    else
        KLOGW("app", "no service circle map: %s", why[0] ? why : kerr_str(e));
}

enum kerr app_files_save_screen(struct app *a, const char *path)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, a->pw, a->ph, 32, SDL_PIXELFORMAT_ARGB8888);
    enum kerr rc = KERR_IO;
    if (s && SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) == 0 &&
        IMG_SavePNG(s, path) == 0)
        rc = KERR_OK;
    else
        KLOGE("app", "screenshot %s failed: %s", path, SDL_GetError());
    SDL_FreeSurface(s);
    return rc;
}

SDL_Texture *app_load_texture(struct app *a, const char *path, int *w, int *h)
{
    SDL_Texture *t;
    KASSERT_OWNER(&a->owner);
    t = IMG_LoadTexture(a->ren, path);
    if (!t) {
        KLOGW("app", "cannot load image %s: %s", path, IMG_GetError());
        return NULL;
    }
    SDL_QueryTexture(t, NULL, NULL, w, h);
    return t;
}
