#!/usr/bin/env python3
"""map_schema_validates_default_map: assets/map.schema.json is a valid JSON
Schema (draft 2020-12), the default bundle's map.geojson validates against
it, Multi- geometries do too, and typical mistakes are rejected."""
import copy
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
gj = json.load(open(sys.argv[2], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
failed = False
for e in v.iter_errors(gj):
    print("default map:", "/".join(str(p) for p in e.absolute_path), e.message)
    failed = True


def first(kind):
    for f in gj["features"]:
        p = f.get("properties") or {}
        if kind == "tower" and "tower" in p and f["geometry"]["type"] == "Polygon":
            return f
        if kind == "way" and "kind" not in p and "tower" not in p:
            return f
        if p.get("kind") == kind:
            return f
    raise SystemExit("no %s in the default map" % kind)


def check(name, mutate, valid):
    global failed
    g = copy.deepcopy(gj)
    mutate(g)
    if v.is_valid(g) != valid:
        print("schema %s: %s" % ("rejects a good map" if valid else "accepts a broken map", name))
        failed = True


def idx(g, kind):
    return g["features"].index(first(kind))


def multi_poly(g):
    f = g["features"][idx(g, "tower")]
    f["geometry"] = {"type": "MultiPolygon", "coordinates": [f["geometry"]["coordinates"]] * 2}


def multi_line(g):
    f = g["features"][idx(g, "way")]
    f["geometry"] = {"type": "MultiLineString", "coordinates": [f["geometry"]["coordinates"]]}


check("MultiPolygon tower", multi_poly, True)
check("MultiLineString way", multi_line, True)
check("no bbox", lambda g: g.pop("bbox"), False)
check("bbox of 3", lambda g: g.__setitem__("bbox", g["bbox"][:3]), False)
check("not a FeatureCollection", lambda g: g.__setitem__("type", "Feature"), False)
check("unknown kind", lambda g: g["features"][idx(g, "park")]["properties"].__setitem__("kind", "forest"), False)
check("landmark without a name", lambda g: g["features"][idx(g, "landmark")]["properties"].pop("name"), False)
check("empty name", lambda g: g["features"][idx(g, "park")]["properties"].__setitem__("name", ""), False)
check("steps as a string", lambda g: g["features"][idx(g, "way")]["properties"].__setitem__("steps", "yes"), False)
check("a line of one position",
      lambda g: g["features"][idx(g, "way")]["geometry"].__setitem__("coordinates", [[120.13, 30.27]]), False)
check("a ring of 3 positions",
      lambda g: g["features"][idx(g, "tower")]["geometry"].__setitem__(
          "coordinates", [g["features"][idx(g, "tower")]["geometry"]["coordinates"][0][:3]]), False)
check("GeometryCollection",
      lambda g: g["features"][idx(g, "park")].__setitem__("geometry", {"type": "GeometryCollection", "geometries": []}), False)
check("empty MultiPolygon",
      lambda g: g["features"][idx(g, "park")].__setitem__("geometry", {"type": "MultiPolygon", "coordinates": []}), False)
check("route_url over http", lambda g: g.__setitem__("route_url", "http://x.example/{lon}"), False)
check("walking speed 10", lambda g: g.setdefault("walking", {}).__setitem__("speed_mps", 10), False)
check("a way as a Polygon", lambda g: g["features"][idx(g, "park")]["properties"].__setitem__("kind", "way"), False)
check("kind with a tower", lambda g: g["features"][idx(g, "park")]["properties"].__setitem__("tower", "t01"), False)
if failed:
    sys.exit(1)
print("ok: map.geojson (%d features) valid; 2 Multi- forms accepted, 15 broken maps rejected" % len(gj["features"]))
