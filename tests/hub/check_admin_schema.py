#!/usr/bin/env python3
"""hub_admin_answers_match_admin_openapi: starts the real kiosk-hub on
127.0.0.1 with a temp database, calls every admin endpoint (and the kiosk
ones they depend on) and validates each JSON answer against the schemas of
net/api/admin.openapi.yaml with the standard jsonschema validator (2020-12,
which OpenAPI 3.1 uses). Sample data only. Exit 0 when all match."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

# the _pg twin (tests/pg/CMakeLists.txt) runs this on PostgreSQL
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pg"))
from pghub import hub_db_args  # noqa: E402
import uuid

import jsonschema
import yaml

hub_bin, spec_path = sys.argv[1], sys.argv[2]
spec = yaml.safe_load(open(spec_path, encoding="utf-8"))
ADMIN = "schema-admin-token-0123456789"
failures = 0
checks = 0


def validator(name):
    # the whole spec is the root document, so '#/components/...' refs resolve
    schema = dict(spec)
    schema["$ref"] = "#/components/schemas/" + name
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return jsonschema.Draft202012Validator(schema)


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def call(port, method, path, token, body=None, key=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if key:
        req.add_header("Idempotency-Key", key)
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, data=data, timeout=10) as r:
            raw = r.read()
            return r.status, r.headers.get("Content-Type", ""), json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, e.headers.get("Content-Type", ""), json.loads(raw) if raw else None


def validate(name, doc, what):
    errs = list(validator(name).iter_errors(doc))
    for e in errs[:3]:
        print(f"  {what}: {e.message} at {list(e.absolute_path)}", file=sys.stderr)
    check(not errs, f"{what} matches {name}")


def main():
    d = tempfile.mkdtemp(prefix="hubschema")
    tok = os.path.join(d, "admin.token")
    with open(tok, "w") as f:
        f.write(ADMIN + "\n")
    pf = os.path.join(d, "port")
    hub = subprocess.Popen([hub_bin, "--listen", "127.0.0.1:0"] + hub_db_args(d, "hubschema") +
                           ["--admin-token-file", tok, "--port-file", pf, "--quiet"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            if os.path.exists(pf):
                break
            time.sleep(0.01)
        port = int(open(pf).read())

        st, ct, doc = call(port, "POST", "/api/v1/admin/kiosks", ADMIN, {"id": "HL-S01"})
        check(st == 201, "kiosk add 201")
        validate("KioskCreated", doc, "kiosk add answer")
        token = doc["token"]
        check(len(token) == 64, "token is 64 hex digits")

        beat = {"version": "0.1.0", "queue_depth": 2, "oldest_pending_s": 30,
                "content_version": "2026.11.1", "online": True, "last_error": None}
        st, _, _ = call(port, "POST", "/api/v1/kiosks/HL-S01/heartbeat", token, beat)
        check(st == 200, "heartbeat 200")
        request = {"ticket": "HL-S01-000001", "kiosk_id": "HL-S01", "category": "legal",
                   "company": {"id": None, "name": "示例公司（样例数据）"},
                   "contact_name": "样例", "phone": "13800000000", "tower": "t03",
                   "description": "样例求助，不是真实数据", "lang": "zh",
                   "created_at": "2026-11-25T14:00:00Z", "check": "004217",
                   "receipt_ticket": "HL-S01-000000"}
        st, _, _ = call(port, "POST", "/api/v1/requests", token, request, str(uuid.uuid4()))
        check(st == 201, "request 201")

        st, ct, doc = call(port, "GET", "/api/v1/admin/kiosks", ADMIN)
        check(st == 200 and ct == "application/json", "kiosk list 200 json")
        for k in doc["kiosks"]:
            validate("KioskStatus", k, "kiosk list entry")
        st, _, doc = call(port, "GET", "/api/v1/admin/requests?status=new", ADMIN)
        check(st == 200 and len(doc["requests"]) == 1, "request list has the request")
        for q in doc["requests"]:
            validate("RequestListItem", q, "request list entry")
        st, _, doc = call(port, "POST", "/api/v1/admin/requests/HL-S01-000001/status", ADMIN,
                          {"status": "accepted", "note": "已受理（样例）"})
        check(st == 200, "status set 200")
        validate("TicketStatus", doc, "status set answer")
        st, _, doc = call(port, "POST", "/api/v1/admin/requests/HL-S01-000001/status", ADMIN,
                          {"status": "new"})
        check(st == 409, "bad transition 409")
        validate("Problem", doc, "409 problem")
        st, _, doc = call(port, "GET", "/api/v1/admin/requests/HL-S01-000001", ADMIN)
        check(st == 200, "request show 200")
        validate("RequestRecord", doc, "request show")
        check(doc.get("check") == "004217" and doc.get("receipt_ticket") == "HL-S01-000000",
              "request show has the check code and the receipt's ticket")
        st, ct, doc = call(port, "GET", "/api/v1/admin/requests/..%2Fx", ADMIN)
        check(st == 400 and ct == "application/problem+json", "../ is 400 problem+json")
        validate("Problem", doc, "400 problem")
        st, _, doc = call(port, "GET", "/api/v1/admin/kiosks", token)
        check(st == 403, "kiosk token on admin endpoint 403")
        validate("Problem", doc, "403 problem")
        st, _, doc = call(port, "DELETE", "/api/v1/admin/kiosks/HL-S01", None)
        check(st == 401, "no token 401")
        validate("Problem", doc, "401 problem")
        st, _, _ = call(port, "DELETE", "/api/v1/admin/kiosks/HL-S01", ADMIN)
        check(st == 204, "revoke 204")
        st, _, doc = call(port, "GET", "/api/v1/health", None)
        check(st == 200 and doc == {"ok": True}, "health")
    finally:
        hub.send_signal(signal.SIGTERM)
        check(hub.wait(timeout=20) == 0, "hub exits 0 on SIGTERM")
        shutil.rmtree(d, ignore_errors=True)
    print(f"hub_admin_schema: {checks - failures} passed, {failures} failed")
    return 1 if failures or checks == 0 else 0


sys.exit(main())
