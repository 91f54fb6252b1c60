#!/usr/bin/env python3
"""Writes assets/content.schema.json (JSON Schema draft 2020-12) for content
bundles. The C loader (kiosk/model/content.c) enforces the same rules plus
what a schema cannot say (unique ids, references, end after start, images).
Run from the repository root:  python3 assets/tools/make_schema.py"""
import json
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "assets/content.schema.json"
STR_MAX = 8192

ID = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"}
TEXT = {
    "type": "object",
    "description": "Text a person reads: Chinese first, optional English (falls back to Chinese).",
    "properties": {
        "zh": {"$ref": "#/$defs/nonblank"},
        "en": {"$ref": "#/$defs/nonblank"},
    },
    "required": ["zh"],
    "additionalProperties": False,
}
NONBLANK = {"type": "string", "minLength": 1, "maxLength": STR_MAX, "pattern": "\\S"}
DATETIME = {"type": "string",
            "pattern": "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-][01][0-9]:[0-5][0-9])$",
            "description": "RFC 3339 date-time with offset, e.g. 2026-11-25T09:00:00+08:00"}
PHONE = {"type": "string", "pattern": "^(?=(.*[0-9]){3})[0-9+() -]{3,32}$"}
PLACE = {
    "type": "object",
    "properties": {
        "tower": {"$ref": "#/$defs/id", "description": "id of a tower"},
        "floor": {"type": "integer", "minimum": -5, "maximum": 200, "not": {"const": 0},
                  "description": "1 = ground floor, -1 = first basement"},
        "room": {"type": "string", "minLength": 1, "maxLength": 32, "pattern": "\\S"},
        "note": {"$ref": "#/$defs/text"},
    },
    "additionalProperties": False,
}


def obj(props, required):
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def arr(item, min_items=0):
    a = {"type": "array", "items": item, "maxItems": 50000}
    if min_items:
        a["minItems"] = min_items
    return a


T = {"$ref": "#/$defs/text"}
R = {"$ref": "#/$defs/id"}
# a day's opening intervals, Beijing time: [] = closed; ["08:00", "12:00"], ...
HHMM = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"}
OPEN_HOURS = {"type": "array", "maxItems": 4,
              "items": {"type": "array", "prefixItems": [HHMM, HHMM], "minItems": 2, "maxItems": 2}}
schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://huanglong-kiosk.invalid/content.schema.json",
    "title": "Huanglong kiosk content bundle (content.json)",
    "description": "See docs/content-guide.md. Ids are unique within each list and references must name "
                   "an existing id; a notice must end after it starts; image files must exist in the bundle "
                   "and decode. The kiosk checks those too (kiosk --check-content DIR).",
    "$defs": {"id": ID, "text": TEXT, "nonblank": NONBLANK, "datetime": DATETIME, "phone": PHONE,
              "place": PLACE, "open_hours": OPEN_HOURS},
    "type": "object",
    "properties": {
        "$schema": {"type": "string"},
        "schema": {"const": 1},
        "version": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "\\S"},
        "generated_at": {"$ref": "#/$defs/datetime"},
        "sample": {"type": "boolean", "description": "true when names, rooms, phones are invented"},
        "sample_notice": T,
        "district": obj({
            "name": T, "short_name": T,
            "about": arr(T, 1),
            "facts": arr(obj({"value": {"type": "string", "minLength": 1, "maxLength": 32, "pattern": "\\S"},
                              "label": T}, ["value", "label"])),
        }, ["name", "about"]),
        "towers": arr(obj({
            "id": R, "name": T, "short_name": T,
            "grid": {"type": "integer", "minimum": 1, "maximum": 3},
            "x_m": {"type": "number", "minimum": -5000, "maximum": 5000},
            "y_m": {"type": "number", "minimum": -5000, "maximum": 5000},
            "floors": {"type": "integer", "minimum": 1, "maximum": 200},
        }, ["id", "name", "grid", "x_m", "y_m", "floors"])),
        "walkways": arr(obj({
            "from": R, "to": R,
            "metres": {"type": "number", "minimum": 1, "maximum": 5000},
        }, ["from", "to", "metres"])),
        "orgs": arr(obj({
            "id": R,
            "type": {"enum": ["party_branch", "tower_party_branch", "union", "youth_league",
                              "womens_committee", "next_gen_enterprise", "next_gen_tower", "tongxinhui",
                              "service_centre", "grid_station", "other"]},
            "name": T, "place": {"$ref": "#/$defs/place"}, "hours": T, "phone": {"$ref": "#/$defs/phone"},
            "companies": {"type": "integer", "minimum": 0, "maximum": 100000},
        }, ["id", "type", "name"])),
        "categories": arr(obj({
            "id": R, "name": T,
            "icon": {"type": "string", "pattern": "^[a-z0-9_]{1,40}$",
                     "description": "Material Icons ligature name, e.g. gavel"},
            "order": {"type": "integer", "minimum": 0, "maximum": 100000},
        }, ["id", "name", "icon", "order"]), 1),
        "services": arr(obj({
            "id": R, "category": R, "name": T, "summary": T, "details": T, "provider": T,
            "provider_org": R, "place": {"$ref": "#/$defs/place"}, "hours": T,
            "phone": {"$ref": "#/$defs/phone"},
            "tags": {"type": "array", "maxItems": 16,
                     "items": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "\\S"}},
        }, ["id", "category", "name", "summary", "provider"])),
        "nursing_rooms": arr(obj({
            "id": R, "name": T,
            "place": {"allOf": [{"$ref": "#/$defs/place"}, {"required": ["tower"]}]},
            "amenities": {"type": "array", "items": T, "maxItems": 32},
            "hours": T,
            "capacity": {"type": "integer", "minimum": 1, "maximum": 20},
            # issue 13: a room with `booking` can be booked at the kiosk, one
            # booking per slot; the kiosk's loader (net/api/booking.c) checks
            # what a schema cannot (intervals in order, release within the slot)
            "booking": obj({
                "slot_min": {"type": "integer", "minimum": 15, "maximum": 240},
                "days_ahead": {"type": "integer", "minimum": 1, "maximum": 30},
                "max_per_phone_day": {"type": "integer", "minimum": 1, "maximum": 10},
                "checkin_before_min": {"type": "integer", "minimum": 0, "maximum": 60},
                "checkin_after_min": {"type": "integer", "minimum": 0, "maximum": 60},
                "release_after_min": {"type": "integer", "minimum": 1, "maximum": 60},
                "week": obj({d: {"$ref": "#/$defs/open_hours"} for d in
                             ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                            ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
                "exceptions": {"type": "array", "maxItems": 64, "items": obj({
                    "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                    "closed": {"const": True},
                    "hours": {"$ref": "#/$defs/open_hours"},
                }, ["date"])},
            }, ["week"]),
        }, ["id", "name", "place", "hours"])),
        "companies": arr(obj({"id": R, "name": T, "tower": R}, ["id", "name", "tower"])),
        "request_categories": arr(obj({"id": R, "name": T, "org": R}, ["id", "name", "org"])),
        "quick_phrases": arr(T),
        "notices": arr(obj({
            "id": R, "title": T, "body": T,
            "image": {"type": "string", "minLength": 1, "maxLength": 256,
                      "pattern": "^(?!/)(?!.*\\.\\.)[^\\\\]+$",
                      "description": "path inside the bundle, e.g. images/forum.png (PNG, JPEG or SVG)"},
            "start": {"$ref": "#/$defs/datetime"}, "end": {"$ref": "#/$defs/datetime"},
            "priority": {"type": "integer", "minimum": 0, "maximum": 100},
        }, ["id", "title", "body", "start", "end"])),
    },
    "required": ["schema", "version", "generated_at", "sample", "district", "towers", "orgs",
                 "categories", "services"],
    "additionalProperties": False,
    "if": {"properties": {"sample": {"const": True}}},
    "then": {"required": ["sample_notice"]},
}

with open(OUT, "w", encoding="utf-8") as f:
    json.dump(schema, f, ensure_ascii=False, indent=2)
    f.write("\n")
print("wrote", OUT)
