#include "walkcli.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "geomap.h"
#include "walk.h"

static void print_json(cJSON *o, FILE *out)
{
    char *s = cJSON_PrintUnformatted(o);
    if (s) fprintf(out, "%s\n", s);
    free(s);
    cJSON_Delete(o);
}

static int nearest(const struct walk *w, const struct walkcli_opts *o, FILE *out, FILE *err)
{
    enum walk_group g = WALK_ALL;
    const char *type = NULL;
    size_t n, all;
    const struct walk_place **list;
    int sf = o->step_free;
    if (o->kind && !walk_group_parse(o->kind, &g, &type)) {
        fprintf(err, "kiosk: --kind %s: expected all, party, service, union, youth, women, "
                     "nursing, other or an organisation type such as party_branch\n", o->kind);
        return 2;
    }
    walk_places(w, &all);
    list = malloc((all + 1) * sizeof *list);
    if (!list) return 1;
    n = walk_nearest(w, g, type, o->step_free, list, all);
    if (o->limit > 0 && (size_t)o->limit < n) n = (size_t)o->limit;
    for (size_t i = 0; i < n; i++) {
        const struct walk_place *p = list[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", p->id);
        cJSON_AddStringToObject(j, "kind", p->type_key);
        cJSON_AddNumberToObject(j, "seconds", (double)(long)(p->seconds[sf] * 10 + 0.5) / 10);
        cJSON_AddNumberToObject(j, "metres", (double)(long)(p->metres[sf] * 10 + 0.5) / 10);
        cJSON_AddStringToObject(j, "tower", p->place->tower_id);
        cJSON_AddNumberToObject(j, "floor", p->floor);
        print_json(j, out);
    }
    free(list);
    return 0;
}

static int route(const struct walk *w, const struct walkcli_opts *o, int lang, FILE *out,
                 FILE *err)
{
    struct walk_route r;
    enum kerr e = walk_route(w, o->route, o->step_free, &r);
    cJSON *j, *steps, *path;
    if (e == KERR_NOTFOUND) {
        fprintf(err, "kiosk: --route %s: no such place (an organisation or nursing room id)\n",
                o->route);
        return 1;
    }
    if (e == KERR_INVALID) {
        fprintf(err, "kiosk: --route %s: not reachable from here%s\n", o->route,
                o->step_free ? " without steps" : " on the walk network");
        return 1;
    }
    if (e != KERR_OK) return 1;
    j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", r.to->id);
    cJSON_AddNumberToObject(j, "seconds", (double)(long)(r.seconds * 10 + 0.5) / 10);
    cJSON_AddNumberToObject(j, "metres", (double)(long)(r.metres * 10 + 0.5) / 10);
    cJSON_AddStringToObject(j, "lang", lang ? "en" : "zh");
    steps = cJSON_AddArrayToObject(j, "steps");
    for (size_t i = 0; i < r.n_steps; i++)
        cJSON_AddItemToArray(steps, cJSON_CreateString(r.steps[i][lang ? 1 : 0]));
    path = cJSON_AddArrayToObject(j, "path");
    for (size_t i = 0; i < r.n_pts; i++) {
        double ll[2] = {r.pts[i].lon, r.pts[i].lat};
        cJSON_AddItemToArray(path, cJSON_CreateDoubleArray(ll, 2));
    }
    print_json(j, out);
    walk_route_free(&r);
    return 0;
}

int walkcli_run(const struct app_config *cfg, const struct walkcli_opts *o, FILE *out, FILE *err)
{
    struct content_report *rep = calloc(1, sizeof *rep);
    struct content *c = NULL;
    struct geomap *m = NULL;
    struct walk_graph *g = NULL;
    struct walk *w = NULL;
    char why[256];
    int rc = 1;
    if (!rep) return 1;
    content_report_init(rep);
    if (content_load(cfg->content_dir, &c, rep) != KERR_OK ||
        geomap_load(cfg->content_dir, c, &m, rep) != KERR_OK || walk_build(m, &g, rep) != KERR_OK) {
        content_report_print(rep, err);
        fprintf(err, "kiosk: %s: no usable bundle and map\n", cfg->content_dir);
        goto done;
    }
    if (!cfg->tower_id[0]) { /* a circle without a location has no times or routes */
        fprintf(err, "kiosk: the config names no tower_id: this kiosk has no location to walk from\n");
        goto done;
    }
    if (walk_create(c, g, cfg->tower_id, cfg->entrance, false, &w, why, sizeof why) != KERR_OK) {
        fprintf(err, "kiosk: %s (set tower_id and entrance in the config)\n", why);
        goto done;
    }
    rc = o->route ? route(w, o, o->lang >= 0 ? o->lang : cfg->lang, out, err)
                  : nearest(w, o, out, err);
done:
    walk_free(w);
    walk_graph_free(g);
    geomap_free(m);
    content_free(c);
    free(rep);
    return rc;
}
