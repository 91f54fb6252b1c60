#!/usr/bin/env python3
"""A stand-in hub for the admin panel's re-send scenario (127.0.0.1 only).

The first POST /api/v1/requests of each Idempotency-Key is refused with the
hub's own 400 problem for that request (so the kiosk marks the item dead, as
when the hub's configuration refuses a category); the next POST of the same
key is stored and answered 201, as the real hub does. Heartbeats get 204.
GET /stats answers {"refused": n, "stored": n, "tickets": [...], "beats": n,
"screen_on": the last heartbeat's} so the tests can check that a re-sent
request was stored exactly once and what the screen schedule reported.

usage: fakehub.py PORT_FILE
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
seen = set()
stored = {}  # key -> ticket
refused = 0
beats = []  # screen_on of each heartbeat (None when not said)


class Hub(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, ctype=None, body=b""):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                out = {"refused": refused, "stored": len(stored), "tickets": sorted(stored.values()),
                       "beats": len(beats), "screen_on": beats[-1] if beats else None}
            self.answer(200, "application/json", json.dumps(out).encode())
        else:
            self.answer(404)

    def do_POST(self):
        global refused
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if self.path.endswith("/heartbeat"):
            with lock:
                beats.append(json.loads(body).get("screen_on"))
            self.answer(204)
            return
        if self.path != "/api/v1/requests":
            self.answer(404)
            return
        key = (self.headers.get("Idempotency-Key") or "").lower()
        req = json.loads(body)
        with lock:
            first = key not in seen
            seen.add(key)
            if first:
                refused += 1
            else:
                stored.setdefault(key, req["ticket"])
        if first:
            p = {"type": "https://huanglong-kiosk.example/problems/bad-request",
                 "title": "Bad request", "status": 400,
                 "detail": "category not served by this hub (sample)",
                 "instance": "urn:uuid:" + key}
            self.answer(400, "application/problem+json", json.dumps(p).encode())
            return
        a = {"ticket": req["ticket"], "status": "new",
             "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self.answer(201, "application/json", json.dumps(a).encode())


srv = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
