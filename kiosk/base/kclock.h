/* kclock: the monotonic clock in milliseconds (CLOCK_MONOTONIC, so setting
 * the wall clock changes nothing) and the wall clock for display and records.
 * The UI has its own replaceable clock (app_now_ms) for virtual time; this one
 * is real time for threads that wait on the network. Any thread. */
#ifndef KCLOCK_H
#define KCLOCK_H

#include <stdint.h>

/* Milliseconds since an arbitrary fixed point; never goes backwards. */
uint64_t kclock_mono_ms(void);

/* Wall-clock milliseconds since the Unix epoch (may jump). */
int64_t kclock_wall_ms(void);

#endif
