/* vsynth: espeak-ng, used as a library, turning a prompt into 16-bit mono PCM.
 * Chinese text goes through pytone first and is read by espeak-ng's
 * cmn-latn-pinyin voice (tone-numbered pinyin; its cmn voice misreads many
 * hanzi, 您 as "nin two"); English text is read by its en voice. espeak-ng
 * keeps global state: one vsynth per process, opened, used and closed on one
 * thread (the voice worker, or a test's thread). No SDL. */
#ifndef VSYNTH_H
#define VSYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

struct vsynth;

enum vsynth_lang { VSYNTH_ZH, VSYNTH_EN };

/* In a prompt, the part between these two is spelled (a ticket number, a
 * booking code): "工单号 \x01HL-A01-437\x02". */
#define VSYNTH_SPELL_ON "\x01"
#define VSYNTH_SPELL_OFF "\x02"
#define VSYNTH_MAX_SEGMENT 1024

/* Receives each chunk of samples as espeak-ng makes them (a few ms of audio
 * at a time); returns false to stop the synthesis at once. */
typedef bool (*vsynth_sink)(void *ud, const int16_t *pcm, size_t n);

/* Starts espeak-ng (its data from Debian's espeak-ng-data) and opens pytone
 * on libpinyin's data (pinyin_data NULL: the default). KERR_NOTFOUND when
 * espeak-ng or its voices cannot be loaded (logged), KERR_NOMEM; *out is NULL
 * then. */
enum kerr vsynth_open(const char *pinyin_data, struct vsynth **out);
void vsynth_close(struct vsynth *s);

/* Samples per second of the PCM (22050 with Debian's espeak-ng). */
int vsynth_rate(const struct vsynth *s);

/* What espeak-ng is given for text: tone-numbered pinyin for Chinese
 * (pytone.h, flags PYTONE_SPELL to spell), the text itself for English (with
 * PYTONE_SPELL its letters and digits separated; hanzi dropped); a part
 * between VSYNTH_SPELL_ON and VSYNTH_SPELL_OFF is spelled. KERR_OK,
 * KERR_TOOBIG (cut), KERR_UTF8. */
enum kerr vsynth_prepare(struct vsynth *s, const char *text, enum vsynth_lang lang, unsigned flags,
                         char *out, size_t outsz);

/* Speaks prepared text (vsynth_prepare's output) in lang into sink, chunk by
 * chunk, synchronously. KERR_OK when done or stopped by the sink, KERR_IO if
 * espeak-ng failed (logged). */
enum kerr vsynth_speak(struct vsynth *s, const char *prepared, enum vsynth_lang lang, vsynth_sink sink,
                       void *ud);

#endif
