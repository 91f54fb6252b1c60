/* three_hubs_nginx: the real nginx of hub_pg_three_hubs_* (test_hub_pg_three_hubs.c),
 * run unprivileged from a folder of the test with a configuration made from the
 * shipped deploy/nginx-kiosk-hub-upstream.conf itself (only its ports and paths
 * replaced), and what its logs say about the kiosks' attempts. One thread. */
#ifndef THREE_HUBS_NGINX_H
#define THREE_HUBS_NGINX_H

#include <stdbool.h>
#include <sys/types.h>

struct tnginx {
    pid_t pid;
    int port;           /* where nginx listens (127.0.0.1) */
    int fail_timeout_s; /* the example's fail_timeout= */
    char dir[160], access[200], errlog[200];
};

/* A free loopback port (bound and released), or -1. */
int tnginx_free_port(void);

/* Writes dir/nginx/{upstream.conf,nginx.conf} from example with the hubs'
 * ports in place of 8081.. and a free port in place of 8090, and starts nginx
 * in the foreground (it dies with the test). False with a reason on stderr
 * when the example does not have the shape the test replaces, or nginx could
 * not be started; the caller waits for it to answer. */
bool tnginx_start(struct tnginx *n, const char *example, const char *dir, const int *hub_ports,
                  int nhub);

/* Stops nginx (SIGTERM) and reaps it. */
void tnginx_stop(struct tnginx *n);

/* Size of a file (0 when missing): where a phase of the test starts in a log. */
long tnginx_size(const char *path);

/* The access log from byte from: lines (one per kiosk attempt), answers >= 500
 * to a kiosk, answers that took a second hub. The first few of each on stderr. */
void tnginx_access_count(const struct tnginx *n, long from, long *lines, long *errors,
                         long *retried);

/* The error log from byte from: requests a hub dropped after taking them
 * (closed or reset before its answer; "no live upstreams"). A refused
 * connection is not one: nginx sends that request to another hub before any
 * byte of it went out. */
long tnginx_dropped(const struct tnginx *n, long from);

#endif
