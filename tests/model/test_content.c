/* The default bundle (argv[1]) loads and holds the article's facts; lookups,
 * current notices, category lists, places and language fallback work. */
#include <stdio.h>
#include <string.h>

#include "content.h"
#include "kclock.h"
#include "ktest.h"

/* 2026-11-25 12:00 +08:00 */
#define NOW_2026_11_25 1795579200LL

int main(int argc, char **argv)
{
    struct content *c = NULL;
    struct content_report rep;
    const struct content_notice *cur[16];
    const struct content_service *svc[64];
    const struct content_org *orgs[128];
    char buf[256];
    size_t n, nb = 0;
    uint64_t t0;
    int legal = 0;

    if (argc < 2) return 2;
    content_report_init(&rep);
    t0 = kclock_mono_ms();
    CHECK(content_load(argv[1], &c, &rep) == KERR_OK);
    printf("default bundle loaded in %llu ms\n", (unsigned long long)(kclock_mono_ms() - t0));
    content_report_print(&rep, stderr);
    if (!c) return ktest_done("content_loads_default_bundle");

    CHECK(c->sample);
    CHECK(c->sample_notice.zh && strstr(c->sample_notice.zh, "示例"));
    CHECK_STR(content_tr(&c->district.name, CONTENT_ZH), "黄龙商圈");
    CHECK(c->district.n_about >= 3);
    CHECK(c->generated_at > 0);

    /* The article's figures. */
    CHECK(c->n_towers == 13);
    for (size_t i = 0; i < c->n_towers; i++) {
        CHECK(c->towers[i].grid >= 1 && c->towers[i].grid <= 3);
        CHECK(strstr(c->towers[i].name.zh, "示例") != NULL); /* invented names say so */
    }
    CHECK(content_orgs_of_type(c, CONTENT_ORG_TOWER_PARTY_BRANCH, orgs, 128) == 13);
    CHECK(content_orgs_of_type(c, CONTENT_ORG_PARTY_BRANCH, orgs, 128) == 57);
    n = content_orgs_of_type(c, CONTENT_ORG_UNION, orgs, 128);
    CHECK(n == 32);
    for (size_t i = 0; i < n && i < 128; i++) nb += (size_t)orgs[i]->companies;
    CHECK(nb == 192);
    CHECK(content_orgs_of_type(c, CONTENT_ORG_YOUTH_LEAGUE, orgs, 128) == 38);
    CHECK(content_orgs_of_type(c, CONTENT_ORG_WOMENS_COMMITTEE, orgs, 128) == 10);
    CHECK(content_orgs_of_type(c, CONTENT_ORG_NEXT_GEN_ENTERPRISE, orgs, 128) == 10);
    CHECK(content_orgs_of_type(c, CONTENT_ORG_NEXT_GEN_TOWER, orgs, 128) == 2);
    CHECK(content_orgs_of_type(c, CONTENT_ORG_TONGXINHUI, orgs, 128) == 1);
    /* every tower has its tower Party branch */
    for (size_t i = 0; i < c->n_towers; i++) {
        int found = 0;
        n = content_orgs_of_type(c, CONTENT_ORG_TOWER_PARTY_BRANCH, orgs, 128);
        for (size_t k = 0; k < n; k++)
            if (orgs[k]->place.tower_id && strcmp(orgs[k]->place.tower_id, c->towers[i].id) == 0) found = 1;
        CHECK(found);
    }
    for (size_t i = 0; i < c->n_services; i++)
        if (strcmp(c->services[i].name.zh, "法律服务") == 0) legal++;
    CHECK(legal == 1);
    CHECK(c->n_nursing_rooms >= 1 && c->n_companies >= 13 && c->n_request_categories >= 3);
    CHECK(c->n_phrases >= 3);

    /* Lookups. */
    CHECK(content_category(c, "legal") && strcmp(content_category(c, "legal")->icon, "gavel") == 0);
    CHECK(content_service(c, "legal-aid") && strcmp(content_service(c, "legal-aid")->name.zh, "法律服务") == 0);
    CHECK(content_tower(c, "t01") != NULL);
    CHECK(content_tower(c, "t14") == NULL);
    CHECK(content_tower(c, NULL) == NULL);
    CHECK(content_org(c, "centre") != NULL);
    CHECK(content_request_category(c, "legal") && content_org(c, content_request_category(c, "legal")->org_id));
    CHECK(content_notice(c, "n-lights") != NULL);
    CHECK(content_nursing_room(c, "mr-01") != NULL);
    CHECK(content_company(c, "c-a1") != NULL);

    /* Categories come in display order; every one has services. */
    for (size_t i = 1; i < c->n_categories; i++) CHECK(c->categories[i - 1].order <= c->categories[i].order);
    for (size_t i = 0; i < c->n_categories; i++) CHECK(content_services_in(c, c->categories[i].id, svc, 64) > 0);
    n = content_services_in(c, "legal", svc, 1);
    CHECK(n >= 2); /* total, even though only one written */
    CHECK(content_services_in(c, "nope", svc, 64) == 0);

    /* Notices current on 2026-11-25: the expired one is filtered out, order is
     * by priority. */
    n = content_current_notices(c, NOW_2026_11_25, cur, 16);
    CHECK(n == 5);
    for (size_t i = 0; i < n && i < 16; i++) {
        CHECK(strcmp(cur[i]->id, "n-lights") != 0);
        if (i) CHECK(cur[i - 1]->priority >= cur[i]->priority);
    }
    CHECK(n > 0 && strcmp(cur[0]->id, "n-sample") == 0);
    CHECK(content_current_notices(c, NOW_2026_11_25, NULL, 0) == n);
    /* the lighting notice was current in April 2026 */
    n = content_current_notices(c, 1776000000LL, cur, 16); /* 2026-04-12 */
    {
        int lights = 0;
        for (size_t i = 0; i < n && i < 16; i++) lights |= strcmp(cur[i]->id, "n-lights") == 0;
        CHECK(lights);
    }
    /* still something current in 2030 (long-running notices) */
    CHECK(content_current_notices(c, 1893456000LL, cur, 16) >= 2);
    for (size_t i = 0; i < c->n_notices; i++)
        if (c->notices[i].image) CHECK(c->notices[i].image[0] == '/');

    /* Places and language fallback. */
    {
        const struct content_service *s = content_service(c, "legal-aid");
        content_place_format(c, &s->place, CONTENT_ZH, buf, sizeof buf);
        CHECK_STR(buf, "示例楼宇C 3层 306室");
        content_place_format(c, &s->place, CONTENT_EN, buf, sizeof buf);
        CHECK_STR(buf, "Sample Tower C, floor 3, room 306");
        content_place_format(c, &s->place, CONTENT_ZH, buf, 8);
        CHECK(strlen(buf) < 8);
    }
    {
        struct content_text t = {"只有中文", NULL};
        CHECK_STR(content_tr(&t, CONTENT_EN), "只有中文");
        CHECK_STR(content_tr(NULL, CONTENT_EN), "");
    }
    CHECK_STR(content_org_type_key(CONTENT_ORG_TONGXINHUI), "tongxinhui");
    CHECK(content_org_type_key(CONTENT_ORG__COUNT) == NULL);
    CHECK_STR(content_org_type_label(CONTENT_ORG_NEXT_GEN_TOWER)->zh, "楼宇关工委");

    content_free(c);
    content_free(NULL);
    return ktest_done("content_loads_default_bundle");
}
