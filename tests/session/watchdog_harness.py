#!/usr/bin/env python3
"""Plays systemd's part for a Type=notify service with WatchdogSec= and
Restart=always, to test the kiosk's side of the protocol where no systemd runs
as the service manager (this machine, CI, a chroot).

    watchdog_harness.py [--watchdog-sec 4] [--restart-sec 2] [--stop-timeout 10]
                        [--idle 9] -- COMMAND...

What it does, as systemd would (sd_notify(3), systemd.service(5)):
  1. binds a datagram socket, starts COMMAND in its own process group with
     NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (its own pid) set, and
     waits for READY=1;
  2. leaves it untouched for --idle seconds and records every WATCHDOG=1
     (with the sender's pid, from SO_PASSCRED): the pings must come at about
     half the interval, none late, and not more often than that (the idle
     loop must not wake the CPU for nothing); prints the CPU time used;
  3. SIGSTOPs the process that pings (the kiosk, also when it is cage's child)
     and waits: no ping may come, and when WatchdogSec has passed since the
     last one the watchdog fires: SIGABRT+SIGCONT to the main process (the
     one MAINPID= named, else the one started), SIGKILL after --stop-timeout,
     then SIGTERM+SIGCONT to what is left of the group and SIGKILL (the
     final kill of KillMode=mixed);
  4. after --restart-sec starts COMMAND again and waits for READY=1 and a
     ping; prints the figures (SIGSTOP -> watchdog fired -> stopped ->
     READY=1 again);
  5. stops the new instance as KillMode=mixed does, SIGTERM to the main
     process: it must say STOPPING=1 and exit (0, when it is our child).
Exit 0 when every check holds, 1 otherwise (the failing check is printed).
"""
import argparse
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time


def fail(msg):
    print("watchdog_harness: FAIL: " + msg, flush=True)
    sys.exit(1)


class Manager:
    def __init__(self, cmd, wd_sec):
        self.cmd = cmd
        self.wd = wd_sec
        self.dir = tempfile.mkdtemp(prefix="kiosk-notify-")
        os.chmod(self.dir, 0o755)
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o777)  # the service may run as another user
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.proc = None
        self.main = None

    def start(self):
        env = dict(os.environ)
        env["NOTIFY_SOCKET"] = self.path
        env["WATCHDOG_USEC"] = str(int(self.wd * 1e6))
        # WATCHDOG_PID: the pid of the process started, as systemd sets it
        # (a shell that execs the command keeps its pid)
        cmd = ["sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$@"', "sh"] + self.cmd
        self.proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                                     stdout=sys.stdout, stderr=sys.stderr)
        self.main = self.proc.pid
        return time.monotonic()

    def recv(self, until):
        """Next (time, pid, message) before monotonic time `until`, or None."""
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except socket.timeout:
                return None
            pid = -1
            for level, typ, cdata in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", cdata[:12])[0]
            text = data.decode("utf-8", "replace")
            for line in text.split("\n"):
                if line.startswith("MAINPID="):
                    self.main = int(line[8:])
            return time.monotonic(), pid, text

    def wait_ready(self, timeout):
        until = time.monotonic() + timeout
        while True:
            m = self.recv(until)
            if m is None:
                return None
            if "READY=1" in m[2].split("\n"):
                return m

    def main_gone(self, timeout):
        """Waits up to timeout for the main process to end; True if it did."""
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if self.main == self.proc.pid:
                if self.proc.poll() is not None:
                    return True
            else:
                try:
                    with open("/proc/%d/stat" % self.main) as f:
                        if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                            return True
                except OSError:
                    return True
            time.sleep(0.02)
        return False

    def final_kill(self, timeout):
        """SIGTERM+SIGCONT to what is left of the group, SIGKILL after timeout."""
        self.group_kill(signal.SIGTERM)
        self.group_kill(signal.SIGCONT)
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if self.proc.poll() is not None:
                try:
                    os.killpg(self.proc.pid, 0)
                except ProcessLookupError:
                    return
            time.sleep(0.02)
        self.group_kill(signal.SIGKILL)
        self.proc.wait()

    def group_kill(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass


def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--watchdog-sec", type=float, default=4.0)
    ap.add_argument("--restart-sec", type=float, default=2.0)
    ap.add_argument("--stop-timeout", type=float, default=10.0)
    ap.add_argument("--idle", type=float, default=9.0)
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()
    wd, half = a.watchdog_sec, a.watchdog_sec / 2
    m = Manager(a.cmd, wd)

    # 1. start, READY=1
    t0 = m.start()
    r = m.wait_ready(60)
    if r is None:
        m.group_kill(signal.SIGKILL)
        fail("no READY=1 within 60 s of the start")
    pinger = r[1]
    print("watchdog_harness: READY=1 from pid %d %.2f s after the start" % (pinger, r[0] - t0),
          flush=True)

    # 2. idle: pings at half the interval, none late, none extra
    pings = [r[0]]
    cpu0 = cpu_seconds(pinger)
    until = time.monotonic() + a.idle
    while True:
        msg = m.recv(until)
        if msg is None:
            break
        if "WATCHDOG=1" in msg[2].split("\n"):
            pings.append(msg[0])
            pinger = msg[1]
    cpu1 = cpu_seconds(pinger)
    gaps = [b - x for x, b in zip(pings, pings[1:])]
    print("watchdog_harness: idle %.0f s: %d pings, gaps %s s (half the interval: %.1f s), "
          "CPU %.3f s" % (a.idle, len(pings) - 1, " ".join("%.2f" % g for g in gaps), half,
                          cpu1 - cpu0), flush=True)
    expected = int(a.idle / half)
    if len(pings) - 1 < expected - 1:
        fail("%d pings in %.0f s of idle, expected about %d" % (len(pings) - 1, a.idle, expected))
    if len(pings) - 1 > expected + 2:
        fail("%d pings in %.0f s of idle: the loop wakes more than half the interval asks"
             % (len(pings) - 1, a.idle))
    if gaps and max(gaps) > wd * 0.8:
        fail("a ping came %.2f s after the one before (watchdog %.1f s)" % (max(gaps), wd))

    # 3. SIGSTOP the pinger; the watchdog must fire
    os.kill(pinger, signal.SIGSTOP)
    t_stop = time.monotonic()
    deadline = pings[-1] + wd
    late = []
    while True:
        msg = m.recv(deadline)
        if msg is None:
            break
        if "WATCHDOG=1" in msg[2].split("\n"):
            late.append(msg)
            deadline = msg[0] + wd
    if late:
        fail("%d pings after SIGSTOP (from pids %s)" % (len(late), sorted({x[1] for x in late})))
    t_fire = time.monotonic()
    print("watchdog_harness: SIGSTOP pid %d (MAINPID %d); watchdog fired %.2f s later (last "
          "ping %.2f s before SIGSTOP)" % (pinger, m.main, t_fire - t_stop, t_stop - pings[-1]),
          flush=True)
    if m.main != pinger:
        fail("the pinging process %d is not the main process %d (MAINPID=)" % (pinger, m.main))
    main_pid = m.main
    os.kill(main_pid, signal.SIGABRT)  # WatchdogSignal= (default SIGABRT), then SIGCONT
    os.kill(main_pid, signal.SIGCONT)
    if not m.main_gone(a.stop_timeout):
        os.kill(main_pid, signal.SIGKILL)
        m.main_gone(5)
    m.final_kill(a.stop_timeout)
    t_dead = time.monotonic()

    # 4. restart
    time.sleep(a.restart_sec)
    t_restart = m.start()
    r2 = m.wait_ready(60)
    if r2 is None:
        m.group_kill(signal.SIGKILL)
        fail("the restarted instance sent no READY=1 within 60 s")
    p2 = m.recv(r2[0] + half + 1.0)
    while p2 is not None and "WATCHDOG=1" not in p2[2].split("\n"):
        p2 = m.recv(r2[0] + half + 1.0)
    if p2 is None:
        m.group_kill(signal.SIGKILL)
        fail("the restarted instance does not ping")
    print("watchdog_harness: figures: SIGSTOP -> watchdog fired %.2f s, stopped %.2f s, "
          "restart (RestartSec=%.0f) -> READY=1 %.2f s; SIGSTOP -> READY=1 again %.2f s"
          % (t_fire - t_stop, t_dead - t_fire, a.restart_sec, r2[0] - t_restart,
             r2[0] - t_stop), flush=True)

    # 5. a clean stop (KillMode=mixed: SIGTERM to the main process) says
    # STOPPING=1 and ends
    main_pid = m.main
    os.kill(main_pid, signal.SIGTERM)
    os.kill(main_pid, signal.SIGCONT)
    stopping = False
    until = time.monotonic() + 10
    while True:
        msg = m.recv(until)
        if msg is None:
            break
        if "STOPPING=1" in msg[2].split("\n"):
            stopping = True
            break
    ended = m.main_gone(10)
    rc = m.proc.returncode if main_pid == m.proc.pid else None
    m.final_kill(a.stop_timeout)
    if not ended:
        fail("the main process did not end within 10 s of SIGTERM")
    if not stopping:
        fail("no STOPPING=1 on SIGTERM")
    if rc not in (None, 0):
        fail("exit status %d after SIGTERM" % rc)
    print("watchdog_harness: SIGTERM to the main process: STOPPING=1, ended%s"
          % (" with status 0" if rc == 0 else ""), flush=True)
    print("watchdog_harness: ok", flush=True)


if __name__ == "__main__":
    main()
