/* voice: 语音播报's worker. One thread owns espeak-ng (vsynth) and libpinyin
 * (pytone): it opens SDL audio and the synthesiser when started, then speaks
 * one prompt at a time into a ring of samples that SDL's audio callback
 * plays. The UI thread only posts: voice_say copies the text and returns at
 * once; a new prompt cuts the one before at once (its synthesis stops at the
 * next chunk, its queued audio is dropped by the callback before the next
 * buffer). With no audio device, or no espeak-ng data, the voice is
 * unavailable (one log line) and voice_say does nothing.
 * Threads: voice_start, voice_stop, voice_say, voice_hush on one thread (the
 * UI thread); voice_state, voice_spoken, voice_heard_us on any. */
#ifndef VOICE_H
#define VOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"
#include "vsynth.h"

struct voice;

#define VOICE_MAX_TEXT 1024 /* bytes of one prompt; longer ones are cut */

struct voice_config {
    const char *pinyin_data; /* libpinyin's data (NULL: default) */
    /* SDL's dummy audio driver unless SDL_AUDIODRIVER says otherwise (the
     * headless kiosk and tests: the samples are played to nowhere, in real
     * time). */
    bool dummy_audio;
    /* Called on the worker once the voice is ready or unavailable (app_wake);
     * must not block. NULL: nobody is told. */
    void (*notify)(void *ud);
    void *notify_ud;
};

enum voice_state {
    VOICE_STARTING,    /* the worker opens audio and the synthesiser */
    VOICE_READY,
    VOICE_UNAVAILABLE, /* no audio device, or no espeak-ng: logged once */
};

/* Starts the worker (it opens SDL audio, espeak-ng and libpinyin, about
 * 50 ms, while the caller goes on). KERR_NOMEM or KERR_IO when the thread
 * cannot start (*out NULL); an unavailable voice is not a failure here. */
enum kerr voice_start(const struct voice_config *cfg, struct voice **out);

/* Cuts what is said, stops the worker, closes audio and the synthesiser and
 * frees v. NULL is a no-op. */
void voice_stop(struct voice *v);

enum voice_state voice_state(struct voice *v);

/* Speaks text (UTF-8; Chinese or English as lang; flags PYTONE_SPELL reads
 * digits and letters one by one), cutting the prompt being said. Returns the
 * prompt's sequence number (> 0), or 0 when the voice is not ready (nothing
 * queued). *cut (may be NULL) tells whether an earlier prompt was still being
 * said or waiting and was cut. */
uint64_t voice_say(struct voice *v, const char *text, enum vsynth_lang lang, unsigned flags, bool *cut);

/* Cuts whatever is said or queued; says nothing new. */
void voice_hush(struct voice *v);

/* What the worker gave espeak-ng for prompt seq (pinyin or English), copied
 * into out; false when it has not got there yet or it was cut before (the
 * last 16 prompts are kept). */
bool voice_spoken(struct voice *v, uint64_t seq, char *out, size_t n);

/* Monotonic microseconds at which SDL's audio callback took the first
 * non-silent sample of prompt seq (0: not yet, or never). */
uint64_t voice_heard_us(struct voice *v, uint64_t seq);

#endif
