/* config: the kiosk's settings, from a JSON file (--config FILE; annotated
 * example in deploy/kiosk.example.json). Unknown keys and bad values are
 * refused with one clear message (the caller exits with code 2), so a typo
 * never silently falls back to a default. Start-up only; UI thread. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "kerr.h"
#include "schedule.h"

struct app_config {
    char kiosk_id[33];        /* "HL-A01"; also the ticket prefix */
    char tower_id[33];        /* the tower this kiosk stands in ("" = none) */
    char entrance[65];        /* its entrance on the map ("" = the tower's first) */
    int idle_timeout_s;       /* → attract, personal data wiped (default 90) */
    int still_there_s;        /* countdown of "还在吗？" on forms (default 15) */
    int attract_rotate_s;     /* highlight rotation on attract (default 8) */
    int lang;                 /* 0 zh (default), 1 en: language after a wipe */
    bool elder_mode;          /* 长辈模式 at start and after a wipe (default false) */
    bool voice_prompts;       /* 语音播报 at start and after a wipe (default false) */
    char font[512];           /* "" = Noto Sans CJK SC via fontconfig */
    char icon_font[512];      /* "" = Material Icons via fontconfig */
    char content_dir[1024];   /* bundle shipped with the kiosk */
    char state_dir[1024];     /* outbox.db, last-good content; "" = default */
    char hub_url[512];        /* "" = no hub configured (requests stay queued) */
    char token_file[1024];
    char ca_file[1024];
    char pinned_pubkey[512];
    bool allow_insecure_http;
    char ticket_url_base[512]; /* QR target: <base><ticket> */
    int outbox_max_items;      /* default 1000 */
    int heartbeat_s;           /* default 60 */
    int rotation;              /* 0, 90, 180, 270: clockwise, applied by the session's
                                * compositor (cage -r, deploy/kiosk-session) */
    /* the on-site admin panel (issue 15): "" = the panel cannot be opened */
    char admin_pin_hash[128];  /* from `kiosk --hash-pin` */
    int admin_lock_after;      /* wrong PINs in a row that lock the panel (default 5) */
    int admin_lock_s;          /* for how long (default 300) */
    /* the screen schedule: not set = always lit */
    struct schedule schedule;  /* screen_schedule: {"all": "07:30-21:00", "sun": "off", ...} */
    int screen_wake_s;         /* a touch while dark lights it this long (default 180) */
    char content_root[1024];   /* root.json of signed content updates; "" = no updates */
    int content_trial_s;       /* a new bundle is marked good after this (default 300) */
    int content_max_mb;        /* largest bundle accepted (default 64) */
    int content_timeout_s;     /* whole download deadline (default 120) */
};

/* Fills cfg with the defaults (content_dir from the build, see main.c). */
void config_defaults(struct app_config *cfg, const char *default_content_dir);

/* Reads path over the defaults already in cfg. On error returns KERR_IO,
 * KERR_PARSE or KERR_USAGE and writes one line "path: key: reason" to err
 * (cfg may then be partly changed; the caller must exit). */
enum kerr config_load(const char *path, struct app_config *cfg, char *err, size_t errsz);

#endif
