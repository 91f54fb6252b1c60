/* kiosk: the Huanglong lobby terminal. See README.md for the command line;
 * exit codes: 0 ok, 1 a script/benchmark step or a content check failed,
 * 2 bad command line or config. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "adminpin.h"
#include "api.h"
#include "app.h"
#include "bench.h"
#include "config.h"
#include "contentcheck.h"
#include "klog.h"
#include "screens.h"
#include "script.h"
#include "walkcli.h"

#ifndef KIOSK_DEFAULT_CONTENT
#define KIOSK_DEFAULT_CONTENT "/usr/share/huanglong-kiosk/content"
#endif

/* The default content bundle: beside an installed binary (/usr/bin/kiosk →
 * /usr/share/huanglong-kiosk/content, as the huanglong-kiosk package lays it
 * out), else the source tree's (a build folder's binary). */
static const char *default_content(char *buf, size_t n)
{
    char exe[1024];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;
    if (k <= 0) return KIOSK_DEFAULT_CONTENT;
    exe[k] = 0;
    slash = strrchr(exe, '/');
    if (!slash) return KIOSK_DEFAULT_CONTENT;
    *slash = 0;
    if (snprintf(buf, n, "%s/../share/huanglong-kiosk/content/content.json", exe) >= (int)n ||
        access(buf, R_OK) != 0)
        return KIOSK_DEFAULT_CONTENT;
    buf[strlen(buf) - strlen("/content.json")] = 0;
    return buf;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kiosk [options]\n"
            "  --config FILE         settings (JSON; see deploy/kiosk.example.json)\n"
            "  --windowed WxH        a window instead of fullscreen (development)\n"
            "  --headless            no display: SDL dummy driver, software renderer\n"
            "  --size WxH            headless screen size (default 1920x1080; 1080x1920 = portrait)\n"
            "  --script FILE         run a scenario script on virtual time (needs --headless)\n"
            "  --shots DIR           where a script's screenshots go (default: current folder)\n"
            "  --bench               tour every screen and print timing figures (needs --headless)\n"
            "  --bench-idle S        seconds of idle measured by --bench (default 10)\n"
            "  --check-content DIR   validate a content bundle; exit 0 valid, 1 not\n"
            "  --fake-time T         start the wall clock at T (Unix seconds or YYYY-MM-DDTHH:MM)\n"
            "  --nearest             print the nearest places from the config's tower (JSON lines)\n"
            "  --kind K, --limit N   with --nearest: only group/type K, the first N\n"
            "  --route PLACE_ID      print the walk to a place (JSON)\n"
            "  --step-free           with --nearest/--route: the step-free route (无障碍路线)\n"
            "  --lang zh|en          with --route: the language of the steps (default: the config's)\n"
            "  --print-rotation      print the config's rotation (0, 90, 180, 270) and exit\n"
            "                        (the session launcher deploy/kiosk-session reads it)\n"
            "  --hash-pin            read the admin panel's PIN (4-12 digits) from stdin, print\n"
            "                        the hash for the config's admin_pin_hash\n"
            "  --version, --help\n");
}

static int parse_size(const char *s, int *w, int *h)
{
    char x;
    if (sscanf(s, "%d%c%d", w, &x, h) != 3 || (x != 'x' && x != 'X') || *w < 320 || *h < 320 ||
        *w > 8192 || *h > 8192)
        return 0;
    return 1;
}

static int parse_time(const char *s, int64_t *out)
{
    struct tm tm;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end == 0 && v > 0) {
        *out = v;
        return 1;
    }
    memset(&tm, 0, sizeof tm);
    end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
    if (!end || *end) return 0;
    tm.tm_isdst = -1;
    *out = (int64_t)mktime(&tm);
    return 1;
}

/* Process start on the monotonic clock, from /proc (10 ms resolution). */
static uint64_t process_start_us(void)
{
    FILE *f = fopen("/proc/self/stat", "r");
    char buf[1024];
    unsigned long long start = 0;
    struct timespec boot, mono;
    long hz = sysconf(_SC_CLK_TCK);
    char *p;
    size_t n;
    if (!f) return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    p = strrchr(buf, ')');
    if (!p) return 0;
    /* field 22 is starttime; after ')' come fields 3.. */
    for (int field = 3; field <= 22 && p; field++) p = strchr(p + 1, ' ');
    if (!p || sscanf(p + 1, "%llu", &start) != 1 || hz <= 0) return 0;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    {
        uint64_t boot_us = (uint64_t)boot.tv_sec * 1000000u + (uint64_t)boot.tv_nsec / 1000u;
        uint64_t mono_us = (uint64_t)mono.tv_sec * 1000000u + (uint64_t)mono.tv_nsec / 1000u;
        uint64_t start_us = start * 1000000u / (uint64_t)hz;
        uint64_t age = boot_us > start_us ? boot_us - start_us : 0;
        return mono_us > age ? mono_us - age : 0;
    }
}

/* --hash-pin: the PIN from stdin (one line; typed at a terminal it is not
 * echoed), its hash on stdout for admin_pin_hash. */
static int hash_pin(void)
{
    char pin[64], hash[ADMINPIN_HASH_SIZE];
    size_t n;
    enum kerr e;
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    char *got;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        fprintf(stderr, "PIN (4-12 digits): ");
    }
    got = fgets(pin, sizeof pin, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    if (!got) {
        fprintf(stderr, "kiosk: --hash-pin: no PIN on stdin (e.g. read -rs PIN; echo \"$PIN\" | "
                        "kiosk --hash-pin)\n");
        return 2;
    }
    n = strcspn(pin, "\r\n");
    pin[n] = '\0';
    if (!adminpin_valid(pin)) {
        explicit_bzero(pin, sizeof pin);
        fprintf(stderr, "kiosk: --hash-pin: the PIN must be %d to %d digits\n", ADMINPIN_MIN,
                ADMINPIN_MAX);
        return 2;
    }
    e = adminpin_hash(pin, hash, sizeof hash);
    explicit_bzero(pin, sizeof pin);
    if (e != KERR_OK) {
        fprintf(stderr, "kiosk: --hash-pin: %s\n", kerr_str(e));
        return 1;
    }
    printf("%s\n", hash);
    return 0;
}

int main(int argc, char **argv)
{
    struct app_config cfg;
    struct app_options opt;
    const char *config = NULL, *script = NULL, *shots = NULL, *check = NULL;
    bool bench = false, nearest = false, print_rotation = false;
    struct walkcli_opts wopt = {.lang = -1};
    int idle_s = 10, rc;
    struct app *a = NULL;
    enum kerr err;
    api_json_wipe_on_free(); /* cJSON copies of personal text are wiped when freed */

    memset(&opt, 0, sizeof opt);
    opt.t_process_start_us = process_start_us();
    /* The district keeps Beijing time (UTC+8, no daylight saving). Many
     * device images leave the system zone at UTC, which would show a notice
     * valid from 1 January as valid from 31 December; a TZ given in the
     * environment still wins. */
    if (!getenv("TZ")) setenv("TZ", "CST-8", 1);
    tzset();
    {
        char content[1100];
        config_defaults(&cfg, default_content(content, sizeof content));
    }
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(f, "--help") == 0 || strcmp(f, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(f, "--version") == 0) {
            printf("kiosk %s\n", KIOSK_VERSION);
            return 0;
        } else if (strcmp(f, "--hash-pin") == 0) {
            return hash_pin();
        } else if (strcmp(f, "--headless") == 0) {
            opt.headless = true;
        } else if (strcmp(f, "--bench") == 0) {
            bench = true;
        } else if (strcmp(f, "--nearest") == 0) {
            nearest = true;
        } else if (strcmp(f, "--step-free") == 0) {
            wopt.step_free = true;
        } else if (strcmp(f, "--print-rotation") == 0) {
            print_rotation = true;
        } else if (!v) {
            fprintf(stderr, "kiosk: %s: unknown option or missing value (see --help)\n", f);
            return 2;
        } else if (strcmp(f, "--windowed") == 0 || strcmp(f, "--size") == 0) {
            if (!parse_size(v, &opt.w, &opt.h)) {
                fprintf(stderr, "kiosk: %s %s: expected WxH, e.g. 1920x1080\n", f, v);
                return 2;
            }
            if (strcmp(f, "--windowed") == 0) opt.windowed = true;
            i++;
        } else if (strcmp(f, "--config") == 0) {
            config = argv[++i];
        } else if (strcmp(f, "--script") == 0) {
            script = argv[++i];
        } else if (strcmp(f, "--shots") == 0) {
            shots = argv[++i];
        } else if (strcmp(f, "--check-content") == 0) {
            check = argv[++i];
        } else if (strcmp(f, "--route") == 0) {
            wopt.route = argv[++i];
        } else if (strcmp(f, "--lang") == 0) {
            const char *l = argv[++i];
            if (strcmp(l, "zh") != 0 && strcmp(l, "en") != 0) {
                fprintf(stderr, "kiosk: --lang: zh or en\n");
                return 2;
            }
            wopt.lang = strcmp(l, "en") == 0;
        } else if (strcmp(f, "--kind") == 0) {
            wopt.kind = argv[++i];
        } else if (strcmp(f, "--limit") == 0) {
            wopt.limit = atoi(argv[++i]);
            if (wopt.limit < 1 || wopt.limit > 100000) {
                fprintf(stderr, "kiosk: --limit: 1 to 100000\n");
                return 2;
            }
        } else if (strcmp(f, "--bench-idle") == 0) {
            idle_s = atoi(argv[++i]);
            if (idle_s < 0 || idle_s > 600) {
                fprintf(stderr, "kiosk: --bench-idle: 0 to 600 seconds\n");
                return 2;
            }
        } else if (strcmp(f, "--fake-time") == 0) {
            if (!parse_time(v, &opt.fake_wall_s)) {
                fprintf(stderr, "kiosk: --fake-time %s: expected Unix seconds or YYYY-MM-DDTHH:MM\n", v);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "kiosk: %s: unknown option (see --help)\n", f);
            return 2;
        }
    }
    if (config) {
        char msg[1400];
        if (config_load(config, &cfg, msg, sizeof msg) != KERR_OK) {
            fprintf(stderr, "kiosk: bad config: %s\n", msg);
            return 2;
        }
    }
    if (print_rotation) {
        printf("%d\n", cfg.rotation);
        return 0;
    }
    if (check) return content_check_dir(check, cfg.font[0] ? cfg.font : NULL, stdout);
    if (nearest && wopt.route) {
        fprintf(stderr, "kiosk: --nearest and --route cannot be combined\n");
        return 2;
    }
    if (nearest || wopt.route) return walkcli_run(&cfg, &wopt, stdout, stderr);
    if ((script || bench) && !opt.headless) {
        fprintf(stderr, "kiosk: --script and --bench need --headless\n");
        return 2;
    }
    if (script && bench) {
        fprintf(stderr, "kiosk: --script and --bench cannot be combined\n");
        return 2;
    }
    if (opt.windowed && opt.headless) opt.windowed = false;
    opt.virtual_time = script != NULL;
    opt.home = &screen_home;
    opt.attract = &screen_attract;
    opt.admin = &screen_admin_pin;
    opt.warm_target = scr_warm_target;
    err = app_create(&cfg, &opt, &a);
    if (err != KERR_OK) {
        fprintf(stderr, "kiosk: cannot start: %s (see the log above)\n", kerr_str(err));
        return 1;
    }
    if (script) {
        rc = script_run_file(a, script, shots, stdout);
        if (rc == 0 && app_quitting(a)) rc = app_exit_code(a); /* 重启程序 / 退出到系统 */
    }
    else if (bench)
        rc = bench_run(a, idle_s, stdout);
    else
        rc = app_run(a);
    app_destroy(a);
    return rc;
}
