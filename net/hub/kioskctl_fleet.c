/* kioskctl_fleet: the fleet commands of kioskctl: kiosk list (online or
 * stale), kiosk screenshot, alert send / list / clear (see kioskctl.h and
 * usage() in kioskctl.c). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "api_fleet.h"
#include "kclock.h"
#include "kioskctl.h"
#include "utf8.h"

bool kioskctl_fleet_opt(struct fleet_opts *o, int argc, char **argv, int *i)
{
    static const struct {
        const char *name;
        size_t off;
    } opts[] = {
        {"--to", offsetof(struct fleet_opts, to)},
        {"--level", offsetof(struct fleet_opts, level)},
        {"--title", offsetof(struct fleet_opts, title)},
        {"--body", offsetof(struct fleet_opts, body)},
        {"--title-en", offsetof(struct fleet_opts, title_en)},
        {"--body-en", offsetof(struct fleet_opts, body_en)},
        {"--until", offsetof(struct fleet_opts, until)},
        {"-o", offsetof(struct fleet_opts, out)},
        {"--output", offsetof(struct fleet_opts, out)},
        {"--timeout", offsetof(struct fleet_opts, timeout)},
    };
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        if (strcmp(argv[*i], opts[k].name) == 0 && *i + 1 < argc) {
            *(const char **)(void *)((char *)o + opts[k].off) = argv[++*i];
            return true;
        }
    }
    return false;
}

/* ---- kiosk list --------------------------------------------------------------- */

int kioskctl_kiosk_list(const struct ctl *c)
{
    cJSON *o, *a, *k;
    int ret = kioskctl_get(c, "/api/v1/admin/kiosks", &o);
    if (ret != KIOSKCTL_GOT_ANSWER) return ret;
    ret = EX_HUB;
    a = cJSON_GetObjectItemCaseSensitive(o, "kiosks");
    if (cJSON_IsArray(a)) {
        int online = 0, stale = 0, never = 0;
        printf("%-16s %-7s %-7s %-21s %6s %-6s %-10s %5s %8s %-12s %-6s %-6s %s\n", "ID",
               "TOKEN", "STATE", "LAST_HEARTBEAT", "AGE_S", "TOWER", "VERSION", "QUEUE",
               "OLDEST_S", "CONTENT", "SCREEN", "LINK", "LAST_ERROR");
        cJSON_ArrayForEach(k, a)
        {
            const char *st = kioskctl_str(k, "state");
            const cJSON *scr = cJSON_GetObjectItemCaseSensitive(k, "screen_on");
            if (strcmp(st, "online") == 0) online++;
            else if (strcmp(st, "stale") == 0) stale++;
            else if (strcmp(st, "never") == 0) never++;
            const cJSON *rv = cJSON_GetObjectItemCaseSensitive(k, "revoked_at");
            printf("%-16s %-7s %-7s %-21s", kioskctl_str(k, "id"),
                   cJSON_IsString(rv) ? "revoked" : "active", st, kioskctl_str(k, "last_seen"));
            printf(" %6s", kioskctl_str(k, "age_s"));
            printf(" %-6s", kioskctl_str(k, "tower"));
            printf(" %-10s", kioskctl_str(k, "version"));
            printf(" %5s", kioskctl_str(k, "queue_depth"));
            printf(" %8s", kioskctl_str(k, "oldest_pending_s"));
            printf(" %-12s", kioskctl_str(k, "content_version"));
            printf(" %-6s", cJSON_IsBool(scr) ? (cJSON_IsTrue(scr) ? "on" : "off") : "-");
            printf(" %-6s", kioskctl_str(k, "online"));
            printf(" %s\n", kioskctl_str(k, "last_error"));
        }
        printf("(%d kiosks: %d online, %d stale, %d never seen; stale after %s s)\n",
               cJSON_GetArraySize(a), online, stale, never, kioskctl_str(o, "stale_after_s"));
        ret = EX_OK;
    }
    cJSON_Delete(o);
    return ret;
}

/* ---- kiosk screenshot ------------------------------------------------------------ */

static bool digits(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    if (!s || !*s) return false;
    v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

int kioskctl_kiosk_screenshot(const struct ctl *c, const struct fleet_opts *o, const char *id)
{
    char path[160], sid[API_SHOT_ID_SIZE];
    struct buf b;
    long code, timeout_s = 30;
    cJSON *ans;
    const cJSON *it;
    uint64_t t0 = kclock_mono_ms();
    int ret;
    if (!api_kiosk_id_valid(id)) {
        fprintf(stderr, "kioskctl: kiosk id must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$\n");
        return EX_USAGE;
    }
    if (!o->out) {
        fprintf(stderr, "kioskctl: kiosk screenshot needs -o FILE.png\n");
        return EX_USAGE;
    }
    if (o->timeout && !digits(o->timeout, 1, 600, &timeout_s)) {
        fprintf(stderr, "kioskctl: --timeout is 1..600 seconds\n");
        return EX_USAGE;
    }
    snprintf(path, sizeof path, "/api/v1/admin/kiosks/%s/screenshot", id);
    code = kioskctl_call(c, "POST", path, "{}", &b);
    if (code != 202) {
        ret = kioskctl_fail(code, &b);
        free(b.p);
        return ret;
    }
    ans = b.p ? cJSON_ParseWithLength(b.p, b.len) : NULL;
    free(b.p);
    it = cJSON_GetObjectItemCaseSensitive(ans, "id");
    if (!cJSON_IsString(it) || !api_shot_id_valid(it->valuestring)) {
        fprintf(stderr, "kioskctl: the hub's answer has no screenshot id\n");
        cJSON_Delete(ans);
        return EX_HUB;
    }
    snprintf(sid, sizeof sid, "%s", it->valuestring);
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "listening")))
        fprintf(stderr, "kioskctl: %s is not connected to the hub now; waiting %ld s for it\n", id,
                timeout_s);
    cJSON_Delete(ans);
    snprintf(path, sizeof path, "/api/v1/admin/kiosks/%s/screenshot/%s", id, sid);
    for (;;) {
        code = kioskctl_call(c, "GET", path, NULL, &b);
        if (code == 200) {
            FILE *f = fopen(o->out, "wb");
            bool ok = f && fwrite(b.p, 1, b.len, f) == b.len;
            if (f && fclose(f) != 0) ok = false;
            if (!ok) {
                fprintf(stderr, "kioskctl: cannot write %s\n", o->out);
                free(b.p);
                return EX_USAGE;
            }
            if (c->json) printf("{\"kiosk\":\"%s\",\"file\":\"%s\",\"bytes\":%zu}\n", id, o->out, b.len);
            else printf("screenshot of %s written to %s (%zu bytes)\n", id, o->out, b.len);
            free(b.p);
            return EX_OK;
        }
        if (code != 202) {
            ret = kioskctl_fail(code, &b);
            if (code == 409) ret = EX_HUB; /* refused: not a conflict of the caller's making */
            free(b.p);
            return ret;
        }
        free(b.p);
        if (kclock_mono_ms() - t0 > (uint64_t)timeout_s * 1000) {
            fprintf(stderr, "kioskctl: %s did not send its screen within %ld s (offline?)\n", id,
                    timeout_s);
            return EX_HUB;
        }
        usleep(300000);
    }
}

/* ---- alerts --------------------------------------------------------------------- */

/* --until: "YYYY-MM-DDTHH:MM[:SS]" with "Z" (UTC), "+08:00"-style offset or
 * none (Beijing time, as the kiosks show), or +N followed by s, m, h or d. */
static bool until_ms(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se = 0, n = 0, oh = 8, om = 0;
    char sign = '+', rest[16] = "";
    if (s[0] == '+') {
        char *end;
        long v = strtol(s + 1, &end, 10);
        int64_t mul = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
        if (v <= 0 || !mul || end[1] || v > 366L * 86400) return false;
        *out = kclock_wall_ms() + (int64_t)v * mul * 1000;
        return true;
    }
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5) return false;
    s += n;
    if (*s == ':') {
        if (sscanf(s, ":%2d%n", &se, &n) != 1) return false;
        s += n;
    }
    if (*s == 'Z' && !s[1]) {
        oh = 0;
    } else if ((*s == '+' || *s == '-') && sscanf(s, "%c%2d:%2d%15s", &sign, &oh, &om, rest) == 3) {
        if (oh > 14 || om > 59) return false;
    } else if (*s) {
        return false;
    }
    {
        char utc[API_TIME_SIZE];
        int64_t ms;
        snprintf(utc, sizeof utc, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, se);
        if (api_time_parse(utc, &ms) != KERR_OK) return false;
        ms -= (int64_t)(sign == '-' ? -1 : 1) * (oh * 3600 + om * 60) * 1000;
        *out = ms;
    }
    return true;
}

static void print_alert(const cJSON *a)
{
    printf("%-14s %-7s %-22s %-21s %-21s %s", kioskctl_str(a, "id"), kioskctl_str(a, "level"),
           kioskctl_str(a, "to"), kioskctl_str(a, "sent_at"), kioskctl_str(a, "until"),
           kioskctl_str(a, "title"));
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "title_en")) &&
        kioskctl_str(a, "title_en")[0])
        printf(" / %s", kioskctl_str(a, "title_en"));
    printf("\n");
}

static int alert_send(const struct ctl *c, const struct fleet_opts *o)
{
    struct api_alert al;
    const char *why = "";
    cJSON *j;
    char *body;
    struct buf b;
    long code;
    int ret;
    memset(&al, 0, sizeof al);
    if (!o->to || !o->level || !o->title) {
        fprintf(stderr, "kioskctl: alert send needs --to, --level and --title\n");
        return EX_USAGE;
    }
    if (o->until && !until_ms(o->until, &al.until_ms)) {
        fprintf(stderr, "kioskctl: --until is YYYY-MM-DDTHH:MM[:SS] (Beijing time), the same with "
                        "Z (UTC) or +08:00, or +N followed by s, m, h or d (+30m)\n");
        return EX_USAGE;
    }
    snprintf(al.to, sizeof al.to, "%s", o->to);
    snprintf(al.level, sizeof al.level, "%s", o->level);
#define COPY(m)                                                                                    \
    if (o->m && strlen(o->m) >= sizeof al.m) {                                                     \
        fprintf(stderr, "kioskctl: --%s is too long\n", #m);                                       \
        return EX_USAGE;                                                                           \
    }                                                                                              \
    snprintf(al.m, sizeof al.m, "%s", o->m ? o->m : "")
    COPY(title);
    COPY(body);
    COPY(title_en);
    COPY(body_en);
#undef COPY
    if (strlen(o->to) >= sizeof al.to || strlen(o->level) >= sizeof al.level ||
        api_alert_check(&al, true, &why) != KERR_OK) {
        fprintf(stderr, "kioskctl: %s\n", why[0] ? why : "--to or --level too long");
        return EX_USAGE;
    }
    if (al.until_ms && al.until_ms <= kclock_wall_ms()) {
        fprintf(stderr, "kioskctl: --until is already past\n");
        return EX_USAGE;
    }
    j = api_alert_to_json(&al, true);
    if (!j) return EX_HUB;
    cJSON_DeleteItemFromObjectCaseSensitive(j, "id");
    cJSON_DeleteItemFromObjectCaseSensitive(j, "sent_at");
    body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!body) return EX_HUB;
    code = kioskctl_call(c, "POST", API_PATH_ADMIN_ALERTS, body, &b);
    free(body);
    if (code == 201) {
        cJSON *a = b.p ? cJSON_ParseWithLength(b.p, b.len) : NULL;
        if (c->json) printf("%s\n", b.p);
        else printf("alert %s sent to %s\n", kioskctl_str(a, "id"), kioskctl_str(a, "to"));
        cJSON_Delete(a);
        ret = EX_OK;
    } else {
        ret = kioskctl_fail(code, &b);
        if (code == 400) ret = EX_USAGE;
    }
    free(b.p);
    return ret;
}

int kioskctl_alert(const struct ctl *c, const struct fleet_opts *o, const char *const *pos,
                   int npos)
{
    if (npos == 2 && strcmp(pos[1], "send") == 0) return alert_send(c, o);
    if (npos == 2 && strcmp(pos[1], "list") == 0) {
        cJSON *ans, *a, *it;
        int ret = kioskctl_get(c, API_PATH_ADMIN_ALERTS, &ans);
        if (ret != KIOSKCTL_GOT_ANSWER) return ret;
        a = cJSON_GetObjectItemCaseSensitive(ans, "alerts");
        printf("%-14s %-7s %-22s %-21s %-21s %s\n", "ID", "LEVEL", "TO", "SENT", "UNTIL", "TITLE");
        cJSON_ArrayForEach(it, a) print_alert(it);
        printf("(%d active)\n", cJSON_GetArraySize(a));
        cJSON_Delete(ans);
        return EX_OK;
    }
    if ((npos == 2 || npos == 3) && strcmp(pos[1], "clear") == 0) {
        char path[96];
        struct buf b;
        long code;
        int ret;
        if (npos == 3 && strspn(pos[2], "0123456789") != strlen(pos[2])) {
            fprintf(stderr, "kioskctl: an alert id is a number (kioskctl alert list)\n");
            return EX_USAGE;
        }
        snprintf(path, sizeof path, "%s%s%.20s", API_PATH_ADMIN_ALERTS, npos == 3 ? "/" : "",
                 npos == 3 ? pos[2] : "");
        code = kioskctl_call(c, "DELETE", path, NULL, &b);
        if (code == 200) {
            cJSON *a = b.p ? cJSON_ParseWithLength(b.p, b.len) : NULL;
            if (c->json) printf("%s\n", b.p);
            else printf("%s alerts cleared\n", kioskctl_str(a, "cleared"));
            cJSON_Delete(a);
            ret = EX_OK;
        } else {
            ret = kioskctl_fail(code, &b);
        }
        free(b.p);
        return ret;
    }
    fprintf(stderr, "kioskctl: alert send|list|clear (kioskctl --help)\n");
    return EX_USAGE;
}
