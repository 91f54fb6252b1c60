/* A hand-made district for the map tests, with answers known by
 * construction. Positions are metres on a plane placed on the equator
 * (x east, y north; lon = x*U, lat = y*U with U the degrees of one metre
 * along a meridian), so lengths along the axes are exact geodesics.
 *
 *   A door (0,0) ─100─ (100,0) ─100─ (200,0) ─100─ C door (300,0)
 *                         │ stair 40      │ 40
 *                      (100,40) ───60─── B door (160,40) ─40─ (200,40)
 *                         │ stair 40
 *                      D door (100,80)       A north door (0,50) ─50─ A door
 *
 * From A's south door: C 300 m / 300 s; B by the stair 200 m, 100+80+60 =
 * 240 s walking, by the step-free way 280 m / 280 s; D only by stairs.
 * The way (200,0)->(300,0) starts at (200, 0.3): merged into (200,0). */
#ifndef MAP_FIXTURE_H
#define MAP_FIXTURE_H

#include <stdio.h>
#include <string.h>

#define FX_R 6371008.8
#define FX_U (180.0 / (3.14159265358979323846 * FX_R))

static const char fx_content[] =
    "{\"schema\":1,\"version\":\"t1\",\"generated_at\":\"2026-11-25T09:00:00+08:00\","
    "\"sample\":true,\"sample_notice\":{\"zh\":\"示例\"},"
    "\"district\":{\"name\":{\"zh\":\"示例\"},\"about\":[{\"zh\":\"段落\"}]},"
    "\"towers\":["
    "{\"id\":\"ta\",\"name\":{\"zh\":\"示例A\"},\"short_name\":{\"zh\":\"A座\",\"en\":\"Tower A\"},\"grid\":1,\"x_m\":0,\"y_m\":0,\"floors\":10},"
    "{\"id\":\"tb\",\"name\":{\"zh\":\"示例B\"},\"short_name\":{\"zh\":\"B座\",\"en\":\"Tower B\"},\"grid\":1,\"x_m\":0,\"y_m\":0,\"floors\":10},"
    "{\"id\":\"tc\",\"name\":{\"zh\":\"示例C\"},\"short_name\":{\"zh\":\"C座\"},\"grid\":1,\"x_m\":0,\"y_m\":0,\"floors\":10},"
    "{\"id\":\"td\",\"name\":{\"zh\":\"示例D\"},\"short_name\":{\"zh\":\"D座\"},\"grid\":1,\"x_m\":0,\"y_m\":0,\"floors\":10}],"
    "\"orgs\":["
    "{\"id\":\"oa\",\"type\":\"union\",\"name\":{\"zh\":\"示例工会\"},\"place\":{\"tower\":\"ta\",\"floor\":3}},"
    "{\"id\":\"ob\",\"type\":\"party_branch\",\"name\":{\"zh\":\"示例企业党支部07\"},\"place\":{\"tower\":\"tb\",\"floor\":5}},"
    "{\"id\":\"oc\",\"type\":\"service_centre\",\"name\":{\"zh\":\"示例中心\"},\"place\":{\"tower\":\"tc\",\"floor\":1}},"
    "{\"id\":\"od\",\"type\":\"party_branch\",\"name\":{\"zh\":\"示例楼上支部\"},\"place\":{\"tower\":\"td\"}},"
    "{\"id\":\"ox\",\"type\":\"other\",\"name\":{\"zh\":\"线上组织\"}}],"
    "\"categories\":[{\"id\":\"c\",\"name\":{\"zh\":\"分类\"},\"icon\":\"gavel\",\"order\":1}],"
    "\"services\":[{\"id\":\"s1\",\"category\":\"c\",\"name\":{\"zh\":\"服务\"},"
    "\"summary\":{\"zh\":\"一句\"},\"provider\":{\"zh\":\"中心\"}}],"
    "\"nursing_rooms\":[{\"id\":\"mr\",\"name\":{\"zh\":\"妈咪小屋\"},\"place\":{\"tower\":\"tc\",\"floor\":2},"
    "\"hours\":{\"zh\":\"全天\"}}]}";

/* Appends a feature to buf (cap bytes) at *n. kind: 'L' line, 'P' point,
 * 'G' polygon; props is the inside of the properties object. */
static void fx_add(char *buf, size_t cap, size_t *n, char kind, const char *props, int npts,
                   const double *xy)
{
    const char *type = kind == 'L' ? "LineString" : kind == 'P' ? "Point" : "Polygon";
    *n += (size_t)snprintf(buf + *n, cap - *n, "%s{\"type\":\"Feature\",\"properties\":{%s},"
                           "\"geometry\":{\"type\":\"%s\",\"coordinates\":%s",
                           buf[*n - 1] == '[' ? "" : ",", props, type,
                           kind == 'L' ? "[" : kind == 'G' ? "[[" : "");
    for (int i = 0; i < npts; i++)
        *n += (size_t)snprintf(buf + *n, cap - *n, "%s[%.10f,%.10f]", i ? "," : "",
                               xy[2 * i] * FX_U, xy[2 * i + 1] * FX_U);
    *n += (size_t)snprintf(buf + *n, cap - *n, "%s}}", kind == 'L' ? "]" : kind == 'G' ? "]]" : "");
}

static size_t fx_begin(char *buf, size_t cap)
{
    return (size_t)snprintf(buf, cap,
                            "{\"type\":\"FeatureCollection\",\"sample\":true,\"bbox\":[%.10f,%.10f,%.10f,%.10f],"
                            "\"features\":[",
                            -100 * FX_U, -100 * FX_U, 500 * FX_U, 300 * FX_U);
}

static void fx_end(char *buf, size_t cap, size_t *n)
{
    *n += (size_t)snprintf(buf + *n, cap - *n, "]}");
}

/* The good network. extra (may be "") is appended as more features. */
static inline size_t fx_map(char *buf, size_t cap, const char *extra)
{
    size_t n = fx_begin(buf, cap);
    fx_add(buf, cap, &n, 'G', "\"tower\":\"ta\"", 5, (double[]){-20, 0, 20, 0, 20, 30, -20, 30, -20, 0});
    fx_add(buf, cap, &n, 'P', "\"tower\":\"ta\",\"entrance\":\"南门\"", 1, (double[]){0, 0});
    fx_add(buf, cap, &n, 'P', "\"tower\":\"ta\",\"entrance\":\"北门\"", 1, (double[]){0, 50});
    fx_add(buf, cap, &n, 'P', "\"tower\":\"tb\",\"entrance\":\"门\"", 1, (double[]){160, 40});
    fx_add(buf, cap, &n, 'P', "\"tower\":\"tc\",\"entrance\":\"门\"", 1, (double[]){300, 0});
    fx_add(buf, cap, &n, 'P', "\"tower\":\"td\",\"entrance\":\"门\"", 1, (double[]){100, 80});
    fx_add(buf, cap, &n, 'L', "\"name\":\"南路\",\"name:en\":\"South Road\"", 3, (double[]){0, 0, 100, 0, 200, 0});
    fx_add(buf, cap, &n, 'L', "\"name\":\"东段\"", 2, (double[]){200, 0.3, 300, 0});
    fx_add(buf, cap, &n, 'L', "\"name\":\"台阶\",\"steps\":true", 3, (double[]){100, 0, 100, 40, 100, 80});
    fx_add(buf, cap, &n, 'L', "\"name\":\"中路\"", 3, (double[]){100, 40, 160, 40, 200, 40});
    fx_add(buf, cap, &n, 'L', "\"name\":\"坡道\"", 2, (double[]){200, 0, 200, 40});
    fx_add(buf, cap, &n, 'L', "\"name\":\"北路\"", 2, (double[]){0, 50, 0, 0});
    fx_add(buf, cap, &n, 'L', "\"kind\":\"street\",\"name\":\"示例路\"", 2, (double[]){-50, -20, 400, -20});
    if (extra && *extra) n += (size_t)snprintf(buf + n, cap - n, ",%s", extra);
    fx_end(buf, cap, &n);
    return n;
}

#endif
