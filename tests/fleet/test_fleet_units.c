/* Units of fleet operations: alert targets, validity by clock, checks and
 * JSON round trip (api_fleet); the hub's fleet state: a held poll is woken
 * by an alert, by a screenshot request of its kiosk only, and at its
 * deadline; a screenshot is handed out once; alerts survive a reopen and
 * expired ones do not (hubfleet). */
#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_fleet.h"
#include "hubfleet.h"
#include "kclock.h"
#include "ktest.h"

static struct api_alert alert(const char *to, const char *level, const char *title, int64_t until)
{
    struct api_alert a;
    memset(&a, 0, sizeof a);
    snprintf(a.to, sizeof a.to, "%s", to);
    snprintf(a.level, sizeof a.level, "%s", level);
    snprintf(a.title, sizeof a.title, "%s", title);
    a.until_ms = until;
    return a;
}

struct w {
    struct hubfleet_waiter w;
    atomic_int woken;
};

static void on_wake(struct hubfleet_waiter *hw)
{
    atomic_fetch_add(&((struct w *)(void *)hw)->woken, 1);
}

static bool wait_woken(struct w *x, int ms)
{
    for (int i = 0; i < ms / 10 && !atomic_load(&x->woken); i++) usleep(10000);
    return atomic_load(&x->woken) == 1;
}

static uint64_t seq_of(struct hubfleet *f, const char *kiosk, const char *tower, int *nalerts,
                       char *shot)
{
    cJSON *o = hubfleet_events(f, kiosk, tower);
    uint64_t s = (uint64_t)cJSON_GetObjectItem(o, "seq")->valuedouble;
    const cJSON *sh = cJSON_GetObjectItem(o, "screenshot");
    *nalerts = cJSON_GetArraySize(cJSON_GetObjectItem(o, "alerts"));
    if (shot) snprintf(shot, API_SHOT_ID_SIZE, "%s", cJSON_IsString(sh) ? sh->valuestring : "");
    cJSON_Delete(o);
    return s;
}

int main(void)
{
    struct api_alert a = alert("tower:t03", "urgent", "消防演练", 0), b;
    const char *why = "";
    int64_t now = kclock_wall_ms();
    char path[] = "/tmp/fleet_units_XXXXXX";
    char file[64], sid[API_SHOT_ID_SIZE], shot[API_SHOT_ID_SIZE], reason[HUBFLEET_REASON_SIZE];
    struct hubfleet *f;
    struct w x = {0}, y = {0};
    int n = 0;
    uint64_t seq;
    unsigned char *png = NULL;
    size_t len = 0;

    /* targets */
    CHECK(api_alert_targets(&a, "HL-A01", "t03"));
    CHECK(!api_alert_targets(&a, "HL-A01", "t04"));
    CHECK(!api_alert_targets(&a, "HL-A01", NULL));
    snprintf(a.to, sizeof a.to, "kiosk:HL-A01,HL-B02");
    CHECK(api_alert_targets(&a, "HL-B02", NULL));
    CHECK(!api_alert_targets(&a, "HL-B0", NULL));
    CHECK(!api_alert_targets(&a, "HL-A011", NULL));
    snprintf(a.to, sizeof a.to, "all");
    CHECK(api_alert_targets(&a, "X", ""));
    CHECK(api_alert_to_valid("tower:t03") && api_alert_to_valid("kiosk:A,B-1"));
    CHECK(!api_alert_to_valid("tower:") && !api_alert_to_valid("kiosk:A,,B") &&
          !api_alert_to_valid("kiosk:../x") && !api_alert_to_valid("everyone") &&
          !api_alert_to_valid("kiosk:"));
    /* validity by clock */
    a.until_ms = now + 1000;
    CHECK(api_alert_valid_at(&a, now) && !api_alert_valid_at(&a, now + 1000));
    a.until_ms = 0;
    CHECK(api_alert_valid_at(&a, now + 86400000LL * 365));
    /* checks */
    CHECK(api_alert_check(&a, true, &why) == KERR_OK);
    b = alert("all", "loud", "x", 0);
    CHECK(api_alert_check(&b, true, &why) == KERR_INVALID && strstr(why, "level"));
    b = alert("all", "notice", "", 0);
    CHECK(api_alert_check(&b, true, &why) == KERR_INVALID && strstr(why, "title"));
    b = alert("all", "notice", "two\nlines", 0);
    CHECK(api_alert_check(&b, true, &why) == KERR_INVALID);
    /* JSON round trip as a kiosk receives it */
    a.id = 42;
    a.sent_ms = 1795797325000;
    a.until_ms = 1795800925000;
    snprintf(a.body, sizeof a.body, "请沿楼梯撤离。\n谢谢。");
    {
        cJSON *o = api_alert_to_json(&a, false);
        CHECK(api_alert_from_json(o, false, &b, &why) == KERR_OK);
        CHECK(b.id == 42 && b.until_ms == a.until_ms && b.sent_ms == a.sent_ms &&
              strcmp(b.body, a.body) == 0 && b.to[0] == '\0');
        cJSON_ReplaceItemInObject(o, "until", cJSON_CreateString("tomorrow"));
        CHECK(api_alert_from_json(o, false, &b, &why) != KERR_OK);
        cJSON_Delete(o);
    }

    /* the hub's fleet state */
    CHECK(mkdtemp(path) != NULL);
    snprintf(file, sizeof file, "%s/alerts.json", path);
    CHECK(hubfleet_open(file, &f) == KERR_OK);
    seq = seq_of(f, "K1", "t03", &n, NULL);
    CHECK(n == 0);
    CHECK(!hubfleet_hold(f, &x.w, "K1", seq + 1)); /* not the current sequence: answer now */
    x.w.deadline_ms = kclock_mono_ms() + 60000;
    x.w.wake = on_wake;
    CHECK(hubfleet_hold(f, &x.w, "K1", seq));
    {
        char tower[API_TOKEN_SIZE];
        CHECK(hubfleet_kiosk_info(f, "K1", tower) && strcmp(tower, "t03") == 0);
    }
    a = alert("tower:t03", "urgent", "消防演练", 0);
    CHECK(hubfleet_alert_add(f, &a) == KERR_OK && a.id > 0);
    CHECK(wait_woken(&x, 2000));
    CHECK(seq_of(f, "K1", "", &n, NULL) != seq && n == 1); /* tower remembered */
    CHECK(seq_of(f, "K2", "t04", &n, NULL) && n == 0);
    b = alert("all", "notice", "已过期", now - 1000);
    CHECK(hubfleet_alert_add(f, &b) == KERR_INVALID);
    b = alert("all", "notice", "很快过期", kclock_wall_ms() + 1500);
    CHECK(hubfleet_alert_add(f, &b) == KERR_OK);
    CHECK(seq_of(f, "K2", "t04", &n, NULL) && n == 1);
    /* a screenshot wakes only its kiosk */
    seq = seq_of(f, "K1", "", &n, NULL);
    atomic_store(&x.woken, 0);
    x.w.deadline_ms = y.w.deadline_ms = kclock_mono_ms() + 60000;
    y.w.wake = on_wake;
    CHECK(hubfleet_hold(f, &x.w, "K1", seq) && hubfleet_hold(f, &y.w, "K2", seq));
    CHECK(hubfleet_shot_ask(f, "K2", sid) == KERR_OK && api_shot_id_valid(sid));
    CHECK(wait_woken(&y, 2000));
    usleep(100000);
    CHECK(atomic_load(&x.woken) == 0);
    CHECK(seq_of(f, "K2", "", &n, shot) == seq && strcmp(shot, sid) == 0);
    CHECK(hubfleet_shot_take(f, "K2", sid, &png, &len, reason) == KERR_BUSY);
    CHECK(hubfleet_shot_put(f, "K1", sid, NULL, 0, "x") == KERR_NOTFOUND); /* another kiosk's */
    png = malloc(4);
    memcpy(png, "\x89PNG", 4);
    CHECK(hubfleet_shot_put(f, "K2", sid, png, 4, NULL) == KERR_OK);
    png = NULL;
    CHECK(hubfleet_shot_take(f, "K2", sid, &png, &len, reason) == KERR_OK && len == 4);
    free(png);
    CHECK(hubfleet_shot_take(f, "K2", sid, &png, &len, reason) == KERR_NOTFOUND); /* once */
    CHECK(hubfleet_shot_ask(f, "K2", sid) == KERR_OK);
    CHECK(hubfleet_shot_put(f, "K2", sid, NULL, 0, "personal: help_form") == KERR_OK);
    CHECK(hubfleet_shot_take(f, "K2", sid, &png, &len, reason) == KERR_CONFLICT &&
          strstr(reason, "personal"));
    /* x is held until its deadline */
    x.w.deadline_ms = kclock_mono_ms(); /* the thread sees it within a second */
    CHECK(wait_woken(&x, 3000));
    hubfleet_close(f);
    /* reopened: the alert without until is back, the one that expired is not */
    usleep(1600000);
    CHECK(hubfleet_open(file, &f) == KERR_OK);
    CHECK(seq_of(f, "K3", "t03", &n, NULL) && n == 1);
    CHECK(hubfleet_alert_clear(f, 0, &n) == KERR_OK && n == 1);
    CHECK(hubfleet_alert_clear(f, 12345, &n) == KERR_NOTFOUND);
    hubfleet_close(f);
    unlink(file);
    rmdir(path);
    return ktest_done("fleet units");
}
