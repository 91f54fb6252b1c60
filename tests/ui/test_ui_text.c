/* ui_text: Chinese line-breaking rules, width limits, and "rasterised once":
 * a string drawn in many frames costs one rasterisation. Runs on SDL's dummy
 * video driver with the software renderer and the real UI font. */
#include <SDL.h>
#include <SDL_ttf.h>
#include <string.h>

#include "ktest.h"
#include "ui_text.h"
#include "utf8.h"

static struct ui_text *t;

/* Checks every line of text wrapped at w: fits (unless one glyph), does not
 * start with closing punctuation, does not end with opening punctuation. */
static void check_wrap(const char *text, int w, size_t min_lines)
{
    size_t starts[256];
    size_t n = ui_text_wrap(t, UI_F_BODY, text, w, starts, 256);
    size_t len = strlen(text);
    CHECK(n >= min_lines);
    for (size_t i = 0; i < n && i < 256; i++) {
        size_t end = i + 1 < n ? starts[i + 1] : len;
        char line[2048];
        const char *p = line;
        uint32_t first, last = 0, c;
        memcpy(line, text + starts[i], end - starts[i]);
        line[end - starts[i]] = 0;
        while (end > starts[i] && (line[end - starts[i] - 1] == ' ' || line[end - starts[i] - 1] == '\n'))
            line[--end - starts[i]] = 0;
        first = utf8_next(&p);
        p = line;
        while ((c = utf8_next(&p)) != 0) last = c;
        if (i > 0) CHECK(!ui_text_no_line_start(first));
        if (i + 1 < n) CHECK(!ui_text_no_line_end(last));
        if (utf8_count(line) > 1) CHECK(ui_text_width(t, UI_F_BODY, line) <= w);
    }
}

int main(void)
{
    SDL_Window *win;
    SDL_Renderer *r;
    struct ui_text_stats st;
    struct ui_text_tex tex, tex2;
    int em;

    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
    CHECK(SDL_Init(SDL_INIT_VIDEO) == 0);
    CHECK(TTF_Init() == 0);
    win = SDL_CreateWindow("t", 0, 0, 800, 600, 0);
    r = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    CHECK(r != NULL);
    CHECK(ui_text_create(r, NULL, 1.0f, &t) == KERR_OK);
    if (!t) return ktest_done("ui_text");

    em = ui_text_width(t, UI_F_BODY, "中");
    CHECK(em > 20 && em < 40);
    CHECK(ui_text_has_glyph(t, 0x5988)); /* 妈 */

    /* Punctuation that would start a line is pulled back with its
     * predecessor: at width 5 em, "一二三四五，六" must not put "，" first. */
    check_wrap("一二三四五，六七八九十。甲乙丙丁戊（己庚辛）壬癸", em * 5, 4);
    check_wrap("楼宇党建“把支部建在楼上”，让服务走进楼宇、走到企业身边；"
               "十分钟服务圈覆盖13幢楼宇、2400余家企业。",
               em * 7 + em / 2, 6);
    /* Latin words are kept whole; an over-long word is broken. */
    check_wrap("Huanglong business district service terminal for office towers", em * 6, 3);
    check_wrap("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", em * 4, 3);
    /* explicit newlines */
    {
        size_t starts[8];
        CHECK(ui_text_wrap(t, UI_F_BODY, "第一行\n第二行\n第三行", em * 20, starts, 8) == 3);
    }
    /* the rule tables */
    CHECK(ui_text_no_line_start(0xFF0C)); /* ， */
    CHECK(ui_text_no_line_start(0x3002)); /* 。 */
    CHECK(ui_text_no_line_start(0x300D)); /* 」 */
    CHECK(!ui_text_no_line_start(0x4E2D));
    CHECK(ui_text_no_line_end(0x300C)); /* 「 */
    CHECK(ui_text_no_line_end(0xFF08)); /* （ */

    /* Rasterised once: the same string fetched in 100 frames is one miss. */
    ui_text_stats(t, &st);
    {
        uint64_t misses0 = st.misses;
        for (int frame = 0; frame < 100; frame++) {
            ui_text_frame(t);
            CHECK(ui_text_get(t, UI_F_LARGE, "妈咪小屋", 0, 0x000000FFu, &tex));
        }
        ui_text_stats(t, &st);
        CHECK(st.misses == misses0 + 1);
        CHECK(st.hits >= 99);
        /* another colour or wrap width is another texture */
        CHECK(ui_text_get(t, UI_F_LARGE, "妈咪小屋", 0, 0xFFFFFFFFu, &tex2));
        ui_text_stats(t, &st);
        CHECK(st.misses == misses0 + 2);
        CHECK(tex.w == tex2.w && tex.h == tex2.h);
    }
    CHECK(!ui_text_get(t, UI_F_BODY, "", 0, 0xFFu, &tex));

    /* A budget far below the working set evicts but never the current frame. */
    ui_text_destroy(t);
    {
        struct ui_text_config cfg = {0};
        cfg.cache_bytes = 64 * 1024;
        CHECK(ui_text_create(r, &cfg, 1.0f, &t) == KERR_OK);
        for (int i = 0; i < 200; i++) {
            char s[32];
            snprintf(s, sizeof s, "第%d项服务", i);
            ui_text_frame(t);
            CHECK(ui_text_get(t, UI_F_BODY, s, 0, 0xFFu, &tex));
        }
        ui_text_stats(t, &st);
        CHECK(st.bytes <= 64 * 1024 + 64 * 1024 / 2);
        CHECK(st.entries < 200);
    }
    ui_text_destroy(t);
    SDL_DestroyRenderer(r);
    SDL_DestroyWindow(win);
    TTF_Quit();
    SDL_Quit();
    return ktest_done("ui_text");
}
