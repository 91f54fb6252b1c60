/* Every fixed prompt of 语音播报 (the toggle's words and each screen's prompt,
 * both languages) and every screen title of the default bundle (the names
 * and titles of assets/content: categories, services, notices, places,
 * rooms... in both languages, each string of at most 40 characters) is
 * synthesised through the kiosk's path (vsynth: pytone + espeak-ng) into a
 * WAV file in a temporary folder, read back, and must be sound: at least
 * 0.25 s, peak >= 4000 and RMS over the whole clip >= 400 (of 32767).
 *   test_voice_wav CONTENT_DIR */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content.h"
#include "i18n.h"
#include "ktest.h"
#include "utf8.h"
#include "vsynth.h"

struct pcm {
    int16_t *s;
    size_t n, cap;
};

static bool collect(void *ud, const int16_t *x, size_t n)
{
    struct pcm *p = ud;
    if (p->n + n > p->cap) {
        size_t cap = (p->n + n) * 2;
        int16_t *s = realloc(p->s, cap * sizeof *s);
        if (!s) return false;
        p->s = s;
        p->cap = cap;
    }
    memcpy(p->s + p->n, x, n * sizeof *x);
    p->n += n;
    return true;
}

static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {v & 255, v >> 8 & 255, v >> 16 & 255, v >> 24 & 255};
    fwrite(b, 1, 4, f);
}
static void put16(FILE *f, uint16_t v)
{
    unsigned char b[2] = {v & 255, v >> 8 & 255};
    fwrite(b, 1, 2, f);
}

static bool write_wav(const char *path, const struct pcm *p, int rate)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    fwrite("RIFF", 1, 4, f);
    put32(f, 36 + (uint32_t)p->n * 2);
    fwrite("WAVEfmt ", 1, 8, f);
    put32(f, 16);
    put16(f, 1);
    put16(f, 1);
    put32(f, (uint32_t)rate);
    put32(f, (uint32_t)rate * 2);
    put16(f, 2);
    put16(f, 16);
    fwrite("data", 1, 4, f);
    put32(f, (uint32_t)p->n * 2);
    for (size_t i = 0; i < p->n; i++) put16(f, (uint16_t)p->s[i]);
    return fclose(f) == 0;
}

/* Reads the WAV back: duration (s), peak and RMS over the whole clip. */
static bool measure(const char *path, double *dur, int *peak, double *rms)
{
    unsigned char h[44];
    FILE *f = fopen(path, "rb");
    double ss = 0;
    size_t n = 0;
    int rate;
    unsigned char b[2];
    *peak = 0;
    if (!f) return false;
    if (fread(h, 1, 44, f) != 44 || memcmp(h, "RIFF", 4) || memcmp(h + 36, "data", 4)) {
        fclose(f);
        return false;
    }
    rate = h[24] | h[25] << 8 | h[26] << 16;
    while (fread(b, 1, 2, f) == 2) {
        int x = (int16_t)(b[0] | b[1] << 8);
        ss += (double)x * x;
        if (abs(x) > *peak) *peak = abs(x);
        n++;
    }
    fclose(f);
    *dur = rate ? (double)n / rate : 0;
    *rms = n ? sqrt(ss / (double)n) : 0;
    return true;
}

struct run {
    struct vsynth *vs;
    char dir[256];
    int count, bad;
};

static bool has_hanzi(const char *s)
{
    while (*s) {
        uint32_t cp = utf8_next(&s);
        if (cp >= 0x3400 && cp <= 0x9FFF) return true;
    }
    return false;
}

static void speak_one(const char *text, void *ud)
{
    struct run *r = ud;
    enum vsynth_lang lang = has_hanzi(text) ? VSYNTH_ZH : VSYNTH_EN;
    char prepared[4096], path[400];
    struct pcm p = {0};
    double dur = 0, rms = 0;
    int peak = 0;
    if (!*text || utf8_count(text) > 40) return;
    CHECK(vsynth_prepare(r->vs, text, lang, 0, prepared, sizeof prepared) == KERR_OK);
    if (!prepared[0]) return; /* nothing to say (only symbols) */
    CHECK(vsynth_speak(r->vs, prepared, lang, collect, &p) == KERR_OK);
    snprintf(path, sizeof path, "%s/%04d.wav", r->dir, r->count++);
    CHECK(write_wav(path, &p, vsynth_rate(r->vs)));
    CHECK(measure(path, &dur, &peak, &rms));
    if (dur < 0.25 || peak < 4000 || rms < 400) {
        r->bad++;
        fprintf(stderr, "silent or short: \"%s\" -> \"%s\": %.2f s, peak %d, rms %.0f\n", text, prepared,
                dur, peak, rms);
    }
    CHECK(dur >= 0.25 && peak >= 4000 && rms >= 400);
    free(p.s);
    unlink(path);
}

int main(int argc, char **argv)
{
    struct run r = {0};
    struct content *c = NULL;
    struct content_report rep;
    int prompts;
    if (argc < 2) return 2;
    snprintf(r.dir, sizeof r.dir, "/tmp/voice_wav.XXXXXX");
    CHECK(mkdtemp(r.dir) != NULL);
    CHECK(vsynth_open(NULL, &r.vs) == KERR_OK);
    if (!r.vs) return ktest_done("voice_wav");
    /* the fixed prompts, both languages */
    for (int id = S_VOICE; id <= S_VP_ADMIN; id++) {
        speak_one(i18n((enum str_id)id, CONTENT_ZH), &r);
        speak_one(i18n((enum str_id)id, CONTENT_EN), &r);
    }
    /* the UI's own screen titles and labels (both languages) */
    for (int id = 0; id < S_VOICE; id++) {
        speak_one(i18n((enum str_id)id, CONTENT_ZH), &r);
        speak_one(i18n((enum str_id)id, CONTENT_EN), &r);
    }
    prompts = r.count;
    memset(&rep, 0, sizeof rep);
    CHECK(content_load(argv[1], &c, &rep) == KERR_OK);
    content_foreach_text(c, speak_one, &r);
    printf("voice_wav: %d fixed prompts and UI texts, %d bundle titles and names synthesised, %d silent\n",
           prompts, r.count - prompts, r.bad);
    CHECK(prompts > 100 && r.count - prompts > 100);
    content_free(c);
    vsynth_close(r.vs);
    rmdir(r.dir);
    return ktest_done("voice_wav");
}
