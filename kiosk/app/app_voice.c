/* 语音播报 in the shell: the session's toggle (beside 长辈模式 in the top
 * bar), what is said when a screen is entered (its title, then its fixed
 * prompt, then what the screen added with app_voice_note) and when an item
 * is tapped (its label), and the record of prompts the scenario runner
 * checks. The speaking itself is kiosk/voice (voice.h): a worker thread
 * started the first time the voice is turned on; nothing here waits for it. */
#include <stdlib.h>
#include <string.h>

#include "app_impl.h"
#include "klog.h"
#include "pytone.h"
#include "voice.h"

#define AV_HISTORY 32

struct app_voice {
    struct voice *v;
    bool on;            /* the session's toggle */
    bool announce;      /* say "语音播报已打开" + the screen once ready */
    bool quiet_next;    /* the wipe's home + attract are not announced */
    enum voice_state seen; /* the worker's state at the last app_voice_poll */
    unsigned said_gen;  /* the stack_gen announced last */
    unsigned note_gen;  /* the stack_gen app_voice_note was given for */
    char note[512];
    struct { /* the prompts queued, for scripts (no personal data is logged) */
        uint64_t seq;
        bool cut;
        char text[512];
    } hist[AV_HISTORY];
    size_t nhist, checked;
};

/* The fixed prompt of each screen, by id. */
static const struct {
    const char *id;
    enum str_id prompt;
} prompts[] = {
    {"attract", S_VP_ATTRACT},         {"home", S_VP_HOME},
    {"services", S_VP_SERVICES},       {"service_list", S_VP_SERVICE_LIST},
    {"service_detail", S_VP_SERVICE_DETAIL}, {"search", S_VP_SEARCH},
    {"notices", S_VP_NOTICES},         {"notice_detail", S_VP_NOTICE_DETAIL},
    {"about", S_VP_ABOUT},             {"help", S_VP_HELP},
    {"help_form", S_VP_HELP_FORM},     {"help_review", S_VP_HELP_REVIEW},
    {"help_done", S_VP_HELP_DONE},     {"ticket", S_VP_TICKET},
    {"circle", S_VP_CIRCLE},           {"place", S_VP_PLACE},
    {"rooms", S_VP_ROOMS},             {"room", S_VP_ROOM},
    {"booking_form", S_VP_BOOKING_FORM}, {"booking_done", S_VP_BOOKING_DONE},
    {"booking_manage", S_VP_BOOKING_MANAGE}, {"admin", S_VP_ADMIN},
};

const char *app_voice_prompt_of(const struct app *a, const char *screen_id)
{
    for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++)
        if (strcmp(prompts[i].id, screen_id) == 0) return app_tr(a, prompts[i].prompt);
    return NULL;
}

static void on_wipe(void *ud)
{
    struct app *a = ud;
    struct app_voice *vo = a->voice;
    vo->on = a->cfg.voice_prompts;
    vo->announce = false;
    vo->quiet_next = true;
    vo->note[0] = 0;
    if (vo->v) voice_hush(vo->v);
}

void app_voice_init(struct app *a)
{
    a->voice = calloc(1, sizeof *a->voice);
    if (!a->voice) return; /* without it the toggle says unavailable */
    a->voice->on = a->cfg.voice_prompts;
    a->voice->quiet_next = !a->voice->on;
    app_on_wipe(a, on_wipe, a);
}

void app_voice_free(struct app *a)
{
    if (!a->voice) return;
    voice_stop(a->voice->v);
    memset(a->voice, 0, sizeof *a->voice);
    free(a->voice);
    a->voice = NULL;
}

static void wake(void *ud)
{
    app_wake(ud);
}

/* Starts the worker the first time the voice is wanted. */
static void ensure_started(struct app *a)
{
    struct app_voice *vo = a->voice;
    struct voice_config cfg = {NULL, a->opt.headless, wake, a};
    if (vo->v) return;
    if (voice_start(&cfg, &vo->v) != KERR_OK) KLOGW("voice", "voice prompts unavailable: no worker thread");
}

static enum voice_state state_of(const struct app *a)
{
    if (!a->voice) return VOICE_UNAVAILABLE;
    if (!a->voice->v) return a->voice->on ? VOICE_STARTING : VOICE_READY; /* not tried yet */
    return voice_state(a->voice->v);
}

static void say(struct app *a, const char *text)
{
    struct app_voice *vo = a->voice;
    bool cut = false;
    uint64_t seq;
    if (!*text) return;
    seq = voice_say(vo->v, text, a->lang == CONTENT_EN ? VSYNTH_EN : VSYNTH_ZH, 0, &cut);
    if (!seq) return;
    if (vo->nhist == AV_HISTORY) { /* keep the newest */
        memmove(vo->hist, vo->hist + 1, (AV_HISTORY - 1) * sizeof vo->hist[0]);
        vo->nhist--;
        if (vo->checked) vo->checked--;
    }
    vo->hist[vo->nhist].seq = seq;
    vo->hist[vo->nhist].cut = cut;
    snprintf(vo->hist[vo->nhist].text, sizeof vo->hist[0].text, "%s", text);
    vo->nhist++;
}

/* The top screen's title, its prompt and its note, as one prompt. */
static void say_screen(struct app *a, const char *before)
{
    struct app_voice *vo = a->voice;
    const struct layer *l = &a->stack[a->depth - 1];
    const char *title = l->s->title ? l->s->title(a, l->st) : "";
    const char *prompt = app_voice_prompt_of(a, l->s->id);
    const char *stop = a->lang == CONTENT_EN ? ". " : "。";
    char text[1536];
    snprintf(text, sizeof text, "%s%s%s%s%s%s%s", before ? before : "", before ? stop : "",
             title ? title : "", title && *title ? stop : "", prompt ? prompt : "",
             prompt ? stop : "", vo->note_gen == a->stack_gen ? vo->note : "");
    say(a, text);
}

void app_voice_poll(struct app *a)
{
    struct app_voice *vo = a->voice;
    if (!vo || !vo->v) return;
    enum voice_state st = voice_state(vo->v);
    if (st != vo->seen) {
        vo->seen = st;
        a->dirty = true;
    }
}

void app_voice_tick(struct app *a)
{
    struct app_voice *vo = a->voice;
    char tapped[128];
    bool t = ui_take_tapped(a->ui, tapped, sizeof tapped);
    if (!vo || !vo->on || !vo->v || a->depth == 0) return;
    if (voice_state(vo->v) == VOICE_UNAVAILABLE) { /* the worker found no audio: say so, turn off */
        vo->on = false;
        vo->announce = false;
        ui_toast(a->ui, app_tr(a, S_VOICE_UNAVAILABLE), 4000);
        a->dirty = true;
        return;
    }
    if (voice_state(vo->v) != VOICE_READY) return;
    if (vo->announce) {
        vo->announce = false;
        vo->said_gen = a->stack_gen;
        ui_toast_clear(a->ui); /* "正在启动" is over */
        say_screen(a, app_tr(a, S_VOICE_ON_SAID));
        return;
    }
    if (vo->said_gen != a->stack_gen) {
        vo->said_gen = a->stack_gen;
        if (vo->quiet_next) {
            vo->quiet_next = false;
            return;
        }
        say_screen(a, NULL);
        return;
    }
    vo->quiet_next = false;
    /* on a screen where a person types their own data (SCREEN_PERSONAL: a
     * name, a phone number, a company) taps are not read out in the lobby;
     * the screen's prompt was */
    if (a->stack[a->depth - 1].s->flags & SCREEN_PERSONAL) return;
    if (t && *tapped && strcmp(tapped, app_tr(a, S_VOICE)) != 0) say(a, tapped);
}

void app_voice_note(struct app *a, const char *text, const char *spell)
{
    struct app_voice *vo = a->voice;
    KASSERT_OWNER(&a->owner);
    if (!vo) return;
    if (vo->note_gen != a->stack_gen) vo->note[0] = 0;
    vo->note_gen = a->stack_gen;
    size_t n = strlen(vo->note);
    snprintf(vo->note + n, sizeof vo->note - n, "%s%s%s%s%s", n ? " " : "", text ? text : "",
             spell ? VSYNTH_SPELL_ON : "", spell ? spell : "", spell ? VSYNTH_SPELL_OFF : "");
}

void app_voice_say(struct app *a, const char *text, const char *spell, const char *after)
{
    struct app_voice *vo = a->voice;
    char t[1024];
    KASSERT_OWNER(&a->owner);
    if (!vo || !vo->on || !vo->v || voice_state(vo->v) != VOICE_READY) return;
    snprintf(t, sizeof t, "%s%s%s%s%s", text ? text : "", spell ? VSYNTH_SPELL_ON : "", spell ? spell : "",
             spell ? VSYNTH_SPELL_OFF : "", after ? after : "");
    say(a, t);
}

void app_toggle_voice(struct app *a)
{
    struct app_voice *vo = a->voice;
    KASSERT_OWNER(&a->owner);
    if (!vo) {
        ui_toast(a->ui, app_tr(a, S_VOICE_UNAVAILABLE), 4000);
        return;
    }
    if (vo->on) {
        vo->on = false;
        vo->announce = false;
        if (vo->v) voice_hush(vo->v);
        a->dirty = true;
        return;
    }
    ensure_started(a);
    if (!vo->v || voice_state(vo->v) == VOICE_UNAVAILABLE) {
        ui_toast(a->ui, app_tr(a, S_VOICE_UNAVAILABLE), 4000);
        return;
    }
    vo->on = true;
    vo->announce = true; /* said when the worker is ready (at once if it is) */
    if (voice_state(vo->v) == VOICE_STARTING) ui_toast(a->ui, app_tr(a, S_VOICE_STARTING), 1500);
    a->dirty = true;
}

bool app_voice_on(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->voice && a->voice->on && state_of(a) != VOICE_UNAVAILABLE;
}

bool app_voice_button(struct app *a, struct ui_rect r, enum ui_style style)
{
    KASSERT_OWNER(&a->owner);
    enum voice_state st = state_of(a);
    bool on = app_voice_on(a);
    /* on: a speaker sounding, drawn as a pressed button; off: a silent one;
     * unavailable: a speaker struck through (a tap says why) */
    const char *icon = st == VOICE_UNAVAILABLE ? "volume_off" : on ? "volume_up" : "volume_mute";
    if (a->voice && a->voice->on && !a->voice->v) ensure_started(a); /* config: on at start */
    if (ui_button_icon(a->ui, r, icon, app_tr(a, S_VOICE), on ? UI_SECONDARY : style)) {
        app_toggle_voice(a);
        return true;
    }
    return false;
}

/* ---- for the scenario runner and the bench ---- */

bool app_voice_ready(struct app *a, unsigned wait_ms)
{
    uint64_t t0 = app_mono_us();
    KASSERT_OWNER(&a->owner);
    if (!a->voice) return false;
    ensure_started(a);
    while (a->voice->v && voice_state(a->voice->v) == VOICE_STARTING &&
           app_mono_us() - t0 < (uint64_t)wait_ms * 1000u)
        SDL_Delay(5);
    return a->voice->v && voice_state(a->voice->v) == VOICE_READY;
}

bool app_voice_expect(struct app *a, const char *text, bool want_cut, unsigned wait_ms)
{
    struct app_voice *vo = a->voice;
    KASSERT_OWNER(&a->owner);
    if (!vo || !vo->v) return false;
    if (!text) return vo->nhist > vo->checked; /* anything newer than the last match */
    /* from the last prompt matched on: one prompt may meet several expectations */
    for (size_t i = vo->checked ? vo->checked - 1 : 0; i < vo->nhist; i++) {
        char spoken[VOICE_MAX_TEXT];
        bool match = strstr(vo->hist[i].text, text) != NULL;
        if (!match) { /* what espeak-ng was given: the worker writes it soon */
            uint64_t t0 = app_mono_us();
            /* only the newest is sure to be prepared: an older one may have been cut first */
            while (i + 1 == vo->nhist && !voice_spoken(vo->v, vo->hist[i].seq, spoken, sizeof spoken) &&
                   app_mono_us() - t0 < (uint64_t)wait_ms * 1000u &&
                   voice_state(vo->v) == VOICE_READY)
                SDL_Delay(2);
            match = voice_spoken(vo->v, vo->hist[i].seq, spoken, sizeof spoken) &&
                    strstr(spoken, text) != NULL;
        }
        if (match && (!want_cut || vo->hist[i].cut)) {
            vo->checked = i + 1;
            return true;
        }
    }
    return false;
}

size_t app_voice_said(struct app *a, char *out, size_t n)
{
    struct app_voice *vo = a->voice;
    size_t o = 0;
    KASSERT_OWNER(&a->owner);
    if (n) out[0] = 0;
    for (size_t i = 0; vo && i < vo->nhist && o + 1 < n; i++) {
        char spoken[VOICE_MAX_TEXT] = "";
        if (vo->v) voice_spoken(vo->v, vo->hist[i].seq, spoken, sizeof spoken);
        o += (size_t)snprintf(out + o, n - o, "  %s\"%s\" -> \"%s\"%s\n", i < vo->checked ? "(checked) " : "",
                              vo->hist[i].text, spoken, vo->hist[i].cut ? " (cut the one before)" : "");
        if (o >= n) o = n - 1;
    }
    return vo ? vo->nhist : 0;
}

uint64_t app_voice_last(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->voice && a->voice->nhist ? a->voice->hist[a->voice->nhist - 1].seq : 0;
}

uint64_t app_voice_heard_us(struct app *a, uint64_t seq)
{
    KASSERT_OWNER(&a->owner);
    return a->voice && a->voice->v ? voice_heard_us(a->voice->v, seq) : 0;
}
