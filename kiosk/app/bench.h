/* bench: `kiosk --headless --bench`. Tours every screen on the real clock
 * (taps, scrolling by drag, a language switch), records the time from each
 * input event to the frame that answers it, then leaves the kiosk untouched
 * for 10 s and measures the CPU it used. Prints the figures; the last line is
 *   bench first_frame_ms=… frames=… p50_ms=… p99_ms=… max_ms=… peak_rss_mb=…
 * UI thread only. */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>

struct app;

/* Runs the benchmark; returns 0, or 1 if the tour itself failed (a label
 * missing means the benchmark no longer covers a screen). */
int bench_run(struct app *a, int idle_s, FILE *out);

/* The tour script (also usable as a scenario script). */
extern const char bench_tour[];

#endif
