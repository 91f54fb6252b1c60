#!/usr/bin/env python3
"""Fleet operations end to end: 13 real kiosk processes (headless, real
loop) against one kiosk-hub on loopback.

 1. every kiosk holds its event long-poll; `kioskctl kiosk list` shows 13 online
 2. alert to all -> shown on all 13; latency from `kioskctl alert send` to the
    kiosk's own log line of the first frame that draws it (p50/p95/max printed;
    the issue's target is p95 <= 2 s)
 3. alert to tower:t03 reaches only the kiosk in t03; `alert clear` takes both down
 4. a kiosk offline while an alert is sent and while another expires shows the
    valid one when it reconnects and never the expired one; a kiosk whose own
    clock is past an alert's `until` never shows it
 5. kill -9 one kiosk: `kioskctl kiosk list` shows it stale within
    --stale-after + one heartbeat (time printed), the others online
 6. `kioskctl kiosk screenshot` writes the PNG of a kiosk's screen; a kiosk on
    the help form refuses with a reason; the alert covers the form and the form
    is back when it is cleared (tests/fleet/alert_over_form.kiosk); the alert's
    screenshots in landscape and portrait (alert_shots.kiosk, into SHOTS_DIR)

usage: fleet_kiosks.py KIOSK KIOSK_HUB KIOSKCTL SCRIPT_DIR SHOTS_DIR
"""
import json
import os
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

# the _pg twin (tests/pg/CMakeLists.txt) runs this on PostgreSQL
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pg"))
from pghub import hub_db_args  # noqa: E402

KIOSK, HUB, CTL, DIR, SHOTS = sys.argv[1:6]
N = 13
STALE = 12  # --stale-after; heartbeats every 5 s (the config's minimum)
tmp = tempfile.mkdtemp(prefix="fleet.")
procs = {}
hub = None
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def ctl(*args, check_rc=True):
    r = subprocess.run([CTL, "--hub", url, "--token-file", f"{tmp}/admin.token", *args],
                       capture_output=True, text=True, timeout=90)
    if check_rc and r.returncode != 0:
        print(f"kioskctl {' '.join(args)} -> {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def kiosk_list():
    return {k["id"]: k for k in json.loads(ctl("--json", "kiosk", "list").stdout)["kiosks"]}


def start_kiosk(kid, tower, extra=(), script=None, size="960x540", shots=""):
    cfg = {"kiosk_id": kid, "hub_url": url, "token_file": f"{tmp}/{kid}.token",
           "state_dir": f"{tmp}/state-{kid}", "heartbeat_s": 5}
    if tower:
        cfg["tower_id"] = tower
    with open(f"{tmp}/{kid}.json", "w") as f:
        json.dump(cfg, f)
    # line-buffered stdout: the scenario runner's step lines show when each step is done
    cmd = ["stdbuf", "-oL", KIOSK, "--headless", "--size", size, "--config", f"{tmp}/{kid}.json",
           *extra]
    if script:
        os.makedirs(f"{SHOTS}/{shots}", exist_ok=True)
        cmd += ["--script", f"{DIR}/{script}", "--shots", f"{SHOTS}/{shots}"]
    log = open(f"{tmp}/{kid}.log", "a")
    env = dict(os.environ)
    # stdbuf works by LD_PRELOAD, which a sanitizer build must be told to accept
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")
    procs[kid] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)


def log_of(kid):
    with open(f"{tmp}/{kid}.log", errors="replace") as f:
        return f.read()


def shown_at(kid, alert_id):
    m = re.search(r"fleet: alert %s shown at wall_ms=(\d+)" % alert_id, log_of(kid))
    return int(m.group(1)) if m else None


def wait(cond, timeout, step=0.1):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if cond():
            return True
        time.sleep(step)
    return cond()


def send(*args):
    r = ctl("--json", "alert", "send", *args)
    return json.loads(r.stdout)["id"] if r.returncode == 0 else None


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


try:
    with open(f"{tmp}/admin.token", "w") as f:
        f.write(os.urandom(24).hex())
    hub = subprocess.Popen([HUB, "--listen", "127.0.0.1:0"] + hub_db_args(tmp, "fleet") +
                           ["--admin-token-file", f"{tmp}/admin.token", "--port-file",
                            f"{tmp}/port", "--stale-after", str(STALE),
                            "--max-conns-per-ip", "512", "--rate", "50", "--burst", "100"],
                           stderr=open(f"{tmp}/hub.log", "w"))
    wait(lambda: os.path.exists(f"{tmp}/port"), 10)
    url = "http://127.0.0.1:%s" % open(f"{tmp}/port").read().strip()
    ids = ["FL-%02d" % i for i in range(1, N + 1)]
    for kid in ids + ["FL-S", "FL-L", "FL-P"]:
        r = ctl("kiosk", "add", kid)
        with open(f"{tmp}/{kid}.token", "w") as f:
            f.write(r.stdout.strip().splitlines()[-1] + "\n")
    for i, kid in enumerate(ids):
        start_kiosk(kid, "t%02d" % (i + 1))

    # 1. all listening, all online
    ok = wait(lambda: all(k["listening"] and k["state"] == "online"
                          for kid, k in kiosk_list().items() if kid in ids), 90, 0.5)
    check(ok, f"{N} kiosks hold their event poll and are online")
    print(ctl("kiosk", "list").stdout)

    # 2. alert to all, latency
    lat = []
    t0 = time.time() * 1000
    aid = send("--to", "all", "--level", "urgent", "--title", "消防演练：请勿使用电梯",
               "--body", "大楼将于10:00进行消防演练，请听从工作人员指挥，沿楼梯有序撤离。",
               "--title-en", "Fire drill: do not use the lifts",
               "--body-en", "A fire drill starts at 10:00. Follow the staff and leave by the stairs.",
               "--until", "+1h")
    check(aid is not None, "kioskctl alert send --to all")
    wait(lambda: all(shown_at(k, aid) for k in ids), 20)
    for k in ids:
        at = shown_at(k, aid)
        if at:
            lat.append(at - t0)
    check(len(lat) == N, f"alert shown on all {N} kiosks ({len(lat)})")
    if lat:
        lat.sort()
        p95 = lat[min(len(lat) - 1, int(round(0.95 * len(lat) + 0.5)) - 1)]
        print(f"alert_latency kiosks={len(lat)} p50_ms={statistics.median(lat):.0f} "
              f"p95_ms={p95:.0f} max_ms={lat[-1]:.0f} (from kioskctl alert send to the "
              f"kiosk's first frame drawing it; target p95 <= 2000)", flush=True)
        # a sanity bound, not the target (the figure is printed); not in sanitizer builds,
        # whose kiosks take seconds to draw a new text on a shared 2-core machine
        bound = int(os.environ.get("FLEET_P95_BOUND_MS", "5000"))
        if bound > 0:
            check(p95 <= bound, f"p95 within {bound} ms on this shared machine (target 2 s)")

    # 3. a tower alert reaches only that tower; clear takes both down
    tid = send("--to", "tower:t03", "--level", "notice", "--title", "三号楼大堂临时封闭",
               "--title-en", "Lobby of tower 3 closed")
    wait(lambda: shown_at("FL-03", tid), 10)
    time.sleep(1.0)
    others = [k for k in ids if k != "FL-03" and shown_at(k, tid)]
    # FL-03 still shows the urgent one (urgent first): the notice is drawn only
    # once the urgent alert is cleared
    r = ctl("alert", "list")
    check("三号楼大堂临时封闭" in r.stdout and "tower:t03" in r.stdout, "alert list shows both")
    ctl("alert", "clear", str(aid))
    check(wait(lambda: shown_at("FL-03", tid), 10), "tower:t03 alert shown on FL-03 once the "
          "urgent one is cleared")
    time.sleep(1.0)
    others = [k for k in ids if k != "FL-03" and shown_at(k, tid)]
    check(not others, f"tower:t03 alert on no other kiosk ({others})")
    ctl("alert", "clear")
    check(wait(lambda: all("alert taken down" in log_of(k) for k in ids), 10),
          "alert clear takes the alert down on every kiosk")

    # 4. offline kiosk: sees the still valid alert, never the expired one
    procs["FL-12"].send_signal(signal.SIGTERM)
    procs["FL-12"].wait(timeout=20)
    valid = send("--to", "kiosk:FL-12,FL-11", "--level", "notice", "--title", "今日停车场满位",
                 "--title-en", "Car park full today", "--until", "+1h")
    expired = send("--to", "kiosk:FL-12", "--level", "urgent", "--title", "已过期的通知",
                   "--until", "+3s")
    time.sleep(4.5)
    start_kiosk("FL-12", "t12")
    check(wait(lambda: shown_at("FL-12", valid), 60), "a kiosk that was offline shows the "
          "still valid alert when it reconnects")
    check(shown_at("FL-12", expired) is None, "and never the one that expired meanwhile")
    # a kiosk whose own clock is past `until` does not show it
    procs["FL-11"].send_signal(signal.SIGTERM)
    procs["FL-11"].wait(timeout=20)
    before = log_of("FL-11").count("shown at wall_ms")
    start_kiosk("FL-11", "t11", extra=["--fake-time", "2099-01-01T00:00"])
    wait(lambda: "events: " in log_of("FL-11").split("kiosk FL-11")[-1], 60)
    time.sleep(1.5)
    check(log_of("FL-11").count("shown at wall_ms") == before,
          "a kiosk whose clock is past the alert's until never shows it")
    ctl("alert", "clear")
    wait(lambda: "alert taken down" in log_of("FL-12"), 10)

    # 5. kill -9 one kiosk: stale after --stale-after
    t_kill = time.time()
    procs["FL-13"].kill()
    procs["FL-13"].wait()
    ok = wait(lambda: kiosk_list()["FL-13"]["state"] == "stale", STALE + 30, 0.25)
    took = time.time() - t_kill
    print(f"stale_detection seconds={took:.1f} (stale-after {STALE} s, heartbeat 5 s)")
    check(ok and took <= STALE + 5 + 2, f"killed kiosk shown stale within stale-after + one "
          f"heartbeat ({took:.1f} s)")
    lst = kiosk_list()
    check(all(lst[k]["state"] == "online" for k in ids[:10]), "the others stay online")
    out = ctl("kiosk", "list").stdout
    print(out)
    check(re.search(r"^FL-13\s+active\s+stale", out, re.M) is not None, "kiosk list table says stale")

    # 6. screenshots
    r = ctl("kiosk", "screenshot", "FL-01", "-o", f"{tmp}/a.png", "--timeout", "30")
    check(r.returncode == 0 and png_size(f"{tmp}/a.png") == (960, 540),
          f"kioskctl kiosk screenshot FL-01 -o a.png: a 960x540 PNG ({r.stdout.strip()})")
    r = ctl("kiosk", "screenshot", "FL-01", "-o", f"{tmp}/b.png")  # again: a new request
    check(r.returncode == 0, "a second screenshot")
    start_kiosk("FL-S", "t99", script="alert_over_form.kiosk")
    start_kiosk("FL-L", "t98", script="alert_shots.kiosk", size="1920x1080", shots="landscape")
    start_kiosk("FL-P", "t98", script="alert_shots.kiosk", size="1080x1920", shots="portrait")
    # the runner prints each step once done: the company chosen, then it waits for the alert
    check(wait(lambda: 'expect_text "示例公司B-2"' in log_of("FL-S")
               and kiosk_list()["FL-S"]["listening"], 90, 0.3), "a kiosk on the help form, connected")
    r = ctl("kiosk", "screenshot", "FL-S", "-o", f"{tmp}/s.png", check_rc=False)
    check(r.returncode == 1 and "personal" in r.stderr and not os.path.exists(f"{tmp}/s.png"),
          f"a screenshot of the help form is refused with a reason ({r.stderr.strip()})")
    wait(lambda: all(kiosk_list()[k]["listening"] for k in ("FL-L", "FL-P")), 60, 0.3)
    sid = send("--to", "kiosk:FL-S,FL-L,FL-P", "--level", "urgent", "--title",
               "电梯检修：请走楼梯", "--body", "今天14:00至16:00，一号楼A座电梯检修。给您带来不便，敬请谅解。",
               "--title-en", "Lift maintenance: please use the stairs",
               "--body-en", "The lifts of tower 1, block A are serviced today from 14:00 to 16:00.",
               "--until", "+2h")
    check(wait(lambda: "screenshot alert_over_form.png" in log_of("FL-S")
               and all("screenshot alert.png" in log_of(k) for k in ("FL-L", "FL-P")), 60),
          "the alert covers the help form (expect_screen help_form under it) and is shown in "
          "landscape and portrait")
    ctl("alert", "clear")
    for k in ("FL-S", "FL-L", "FL-P"):
        try:
            rc = procs[k].wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = -1
        check(rc == 0, f"scenario of {k} passed (the form back as it was after clear)")
        if rc != 0:
            print(log_of(k)[-3000:])
    for name in ("alert_over_form.png", "landscape/alert.png", "portrait/alert.png"):
        check(os.path.exists(f"{SHOTS}/{name}"), f"{SHOTS}/{name}")
finally:
    for p in procs.values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs.values():
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
    if hub:
        hub.send_signal(signal.SIGTERM)
        hub.wait(timeout=20)
    if failures:
        print("hub log:\n" + "".join(l for l in open(f"{tmp}/hub.log") if "FL-S" in l or "hubfleet" in l or "WARN" in l)[-6000:])
    shutil.rmtree(tmp, ignore_errors=True)

print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
