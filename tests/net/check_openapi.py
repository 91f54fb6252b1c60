#!/usr/bin/env python3
"""net/api/openapi.yaml is OpenAPI 3.1, its examples and the codec seed corpus
validate against its schemas, and known-bad documents do not (so a schema
that accepts anything fails this check). Sample data only."""
import json, sys, yaml
from jsonschema import Draft202012Validator

api_path, corpus = sys.argv[1], sys.argv[2]
doc = yaml.safe_load(open(api_path, encoding="utf-8"))
assert doc["openapi"].startswith("3.1"), "not OpenAPI 3.1"
for p in ["/api/v1/requests", "/api/v1/tickets/{ticket}", "/api/v1/kiosks/{id}/heartbeat"]:
    assert p in doc["paths"], p
for p in ["/api/v1/rooms/{id}/availability", "/api/v1/bookings", "/api/v1/bookings/{code}/check-in",
          "/api/v1/bookings/{code}/cancel"]:
    assert p in doc["paths"] and "x-status" not in next(iter(doc["paths"][p].values())), p
for p in ["/api/v1/content/manifest", "/api/v1/content/bundles/{version}"]:
    assert "x-status" not in doc["paths"][p]["get"], p  # served (signed content updates)
comps = doc["components"]

def validator(name):
    return Draft202012Validator({"$ref": "#/components/schemas/" + name, "components": comps})

checks = 0
for name in ["RequestAnswer", "TicketStatus", "Heartbeat", "Availability", "Booking", "Events"]:
    validator(name).validate(comps["schemas"][name]["example"]); checks += 1
ex = doc["paths"]["/api/v1/requests"]["post"]["requestBody"]["content"]["application/json"]["example"]
validator("HelpRequest").validate(ex); checks += 1
seeds = {"answer": "RequestAnswer", "status": "TicketStatus", "status_null": "TicketStatus",
         "request": "HelpRequest", "heartbeat": "Heartbeat", "problem": "Problem"}
for f, name in seeds.items():
    validator(name).validate(json.load(open(f"{corpus}/{f}.json", encoding="utf-8"))); checks += 1
bad = [("HelpRequest", dict(ex, ticket="../x")), ("HelpRequest", dict(ex, phone="138 0000")),
       ("TicketStatus", {"ticket": "HL-A01-000042", "status": "lost", "note": None,
                         "updated_at": "2026-11-25T15:00:00Z", "category": "legal"}),
       ("Heartbeat", {"version": "0.1.0", "queue_depth": -1, "oldest_pending_s": 0,
                      "content_version": "x", "online": True, "last_error": None}),
       ("Booking", dict(comps["schemas"]["Booking"]["example"], code="O0I1L2")),
       ("Availability", dict(comps["schemas"]["Availability"]["example"], phone="13800001234")),
       ("Heartbeat", {"version": "0.1.0", "queue_depth": 0, "oldest_pending_s": 0,
                      "content_version": "x", "online": True, "last_error": None, "tower": "../t"})]
for name, inst in bad:
    assert not validator(name).is_valid(inst), f"{name} accepted a bad document"; checks += 1
print(f"api_openapi_examples_validate: {checks} passed, 0 failed")
