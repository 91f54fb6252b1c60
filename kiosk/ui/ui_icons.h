/* ui_icons: Material Icons names ("gavel", "arrow_back") to code points, read
 * from the codepoint map that Debian's fonts-material-design-icons-iconfont
 * ships (scss/_variables.scss), so icons are named, not hand-drawn and not
 * hard-coded. A table is an object: the toolkit keeps one in its struct ui,
 * loaded on first use. Once loaded a table is read-only: lookups may come
 * from any thread; load and free from one. */
#ifndef UI_ICONS_H
#define UI_ICONS_H

#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

struct ui_icons;

/* Reads the map at path (NULL: the Debian path) into a new table. A map
 * that cannot be read is logged and gives an empty table, in which every
 * name is unknown. Returns KERR_NOMEM (nothing allocated) or KERR_OK. */
enum kerr ui_icons_load(const char *path, struct ui_icons **out);

/* Frees a table (NULL is fine). */
void ui_icons_free(struct ui_icons *ic);

/* Code point of the icon called name, or 0 if unknown (logged). */
uint32_t ui_icon_cp(const struct ui_icons *ic, const char *name);

/* Encodes the icon as UTF-8 into out (≥ 5 bytes). Returns 0 if unknown. */
int ui_icon_utf8(const struct ui_icons *ic, const char *name, char out[8]);

#endif
