/* voice: see voice.h. Three parties share struct voice:
 * - the UI thread posts a job (text, language, flags) under mu and bumps
 *   cur_seq, the one prompt that may sound;
 * - the worker takes the job, prepares it (pytone / English), synthesises
 *   it chunk by chunk into the ring (under SDL's audio device lock), and
 *   stops as soon as cur_seq moved on;
 * - SDL's audio callback plays the ring, drops it at once when its prompt is
 *   no longer cur_seq, and notes when a prompt's first loud sample went out.
 * The device is paused while nothing is to be played (no callbacks while
 * idle). */
#include "voice.h"

#include <SDL.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "klog.h"
#include "pytone.h"

#define VOICE_RING_S 15        /* seconds of audio the ring holds */
#define VOICE_LOUD 1000        /* |sample| above which a prompt is heard */
#define VOICE_SPOKEN_KEPT 16
#define VOICE_SPOKEN_MAX 512

struct spoken {
    uint64_t seq;
    char text[VOICE_SPOKEN_MAX];
};

struct voice {
    struct voice_config cfg;
    SDL_Thread *thread; /* SDL's: it frees SDL's thread-local data (SDL_GetError) at exit */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under mu */
    bool quit, job;
    char text[VOICE_MAX_TEXT];
    enum vsynth_lang lang;
    unsigned flags;
    uint64_t job_seq, next_seq;
    struct spoken spoken[VOICE_SPOKEN_KEPT];
    /* any thread */
    _Atomic int state;
    _Atomic uint64_t cur_seq;  /* the prompt that may sound */
    _Atomic uint64_t busy_seq; /* being said (synthesised or still queued), 0 none */
    _Atomic uint64_t done_seq; /* synthesis finished */
    _Atomic uint64_t heard_seq, heard_us;
    /* the worker's */
    struct vsynth *synth;
    SDL_AudioDeviceID dev;
    bool playing;
    /* under SDL's device lock */
    int16_t *ring;
    size_t cap, head, count;
    uint64_t ring_seq;
};

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* SDL's audio thread. */
static void audio_cb(void *ud, Uint8 *stream, int len)
{
    struct voice *v = ud;
    int16_t *out = (int16_t *)(void *)stream;
    size_t n = (size_t)len / sizeof(int16_t), k = 0;
    uint64_t cur = atomic_load(&v->cur_seq);
    if (v->ring_seq != cur) v->count = 0; /* cut: drop what was queued */
    for (; k < n && v->count; k++) {
        int16_t x = v->ring[v->head];
        out[k] = x;
        v->head = (v->head + 1) % v->cap;
        v->count--;
        if ((x > VOICE_LOUD || x < -VOICE_LOUD) && atomic_load(&v->heard_seq) != v->ring_seq) {
            atomic_store(&v->heard_us, mono_us());
            atomic_store(&v->heard_seq, v->ring_seq);
        }
    }
    memset(out + k, 0, (n - k) * sizeof(int16_t));
    if (!v->count && atomic_load(&v->done_seq) == v->ring_seq) {
        uint64_t seq = v->ring_seq;
        atomic_compare_exchange_strong(&v->busy_seq, &seq, 0);
    }
}

struct speak_job {
    struct voice *v;
    uint64_t seq;
};

/* The worker: espeak-ng's chunks into the ring; false stops the synthesis. */
static bool sink(void *ud, const int16_t *pcm, size_t n)
{
    struct speak_job *j = ud;
    struct voice *v = j->v;
    while (n) {
        size_t room, put;
        if (atomic_load(&v->cur_seq) != j->seq) return false;
        SDL_LockAudioDevice(v->dev);
        if (v->ring_seq != j->seq) {
            v->ring_seq = j->seq;
            v->count = 0;
        }
        room = v->cap - v->count;
        put = n < room ? n : room;
        for (size_t i = 0; i < put; i++) v->ring[(v->head + v->count + i) % v->cap] = pcm[i];
        v->count += put;
        SDL_UnlockAudioDevice(v->dev);
        if (!v->playing) {
            SDL_PauseAudioDevice(v->dev, 0);
            v->playing = true;
        }
        pcm += put;
        n -= put;
        if (n) SDL_Delay(10); /* the ring is full: wait for the speaker */
    }
    return true;
}

static bool ring_empty(struct voice *v)
{
    bool e;
    SDL_LockAudioDevice(v->dev);
    e = v->count == 0 || v->ring_seq != atomic_load(&v->cur_seq);
    SDL_UnlockAudioDevice(v->dev);
    return e;
}

static bool open_audio(struct voice *v)
{
    SDL_AudioSpec want, have;
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        KLOGW("voice", "voice prompts unavailable: no audio (%s)", SDL_GetError());
        return false;
    }
    if (vsynth_open(v->cfg.pinyin_data, &v->synth) != KERR_OK) {
        KLOGW("voice", "voice prompts unavailable: no speech synthesiser");
        return false;
    }
    v->cap = (size_t)vsynth_rate(v->synth) * VOICE_RING_S;
    v->ring = malloc(v->cap * sizeof *v->ring);
    if (!v->ring) {
        KLOGW("voice", "voice prompts unavailable: out of memory");
        return false;
    }
    memset(&want, 0, sizeof want);
    want.freq = vsynth_rate(v->synth);
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 512; /* 23 ms at 22050 Hz: a prompt starts within one buffer */
    want.callback = audio_cb;
    want.userdata = v;
    v->dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
    if (!v->dev) {
        KLOGW("voice", "voice prompts unavailable: no audio device (%s)", SDL_GetError());
        return false;
    }
    KLOGI("voice", "voice prompts ready: %s, %d Hz", SDL_GetCurrentAudioDriver(), have.freq);
    return true;
}

static void remember_spoken(struct voice *v, uint64_t seq, const char *text)
{
    struct spoken *s = &v->spoken[seq % VOICE_SPOKEN_KEPT];
    pthread_mutex_lock(&v->mu);
    s->seq = seq;
    snprintf(s->text, sizeof s->text, "%s", text);
    pthread_mutex_unlock(&v->mu);
}

static int worker(void *arg)
{
    struct voice *v = arg;
    char *text = malloc(VOICE_MAX_TEXT), *prepared = malloc(VOICE_MAX_TEXT * 4);
    bool ok;
    /* synthesis runs ~100x faster than speech: it can yield the cores to
     * the UI thread and its paint helper (the audio callback is SDL's own
     * thread, not this one) */
    SDL_SetThreadPriority(SDL_THREAD_PRIORITY_LOW);
    ok = text && prepared && open_audio(v);
    atomic_store(&v->state, ok ? VOICE_READY : VOICE_UNAVAILABLE);
    if (v->cfg.notify) v->cfg.notify(v->cfg.notify_ud);
    pthread_mutex_lock(&v->mu);
    while (ok && !v->quit) {
        enum vsynth_lang lang;
        unsigned flags;
        uint64_t seq;
        if (!v->job) {
            if (v->playing) {
                struct timespec ts;
                pthread_mutex_unlock(&v->mu);
                bool idle = ring_empty(v);
                if (idle) {
                    SDL_PauseAudioDevice(v->dev, 1);
                    v->playing = false;
                }
                pthread_mutex_lock(&v->mu);
                if (idle) continue;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 50 * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                if (!v->job && !v->quit) pthread_cond_timedwait(&v->cv, &v->mu, &ts);
            } else if (!v->quit) {
                pthread_cond_wait(&v->cv, &v->mu);
            }
            continue;
        }
        v->job = false;
        seq = v->job_seq;
        lang = v->lang;
        flags = v->flags;
        memcpy(text, v->text, VOICE_MAX_TEXT);
        pthread_mutex_unlock(&v->mu);
        if (atomic_load(&v->cur_seq) == seq) {
            struct speak_job j = {v, seq};
            vsynth_prepare(v->synth, text, lang, flags, prepared, VOICE_MAX_TEXT * 4);
            remember_spoken(v, seq, prepared);
            if (atomic_load(&v->cur_seq) == seq) vsynth_speak(v->synth, prepared, lang, sink, &j);
            atomic_store(&v->done_seq, seq);
            if (atomic_load(&v->cur_seq) != seq || !v->playing) {
                uint64_t s = seq;
                atomic_compare_exchange_strong(&v->busy_seq, &s, 0);
            }
        }
        pthread_mutex_lock(&v->mu);
    }
    pthread_mutex_unlock(&v->mu);
    if (v->dev) SDL_CloseAudioDevice(v->dev);
    v->dev = 0;
    vsynth_close(v->synth);
    v->synth = NULL;
    if (SDL_WasInit(SDL_INIT_AUDIO)) SDL_QuitSubSystem(SDL_INIT_AUDIO);
    free(text);
    free(prepared);
    return 0;
}

enum kerr voice_start(const struct voice_config *cfg, struct voice **out)
{
    struct voice *v = calloc(1, sizeof *v);
    *out = NULL;
    if (!v) return KERR_NOMEM;
    v->cfg = *cfg;
    /* here, on the caller's thread: SDL's hints are not safe to set while
     * another thread reads them */
    if (cfg->dummy_audio && !getenv("SDL_AUDIODRIVER")) SDL_SetHint(SDL_HINT_AUDIODRIVER, "dummy");
    atomic_init(&v->state, VOICE_STARTING);
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->cv, NULL);
    v->thread = SDL_CreateThread(worker, "voice", v);
    if (!v->thread) {
        pthread_mutex_destroy(&v->mu);
        pthread_cond_destroy(&v->cv);
        free(v);
        return KERR_IO;
    }
    *out = v;
    return KERR_OK;
}

void voice_stop(struct voice *v)
{
    if (!v) return;
    pthread_mutex_lock(&v->mu);
    v->quit = true;
    atomic_store(&v->cur_seq, ++v->next_seq); /* cuts the synthesis under way */
    pthread_cond_signal(&v->cv);
    pthread_mutex_unlock(&v->mu);
    SDL_WaitThread(v->thread, NULL);
    pthread_mutex_destroy(&v->mu);
    pthread_cond_destroy(&v->cv);
    free(v->ring);
    free(v);
}

enum voice_state voice_state(struct voice *v)
{
    return (enum voice_state)atomic_load(&v->state);
}

uint64_t voice_say(struct voice *v, const char *text, enum vsynth_lang lang, unsigned flags, bool *cut)
{
    uint64_t seq;
    if (cut) *cut = false;
    if (voice_state(v) != VOICE_READY) return 0;
    pthread_mutex_lock(&v->mu);
    if (cut) *cut = v->job || atomic_load(&v->busy_seq) != 0;
    seq = ++v->next_seq;
    snprintf(v->text, sizeof v->text, "%s", text);
    v->lang = lang;
    v->flags = flags;
    v->job = true;
    v->job_seq = seq;
    atomic_store(&v->busy_seq, seq);
    atomic_store(&v->cur_seq, seq);
    pthread_cond_signal(&v->cv);
    pthread_mutex_unlock(&v->mu);
    return seq;
}

void voice_hush(struct voice *v)
{
    pthread_mutex_lock(&v->mu);
    v->job = false;
    atomic_store(&v->cur_seq, ++v->next_seq);
    atomic_store(&v->busy_seq, 0);
    pthread_cond_signal(&v->cv);
    pthread_mutex_unlock(&v->mu);
}

bool voice_spoken(struct voice *v, uint64_t seq, char *out, size_t n)
{
    bool ok;
    struct spoken *s = &v->spoken[seq % VOICE_SPOKEN_KEPT];
    pthread_mutex_lock(&v->mu);
    ok = seq && s->seq == seq;
    if (ok) snprintf(out, n, "%s", s->text);
    pthread_mutex_unlock(&v->mu);
    return ok;
}

uint64_t voice_heard_us(struct voice *v, uint64_t seq)
{
    return atomic_load(&v->heard_seq) == seq ? atomic_load(&v->heard_us) : 0;
}
