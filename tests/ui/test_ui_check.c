/* ui_check_fails_low_contrast_small_targets_and_clipping: the legibility
 * checks (ui_check.h) on frames drawn by the real toolkit. The WCAG
 * arithmetic against known values; a frame of good texts and targets
 * passes; a deliberately low-contrast colour, a target under 64 px, a text
 * cut short, a text past the screen's edge and two overlapping texts each
 * make it fail; a modal dialog over the page passes (its scrim dims the
 * page's texts) but a text over the dialog's own still fails; elder mode raises the bar (7:1, 96 px, 34 px text) and its
 * theme carries the standard colours over it; the keyboard's keys read
 * Delete / Clear / Space in English. Software renderer, masks, as on the
 * kiosk. */
#include <SDL2/SDL.h>
#include <SDL2/SDL_ttf.h>
#include <math.h>
#include <string.h>

#include "ktest.h"
#include "ui.h"
#include "ui_check.h"
#include "ui_contrast.h"
#include "ui_text.h"

#define W 1920
#define H 1080

enum bad { GOOD, LOW_CONTRAST, SMALL_TARGET, CUT, OFF_SCREEN, OVERLAP, MODAL, MODAL_OVERLAP };

static void frame(struct ui *ui, uint64_t now, enum bad bad)
{
    ui_begin(ui, now);
    ui_fill(ui, (struct ui_rect){0, 0, W, 120}, UI_C_RED);
    ui_label(ui, 40, 30, "返回", UI_F_LARGE, UI_C_WHITE, UI_LEFT);
    ui_label(ui, 100, 200, "服务查询", UI_F_TITLE, UI_C_TEXT, UI_LEFT);
    ui_paragraph(ui, 100, 300, 1200, "楼宇里的企业遇到政策、法律、人才方面的问题，可以先查一查。",
                 UI_F_BODY, UI_C_MUTED);
    ui_button(ui, (struct ui_rect){100, 500, 400, 120}, "下一步", UI_PRIMARY);
    ui_button(ui, (struct ui_rect){600, 500, 400, 120}, "手动填写", UI_SECONDARY);
    switch (bad) {
    case GOOD:
        break;
    case LOW_CONTRAST: /* light grey on the paper */
        ui_label(ui, 100, 700, "示例数据", UI_F_BODY, 0xB8B2ACFFu, UI_LEFT);
        break;
    case SMALL_TARGET:
        ui_button(ui, (struct ui_rect){1100, 500, 60, 60}, "×", UI_KEY);
        break;
    case CUT:
        ui_label_in(ui, (struct ui_rect){100, 700, 200, 60}, "商圈党员服务中心（示例楼宇A）",
                    UI_F_BODY, UI_C_TEXT, UI_LEFT);
        break;
    case OFF_SCREEN:
        ui_label(ui, W - 100, 700, "十分钟服务圈", UI_F_BODY, UI_C_TEXT, UI_LEFT);
        break;
    case OVERLAP:
        ui_label(ui, 120, 210, "关于黄龙", UI_F_TITLE, UI_C_TEXT, UI_LEFT);
        break;
    case MODAL: /* a dialog over the screen's texts: the scrim covers them */
    case MODAL_OVERLAP: {
        const char *b[2] = {"取消", "确认"};
        ui_modal(ui, "重启终端程序？", "程序将退出，由系统在数秒内自动重新启动。", b, 2);
        /* a text drawn over the dialog's own title still overlaps */
        if (bad == MODAL_OVERLAP)
            ui_label(ui, (W - 1000) / 2 + 70, (H - 480) / 2 + 60, "关于黄龙", UI_F_TITLE,
                     UI_C_TEXT, UI_LEFT);
        break;
    }
    }
    ui_end(ui);
}

static bool check(struct ui *ui, struct ui_check_report *r)
{
    struct ui_check_limits lim;
    ui_check_limits(ui, &lim);
    return ui_check_frame(ui, &lim, r);
}

int main(void)
{
    SDL_Window *win;
    SDL_Renderer *ren;
    struct ui_text *t = NULL;
    struct ui *ui = NULL;
    struct ui_check_report rep;
    float cx, cy;

    /* WCAG 2: black on white 21:1, #777 on white 4.48:1, white on the Party red 6.6:1 */
    CHECK(fabs(ui_contrast_ratio(0x000000FFu, 0xFFFFFFFFu) - 21.0) < 0.01);
    CHECK(fabs(ui_contrast_ratio(0x777777FFu, 0xFFFFFFFFu) - 4.48) < 0.01);
    CHECK(fabs(ui_contrast_ratio(UI_C_WHITE, UI_C_RED) - 6.62) < 0.05);
    CHECK(ui_blend(0xFFFFFF80u, 0x000000FFu) == 0x808080FFu);
    /* the elder theme: every standard pair reaches 7:1 */
    CHECK(ui_contrast_ratio(ui_elder_text(UI_C_WHITE), ui_elder_fill(UI_C_RED)) >= 7);
    CHECK(ui_contrast_ratio(ui_elder_text(UI_C_MUTED), ui_elder_fill(UI_C_BG)) >= 7);
    CHECK(ui_contrast_ratio(ui_elder_text(UI_C_RED), ui_elder_fill(UI_C_SURFACE)) >= 7);
    CHECK(ui_contrast_ratio(ui_elder_text(0xF8D58CFFu), ui_elder_fill(UI_C_RED_DARK)) >= 7);
    CHECK(ui_elder_text(ui_elder_text(UI_C_MUTED)) == ui_elder_text(UI_C_MUTED));
    /* the darker of two dark fills stays darker */
    CHECK(ui_luminance(ui_elder_fill(UI_C_RED_DARK)) < ui_luminance(ui_elder_fill(UI_C_RED)));

    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
    CHECK(SDL_Init(SDL_INIT_VIDEO) == 0);
    CHECK(TTF_Init() == 0);
    win = SDL_CreateWindow("t", 0, 0, W, H, 0);
    ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    CHECK(ren != NULL);
    CHECK(ui_text_create(ren, NULL, 1.0f, &t) == KERR_OK);
    if (!t) return ktest_done("ui_check");
    ui_text_use_masks(t, true);
    CHECK(ui_create(ren, t, W, H, &ui) == KERR_OK);
    if (!ui) return ktest_done("ui_check");
    ui_set_checks(ui, true);

    frame(ui, 10, GOOD);
    CHECK(check(ui, &rep));
    CHECK(rep.texts == 5 && rep.texts_no_bg == 0 && rep.targets == 2);
    /* the muted paragraph on the paper, 6.3:1 (white on the red bar is 6.6:1) */
    CHECK(rep.worst_contrast >= 4.5 && rep.worst_contrast < 7);
    CHECK(strncmp(rep.worst_text, "楼宇里", strlen("楼宇里")) == 0);
    CHECK(rep.small_w == 400 && rep.small_h == 120);

    frame(ui, 20, LOW_CONTRAST);
    CHECK(!check(ui, &rep));
    CHECK(rep.low_contrast == 1 && rep.failures == 1);
    CHECK_STR(rep.worst_text, "示例数据");
    CHECK(rep.worst_contrast < 2.5);
    CHECK(strstr(rep.first, "示例数据") != NULL);

    frame(ui, 30, SMALL_TARGET);
    CHECK(!check(ui, &rep));
    CHECK(rep.small_targets == 1 && rep.small_w == 60);
    CHECK_STR(rep.small_label, "×");

    frame(ui, 40, CUT);
    CHECK(!check(ui, &rep));
    CHECK(rep.cut == 1);

    frame(ui, 50, OFF_SCREEN);
    CHECK(!check(ui, &rep));
    CHECK(rep.outside == 1);

    frame(ui, 60, OVERLAP);
    CHECK(!check(ui, &rep));
    CHECK(rep.overlaps == 1);

    /* a modal dialog over the page: what its scrim dims (the page's texts
     * under the panel) is not read, the dialog's own texts are */
    frame(ui, 62, MODAL);
    CHECK(check(ui, &rep));
    CHECK(rep.overlaps == 0 && rep.texts == 5 + 4);
    frame(ui, 64, MODAL_OVERLAP);
    CHECK(!check(ui, &rep));
    CHECK(rep.overlaps >= 1);

    /* Elder mode: the same good frame in the elder theme passes 7:1 and
     * 34 px text, but its standard-size targets are under 96 px... */
    ui_set_elder(ui, true);
    CHECK(ui_elder(ui) && ui_min_target(ui) == 96);
    CHECK(ui_text_font_px(t, UI_F_SMALL) == 34 && ui_text_font_px(t, UI_F_TITLE) == 70);
    frame(ui, 70, GOOD);
    CHECK(check(ui, &rep));
    CHECK(rep.worst_contrast >= 7);
    CHECK(rep.min_font_px >= 34);
    frame(ui, 80, SMALL_TARGET);
    CHECK(!check(ui, &rep));
    CHECK(rep.small_targets == 1);
    ui_set_elder(ui, false);
    CHECK(ui_text_font_px(t, UI_F_SMALL) == 24);

    /* The keyboard's named keys in the language of the session. */
    ui_begin(ui, 90);
    {
        struct ui_key k;
        ui_keyboard(ui, (struct ui_rect){700, 500, 1100, ui_keyboard_height(ui, UI_KBD_LETTERS, 1100)},
                    UI_KBD_LETTERS, &k);
    }
    ui_end(ui);
    CHECK(ui_find_widget(ui, "删除", &cx, &cy) && ui_find_widget(ui, "空格", &cx, &cy));
    CHECK(check(ui, &rep)); /* key labels on their keys are checked too */
    ui_set_english(ui, true);
    ui_begin(ui, 100);
    {
        struct ui_key k;
        ui_keyboard(ui, (struct ui_rect){700, 500, 1100, ui_keyboard_height(ui, UI_KBD_LETTERS, 1100)},
                    UI_KBD_LETTERS, &k);
    }
    ui_end(ui);
    CHECK(ui_find_widget(ui, "Delete", &cx, &cy) && ui_find_widget(ui, "Clear", &cx, &cy) &&
          ui_find_widget(ui, "Space", &cx, &cy));
    CHECK(!ui_find_widget(ui, "删除", &cx, &cy));
    CHECK(!ui_text_visible(ui, "Delete")); /* keys are not texts on the screen for scripts */
    CHECK_STR(ui_key_label(ui, UI_KEY_SPACE), "Space");

    ui_destroy(ui);
    ui_text_destroy(t);
    SDL_DestroyRenderer(ren);
    SDL_DestroyWindow(win);
    TTF_Quit();
    SDL_Quit();
    return ktest_done("ui_check");
}
