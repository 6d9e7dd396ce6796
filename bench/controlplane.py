#!/usr/bin/python3
"""The control-plane figures of docs/benchmarks.md, side by side in one run.

  bench/controlplane.py [--quick] [--build DIR] [--json FILE] [--clients N] [--handshakes N]
                        [--storm N] [--steady N] [--real-clients N] [--skip-openvpn]

dpvpn-dataplane on CPU 1 (net_af_packet on veths, --no-huge), dpvpnd and the load client
dpvpn-hsload on CPU 0, clients in namespace cpb-cli-*, a LAN host in cpb-lan-*:

  rate          --clients handshakes in flight until --handshakes completed: handshakes/s on this
                machine, dpvpnd CPU per handshake (utime+stime from /proc) and so handshakes/s per core
  first packet  after each PUSH_REPLY one ICMP echo through the tunnel to the LAN host, every ms
                until answered: the time from the keys being installed to the first packet through
  storm         --steady sessions ping the LAN host 100 times a second each while --storm sessions
                all reconnect at once: the steady sessions must lose nothing
  real clients  --real-clients Debian openvpn 2.6 processes connect at once: dpvpnd CPU per
                handshake for them, to check the load client's figure against the real client
  OpenVPN       stock openvpn 2.6 as the server (CPU 1, same PKI, tls-crypt), the same rate run:
                its CPU per handshake
Cleans up what it made."""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from benchlib import proc_cpu_s, sh, wait_log

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKI = os.path.join(ROOT, "tests", "data", "pki")
TAG = "%d" % os.getpid()
NS = {"cli": "cpb-cli-" + TAG, "dp": "cpb-dp-" + TAG, "lan": "cpb-lan-" + TAG}
DEV = {"cli": "cpbc" + TAG, "out": "cpbo" + TAG, "in": "cpbi" + TAG, "lan": "cpbl" + TAG}
CP_CORE, DP_CORE = "0", "1"
LAN_HOST = "10.200.0.2"


def topology():
    for n in NS.values():
        sh("ip", "netns", "add", n)
    sh("ip", "link", "add", DEV["cli"], "netns", NS["cli"], "type", "veth", "peer", DEV["out"], "netns", NS["dp"])
    sh("ip", "link", "add", DEV["lan"], "netns", NS["lan"], "type", "veth", "peer", DEV["in"], "netns", NS["dp"])
    for ns, dev in ((NS["cli"], DEV["cli"]), (NS["dp"], DEV["out"]), (NS["dp"], DEV["in"]), (NS["lan"], DEV["lan"])):
        sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % dev, ns=ns)
        sh("ip", "link", "set", dev, "up", ns=ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
    sh("ip", "addr", "add", "198.18.0.2/24", "dev", DEV["cli"], ns=NS["cli"])
    sh("ip", "addr", "add", LAN_HOST + "/24", "dev", DEV["lan"], ns=NS["lan"])
    sh("ip", "route", "add", "10.99.0.0/16", "via", "10.200.0.1", ns=NS["lan"])
    # The dataplane reads frames with AF_PACKET: checksums must be complete.
    for ns, dev in ((NS["cli"], DEV["cli"]), (NS["lan"], DEV["lan"])):
        sh("ethtool", "-K", dev, "tx", "off", ns=ns)


class Bench:
    def __init__(self, a):
        self.a = a
        self.tmp = tempfile.mkdtemp(prefix="dpvpn-cpbench.")
        self.procs = []
        self.key = os.path.join(self.tmp, "tc.key")

    def tool(self, rel):
        path = os.path.join(self.a.build, rel)
        if not os.access(path, os.X_OK):
            sys.exit("controlplane bench: %s is not built (ninja -C %s)" % (path, self.a.build))
        return path

    def start(self, argv, log, ns=None, cpu=None):
        pre = (["ip", "netns", "exec", ns] if ns else []) + (["taskset", "-c", cpu] if cpu else [])
        p = subprocess.Popen(pre + argv, stdout=open(os.path.join(self.tmp, log), "w"), stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def log(self, name):
        path = os.path.join(self.tmp, name)
        return open(path).read() if os.path.exists(path) else ""

    def wait_log(self, name, text, timeout):
        return wait_log(os.path.join(self.tmp, name), text, timeout)

    def cleanup(self):
        for p in list(self.procs):
            self.stop(p, signal.SIGKILL)
        for ns in NS.values():
            pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
            for pid in pids:
                subprocess.run(["kill", "-9", pid], capture_output=True)
            sh("ip", "netns", "del", ns, check=False)
        subprocess.run(["rm", "-rf", self.tmp, "/var/run/dpdk/cpb" + TAG])

    # ---- dpvpn ----
    def start_dpvpn(self):
        sessions = 2 * self.a.storm + self.a.steady + 2 * self.a.clients + self.a.real_clients + 64
        with open(os.path.join(self.tmp, "dp.conf"), "w") as f:
            f.write("name cpbench\noutside dev=net_af_packet0 addr=198.18.0.1/24\n"
                    "inside dev=net_af_packet1 addr=10.200.0.1/24\ncontrol ipc://%s/cp.sock\n"
                    "max-sessions %d\nmbufs 16383\n" % (self.tmp, sessions))
        self.dp = self.start([self.tool("dataplane/dpvpn-dataplane"), "--no-huge", "-m", "1024", "--no-pci",
                              "-l", DP_CORE, "--file-prefix", "cpb" + TAG, "--log-level", "lib.eal:error",
                              "--vdev", "net_af_packet0,iface=" + DEV["out"],
                              "--vdev", "net_af_packet1,iface=" + DEV["in"], "--", "--config",
                              os.path.join(self.tmp, "dp.conf")], "dataplane.log", ns=NS["dp"])
        with open(os.path.join(self.tmp, "server.conf"), "w") as f:
            f.write(self.server_conf("dataplane ipc://%s/cp.sock\ndpvpnctl-socket %s/ctl.sock\n"
                                     "max-ban-score 0\n" % (self.tmp, self.tmp)))
        self.cp = self.start([self.tool("controlplane/dpvpnd"), "--config", os.path.join(self.tmp, "server.conf")],
                             "dpvpnd.log", cpu=CP_CORE)
        if not self.wait_log("dpvpnd.log", "connected (boot", 20):
            raise RuntimeError("the dataplane did not connect to dpvpnd: " + self.log("dpvpnd.log")[-800:]
                               + self.log("dataplane.log")[-800:])

    def server_conf(self, extra):
        # Every load client presents the same certificate (duplicate-cn) from one address: no bans,
        # and reset replies not limited to 2.6's 100 per 10 s (a benchmark is a deliberate storm).
        n = 2 * self.a.storm + self.a.steady + 2 * self.a.clients + self.a.real_clients + 64
        return ("port 1194\nproto udp\ndev tun\nserver 10.99.0.0 255.255.0.0\ntopology subnet\n"
                "ca %s/ca.crt\ncert %s/server.crt\nkey %s/server.key\ndh none\ntls-crypt %s\n"
                "data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nkeepalive 10 60\n"
                "duplicate-cn\nmax-clients %d\nconnect-freq-initial 1000000 1\nverb 1\n%s"
                % (PKI, PKI, PKI, self.key, n, extra))

    def hsload(self, args, server_pid, name):
        out = os.path.join(self.tmp, name + ".json")
        argv = ["ip", "netns", "exec", NS["cli"], "taskset", "-c", CP_CORE, self.tool("bench/hsload/dpvpn-hsload"),
                "--server", "198.18.0.1", "--ca", PKI + "/ca.crt", "--cert", PKI + "/client.crt",
                "--key", PKI + "/client.key", "--tls-crypt", self.key, "--cpu-pid", str(server_pid),
                "--json", out] + [str(x) for x in args]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        if not os.path.exists(out):
            raise RuntimeError("dpvpn-hsload %s failed (exit %d): %s" % (name, p.returncode, p.stderr[-800:]))
        with open(out) as f:
            r = json.load(f)
        r["exit"] = p.returncode
        print("%s: %s" % (name, json.dumps({k: r.get(k) for k in (
            "completed", "failed", "handshakes_per_s", "server_cpu_ms_per_handshake", "handshakes_per_core_s",
            "first_failure")})), flush=True)
        return r

    def real_clients(self):
        n = self.a.real_clients
        conf = os.path.join(self.tmp, "client.conf")
        with open(conf, "w") as f:
            f.write("client\ndev null\nifconfig-noexec\nroute-noexec\nproto udp\nremote 198.18.0.1 1194\n"
                    "nobind\nca %s/ca.crt\ncert %s/client.crt\nkey %s/client.key\ntls-crypt %s\n"
                    "explicit-exit-notify 1\nverb 3\n" % (PKI, PKI, PKI, self.key))
        cpu0, t0 = proc_cpu_s(self.cp.pid), time.time()
        clients = [self.start(["openvpn", "--config", conf], "real%d.log" % i, ns=NS["cli"]) for i in range(n)]
        up = [self.wait_log("real%d.log" % i, "Initialization Sequence Completed", 60) for i in range(n)]
        cpu, wall = proc_cpu_s(self.cp.pid) - cpu0, time.time() - t0
        for c in clients:
            self.stop(c)
        r = {"clients": n, "connected": sum(up), "seconds": wall, "server_cpu_s": cpu,
             "server_cpu_ms_per_handshake": cpu / max(1, sum(up)) * 1e3}
        print("real openvpn clients: %s" % json.dumps(r), flush=True)
        if sum(up) != n:
            raise RuntimeError("%d of %d real openvpn clients connected: %s" % (sum(up), n, self.log("real0.log")[-800:]))
        return r

    # ---- stock OpenVPN as the server ----
    def openvpn_server(self):
        self.stop(self.cp)
        self.stop(self.dp)
        sh("ip", "addr", "add", "198.18.0.1/24", "dev", DEV["out"], ns=NS["dp"])
        with open(os.path.join(self.tmp, "openvpn-server.conf"), "w") as f:
            f.write(self.server_conf("disable-dco\n"))
        srv = self.start(["openvpn", "--config", os.path.join(self.tmp, "openvpn-server.conf")], "openvpn-server.log",
                         ns=NS["dp"], cpu=DP_CORE)
        if not self.wait_log("openvpn-server.log", "Initialization Sequence Completed", 20):
            raise RuntimeError("openvpn server did not start: " + self.log("openvpn-server.log")[-800:])
        version = self.log("openvpn-server.log").split("\n")[0]
        r = self.hsload(["--clients", self.a.clients, "--handshakes", self.a.handshakes], srv.pid, "openvpn_rate")
        r["version"] = version[version.find("OpenVPN"):][:60]
        self.stop(srv)
        return r


def summary(res):
    rate, ov = res["rate"], res.get("openvpn")
    out = {"handshakes_per_s": rate["handshakes_per_s"],
           "server_cpu_ms_per_handshake": rate.get("server_cpu_ms_per_handshake"),
           "handshakes_per_core_s": rate.get("handshakes_per_core_s"),
           "handshake_ms_p50": (rate.get("handshake_ms") or {}).get("p50"),
           "first_packet_ms_p50": (res["first_packet"].get("first_packet_ms") or {}).get("p50"),
           "first_packet_ms_p99": (res["first_packet"].get("first_packet_ms") or {}).get("p99"),
           "first_packet_unanswered": res["first_packet"].get("first_packet_unanswered"),
           "storm_sessions": res["storm"]["clients"], "storm_seconds": res["storm"]["seconds"],
           "storm_failed": res["storm"]["failed"], "steady_lost": res["storm"]["steady"]["lost"],
           "steady_sent": res["storm"]["steady"]["sent"],
           "real_client_cpu_ms_per_handshake": res["real_clients"]["server_cpu_ms_per_handshake"]}
    if ov and ov.get("server_cpu_ms_per_handshake") and rate.get("server_cpu_ms_per_handshake"):
        out["openvpn_cpu_ms_per_handshake"] = ov["server_cpu_ms_per_handshake"]
        out["openvpn_over_dpvpn_cpu"] = ov["server_cpu_ms_per_handshake"] / rate["server_cpu_ms_per_handshake"]
    return out


def print_summary(s):
    print("\ncontrol plane (dpvpnd on CPU 0 with the load client, dataplane on CPU 1; ECDSA P-256, tls-crypt, TLS 1.3)")
    rows = [("full handshakes per second, this machine", "%.0f" % s["handshakes_per_s"]),
            ("dpvpnd CPU per handshake (ms)", "%.2f" % (s["server_cpu_ms_per_handshake"] or 0)),
            ("  = handshakes per second per core", "%.0f" % (s["handshakes_per_core_s"] or 0)),
            ("  real openvpn clients: dpvpnd CPU per handshake (ms)", "%.2f" % s["real_client_cpu_ms_per_handshake"]),
            ("handshake latency p50 (ms)", "%.1f" % (s["handshake_ms_p50"] or 0)),
            ("PUSH_REPLY -> first echo reply through the tunnel, p50 / p99 (ms)",
             "%.2f / %.2f" % (s["first_packet_ms_p50"] or 0, s["first_packet_ms_p99"] or 0)),
            ("  echo requests unanswered before the first reply", "%d" % s["first_packet_unanswered"]),
            ("reconnect storm: sessions, seconds until all up, failures",
             "%d, %.2f, %d" % (s["storm_sessions"], s["storm_seconds"], s["storm_failed"])),
            ("  steady sessions' echo requests sent / lost during the storm",
             "%d / %d" % (s["steady_sent"], s["steady_lost"]))]
    if "openvpn_cpu_ms_per_handshake" in s:
        rows.append(("stock OpenVPN server CPU per handshake (ms), OpenVPN/dpvpnd",
                     "%.2f, %.2f" % (s["openvpn_cpu_ms_per_handshake"], s["openvpn_over_dpvpn_cpu"])))
    for k, v in rows:
        print("  %-70s %s" % (k, v))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="CI smoke run: tiny counts")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--clients", type=int, default=64, help="rate: handshakes in flight")
    ap.add_argument("--handshakes", type=int, default=4000, help="rate: handshakes to complete")
    ap.add_argument("--storm", type=int, default=1000, help="sessions that reconnect at once")
    ap.add_argument("--steady", type=int, default=10, help="sessions that ping through the storm")
    ap.add_argument("--real-clients", type=int, default=20)
    ap.add_argument("--skip-openvpn", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.clients, a.handshakes, a.storm, a.steady, a.real_clients = 4, 40, 20, 2, 2
    return a


def run(a):
    b = Bench(a)
    res = {}
    try:
        topology()
        sh("openvpn", "--genkey", "secret", b.key)
        b.start_dpvpn()
        res["rate"] = b.hsload(["--clients", a.clients, "--handshakes", a.handshakes], b.cp.pid, "rate")
        res["first_packet"] = b.hsload(["--clients", max(1, a.clients // 4), "--handshakes", max(1, a.handshakes // 8),
                                        "--first-packet", "--ping", LAN_HOST], b.cp.pid, "first_packet")
        res["storm"] = b.hsload(["--mode", "storm", "--clients", a.storm, "--steady", a.steady,
                                 "--steady-pps", 100, "--ping", LAN_HOST], b.cp.pid, "storm")
        res["real_clients"] = b.real_clients()
        if not a.skip_openvpn:
            res["openvpn"] = b.openvpn_server()
        bad = [k for k in ("rate", "first_packet", "storm", "openvpn") if k in res and res[k]["exit"] != 0]
        res["summary"] = summary(res)
        print_summary(res["summary"])
        if bad:
            raise RuntimeError("load runs with failures: %s" % ", ".join(
                "%s (%s)" % (k, res[k].get("first_failure")) for k in bad))
        return res
    finally:
        b.cleanup()


def main():
    a = parse_args()
    if os.geteuid() != 0:
        print("SKIP: bench/controlplane.py needs root")
        return 77
    try:
        res = run(a)
    except (RuntimeError, subprocess.SubprocessError, OSError) as e:
        print("controlplane bench: %s" % e, file=sys.stderr)
        return 1
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
        print("\nJSON: %s" % a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
