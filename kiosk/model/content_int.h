/* content_int: what the content*.c files share and nobody else may use. The
 * content module is split along its seams: content.c (the loaded bundle:
 * arena, report, queries, content_foreach_text), content_json.c (reading
 * JSON fields against the schema, raw-text checks), content_validate.c (the
 * sections, references, images, content_load / content_load_mem) and
 * content_lastgood.c (content_load_safe and the last good copy). Only
 * content.h is public. */
#ifndef CONTENT_INT_H
#define CONTENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "content.h"

#define CONTENT_FILE "content.json"
#define CONTENT_PATH_LEN 200 /* a JSON path in a report line */
#define CONTENT_ID_MAX 32

/* ---- the bundle's private part (content->arena_) ------------------------- */

struct content_chunk {
    struct content_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

enum { IX_TOWER, IX_ORG, IX_CAT, IX_SERVICE, IX_ROOM, IX_COMPANY, IX_REQCAT, IX_NOTICE, IX__COUNT };

struct content_idx {
    const char *id;
    size_t i;
};

struct content_priv {
    struct content_chunk *chunks;
    /* id indexes, sorted by id, for lookups */
    struct content_idx *ix[IX__COUNT];
    size_t nix[IX__COUNT];
    /* categories are sorted by order after loading: their index in the JSON */
    size_t *cat_json;
    /* per notice: FNV-1a 64 of the image file's bytes as validated (0: none),
     * so the last good copy holds exactly the files that were checked */
    uint64_t *img_hash;
};

/* n zeroed bytes from the bundle's arena, 16-aligned; NULL when out of memory. */
void *content_arena_alloc(struct content_priv *p, size_t n);
/* A copy of s in the arena; NULL when out of memory. */
char *content_arena_strdup(struct content_priv *p, const char *s);
/* Position in its array of the element with id in index `which`, or -1. */
long content_find_ix(const struct content_priv *p, int which, const char *id);
/* FNV-1a 64 of len bytes (never 0). */
uint64_t content_hash(const void *data, size_t len);

/* content_load that also hands back the validated bytes of content.json
 * (malloc'd, NUL-terminated; *json NULL on failure). json may be NULL. */
enum kerr content_load_keep(const char *dir, struct content **out, struct content_report *rep,
                            char **json, size_t *len);

/* ---- the loader's context (content_json.c, content_validate.c, content_refs.c) --- */

struct ld {
    struct content *c;
    struct content_priv *p;
    struct content_report *rep;
    enum kerr err; /* first error kind */
    size_t nerr;
    const char *dir; /* for images, may be NULL */
    uint64_t pixels; /* decoded pixels of the images checked so far */
};

/* Records a problem at JSON path `path` of content.json; the first kind wins. */
void ld_fail(struct ld *l, enum kerr e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ld_nomem(struct ld *l);
/* The loader's last pass (content_refs.c): indexes every array's ids into
 * l->p (duplicates reported) and reports every reference to an unknown id. */
void content_check_refs(struct ld *l);
/* The sorted index `which` of one array of n elements stride bytes apart,
 * each starting with its id (a const char *), into l->p; duplicate ids are
 * reported at arrpath[i].id. */
void content_build_index(struct ld *l, int which, const void *base, size_t n, size_t stride,
                         const char *arrpath);
/* parent + "." key / parent + "[i]" into buf (CONTENT_PATH_LEN); returns buf. */
const char *ld_kpath(char *buf, const char *parent, const char *key);
const char *ld_ipath(char *buf, const char *parent, size_t i);
/* "a string", "an object"... for messages. */
const char *ld_type_name(const cJSON *v);
/* Unknown and repeated keys of obj (allowed: NULL-terminated, <= 32). */
void ld_check_keys(struct ld *l, const cJSON *obj, const char *path, const char *const *allowed);
/* Field readers: each checks the type, range and limits the schema gives,
 * reports a problem at path.key and returns NULL / false / zh NULL then.
 * Strings are copied into the arena. */
const cJSON *ld_field(struct ld *l, const cJSON *obj, const char *key, const char *path,
                      bool required);
const char *ld_take_str(struct ld *l, const cJSON *v, const char *path, size_t maxlen);
const char *ld_get_str(struct ld *l, const cJSON *obj, const char *key, const char *path,
                       bool required, size_t maxlen);
const char *ld_get_id(struct ld *l, const cJSON *obj, const char *key, const char *path,
                      bool required);
const char *ld_get_phone(struct ld *l, const cJSON *obj, const char *path);
struct content_text ld_get_text(struct ld *l, const cJSON *obj, const char *key, const char *path,
                                bool required);
bool ld_get_int(struct ld *l, const cJSON *obj, const char *key, const char *path, bool required,
                long min, long max, int *out);
bool ld_get_num(struct ld *l, const cJSON *obj, const char *key, const char *path, double min,
                double max, double *out);
bool ld_get_time(struct ld *l, const cJSON *obj, const char *key, const char *path, int64_t *out);
size_t ld_get_array(struct ld *l, const cJSON *obj, const char *key, const char *path,
                    bool required, const cJSON **arr);
bool ld_want_object(struct ld *l, const cJSON *v, const char *path);
void ld_get_place(struct ld *l, const cJSON *obj, const char *path, bool required,
                  struct content_place *pl);
/* Raw text, before cJSON: offset of the first byte that is not UTF-8 (or
 * NUL), or len; line and column of an offset; nesting depth and \u0000. */
size_t ld_utf8_bad_offset(const unsigned char *s, size_t len);
void ld_line_col(const char *buf, size_t off, size_t *line, size_t *col);
bool ld_raw_scan(struct ld *l, const char *buf, size_t len);

#endif
