#include "fontfind.h"

#include <fontconfig/fontconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum kerr from_path(const char *spec, struct fontfind_result *out)
{
    char path[1024];
    const char *hash = strrchr(spec, '#');
    size_t n = hash ? (size_t)(hash - spec) : strlen(spec);
    if (n >= sizeof path) return KERR_TOOBIG;
    memcpy(path, spec, n);
    path[n] = 0;
    if (access(path, R_OK) != 0) return KERR_NOTFOUND;
    snprintf(out->path, sizeof out->path, "%s", path);
    out->index = hash ? atoi(hash + 1) : 0;
    return KERR_OK;
}

/* Asks fontconfig for pattern; if require_family is set, the match must
 * really be that family (fontconfig always returns *something*). */
static enum kerr from_fc(const char *pattern, const char *require_family,
                         struct fontfind_result *out)
{
    enum kerr rc = KERR_NOTFOUND;
    FcPattern *pat, *match = NULL;
    FcResult res;
    FcChar8 *file = NULL, *family = NULL;
    int index = 0;

    if (!FcInit()) return KERR_NOTFOUND;
    pat = FcNameParse((const FcChar8 *)pattern);
    if (!pat) return KERR_PARSE;
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    match = FcFontMatch(NULL, pat, &res);
    if (!match || res != FcResultMatch) goto done;
    if (FcPatternGetString(match, FC_FILE, 0, &file) != FcResultMatch) goto done;
    FcPatternGetInteger(match, FC_INDEX, 0, &index);
    if (require_family) {
        int ok = 0;
        for (int i = 0; FcPatternGetString(match, FC_FAMILY, i, &family) == FcResultMatch; i++)
            if (strcasecmp((const char *)family, require_family) == 0) ok = 1;
        if (!ok) goto done;
    }
    snprintf(out->path, sizeof out->path, "%s", (const char *)file);
    out->index = index;
    rc = KERR_OK;
done:
    if (match) FcPatternDestroy(match);
    FcPatternDestroy(pat);
    return rc;
}

static int is_path(const char *spec)
{
    return spec[0] == '/' || spec[0] == '.';
}

enum kerr fontfind_text(const char *spec, struct fontfind_result *out)
{
    if (spec && *spec) return is_path(spec) ? from_path(spec, out) : from_fc(spec, NULL, out);
    /* Regular weight of the SC face; fontconfig reports its .ttc index. */
    if (from_fc("Noto Sans CJK SC:style=Regular", "Noto Sans CJK SC", out) == KERR_OK)
        return KERR_OK;
    return from_path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2", out);
}

enum kerr fontfind_icons(const char *spec, struct fontfind_result *out)
{
    if (spec && *spec) return is_path(spec) ? from_path(spec, out) : from_fc(spec, NULL, out);
    if (from_fc("Material Icons", "Material Icons", out) == KERR_OK) return KERR_OK;
    return from_path("/usr/share/fonts/truetype/material-design-icons-iconfont/MaterialIcons-Regular.ttf",
                     out);
}
