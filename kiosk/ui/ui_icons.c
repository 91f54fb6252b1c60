#include "ui_icons.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "utf8.h"

#define DEFAULT_MAP "/usr/share/fonts-material-design-icons-iconfont/scss/_variables.scss"

struct icon {
    char name[48];
    uint32_t cp;
};

struct ui_icons {
    struct icon *icons; /* sorted by name */
    size_t n;
};

static int cmp_icon(const void *a, const void *b)
{
    return strcmp(((const struct icon *)a)->name, ((const struct icon *)b)->name);
}

enum kerr ui_icons_load(const char *path, struct ui_icons **out)
{
    struct ui_icons *ic = calloc(1, sizeof *ic);
    FILE *f;
    char line[256];
    size_t cap = 0;
    *out = NULL;
    if (!ic) return KERR_NOMEM;
    if (!path) path = DEFAULT_MAP;
    f = fopen(path, "r");
    if (!f) {
        KLOGE("icons", "cannot read icon map %s", path);
        *out = ic;
        return KERR_OK;
    }
    /* Lines look like:	"gavel": e90e, */
    while (fgets(line, sizeof line, f)) {
        char name[48];
        unsigned cp;
        if (sscanf(line, " \"%47[^\"]\": %x", name, &cp) != 2) continue;
        if (ic->n == cap) {
            size_t ncap = cap ? cap * 2 : 2048;
            struct icon *n = realloc(ic->icons, ncap * sizeof *n);
            if (!n) break;
            ic->icons = n;
            cap = ncap;
        }
        snprintf(ic->icons[ic->n].name, sizeof ic->icons[ic->n].name, "%s", name);
        ic->icons[ic->n].cp = cp;
        ic->n++;
    }
    fclose(f);
    if (ic->n) qsort(ic->icons, ic->n, sizeof *ic->icons, cmp_icon);
    *out = ic;
    return KERR_OK;
}

void ui_icons_free(struct ui_icons *ic)
{
    if (!ic) return;
    free(ic->icons);
    free(ic);
}

uint32_t ui_icon_cp(const struct ui_icons *ic, const char *name)
{
    struct icon key;
    const struct icon *hit;
    if (!name || strlen(name) >= sizeof key.name) return 0;
    snprintf(key.name, sizeof key.name, "%s", name);
    hit = ic && ic->n ? bsearch(&key, ic->icons, ic->n, sizeof *ic->icons, cmp_icon) : NULL;
    if (!hit) {
        KLOGW("icons", "unknown icon \"%s\"", name);
        return 0;
    }
    return hit->cp;
}

int ui_icon_utf8(const struct ui_icons *ic, const char *name, char out[8])
{
    uint32_t cp = ui_icon_cp(ic, name);
    size_t n;
    if (!cp) return 0;
    n = utf8_encode(cp, out);
    out[n] = 0;
    return n > 0;
}
