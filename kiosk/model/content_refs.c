/* content_refs: the third pass of content_load (content_validate.c): every
 * array's ids are indexed (sorted, for content_find_ix), duplicates are
 * reported, and every reference between sections (a service's category and
 * provider, a place's tower, a walkway's ends...) must name an id that
 * exists. */
#include <stdlib.h>
#include <string.h>

#include "content_int.h"

static int idx_cmp(const void *a, const void *b)
{
    const struct content_idx *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    if (r) return r;
    return x->i < y->i ? -1 : (x->i > y->i);
}

/* Builds the sorted index of one array (stride bytes apart, id first field
 * of each element) and reports duplicates. */
void content_build_index(struct ld *l, int which, const void *base, size_t n, size_t stride,
                         const char *arrpath)
{
    struct content_idx *ix = content_arena_alloc(l->p, sizeof *ix * (n ? n : 1));
    size_t m = 0;
    char p[CONTENT_PATH_LEN], q[CONTENT_PATH_LEN];
    if (!ix) {
        ld_nomem(l);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = *(const char *const *)(const void *)((const char *)base + i * stride);
        if (id) {
            ix[m].id = id;
            ix[m].i = i;
            m++;
        }
    }
    qsort(ix, m, sizeof *ix, idx_cmp);
    for (size_t i = 1; i < m; i++)
        if (strcmp(ix[i].id, ix[i - 1].id) == 0) {
            ld_kpath(p, ld_ipath(q, arrpath, ix[i].i), "id");
            ld_fail(l, KERR_INVALID, p, "duplicate id \"%s\" (also at [%zu])", ix[i].id, ix[i - 1].i);
        }
    l->p->ix[which] = ix;
    l->p->nix[which] = m;
}


static void check_ref(struct ld *l, int which, const char *id, const char *what, const char *path,
                      const char *key)
{
    char p[CONTENT_PATH_LEN];
    if (id && content_find_ix(l->p, which, id) < 0)
        ld_fail(l, KERR_INVALID, ld_kpath(p, path, key), "unknown %s \"%s\"", what, id);
}

void content_check_refs(struct ld *l)
{
    struct content *c = l->c;
    char p[CONTENT_PATH_LEN], q[CONTENT_PATH_LEN];
    content_build_index(l, IX_TOWER, c->towers, c->n_towers, sizeof *c->towers, "$.towers");
    content_build_index(l, IX_ORG, c->orgs, c->n_orgs, sizeof *c->orgs, "$.orgs");
    content_build_index(l, IX_CAT, c->categories, c->n_categories, sizeof *c->categories, "$.categories");
    content_build_index(l, IX_SERVICE, c->services, c->n_services, sizeof *c->services, "$.services");
    content_build_index(l, IX_ROOM, c->nursing_rooms, c->n_nursing_rooms, sizeof *c->nursing_rooms,
                "$.nursing_rooms");
    content_build_index(l, IX_COMPANY, c->companies, c->n_companies, sizeof *c->companies, "$.companies");
    content_build_index(l, IX_REQCAT, c->request_categories, c->n_request_categories,
                sizeof *c->request_categories, "$.request_categories");
    content_build_index(l, IX_NOTICE, c->notices, c->n_notices, sizeof *c->notices, "$.notices");
    if (l->err == KERR_NOMEM) return;
    for (size_t i = 0; i < c->n_walkways; i++) {
        ld_ipath(p, "$.walkways", i);
        check_ref(l, IX_TOWER, c->walkways[i].from, "tower", p, "from");
        check_ref(l, IX_TOWER, c->walkways[i].to, "tower", p, "to");
    }
    for (size_t i = 0; i < c->n_orgs; i++) {
        ld_ipath(p, "$.orgs", i);
        check_ref(l, IX_TOWER, c->orgs[i].place.tower_id, "tower", ld_kpath(q, p, "place"), "tower");
    }
    for (size_t i = 0; i < c->n_services; i++) {
        const struct content_service *s = &c->services[i];
        ld_ipath(p, "$.services", i);
        check_ref(l, IX_CAT, s->category_id, "category", p, "category");
        check_ref(l, IX_ORG, s->provider_org_id, "organisation", p, "provider_org");
        check_ref(l, IX_TOWER, s->place.tower_id, "tower", ld_kpath(q, p, "place"), "tower");
    }
    for (size_t i = 0; i < c->n_nursing_rooms; i++) {
        ld_ipath(p, "$.nursing_rooms", i);
        check_ref(l, IX_TOWER, c->nursing_rooms[i].place.tower_id, "tower", ld_kpath(q, p, "place"),
                  "tower");
    }
    for (size_t i = 0; i < c->n_companies; i++)
        check_ref(l, IX_TOWER, c->companies[i].tower_id, "tower", ld_ipath(p, "$.companies", i), "tower");
    for (size_t i = 0; i < c->n_request_categories; i++)
        check_ref(l, IX_ORG, c->request_categories[i].org_id, "organisation",
                  ld_ipath(p, "$.request_categories", i), "org");
}
