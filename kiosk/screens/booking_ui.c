/* booking_ui: see booking_ui.h. */
#include "booking_ui.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "walk.h"

static const char *const zh[BK__COUNT] = {
    [BK_ROOMS_INTRO] = "选择房间和时段，用手机号预约，凭预约码签到",
    [BK_MANAGE] = "签到 / 取消预约",
    [BK_FREE_NOW] = "现在空闲",
    [BK_BUSY_NOW] = "现在有人使用",
    [BK_CLOSED_NOW] = "现在未开放",
    [BK_ASKING] = "正在查询…",
    [BK_OFFLINE] = "联网后可预约",
    [BK_OFFLINE_LONG] = "网络暂时不通，无法确认时段是否空闲。联网后可预约。",
    [BK_HOURS] = "开放时间",
    [BK_AMENITIES] = "设施",
    [BK_BOOK] = "预约",
    [BK_ROOM_PICK] = "请选择日期和时段",
    [BK_TODAY] = "今天",
    [BK_TOMORROW] = "明天",
    [BK_SLOT_FREE] = "可预约",
    [BK_SLOT_TAKEN] = "已约满",
    [BK_SLOT_PAST] = "已过",
    [BK_DAY_CLOSED] = "当天不开放",
    [BK_FORM_TITLE] = "填写手机号",
    [BK_PHONE] = "手机号",
    [BK_PHONE_HINT] = "11 位手机号，只用于本次预约",
    [BK_PRIVACY] = "隐私说明：手机号只用于本次预约，由服务中心保存，在时段结束 24 小时后删除。"
                   "本终端不把手机号写入存储，离开本页即清除；确认页只显示预约码和手机尾号 4 位。"
                   "每个手机号每天最多 2 个有效预约。",
    [BK_CONSENT] = "我已阅读并同意",
    [BK_CONFIRM] = "确认预约",
    [BK_SENDING] = "正在预约…",
    [BK_BAD_PHONE] = "请输入 11 位手机号",
    [BK_NEED_CONSENT] = "请先勾选“我已阅读并同意”",
    [BK_TAKEN] = "这个时段刚被别人预约了，可以选择附近的空闲时段：",
    [BK_PHONE_LIMIT] = "这个手机号当天的有效预约已达上限",
    [BK_UNAVAILABLE] = "这个时段已不能预约，请返回重新选择",
    [BK_NET_RETRY] = "没有收到服务中心的答复。请再点一次“确认预约”（不会重复预约）",
    [BK_ERROR] = "预约没有成功，请稍后再试",
    [BK_DONE_TITLE] = "预约成功",
    [BK_CODE] = "预约码",
    [BK_CODE_HINT] = "签到或取消时需要预约码和手机尾号",
    [BK_WHEN] = "时间",
    [BK_WHERE] = "地点",
    [BK_ROUTE] = "查看路线",
    [BK_SCAN] = "扫码把预约存到手机",
    [BK_CHECKIN_RULE] = "请在开始前 %d 分钟到开始后 %d 分钟之间签到；逾时未签到，预约自动释放",
    [BK_FINISH] = "完成",
    [BK_MANAGE_PROMPT] = "输入预约码和手机尾号 4 位",
    [BK_MANAGE_WHERE] = "预约码共 6 位，预约成功时显示在屏幕上，也在当时的二维码里。",
    [BK_LAST4] = "手机尾号",
    [BK_CHECKIN] = "签到",
    [BK_CANCEL] = "取消预约",
    [BK_CHECKED_IN] = "签到成功，请前往妈咪小屋",
    [BK_CANCELLED] = "预约已取消，时段已释放",
    [BK_NOT_FOUND] = "没有找到这个预约，请核对预约码和手机尾号",
    [BK_TOO_EARLY] = "还没到签到时间。签到时间：%s–%s",
    [BK_TOO_LATE] = "已过签到时间（%s–%s），不能签到",
    [BK_NOT_ACTIVE] = "这个预约已取消或已释放",
    [BK_OFFLINE_MANAGE] = "网络暂时不通，联网后可签到或取消",
    [BK_BAD_CODE] = "预约码是 6 位字母或数字",
    [BK_BAD_LAST4] = "请输入手机尾号 4 位",
    [BK_NO_ROOMS] = "目前没有可预约的妈咪小屋",
    [BK_QR_TEXT] = "妈咪小屋预约（示例） 预约码 %s · %s · %s",
    [BK_SLOT_MIN] = "每段 %d 分钟",
    [BK_SLOT_HELD] = "在所在楼宇预约",
    [BK_LOCAL_NOTE] = "本机已确认，预约会自动同步到服务中心",
    [BK_OFFLINE_HELD] = "网络暂时不通：本楼近几小时的时段本机可直接确认，其他时段联网后可预约。",
    [BK_HUB_BUSY] = "服务繁忙，请稍后再试",
    [BK_HUB_BUSY_SHORT] = "服务繁忙",
    [BK_RETRY_IN] = "%d 秒后自动重试",
    [BK_AVAIL_ERROR] = "暂时查不到这个房间的时段，请稍后再试",
    [BK_FORM_BUSY] = "服务繁忙，请稍后再点一次“确认预约”（不会重复预约）",
};

static const char *const en[BK__COUNT] = {
    [BK_ROOMS_INTRO] = "Pick a room and a time, book with your phone number, check in with the code",
    [BK_MANAGE] = "Check in / cancel",
    [BK_FREE_NOW] = "Free now",
    [BK_BUSY_NOW] = "In use now",
    [BK_CLOSED_NOW] = "Closed now",
    [BK_ASKING] = "Checking…",
    [BK_OFFLINE] = "Bookable once online",
    [BK_OFFLINE_LONG] = "The network is down, so no slot can be confirmed. Bookable once online.",
    [BK_HOURS] = "Open",
    [BK_AMENITIES] = "Amenities",
    [BK_BOOK] = "Book",
    [BK_ROOM_PICK] = "Pick a day and a slot",
    [BK_TODAY] = "Today",
    [BK_TOMORROW] = "Tomorrow",
    [BK_SLOT_FREE] = "Free",
    [BK_SLOT_TAKEN] = "Taken",
    [BK_SLOT_PAST] = "Past",
    [BK_DAY_CLOSED] = "Closed on this day",
    [BK_FORM_TITLE] = "Your phone number",
    [BK_PHONE] = "Mobile number",
    [BK_PHONE_HINT] = "11 digits, used only for this booking",
    [BK_PRIVACY] = "Privacy: your number is used only for this booking. The service centre keeps it "
                   "and erases it 24 hours after the slot ends. This kiosk never writes it to storage "
                   "and forgets it when you leave this page; the confirmation shows only the code and "
                   "the last 4 digits. At most 2 active bookings per number a day.",
    [BK_CONSENT] = "I have read and agree",
    [BK_CONFIRM] = "Confirm booking",
    [BK_SENDING] = "Booking…",
    [BK_BAD_PHONE] = "Enter an 11-digit mobile number",
    [BK_NEED_CONSENT] = "Please tick \"I have read and agree\" first",
    [BK_TAKEN] = "Someone has just booked this slot. Nearby free slots:",
    [BK_PHONE_LIMIT] = "This number has reached its bookings for that day",
    [BK_UNAVAILABLE] = "This slot can no longer be booked; go back and pick another",
    [BK_NET_RETRY] = "No answer from the service centre. Tap Confirm booking again (it will not book twice)",
    [BK_ERROR] = "The booking did not go through; please try again later",
    [BK_DONE_TITLE] = "Booked",
    [BK_CODE] = "Booking code",
    [BK_CODE_HINT] = "To check in or cancel you need the code and the last 4 digits of your phone",
    [BK_WHEN] = "When",
    [BK_WHERE] = "Where",
    [BK_ROUTE] = "Show the way",
    [BK_SCAN] = "Scan it with your phone",
    [BK_CHECKIN_RULE] = "Check in between %d minutes before and %d minutes after the start, "
                        "or the booking is released",
    [BK_FINISH] = "Done",
    [BK_MANAGE_PROMPT] = "Enter the booking code and the last 4 digits of your phone",
    [BK_MANAGE_WHERE] = "The code has 6 characters. It was on the screen when you booked, and in its QR code.",
    [BK_LAST4] = "Last 4 digits",
    [BK_CHECKIN] = "Check in",
    [BK_CANCEL] = "Cancel booking",
    [BK_CHECKED_IN] = "Checked in. Please go to the nursing room",
    [BK_CANCELLED] = "Booking cancelled; the slot is free again",
    [BK_NOT_FOUND] = "No such booking; check the code and the 4 digits",
    [BK_TOO_EARLY] = "Too early to check in. Check-in: %s–%s",
    [BK_TOO_LATE] = "Check-in time (%s–%s) has passed",
    [BK_NOT_ACTIVE] = "This booking was cancelled or released",
    [BK_OFFLINE_MANAGE] = "The network is down; check in or cancel once online",
    [BK_BAD_CODE] = "The code is 6 letters or digits",
    [BK_BAD_LAST4] = "Enter the last 4 digits",
    [BK_NO_ROOMS] = "No nursing room can be booked at the moment",
    [BK_QR_TEXT] = "Nursing room booking (sample) code %s · %s · %s",
    [BK_SLOT_MIN] = "%d minutes each",
    [BK_SLOT_HELD] = "At its tower's kiosk",
    [BK_LOCAL_NOTE] = "Confirmed by this kiosk; it is sent to the service centre automatically",
    [BK_OFFLINE_HELD] = "The network is down: this tower's slots of the next hours can be confirmed "
                        "here; other slots are bookable once online.",
    [BK_HUB_BUSY] = "The service is busy, please try again shortly",
    [BK_HUB_BUSY_SHORT] = "Service busy",
    [BK_RETRY_IN] = "Trying again in %d s",
    [BK_AVAIL_ERROR] = "The slots of this room cannot be shown right now; please try again later",
    [BK_FORM_BUSY] = "The service is busy. Tap Confirm booking again shortly (it will not book twice)",
};

const char *bk_string(enum bk_str id, bool english)
{
    const char *s = (unsigned)id < BK__COUNT ? (english ? en[id] : zh[id]) : NULL;
    if (!s && (unsigned)id < BK__COUNT) s = zh[id];
    return s ? s : "";
}

const char *bk_tr(struct app *a, enum bk_str id)
{
    return bk_string(id, app_lang(a) == CONTENT_EN);
}

bool bk_hub_busy(int http)
{
    return http == 429 || http == 408 || (http >= 500 && http <= 599);
}

uint64_t bk_retry_ms(int retry_after_s)
{
    int s = retry_after_s <= 0 ? 10 : retry_after_s < 2 ? 2 : retry_after_s > 300 ? 300 : retry_after_s;
    return (uint64_t)s * 1000u;
}

bool bk_strings_complete(void)
{
    for (int i = 0; i < BK__COUNT; i++)
        if (!zh[i] || !en[i] || !zh[i][0] || !en[i][0]) return false;
    return true;
}

const struct content_nursing_room *bk_room(struct app *a, int i)
{
    const struct content *c = app_content(a);
    int k = 0;
    for (size_t j = 0; c && j < c->n_nursing_rooms; j++)
        if (c->nursing_rooms[j].booking && k++ == i) return &c->nursing_rooms[j];
    return NULL;
}

int bk_room_count(struct app *a)
{
    int n = 0;
    while (bk_room(a, n)) n++;
    return n;
}

void bk_hhmm(int64_t t, char out[8])
{
    int64_t m = (t - book_day_start(book_local_day(t))) / 60;
    snprintf(out, 8, "%02d:%02d", (int)(m / 60) % 100, (int)(m % 60));
}

static const char *const wd_zh[7] = {"周一", "周二", "周三", "周四", "周五", "周六", "周日"};
static const char *const wd_en[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const mon_en[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void date_text(struct app *a, int64_t day, char *out, size_t n)
{
    char d[BOOK_DATE_SIZE];
    int mo, md, wd = book_weekday(day);
    book_date_format(day, d);
    mo = (d[5] - '0') * 10 + (d[6] - '0');
    md = (d[8] - '0') * 10 + (d[9] - '0');
    if (mo < 1 || mo > 12) mo = 1;
    if (app_lang(a) == CONTENT_EN) snprintf(out, n, "%s %d %s", wd_en[wd], md, mon_en[mo - 1]);
    else snprintf(out, n, "%d月%d日 %s", mo, md, wd_zh[wd]);
}

void bk_slot_text(struct app *a, int64_t start, int slot_min, char *out, size_t n)
{
    char d[48], s[8], e[8];
    date_text(a, book_local_day(start), d, sizeof d);
    bk_hhmm(start, s);
    bk_hhmm(start + (int64_t)slot_min * 60, e);
    snprintf(out, n, "%s %s–%s", d, s, e);
}

void bk_day_text(struct app *a, int64_t day, int64_t today, char *out, size_t n)
{
    char d[BOOK_DATE_SIZE];
    int wd = book_weekday(day);
    if (day == today) {
        snprintf(out, n, "%s", bk_tr(a, BK_TODAY));
        return;
    }
    if (day == today + 1) {
        snprintf(out, n, "%s", bk_tr(a, BK_TOMORROW));
        return;
    }
    /* short, for a tab: "周三 12/2" / "Wed 2/12" */
    book_date_format(day, d);
    if (app_lang(a) == CONTENT_EN)
        snprintf(out, n, "%s %d/%d", wd_en[wd], atoi(d + 8), atoi(d + 5));
    else
        snprintf(out, n, "%s %d/%d", wd_zh[wd], atoi(d + 5), atoi(d + 8));
}

void bk_where_text(struct app *a, const struct content_nursing_room *r, char *out, size_t n)
{
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    const struct content_tower *t = content_tower(c, r->place.tower_id);
    const char *tn = t ? content_tr(&t->name, l) : "";
    const char *room = r->place.room ? r->place.room : "";
    if (l == CONTENT_EN)
        snprintf(out, n, "%s, floor %d%s%s", tn, r->place.floor, room[0] ? ", room " : "", room);
    else
        snprintf(out, n, "%s %d层%s%s", tn, r->place.floor, room[0] ? " " : "", room);
}

void bk_walk_text(struct app *a, const struct content_nursing_room *r, char *out, size_t n)
{
    const struct walk *w = app_walk_loaded(a);
    const struct walk_place *p = w ? walk_place(w, r->id) : NULL;
    out[0] = '\0';
    if (!p || !walk_has_here(w)) return;
    if (p->metres[0] == 0) snprintf(out, n, "%s", app_tr(a, S_WALK_HERE));
    else snprintf(out, n, app_tr(a, S_WALK_FMT), walk_minutes(p->seconds[0]),
                  walk_round_metres(p->metres[0]));
}

bool bk_slots_parse(const char *json, size_t len, struct bk_slots *out)
{
    cJSON *o = json ? cJSON_ParseWithLength(json, len) : NULL;
    const cJSON *s, *arr = cJSON_GetObjectItemCaseSensitive(o, "slots");
    out->n = 0;
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(o);
        return false;
    }
    cJSON_ArrayForEach(s, arr) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(s, "start");
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(s, "state");
        int64_t t;
        if (out->n == BK_SLOTS_MAX) break;
        if (!cJSON_IsString(st) || !book_time_parse(st->valuestring, &t) || !cJSON_IsString(state))
            continue;
        out->start[out->n] = t;
        out->state[out->n] = strcmp(state->valuestring, "free") == 0    ? BK_S_FREE
                             : strcmp(state->valuestring, "taken") == 0 ? BK_S_TAKEN
                             : strcmp(state->valuestring, "past") == 0  ? BK_S_PAST
                             : strcmp(state->valuestring, "held") == 0  ? BK_S_HELD
                                                                        : BK_S_CLOSED;
        out->n++;
    }
    cJSON_Delete(o);
    return true;
}

void bk_problem_slug(const char *json, size_t len, char *out, size_t n)
{
    cJSON *o = json ? cJSON_ParseWithLength(json, len) : NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");
    const char *slash = cJSON_IsString(t) ? strrchr(t->valuestring, '/') : NULL;
    snprintf(out, n, "%s", slash ? slash + 1 : "");
    cJSON_Delete(o);
}
