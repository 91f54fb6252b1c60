"""What the browser tests of the hub's web pages share: a real kiosk-hub on
loopback (temp dir, free port), kioskctl, a kiosk token, help requests posted
as a kiosk does, and a headless Chromium driven by Selenium (chromedriver).
Everything is sample data and says so."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

# the _pg twins (tests/pg/CMakeLists.txt) run these pages on PostgreSQL
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pg"))
from pghub import hub_db_args  # noqa: E402

ADMIN_TOKEN = "web-test-admin-token-0123456789"


class Hub:
    def __init__(self, hub_bin, ctl_bin, extra=()):
        self.dir = tempfile.mkdtemp(prefix="hubweb.")
        self.hub_bin, self.ctl_bin = hub_bin, ctl_bin
        self.tok = os.path.join(self.dir, "admin.token")
        with open(self.tok, "w") as f:
            f.write(ADMIN_TOKEN + "\n")
        pf = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "hub.log"), "w")
        self.proc = subprocess.Popen(
            [hub_bin, "--listen", "127.0.0.1:0", *hub_db_args(self.dir, "hubweb"),
             "--admin-token-file", self.tok, "--port-file", pf, *extra],
            stdout=self.log, stderr=self.log)
        for _ in range(100):
            if os.path.exists(pf) and open(pf).read().strip():
                break
            time.sleep(0.1)
        if not os.path.exists(pf):
            self.log.flush()
            raise AssertionError("kiosk-hub did not start: " + open(self.log.name).read()[-2000:])
        self.port = int(open(pf).read())
        self.url = f"http://127.0.0.1:{self.port}"

    def ctl(self, *args, stdin=None, check=True):
        p = subprocess.run([self.ctl_bin, "--hub", self.url, "--token-file", self.tok, *args],
                           input=stdin, capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise AssertionError(f"kioskctl {args}: {p.returncode} {p.stderr}")
        return p

    def add_kiosk(self, kid):
        out = self.ctl("kiosk", "add", kid).stdout.strip().splitlines()[-1]
        path = os.path.join(self.dir, kid + ".token")
        with open(path, "w") as f:
            f.write(out + "\n")
        return out, path

    def add_user(self, name, role, password):
        self.ctl("user", "add", name, "--role", role, "--password-stdin", stdin=password + "\n")

    def post_request(self, kiosk_token, kiosk_id, seq, description, check, phone="13900007777"):
        """Files a help request as a kiosk does (POST /api/v1/requests)."""
        ticket = f"{kiosk_id}-{seq:06d}"
        body = {"ticket": ticket, "check": check, "kiosk_id": kiosk_id, "category": "facility",
                "company": {"id": None, "name": "示例公司（测试样例）"}, "contact_name": "样例先生",
                "phone": phone, "tower": "t01", "description": description, "lang": "zh",
                "created_at": "2026-11-25T01:30:00Z"}
        req = urllib.request.Request(self.url + "/api/v1/requests", method="POST",
                                     data=json.dumps(body, ensure_ascii=False).encode(),
                                     headers={"Authorization": "Bearer " + kiosk_token,
                                              "Content-Type": "application/json",
                                              "Idempotency-Key": str(uuid.uuid4())})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 201, r.status
        return ticket

    def show(self, ticket):
        return json.loads(self.ctl("--json", "requests", "show", ticket).stdout)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def http(url, method="GET", body=None, headers=None):
    """(status, headers, text) of one request; never raises on an HTTP status."""
    req = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def browser(width, height, lang="zh-CN,zh"):
    """A headless Chromium of width x height CSS pixels, browser language lang."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="hubweb-chromium.")
    for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--hide-scrollbars",
              f"--window-size={width},{height}", "--force-device-scale-factor=1",
              f"--lang={lang.split(',')[0]}"]:
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"intl.accept_languages": lang})
    svc = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    d = webdriver.Chrome(service=svc, options=opts)
    d.set_window_size(width, height)
    # the viewport, not the window, is what a phone has: set it exactly
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1,
                       "mobile": width < 600})
    d.implicitly_wait(0)
    d._profile_dir = profile
    return d


def quit_browser(d):
    prof = getattr(d, "_profile_dir", None)
    d.quit()
    if prof:
        shutil.rmtree(prof, ignore_errors=True)


def wait_for(d, css, timeout=10, text=None):
    """The first element matching css (containing text, when given)."""
    from selenium.webdriver.common.by import By
    end = time.time() + timeout
    while True:
        for el in d.find_elements(By.CSS_SELECTOR, css):
            try:
                if el.is_displayed() and (text is None or text in el.text):
                    return el
            except Exception:
                pass
        if time.time() > end:
            raise AssertionError(f"no {css!r}{' with ' + repr(text) if text else ''} in {timeout}s;"
                                 f" page text: {d.find_element(By.TAG_NAME, 'body').text[:600]!r}")
        time.sleep(0.1)


def on(d, css, act, timeout=10, text=None):
    """act(el) on the first element matching css (as wait_for). The console
    re-draws parts of the page when an answer arrives, so an element found a
    moment ago may be gone (stale): it is then found again and act re-run."""
    from selenium.common.exceptions import StaleElementReferenceException
    end = time.time() + timeout
    while True:
        el = wait_for(d, css, max(0.5, end - time.time()), text)
        try:
            return act(el)
        except StaleElementReferenceException:
            if time.time() > end:
                raise
            time.sleep(0.1)


def text_of(d, css, timeout=10, text=None):
    """The text of the first element matching css, found again if re-drawn."""
    return on(d, css, lambda el: el.text, timeout, text)


def click(d, css, timeout=10, text=None):
    """Clicks the first element matching css, found again if re-drawn."""
    on(d, css, lambda el: el.click(), timeout, text)


def no_alert(d):
    """Asserts no JavaScript dialog is open (an injected alert() would be)."""
    from selenium.common.exceptions import NoAlertPresentException
    try:
        a = d.switch_to.alert
        raise AssertionError(f"a dialog is open: {a.text!r}")
    except NoAlertPresentException:
        pass


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def ok(self, cond, what):
        if cond:
            self.passed += 1
            print("ok  ", what, flush=True)
        else:
            self.failed += 1
            print("FAIL", what, flush=True)
        return cond

    def done(self, name):
        print(f"{name}: {self.passed} passed, {self.failed} failed")
        sys.exit(0 if self.failed == 0 and self.passed > 0 else 1)
