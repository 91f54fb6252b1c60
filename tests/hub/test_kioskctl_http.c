/* kioskctl_refuses_plain_http_to_remote_host: kioskctl sends the admin token
 * in a header, so plain http:// is allowed only to this machine (127.0.0.0/8,
 * [::1], localhost: the host parsed, not a prefix of the URL). Any other
 * http:// hub is refused with exit 2 (usage) and a message, before anything
 * is sent, unless --insecure is given, which warns on stderr. https:// is
 * never refused. The remote names are reserved (.example, .invalid) and are
 * refused before any lookup; every connection the test makes is to loopback. */
#include "harness.h"
#include "ktest.h"

static struct hub H;
static const char *CTL;
static char err[8192];

/* Runs kioskctl --hub hub --token-file … [extra] kiosk list; stderr in err;
 * returns the exit code (or -1). */
static int ctl(const char *hub, const char *extra)
{
    const char *argv[12];
    char path[160];
    int n = 0, st, fd;
    ssize_t got;
    size_t len = 0;
    pid_t pid;
    snprintf(path, sizeof path, "%s/ctl.err", H.dir);
    argv[n++] = CTL;
    argv[n++] = "--hub";
    argv[n++] = hub;
    argv[n++] = "--token-file";
    argv[n++] = H.tokfile;
    if (extra) argv[n++] = extra;
    argv[n++] = "kiosk";
    argv[n++] = "list";
    argv[n] = NULL;
    pid = fork();
    if (pid == 0) {
        int e = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 1);
        dup2(e, 2);
        execv(CTL, (char *const *)argv);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    err[0] = '\0';
    fd = open(path, O_RDONLY);
    if (fd >= 0) {
        while ((got = read(fd, err + len, sizeof err - 1 - len)) > 0) len += (size_t)got;
        err[len] = '\0';
        close(fd);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    static const char *const remote[] = {
        "http://127.attacker.example:8080",   "http://127.0.0.1@evil.example/",
        "http://localhost.attacker.example",  "http://evil.example#@127.0.0.1",
        "HTTP://hub.example.invalid:8080",    "http://127.1:8080",
        "http://0.0.0.0:1",
    };
    const char *const FAST[] = {"--quiet", NULL};
    char hub[64];
    if (argc < 3) return 2;
    CTL = argv[2];
    CHECK(hub_init(&H, argv[1]) == 0);
    CHECK(hub_start(&H, FAST) == 0);
    if (H.pid <= 0) return ktest_done("kioskctl_refuses_plain_http_to_remote_host");
    {
        struct resp r;
        http(&H, "GET", "/api/v1/health", NULL, NULL, NULL, &r);
        CHECK(r.status == 200);
        free(r.body);
    }

    for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++) {
        int code = ctl(remote[i], NULL);
        if (code != 2) fprintf(stderr, "  %s: exit %d\n", remote[i], code);
        CHECK(code == 2);
        CHECK(strstr(err, "refusing") && strstr(err, "--insecure"));
        CHECK(!strstr(err, ADMIN_TOKEN));
    }
    /* --insecure: warned, then sent. "127.1" is refused by the parser (not a
     * full quad) yet reaches 127.0.0.1, so the test stays on loopback. */
    snprintf(hub, sizeof hub, "http://127.1:%d", H.port);
    CHECK(ctl(hub, NULL) == 2);
    CHECK(ctl(hub, "--insecure") == 0);
    CHECK(strstr(err, "warning") && strstr(err, "--insecure"));
    /* https is never refused (the hub speaks plain http: the handshake fails, 3) */
    snprintf(hub, sizeof hub, "https://127.0.0.1:%d", H.port);
    CHECK(ctl(hub, NULL) == 3);
    CHECK(!strstr(err, "refusing"));
    /* loopback http works without a warning */
    snprintf(hub, sizeof hub, "http://127.0.0.1:%d", H.port);
    CHECK(ctl(hub, NULL) == 0);
    CHECK(!strstr(err, "warning"));
    snprintf(hub, sizeof hub, "HTTP://localhost:%d/", H.port);
    CHECK(ctl(hub, NULL) == 0);
    CHECK(hub_stop(&H, SIGTERM) == 0);
    hub_cleanup(&H);
    return ktest_done("kioskctl_refuses_plain_http_to_remote_host");
}
