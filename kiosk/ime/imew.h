/* imew: the pinyin engine on its own thread. One thread, the owner, opens the
 * engine (struct ime, ime.h) and makes every libpinyin call of the process;
 * the UI thread posts requests (the letters typed so far, a candidate chosen,
 * a wipe) and reads the latest answer, a snapshot that is never half updated
 * and carries the sequence number of the request it answers. Requests do not
 * queue: one not yet started is replaced by the next (the latest wins), so a
 * burst of keys costs one answer, and posting never waits for the engine
 * (only for a mutex held during a copy). After each answer the owner calls
 * cfg.notify (to wake the UI loop). Work that needs libpinyin elsewhere
 * (hzpinyin's readings) runs on the owner with imew_run, synchronously.
 * Threads: imew_start, imew_stop and the request and view calls on one
 * thread (the UI thread); imew_run and imew_pinyin_context on any thread,
 * the owner included (then they run inline). No SDL here. */
#ifndef IMEW_H
#define IMEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ime.h"
#include "kerr.h"

struct imew;

/* Bytes of candidate text one answer holds: 256 candidates of 15 hanzi and
 * a long sentence fit; beyond, the tail is dropped. */
#define IMEW_POOL 16384

struct imew_config {
    struct ime_config engine; /* given to ime_open on the owner thread */
    /* Content names offered first among candidates: each is added on its own
     * with ime_add_phrases_auto (one libpinyin cannot read does not keep the
     * others out). Copied by imew_start. */
    const char *const *phrases;
    size_t n_phrases;
    /* Called on the owner thread after each answer is published; must not
     * block (app_wake). NULL: nobody is told. */
    void (*notify)(void *ud);
    void *notify_ud;
};

/* One answer of the engine, as the keyboard draws it. raw, preedit and the
 * candidates always belong to the same request. */
struct imew_view {
    uint64_t seq; /* the request this answers; 0 before the first */
    enum kerr rc; /* its result: KERR_OK, or what ime_input / ime_choose said */
    bool ready;   /* the engine is open (false while it opens, or when it failed) */
    bool failed;  /* it could not be opened: no candidates will ever come */
    char raw[IME_MAX_INPUT + 1];
    char preedit[IME_MAX_PREEDIT];
    size_t n_cand;
    const char *cand[IME_MAX_CANDIDATES]; /* point into pool */
    char committed[IME_MAX_TEXT];         /* a choose: the text it committed */
    char pool[IMEW_POOL];
};

/* Starts the owner thread, which opens the engine and adds cfg->phrases
 * (about 85 ms) while imew_start returns at once; requests posted meanwhile
 * are answered when it is open. On success *out owns the thread; on failure
 * *out is NULL and the result is KERR_NOMEM or KERR_IO (no thread). An
 * engine that cannot be opened is not a failure here: its answers say
 * failed, and the thread still runs imew_run work. */
enum kerr imew_start(const struct imew_config *cfg, struct imew **out);

/* Stops the owner after the work under way, wipes and closes the engine on
 * it, joins it and frees everything. Requests not started are dropped;
 * imew_run calls waiting are run first. NULL is a no-op. */
void imew_stop(struct imew *w);

/* Posts "the letters typed so far are letters" (a-z and ', as ime_input
 * takes them; "" clears). Returns the request's sequence number, or 0 when
 * letters is longer than IME_MAX_INPUT (nothing posted: say so to the user). */
uint64_t imew_input(struct imew *w, const char *letters);

/* Posts "choose candidate index of the answer view_seq". The owner applies
 * it only if its session is still the one of that answer (else the answer
 * says KERR_NOTFOUND and nothing changes); the text the keyboard commits is
 * view->cand[index] of that answer, the answer tells what input remains.
 * Returns the sequence number. */
uint64_t imew_choose(struct imew *w, size_t index, uint64_t view_seq);

/* Wipes the session (a person leaves; the field changes): the owner resets
 * the engine and clears every copy of candidates it holds; from now on
 * imew_view never returns an answer to an older request, and the view the
 * caller holds is cleared at once. Returns the sequence number. */
uint64_t imew_reset(struct imew *w);

/* The latest answer (never one older than the last imew_reset: then an empty
 * view). Owned by w; valid until the next imew_view, imew_reset or imew_stop
 * on this thread. Never NULL. */
const struct imew_view *imew_view(struct imew *w);

/* True while a request posted has not been answered. */
bool imew_busy(const struct imew *w);

/* Waits, at most timeout_ms, until every request posted is answered (for the
 * scenario runner and tests, never in the UI's frames). Returns true when an
 * answer came that neither imew_view nor an earlier imew_settle has seen
 * (draw a frame); once per answer. */
bool imew_settle(struct imew *w, unsigned timeout_ms);

/* Runs fn(arg) on the owner thread and returns when it has run (inline when
 * called on the owner). It waits behind the request under way, never for the
 * caller: fn must not wait for the thread that called imew_run. */
void imew_run(struct imew *w, void (*fn)(void *arg), void *arg);

/* The engine's libpinyin context (pinyin_context_t *), once the engine is
 * open (waits for it, as imew_run does), for hzpinyin to share on the owner
 * thread; NULL when the engine could not be opened. Valid until imew_stop. */
void *imew_pinyin_context(struct imew *w);

#endif
