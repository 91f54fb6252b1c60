/* The screen stack: transitions queued during a frame and applied after it,
 * the copy of each screen's argument, and the session wipe. */
#include <stdlib.h>
#include <string.h>

#include "app_impl.h"
#include "klog.h"

/* Wipes and frees n bytes at p: nothing personal lingers in freed memory. */
static void wipe_free(void *p, size_t n)
{
    if (!p) return;
    memset(p, 0, n);
    free(p);
}

void app_queue_op(struct app *a, enum pending_op op, const struct screen *s, void *arg,
                  size_t arg_size)
{
    if (a->npend < APP_MAX_PENDING) {
        a->pend[a->npend].op = op;
        a->pend[a->npend].s = s;
        a->pend[a->npend].arg = arg;
        a->pend[a->npend].arg_size = arg_size;
        a->npend++;
    } else {
        wipe_free(arg, arg_size);
    }
    a->dirty = true;
}

void app_push(struct app *a, const struct screen *s, const void *arg, size_t arg_size)
{
    void *copy = NULL;
    KASSERT_OWNER(&a->owner);
    KASSERT(s && s->frame);
    KASSERT(!arg == !arg_size);
    if (arg && arg_size) {
        copy = malloc(arg_size);
        if (!copy) {
            KLOGE("app", "out of memory opening %s", s->id);
            return;
        }
        memcpy(copy, arg, arg_size);
    }
    app_queue_op(a, OP_PUSH, s, copy, copy ? arg_size : 0);
}

void app_pop(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    app_queue_op(a, OP_POP, NULL, NULL, 0);
}

void app_go_home(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    app_queue_op(a, OP_HOME, NULL, NULL, 0);
}

unsigned app_stack_gen(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->stack_gen;
}

const char *app_screen_id(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->depth > 0 ? a->stack[a->depth - 1].s->id : "";
}

void app_stack_push_now(struct app *a, const struct screen *s, void *arg, size_t arg_size)
{
    struct layer *l;
    if (a->depth == APP_MAX_DEPTH) {
        KLOGW("app", "screen stack full; %s not opened", s->id);
        wipe_free(arg, arg_size);
        return;
    }
    l = &a->stack[a->depth++];
    a->stack_gen++;
    l->s = s;
    l->arg = arg;
    l->arg_size = arg_size;
    l->st = s->state_size ? calloc(1, s->state_size) : NULL;
    if (s->state_size && !l->st) {
        a->depth--;
        wipe_free(arg, arg_size);
        l->arg = NULL;
        KLOGE("app", "out of memory opening %s", s->id);
        return;
    }
    if (s->enter) s->enter(a, l->st, arg);
}

void app_stack_pop_now(struct app *a)
{
    struct layer *l;
    if (a->depth <= 0) return;
    l = &a->stack[--a->depth];
    a->stack_gen++;
    if (l->s->leave) l->s->leave(a, l->st);
    wipe_free(l->st, l->s->state_size);
    wipe_free(l->arg, l->arg_size);
    l->st = NULL;
    l->arg = NULL;
    l->arg_size = 0;
}

static void wipe_session(struct app *a)
{
    while (a->depth > 0) app_stack_pop_now(a);
    for (int i = 0; i < a->nwipe; i++) a->wipe_hooks[i].fn(a->wipe_hooks[i].ud);
    ui_toast_clear(a->ui);
    a->asking = false;
    a->lang = a->cfg.lang ? CONTENT_EN : CONTENT_ZH;
    a->elder = a->cfg.elder_mode;
    app_apply_session(a);
    app_stack_push_now(a, a->opt.home, NULL, 0);
    app_stack_push_now(a, a->opt.attract, NULL, 0);
    KLOGI("app", "session wiped; attract");
}

bool app_apply_pending(struct app *a)
{
    bool any = a->npend > 0;
    for (int i = 0; i < a->npend; i++) {
        switch (a->pend[i].op) {
        case OP_PUSH:
            app_stack_push_now(a, a->pend[i].s, a->pend[i].arg, a->pend[i].arg_size);
            break;
        case OP_POP:
            if (a->depth > 1) app_stack_pop_now(a);
            break;
        case OP_HOME:
            while (a->depth > 1) app_stack_pop_now(a);
            break;
        case OP_WIPE:
            wipe_session(a);
            break;
        case OP_NONE:
            break;
        }
        a->pend[i].arg = NULL;
    }
    a->npend = 0;
    if (any) {
        a->dirty = true;
        ui_toast_clear(a->ui); /* a message belongs to the screen it was shown on */
    }
    return any;
}
