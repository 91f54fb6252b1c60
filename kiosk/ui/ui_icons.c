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

static struct icon *icons;
static size_t nicons;
static int loaded;
static char map_path[512] = DEFAULT_MAP;

static int cmp_icon(const void *a, const void *b)
{
    return strcmp(((const struct icon *)a)->name, ((const struct icon *)b)->name);
}

static void load(void)
{
    FILE *f = fopen(map_path, "r");
    char line[256];
    size_t cap = 0;
    loaded = 1;
    if (!f) {
        KLOGE("icons", "cannot read icon map %s", map_path);
        return;
    }
    /* Lines look like:	"gavel": e90e, */
    while (fgets(line, sizeof line, f)) {
        char name[48];
        unsigned cp;
        if (sscanf(line, " \"%47[^\"]\": %x", name, &cp) != 2) continue;
        if (nicons == cap) {
            size_t ncap = cap ? cap * 2 : 2048;
            struct icon *n = realloc(icons, ncap * sizeof *n);
            if (!n) break;
            icons = n;
            cap = ncap;
        }
        snprintf(icons[nicons].name, sizeof icons[nicons].name, "%s", name);
        icons[nicons].cp = cp;
        nicons++;
    }
    fclose(f);
    qsort(icons, nicons, sizeof *icons, cmp_icon);
}

uint32_t ui_icon_cp(const char *name)
{
    struct icon key, *hit;
    if (!loaded) load();
    if (!name || strlen(name) >= sizeof key.name) return 0;
    snprintf(key.name, sizeof key.name, "%s", name);
    hit = nicons ? bsearch(&key, icons, nicons, sizeof *icons, cmp_icon) : NULL;
    if (!hit) {
        KLOGW("icons", "unknown icon \"%s\"", name);
        return 0;
    }
    return hit->cp;
}

int ui_icon_utf8(const char *name, char out[8])
{
    uint32_t cp = ui_icon_cp(name);
    size_t n;
    if (!cp) return 0;
    n = utf8_encode(cp, out);
    out[n] = 0;
    return n > 0;
}

void ui_icons_set_path(const char *path)
{
    free(icons);
    icons = NULL;
    nicons = 0;
    loaded = 0;
    snprintf(map_path, sizeof map_path, "%s", path ? path : DEFAULT_MAP);
}
