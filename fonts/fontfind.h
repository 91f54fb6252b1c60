/* fontfind: finds the UI fonts through fontconfig. The kiosk's text face is
 * Noto Sans CJK SC (Debian's fonts-noto-cjk, face index 2 of the .ttc); the
 * icon face is Material Icons (fonts-material-design-icons-iconfont). A config
 * may name a file instead ("/path/font.ttc#2"). fonts/kiosk-fonts.conf is the
 * fontconfig fragment a kiosk image installs to prefer these faces session-wide.
 * Single-threaded at start-up. */
#ifndef FONTFIND_H
#define FONTFIND_H

#include <stddef.h>

#include "kerr.h"

struct fontfind_result {
    char path[1024];
    int index; /* face index within a .ttc collection */
};

/* Resolves spec: NULL or "" means the default CJK UI face; a spec that starts
 * with '/' or '.' is a file path with an optional "#index"; anything else is
 * a fontconfig pattern ("Noto Sans CJK SC:style=Bold"). Returns KERR_NOTFOUND
 * when nothing suitable is installed (out is then untouched). */
enum kerr fontfind_text(const char *spec, struct fontfind_result *out);

/* Same for the icon face (default "Material Icons"). */
enum kerr fontfind_icons(const char *spec, struct fontfind_result *out);

#endif
