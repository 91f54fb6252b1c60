/* ui_warm_pass_leaves_the_screen_alone: a warm-up pass (ui_warm_begin/end)
 * between two frames composes its texts into the cache and changes nothing
 * else (it may bake a keyboard into its slot): the pixels on screen, the
 * widgets and texts scripts see, and a pending tap are as they were; a later frame that shows
 * the warmed text composes nothing new; and no warm pass starts while a
 * finger is down. Software renderer, masks, as on the kiosk. */
#include <SDL2/SDL.h>
#include <SDL2/SDL_ttf.h>
#include <string.h>

#include "ktest.h"
#include "ui.h"
#include "ui_text.h"

#define W 1920
#define H 1080

static const char *const warm_para =
    "楼宇里的企业遇到政策、法律、人才方面的问题，可以在这里先查一查，再提交求助。";

static void frame_a(struct ui *ui, uint64_t now, bool *tapped)
{
    ui_begin(ui, now);
    ui_label(ui, 100, 100, "首页", UI_F_TITLE, UI_C_TEXT, UI_LEFT);
    if (ui_button(ui, (struct ui_rect){100, 300, 400, 120}, "服务查询", UI_PRIMARY) && tapped)
        *tapped = true;
    ui_end(ui);
}

static void warm_b(struct ui *ui)
{
    ui_label(ui, 200, 200, "关于黄龙", UI_F_TITLE, UI_C_TEXT, UI_LEFT);
    ui_paragraph(ui, 200, 300, 1200, warm_para, UI_F_BODY, UI_C_TEXT);
    /* a button at the same place as frame A's: its tap must not be taken */
    ui_button(ui, (struct ui_rect){100, 300, 400, 120}, "服务查询", UI_PRIMARY);
    {
        struct ui_key k;
        ui_keyboard(ui, (struct ui_rect){700, 560, 1100, ui_keyboard_height(ui, UI_KBD_LETTERS, 1100)},
                    UI_KBD_LETTERS, &k);
    }
}

static Uint32 sum_pixels(SDL_Surface *s)
{
    Uint32 h = 2166136261u;
    for (int y = 0; y < s->h; y++) {
        const Uint8 *row = (const Uint8 *)s->pixels + y * s->pitch;
        for (int x = 0; x < s->w * 4; x++) h = (h ^ row[x]) * 16777619u;
    }
    return h;
}

int main(void)
{
    SDL_Window *win;
    SDL_Renderer *r;
    struct ui_text *t = NULL;
    struct ui *ui = NULL;
    struct ui_text_stats before, after;
    bool tapped = false;
    float cx, cy;
    Uint32 px;

    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
    CHECK(SDL_Init(SDL_INIT_VIDEO) == 0);
    CHECK(TTF_Init() == 0);
    win = SDL_CreateWindow("t", 0, 0, W, H, 0);
    r = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    CHECK(r != NULL);
    CHECK(ui_text_create(r, NULL, 1.0f, &t) == KERR_OK);
    if (!t) return ktest_done("ui_warm");
    ui_text_use_masks(t, true);
    CHECK(ui_create(r, t, W, H, &ui) == KERR_OK);
    if (!ui) return ktest_done("ui_warm");

    frame_a(ui, 10, &tapped);
    SDL_RenderPresent(r);
    px = sum_pixels(SDL_GetWindowSurface(win));
    CHECK(ui_text_visible(ui, "首页"));

    /* A tap on 服务查询 is pending when the warm pass runs. */
    CHECK(ui_find_widget(ui, "服务查询", &cx, &cy));
    ui_pointer_down(ui, cx * ui_scale(ui), cy * ui_scale(ui), 20);
    CHECK(!ui_warm_begin(ui)); /* a finger is down: no warm pass */
    ui_pointer_up(ui, cx * ui_scale(ui), cy * ui_scale(ui), 30);
    CHECK(ui_click_pending(ui));

    ui_text_stats(t, &before);
    CHECK(ui_warm_begin(ui));
    warm_b(ui);
    ui_warm_end(ui);
    ui_text_stats(t, &after);
    CHECK(after.misses > before.misses); /* the warm texts were composed */

    /* Nothing else changed: pixels, what scripts see, the pending tap. */
    CHECK(sum_pixels(SDL_GetWindowSurface(win)) == px);
    CHECK(ui_text_visible(ui, "首页"));
    CHECK(!ui_text_visible(ui, "关于黄龙"));
    CHECK(!ui_text_visible(ui, "楼宇里的企业"));
    CHECK(!ui_find_widget(ui, "删除", &cx, &cy)); /* the warm keyboard's keys */
    CHECK(ui_click_pending(ui));
    frame_a(ui, 40, &tapped);
    CHECK(tapped); /* the tap went to frame A's button, not the warm one */

    /* A real frame showing the warmed texts composes nothing new. */
    ui_text_stats(t, &before);
    ui_begin(ui, 50);
    warm_b(ui);
    ui_end(ui);
    SDL_RenderPresent(r);
    ui_text_stats(t, &after);
    CHECK(after.misses == before.misses);
    CHECK(ui_text_visible(ui, "关于黄龙"));
    CHECK(ui_find_widget(ui, "删除", &cx, &cy));

    ui_destroy(ui);
    ui_text_destroy(t);
    SDL_DestroyRenderer(r);
    SDL_DestroyWindow(win);
    TTF_Quit();
    SDL_Quit();
    return ktest_done("ui_warm");
}
