/* The shell's pure parts: both string catalogues complete, config refusal of
 * unknown keys and bad values (the kiosk exits 2 on them), the annotated
 * example config accepted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "i18n.h"
#include "ktest.h"

static enum kerr load_text(const char *json, struct app_config *cfg, char *err, size_t n)
{
    char path[] = "/tmp/kiosk-config-XXXXXX";
    int fd = mkstemp(path);
    enum kerr rc;
    if (fd < 0) return KERR_IO;
    if (write(fd, json, strlen(json)) != (ssize_t)strlen(json)) rc = KERR_IO;
    close(fd);
    rc = config_load(path, cfg, err, n);
    unlink(path);
    return rc;
}

int main(int argc, char **argv)
{
    struct app_config cfg;
    char err[1400];
    CHECK(i18n_complete());
    CHECK_STR(i18n(S_LANG_TOGGLE, CONTENT_ZH), "English");
    CHECK_STR(i18n(S_LANG_TOGGLE, CONTENT_EN), "中文");
    CHECK_STR(i18n(S_BACK, CONTENT_ZH), "返回");
    CHECK_STR(i18n(S_HOME, CONTENT_ZH), "首页");
    {
        char d[96];
        CHECK_STR(i18n_date(2026, 11, 25, 3, CONTENT_ZH, d, sizeof d), "2026年11月25日 星期三");
        CHECK_STR(i18n_date(2026, 11, 25, 3, CONTENT_EN, d, sizeof d), "Wednesday, 25 November 2026");
    }

    config_defaults(&cfg, "/nonexistent");
    CHECK(cfg.idle_timeout_s == 90);
    CHECK(load_text("{\"idle_timeout_s\": 30, \"language\": \"en\", \"kiosk_id\": \"HL-B02\"}", &cfg,
                    err, sizeof err) == KERR_OK);
    CHECK(cfg.idle_timeout_s == 30 && cfg.lang == 1);
    CHECK_STR(cfg.kiosk_id, "HL-B02");
    /* refused, each with the key named */
    CHECK(load_text("{\"idle_timout_s\": 30}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(strstr(err, "idle_timout_s: unknown setting") != NULL);
    CHECK(load_text("{\"idle_timeout_s\": 5}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(strstr(err, "idle_timeout_s") != NULL);
    CHECK(load_text("{\"idle_timeout_s\": \"90\"}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(load_text("{\"idle_timeout_s\": 90.5}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(load_text("{\"language\": \"fr\"}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(load_text("{\"kiosk_id\": \"../etc\"}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(load_text("{\"hub_url\": \"ftp://x\"}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(load_text("{\"allow_insecure_http\": 1}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(load_text("{\"voice_prompts\": \"yes\"}", &cfg, err, sizeof err) == KERR_USAGE &&
          strstr(err, "voice_prompts") != NULL);
    CHECK(!cfg.voice_prompts); /* 语音播报 is off by default */
    CHECK(load_text("{\"voice_prompts\": true}", &cfg, err, sizeof err) == KERR_OK && cfg.voice_prompts);
    CHECK_STR(i18n(S_VOICE, CONTENT_ZH), "语音播报");
    CHECK_STR(i18n(S_VOICE, CONTENT_EN), "Voice");
    CHECK(load_text("[1,2]", &cfg, err, sizeof err) == KERR_PARSE);
    CHECK(load_text("{\"kiosk_id\": \"\xff\"}", &cfg, err, sizeof err) == KERR_UTF8);
    CHECK(load_text("", &cfg, err, sizeof err) == KERR_PARSE);
    CHECK(config_load("/nonexistent/kiosk.json", &cfg, err, sizeof err) == KERR_IO);
    /* rotation: a quarter turn clockwise, nothing else */
    CHECK(cfg.rotation == 0);
    CHECK(load_text("{\"rotation\": 270}", &cfg, err, sizeof err) == KERR_OK && cfg.rotation == 270);
    CHECK(load_text("{\"rotation\": 45}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(strstr(err, "rotation: must be 0, 90, 180 or 270") != NULL);
    CHECK(load_text("{\"rotation\": 360}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(load_text("{\"rotation\": -90}", &cfg, err, sizeof err) == KERR_USAGE);
    CHECK(load_text("{\"rotation\": \"90\"}", &cfg, err, sizeof err) == KERR_USAGE);
    /* the annotated example in deploy/ is valid */
    if (argc > 1) {
        config_defaults(&cfg, "/nonexistent");
        CHECK(config_load(argv[1], &cfg, err, sizeof err) == KERR_OK);
        if (err[0]) fprintf(stderr, "%s\n", err);
    }
    return ktest_done("app_units");
}
