#!/usr/bin/env python3
"""Writes the default bundle's map, assets/content/map.geojson (GeoJSON, RFC 7946).

SAMPLE DATA. The geometry is invented: it is shaped like a business district
(the 13 towers of content.json at their x_m/y_m positions, in 3 service grids,
streets, sidewalks, a stair, a park) and placed near Huanglong so that a phone
map opens in the right part of town, but no footprint, street, entrance or
name on it is surveyed. The collection says "sample": true and the kiosk
writes 示例 on the map. Real data replaces the whole file (see
docs/content-guide.md, section 地图).

Run from the repository root after make_content.py:
    python3 assets/tools/make_map.py
Deterministic (no clock, no randomness: the layout is fixed; the "seed" is
the tower table of content.json).
"""
import json
import math
import sys

CONTENT = sys.argv[1] if len(sys.argv) > 1 else "assets/content/content.json"
OUT = sys.argv[2] if len(sys.argv) > 2 else "assets/content/map.geojson"

LON0, LAT0 = 120.1290, 30.2700  # local plane origin (x east, y north, metres)
R = 6371008.8
KY = R * math.pi / 180
KX = KY * math.cos(LAT0 * math.pi / 180)


def ll(x, y):
    return [round(LON0 + x / KX, 7), round(LAT0 + y / KY, 7)]


def line(pts):
    return {"type": "LineString", "coordinates": [ll(x, y) for x, y in pts]}


def poly(pts):
    ring = [ll(x, y) for x, y in pts]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def rect(x0, y0, x1, y1):
    return poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def feat(geom, **props):
    return {"type": "Feature", "properties": props, "geometry": geom}


with open(CONTENT, encoding="utf-8") as f:
    content = json.load(f)
towers = content["towers"]

features = []
# ---- orientation: park, pond, plaza, streets (drawn first, under the rest)
features.append(feat(rect(285, 175, 505, 335), kind="park", name="示例公园", **{"name:en": "Sample Park"}))
features.append(feat(poly([(400, 230), (440, 222), (462, 250), (440, 282), (405, 276)]), kind="water",
                     name="示例池塘", **{"name:en": "Sample Pond"}))
features.append(feat(rect(-40, -34, 60, -18), kind="plaza", name="示例广场", **{"name:en": "Sample Plaza"}))
STREETS = [  # (name zh, name en, points)
    ("示例路一", "Sample Road 1", [(-140, -55), (590, -55)]),
    ("示例路二", "Sample Road 2", [(-140, 55), (590, 55)]),
    ("示例路三", "Sample Road 3", [(-140, 190), (275, 190)]),
    ("示例路四", "Sample Road 4", [(-140, 300), (275, 300)]),
    ("示例西街", "Sample West Street", [(-70, -140), (-70, 470)]),
    ("示例中街", "Sample Middle Street", [(255, -140), (255, 470)]),
    ("示例东街", "Sample East Street", [(520, -140), (520, 470)]),
]
for zh, en, pts in STREETS:
    features.append(feat(line(pts), kind="street", name=zh, **{"name:en": en}))
features.append(feat({"type": "Point", "coordinates": ll(255, -75)}, kind="landmark",
                     name="示例地铁站", **{"name:en": "Sample Metro Station"}))

# ---- towers: footprints 36 m x 28 m, entrance in the middle of the south side
W, H = 48, 34
ROWS = [-40, 65, 200, 310]  # y of the east-west sidewalks (north side of each road)


def sidewalk_below(y):
    return max(r for r in ROWS if r < y)


ew = {r: {-60, 265} for r in ROWS}  # x where something joins each E-W sidewalk
ew[-40] |= {510}
ew[65] |= {510}
paths = []  # (props, points)
for t in towers:
    x, y = t["x_m"], t["y_m"]
    features.append(feat(rect(x - W / 2, y - H / 2, x + W / 2, y + H / 2), tower=t["id"]))
    ey = y - H / 2
    sy = sidewalk_below(ey)
    features.append(feat({"type": "Point", "coordinates": ll(x, ey)}, tower=t["id"], entrance="南门"))
    paths.append(({}, [(x, ey), (x, sy)]))
    ew[sy].add(x)
# t01 has a second door on its east side, joined to Road 1's sidewalk
t1 = towers[0]
ex, ey = t1["x_m"] + W / 2, t1["y_m"]
features.append(feat({"type": "Point", "coordinates": ll(ex, ey)}, tower=t1["id"], entrance="东门"))
paths.append(({}, [(ex, ey), (45, ey), (45, -40)]))
ew[-40].add(45)
# a stair between Road 2's and Road 3's sidewalks: quicker, not step-free
paths.append(({"name": "示例台阶", "name:en": "Sample Stairs", "steps": True}, [(120, 65), (120, 200)]))
ew[65].add(120)
ew[200].add(120)
# a covered walkway through the podium between t04 and t05 (indoor, level 1)
paths.append(({"name": "示例连廊", "name:en": "Sample Skywalk", "indoor": True, "level": 1},
              [(58, 106), (122, 116)]))
# the park's path, from the middle sidewalk to the east one
paths.append(({"name": "示例公园步道", "name:en": "Sample Park Path"},
              [(265, 255), (330, 262), (380, 300), (470, 300), (510, 255)]))

# E-W sidewalks: one way per road with a vertex wherever something joins
EW_NAMES = {-40: ("示例路一人行道", "Sample Road 1 sidewalk"), 65: ("示例路二人行道", "Sample Road 2 sidewalk"),
            200: ("示例路三人行道", "Sample Road 3 sidewalk"), 310: ("示例路四人行道", "Sample Road 4 sidewalk")}
for r in ROWS:
    xs = sorted(ew[r])
    zh, en = EW_NAMES[r]
    features.append(feat(line([(x, r) for x in xs]), name=zh, **{"name:en": en}))
# N-S sidewalks, joined to every E-W sidewalk they meet (and the park path)
NS = [(-60, "示例西街人行道", "Sample West Street sidewalk", ROWS),
      (265, "示例中街人行道", "Sample Middle Street sidewalk", ROWS + [255]),
      (510, "示例东街人行道", "Sample East Street sidewalk", [-40, 65, 255])]
for x, zh, en, ys in NS:
    features.append(feat(line([(x, y) for y in sorted(ys)]), name=zh, **{"name:en": en}))
for props, pts in paths:
    features.append(feat(line(pts), **props))
# the skywalk's ends meet the towers' entrance paths: join them to t04 and t05 doors
t4, t5 = towers[3], towers[4]
features.append(feat(line([(t4["x_m"], t4["y_m"] - H / 2), (58, 106)])))
features.append(feat(line([(122, 116), (t5["x_m"], t5["y_m"] - H / 2)])))

xs = [-150, 600]
ys = [-150, 480]
west, south = ll(xs[0], ys[0])
east, north = ll(xs[1], ys[1])
doc = {
    "type": "FeatureCollection",
    "name": "示例地图 Sample map of the district",
    "sample": True,
    "bbox": [west, south, east, north],
    "walking": {"speed_mps": 1.0, "steps_factor": 2.0, "lift_wait_s": 60, "lift_s_per_floor": 3,
                "elder_speed_mps": 0.8},
    "route_url": "https://uri.amap.com/navigation?to={lon},{lat},{name}&mode=walk&coordinate=wgs84&callnative=1",
    "features": features,
}
with open(OUT, "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
    f.write("\n")
print("wrote", OUT, len(features), "features")
