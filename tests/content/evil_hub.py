#!/usr/bin/env python3
"""A hostile hub for push_evil.sh: answers every heartbeat with a content
announcement (version 9) and serves the bundle badly, by MODE:
  drip     one byte a second (slow retrieval)
  endless  the announced size, then megabytes more (endless data)
It records every heartbeat body in HEARTBEATS (one JSON per line).
usage: evil_hub.py PORT_FILE MODE HEARTBEATS"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, mode, beats = sys.argv[1], sys.argv[2], sys.argv[3]
SIZE = 200000


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with open(beats, "a") as f:
            f.write(body.decode() + "\n")
        out = json.dumps({"content": {"version": 9, "size": SIZE, "sha256": "0" * 64,
                                      "url": "/api/v1/content/bundles/9"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode == "drip":
            self.send_header("Content-Length", str(SIZE))
            self.end_headers()
            try:
                for _ in range(SIZE):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
        else:  # endless: no length, far more than announced
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(400):
                    self.wfile.write(b"y" * 65536)
            except OSError:
                pass


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
