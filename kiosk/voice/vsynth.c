/* vsynth: see vsynth.h. espeak-ng runs in AUDIO_OUTPUT_SYNCHRONOUS mode: it
 * calls synth_cb with each chunk (buflength ms) while espeak_Synth runs, and
 * stops when the callback returns 1. */
#include "vsynth.h"

#include <espeak-ng/speak_lib.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "pytone.h"
#include "utf8.h"

#define VSYNTH_CHUNK_MS 20 /* small chunks: the first one reaches the speaker sooner */

struct vsynth {
    struct pytone *py;
    int rate;
    int voice; /* the espeak-ng voice set: -1 none, else enum vsynth_lang */
    vsynth_sink sink;
    void *ud;
    bool stopped;
};

/* espeak-ng's callback has no user pointer of its own but the event's
 * user_data, which espeak_Synth passes through. */
static int synth_cb(short *wav, int n, espeak_EVENT *ev)
{
    struct vsynth *s = NULL;
    for (espeak_EVENT *e = ev; e && !s; e++) { /* the list's terminator carries it too */
        s = e->user_data;
        if (e->type == espeakEVENT_LIST_TERMINATED) break;
    }
    if (!s) return 0;
    if (s->stopped) return 1;
    if (wav && n > 0 && !s->sink(s->ud, (const int16_t *)wav, (size_t)n)) {
        s->stopped = true;
        return 1;
    }
    return 0;
}

static bool set_voice(struct vsynth *s, enum vsynth_lang lang)
{
    espeak_VOICE v;
    if (s->voice == (int)lang) return true;
    memset(&v, 0, sizeof v);
    v.languages = lang == VSYNTH_ZH ? "cmn-latn-pinyin" : "en";
    if (espeak_SetVoiceByProperties(&v) != EE_OK) {
        KLOGE("voice", "espeak-ng has no %s voice", v.languages);
        s->voice = -1;
        return false;
    }
    s->voice = (int)lang;
    return true;
}

enum kerr vsynth_open(const char *pinyin_data, struct vsynth **out)
{
    struct vsynth *s;
    enum kerr rc;
    *out = NULL;
    s = calloc(1, sizeof *s);
    if (!s) return KERR_NOMEM;
    s->voice = -1;
    s->rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, VSYNTH_CHUNK_MS, NULL,
                                espeakINITIALIZE_DONT_EXIT);
    if (s->rate <= 0) {
        KLOGE("voice", "espeak-ng could not start (its data: Debian espeak-ng-data)");
        free(s);
        return KERR_NOTFOUND;
    }
    espeak_SetSynthCallback(synth_cb);
    if (!set_voice(s, VSYNTH_EN) || !set_voice(s, VSYNTH_ZH)) {
        vsynth_close(s);
        return KERR_NOTFOUND;
    }
    rc = pytone_open(pinyin_data, &s->py);
    if (rc != KERR_OK) {
        KLOGE("voice", "no libpinyin for Chinese prompts: %s", kerr_str(rc));
        vsynth_close(s);
        return rc;
    }
    *out = s;
    return KERR_OK;
}

void vsynth_close(struct vsynth *s)
{
    if (!s) return;
    espeak_Terminate();
    pytone_close(s->py);
    free(s);
}

int vsynth_rate(const struct vsynth *s)
{
    return s->rate;
}

/* English: the text without hanzi; spelled, one symbol per word. */
static enum kerr prepare_en(const char *text, unsigned flags, char *out, size_t outsz)
{
    size_t o = 0;
    const char *p = text;
    while (*p) {
        const char *start = p;
        uint32_t cp = utf8_next(&p);
        size_t n = (size_t)(p - start);
        if (cp >= 0x2E80) continue; /* the en voice would say "Chinese letter" */
        if ((flags & PYTONE_SPELL) && cp < 128 && !((cp | 32) >= 'a' && (cp | 32) <= 'z') &&
            !(cp >= '0' && cp <= '9'))
            continue; /* a ticket's dashes: only its letters and digits */
        if (o + n + 2 > outsz) return KERR_TOOBIG;
        memcpy(out + o, start, n);
        o += n;
        if (flags & PYTONE_SPELL) out[o++] = ' ';
        out[o] = 0;
    }
    if (outsz) out[o] = 0;
    return KERR_OK;
}

enum kerr vsynth_prepare(struct vsynth *s, const char *text, enum vsynth_lang lang, unsigned flags,
                         char *out, size_t outsz)
{
    enum kerr rc = KERR_OK;
    size_t o = 0;
    if (!outsz) return KERR_TOOBIG;
    out[0] = 0;
    if (!utf8_valid(text, strlen(text))) return KERR_UTF8;
    /* segments: VSYNTH_SPELL_ON ... VSYNTH_SPELL_OFF are spelled */
    while (*text && rc == KERR_OK) {
        char seg[VSYNTH_MAX_SEGMENT];
        bool spell = *text == VSYNTH_SPELL_ON[0];
        const char *end;
        size_t n;
        if (spell) text++;
        end = text + strcspn(text, spell ? VSYNTH_SPELL_OFF : VSYNTH_SPELL_ON);
        n = (size_t)(end - text) < sizeof seg - 1 ? (size_t)(end - text) : sizeof seg - 1;
        memcpy(seg, text, n);
        seg[n] = 0;
        text = *end == VSYNTH_SPELL_OFF[0] ? end + 1 : end;
        if (o && o + 3 < outsz) { /* a pause between segments */
            memcpy(out + o, ", ", 3);
            o += 2;
        }
        if (lang == VSYNTH_EN)
            rc = prepare_en(seg, flags | (spell ? PYTONE_SPELL : 0), out + o, outsz - o);
        else
            rc = pytone_text(s->py, seg, flags | (spell ? PYTONE_SPELL : 0), out + o, outsz - o);
        o += strlen(out + o);
        if (o >= 2 && out[o - 1] == ' ' && out[o - 2] == ',') out[o -= 2] = 0;
    }
    return rc;
}

enum kerr vsynth_speak(struct vsynth *s, const char *prepared, enum vsynth_lang lang, vsynth_sink sink,
                       void *ud)
{
    espeak_ERROR e;
    if (!set_voice(s, lang)) return KERR_IO;
    s->sink = sink;
    s->ud = ud;
    s->stopped = false;
    e = espeak_Synth(prepared, strlen(prepared) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, s);
    s->sink = NULL;
    s->ud = NULL;
    if (e != EE_OK) {
        KLOGW("voice", "espeak-ng could not speak a prompt (%d)", (int)e);
        return KERR_IO;
    }
    return KERR_OK;
}
