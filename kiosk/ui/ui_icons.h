/* ui_icons: Material Icons names ("gavel", "arrow_back") to code points, read
 * once from the codepoint map that Debian's fonts-material-design-icons-
 * iconfont ships (scss/_variables.scss), so icons are named, not hand-drawn
 * and not hard-coded. UI thread only. */
#ifndef UI_ICONS_H
#define UI_ICONS_H

#include <stddef.h>
#include <stdint.h>

/* Code point of the icon called name, or 0 if unknown (logged once per
 * name). The map is loaded on first use from path (NULL: the Debian path). */
uint32_t ui_icon_cp(const char *name);

/* Encodes the icon as UTF-8 into out (≥ 5 bytes). Returns false if unknown. */
int ui_icon_utf8(const char *name, char out[8]);

/* Replaces the map's location (tests); frees the loaded map. */
void ui_icons_set_path(const char *path);

#endif
