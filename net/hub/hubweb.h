/* hubweb: what kiosk-hub serves to browsers. The web console's static files
 * (HTML, CSS, plain JavaScript modules in net/hub/web/, built into the binary
 * by embed_web.cmake: nothing to install, nothing fetched at run time, no
 * build chain), the phone page of a ticket (/t/{ticket}?c=NNNNNN, rendered
 * here as HTML with every stored text escaped), the language a browser
 * prefers, and the names of categories and towers (from a content bundle,
 * optional). Pure functions over constant data and what the caller passes;
 * any thread. Pages are new strings the caller frees. */
#ifndef HUBWEB_H
#define HUBWEB_H

#include <stdbool.h>
#include <stddef.h>

#include "hubstore.h"
#include "kerr.h"

struct cJSON;

struct hubweb_file {
    const char *path;  /* URL path, e.g. "/admin/app.js" */
    const char *ctype; /* Content-Type with charset */
    const unsigned char *data;
    size_t len;
    const char *etag;  /* quoted strong validator (SHA-1 of the content) */
};

/* The built-in file at URL path (a path ending in '/' means its index.html),
 * or NULL. */
const struct hubweb_file *hubweb_file_find(const char *path);

enum hubweb_lang { HUBWEB_ZH, HUBWEB_EN };

/* The page language: override "zh" or "en" when given (the page's own
 * language link), else from an Accept-Language header: English when the
 * browser ranks some en above every zh, Chinese otherwise (and by default). */
enum hubweb_lang hubweb_lang_pick(const char *accept_language, const char *override);

/* Names of categories and towers, from a content bundle's content.json
 * (request_categories and towers, each {id, name:{zh,en}}), as a new cJSON
 * object {"categories":{id:{"zh":…,"en":…}}, "towers":{…}} in *out.
 * KERR_IO (unreadable), KERR_PARSE (not JSON), KERR_INVALID (neither list). */
enum kerr hubweb_labels_load(const char *path, struct cJSON **out);

/* The name of id in labels' kind ("categories", "towers") in lang, or NULL
 * (labels may be NULL). */
const char *hubweb_label(const struct cJSON *labels, const char *kind, const char *id,
                         enum hubweb_lang lang);

/* The phone page of p in lang (labels may be NULL: ids are shown). check is
 * the code the link carried, put back only into the language link. */
enum kerr hubweb_phone_page(const struct hubstore_page *p, const char *check,
                            const struct cJSON *labels, enum hubweb_lang lang, char **out);

/* The one page for a ticket that is not found, whatever the reason (no such
 * ticket, missing or wrong check code): it never tells which. */
enum kerr hubweb_phone_not_found(enum hubweb_lang lang, char **out);

/* The page for a client that asked too often (answered with 429). */
enum kerr hubweb_phone_busy(enum hubweb_lang lang, char **out);

/* Appends s to the growing string (*buf, *len, *cap) HTML-escaped (& < > " '
 * become entities). KERR_NOMEM. Exposed for the tests. */
enum kerr hubweb_escape_append(char **buf, size_t *len, size_t *cap, const char *s);

/* "2026-11-25T01:31:00Z" as Beijing time "2026-11-25 09:31" in out (at least
 * 17 bytes); the input itself when it is not of that form. */
void hubweb_time_local(const char *rfc3339, char *out, size_t cap);

#endif
