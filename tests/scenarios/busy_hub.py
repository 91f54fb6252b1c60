#!/usr/bin/env python3
"""A stand-in hub that is up but busy, for booking_busy.sh (127.0.0.1 only).

Heartbeats are answered 200 (no leases), so the kiosk knows it is online.
Availability (GET /api/v1/rooms/{room}/availability):
  - days=1 (the rooms screen): always 429 with Retry-After: 3;
  - days>1 (the room screen) of mr-02: 429 with Retry-After: 3 the first time,
    then 200 with two free slots and one taken (the kiosk asked again by itself);
  - days>1 of any other room: always 500, without Retry-After.
Anything else: 404. Each availability request is logged to LOG as
"<room> <days> <status>". usage: busy_hub.py PORT_FILE LOG
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

port_file, log_file = sys.argv[1], sys.argv[2]
lock = threading.Lock()
asked = {}


def problem(status, slug):
    return json.dumps({"type": "https://huanglong-kiosk.example/problems/" + slug,
                       "title": "Busy", "status": status, "detail": "sample busy hub"})


class Hub(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="application/json", headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        if self.path.startswith("/api/v1/kiosks/") and self.path.endswith("/heartbeat"):
            self.send(200, json.dumps({"leases": []}))
        else:
            self.send(404, problem(404, "not-found"), "application/problem+json")

    def do_GET(self):
        u = urlparse(self.path)
        parts = u.path.split("/")
        if len(parts) == 6 and parts[1:4] == ["api", "v1", "rooms"] and parts[5] == "availability":
            room = parts[4]
            q = parse_qs(u.query)
            days = int(q.get("days", ["1"])[0])
            date = q.get("date", ["2026-11-30"])[0]
            with lock:
                asked[(room, days)] = asked.get((room, days), 0) + 1
                n = asked[(room, days)]
            if days == 1 or (room == "mr-02" and n == 1):
                status = 429
                self.send(429, problem(429, "too-many-requests"), "application/problem+json",
                          [("Retry-After", "3")])
            elif room != "mr-02":
                status = 500
                self.send(500, problem(500, "internal"), "application/problem+json")
            else:
                status = 200
                # Monday 30 Nov 2026 in Beijing: 13:30 taken, 14:00 and 14:30 free
                slots = [{"start": "2026-11-30T05:30:00Z", "end": "2026-11-30T06:00:00Z",
                          "free": False, "state": "taken"},
                         {"start": "2026-11-30T06:00:00Z", "end": "2026-11-30T06:30:00Z",
                          "free": True, "state": "free"},
                         {"start": "2026-11-30T06:30:00Z", "end": "2026-11-30T07:00:00Z",
                          "free": True, "state": "free"}]
                self.send(200, json.dumps({"room": room, "tower": "t03", "date": date,
                                           "days": days, "slot_min": 30,
                                           "now": "2026-11-30T01:30:00Z", "slots": slots}))
            with open(log_file, "a") as f:
                f.write("%s %d %d\n" % (room, days, status))
            return
        self.send(404, problem(404, "not-found"), "application/problem+json")


srv = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
