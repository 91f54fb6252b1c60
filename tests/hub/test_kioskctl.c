/* kioskctl_drives_hub_with_exit_codes: the admin CLI against a real hub:
 * kiosk add prints the token alone on its last line (and it works), list and
 * show in tables and --json, status changes, and the documented exit codes
 * (0 ok, 1 hub error/not found, 2 usage, 3 unreachable, 4 auth, 5 conflict). */
#include <cjson/cJSON.h>

#include "api.h"
#include "harness.h"
#include "ktest.h"

static struct hub H;
static const char *CTL;
static char out[65536];

/* Runs kioskctl with --hub/--token-file (unless raw) and args; stdout in
 * out; returns the exit code (or -1). */
static int ctl(bool raw, const char *tokfile, const char *const *args)
{
    const char *argv[32];
    char hub[64], path[160];
    int n = 0, st, fd;
    pid_t pid;
    ssize_t got;
    size_t len = 0;
    snprintf(hub, sizeof hub, "http://127.0.0.1:%d", H.port);
    snprintf(path, sizeof path, "%s/ctl.out", H.dir);
    argv[n++] = CTL;
    if (!raw) {
        argv[n++] = "--hub";
        argv[n++] = hub;
        argv[n++] = "--token-file";
        argv[n++] = tokfile ? tokfile : H.tokfile;
    }
    for (int i = 0; args[i] && n < 30; i++) argv[n++] = args[i];
    argv[n] = NULL;
    pid = fork();
    if (pid == 0) {
        int o = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_WRONLY);
        dup2(o, 1);
        dup2(nul, 2);
        execv(CTL, (char *const *)argv);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    out[0] = '\0';
    fd = open(path, O_RDONLY);
    if (fd >= 0) {
        while ((got = read(fd, out + len, sizeof out - 1 - len)) > 0) len += (size_t)got;
        out[len] = '\0';
        close(fd);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *last_line(void)
{
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '\n') out[--n] = '\0';
    while (n > 0 && out[n - 1] != '\n') n--;
    return out + n;
}

int main(int argc, char **argv)
{
    const char *const FAST[] = {"--rate", "1000/s", "--burst", "1000", "--quiet", NULL};
    char token[128], key[API_UUID_SIZE], body[2048], badtok[160];
    struct resp r;
    cJSON *o;
    if (argc < 3) return 2;
    CTL = argv[2];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CHECK(hub_init(&H, argv[1]) == 0);
    CHECK(hub_start(&H, FAST) == 0);
    if (H.pid <= 0) return ktest_done("kioskctl");

    /* kiosk add: the token alone on the last line, and it authenticates */
    CHECK(ctl(false, NULL, (const char *const[]){"kiosk", "add", "HL-C01", NULL}) == 0);
    snprintf(token, sizeof token, "%s", last_line());
    CHECK(strlen(token) == 64 && strspn(token, "0123456789abcdef") == 64);
    CHECK(ctl(false, NULL, (const char *const[]){"kiosk", "add", "HL-C01", NULL}) == 5);
    CHECK(ctl(false, NULL, (const char *const[]){"kiosk", "add", "../x", NULL}) == 2);
    CHECK(ctl(false, NULL, (const char *const[]){"--json", "kiosk", "add", "HL-C02", NULL}) == 0);
    o = cJSON_Parse(out);
    CHECK(cJSON_IsString(cJSON_GetObjectItem(o, "token")));
    cJSON_Delete(o);

    api_uuid_v4_make(key);
    sample_request_with(body, sizeof body, "HL-C01", "HL-C01-000007", "打印机坏了（样例数据）",
                        "700007", NULL);
    http(&H, "POST", "/api/v1/requests", token, key, body, &r);
    CHECK(r.status == 201);
    free(r.body);

    /* kiosk list: table and JSON */
    CHECK(ctl(false, NULL, (const char *const[]){"kiosk", "list", NULL}) == 0);
    CHECK(strstr(out, "ID") && strstr(out, "HL-C01") && strstr(out, "active"));
    CHECK(ctl(false, NULL, (const char *const[]){"kiosk", "list", "--json", NULL}) == 0);
    o = cJSON_Parse(out);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(o, "kiosks")) == 2);
    cJSON_Delete(o);

    /* requests list / show / set */
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "list", NULL}) == 0);
    CHECK(strstr(out, "HL-C01-000007") && strstr(out, "new"));
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "list", "--status", "resolved", NULL}) == 0);
    CHECK(!strstr(out, "HL-C01-000007"));
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "list", "--status", "new", "--json", NULL}) == 0);
    o = cJSON_Parse(out);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(o, "requests")) == 1);
    cJSON_Delete(o);
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "list", "--status", "bogus", NULL}) == 2);
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "show", "HL-C01-000007", NULL}) == 0);
    CHECK(strstr(out, "打印机坏了") && strstr(out, "history:") && strstr(out, "13800000000"));
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "show", "HL-C01-000999", NULL}) == 1);
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "show", "../../etc", NULL}) == 2);
    CHECK(ctl(false, NULL,
              (const char *const[]){"requests", "set", "HL-C01-000007", "accepted", "--note",
                                    "已派人处理（样例）", NULL}) == 0);
    CHECK(ctl(false, NULL,
              (const char *const[]){"requests", "set", "HL-C01-000007", "resolved", NULL}) == 5);
    CHECK(ctl(false, NULL,
              (const char *const[]){"--json", "requests", "set", "HL-C01-000007", "in_progress",
                                    "--note", "处理中", NULL}) == 0);
    o = cJSON_Parse(out);
    CHECK(cJSON_IsString(cJSON_GetObjectItem(o, "note")) &&
          strcmp(cJSON_GetObjectItem(o, "note")->valuestring, "处理中") == 0);
    cJSON_Delete(o);
    http(&H, "GET", "/api/v1/tickets/HL-C01-000007?check=700007", token, NULL, NULL, &r);
    CHECK(strstr(r.body, "\"in_progress\"") != NULL);
    free(r.body);

    /* a renumbered request: show gives the receipt's ticket and the check
     * code (staff may tell a caller); list --json the receipt's ticket only */
    api_uuid_v4_make(key);
    sample_request_with(body, sizeof body, "HL-C01", "HL-C01-517000001", "重新编号（样例数据）",
                        "700008", "HL-C01-000007");
    http(&H, "POST", "/api/v1/requests", token, key, body, &r);
    CHECK(r.status == 201);
    free(r.body);
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "show", "HL-C01-517000001", NULL}) == 0);
    CHECK(strstr(out, "receipt_ticket") && strstr(out, "HL-C01-000007") && strstr(out, "700008"));
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "show", "HL-C01-000007", NULL}) == 0);
    CHECK(!strstr(out, "receipt_ticket") && strstr(out, "700007"));
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "list", "--json", NULL}) == 0);
    o = cJSON_Parse(out);
    {
        const cJSON *q = NULL, *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "requests"))
        {
            const cJSON *t = cJSON_GetObjectItem(it, "ticket");
            if (cJSON_IsString(t) && strcmp(t->valuestring, "HL-C01-517000001") == 0) q = it;
        }
        CHECK(q != NULL);
        CHECK(cJSON_IsString(cJSON_GetObjectItem(q, "receipt_ticket")) &&
              strcmp(cJSON_GetObjectItem(q, "receipt_ticket")->valuestring, "HL-C01-000007") == 0);
        CHECK(cJSON_GetObjectItem(q, "check") == NULL);
    }
    cJSON_Delete(o);
    CHECK(ctl(false, NULL, (const char *const[]){"requests", "list", NULL}) == 0);
    CHECK(strstr(out, "(receipt HL-C01-000007)") != NULL);

    /* revoke: the kiosk's token stops working */
    CHECK(ctl(false, NULL, (const char *const[]){"kiosk", "revoke", "HL-C01", NULL}) == 0);
    CHECK(ctl(false, NULL, (const char *const[]){"kiosk", "revoke", "HL-C01", NULL}) == 1);
    CHECK(ctl(false, NULL, (const char *const[]){"kiosk", "list", NULL}) == 0);
    CHECK(strstr(out, "revoked") != NULL);
    http(&H, "GET", "/api/v1/tickets/HL-C01-000007?check=700007", token, NULL, NULL, &r);
    CHECK(r.status == 401);
    free(r.body);

    /* exit codes: auth, usage, unreachable */
    snprintf(badtok, sizeof badtok, "%s/bad.token", H.dir);
    {
        FILE *f = fopen(badtok, "w");
        if (f) {
            fputs("not-the-admin-token-at-all\n", f);
            fclose(f);
        }
    }
    CHECK(ctl(false, badtok, (const char *const[]){"kiosk", "list", NULL}) == 4);
    CHECK(ctl(false, NULL, (const char *const[]){"kiosk", NULL}) == 2);
    CHECK(ctl(false, NULL, (const char *const[]){"frobnicate", "now", NULL}) == 2);
    CHECK(ctl(false, NULL, (const char *const[]){"--bogus", "kiosk", "list", NULL}) == 2);
    CHECK(ctl(true, NULL, (const char *const[]){"--help", NULL}) == 0);
    CHECK(strstr(out, "exit codes") != NULL);
    CHECK(hub_stop(&H, SIGTERM) == 0);
    CHECK(ctl(false, NULL, (const char *const[]){"kiosk", "list", NULL}) == 3);
    hub_cleanup(&H);
    curl_global_cleanup();
    return ktest_done("kioskctl");
}
