/* kthread: the owner-thread rule, checked. An object that one thread must
 * use alone (the app and its toolkit on the UI thread, the hub link's handle)
 * keeps a struct kthread_owner, binds it to the thread that creates it
 * (kthread_owner_bind) and starts each entry point with KASSERT_OWNER(&o):
 * in builds with asserts on (kassert.h) a call from any other thread then
 * logs the function and aborts; in release builds the check is compiled out.
 * The struct is the same size in every build. bind and is_current may be
 * called from any thread; binding again hands the object to the caller. */
#ifndef KTHREAD_H
#define KTHREAD_H

#include <pthread.h>
#include <stdbool.h>

#include "kassert.h"

struct kthread_owner {
    pthread_t id;
    bool bound;
};

/* Makes the calling thread the owner of o. */
void kthread_owner_bind(struct kthread_owner *o);

/* True if o is bound to the calling thread (false if o was never bound). */
bool kthread_owner_is_current(const struct kthread_owner *o);

/* Aborts (asserts on) unless the calling thread owns o. */
#define KASSERT_OWNER(o) KASSERT(kthread_owner_is_current(o) && "called from its owner thread")

#endif
