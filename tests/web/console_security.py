"""Issue 16's security checks, in a real browser (headless Chromium) and over
plain HTTP: stored HTML shows as text in the console and on the phone page
(no dialog, no element); the session cookie's flags (HttpOnly, SameSite=
Strict, Secure behind TLS); a change without the CSRF token, and a cross-site
form POST, are refused; an expired session is sent to the login; logout ends
the session; five wrong passwords lock the account (the right one is then
refused too) and more failures from one address get 429.
usage: console_security.py KIOSK_HUB KIOSKCTL SHOTS_DIR"""
import functools
import http.server
import json
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubweb_harness as hw  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

hub_bin, ctl_bin, shots = sys.argv[1:4]
os.makedirs(shots, exist_ok=True)
IDLE = 10
c = hw.Checks()
# loopback is a trusted proxy here, so X-Forwarded-Proto: https can be tried
hub = hw.Hub(hub_bin, ctl_bin, ["--session-idle", str(IDLE), "--login-lock-after", "5",
                                "--trusted-proxy", "127.0.0.1"])
desk = phone = attacker = None
PW = {"sec.handler": "handler-样例-pass-9", "sec.viewer": "viewer-样例-pass-8"}
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
NOTE_IMG = "<img src=x onerror=alert(3)>已处理"


def login(d, name, pw=None, expect_ok=True):
    if not d.find_elements(By.ID, "login-name"):
        d.get(hub.url + "/admin/")
    n = hw.wait_for(d, "#login-name")
    n.clear()
    n.send_keys(name)
    p = d.find_element(By.ID, "login-password")
    p.clear()
    p.send_keys(pw or PW[name])
    # the answer to this attempt, not a message left from the one before
    d.execute_script("const m = document.getElementById('login-msg'); if (m) m.replaceChildren();")
    hw.click(d, "#login-submit")
    if expect_ok:
        hw.wait_for(d, "#me", text=name)


def shot(d, name):
    path = os.path.join(shots, name)
    d.save_screenshot(path)
    print("screenshot", path)


def no_injected(d, what):
    hw.no_alert(d)
    imgs = d.execute_script("return document.querySelectorAll('img[src=x], main script').length")
    c.ok(imgs == 0, f"{what}: no injected element, no dialog")


try:
    token, _ = hub.add_kiosk("HL-T09")
    hub.add_user("sec.handler", "handler", PW["sec.handler"])
    hub.add_user("sec.viewer", "viewer", PW["sec.viewer"])
    t1 = hub.post_request(token, "HL-T09", 1, SCRIPT, "135791")
    t2 = hub.post_request(token, "HL-T09", 2, IMG, "246802")
    hub.ctl("requests", "set", t1, "accepted", "--note", NOTE_IMG)

    # 1. stored HTML is text: console inbox, request page, phone page
    desk = hw.browser(1440, 900)
    login(desk, "sec.handler")
    hw.wait_for(desk, f'tr[data-ticket="{t2}"]')
    body = hw.text_of(desk, "#inbox-list")
    c.ok(SCRIPT in body and IMG in body, "the inbox shows both descriptions as typed")
    no_injected(desk, "inbox")
    shot(desk, "console-xss-inbox.png")
    desk.get(f"{hub.url}/admin/#/r/{t1}")
    c.ok(hw.text_of(desk, "#r-description") == SCRIPT, "the request page shows <script> as text")
    c.ok(NOTE_IMG in hw.text_of(desk, "#r-history"), "and the note's <img> as text")
    no_injected(desk, "request page")
    shot(desk, "console-xss-request.png")

    phone = hw.browser(390, 844)
    for t, chk, text in [(t1, "135791", SCRIPT), (t2, "246802", IMG)]:
        phone.get(f"{hub.url}/t/{t}?c={chk}")
        c.ok(hw.text_of(phone, "#description") == text, f"the phone page shows {text} as text")
        no_injected(phone, f"phone page of {t}")
        c.ok("13900007777" not in phone.page_source, "the phone page never shows the phone number")
    phone.get(f"{hub.url}/t/{t1}?c=135791")
    c.ok(hw.text_of(phone, "#note") == NOTE_IMG, "the phone page shows the note's <img> as text")
    shot(phone, "phone-xss.png")

    # 2. the cookie's flags
    ck = {x["name"]: x for x in desk.get_cookies()}.get("hub_session")
    c.ok(ck and ck["httpOnly"] and ck.get("sameSite") == "Strict" and not ck["secure"],
         "the session cookie is HttpOnly, SameSite=Strict (not Secure over plain http)")
    st, hdrs, _ = hw.http(hub.url + "/api/v1/admin/session", "POST",
                          json.dumps({"name": "sec.viewer", "password": PW["sec.viewer"]}).encode(),
                          {"Content-Type": "application/json", "X-Forwarded-Proto": "https"})
    sc = hdrs.get("Set-Cookie", "")
    c.ok(st == 200 and "Secure" in sc and "HttpOnly" in sc and "SameSite=Strict" in sc,
         f"behind TLS (a trusted proxy's X-Forwarded-Proto: https) it is Secure too: {sc[:12]}…")
    csp = hdrs.get("Content-Security-Policy", "")
    c.ok("script-src 'self'" in csp and "unsafe-inline" not in csp, "the CSP forbids inline script")
    _, shdrs, _ = hw.http(hub.url + "/admin/")
    c.ok("script-src 'self'" in shdrs.get("Content-Security-Policy", ""), "the console page has it too")

    # 3. CSRF: a change without the token is refused, from the page itself
    res = desk.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/api/v1/admin/requests/' + arguments[0] + '/status', {method: 'POST',
          headers: {'Content-Type': 'application/json'},
          body: JSON.stringify({status: 'accepted', note: null})}).then(r => done(r.status));
    """, t2)
    c.ok(res == 403, f"a POST with the cookie but without the CSRF token is refused (got {res})")
    # ... and from another origin: a form that posts cross-site with the user's browser
    site = tempfile.mkdtemp(prefix="hubweb-attacker.")
    with open(os.path.join(site, "attack.html"), "w") as f:
        f.write(f"""<!doctype html><meta charset="utf-8"><title>sample attacker page</title>
<form id="f" method="POST" enctype="text/plain"
      action="{hub.url}/api/v1/admin/requests/{t2}/status">
<input name='{{"status":"accepted","note":"x","pad":"' value='"}}'></form>
<script>document.getElementById('f').submit();</script>""")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=site)
    handler.log_message = lambda *a: None
    attacker = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    for host in ["127.0.0.1", "localhost"]:  # same site other port; another site
        desk.get(f"http://{host}:{attacker.server_address[1]}/attack.html")
        time.sleep(1.0)
        src = desk.page_source
        c.ok(("403" in src or "401" in src) and hub.show(t2)["status"] == "new",
             f"a cross-site form POST from {host} is refused; the request stays new")

    # 4. an expired session is sent to the login
    desk.get(hub.url + "/admin/#/inbox")
    hw.wait_for(desk, "#me")
    time.sleep(IDLE + 3)
    # the page's own timer may have sent it to the login already; else the next click does
    for el in desk.find_elements(By.ID, "nav-kiosks"):
        el.click()
    msg = hw.text_of(desk, "#login-msg", timeout=15)
    c.ok("登录已过期" in msg, "after the idle time the console shows the login: 登录已过期")
    shot(desk, "console-expired.png")

    # 5. logout ends the session on the hub
    login(desk, "sec.handler")
    old = {x["name"]: x["value"] for x in desk.get_cookies()}["hub_session"]
    hw.click(desk, "#logout")
    hw.wait_for(desk, "#login-msg", text="已退出")
    st, _, _ = hw.http(hub.url + "/api/v1/admin/requests", headers={"Cookie": "hub_session=" + old})
    c.ok(st == 401, f"after logout the old cookie is refused (got {st})")

    # 6. a viewer's cookie on an admin-only endpoint
    st, hdrs, _ = hw.http(hub.url + "/api/v1/admin/session", "POST",
                          json.dumps({"name": "sec.viewer", "password": PW["sec.viewer"]}).encode(),
                          {"Content-Type": "application/json"})
    vck = hdrs.get("Set-Cookie", "").split(";")[0]
    st, _, _ = hw.http(hub.url + "/api/v1/admin/users", headers={"Cookie": vck})
    c.ok(st == 403, f"a viewer may not list accounts (got {st})")

    # 7. brute force: five wrong passwords lock the account; then the right one is refused
    desk.get(hub.url + "/admin/")
    for i in range(5):
        login(desk, "sec.handler", f"wrong-password-{i}", expect_ok=False)
        hw.wait_for(desk, "#login-msg .error")
    login(desk, "sec.handler", expect_ok=False)
    hw.wait_for(desk, "#login-msg .error")
    c.ok(not desk.find_elements(By.ID, "me") and "错误" in hw.text_of(desk, "#login-msg"),
         "after 5 wrong passwords the right one is refused too (locked)")
    shot(desk, "console-locked.png")
    users = json.loads(hub.ctl("--json", "user", "list").stdout)["users"]
    locked = [u for u in users if u["name"] == "sec.handler"][0]["locked_until"]
    audit = [e["action"] for e in json.loads(hub.ctl("--json", "audit", "list").stdout)["entries"]]
    c.ok(locked and "user.locked" in audit and audit.count("session.login_failed") >= 6,
         f"kioskctl shows the lock ({locked}) and the audit log the failed logins ({audit[:8]})")
    codes = []
    for i in range(12):
        st, hdrs, _ = hw.http(hub.url + "/api/v1/admin/session", "POST",
                              json.dumps({"name": "sec.viewer", "password": f"guess-{i}-xxxx"}).encode(),
                              {"Content-Type": "application/json"})
        codes.append(st)
    c.ok(429 in codes and hdrs.get("Retry-After"),
         f"more failures from one address get 429 with Retry-After ({codes})")
    # the phone page: guessing check codes is limited per address too
    codes = [hw.http(f"{hub.url}/t/{t1}?c={n:06d}")[0] for n in range(30)]
    c.ok(codes[0] == 404 and codes[-1] == 429, f"guessing a check code on the phone page gets 429 ({codes[-3:]})")
finally:
    if attacker:
        attacker.shutdown()
    for d in (desk, phone):
        if d:
            hw.quit_browser(d)
    hub.stop()
c.done("console_security")
