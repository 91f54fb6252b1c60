/* linepipe: the answer lines of a child process read from its pipe within a
 * deadline (the kiosk processes of hub_booking_property_13_kiosks and of the
 * three-hub test, which answer one line per command). Header-only. */
#ifndef LINEPIPE_H
#define LINEPIPE_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kclock.h"

struct linepipe {
    int fd;  /* the read end; the caller opens and closes it */
    int len; /* bytes waiting in buf */
    char buf[1 << 16];
};

/* Starts reading fd afresh (what was buffered of an earlier process goes). */
static inline void linepipe_open(struct linepipe *p, int fd)
{
    p->fd = fd;
    p->len = 0;
}

/* The next line (without its '\n') into out within ms: true; false on the
 * deadline, the end of the pipe, or a line longer than the buffer. ms 0
 * takes only a line that is there already. */
static inline bool linepipe_read(struct linepipe *p, char *out, size_t size, int64_t ms)
{
    int64_t until = (int64_t)kclock_mono_ms() + ms;
    for (;;) {
        char *eol = memchr(p->buf, '\n', (size_t)p->len);
        struct pollfd pf = {.fd = p->fd, .events = POLLIN};
        int64_t left = until - (int64_t)kclock_mono_ms();
        ssize_t n;
        if (eol) {
            size_t len = (size_t)(eol - p->buf);
            snprintf(out, size, "%.*s", (int)len, p->buf);
            memmove(p->buf, eol + 1, (size_t)p->len - len - 1);
            p->len -= (int)len + 1;
            return true;
        }
        if (left <= 0 || p->len == (int)sizeof p->buf) return false;
        if (poll(&pf, 1, (int)left) <= 0) continue;
        n = read(p->fd, p->buf + p->len, sizeof p->buf - (size_t)p->len);
        if (n <= 0) return false;
        p->len += (int)n;
    }
}

#endif
