/* content_lastgood: content_load_safe() and the last good copy of a bundle.
 * The copy is written from what was validated: content.json from the very
 * bytes content_load parsed, each image only if its bytes still hash to what
 * the loader checked (imghdr limits included), so a file changed between
 * the check and the copy never becomes "last good". Only content.json, the
 * images the bundle references and map.geojson are copied; the map only when
 * it is a regular file that validates (geomap_load_mem against the loaded
 * content, then walk_build: what the deep check and the app ask of it), from
 * the bytes that were validated. Written only when it differs from the copy
 * already there (no fsync at every start). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "bundlefs.h"
#include "content_int.h"
#include "geomap.h"
#include "klog.h"
#include "walk.h"

static enum kerr write_file(const char *path, const void *data, size_t len)
{
    const char *p = data;
    size_t done = 0;
    enum kerr res = KERR_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return KERR_IO;
    while (done < len) {
        ssize_t k = write(fd, p + done, len - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            res = KERR_IO;
            break;
        }
        done += (size_t)k;
    }
    if (res == KERR_OK && fsync(fd) != 0) res = KERR_IO;
    if (close(fd) != 0) res = KERR_IO;
    return res;
}

static void fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* The bytes of file rel of the bundle in dir, if their hash is `want`. */
static enum kerr read_checked(const char *dir, const char *rel, uint64_t want, char **buf,
                              size_t *len)
{
    struct stat st;
    enum kerr res = KERR_OK;
    int fd = bundlefs_open(dir, rel, &st, NULL, &res);
    *buf = NULL;
    if (fd < 0) return res;
    if (st.st_size > (off_t)CONTENT_MAX_FILE_BYTES) {
        close(fd);
        return KERR_TOOBIG;
    }
    res = bundlefs_read_all(fd, (size_t)st.st_size, buf);
    close(fd);
    if (res != KERR_OK) return res;
    *len = (size_t)st.st_size;
    if (content_hash(*buf, *len) != want) {
        free(*buf);
        *buf = NULL;
        return KERR_CONFLICT; /* changed since it was checked */
    }
    return KERR_OK;
}

/* Path of notice i's image inside its bundle ("images/a.png"), or NULL. */
static const char *image_rel(const struct content *c, size_t i)
{
    const char *img = c->notices[i].image;
    size_t dl = c->dir ? strlen(c->dir) : 0;
    if (!img || !dl || strncmp(img, c->dir, dl) != 0 || img[dl] != '/') return NULL;
    return img + dl + 1;
}

/* map.geojson of the bundle in dir, read whole into *buf (NULL when the
 * bundle has none, or it is not a regular file, or too large: KERR_OK with
 * *buf NULL only for "none"; the other cases return the refusal). */
static enum kerr read_map(const char *dir, char **buf, size_t *len)
{
    struct stat st;
    enum kerr res = KERR_OK;
    int fd = bundlefs_open(dir, GEOMAP_FILE, &st, NULL, &res);
    *buf = NULL;
    *len = 0;
    if (fd < 0) return res == KERR_NOTFOUND ? KERR_OK : res;
    if ((unsigned long long)st.st_size > GEOMAP_MAX_FILE_BYTES) {
        close(fd);
        return KERR_TOOBIG;
    }
    res = bundlefs_read_all(fd, (size_t)st.st_size, buf);
    close(fd);
    if (res == KERR_OK) *len = (size_t)st.st_size;
    return res;
}

/* True when the map bytes (NULL: no map) validate against c as the app
 * loads them: geomap_load_mem, then one connected walk network. */
static bool map_valid(const struct content *c, const char *map, size_t map_len)
{
    struct geomap *m = NULL;
    struct walk_graph *g = NULL;
    bool ok = geomap_load_mem(map, map_len, c, &m, NULL) == KERR_OK &&
              walk_build(m, &g, NULL) == KERR_OK;
    walk_graph_free(g);
    geomap_free(m);
    return ok;
}

/* True when last_good holds exactly these map bytes (map NULL: no map). */
static bool same_map(const char *last_good, const char *map, size_t map_len)
{
    char *buf = NULL;
    size_t n = 0;
    enum kerr r = read_map(last_good, &buf, &n);
    bool same = r == KERR_OK && (map ? buf && n == map_len && memcmp(buf, map, n) == 0 : !buf);
    free(buf);
    return same;
}

/* True when last_good already holds this content.json and these images. */
static bool same_as_last_good(const struct content *c, const char *json, size_t len,
                              const char *last_good)
{
    const struct content_priv *p = c->arena_;
    char *buf = NULL;
    size_t n = 0;
    bool same = read_checked(last_good, CONTENT_FILE, content_hash(json, len), &buf, &n) == KERR_OK &&
                n == len && memcmp(buf, json, len) == 0;
    free(buf);
    for (size_t i = 0; same && i < c->n_notices; i++) {
        const char *rel = image_rel(c, i);
        if (!rel) continue;
        same = read_checked(last_good, rel, p->img_hash[i], &buf, &n) == KERR_OK;
        free(buf);
    }
    return same;
}

static void remove_tree(const char *path, int depth)
{
    DIR *d;
    struct dirent *e;
    if (depth > 4) return;
    d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    while ((e = readdir(d))) {
        char a[PATH_MAX];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (snprintf(a, sizeof a, "%s/%s", path, e->d_name) >= (int)sizeof a) continue;
        if (lstat(a, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(a, depth + 1);
        else
            unlink(a);
    }
    closedir(d);
    rmdir(path);
}

/* Creates the folders of rel's path under root ("images" for images/a.png). */
static enum kerr make_parents(const char *root, const char *rel)
{
    char path[PATH_MAX];
    for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
        if (snprintf(path, sizeof path, "%s/%.*s", root, (int)(s - rel), rel) >= (int)sizeof path)
            return KERR_TOOBIG;
        if (mkdir(path, 0755) != 0 && errno != EEXIST) return KERR_IO;
    }
    return KERR_OK;
}

/* Writes the bundle into "<last_good>.tmp", moves the old copy aside to
 * "<last_good>.old", renames the new one in, then deletes the old one. A
 * crash at any point leaves either the old or the new copy under one of the
 * names; content_load_safe() also tries "<last_good>.old". */
static enum kerr write_copy(const struct content *c, const char *json, size_t len,
                            const char *map, size_t map_len, const char *tmp)
{
    const struct content_priv *p = c->arena_;
    char path[PATH_MAX];
    enum kerr res;
    if (mkdir(tmp, 0755) != 0) return KERR_IO;
    if (snprintf(path, sizeof path, "%s/" CONTENT_FILE, tmp) >= (int)sizeof path) return KERR_TOOBIG;
    res = write_file(path, json, len);
    if (res == KERR_OK && map) {
        if (snprintf(path, sizeof path, "%s/" GEOMAP_FILE, tmp) >= (int)sizeof path)
            return KERR_TOOBIG;
        res = write_file(path, map, map_len);
    }
    for (size_t i = 0; res == KERR_OK && i < c->n_notices; i++) {
        const char *rel = image_rel(c, i);
        struct stat st;
        char *buf = NULL;
        size_t n = 0;
        if (!rel) continue;
        if (snprintf(path, sizeof path, "%s/%s", tmp, rel) >= (int)sizeof path) return KERR_TOOBIG;
        if (lstat(path, &st) == 0) continue; /* referenced twice */
        res = make_parents(tmp, rel);
        if (res == KERR_OK) res = read_checked(c->dir, rel, p->img_hash[i], &buf, &n);
        if (res == KERR_OK) res = write_file(path, buf, n);
        if (res == KERR_OK && strchr(rel, '/')) {
            *strrchr(path, '/') = 0;
            fsync_dir(path);
        }
        free(buf);
    }
    if (res == KERR_OK) fsync_dir(tmp);
    return res;
}

static enum kerr save_last_good(const struct content *c, const char *json, size_t len,
                                const char *map, size_t map_len, const char *last_good)
{
    char tmp[PATH_MAX], old[PATH_MAX], parent[PATH_MAX];
    enum kerr res;
    if (!json || !c->dir) return KERR_USAGE;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", last_good) >= (int)sizeof tmp ||
        snprintf(old, sizeof old, "%s.old", last_good) >= (int)sizeof old ||
        snprintf(parent, sizeof parent, "%s/..", last_good) >= (int)sizeof parent)
        return KERR_TOOBIG;
    remove_tree(tmp, 0);
    res = write_copy(c, json, len, map, map_len, tmp);
    if (res != KERR_OK) {
        remove_tree(tmp, 0);
        return res;
    }
    remove_tree(old, 0);
    if (rename(last_good, old) != 0 && errno != ENOENT) {
        remove_tree(tmp, 0);
        return KERR_IO;
    }
    if (rename(tmp, last_good) != 0) {
        rename(old, last_good);
        remove_tree(tmp, 0);
        return KERR_IO;
    }
    fsync_dir(parent);
    remove_tree(old, 0);
    return KERR_OK;
}

static enum kerr load_checked(const char *dir, content_deep_check_fn deep, void *ud,
                              struct content **out, struct content_report *rep, char **json,
                              size_t *len)
{
    enum kerr res = content_load_keep(dir, out, rep, json, len);
    if (res == KERR_OK && deep) {
        res = deep(*out, rep, ud);
        if (res != KERR_OK) {
            content_free(*out);
            *out = NULL;
            if (json) {
                free(*json);
                *json = NULL;
            }
        }
    }
    return res;
}

/* Makes last_good a copy of the loaded bundle c (content.json = json) with
 * its map when the bundle has one that validates; logs what it cannot do. */
static void keep_last_good(const struct content *c, const char *json, size_t len,
                           const char *last_good)
{
    char *map = NULL;
    size_t map_len = 0;
    enum kerr mr = read_map(c->dir, &map, &map_len), cr;
    bool rest_same = same_as_last_good(c, json, len, last_good);
    if (mr != KERR_OK)
        KLOGW("content", "the last good copy of %s keeps no map: " GEOMAP_FILE " %s", c->dir,
              kerr_str(mr));
    if (rest_same && same_map(last_good, map, map_len)) {
        free(map);
        return;
    }
    if (map && !map_valid(c, map, map_len)) {
        KLOGW("content", "the last good copy of %s keeps no map: " GEOMAP_FILE " is not valid",
              c->dir);
        free(map);
        map = NULL;
        map_len = 0;
        if (rest_same && same_map(last_good, NULL, 0)) return;
    }
    cr = save_last_good(c, json, len, map, map_len, last_good);
    if (cr != KERR_OK)
        KLOGW("content", "could not keep a last good copy of %s: %s", c->dir, kerr_str(cr));
    free(map);
}

static bool same_dir(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}
enum kerr content_load_safe(const char *dir, const char *last_good_dir,
                            content_deep_check_fn deep_check, void *deep_ud, struct content **out,
                            struct content_report *rep)
{
    enum kerr res, res2;
    struct content_report scratch;
    char *json = NULL;
    size_t len = 0;
    *out = NULL;
    res = load_checked(dir, deep_check, deep_ud, out, rep, &json, &len);
    if (res == KERR_OK) {
        if (last_good_dir && !same_dir(dir, last_good_dir))
            keep_last_good(*out, json, len, last_good_dir);
        KLOGI("content", "loaded bundle %s (version %s, %zu services, %zu notices)", dir,
              (*out)->version, (*out)->n_services, (*out)->n_notices);
        free(json);
        return KERR_OK;
    }
    KLOGE("content", "refused bundle %s (%s, %zu problems): %s%s%s", dir, kerr_str(res),
          content_report_total(rep), rep && rep->count ? rep->lines[0] : "",
          rep && rep->count > 1 ? " | " : "", rep && rep->count > 1 ? rep->lines[1] : "");
    if (!last_good_dir || same_dir(dir, last_good_dir)) return res;
    content_report_init(&scratch);
    res2 = load_checked(last_good_dir, deep_check, deep_ud, out, &scratch, NULL, NULL);
    if (res2 != KERR_OK) {
        char old[PATH_MAX];
        if (snprintf(old, sizeof old, "%s.old", last_good_dir) < (int)sizeof old) {
            content_report_init(&scratch);
            res2 = load_checked(old, deep_check, deep_ud, out, &scratch, NULL, NULL);
        }
    }
    if (res2 == KERR_OK) {
        KLOGW("content", "showing the last good bundle instead (version %s)", (*out)->version);
        return KERR_OK;
    }
    KLOGE("content", "no valid bundle: %s is broken and the last good copy %s is not usable (%s)",
          dir, last_good_dir, kerr_str(res2));
    return res;
}
