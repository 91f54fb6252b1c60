#include "bundle_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char bundle_minimal[] =
    "{\"schema\":1,\"version\":\"t1\",\"generated_at\":\"2026-11-25T09:00:00+08:00\","
    "\"sample\":false,"
    "\"district\":{\"name\":{\"zh\":\"黄龙\",\"en\":\"Huanglong\"},\"about\":[{\"zh\":\"段落\"}]},"
    "\"towers\":[{\"id\":\"t01\",\"name\":{\"zh\":\"楼A\"},\"grid\":1,\"x_m\":0,\"y_m\":0,\"floors\":10}],"
    "\"orgs\":[{\"id\":\"o1\",\"type\":\"service_centre\",\"name\":{\"zh\":\"服务中心\"}}],"
    "\"categories\":[{\"id\":\"legal\",\"name\":{\"zh\":\"法律\"},\"icon\":\"gavel\",\"order\":1}],"
    "\"services\":[{\"id\":\"s1\",\"category\":\"legal\",\"name\":{\"zh\":\"法律服务\"},"
    "\"summary\":{\"zh\":\"咨询\"},\"provider\":{\"zh\":\"中心\"},\"provider_org\":\"o1\","
    "\"place\":{\"tower\":\"t01\",\"floor\":3}}],"
    "\"notices\":[{\"id\":\"n1\",\"title\":{\"zh\":\"通知\"},\"body\":{\"zh\":\"内容\"},"
    "\"image\":\"images/a.png\",\"start\":\"2026-01-01T00:00:00+08:00\","
    "\"end\":\"2027-01-01T00:00:00+08:00\"}]}";

int bundle_put_file(const char *dir, const char *rel, const void *data, size_t len)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    f = fopen(path, "wb");
    if (!f) return -1;
    if (len && fwrite(data, 1, len, f) != len) {
        fclose(f);
        return -1;
    }
    return fclose(f);
}

void bundle_remove(const char *dir)
{
    char sub[1024];
    DIR *d;
    struct dirent *e;
    snprintf(sub, sizeof sub, "%s/images", dir);
    for (int pass = 0; pass < 2; pass++) {
        const char *p = pass == 0 ? sub : dir;
        char f[1400];
        d = opendir(p);
        if (!d) continue;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            if (snprintf(f, sizeof f, "%s/%s", p, e->d_name) >= (int)sizeof f) continue;
            if (unlink(f) != 0) rmdir(f);
        }
        closedir(d);
        rmdir(p);
    }
}

const char *bundle_write(const char *name, const char *json, size_t len, const char *png_src)
{
    static char dir[512];
    char img[600];
    snprintf(dir, sizeof dir, "/tmp/kmodel-test-%d-%s", (int)getpid(), name);
    bundle_remove(dir);
    if (mkdir(dir, 0755) != 0) return NULL;
    snprintf(img, sizeof img, "%s/images", dir);
    if (mkdir(img, 0755) != 0) return NULL;
    if (bundle_put_file(dir, "content.json", json, len) != 0) return NULL;
    if (png_src) {
        FILE *f = fopen(png_src, "rb");
        char buf[65536];
        size_t n;
        if (!f) return NULL;
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        if (bundle_put_file(dir, "images/a.png", buf, n) != 0) return NULL;
    }
    return dir;
}

char *str_replace1(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    size_t a, b, c;
    char *r;
    if (!at) {
        fprintf(stderr, "str_replace1: \"%s\" not found\n", from);
        return NULL;
    }
    a = (size_t)(at - s);
    b = strlen(to);
    c = strlen(at + strlen(from));
    r = malloc(a + b + c + 1);
    if (!r) return NULL;
    memcpy(r, s, a);
    memcpy(r + a, to, b);
    memcpy(r + a + b, at + strlen(from), c + 1);
    return r;
}
