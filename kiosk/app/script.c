#include "script.h"

#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "kclock.h"
#include "ui_check.h"
#include "utf8.h"

#define MAX_SCRIPT_BYTES (1024 * 1024)
#define TAP_HOLD_MS 80

/* Reads one token: a "quoted string" (with \" and \\) or a bare word.
 * Returns a pointer past it, or NULL on a syntax error. */
static const char *token(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) p++;
            if (n + 1 < cap) out[n++] = *p;
            p++;
        }
        if (*p != '"') return NULL;
        p++;
    } else {
        while (*p && *p != ' ' && *p != '\t') {
            if (n + 1 < cap) out[n++] = *p;
            p++;
        }
    }
    out[n] = 0;
    return p;
}

static int parse_ints(const char *p, long *v, int n)
{
    for (int i = 0; i < n; i++) {
        char buf[32], *end;
        p = token(p, buf, sizeof buf);
        if (!p || !buf[0]) return 0;
        errno = 0;
        v[i] = strtol(buf, &end, 10);
        if (*end || errno) return 0;
    }
    while (*p == ' ' || *p == '\t') p++;
    return *p == 0;
}

static void inject_mouse(struct app *a, Uint32 type, float lx, float ly)
{
    SDL_Event e;
    float s = ui_scale(app_ui(a));
    memset(&e, 0, sizeof e);
    e.type = type;
    if (type == SDL_MOUSEMOTION) {
        e.motion.x = (int)(lx * s);
        e.motion.y = (int)(ly * s);
        e.motion.state = SDL_BUTTON_LMASK;
    } else {
        e.button.button = SDL_BUTTON_LEFT;
        e.button.x = (int)(lx * s);
        e.button.y = (int)(ly * s);
    }
    app_handle_event(a, &e);
}

static void inject_finger(struct app *a, Uint32 type, float lx, float ly)
{
    SDL_Event e;
    int w, h;
    float s = ui_scale(app_ui(a));
    app_size(a, &w, &h);
    memset(&e, 0, sizeof e);
    e.type = type;
    e.tfinger.fingerId = 1;
    e.tfinger.x = lx * s / (float)w;
    e.tfinger.y = ly * s / (float)h;
    app_handle_event(a, &e);
}

/* A two-finger gesture event centred at (lx, ly) logical whose distance
 * between the fingers changed by d_dist (normalised, as SDL reports it). */
static void inject_pinch(struct app *a, float lx, float ly, float d_dist)
{
    SDL_Event e;
    int w, h;
    float s = ui_scale(app_ui(a));
    app_size(a, &w, &h);
    memset(&e, 0, sizeof e);
    e.type = SDL_MULTIGESTURE;
    e.mgesture.numFingers = 2;
    e.mgesture.dDist = d_dist;
    e.mgesture.x = lx * s / (float)w;
    e.mgesture.y = ly * s / (float)h;
    app_handle_event(a, &e);
}

static void tap_at(struct app *a, float x, float y)
{
    inject_mouse(a, SDL_MOUSEBUTTONDOWN, x, y);
    app_settle(a);
    app_advance(a, TAP_HOLD_MS);
    inject_mouse(a, SDL_MOUSEBUTTONUP, x, y);
    app_settle(a);
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double pct(double *v, size_t n, double p)
{
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return v[(size_t)(p * (double)(n - 1) + 0.5)];
}

/* The step bench_voice N: on the screen shown, N taps on the widget
 * labelled key (a keyboard key: it answers and opens nothing), each read
 * out; prints the time from the tap's press to the first non-silent sample
 * the audio callback took, and the frames' p50/p99/max while speaking, then
 * for the same taps with the voice off. Real time: 300 ms between taps;
 * 10 taps first to warm up, not counted. */
static bool bench_voice(struct app *a, const char *key, long n, char *why, size_t whysz)
{
    double *lat = calloc((size_t)n, sizeof *lat);
    size_t nl = 0;
    float cx, cy;
    if (!lat) return false;
    /* pass 0 warms up (the screen's first answers, the voice's first prompts),
     * uncounted; pass 1 speaks; pass 2 is the same taps silent */
    for (int pass = 0; pass < 3; pass++) {
        const struct app_stats *st;
        long taps = pass == 0 ? (n < 10 ? n : 10) : n;
        if (pass == 2 && app_voice_on(a)) app_toggle_voice(a);
        app_settle(a);
        app_stats_record(a, true);
        for (long i = 0; i < taps; i++) {
            uint64_t t0, heard = 0, seq_before = app_voice_last(a);
            if (!ui_find_widget(app_ui(a), key, &cx, &cy)) {
                snprintf(why, whysz, "no visible widget labelled \"%s\"", key);
                free(lat);
                return false;
            }
            t0 = mono_us();
            tap_at(a, cx, cy);
            while (pass < 2 && mono_us() - t0 < 2000000u) {
                uint64_t seq = app_voice_last(a);
                if (seq != seq_before && (heard = app_voice_heard_us(a, seq)) != 0) break;
                usleep(500);
            }
            if (pass == 1 && heard) lat[nl++] = (double)(heard - t0) / 1000.0;
            while (mono_us() - t0 < 300000u) usleep(2000);
        }
        st = app_stats(a);
        if (pass > 0) {
            double *v = malloc((st->n_frame_ms + 1) * sizeof *v);
            if (v) {
                memcpy(v, st->frame_ms, st->n_frame_ms * sizeof *v);
                double p50 = pct(v, st->n_frame_ms, 0.5), p99 = pct(v, st->n_frame_ms, 0.99);
                printf("bench voice_frames_%s frames=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
                       pass == 1 ? "speaking" : "silent", st->n_frame_ms, p50, p99,
                       st->n_frame_ms ? v[st->n_frame_ms - 1] : 0.0);
                free(v);
            }
        }
        app_stats_record(a, false);
    }
    {
        double mx = 0;
        for (size_t i = 0; i < nl; i++) mx = lat[i] > mx ? lat[i] : mx;
        printf("bench voice_tap_to_speech taps=%ld heard=%zu p50_ms=%.1f p95_ms=%.1f max_ms=%.1f\n", n,
               nl, pct(lat, nl, 0.5), pct(lat, nl, 0.95), mx);
    }
    free(lat);
    if (!nl) snprintf(why, whysz, "no tap was heard (is the voice on and ready?)");
    return nl > 0;
}

static void print_visible(const char *t, void *ud)
{
    FILE *out = ud;
    fprintf(out, "        | %s\n", t);
}

static void explain(struct app *a, FILE *out)
{
    fprintf(out, "        screen: %s; visible texts:\n", app_screen_id(a));
    ui_each_text(app_ui(a), print_visible, out);
}

/* The legibility checks (ui_check.h) of the frame on screen: one line of
 * figures on stdout; false with the first failure in why. */
static bool check_frame(struct app *a, const char *what, char *why, size_t whysz)
{
    struct ui *ui = app_ui(a);
    struct ui_check_limits lim;
    struct ui_check_report r;
    bool ok;
    ui_check_limits(ui, &lim);
    ok = ui_check_frame(ui, &lim, &r);
    printf("a11y %s %s %s %s: worst contrast %.2f:1 (\"%s\" #%06X on #%06X), smallest target "
           "%.0fx%.0f (\"%s\"), smallest text %d px, %zu texts (%zu over images), %zu targets: "
           "%s\n",
           app_screen_id(a), ui_portrait(ui) ? "portrait" : "landscape",
           app_lang(a) == CONTENT_EN ? "en" : "zh", ui_elder(ui) ? "elder" : "standard",
           r.worst_contrast, r.worst_text, (unsigned)(r.worst_fg >> 8),
           (unsigned)(r.worst_bg >> 8), r.small_w, r.small_h, r.small_label, r.min_font_px,
           r.texts, r.texts_no_bg, r.targets, ok ? "ok" : "FAIL");
    if (!ok)
        snprintf(why, whysz, "%s: %zu legibility failures (%zu contrast, %zu targets, %zu fonts, "
                 "%zu cut, %zu clipped, %zu overlaps); first: %s",
                 what, r.failures, r.low_contrast, r.small_targets, r.small_fonts, r.cut,
                 r.outside, r.overlaps, r.first);
    return ok;
}

static int run_step(struct app *a, const char *line, const char *shots_dir, char *why,
                    size_t whysz)
{
    char cmd[32], arg[1024];
    const char *p = token(line, cmd, sizeof cmd);
    float cx, cy;
    if (!p) return 2;

    if (strcmp(cmd, "wait_for") == 0) {
        /* Real time, for what the network does (the hub answering): the
         * virtual clock stands still meanwhile. */
        long v[1];
        uint64_t t0 = kclock_mono_ms();
        p = token(p, arg, sizeof arg);
        if (!p || !arg[0] || !parse_ints(p, v, 1) || v[0] < 0) return 2;
        for (;;) {
            app_settle(a);
            if (ui_text_visible(app_ui(a), arg)) return 0;
            if (kclock_mono_ms() - t0 >= (uint64_t)v[0]) {
                snprintf(why, whysz, "\"%s\" did not appear within %ld ms", arg, v[0]);
                return 1;
            }
            usleep(20000);
        }
    }
    if (strcmp(cmd, "wait_content") == 0) {
        /* Real time: until the sender installed a new content bundle (it
         * is shown at the next idle moment). */
        long v[1];
        uint64_t t0 = kclock_mono_ms();
        if (!parse_ints(p, v, 1) || v[0] < 0) return 2;
        for (;;) {
            app_settle(a);
            if (app_content_take_arrival(a)) return 0;
            if (kclock_mono_ms() - t0 >= (uint64_t)v[0]) {
                snprintf(why, whysz, "no new content bundle within %ld ms", v[0]);
                return 1;
            }
            usleep(20000);
        }
    }
    if (strcmp(cmd, "tap") == 0 || strcmp(cmd, "expect_text") == 0 ||
        strcmp(cmd, "expect_no_text") == 0 || strcmp(cmd, "type") == 0 ||
        strcmp(cmd, "expect_screen") == 0 || strcmp(cmd, "screenshot") == 0 ||
        strcmp(cmd, "expect_speech") == 0 || strcmp(cmd, "expect_speech_cut") == 0) {
        p = token(p, arg, sizeof arg);
        if (!p || !arg[0]) return 2;
        while (*p == ' ' || *p == '\t') p++;
        if (*p) return 2;
    }
    app_ime_settle(a); /* the pinyin engine's answers are part of the screen */
    if (strcmp(cmd, "tap") == 0) {
        if (!ui_find_widget(app_ui(a), arg, &cx, &cy)) {
            snprintf(why, whysz, "no visible widget labelled \"%s\"", arg);
            return 1;
        }
        tap_at(a, cx, cy);
    } else if (strcmp(cmd, "tap_at") == 0) {
        long v[2];
        if (!parse_ints(p, v, 2)) return 2;
        tap_at(a, (float)v[0], (float)v[1]);
    } else if (strcmp(cmd, "drag") == 0) {
        long v[5];
        int steps;
        if (!parse_ints(p, v, 5) || v[4] < 0) return 2;
        steps = (int)(v[4] / 16);
        if (steps < 2) steps = 2;
        inject_finger(a, SDL_FINGERDOWN, (float)v[0], (float)v[1]);
        app_settle(a);
        for (int i = 1; i <= steps; i++) {
            float t = (float)i / (float)steps;
            app_advance(a, (uint64_t)(v[4] / steps));
            inject_finger(a, SDL_FINGERMOTION, v[0] + (v[2] - v[0]) * t, v[1] + (v[3] - v[1]) * t);
            app_settle(a);
        }
        inject_finger(a, SDL_FINGERUP, (float)v[2], (float)v[3]);
        app_settle(a);
    } else if (strcmp(cmd, "pinch") == 0) {
        /* two fingers: one held at X Y, the other spreading (SCALE > 1,
         * zoom in) or closing (< 1) over MS, as SDL reports it: a
         * multi-gesture event per 16 ms whose distance changes add up to
         * the scale (the shell reads a factor of exp(4 * dDist)) */
        char t[4][32], *end[4];
        long v[2], ms;
        double scale;
        int steps;
        for (int k = 0; k < 4; k++) {
            p = token(p, t[k], sizeof t[k]);
            if (!p || !t[k][0]) return 2;
        }
        while (*p == ' ' || *p == '\t') p++;
        if (*p) return 2;
        errno = 0;
        v[0] = strtol(t[0], &end[0], 10);
        v[1] = strtol(t[1], &end[1], 10);
        scale = strtod(t[2], &end[2]);
        ms = strtol(t[3], &end[3], 10);
        if (errno || *end[0] || *end[1] || *end[2] || *end[3] || ms < 0 ||
            !(scale >= 0.05 && scale <= 20))
            return 2;
        steps = (int)(ms / 16);
        if (steps < 2) steps = 2;
        inject_finger(a, SDL_FINGERDOWN, (float)v[0], (float)v[1]);
        app_settle(a);
        for (int i = 1; i <= steps; i++) {
            app_advance(a, (uint64_t)(ms / steps));
            inject_pinch(a, (float)v[0], (float)v[1], (float)(log(scale) / 4.0 / steps));
            app_settle(a);
        }
        inject_finger(a, SDL_FINGERUP, (float)v[0], (float)v[1]);
        app_settle(a);
    } else if (strcmp(cmd, "type") == 0) {
        const char *s = arg;
        uint32_t c;
        while ((c = utf8_next(&s)) != 0) {
            char key[8];
            size_t n = utf8_encode(c, key);
            key[n] = 0;
            if (c == ' ') snprintf(key, sizeof key, "%s", ui_key_label(app_ui(a), UI_KEY_SPACE));
            app_ime_settle(a); /* the previous key answered first */
            if (!ui_find_widget(app_ui(a), key, &cx, &cy)) {
                snprintf(why, whysz, "the keyboard shows no key \"%s\"", key);
                return 1;
            }
            tap_at(a, cx, cy);
        }
    } else if (strcmp(cmd, "hold") == 0) {
        /* a finger held MS milliseconds at X Y, then lifted (the admin
         * panel's hidden gesture is a 5 s hold in the top-left corner) */
        long v[3];
        if (!parse_ints(p, v, 3) || v[2] < 0) return 2;
        inject_finger(a, SDL_FINGERDOWN, (float)v[0], (float)v[1]);
        app_settle(a);
        app_advance(a, (uint64_t)v[2]);
        inject_finger(a, SDL_FINGERUP, (float)v[0], (float)v[1]);
        app_settle(a);
    } else if (strcmp(cmd, "clock") == 0) {
        /* virtual time runs on to the next HH:MM of the wall clock (today
         * or tomorrow), firing every timer on the way (the screen schedule) */
        char hm[16];
        int h, m;
        char extra;
        int64_t now_s = app_wall_s(a), target;
        time_t tt = (time_t)now_s;
        struct tm tm;
        p = token(p, hm, sizeof hm);
        if (!p || sscanf(hm, "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
            return 2;
        while (*p == ' ' || *p == '\t') p++;
        if (*p) return 2;
        localtime_r(&tt, &tm);
        tm.tm_hour = h;
        tm.tm_min = m;
        tm.tm_sec = 0;
        tm.tm_isdst = -1;
        target = (int64_t)mktime(&tm);
        if (target <= now_s) {
            tm.tm_mday++;
            tm.tm_isdst = -1;
            target = (int64_t)mktime(&tm);
        }
        app_advance(a, (uint64_t)(target - now_s) * 1000u);
    } else if (strcmp(cmd, "expect_dark") == 0 || strcmp(cmd, "expect_lit") == 0) {
        bool want = strcmp(cmd, "expect_dark") == 0;
        while (*p == ' ' || *p == '\t') p++;
        if (*p) return 2;
        app_settle(a);
        if (app_screen_dark(a) != want) {
            snprintf(why, whysz, "the screen is %s", want ? "lit, not dark" : "dark, not lit");
            return 1;
        }
    } else if (strcmp(cmd, "warm") == 0) {
        /* The idle warm-up of start-up, run to its end (virtual time never
         * idles, so scripts otherwise never see it). */
        while (*p == ' ' || *p == '\t') p++;
        if (*p) return 2;
        app_warm_finish(a);
    } else if (strcmp(cmd, "wait") == 0) {
        long v[1];
        if (!parse_ints(p, v, 1) || v[0] < 0) return 2;
        app_advance(a, (uint64_t)v[0]);
    } else if (strcmp(cmd, "expect_screen") == 0) {
        if (strcmp(app_screen_id(a), arg) != 0) {
            snprintf(why, whysz, "screen is %s, not %s", app_screen_id(a), arg);
            return 1;
        }
    } else if (strcmp(cmd, "expect_text") == 0) {
        if (!ui_text_visible(app_ui(a), arg)) {
            snprintf(why, whysz, "\"%s\" is not visible", arg);
            return 1;
        }
    } else if (strcmp(cmd, "expect_speech") == 0 || strcmp(cmd, "expect_speech_cut") == 0) {
        /* 语音播报: a prompt queued since the last one matched (real time:
         * the voice's worker starts and prepares it) */
        bool cut = strcmp(cmd, "expect_speech_cut") == 0;
        if (app_voice_on(a) && app_voice_ready(a, 5000)) {
            app_invalidate(a);
            app_settle(a); /* the frame after which the announcement is queued */
        }
        if (!app_voice_expect(a, arg, cut, 3000)) {
            char said[768];
            app_voice_said(a, said, sizeof said);
            snprintf(why, whysz, "no prompt %s\"%s\" was queued%s; queued:\n%s",
                     cut ? "cutting the one before and containing " : "containing ", arg,
                     app_voice_on(a) ? "" : " (the voice is off)", said);
            return 1;
        }
    } else if (strcmp(cmd, "bench_voice") == 0) {
        long v[1];
        p = token(p, arg, sizeof arg);
        if (!p || !arg[0] || !parse_ints(p, v, 1) || v[0] < 1 || v[0] > 1000) return 2;
        if (!bench_voice(a, arg, v[0], why, whysz)) return 1;
    } else if (strcmp(cmd, "expect_speech_none") == 0) {
        while (*p == ' ' || *p == '\t') p++;
        if (*p) return 2;
        app_settle(a);
        if (app_voice_expect(a, NULL, false, 0)) {
            snprintf(why, whysz, "a prompt was queued");
            return 1;
        }
    } else if (strcmp(cmd, "expect_no_text") == 0) {
        if (ui_text_visible(app_ui(a), arg)) {
            snprintf(why, whysz, "\"%s\" is visible", arg);
            return 1;
        }
    } else if (strcmp(cmd, "screenshot") == 0) {
        char path[2048];
        if (arg[0] != '/' && shots_dir) {
            char dir[1024];
            snprintf(dir, sizeof dir, "%s", shots_dir);
            for (char *q = dir + 1; *q; q++)
                if (*q == '/') {
                    *q = 0;
                    mkdir(dir, 0755);
                    *q = '/';
                }
            mkdir(dir, 0755);
            snprintf(path, sizeof path, "%s/%s", shots_dir, arg);
        } else {
            snprintf(path, sizeof path, "%s", arg);
        }
        if (app_screenshot(a, path) != KERR_OK) {
            snprintf(why, whysz, "cannot write %s", path);
            return 1;
        }
        /* with --a11y every screenshot is checked too; a failure there is
         * counted and the tour goes on, so one run names every screen */
        if (ui_checks_on(app_ui(a)) && !check_frame(a, arg, why, whysz)) return 3;
    } else if (strcmp(cmd, "a11y") == 0) {
        while (*p == ' ' || *p == '\t') p++;
        if (*p) return 2;
        if (!ui_checks_on(app_ui(a))) { /* record the colours, and draw once more */
            ui_set_checks(app_ui(a), true);
            ui_invalidate(app_ui(a));
            app_invalidate(a);
            app_settle(a);
        }
        if (!check_frame(a, app_screen_id(a), why, whysz)) return 1;
    } else {
        return 2;
    }
    return 0;
}

int script_run_text(struct app *a, const char *name, const char *text, const char *shots_dir,
                    FILE *out)
{
    int lineno = 0, passed = 0, soft = 0;
    const char *p = text;
    while (*p) {
        char line[2048], why[2200] = "";
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *s, *e;
        int rc;
        lineno++;
        if (n >= sizeof line) n = sizeof line - 1;
        memcpy(line, p, n);
        line[n] = 0;
        p = nl ? nl + 1 : p + strlen(p);
        s = line;
        while (isspace((unsigned char)*s)) s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
        if (!*s || *s == '#') continue;
        if (app_quitting(a)) {
            fprintf(out, "script %s: the kiosk quit before line %d (exit code %d)\n", name, lineno,
                    app_exit_code(a));
            break;
        }
        rc = run_step(a, s, shots_dir, why, sizeof why);
        if (rc == 2) {
            fprintf(out, "FAIL %s:%d: %s\n        syntax error (see README: scenario scripts)\n",
                    name, lineno, s);
            fprintf(out, "script %s: %d passed, 1 failed\n", name, passed);
            return 2;
        }
        if (rc == 1) {
            fprintf(out, "FAIL %s:%d: %s\n        %s\n", name, lineno, s, why);
            explain(a, out);
            fprintf(out, "script %s: %d passed, 1 failed\n", name, passed);
            return 1;
        }
        if (rc == 3) {
            fprintf(out, "FAIL %s:%d: %s\n        %s\n", name, lineno, s, why);
            soft++;
            continue;
        }
        passed++;
        fprintf(out, "  ok %s:%d: %s\n", name, lineno, s);
    }
    fprintf(out, "script %s: %d passed, %d failed\n", name, passed, soft);
    return passed > 0 && soft == 0 ? 0 : 1;
}

int script_run_file(struct app *a, const char *path, const char *shots_dir, FILE *out)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    int rc;
    if (!f) {
        fprintf(out, "FAIL %s: cannot open the script\n", path);
        return 2;
    }
    buf = malloc(MAX_SCRIPT_BYTES + 1);
    if (!buf) {
        fclose(f);
        return 2;
    }
    n = fread(buf, 1, MAX_SCRIPT_BYTES, f);
    fclose(f);
    buf[n] = 0;
    if (!utf8_valid(buf, n)) {
        fprintf(out, "FAIL %s: the script is not valid UTF-8\n", path);
        free(buf);
        return 2;
    }
    rc = script_run_text(a, path, buf, shots_dir, out);
    free(buf);
    return rc;
}
