/* kioskctl_bookings: see kioskctl_bookings.h. Times are shown in Beijing
 * time, as the kiosks show them; --json prints the hub's UTC times. */
#include "kioskctl_bookings.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "booking.h"
#include "utf8.h"

enum { EX_OK = 0, EX_HUB = 1, EX_USAGE = 2, EX_UNREACHABLE = 3, EX_AUTH = 4, EX_CONFLICT = 5 };

const char kioskctl_bookings_usage[] =
    "  bookings list [--room R] [--date YYYY-MM-DD]\n"
    "                                   nursing-room bookings by slot (Beijing time)\n"
    "  bookings show CODE               one booking (with its phone until erased)\n"
    "  bookings cancel CODE --note TEXT cancel a booking; the slot is free at once\n";

static const char *str_of(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsString(it)) return it->valuestring;
    if (cJSON_IsBool(it)) return cJSON_IsTrue(it) ? "yes" : "no";
    return "-";
}

/* "2026-11-30T06:00:00Z" -> "2026-11-30 14:00" (Beijing). */
static void local_time(const char *utc, char out[20])
{
    int64_t t;
    if (!utc || !book_time_parse(utc, &t)) {
        snprintf(out, 20, "-");
        return;
    }
    {
        char d[BOOK_DATE_SIZE];
        int64_t day = book_local_day(t), m = (t - book_day_start(day)) / 60;
        book_date_format(day, d);
        snprintf(out, 20, "%s %02d:%02d", d, (int)(m / 60) % 100, (int)(m % 60));
    }
}

static int fail(long code, const char *body, size_t len)
{
    struct api_problem p;
    if (code < 0) return EX_UNREACHABLE;
    if (body && api_problem_decode(body, len, &p, NULL) == KERR_OK)
        fprintf(stderr, "kioskctl: %ld %s%s%s\n", code, p.title, p.detail[0] ? ": " : "", p.detail);
    else
        fprintf(stderr, "kioskctl: hub answered %ld\n", code);
    if (code == 400) return EX_USAGE;
    if (code == 401 || code == 403) return EX_AUTH;
    if (code == 409) return EX_CONFLICT;
    return EX_HUB;
}

static cJSON *parse(const char *body, size_t len)
{
    cJSON *o = body && utf8_valid(body, len) ? cJSON_ParseWithLength(body, len) : NULL;
    if (!o) fprintf(stderr, "kioskctl: the hub's answer is not JSON\n");
    return o;
}

static void show_one(const cJSON *b)
{
    static const char *const fields[] = {"code",   "state",      "room",       "tower",
                                         "phone",  "phone_last4", "kiosk_id",  "offline",
                                         "note",   "created_at", "updated_at", "checked_in_at",
                                         "erased_at"};
    char s[20], e[20], cf[20], cu[20], ra[20];
    local_time(str_of(b, "start"), s);
    local_time(str_of(b, "end"), e);
    local_time(str_of(b, "checkin_from"), cf);
    local_time(str_of(b, "checkin_until"), cu);
    local_time(str_of(b, "release_at"), ra);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = str_of(b, fields[i]);
        if (strcmp(fields[i], "phone") == 0 && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(b, "phone")))
            v = "erased";
        printf("%-14s %s\n", fields[i], v);
    }
    printf("%-14s %s – %s (Beijing)\n", "slot", s, e + 11);
    printf("%-14s %s – %s\n", "check-in", cf, cu + 11);
    printf("%-14s %s\n", "released at", ra);
}

static int cmd_list(const struct kctl_http *h, const char *room, const char *date)
{
    char path[256], *body = NULL;
    size_t len = 0;
    long code;
    int ret = EX_HUB;
    int64_t day;
    cJSON *o, *a, *b;
    if (room && !api_kiosk_id_valid(room)) {
        fprintf(stderr, "kioskctl: --room is a room id such as mr-02\n");
        return EX_USAGE;
    }
    if (date && !book_date_parse(date, &day)) {
        fprintf(stderr, "kioskctl: --date is YYYY-MM-DD (a Beijing date)\n");
        return EX_USAGE;
    }
    snprintf(path, sizeof path, "/api/v1/admin/bookings?limit=1000%s%s%s%s", room ? "&room=" : "",
             room ? room : "", date ? "&date=" : "", date ? date : "");
    code = h->call(h->ctx, "GET", path, NULL, &body, &len);
    if (code != 200) {
        ret = fail(code, body, len);
    } else if (h->json) {
        printf("%s\n", body);
        ret = EX_OK;
    } else if ((o = parse(body, len))) {
        a = cJSON_GetObjectItemCaseSensitive(o, "bookings");
        if (cJSON_IsArray(a)) {
            printf("%-7s %-8s %-17s %-6s %-11s %-5s %s\n", "CODE", "ROOM", "SLOT (BEIJING)", "END",
                   "STATE", "LAST4", "KIOSK");
            cJSON_ArrayForEach(b, a)
            {
                char s[20], e[20];
                local_time(str_of(b, "start"), s);
                local_time(str_of(b, "end"), e);
                printf("%-7s %-8s %-17s %-6s %-11s %-5s %s\n", str_of(b, "code"), str_of(b, "room"),
                       s, e + 11, str_of(b, "state"), str_of(b, "phone_last4"),
                       str_of(b, "kiosk_id"));
            }
            printf("(%d)\n", cJSON_GetArraySize(a));
            ret = EX_OK;
        }
        cJSON_Delete(o);
    }
    free(body);
    return ret;
}

static int cmd_show_or_cancel(const struct kctl_http *h, const char *verb, const char *codearg,
                              const char *note)
{
    char code[BOOK_CODE_SIZE], path[128], *body = NULL, *req = NULL;
    size_t len = 0;
    long st;
    int ret = EX_HUB;
    cJSON *o;
    if (!book_code_normalise(codearg, code)) {
        fprintf(stderr, "kioskctl: a booking code is 6 characters of %s\n", BOOK_ALPHABET);
        return EX_USAGE;
    }
    if (strcmp(verb, "cancel") == 0) {
        cJSON *n = cJSON_CreateObject();
        if (!note || !*note) {
            fprintf(stderr, "kioskctl: bookings cancel needs --note TEXT (why, for the record)\n");
            cJSON_Delete(n);
            return EX_USAGE;
        }
        if (!utf8_valid(note, strlen(note)) || strlen(note) > 500) {
            fprintf(stderr, "kioskctl: --note is at most 500 bytes of UTF-8\n");
            cJSON_Delete(n);
            return EX_USAGE;
        }
        if (!n || !cJSON_AddStringToObject(n, "note", note) || !(req = cJSON_PrintUnformatted(n))) {
            cJSON_Delete(n);
            return EX_HUB;
        }
        cJSON_Delete(n);
        snprintf(path, sizeof path, "/api/v1/admin/bookings/%s/cancel", code);
        st = h->call(h->ctx, "POST", path, req, &body, &len);
        free(req);
    } else {
        snprintf(path, sizeof path, "/api/v1/admin/bookings/%s", code);
        st = h->call(h->ctx, "GET", path, NULL, &body, &len);
    }
    if (st != 200) {
        ret = fail(st, body, len);
    } else if (h->json) {
        printf("%s\n", body);
        ret = EX_OK;
    } else if ((o = parse(body, len))) {
        if (strcmp(verb, "cancel") == 0) printf("cancelled %s\n", code);
        show_one(o);
        cJSON_Delete(o);
        ret = EX_OK;
    }
    free(body);
    return ret;
}

int kioskctl_bookings(const struct kctl_http *h, int npos, const char *const *pos,
                      const char *room, const char *date, const char *note)
{
    if (npos == 2 && strcmp(pos[1], "list") == 0) return cmd_list(h, room, date);
    if (npos == 3 && (strcmp(pos[1], "show") == 0 || strcmp(pos[1], "cancel") == 0))
        return cmd_show_or_cancel(h, pos[1], pos[2], note);
    fprintf(stderr, "usage:\n%s", kioskctl_bookings_usage);
    return EX_USAGE;
}
