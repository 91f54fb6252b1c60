/* kioskctl_content: `kioskctl content …`. Key and signing commands work on
 * local files only; publish, list and status talk to the hub with the admin
 * token (same rules as the rest of kioskctl: plain http only to this
 * machine). See kioskctl_content.h. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "api.h"
#include "cbundle.h"
#include "cmeta.h"
#include "csign.h"
#include "kioskctl_content.h"

enum { EX_OK = 0, EX_HUB = 1, EX_USAGE = 2, EX_UNREACHABLE = 3, EX_AUTH = 4, EX_CONFLICT = 5 };

#ifndef KIOSK_VERSION
#define KIOSK_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
    fputs("usage: kioskctl content COMMAND (see docs/content-guide.md)\n"
          "keys (offline, on the editors' machine):\n"
          "  content keygen [-o NAME]          a new Ed25519 key: NAME.key (private, 0600)\n"
          "                                    and NAME.pub (default NAME: publisher)\n"
          "  content root-init --key ROOT.key -o root.json\n"
          "                                    root v1: install root.json on every kiosk\n"
          "  content root-rotate --key OLD.key --new-key NEW.key --version N -o root-N.json\n"
          "                                    root vN, signed by the old and the new root key\n"
          "  content keys --key ROOT.key --version N [--expires-days D] -o keys.json PUB...\n"
          "                                    the publisher keys (PUB files) signed by the root;\n"
          "                                    drop a key from the list to revoke it\n"
          "  content sign --key KEYFILE --version N DIR -o FILE [--expires-days D]\n"
          "               [--targets all|tower:t03,kiosk:HL-A01,...] [--min-kiosk-version V]\n"
          "               [--trust DIR]        one signed bundle file from the folder DIR;\n"
          "                                    keys.json and root-N.json from --trust\n"
          "                                    (default: KEYFILE's folder)\n"
          "through the hub (--hub URL --token-file FILE, as for every kioskctl command):\n"
          "  content publish FILE [--to all|tower:t03|kiosk:HL-A01,...] [--at TIME]\n"
          "                                    upload; kiosks in --to take it from TIME\n"
          "                                    (RFC 3339 UTC); again with a wider --to to widen\n"
          "  content list                      published versions\n"
          "  content status                    which kiosk has which version, errors\n",
          f);
}

struct opts {
    const char *hub, *token_file, *key, *new_key, *out, *version, *expires, *targets, *minv,
        *trust, *to, *at;
    bool json, insecure;
    const char *pos[64];
    int npos;
};

static bool num_ok(const char *s, long long lo, long long hi, long long *v)
{
    char *end;
    if (!s || !*s) return false;
    *v = strtoll(s, &end, 10);
    return !*end && *v >= lo && *v <= hi;
}

/* ---- offline commands ---- */

static int cmd_keygen(const struct opts *o)
{
    char k[1024], p[1024];
    const char *name = o->out ? o->out : "publisher";
    enum kerr e;
    snprintf(k, sizeof k, "%s.key", name);
    snprintf(p, sizeof p, "%s.pub", name);
    e = csign_keygen(k, p);
    if (e == KERR_CONFLICT) {
        fprintf(stderr, "kioskctl: %s exists; not overwritten\n", k);
        return EX_CONFLICT;
    }
    if (e != KERR_OK) {
        fprintf(stderr, "kioskctl: cannot write %s / %s: %s\n", k, p, kerr_str(e));
        return EX_HUB;
    }
    printf("private key %s (keep it offline, mode 0600)\npublic key  %s\n", k, p);
    return EX_OK;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "kioskctl: cannot write %s\n", path);
        return EX_HUB;
    }
    return EX_OK;
}

static int load_key(const char *path, struct csign_key **k)
{
    if (!path) {
        fprintf(stderr, "kioskctl: --key KEYFILE is needed\n");
        return EX_USAGE;
    }
    if (csign_key_load(path, k) != KERR_OK) {
        fprintf(stderr, "kioskctl: %s: not an Ed25519 private key\n", path);
        return EX_USAGE;
    }
    return EX_OK;
}

/* root v1 (root-init) or vN signed by old and new (root-rotate) */
static int cmd_root(const struct opts *o, bool rotate)
{
    struct csign_key *keys[2] = {NULL, NULL};
    struct csign_keyset set = {0};
    long long v = 1;
    char *text = NULL, *env = NULL;
    int ret = EX_USAGE, nk = 1;
    if (!o->out || (rotate && (!o->new_key || !num_ok(o->version, 2, CMETA_VERSION_MAX, &v)))) {
        usage(stderr);
        return EX_USAGE;
    }
    if ((ret = load_key(o->key, &keys[0])) != EX_OK) return ret;
    if (rotate && (ret = load_key(o->new_key, &keys[1])) != EX_OK) goto out;
    nk = rotate ? 2 : 1;
    csign_keyset_add(&set, csign_key_pub(keys[nk - 1]));
    ret = EX_HUB;
    if (cmeta_keys_encode("root", v, 0, &set, &text) != KERR_OK ||
        csign_envelope_make(text, keys, nk, &env) != KERR_OK)
        goto out;
    ret = write_text(o->out, env);
    if (ret == EX_OK) printf("root v%lld (key %s) in %s\n", v, set.keyid[0], o->out);
out:
    csign_key_free(keys[0]);
    csign_key_free(keys[1]);
    free(text);
    free(env);
    return ret;
}

static int cmd_keys(const struct opts *o)
{
    struct csign_key *root = NULL;
    struct csign_keyset set = {0};
    long long v, days = 365;
    char *text = NULL, *env = NULL;
    int ret;
    if (!o->out || o->npos < 3 || !num_ok(o->version, 1, CMETA_VERSION_MAX, &v) ||
        (o->expires && !num_ok(o->expires, 1, 3650, &days))) {
        usage(stderr);
        return EX_USAGE;
    }
    if ((ret = load_key(o->key, &root)) != EX_OK) return ret;
    for (int i = 2; i < o->npos; i++) {
        char pub[CSIGN_PUB_SIZE];
        if (csign_pub_load(o->pos[i], pub) != KERR_OK || csign_keyset_add(&set, pub) != KERR_OK) {
            fprintf(stderr, "kioskctl: %s: not a public key file (kioskctl content keygen), or "
                            "more than %d keys\n", o->pos[i], CSIGN_MAX_KEYS);
            csign_key_free(root);
            return EX_USAGE;
        }
    }
    ret = EX_HUB;
    if (cmeta_keys_encode("publishers", v, (int64_t)time(NULL) + days * 86400, &set, &text) ==
            KERR_OK &&
        csign_envelope_make(text, &root, 1, &env) == KERR_OK)
        ret = write_text(o->out, env);
    if (ret == EX_OK) printf("publisher key list v%lld (%d keys) in %s\n", v, set.n, o->out);
    csign_key_free(root);
    free(text);
    free(env);
    return ret;
}

static int cmd_sign(const struct opts *o)
{
    struct cbundle_sign_opts so = {0};
    char why[CBUNDLE_WHY_SIZE];
    long long v, days = 30;
    enum kerr e;
    if (!o->key || !o->out || o->npos != 3 || !num_ok(o->version, 1, CMETA_VERSION_MAX, &v) ||
        (o->expires && !num_ok(o->expires, 1, 3650, &days))) {
        usage(stderr);
        return EX_USAGE;
    }
    so.key_path = o->key;
    so.trust_dir = o->trust;
    so.version = v;
    so.created = (int64_t)time(NULL);
    so.expires_days = (int)days;
    so.targets = o->targets ? o->targets : "all";
    so.min_kiosk_version = o->minv ? o->minv : KIOSK_VERSION;
    e = cbundle_sign(o->pos[2], &so, o->out, why);
    if (e != KERR_OK) {
        fprintf(stderr, "kioskctl: sign: %s\n", why);
        return e == KERR_IO ? EX_HUB : EX_USAGE;
    }
    printf("signed content v%lld of %s into %s (expires in %lld days, targets %s)\n", v, o->pos[2],
           o->out, days, so.targets);
    return EX_OK;
}

/* ---- hub commands ---- */

struct buf {
    char *p;
    size_t len;
};

static size_t on_write(char *d, size_t sz, size_t n, void *arg)
{
    struct buf *b = arg;
    char *np;
    if (b->len + sz * n > (8u << 20)) return 0;
    np = realloc(b->p, b->len + sz * n + 1);
    if (!np) return 0;
    b->p = np;
    memcpy(b->p + b->len, d, sz * n);
    b->len += sz * n;
    b->p[b->len] = 0;
    return sz * n;
}

static bool read_token(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[512];
    out[0] = 0;
    if (!f) return false;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n && strchr(" \t\r\n", line[n - 1])) line[--n] = 0;
        if (n) snprintf(out, cap, "%s", line);
    }
    fclose(f);
    return out[0] != 0;
}

/* One request; the HTTP status or -1 (unreachable, printed). */
static long call(const struct opts *o, const char *method, const char *path, const char *body,
                 size_t body_len, const char *ctype, struct buf *out)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = NULL;
    char url[2048], auth[600], tok[400], ct[128];
    long code = -1;
    CURLcode rc;
    memset(out, 0, sizeof *out);
    if (!h || !read_token(o->token_file, tok, sizeof tok)) {
        fprintf(stderr, "kioskctl: cannot read a token from %s\n", o->token_file);
        if (h) curl_easy_cleanup(h);
        return -2;
    }
    snprintf(url, sizeof url, "%s%s", o->hub, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    memset(tok, 0, sizeof tok);
    hdr = curl_slist_append(hdr, auth);
    hdr = curl_slist_append(hdr, "Expect:");
    if (ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        hdr = curl_slist_append(hdr, ct);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 120000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    rc = curl_easy_perform(h);
    if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    else fprintf(stderr, "kioskctl: cannot reach %s: %s\n", o->hub, curl_easy_strerror(rc));
    memset(auth, 0, sizeof auth);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return code;
}

static int fail(long code, const struct buf *b)
{
    struct api_problem p;
    if (code == -2) return EX_USAGE;
    if (code < 0) return EX_UNREACHABLE;
    if (b->p && api_problem_decode(b->p, b->len, &p, NULL) == KERR_OK)
        fprintf(stderr, "kioskctl: %ld %s%s%s\n", code, p.title, p.detail[0] ? ": " : "", p.detail);
    else
        fprintf(stderr, "kioskctl: hub answered %ld\n", code);
    if (code == 401 || code == 403) return EX_AUTH;
    if (code == 409) return EX_CONFLICT;
    if (code == 400 || code == 413) return EX_USAGE;
    return EX_HUB;
}

static void url_escape(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    for (; *in && k + 4 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-_.", c))
            out[k++] = (char)c;
        else k += (size_t)snprintf(out + k, cap - k, "%%%02X", c);
    }
    out[k] = 0;
}

static int cmd_publish(const struct opts *o)
{
    FILE *f;
    struct stat st;
    char *data, path[1024], to[700], at[64];
    struct buf b;
    long code;
    int ret;
    int64_t t;
    if (o->npos != 3) {
        usage(stderr);
        return EX_USAGE;
    }
    if (o->to) {
        char tl[600], *save = NULL;
        snprintf(tl, sizeof tl, "%s", o->to);
        for (char *x = strtok_r(tl, ",", &save); x; x = strtok_r(NULL, ",", &save))
            if (!cmeta_target_ok(x)) {
                fprintf(stderr, "kioskctl: --to: %s is not all, tower:ID or kiosk:ID\n", x);
                return EX_USAGE;
            }
    }
    if (o->at && !cmeta_time_parse(o->at, &t)) {
        fprintf(stderr, "kioskctl: --at: a UTC time such as 2026-11-28T01:00:00Z\n");
        return EX_USAGE;
    }
    if (stat(o->pos[2], &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        st.st_size > (256 << 20)) {
        fprintf(stderr, "kioskctl: %s: not a bundle file (kioskctl content sign)\n", o->pos[2]);
        return EX_USAGE;
    }
    data = malloc((size_t)st.st_size);
    f = fopen(o->pos[2], "rb");
    if (!data || !f || fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        fprintf(stderr, "kioskctl: cannot read %s\n", o->pos[2]);
        if (f) fclose(f);
        free(data);
        return EX_USAGE;
    }
    fclose(f);
    url_escape(o->to ? o->to : "all", to, sizeof to);
    url_escape(o->at ? o->at : "", at, sizeof at);
    snprintf(path, sizeof path, "/api/v1/admin/content?to=%s%s%s", to, o->at ? "&at=" : "", o->at ? at : "");
    code = call(o, "POST", path, data, (size_t)st.st_size, "application/octet-stream", &b);
    free(data);
    if (code == 200 || code == 201) {
        if (o->json) printf("%s\n", b.p ? b.p : "{}");
        else {
            cJSON *a = b.p ? cJSON_Parse(b.p) : NULL;
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "version");
            printf("published content v%lld to %s%s%s\n",
                   cJSON_IsNumber(v) ? (long long)v->valuedouble : 0LL, o->to ? o->to : "all",
                   o->at ? " from " : "", o->at ? o->at : "");
            cJSON_Delete(a);
        }
        ret = EX_OK;
    } else {
        ret = fail(code, &b);
    }
    free(b.p);
    return ret;
}

static const char *str_of(const cJSON *o, const char *k, char *num, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsString(v)) return v->valuestring[0] ? v->valuestring : "-";
    if (cJSON_IsNumber(v)) {
        snprintf(num, cap, "%lld", (long long)v->valuedouble);
        return num;
    }
    return "-";
}

static int cmd_get(const struct opts *o, bool status)
{
    struct buf b;
    long code = call(o, "GET", status ? "/api/v1/admin/content/status" : "/api/v1/admin/content",
                     NULL, 0, NULL, &b);
    cJSON *a, *it;
    char n1[32], n2[32], n3[32];
    int ret = EX_HUB;
    if (code != 200) {
        ret = fail(code, &b);
        free(b.p);
        return ret;
    }
    if (o->json) {
        printf("%s\n", b.p);
        free(b.p);
        return EX_OK;
    }
    a = cJSON_Parse(b.p);
    if (!status && cJSON_IsArray(cJSON_GetObjectItem(a, "releases"))) {
        printf("%-8s %-21s %-21s %-21s %-10s %-8s %-24s %s\n", "VERSION", "CREATED", "EXPIRES",
               "FROM", "BYTES", "BUNDLE", "TO", "SIGNED_TARGETS");
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(a, "releases"))
        {
            /* removed: the retention sweep deleted the bytes, no kiosk needed them */
            bool removed = cJSON_IsString(cJSON_GetObjectItem(it, "bundle_removed_at"));
            printf("%-8s %-21s %-21s %-21s %-10s %-8s %-24s %s\n", str_of(it, "version", n1, 32),
                   str_of(it, "created", n2, 32), str_of(it, "expires", n3, 32),
                   str_of(it, "at", n3, 32), str_of(it, "size", n2, 32),
                   removed ? "removed" : "kept", str_of(it, "to", n1, 32),
                   str_of(it, "targets", n1, 32));
        }
        ret = EX_OK;
    } else if (status && cJSON_IsArray(cJSON_GetObjectItem(a, "kiosks"))) {
        printf("%-16s %-8s %-8s %-8s %-21s %s\n", "KIOSK", "TOWER", "CONTENT", "OFFERED",
               "REPORTED", "LAST_CONTENT_ERROR");
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(a, "kiosks"))
            printf("%-16s %-8s %-8s %-8s %-21s %s\n", str_of(it, "id", n1, 32),
                   str_of(it, "tower", n2, 32), str_of(it, "content", n3, 32),
                   str_of(it, "offered", n2, 32), str_of(it, "reported_at", n1, 32),
                   str_of(it, "error", n3, 32));
        ret = EX_OK;
    } else {
        fprintf(stderr, "kioskctl: the hub's answer is not what was expected\n");
    }
    cJSON_Delete(a);
    free(b.p);
    return ret;
}

int kioskctl_content_main(int argc, char **argv)
{
    struct opts o;
    bool group = false, help = false;
    int ret;
    memset(&o, 0, sizeof o);
    o.hub = getenv("KIOSK_HUB");
    o.token_file = getenv("KIOSK_HUB_TOKEN_FILE");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        const char **dst = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) help = true;
        else if (strcmp(a, "--json") == 0) o.json = true;
        else if (strcmp(a, "--insecure") == 0) o.insecure = true;
        else if (strcmp(a, "--hub") == 0) dst = &o.hub;
        else if (strcmp(a, "--token-file") == 0) dst = &o.token_file;
        else if (strcmp(a, "--key") == 0) dst = &o.key;
        else if (strcmp(a, "--new-key") == 0) dst = &o.new_key;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) dst = &o.out;
        else if (strcmp(a, "--version") == 0) dst = &o.version;
        else if (strcmp(a, "--expires-days") == 0) dst = &o.expires;
        else if (strcmp(a, "--targets") == 0) dst = &o.targets;
        else if (strcmp(a, "--min-kiosk-version") == 0) dst = &o.minv;
        else if (strcmp(a, "--trust") == 0) dst = &o.trust;
        else if (strcmp(a, "--to") == 0) dst = &o.to;
        else if (strcmp(a, "--at") == 0) dst = &o.at;
        else if (a[0] == '-' && a[1]) {
            if (!group) return -1; /* not ours: kioskctl's own parser reports it */
            fprintf(stderr, "kioskctl: unknown option %s\n", a);
            usage(stderr);
            return EX_USAGE;
        } else if (o.npos < 64) {
            o.pos[o.npos++] = a;
            if (o.npos == 1) group = strcmp(a, "content") == 0;
            if (!group) return -1;
        }
        if (dst) {
            if (!has) {
                if (!group) return -1;
                fprintf(stderr, "kioskctl: %s needs a value\n", a);
                return EX_USAGE;
            }
            *dst = argv[++i];
        }
    }
    if (!group) return -1;
    if (help) {
        usage(stdout);
        return EX_OK;
    }
    if (o.npos < 2) {
        usage(stderr);
        return EX_USAGE;
    }
    if (strcmp(o.pos[1], "keygen") == 0 && o.npos == 2) return cmd_keygen(&o);
    if (strcmp(o.pos[1], "root-init") == 0 && o.npos == 2) return cmd_root(&o, false);
    if (strcmp(o.pos[1], "root-rotate") == 0 && o.npos == 2) return cmd_root(&o, true);
    if (strcmp(o.pos[1], "keys") == 0) return cmd_keys(&o);
    if (strcmp(o.pos[1], "sign") == 0) return cmd_sign(&o);
    if (strcmp(o.pos[1], "publish") != 0 && strcmp(o.pos[1], "list") != 0 &&
        strcmp(o.pos[1], "status") != 0) {
        usage(stderr);
        return EX_USAGE;
    }
    if (!o.hub || !o.token_file) {
        fprintf(stderr, "kioskctl: content %s needs --hub URL and --token-file FILE\n", o.pos[1]);
        return EX_USAGE;
    }
    if (strncasecmp(o.hub, "http://", 7) == 0 && !api_url_is_loopback_http(o.hub) && !o.insecure) {
        fprintf(stderr, "kioskctl: refusing to send the admin token over plain http to a host "
                        "that is not this machine; use https://, or --insecure\n");
        return EX_USAGE;
    }
    {
        static char trimmed[1024];
        size_t n = strlen(o.hub);
        if (n && o.hub[n - 1] == '/') {
            snprintf(trimmed, sizeof trimmed, "%.*s", (int)(n - 1), o.hub);
            o.hub = trimmed;
        }
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (strcmp(o.pos[1], "publish") == 0) ret = cmd_publish(&o);
    else if (o.npos != 2) {
        usage(stderr);
        ret = EX_USAGE;
    } else ret = cmd_get(&o, strcmp(o.pos[1], "status") == 0);
    curl_global_cleanup();
    return ret;
}
