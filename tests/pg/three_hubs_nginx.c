/* three_hubs_nginx: see three_hubs_nginx.h. */
#include "three_hubs_nginx.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int tnginx_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

/* Replaces the one occurrence of from in *s by to (false when it is not
 * there exactly once: the shipped example changed shape). */
static bool replace_once(char **s, const char *from, const char *to)
{
    char *p = strstr(*s, from), *n;
    size_t a, b = strlen(from), c = strlen(to);
    if (!p || strstr(p + b, from)) {
        fprintf(stderr, "three_hubs_nginx: \"%s\" is not in the example exactly once\n", from);
        return false;
    }
    a = (size_t)(p - *s);
    n = malloc(strlen(*s) - b + c + 1);
    if (!n) return false;
    memcpy(n, *s, a);
    memcpy(n + a, to, c);
    strcpy(n + a + c, p + b);
    free(*s);
    *s = n;
    return true;
}

bool tnginx_start(struct tnginx *n, const char *example, const char *dir, const int *hub_ports,
                  int nhub)
{
    FILE *f = fopen(example, "rb");
    static char buf[65536];
    char *conf, from[64], to[64], path[300];
    size_t len;
    const char *bin = access("/usr/sbin/nginx", X_OK) == 0 ? "/usr/sbin/nginx" : "nginx";
    const char *ft;
    bool ok = true;
    memset(n, 0, sizeof *n);
    n->pid = -1;
    if (!f) {
        fprintf(stderr, "three_hubs_nginx: cannot read %s\n", example);
        return false;
    }
    len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    conf = strdup(buf);
    if (!conf) return false;
    ft = strstr(buf, "fail_timeout=");
    n->fail_timeout_s = ft ? atoi(ft + 13) : 10;
    for (int i = 0; i < nhub; i++) {
        snprintf(from, sizeof from, "server 127.0.0.1:%d ", 8081 + i);
        snprintf(to, sizeof to, "server 127.0.0.1:%d ", hub_ports[i]);
        ok = ok && replace_once(&conf, from, to);
    }
    n->port = tnginx_free_port();
    snprintf(to, sizeof to, "listen 127.0.0.1:%d;", n->port);
    ok = ok && replace_once(&conf, "listen 127.0.0.1:8090;", to);
    snprintf(n->dir, sizeof n->dir, "%.140s/nginx", dir);
    mkdir(n->dir, 0700);
    snprintf(path, sizeof path, "%s/upstream.conf", n->dir);
    f = fopen(path, "w");
    ok = ok && f && fputs(conf, f) >= 0;
    if (f && fclose(f) != 0) ok = false;
    free(conf);
    snprintf(n->access, sizeof n->access, "%s/access.log", n->dir);
    snprintf(n->errlog, sizeof n->errlog, "%s/error.log", n->dir);
    snprintf(path, sizeof path, "%s/nginx.conf", n->dir);
    f = fopen(path, "w");
    if (!ok || !f) {
        if (f) fclose(f);
        return false;
    }
    /* one process (master_process off), which dies with the test
     * (PR_SET_PDEATHSIG): no worker left behind on a port if the test
     * crashes. As root nginx would drop to nobody, who cannot write the
     * test's folder (0700): it stays root then. */
    fprintf(f,
            "%s"
            "pid %s/nginx.pid;\nerror_log %s/error.log;\nmaster_process off;\n"
            "events { worker_connections 2048; }\n"
            "http {\n"
            "    log_format kiosk '$msec $status $request_method $uri $upstream_addr "
            "$upstream_status $request_time';\n"
            "    access_log %s kiosk;\n"
            "    client_body_temp_path %s/body;\n    proxy_temp_path %s/proxy;\n"
            "    fastcgi_temp_path %s/fastcgi;\n    uwsgi_temp_path %s/uwsgi;\n"
            "    scgi_temp_path %s/scgi;\n"
            "    include %s/upstream.conf;\n}\n",
            geteuid() == 0 ? "user root;\n" : "", n->dir, n->dir, n->access, n->dir, n->dir,
            n->dir, n->dir, n->dir, n->dir);
    if (fclose(f) != 0) return false;
    n->pid = fork();
    if (n->pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
        }
        execl(bin, bin, "-p", n->dir, "-c", path, "-e", "stderr", "-g", "daemon off;",
              (char *)NULL);
        _exit(127);
    }
    return n->pid > 0;
}

void tnginx_stop(struct tnginx *n)
{
    if (n->pid <= 0) return;
    kill(n->pid, SIGTERM);
    waitpid(n->pid, NULL, 0);
    n->pid = -1;
}

long tnginx_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

void tnginx_access_count(const struct tnginx *n, long from, long *lines, long *errors,
                         long *retried)
{
    FILE *f = fopen(n->access, "r");
    char line[512];
    *lines = *errors = *retried = 0;
    if (!f) return;
    fseek(f, from, SEEK_SET);
    while (fgets(line, sizeof line, f)) {
        int status = 0;
        char method[16], uri[256];
        if (sscanf(line, "%*s %d %15s %255s", &status, method, uri) != 3) continue;
        (*lines)++;
        if (status >= 500 || status == 0) {
            (*errors)++;
            if (*errors <= 5) fprintf(stderr, "nginx answered a kiosk: %s", line);
        }
        /* $upstream_addr "a, b": a second hub answered */
        if (strstr(line, ", ") && ++*retried <= 3) fprintf(stderr, "nginx tried two hubs: %s", line);
    }
    fclose(f);
}

long tnginx_dropped(const struct tnginx *n, long from)
{
    FILE *f = fopen(n->errlog, "r");
    char line[1024];
    long cnt = 0;
    if (!f) return 0;
    fseek(f, from, SEEK_SET);
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, "[error]") || strstr(line, "(111: Connection refused)")) continue;
        if (++cnt <= 5) fprintf(stderr, "nginx: %.300s", line);
    }
    fclose(f);
    return cnt;
}
