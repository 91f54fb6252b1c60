/* script: the scenario runner. Runs a plain-text script of steps (one per
 * line, '#' starts a comment) against the real application on virtual time:
 *   tap "TEXT" | tap_at X Y | drag X1 Y1 X2 Y2 MS |
 *   pinch X Y SCALE MS | type "TEXT" | wait MS |
 *   expect_screen NAME | expect_text "TEXT" | expect_no_text "TEXT" |
 *   screenshot FILE.png | wait_for "TEXT" MS
 * Coordinates are logical units (1920x1080 landscape, 1080x1920 portrait).
 * Each step is printed as it passes; the first failing step stops the run and
 * is named with its line number. wait_for waits up to MS of real time for a
 * text to appear (network results) while the virtual clock stands still.
 * UI thread only. */
#ifndef SCRIPT_H
#define SCRIPT_H

#include <stdio.h>

struct app;

/* Runs the script text (name is used in messages). Screenshots with a
 * relative path go under shots_dir (NULL: the current folder). Writes the
 * step log to out. Returns 0 when every step passed, 1 when one failed, 2
 * for a syntax error. */
int script_run_text(struct app *a, const char *name, const char *text, const char *shots_dir,
                    FILE *out);

/* Same for a file; 2 if it cannot be read. */
int script_run_file(struct app *a, const char *path, const char *shots_dir, FILE *out);

#endif
