/* hubbook: see hubbook.h. */
#include "hubbook.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kclock.h"
#include "klog.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long n;
    char *txt = NULL;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= (32l << 20) &&
        fseek(f, 0, SEEK_SET) == 0) {
        txt = malloc((size_t)n + 1);
        if (txt && fread(txt, 1, (size_t)n, f) != (size_t)n) {
            free(txt);
            txt = NULL;
        } else if (txt) {
            txt[n] = '\0';
            *len = (size_t)n;
        }
    }
    fclose(f);
    return txt;
}

enum kerr hubbook_rooms_load(const char *path, struct hubbook_rooms **out)
{
    size_t len = 0;
    char *txt = read_file(path, &len);
    cJSON *doc;
    const cJSON *arr, *e;
    struct hubbook_rooms *rs;
    enum kerr res = KERR_OK;
    *out = NULL;
    if (!txt) return KERR_IO;
    doc = cJSON_ParseWithLength(txt, len);
    free(txt);
    if (!doc) return KERR_PARSE;
    arr = cJSON_GetObjectItemCaseSensitive(doc, "nursing_rooms");
    rs = calloc(1, sizeof *rs);
    if (rs) rs->room = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *rs->room);
    if (!rs || !rs->room) {
        hubbook_rooms_free(rs);
        cJSON_Delete(doc);
        return KERR_NOMEM;
    }
    cJSON_ArrayForEach(e, arr) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        const cJSON *place = cJSON_GetObjectItemCaseSensitive(e, "place");
        const cJSON *tower = cJSON_GetObjectItemCaseSensitive(place, "tower");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "booking");
        struct hubbook_room *r = &rs->room[rs->n];
        char why[160];
        if (!b) continue; /* not bookable */
        if (!cJSON_IsString(id) || strlen(id->valuestring) >= sizeof r->id ||
            !cJSON_IsString(tower) || strlen(tower->valuestring) >= sizeof r->tower) {
            KLOGE("hubbook", "%s: a nursing room without a valid id or place.tower", path);
            res = KERR_INVALID;
            break;
        }
        if (book_rules_parse(b, &r->rules, why, sizeof why) != KERR_OK) {
            KLOGE("hubbook", "%s: nursing room %s: booking.%s", path, id->valuestring, why);
            res = KERR_INVALID;
            break;
        }
        snprintf(r->id, sizeof r->id, "%s", id->valuestring);
        snprintf(r->tower, sizeof r->tower, "%s", tower->valuestring);
        rs->n++;
    }
    cJSON_Delete(doc);
    if (res != KERR_OK) {
        hubbook_rooms_free(rs);
        return res;
    }
    KLOGI("hubbook", "%d bookable nursing rooms from %s", rs->n, path);
    *out = rs;
    return KERR_OK;
}

void hubbook_rooms_free(struct hubbook_rooms *rs)
{
    if (!rs) return;
    free(rs->room);
    free(rs);
}

const struct hubbook_room *hubbook_room_find(const struct hubbook_rooms *rs, const char *id)
{
    if (!rs || !id) return NULL;
    for (int i = 0; i < rs->n; i++)
        if (strcmp(rs->room[i].id, id) == 0) return &rs->room[i];
    return NULL;
}

int64_t hubbook_now_s(void)
{
    const char *p = getenv("KIOSK_HUB_TEST_CLOCK");
    if (p && *p) {
        FILE *f = fopen(p, "r");
        long long v = 0;
        if (f) {
            int ok = fscanf(f, "%lld", &v);
            fclose(f);
            if (ok == 1 && v > 0) return (int64_t)v;
        }
    }
    return kclock_wall_ms() / 1000;
}

void hubbook_clock_note(void)
{
    const char *p = getenv("KIOSK_HUB_TEST_CLOCK");
    if (p && *p)
        KLOGW("hubbook", "KIOSK_HUB_TEST_CLOCK is set: bookings use the time in %s (tests only)", p);
}
