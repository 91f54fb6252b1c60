#!/usr/bin/env python3
"""Several kiosk-hub processes on one PostgreSQL database share what an admin
and a kiosk see, whichever hub a load balancer sends each request to.

usage: hubs_share.py KIOSK_HUB KIOSKCTL ASSETS_CONTENT PART
  start    two hubs start on one fresh database (no "another kiosk-hub already
           runs" refusal) and both serve: a request stored through one is read
           through the other;
  shots    a screenshot asked through hub A while the kiosk's event long-poll
           is held on hub B wakes that poll within 2 s with the sid; the kiosk
           list through A shows the poll held on B and its tower; the PNG
           uploaded through hub C is downloaded through A byte-identical, a
           second download is 404; a refusal through C reads 409 with its
           reason through A; the 17th waiting request is 503 on any hub; an
           expired request is gone (404) and makes room; prints the ask -> wake
           latency across hubs (median, max);
  content  a bundle published through hub A is offered in a heartbeat on hub B
           within 2 s (prints the publish -> offer latency), downloaded through
           B with the offered sha256 and size, through C after the file was
           deleted from C's cache folder and after it was overwritten there;
           `kioskctl content list` through C lists it; a heartbeat's version on
           B shows in `kioskctl content status` through A.
Needs the ctest fixture pg (KIOSK_TEST_PG_STATE, tests/pg/pghub.py)."""
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pghub import hub_db_args  # noqa: E402

HUB, CTL, ASSETS, PART = [os.path.abspath(a) for a in sys.argv[1:4]] + [sys.argv[4]]
ADMIN = "test-admin-token-0123456789"
FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def call(port, method, path, token=None, body=None, ctype=None, timeout=40, key=None):
    """(status, body bytes, headers) of one request to the hub on port."""
    data = None
    hdr = {"Idempotency-Key": key} if key else {}
    if token:
        hdr["Authorization"] = "Bearer " + token
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdr["Content-Type"] = ctype or "application/json"
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data,
                                 headers=hdr, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


class Hubs:
    """n kiosk-hub processes on one fresh database, each with its own
    --state-dir (the content cache folder)."""

    def __init__(self, tmp, n):
        self.tmp = tmp
        self.tok = os.path.join(tmp, "admin.token")
        with open(self.tok, "w") as f:
            f.write(ADMIN + "\n")
        args = hub_db_args(tmp, "hubs_share_" + PART)
        self.url = args[1]
        self.procs, self.ports, self.dirs = [], [], []
        for i in range(n):
            d = os.path.join(tmp, "hub%d" % i)
            os.mkdir(d)
            self.dirs.append(d)
            self.start(i)

    def start(self, i):
        d = self.dirs[i]
        pf = os.path.join(d, "port")
        log = open(os.path.join(d, "hub.log"), "ab")
        p = subprocess.Popen([HUB, "--listen", "127.0.0.1:0", "--db", self.url, "--state-dir", d,
                              "--admin-token-file", self.tok, "--port-file", pf, "--quiet"],
                             stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(200):
            if os.path.exists(pf) and open(pf).read().strip():
                break
            if p.poll() is not None:
                break
            time.sleep(0.05)
        port = int(open(pf).read()) if os.path.exists(pf) and p.poll() is None else 0
        if i < len(self.procs):
            self.procs[i], self.ports[i] = p, port
        else:
            self.procs.append(p)
            self.ports.append(port)

    def log(self, i):
        return open(os.path.join(self.dirs[i], "hub.log"), errors="replace").read()

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        # a clean stop (under the sanitizers: no leak, no error report)
        return [p.returncode for p in self.procs]

    def psql(self, sql):
        return subprocess.run(["psql", self.url, "-Atqc", sql], check=True, capture_output=True,
                              text=True).stdout.strip()


def add_kiosk(port, kid):
    st, body, _ = call(port, "POST", "/api/v1/admin/kiosks", ADMIN, {"id": kid})
    check(st == 201, "kiosk add %s (%d)" % (kid, st))
    return json.loads(body)["token"]


def part_start(h):
    check(all(h.ports), "two hubs started on one database (%s)" % h.ports)
    check("another kiosk-hub" not in h.log(1), "no one-hub refusal in the second hub's log")
    tok = add_kiosk(h.ports[0], "HL-S01")
    req = {"ticket": "HL-S01-000001", "kiosk_id": "HL-S01", "category": "legal",
           "company": {"id": "c012", "name": "示例科技有限公司"}, "contact_name": "王女士",
           "phone": "13800000000", "tower": "t03", "description": "示例：两个 hub",
           "lang": "zh", "created_at": "2026-11-25T14:00:00Z"}
    st, _, _ = call(h.ports[0], "POST", "/api/v1/requests", tok, req, key=str(uuid.uuid4()))
    check(st == 201, "a request stored through hub A (%d)" % st)
    st, body, _ = call(h.ports[1], "GET", "/api/v1/admin/requests/HL-S01-000001", ADMIN)
    check(st == 200 and "示例：两个 hub" in body.decode(), "read through hub B (%d)" % st)
    st, _, _ = call(h.ports[1], "POST", "/api/v1/kiosks/HL-S01/heartbeat", tok,
                    {"version": "0.1.0", "queue_depth": 0, "oldest_pending_s": 0,
                     "content_version": "1", "online": True, "last_error": None})
    check(st == 200, "a heartbeat through hub B (%d)" % st)
    st, body, _ = call(h.ports[0], "GET", "/api/v1/admin/kiosks", ADMIN)
    k = [x for x in json.loads(body)["kiosks"] if x["id"] == "HL-S01"] if st == 200 else []
    check(k and k[0]["state"] == "online", "hub A lists the kiosk online after B's heartbeat")
    # the event sequence is the same on every hub: a poll answered by A is
    # held by B (a load balancer sends each poll anywhere)
    st, _, _ = call(h.ports[0], "POST", "/api/v1/admin/alerts", ADMIN,
                    {"to": "all", "level": "notice", "title": "示例：消防演练", "body": ""})
    check(st == 201, "an alert sent through hub A (%d)" % st)
    time.sleep(0.3)
    sa, sb = seq_of(h.ports[0], "HL-S01", tok), seq_of(h.ports[1], "HL-S01", tok)
    check(sa == sb and sa > 0, "hubs A and B answer the same event sequence (%d, %d)" % (sa, sb))
    p = Poller(h.ports[1], "HL-S01", tok, sa)
    check(p.held(), "a poll with hub A's sequence is held on hub B")
    t = time.monotonic()
    st, _, _ = call(h.ports[0], "DELETE", "/api/v1/admin/alerts", ADMIN)
    p.th.join(5)
    check(st == 200 and p.t1 and p.t1 - t < 2 and p.answer.get("alerts") == [],
          "clearing the alert through A wakes it within 2 s (%s)" % p.answer)


class Poller:
    """The kiosk's event long-poll, on one hub, in a thread."""

    def __init__(self, port, kid, tok, since, tower="t05"):
        self.t0 = self.t1 = None
        self.answer = None
        self.port, self.kid, self.tok, self.since, self.tower = port, kid, tok, since, tower
        self.th = threading.Thread(target=self.run)
        self.th.start()

    def run(self):
        self.t0 = time.monotonic()
        st, body, _ = call(self.port, "GET", "/api/v1/kiosks/%s/events?since=%d&tower=%s" % (
            self.kid, self.since, self.tower), self.tok)
        self.t1 = time.monotonic()
        self.answer = json.loads(body) if st == 200 else {"status": st}

    def held(self):
        """Waits until the poll is out for 300 ms and not answered (held)."""
        for _ in range(100):
            if self.t0 and time.monotonic() - self.t0 > 0.3:
                return self.answer is None
            time.sleep(0.01)
        return False


def seq_of(port, kid, tok):
    st, body, _ = call(port, "GET", "/api/v1/kiosks/%s/events?tower=t05" % kid, tok)
    return json.loads(body)["seq"] if st == 200 else 0


def ask(port, kid):
    st, body, _ = call(port, "POST", "/api/v1/admin/kiosks/%s/screenshot" % kid, ADMIN)
    return st, (json.loads(body) if st == 202 else {})


def part_shots(h):
    A, B, C = h.ports
    check(all(h.ports), "three hubs started on one database")
    tok = add_kiosk(A, "HL-P01")
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(20000)

    # the poll held on B; A asks
    p = Poller(B, "HL-P01", tok, seq_of(B, "HL-P01", tok))
    check(p.held(), "the kiosk's event poll is held on hub B")
    st, body, _ = call(A, "GET", "/api/v1/admin/kiosks", ADMIN)
    k = [x for x in json.loads(body)["kiosks"] if x["id"] == "HL-P01"] if st == 200 else []
    check(k and k[0]["listening"] is True and k[0]["tower"] == "t05",
          "hub A's kiosk list shows the poll held on B and its tower (%s)" % (k[0] if k else st))
    t = time.monotonic()
    st, a = ask(A, "HL-P01")
    check(st == 202 and a.get("listening") is True,
          "screenshot asked through hub A: 202, listening true (%d %s)" % (st, a))
    p.th.join(5)
    sid = a.get("id")
    woke = (p.t1 - t) if p.t1 else 99
    check(p.answer and p.answer.get("screenshot") == sid and woke < 2,
          "the poll on hub B woke in %.3f s with the sid (%s)" % (woke, p.answer))
    st, _, _ = call(B, "GET", "/api/v1/admin/kiosks/HL-P01/screenshot/%s" % sid, ADMIN)
    check(st == 202, "through hub B before the upload: 202 pending (%d)" % st)
    st, _, _ = call(C, "POST", "/api/v1/kiosks/HL-P01/screenshots/%s" % sid, tok, png, "image/png")
    check(st == 204, "the PNG uploaded through hub C: 204 (%d)" % st)
    st, _, _ = call(B, "POST", "/api/v1/kiosks/HL-P01/screenshots/%s" % sid, tok, png, "image/png")
    check(st == 404, "a second upload through hub B: 404 (%d)" % st)
    st, body, hd = call(A, "GET", "/api/v1/admin/kiosks/HL-P01/screenshot/%s" % sid, ADMIN)
    check(st == 200 and body == png and hd.get("Content-Type") == "image/png",
          "downloaded through hub A byte-identical (%d, %d bytes)" % (st, len(body)))
    st, _, _ = call(A, "GET", "/api/v1/admin/kiosks/HL-P01/screenshot/%s" % sid, ADMIN)
    check(st == 404, "a second download: 404 (%d)" % st)

    # a refusal through C, read through A
    st, a = ask(B, "HL-P01")
    sid = a.get("id")
    why = "personal: a form or receipt is open (help_form)"
    st, _, _ = call(C, "POST", "/api/v1/kiosks/HL-P01/screenshots/%s" % sid, tok, {"refused": why})
    check(st == 204, "refused through hub C: 204 (%d)" % st)
    st, body, _ = call(A, "GET", "/api/v1/admin/kiosks/HL-P01/screenshot/%s" % sid, ADMIN)
    check(st == 409 and why in body.decode(), "through hub A: 409 with the reason (%d %s)" % (st, body[:120]))
    st, _, _ = call(B, "GET", "/api/v1/admin/kiosks/HL-P01/screenshot/%s" % sid, ADMIN)
    check(st == 404, "the refusal is erased once read: 404 through hub B (%d)" % st)

    # ask -> wake across hubs, several runs (the poll on one hub, the ask on another)
    lat = []
    for run in range(8):
        pi, ai = run % 3, (run + 1) % 3
        p = Poller(h.ports[pi], "HL-P01", tok, seq_of(h.ports[pi], "HL-P01", tok))
        if not p.held():
            p.th.join(30)
            check(False, "run %d: the poll was not held" % run)
            continue
        t = time.monotonic()
        st, a = ask(h.ports[ai], "HL-P01")
        p.th.join(5)
        if p.t1 and p.answer.get("screenshot") == a.get("id"):
            lat.append(p.t1 - t)
        call(h.ports[(run + 2) % 3], "POST", "/api/v1/kiosks/HL-P01/screenshots/%s" % a.get("id"),
             tok, {"refused": "test"})
        call(h.ports[ai], "GET", "/api/v1/admin/kiosks/HL-P01/screenshot/%s" % a.get("id"), ADMIN)
        time.sleep(0.05)  # the answer's event reaches every hub
    check(len(lat) == 8 and max(lat) < 2,
          "8 asks woke the poll held on another hub within 2 s")
    if lat:
        print("screenshot_ask_to_poll_wake_across_hubs runs=%d median_ms=%.1f max_ms=%.1f" %
              (len(lat), statistics.median(lat) * 1000, max(lat) * 1000), flush=True)

    # 16 waiting across the hubs, the 17th is 503 wherever it is asked
    sids = []
    for i in range(16):
        st, a = ask(h.ports[i % 3], "HL-P01")
        if st == 202:
            sids.append(a["id"])
    check(len(sids) == 16, "16 requests waiting, asked through three hubs (%d)" % len(sids))
    st, _ = ask(C, "HL-P01")
    check(st == 503, "the 17th: 503 (%d)" % st)
    # an expired request is gone, and the sweep makes room again
    h.psql("UPDATE screenshots SET asked_ms = asked_ms - 301000 WHERE sid = '%s'" % sids[0])
    st, _, _ = call(A, "GET", "/api/v1/admin/kiosks/HL-P01/screenshot/%s" % sids[0], ADMIN)
    check(st == 404, "an expired request: 404 (%d)" % st)
    st, _, _ = call(B, "POST", "/api/v1/kiosks/HL-P01/screenshots/%s" % sids[0], tok, png, "image/png")
    check(st == 404, "an upload for an expired request: 404 (%d)" % st)
    st, _ = ask(B, "HL-P01")
    check(st == 202, "after it expired one more may wait: 202 (%d)" % st)
    check(h.psql("SELECT count(*) FROM screenshots WHERE sid = '%s'" % sids[0]) == "0",
          "the expired request is swept from the table")


def ctl(h, i, *args):
    return subprocess.run([CTL, "--hub", "http://127.0.0.1:%d" % h.ports[i], "--token-file", h.tok]
                          + list(args), capture_output=True, text=True, timeout=60)


def sign_bundle(tmp):
    """v1.tar, signed as tests/content/push_e2e.sh does (the hub relays it and
    checks nothing of the signature)."""
    keys, off = os.path.join(tmp, "keys"), os.path.join(tmp, "offline")
    os.mkdir(keys)
    os.mkdir(off)
    run = lambda args, cwd=None: subprocess.run([CTL] + args, cwd=cwd, check=True,  # noqa: E731
                                                capture_output=True)
    run(["content", "keygen", "-o", "root"], off)
    run(["content", "keygen", "-o", "editor"], keys)
    run(["content", "root-init", "--key", off + "/root.key", "-o", tmp + "/root.json"])
    run(["content", "keys", "--key", off + "/root.key", "--version", "1", "-o",
         keys + "/keys.json", keys + "/editor.pub"])
    shutil.copytree(ASSETS, tmp + "/c1")
    run(["content", "sign", "--key", keys + "/editor.key", "--version", "1", "--expires-days", "1",
         tmp + "/c1", "-o", tmp + "/v1.tar"])
    # the same version with other bytes (signed later: another creation time)
    time.sleep(1.1)
    run(["content", "sign", "--key", keys + "/editor.key", "--version", "1", "--expires-days", "2",
         tmp + "/c1", "-o", tmp + "/v1b.tar"])
    return open(tmp + "/v1.tar", "rb").read()


def beat(port, kid, tok, content):
    st, body, _ = call(port, "POST", "/api/v1/kiosks/%s/heartbeat" % kid, tok,
                       {"version": "0.1.0", "queue_depth": 0, "oldest_pending_s": 0,
                        "content_version": "1", "online": True, "last_error": None,
                        "tower": "t03", "content_bundle": str(content)})
    return st, (json.loads(body) if st == 200 else {})


def part_content(h, tmp):
    A, B, C = h.ports
    check(all(h.ports), "three hubs started on one database")
    data = sign_bundle(tmp)
    sha = hashlib.sha256(data).hexdigest()
    tok = add_kiosk(A, "HL-C01")
    st, a = beat(B, "HL-C01", tok, 0)
    check(st == 200 and "content" not in a, "before the publish hub B offers nothing (%d %s)" % (st, a))
    t = time.monotonic()
    r = ctl(h, 0, "content", "publish", tmp + "/v1.tar", "--to", "all")
    t_pub = time.monotonic()
    check(r.returncode == 0, "kioskctl content publish through hub A (%s)" % r.stderr.strip())
    offer, lat = None, None
    while time.monotonic() - t_pub < 2:
        st, a = beat(B, "HL-C01", tok, 0)
        if "content" in a:
            offer, lat = a["content"], time.monotonic() - t_pub
            break
        # 20 ms, then 100 ms: within the hub's per-kiosk rate limit (5/s, burst 20)
        time.sleep(0.02 if time.monotonic() - t_pub < 0.2 else 0.1)
    check(offer is not None and offer["version"] == 1 and offer["sha256"] == sha and
          offer["size"] == len(data), "a heartbeat on hub B offers v1 %s" % (
              "%.1f ms after the publish returned" % (lat * 1000) if lat is not None else "(never)"))
    if lat is not None:
        print("content_publish_to_offer_other_hub_ms=%.1f publish_ms=%.1f" %
              (lat * 1000, (t_pub - t) * 1000), flush=True)
    for i, what in ((1, "through hub B"), (2, "through hub C (not in its cache folder)")):
        st, body, _ = call(h.ports[i], "GET", "/api/v1/content/bundles/1", tok)
        check(st == 200 and hashlib.sha256(body).hexdigest() == sha and len(body) == len(data),
              "the bundle downloaded %s: sha256 and size right (%d, %d bytes)" % (what, st, len(body)))
    cached = os.path.join(h.dirs[2], "hub.content", "bundle-1.tar")
    check(os.path.exists(cached), "hub C cached the bundle in its --state-dir")
    if os.path.exists(cached):
        os.unlink(cached)
    st, body, _ = call(C, "GET", "/api/v1/content/bundles/1", tok)
    check(st == 200 and hashlib.sha256(body).hexdigest() == sha,
          "through hub C after the file was deleted from its cache folder (%d)" % st)
    if os.path.exists(cached):
        with open(cached, "r+b") as f:  # the same size, other bytes
            f.write(b"X" * 64)
    st, body, _ = call(C, "GET", "/api/v1/content/bundles/1", tok)
    check(st == 200 and hashlib.sha256(body).hexdigest() == sha,
          "through hub C after its cached file was overwritten: the database's bytes (%d)" % st)
    r = ctl(h, 1, "content", "publish", tmp + "/v1b.tar", "--to", "all")
    check(r.returncode != 0 and "other content" in r.stderr,
          "v1 with other bytes through hub B is refused (%d %s)" % (r.returncode, r.stderr.strip()))
    r = ctl(h, 2, "--json", "content", "list")
    rel = json.loads(r.stdout).get("releases", []) if r.returncode == 0 else []
    check(any(x.get("version") == 1 and x.get("sha256") == sha for x in rel),
          "kioskctl content list through hub C lists v1 (%s)" % r.stdout.strip()[:200])
    st, _ = beat(B, "HL-C01", tok, 1)
    check(st == 200, "a heartbeat on hub B reports v1 installed")
    r = ctl(h, 0, "--json", "content", "status")
    ks = json.loads(r.stdout).get("kiosks", []) if r.returncode == 0 else []
    k = [x for x in ks if x.get("id") == "HL-C01"]
    check(k and k[0].get("content") == 1 and k[0].get("tower") == "t03",
          "kioskctl content status through hub A shows HL-C01 on v1 (%s)" % r.stdout.strip()[:200])
    r = ctl(h, 2, "content", "status")
    check(r.returncode == 0 and "HL-C01" in r.stdout, "and through hub C as text")


def main():
    tmp = tempfile.mkdtemp(prefix="hubs_share.")
    h = None
    try:
        h = Hubs(tmp, 2 if PART == "start" else 3)
        {"start": lambda: part_start(h), "shots": lambda: part_shots(h),
         "content": lambda: part_content(h, tmp)}[PART]()
    finally:
        if h:
            rcs = h.stop()
            check(all(rc == 0 for rc in rcs), "every hub stopped cleanly on SIGTERM (%s)" % rcs)
            if FAILS:
                for i in range(len(h.dirs)):
                    sys.stdout.write("--- hub %d log (tail)\n%s\n" % (i, h.log(i)[-3000:]))
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
