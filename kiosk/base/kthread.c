#include "kthread.h"

void kthread_owner_bind(struct kthread_owner *o)
{
    o->id = pthread_self();
    o->bound = true;
}

bool kthread_owner_is_current(const struct kthread_owner *o)
{
    return o->bound && pthread_equal(o->id, pthread_self());
}
