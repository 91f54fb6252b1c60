#include "config.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adminpin.h"
#include "utf8.h"

#define MAX_CONFIG_BYTES (64 * 1024)

void config_defaults(struct app_config *cfg, const char *default_content_dir)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->kiosk_id, sizeof cfg->kiosk_id, "HL-DEV");
    cfg->idle_timeout_s = 90;
    cfg->still_there_s = 15;
    cfg->attract_rotate_s = 8;
    snprintf(cfg->content_dir, sizeof cfg->content_dir, "%s", default_content_dir);
    snprintf(cfg->ticket_url_base, sizeof cfg->ticket_url_base,
             "https://hub.example.invalid/t/");
    cfg->outbox_max_items = 1000;
    cfg->heartbeat_s = 60;
    cfg->admin_lock_after = 5;
    cfg->admin_lock_s = 300;
    cfg->screen_wake_s = 180;
    cfg->content_trial_s = 300;
    cfg->content_max_mb = 64;
    cfg->content_timeout_s = 120;
}

static bool valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32 || !isalnum((unsigned char)s[0])) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_') return false;
    return true;
}

struct field {
    const char *key;
    enum { F_STR, F_INT, F_BOOL, F_LANG, F_SCHED } type;
    size_t off, size;
    int min, max;
    int (*check)(const char *); /* extra check for strings; 0 = bad */
    const char *why;            /* what a good value looks like */
};

static int check_id(const char *s)
{
    return valid_id(s);
}
static int check_id_or_empty(const char *s)
{
    return !*s || valid_id(s);
}
static int check_url(const char *s)
{
    return !*s || strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}
static int check_rotation(int v)
{
    return v % 90 == 0;
}
static int check_nonempty(const char *s)
{
    return *s != 0;
}
static int check_pin_hash(const char *s)
{
    return !*s || adminpin_hash_shaped(s);
}

#define STR(k, f, chk, why) {k, F_STR, offsetof(struct app_config, f), sizeof(((struct app_config *)0)->f), 0, 0, chk, why}
#define INT(k, f, lo, hi) {k, F_INT, offsetof(struct app_config, f), 0, lo, hi, NULL, NULL}

static const struct field fields[] = {
    STR("kiosk_id", kiosk_id, check_id, "1-32 letters, digits, '-' or '_', starting with a letter or digit"),
    STR("tower_id", tower_id, check_id_or_empty, "a tower id from the content, e.g. \"t01\""),
    STR("entrance", entrance, NULL, "an entrance name of that tower on the map, e.g. \"南门\""),
    INT("idle_timeout_s", idle_timeout_s, 10, 3600),
    INT("still_there_s", still_there_s, 5, 120),
    INT("attract_rotate_s", attract_rotate_s, 3, 120),
    {"language", F_LANG, offsetof(struct app_config, lang), 0, 0, 0, NULL, NULL},
    {"elder_mode", F_BOOL, offsetof(struct app_config, elder_mode), 0, 0, 0, NULL, NULL},
    {"voice_prompts", F_BOOL, offsetof(struct app_config, voice_prompts), 0, 0, 0, NULL, NULL},
    STR("font", font, NULL, NULL),
    STR("icon_font", icon_font, NULL, NULL),
    STR("content_dir", content_dir, check_nonempty, "a folder with content.json"),
    STR("state_dir", state_dir, NULL, NULL),
    STR("hub_url", hub_url, check_url, "https://host[:port] (http:// only for loopback)"),
    STR("token_file", token_file, NULL, NULL),
    STR("ca_file", ca_file, NULL, NULL),
    STR("pinned_pubkey", pinned_pubkey, NULL, NULL),
    {"allow_insecure_http", F_BOOL, offsetof(struct app_config, allow_insecure_http), 0, 0, 0, NULL, NULL},
    STR("ticket_url_base", ticket_url_base, check_url, "https://host/path/ (the ticket is appended)"),
    INT("outbox_max_items", outbox_max_items, 10, 100000),
    INT("heartbeat_s", heartbeat_s, 5, 3600),
    {"rotation", F_INT, offsetof(struct app_config, rotation), 0, 0, 270, NULL, NULL},
    STR("admin_pin_hash", admin_pin_hash, check_pin_hash,
        "a hash made by `kiosk --hash-pin` (\"$scrypt$...\"), never the PIN itself"),
    INT("admin_lock_after", admin_lock_after, 3, 20),
    INT("admin_lock_s", admin_lock_s, 60, 86400),
    {"screen_schedule", F_SCHED, offsetof(struct app_config, schedule), 0, 0, 0, NULL, NULL},
    INT("screen_wake_s", screen_wake_s, 30, 3600),
    STR("content_root", content_root, NULL, NULL),
    INT("content_trial_s", content_trial_s, 10, 86400),
    INT("content_max_mb", content_max_mb, 1, 1024),
    INT("content_timeout_s", content_timeout_s, 5, 3600),
};

/* screen_schedule: {"all": DAY, "mon": DAY, ... "sun": DAY}; "all" is every
 * day a weekday key does not name; a weekday without either is off. DAY as
 * in schedule.h. */
static bool load_schedule(const cJSON *o, struct schedule *out, const char *path, char *err,
                          size_t errsz)
{
    const cJSON *it;
    struct schedule_day all;
    bool has_all = false, has_day[7] = {false};
    char why[200];
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(o)) {
        snprintf(err, errsz, "%s: screen_schedule: must be an object such as "
                 "{\"all\": \"07:30-21:00\", \"sun\": \"off\"}", path);
        return false;
    }
    cJSON_ArrayForEach(it, o)
    {
        int wd;
        struct schedule_day d;
        if (it->string && it->string[0] == '_') continue;
        wd = schedule_weekday(it->string);
        if (!it->string || (wd < 0 && strcmp(it->string, "all") != 0)) {
            snprintf(err, errsz, "%s: screen_schedule: %s: unknown key (all, mon, tue, wed, thu, "
                     "fri, sat, sun)", path, it->string ? it->string : "?");
            return false;
        }
        if (!cJSON_IsString(it) ||
            schedule_parse_day(it->valuestring, &d, why, sizeof why) != KERR_OK) {
            snprintf(err, errsz, "%s: screen_schedule: %s: %s", path, it->string,
                     cJSON_IsString(it) ? why : "must be a string such as \"07:30-21:00\"");
            return false;
        }
        if (wd < 0) {
            all = d;
            has_all = true;
        } else {
            out->day[wd] = d;
            has_day[wd] = true;
        }
    }
    for (int i = 0; i < 7; i++)
        if (!has_day[i] && has_all) out->day[i] = all;
    out->set = true;
    return true;
}

enum kerr config_load(const char *path, struct app_config *cfg, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    cJSON *root = NULL, *it;
    enum kerr rc = KERR_USAGE;

    if (!f) {
        snprintf(err, errsz, "%s: cannot open the config file", path);
        return KERR_IO;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 0 || n > MAX_CONFIG_BYTES) {
        snprintf(err, errsz, "%s: the config file is larger than %d bytes", path, MAX_CONFIG_BYTES);
        fclose(f);
        return KERR_TOOBIG;
    }
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        snprintf(err, errsz, "%s: cannot read the config file", path);
        fclose(f);
        free(buf);
        return KERR_IO;
    }
    fclose(f);
    buf[n] = 0;
    if (!utf8_valid(buf, (size_t)n)) {
        snprintf(err, errsz, "%s: not valid UTF-8 text", path);
        rc = KERR_UTF8;
        goto done;
    }
    root = cJSON_ParseWithLength(buf, (size_t)n);
    if (!root || !cJSON_IsObject(root)) {
        snprintf(err, errsz, "%s: not a JSON object (check commas and quotes)", path);
        rc = KERR_PARSE;
        goto done;
    }
    cJSON_ArrayForEach(it, root)
    {
        const struct field *fd = NULL;
        char *dst;
        if (it->string && it->string[0] == '_') continue; /* "_comment" keys */
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            if (it->string && strcmp(fields[i].key, it->string) == 0) fd = &fields[i];
        if (!fd) {
            snprintf(err, errsz, "%s: %s: unknown setting (see deploy/kiosk.example.json)", path,
                     it->string ? it->string : "?");
            goto done;
        }
        dst = (char *)cfg + fd->off;
        switch (fd->type) {
        case F_STR:
            if (!cJSON_IsString(it) || strlen(it->valuestring) >= fd->size ||
                (fd->check && !fd->check(it->valuestring))) {
                snprintf(err, errsz, "%s: %s: must be a string%s%s (shorter than %zu bytes)", path,
                         fd->key, fd->why ? ": " : "", fd->why ? fd->why : "", fd->size);
                goto done;
            }
            snprintf(dst, fd->size, "%s", it->valuestring);
            break;
        case F_INT:
            if (fd->off == offsetof(struct app_config, rotation) &&
                (!cJSON_IsNumber(it) || !check_rotation(it->valueint))) {
                snprintf(err, errsz, "%s: %s: must be 0, 90, 180 or 270 (degrees clockwise)",
                         path, fd->key);
                goto done;
            }
            if (!cJSON_IsNumber(it) || it->valuedouble != (double)(int)it->valuedouble ||
                it->valueint < fd->min || it->valueint > fd->max) {
                snprintf(err, errsz, "%s: %s: must be a whole number from %d to %d", path, fd->key,
                         fd->min, fd->max);
                goto done;
            }
            *(int *)dst = it->valueint;
            break;
        case F_BOOL:
            if (!cJSON_IsBool(it)) {
                snprintf(err, errsz, "%s: %s: must be true or false", path, fd->key);
                goto done;
            }
            *(bool *)dst = cJSON_IsTrue(it);
            break;
        case F_LANG:
            if (!cJSON_IsString(it) ||
                (strcmp(it->valuestring, "zh") && strcmp(it->valuestring, "en"))) {
                snprintf(err, errsz, "%s: %s: must be \"zh\" or \"en\"", path, fd->key);
                goto done;
            }
            *(int *)dst = strcmp(it->valuestring, "en") == 0;
            break;
        case F_SCHED:
            if (!load_schedule(it, (struct schedule *)(void *)dst, path, err, errsz)) goto done;
            break;
        }
    }
    rc = KERR_OK;
done:
    cJSON_Delete(root);
    free(buf);
    return rc;
}
