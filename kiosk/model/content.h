/* content: the district's content bundle -- a folder with content.json and
 * images/ (format: assets/content.schema.json, guide: docs/content-guide.md).
 * content_load() parses AND validates a bundle (schema, unique ids,
 * references, dates, limits, UTF-8, image files present) and returns either a
 * whole valid struct content or nothing: never a half-valid bundle. The
 * struct is read-only after load and owned by the caller (content_free()).
 * Loading may run on any thread; a loaded bundle may be read from any thread.
 * Every text a person reads is a struct content_text: zh always, en optional. */
#ifndef CONTENT_H
#define CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kerr.h"

struct book_rules;

/* Limits; a bundle beyond them is rejected (KERR_TOOBIG). */
#define CONTENT_MAX_FILE_BYTES (20u * 1024u * 1024u) /* content.json */
#define CONTENT_MAX_STRING_BYTES 8192u               /* any one string */
#define CONTENT_MAX_DEPTH 32                         /* JSON nesting */
#define CONTENT_MAX_ITEMS 50000u                     /* any one array */
#define CONTENT_MAX_IMAGE_BYTES (2u * 1024u * 1024u) /* one image file */
#define CONTENT_MAX_IMAGE_SIDE 4096                  /* pixels, either side */
#define CONTENT_MAX_IMAGE_PIXELS (8u * 1024u * 1024u) /* one image: 32 MB decoded */
#define CONTENT_MAX_BUNDLE_PIXELS (64u * 1024u * 1024u) /* all image references */
#define CONTENT_MAX_TAGS 16                          /* tags per service */
#define CONTENT_SCHEMA_VERSION 1                     /* "schema": 1 */

enum content_lang { CONTENT_ZH = 0, CONTENT_EN = 1 };

struct content_text {
    const char *zh; /* never NULL in a loaded bundle */
    const char *en; /* NULL when the bundle gives none */
};

/* The text in lang; en falls back to zh. Returns "" for a NULL t. */
const char *content_tr(const struct content_text *t, enum content_lang lang);

/* Where something is. tower_id NULL = not in a tower (outdoor / online). */
struct content_place {
    const char *tower_id; /* a content_tower id, or NULL */
    bool has_floor;
    int floor;            /* 1 = ground floor, -1 = first basement */
    const char *room;     /* e.g. "1203", NULL when unknown */
    struct content_text note; /* free description, zh NULL when none */
};

struct content_tower {
    const char *id;                 /* "t01" */
    struct content_text name;       /* "示例楼宇A" */
    struct content_text short_name; /* "A座"; zh falls back to name.zh */
    int grid;                       /* service grid 1..3 */
    double x_m, y_m;                /* position on the district plane, metres */
    int floors;                     /* above ground, >= 1 */
};

/* A walkable link between two towers (either way), length in metres. */
struct content_walkway {
    const char *from; /* tower id */
    const char *to;   /* tower id */
    double metres;
};

enum content_org_type {
    CONTENT_ORG_PARTY_BRANCH,         /* "party_branch" 党支部 */
    CONTENT_ORG_TOWER_PARTY_BRANCH,   /* "tower_party_branch" 楼宇党支部 */
    CONTENT_ORG_UNION,                /* "union" 工会 */
    CONTENT_ORG_YOUTH_LEAGUE,         /* "youth_league" 团支部 */
    CONTENT_ORG_WOMENS_COMMITTEE,     /* "womens_committee" 妇委会 */
    CONTENT_ORG_NEXT_GEN_ENTERPRISE,  /* "next_gen_enterprise" 企业关工委 */
    CONTENT_ORG_NEXT_GEN_TOWER,       /* "next_gen_tower" 楼宇关工委 */
    CONTENT_ORG_TONGXINHUI,           /* "tongxinhui" 同心荟 */
    CONTENT_ORG_SERVICE_CENTRE,       /* "service_centre" 服务中心 */
    CONTENT_ORG_GRID_STATION,         /* "grid_station" 网格服务站 */
    CONTENT_ORG_OTHER,                /* "other" */
    CONTENT_ORG__COUNT
};

/* The JSON name of a type ("party_branch"); NULL for an invalid value. */
const char *content_org_type_key(enum content_org_type t);
/* A display label for a type (zh "党支部", en "Party branch"); never NULL. */
const struct content_text *content_org_type_label(enum content_org_type t);

struct content_org {
    const char *id;
    enum content_org_type type;
    struct content_text name;
    struct content_place place;
    struct content_text hours; /* zh NULL when none */
    const char *phone;         /* NULL when none */
    int companies;             /* member companies covered, 0 = not given */
};

struct content_category {
    const char *id;           /* "legal" */
    struct content_text name; /* "法律服务" */
    const char *icon;         /* Material Icons ligature name, "gavel" */
    int order;                /* display order, ascending */
};

struct content_service {
    const char *id;
    const char *category_id;      /* a content_category id */
    struct content_text name;
    struct content_text summary;  /* one line */
    struct content_text details;  /* paragraphs separated by "\n" */
    struct content_text provider; /* who provides it */
    const char *provider_org_id;  /* a content_org id, or NULL */
    struct content_place place;
    struct content_text hours;    /* zh NULL when none */
    const char *phone;            /* NULL when none */
    const char *tags[CONTENT_MAX_TAGS]; /* zh keywords for search */
    size_t n_tags;
};

struct content_nursing_room {
    const char *id;
    struct content_text name;
    struct content_place place;
    struct content_text *amenities; /* n_amenities entries */
    size_t n_amenities;
    struct content_text hours;
    int capacity; /* places in the room (shown); a slot is booked by one person */
    const struct book_rules *booking; /* booking rules (net/api/booking.h), NULL: not bookable */
};

struct content_company {
    const char *id;
    struct content_text name;
    const char *tower_id; /* a content_tower id */
};

struct content_request_category {
    const char *id;
    struct content_text name;
    const char *org_id; /* the content_org that handles it */
};

struct content_phrase {
    struct content_text text; /* a quick phrase for request descriptions */
};

struct content_notice {
    const char *id;
    struct content_text title;
    struct content_text body;
    const char *image; /* absolute path of the image file, or NULL */
    int image_w, image_h; /* its size in pixels, from its header; 0 without */
    int64_t start_s;   /* Unix seconds, inclusive */
    int64_t end_s;     /* Unix seconds, exclusive; > start_s */
    int priority;      /* higher first; 0..100 */
};

/* A headline figure for About, e.g. value "70", label "个党支部". */
struct content_fact {
    const char *value;
    struct content_text label;
};

struct content_district {
    struct content_text name;       /* "黄龙商圈" */
    struct content_text short_name; /* "黄龙" */
    struct content_text *about;     /* paragraphs, n_about entries */
    size_t n_about;
    struct content_fact *facts;
    size_t n_facts;
};

struct content {
    const char *dir;         /* absolute path of the bundle folder */
    const char *version;     /* the bundle's "version" string */
    int64_t generated_at;    /* Unix seconds */
    bool sample;             /* true: invented names, say so on screen */
    struct content_text sample_notice; /* shown when sample; zh NULL if not */
    struct content_district district;

    struct content_tower *towers;       size_t n_towers;
    struct content_walkway *walkways;   size_t n_walkways;
    struct content_org *orgs;           size_t n_orgs;
    struct content_category *categories; size_t n_categories; /* by order */
    struct content_service *services;   size_t n_services;
    struct content_nursing_room *nursing_rooms; size_t n_nursing_rooms;
    struct content_company *companies;  size_t n_companies;
    struct content_request_category *request_categories; size_t n_request_categories;
    struct content_phrase *phrases;     size_t n_phrases;
    struct content_notice *notices;     size_t n_notices;

    void *arena_; /* private: owns every string and array above */
};

/* Problems found in a bundle, each "FILE: JSON-PATH: reason", e.g.
 * content.json: $.services[3].category: unknown category "lgl".
 * Bounded: after CONTENT_REPORT_MAX lines only `dropped` counts. */
#define CONTENT_REPORT_MAX 64
#define CONTENT_REPORT_LINE 320
struct content_report {
    size_t count;   /* lines stored */
    size_t dropped; /* problems beyond CONTENT_REPORT_MAX */
    char lines[CONTENT_REPORT_MAX][CONTENT_REPORT_LINE];
};

/* Empties rep. */
void content_report_init(struct content_report *rep);
/* Adds "file: path: reason" (reason printf-style); truncates long lines. */
void content_report_add(struct content_report *rep, const char *file, const char *path,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Total problems seen (stored + dropped). */
size_t content_report_total(const struct content_report *rep);
/* Prints every line (and "... and N more") to out. */
void content_report_print(const struct content_report *rep, FILE *out);

/* Loads and validates the bundle in folder dir. On KERR_OK *out is a whole
 * valid bundle (free with content_free). On failure *out is NULL and rep (if
 * not NULL) holds at least one line saying why: KERR_NOTFOUND (no folder or
 * no content.json), KERR_IO, KERR_TOOBIG (file, string, depth or array over
 * a limit, an image over CONTENT_MAX_IMAGE_SIDE / _PIXELS, all images over
 * CONTENT_MAX_BUNDLE_PIXELS), KERR_PARSE (not JSON), KERR_UTF8, KERR_INVALID
 * (schema, ids, references, dates, missing image, content.json or an image
 * not a regular file or a symlink), KERR_NOMEM. Files are opened with
 * bundlefs (no symlink inside the bundle, no FIFO). Images are checked for
 * presence, file size, format (PNG, JPEG, SVG) and pixel size read from
 * their header (imghdr), so every image of a loaded bundle is known to
 * decode to at most CONTENT_MAX_IMAGE_PIXELS; decoding them is
 * kcontentcheck's job. Never crashes on any input. */
enum kerr content_load(const char *dir, struct content **out, struct content_report *rep);

/* Same, from a content.json held in memory; dir is used only to resolve
 * image paths (NULL: images are not checked). For the fuzzer and tests. */
enum kerr content_load_mem(const char *json, size_t len, const char *dir, struct content **out,
                           struct content_report *rep);

/* Frees c and everything in it; NULL is fine. */
void content_free(struct content *c);

/* An extra check run on a bundle that content_load() accepted, e.g.
 * kcontentcheck's content_check_deep (glyphs, image decode). Adds problems to
 * rep and returns KERR_OK when there are none. */
typedef enum kerr (*content_deep_check_fn)(const struct content *c, struct content_report *rep,
                                           void *ud);

/* Loads dir; if it is valid (and deep_check, when not NULL, passes), writes
 * it atomically over last_good_dir (a temp sibling, fsync, rename) and
 * returns it. The copy is content.json from the very bytes that were
 * validated, each referenced image whose bytes still hash to what was
 * checked (a file changed in between fails the copy) and map.geojson when the
 * bundle has one that is a regular file and validates (geomap_load_mem
 * against this content, then walk_build), from the bytes validated; an
 * invalid map is left out with a log line and does not fail the copy.
 * Nothing else of the folder is copied, and nothing is written when
 * last_good_dir already holds the same files. If not, logs one klog line naming the first problems and
 * loads last_good_dir instead (returns KERR_OK with that bundle; rep holds
 * the problems of dir). If neither is valid, *out is NULL and the error of
 * dir is returned. dir may equal last_good_dir; last_good_dir may be NULL
 * (no fallback). A failed copy is logged and does not fail the load. */
enum kerr content_load_safe(const char *dir, const char *last_good_dir,
                            content_deep_check_fn deep_check, void *deep_ud, struct content **out,
                            struct content_report *rep);

/* Calls fn(text, ud) once for every user-visible string of the loaded
 * bundle c, zh and en alike: the version, the sample notice, the district
 * (name, short name, about, facts' values and labels), towers (name, short
 * name), organisations (name, place note and room, hours, phone),
 * categories, services (name, summary, details, provider, place, hours,
 * phone), nursing rooms (name, place, amenities, hours), companies, request
 * categories, quick phrases, notices (title, body). Not ids, icon names,
 * dates, image paths or search tags, which are never drawn. A fallback that
 * shares its strings (a short name that is the name) comes once; equal
 * strings in different places come each time. text is owned by c and lives
 * as long as c. No allocation, no I/O, O(number of strings): cheap enough
 * for the UI thread (the idle warm-up) and for glyph checks. Nothing when c
 * or fn is NULL. The one list of a bundle's strings: add a new text field
 * here, and the glyph check and the warm-up see it. */
void content_foreach_text(const struct content *c, void (*fn)(const char *text, void *ud),
                          void *ud);

/* The JSON path in content.json of a string content_foreach_text gave
 * (the same pointer), e.g. "$.services[3].name.zh", written into buf;
 * returns buf, or NULL when text is not one of c's strings. Walks the whole
 * bundle: for report lines, not for every frame. */
const char *content_text_path(const struct content *c, const char *text, char *buf, size_t bufsz);

/* Lookups by id (binary search, O(log n)); NULL when id is NULL or unknown. */
const struct content_tower *content_tower(const struct content *c, const char *id);
const struct content_org *content_org(const struct content *c, const char *id);
const struct content_category *content_category(const struct content *c, const char *id);
const struct content_service *content_service(const struct content *c, const char *id);
const struct content_nursing_room *content_nursing_room(const struct content *c, const char *id);
const struct content_company *content_company(const struct content *c, const char *id);
const struct content_request_category *content_request_category(const struct content *c,
                                                                 const char *id);
const struct content_notice *content_notice(const struct content *c, const char *id);

/* Writes up to max notices current at now_s (start_s <= now_s < end_s) into
 * out, priority descending, then newest start first, then id; returns how
 * many are current in total (may exceed max). out may be NULL with max 0. */
size_t content_current_notices(const struct content *c, int64_t now_s,
                               const struct content_notice **out, size_t max);

/* Writes up to max services of category cat_id (bundle order) into out;
 * returns how many there are in total (may exceed max). */
size_t content_services_in(const struct content *c, const char *cat_id,
                           const struct content_service **out, size_t max);

/* Same for organisations of one type (bundle order). */
size_t content_orgs_of_type(const struct content *c, enum content_org_type type,
                            const struct content_org **out, size_t max);

/* Formats a place for display into buf, e.g. "示例楼宇A 12层 1203室" /
 * "Sample Tower A, floor 12, room 1203"; "" for an empty place. Returns buf. */
const char *content_place_format(const struct content *c, const struct content_place *p,
                                 enum content_lang lang, char *buf, size_t bufsz);

#endif
