/* kerr: the one error enum that travels through every fallible function in the
 * project (kiosk, net client, hub). A function returns KERR_OK or a condition;
 * bugs are asserts, conditions are returned and shown. kerr_str() gives a short
 * English name for logs; kerr_zh() a plain Chinese sentence for the screen.
 * Pure functions: any thread may call them. */
#ifndef KERR_H
#define KERR_H

enum kerr {
    KERR_OK = 0,
    KERR_NOMEM,    /* allocation failed */
    KERR_IO,       /* read/write/fsync failed */
    KERR_PARSE,    /* malformed input (JSON, numbers, dates) */
    KERR_INVALID,  /* well-formed but not acceptable (range, type, reference) */
    KERR_UTF8,     /* text is not valid UTF-8 */
    KERR_TOOBIG,   /* over a declared size limit */
    KERR_NOTFOUND, /* file, id or row does not exist */
    KERR_FULL,     /* a bounded store is full (outbox, disk) */
    KERR_DB,       /* SQLite reported an error */
    KERR_CORRUPT,  /* stored data failed an integrity check */
    KERR_NET,      /* network unreachable, refused, timed out, TLS failure */
    KERR_HTTP,     /* the peer answered with an error status */
    KERR_AUTH,     /* missing or wrong credentials */
    KERR_CONFLICT, /* same key, different content */
    KERR_BUSY,     /* try again later (rate limit, lock) */
    KERR_USAGE,    /* bad command-line flag or config value */
    KERR__COUNT
};

/* Short stable English name of e ("io", "parse"...); never NULL. */
const char *kerr_str(enum kerr e);

/* A plain Chinese sentence for a person at the screen; never NULL. */
const char *kerr_zh(enum kerr e);

#endif
