#!/usr/bin/python3
"""Stock OpenVPN 2.6's server cost per forwarded packet (step O of docs/benchmarks.md).

  bench/openvpn_baseline.py [--json FILE] [--quick] [--sizes 64,512,1420,imix] [--cipher AES-256-GCM]
                            [--seconds N] [--tsc-hz HZ] [--build DIR]

Debian's openvpn as server (namespace ovb-srv-*, pinned to CPU 1, --disable-dco) and client
(ovb-cli-*, CPU 0), a LAN host (ovb-lan-*). dpvpn-udp-blast (CPU 0) sends inner packets of each
size: client -> LAN (the server decrypts) and LAN -> client (the server encrypts). Server cycles
per forwarded packet = its utime+stime from /proc x TSC rate / packets that arrived; also with
CPU 1's softirq time (the kernel's share of its sockets and tun) added. Cleans up what it made."""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from benchlib import proc_cpu_s, sh, wait_log

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKI = os.path.join(ROOT, "tests", "data", "pki")
TAG = "%d" % os.getpid()
NS = {"cli": "ovb-cli-" + TAG, "srv": "ovb-srv-" + TAG, "lan": "ovb-lan-" + TAG}


def topology():
    for n in NS.values():
        sh("ip", "netns", "add", n)
    sh("ip", "link", "add", "ovbc" + TAG, "netns", NS["cli"], "type", "veth", "peer", "ovbs" + TAG,
       "netns", NS["srv"])
    sh("ip", "link", "add", "ovbl" + TAG, "netns", NS["lan"], "type", "veth", "peer", "ovbi" + TAG,
       "netns", NS["srv"])
    for ns, dev, addr in ((NS["cli"], "ovbc", "198.19.0.2/24"), (NS["srv"], "ovbs", "198.19.0.1/24"),
                          (NS["srv"], "ovbi", "10.201.0.1/24"), (NS["lan"], "ovbl", "10.201.0.2/24")):
        sh("ip", "addr", "add", addr, "dev", dev + TAG, ns=ns)
        sh("ip", "link", "set", dev + TAG, "up", ns=ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
    sh("ip", "route", "add", "10.98.0.0/24", "via", "10.201.0.1", ns=NS["lan"])
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=NS["srv"])


def configs(tmp, cipher):
    key = os.path.join(tmp, "tc.key")
    sh("openvpn", "--genkey", "secret", key)
    common = ("dev tun\nproto udp\ndata-ciphers %s\ndisable-dco\ntls-crypt %s\nca %s/ca.crt\nverb 1\n"
              % (cipher, key, PKI))
    srv = os.path.join(tmp, "server.conf")
    with open(srv, "w") as f:
        f.write(common + "port 1194\nserver 10.98.0.0 255.255.255.0\ntopology subnet\ndh none\n"
                "cert %s/server.crt\nkey %s/server.key\npush \"route 10.201.0.0 255.255.255.0\"\n"
                "keepalive 10 60\n" % (PKI, PKI))
    cli = os.path.join(tmp, "client.conf")
    with open(cli, "w") as f:
        f.write(common + "client\nnobind\nremote 198.19.0.1 1194\ncert %s/client.crt\nkey %s/client.key\n"
                % (PKI, PKI))
    return srv, cli


def start_openvpn(ns, cpu, conf, log):
    return subprocess.Popen(["ip", "netns", "exec", ns, "taskset", "-c", cpu, "openvpn", "--config", conf],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)


def softirq_s(cpu):
    for line in open("/proc/stat"):
        if line.startswith("cpu%s " % cpu):
            return int(line.split()[7]) / os.sysconf("SC_CLK_TCK")
    return 0.0


def rx_packets(ns, dev):
    return int(sh("cat", "/sys/class/net/%s/statistics/rx_packets" % dev, ns=ns).stdout)


def server_pid(name_ns):
    out = sh("ip", "netns", "pids", name_ns).stdout.split()
    for pid in out:
        if open("/proc/%s/comm" % pid).read().strip() == "openvpn":
            return int(pid)
    raise RuntimeError("no openvpn in " + name_ns)


def measure(a, blast, direction, size, client_ip, spid, tsc_hz):
    if direction == "decrypt":
        src_ns, dst, rx_ns, rx_dev = NS["cli"], "10.201.0.2", NS["lan"], "ovbl" + TAG
    else:
        src_ns, dst, rx_ns, rx_dev = NS["lan"], client_ip, NS["cli"], "tun0"
    r0, c0, s0 = rx_packets(rx_ns, rx_dev), proc_cpu_s(spid), softirq_s(1)
    p = sh("taskset", "-c", "0", blast, dst, "9", str(size), str(a.seconds), ns=src_ns)
    time.sleep(0.3)		# in flight
    r1, c1, s1 = rx_packets(rx_ns, rx_dev), proc_cpu_s(spid), softirq_s(1)
    sent, got = int(p.stdout.strip() or 0), r1 - r0
    cpp = (c1 - c0) * tsc_hz / got if got else None
    return {"dir": direction, "size": size, "sent": sent, "received": got,
            "pps": got / a.seconds, "loss": 1 - got / sent if sent else None,
            "server_cpu_s": c1 - c0, "softirq_cpu1_s": s1 - s0, "cycles_per_packet": cpp,
            "cycles_per_packet_with_softirq": (c1 - c0 + s1 - s0) * tsc_hz / got if got else None}


def tsc_rate(a):
    if a.tsc_hz:
        return a.tsc_hz, "given"
    # Measured against CLOCK_MONOTONIC_RAW: /proc/cpuinfo's "cpu MHz" is the
    # core clock of the moment, not the TSC rate the other figures use.
    tool = os.path.join(a.build, "bench", "dpvpn-tsc-hz")
    out = subprocess.run([tool], capture_output=True, text=True, check=True).stdout
    return float(out.strip()), "dpvpn-tsc-hz"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--json")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", default="64,512,1420,imix")
    ap.add_argument("--cipher", default="AES-256-GCM")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--tsc-hz", type=float)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = ap.parse_args()
    if a.quick:
        a.seconds = 1.0
    blast = os.path.join(a.build, "bench", "dpvpn-udp-blast")
    if os.geteuid() != 0 or not os.access(blast, os.X_OK):
        print("SKIP: needs root and %s" % blast)
        return 77
    tsc_hz, tsc_src = tsc_rate(a)
    tmp = tempfile.mkdtemp(prefix="ovb.")
    procs = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        topology()
        srv_conf, cli_conf = configs(tmp, a.cipher)
        procs.append(start_openvpn(NS["srv"], "1", srv_conf, os.path.join(tmp, "server.log")))
        time.sleep(0.5)
        procs.append(start_openvpn(NS["cli"], "0", cli_conf, os.path.join(tmp, "client.log")))
        if not wait_log(os.path.join(tmp, "client.log"), "Initialization Sequence Completed", 30):
            for n in ("server.log", "client.log"):
                sys.stderr.write(n + ":\n" + open(os.path.join(tmp, n)).read()[-1500:])
            raise RuntimeError("the openvpn client did not connect")
        client_ip = re.search(r"inet (\S+)/", sh("ip", "-4", "-o", "addr", "show", "dev", "tun0",
                                                 ns=NS["cli"]).stdout).group(1)
        spid = server_pid(NS["srv"])
        results = []
        for size in a.sizes.split(","):
            for direction in ("decrypt", "encrypt"):
                r = measure(a, blast, direction, size if size == "imix" else int(size), client_ip, spid, tsc_hz)
                results.append(r)
                print("openvpn %-7s %5s: %8.0f pps forwarded, loss %5.1f%%, server %s cycles/packet "
                      "(%s with CPU 1 softirq)" % (direction, size, r["pps"], 100 * (r["loss"] or 0),
                                                   "%.0f" % r["cycles_per_packet"] if r["cycles_per_packet"] else "-",
                                                   "%.0f" % r["cycles_per_packet_with_softirq"]
                                                   if r["cycles_per_packet_with_softirq"] else "-"), flush=True)
        out = {"tool": "openvpn", "version": sh("openvpn", "--version", check=False).stdout.splitlines()[0],
               "cipher": a.cipher, "tsc_hz": tsc_hz, "tsc_source": tsc_src, "seconds": a.seconds,
               "results": results}
        if a.json:
            with open(a.json, "w") as f:
                json.dump(out, f, indent=1)
        return 0
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        for n in NS.values():
            sh("ip", "netns", "del", n, check=False)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
