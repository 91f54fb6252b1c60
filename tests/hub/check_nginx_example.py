"""hub_nginx_example_forwards_client_and_limits: runs deploy/nginx-kiosk-hub.conf
for real (nginx as this user, a throw-away self-signed certificate, loopback
ports) in front of the real kiosk-hub started with --trusted-proxy 127.0.0.1,
and checks what docs/hub.md promises of it: TLS works; the hub sees the
client's address from X-Forwarded-For, never what the client wrote there; the
auth-failure limit counts that address, not the proxy; a body over 16 KiB and
a hub that is down get nginx's plain-HTML pages, never JSON.
usage: check_nginx_example.py KIOSK_HUB NGINX_CONF_EXAMPLE"""
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

hub_bin, example = sys.argv[1], sys.argv[2]
ADMIN = "test-admin-token-0123456789"
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_for(pred, seconds=10.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def call(port, ctx, src, method, path, token=None, body=None, xff=None):
    """One HTTPS request from source address src: (status, content type, body)."""
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10,
                                    source_address=(src, 0))
    h = {"Host": "localhost"}
    if token:
        h["Authorization"] = "Bearer " + token
    if xff:
        h["X-Forwarded-For"] = xff
    if body is not None:
        h["Content-Type"] = "application/json"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheader("Content-Type", ""), data, r.getheader("Retry-After")


def main():
    d = tempfile.mkdtemp(prefix="hubnginx")
    # started as root, nginx's workers run as nobody: they must reach the
    # temporary files of a large body below d (traverse only, no listing)
    os.chmod(d, 0o711)
    hub = nginx = None
    try:
        tok = os.path.join(d, "admin.token")
        with open(tok, "w") as f:
            f.write(ADMIN + "\n")
        cert, key = os.path.join(d, "fullchain.pem"), os.path.join(d, "privkey.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hub_port, tls_port = free_port(), free_port()
        hub_log = open(os.path.join(d, "hub.log"), "w")
        hub = subprocess.Popen([hub_bin, "--listen", f"127.0.0.1:{hub_port}", "--db",
                                os.path.join(d, "hub.db"), "--admin-token-file", tok,
                                "--trusted-proxy", "127.0.0.1"],
                               stdout=subprocess.DEVNULL, stderr=hub_log)
        check(wait_for(lambda: listening(hub_port)), "hub listens")

        # the example as shipped, with only its placeholders and ports replaced
        site = open(example).read()
        n_subs = 0
        for old, new in [("/etc/kiosk-hub/tls/fullchain.pem", cert),
                         ("/etc/kiosk-hub/tls/privkey.pem", key),
                         ("listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;"),
                         ("listen [::]:443 ssl;", ""),
                         ("server 127.0.0.1:8080;", f"server 127.0.0.1:{hub_port};")]:
            n_subs += site.count(old)
            site = site.replace(old, new)
        check(n_subs == 5, "the example has the placeholders docs/hub.md names")
        with open(os.path.join(d, "site.conf"), "w") as f:
            f.write(site)
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(f"""pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
    include {d}/site.conf;
}}
""")
        nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
        args = [nginx_bin, "-p", d, "-e", os.path.join(d, "error.log"),
                "-c", os.path.join(d, "nginx.conf")]
        t = subprocess.run(args + ["-t"], capture_output=True, text=True)
        check(t.returncode == 0, "nginx -t accepts the example")
        if t.returncode != 0:
            print(t.stderr, file=sys.stderr)
            return
        nginx = subprocess.Popen(args + ["-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        check(wait_for(lambda: listening(tls_port)), "nginx listens")

        ctx = ssl.create_default_context(cafile=cert)
        st, ct, _, _ = call(tls_port, ctx, "127.0.0.3", "GET", "/api/v1/health", xff="6.6.6.6")
        check(st == 200 and ct.startswith("application/json"), "health through TLS")

        # wrong tokens from 127.0.0.3: the hub counts 127.0.0.3, not nginx
        sts = [call(tls_port, ctx, "127.0.0.3", "GET", "/api/v1/admin/kiosks",
                    "wrong-admin-token-0123456789")[0] for _ in range(10)]
        check(sts == [401] * 10, "ten wrong tokens: 401 each")
        st, ct, _, ra = call(tls_port, ctx, "127.0.0.3", "GET", "/api/v1/admin/kiosks", ADMIN,
                             xff="127.0.0.9")
        check(st == 429 and ct == "application/problem+json" and ra,
              "the eleventh: the hub's 429 with Retry-After, a spoofed header does not help")
        st, _, _, _ = call(tls_port, ctx, "127.0.0.4", "GET", "/api/v1/admin/kiosks", ADMIN)
        check(st == 200, "another client behind the same proxy is not limited")

        st, ct, data, _ = call(tls_port, ctx, "127.0.0.4", "POST", "/api/v1/requests", ADMIN,
                               body=b"{" + b" " * 17000 + b"}")
        check(st == 413 and ct.startswith("text/html") and b"<html>" in data,
              "17 KB body: nginx's 413, plain HTML")
        st, _, _, _ = call(tls_port, ctx, "127.0.0.4", "POST", "/api/v1/admin/content", ADMIN,
                           body=b"\0" * (3 << 20))
        check(st not in (413,) and 400 <= st < 500,
              "a 3 MiB content publish reaches the hub (its own 4xx for a body that is no bundle), "
              "not nginx's 413 (got %d)" % st)

        hub.send_signal(signal.SIGTERM)
        check(hub.wait(timeout=20) == 0, "hub stops cleanly")
        hub = None
        st, ct, data, ra = call(tls_port, ctx, "127.0.0.4", "GET", "/api/v1/health")
        check(st in (502, 503, 504) and ct.startswith("text/html") and ra == "5"
              and b"<html>" in data, "hub down: nginx's 502 as plain HTML with Retry-After")

        hub_log.close()
        log = open(os.path.join(d, "hub.log")).read()
        check(re.search(r"/api/v1/health 200 \d+ms kiosk=- ip=127\.0\.0\.3", log) is not None,
              "the hub's log names the client behind the proxy")
        check("6.6.6.6" not in log and "127.0.0.9" not in log,
              "what the client wrote into X-Forwarded-For never reaches the log")
    finally:
        for p in (nginx, hub):
            if p:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(d, ignore_errors=True)


main()
print(f"nginx_example: {failures} failed")
sys.exit(1 if failures else 0)
