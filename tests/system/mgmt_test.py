"""The OpenVPN management interface of dpvpnd, driven as existing tools drive
it, with real openvpn 2.6 clients (test_mgmt.sh sets up namespaces and the
dataplane). Prints PASS/FAIL lines and `N passed, N failed`."""
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgmt_lib as L  # noqa: E402
from mgmt_lib import check, wait_for  # noqa: E402

E = L.Env()
LAN = "10.200.0.2"
MGMT = "management 127.0.0.1 %d" % E.port


def commands(m, srv):
    """Replies of the commands that need no client, byte for byte (fact sheet A3/A4)."""
    help_ = m.multi("help")
    check("help", len(help_) == 50 and help_[0].startswith("Management Interface for OpenVPN 2.6")
          and help_[1] == "Commands:", "(%d lines, first %r)" % (len(help_), help_[:1]))
    v = m.multi("version")
    check("version", len(v) == 2 and re.match(r"^OpenVPN Version: OpenVPN \d+\.\d+\.\d+ ", v[0])
          is not None and v[1] == "Management Version: 5", str(v))
    m.send("version 3")  # 2.6: no reply at all
    check("version N is silent, pid", m.cmd("pid") == "SUCCESS: pid=%d" % srv.p.pid)
    st = m.multi("state")
    f = st[0].split(",") if st else []
    check("state", len(st) == 1 and len(f) == 8 and f[1:5] == ["CONNECTED", "SUCCESS", "10.99.0.1",
          ""], str(st))
    check("load-stats", re.match(r"^SUCCESS: nclients=0,bytesin=\d+,bytesout=\d+$",
          m.cmd("load-stats") or "") is not None)
    table = [
        ("status 7", "ERROR: bad status format version number"),
        ("frobnicate", "ERROR: unknown command, enter 'help' for more options"),
        ("signal", "ERROR: the 'signal' command requires 1 parameter"),
        ("signal SIGFOO", "ERROR: signal 'SIGFOO' is not a known signal type"),
        ("client-deny 1", "ERROR: the 'client-deny' command requires at least 3 parameters"),
        ("kill nobody", "ERROR: common name 'nobody' not found"),
        ("kill 1.2.3.4:99999", "ERROR: port number is out of range: 99999"),
        ("kill 1.2.3.4:5678", "ERROR: client at address 1.2.3.4:5678 not found"),
        ("client-kill 999", "ERROR: client-kill command failed"),
        ("client-kill x", "ERROR: cannot parse CID"),
        ("client-auth-nt 999 1", "ERROR: client-auth command failed"),
        ('echo "abc', 'ERROR: Options error: No closing quotation (") in TCP:0'),
        ("cr-response abc", "ERROR: The 'cr-repsonse' command is not supported by the current "
         "daemon mode"),
        ("username Auth bob", "ERROR: no username is currently needed at this time"),
        ("hold", "SUCCESS: hold=0"),
        ("verb", "SUCCESS: verb=1"),
        ("verb 99", "ERROR: verb level is out of range"),
        ("mute 5", "SUCCESS: mute level changed"),
        ("mute", "SUCCESS: mute=5"),
        ("env-filter 0", "SUCCESS: env_filter_level=0"),
        ("bytecount 0", "SUCCESS: bytecount interval changed"),
        ("forget-passwords", "SUCCESS: Passwords were forgotten"),
        ('signal "SIGUSR2"', "SUCCESS: signal SIGUSR2 thrown"),
    ]
    bad = [(c, want, got) for c, want in table for got in [m.cmd(c)] if got != want]
    check("command replies", not bad, "(%d commands; wrong: %s)" % (len(table), bad))
    m.send("")
    m.send("# a comment")
    check("empty and comment lines answer nothing", m.cmd("pid").startswith("SUCCESS: pid="))
    logs = m.multi("log 3")
    check("log history", len(logs) == 3 and all(re.match(r"^\d+,[IWFD],", l) for l in logs),
          str(logs[-1:]))


def robustness(srv):
    """Over-long lines, garbage, a client that never reads: the daemon and others carry on."""
    m = E.mgmt("s3cret")
    m.send("x" * 5000)
    check("over-long line refused", m.line() == "ERROR: command line too long (1024 bytes max)")
    m.send_raw(bytes(b for b in range(256) if b != 10) * 3 + b"\n")
    got = m.line()
    check("binary garbage answered", got is not None and got.startswith("ERROR:"), repr(got))
    hog = E.mgmt("s3cret")
    hog.send("test 400000")  # ~30 MB of output that is never read
    other = E.mgmt("s3cret")
    t0 = time.time()
    ok = other.cmd("pid") == "SUCCESS: pid=%d" % srv.p.pid
    check("a client that does not read harms nobody", ok and time.time() - t0 < 2,
          "(%.2f s)" % (time.time() - t0))
    dropped = wait_for(lambda: "does not read its output" in srv.text(), 10)
    check("the non-reading client is dropped", dropped)
    bad = L.Mgmt(("127.0.0.1", E.port), greet=False)
    try:
        for i in range(3):
            bad.read_exact(b"ENTER PASSWORD:")
            bad.send("wrong")
            bad.read_exact(b"ERROR: bad password\r\n")
        ok = wait_for(lambda: bad.raw_line(0.5) is None and bad.closed, 5)
    except AssertionError as e:
        ok = False
        print("    " + str(e))
    check("3 bad passwords close the connection", ok)
    m.send("quit")
    check("quit closes silently", m.raw_line(3) is None and m.closed)
    for c in (hog, other, bad):
        c.close()


def traffic_and_status(m, cli, cid):
    """status 2 and 3 byte counters move exactly as the client's own link counters."""
    sock = os.path.join(E.T, "c1.sock")
    # client, server ... server, client: a keepalive between two readings shows as 40 bytes
    r0, w0 = L.client_link_bytes(sock)
    rows0, _ = L.status_rows(m, 2)
    got = L.ping(E.ns_cli, LAN, 100, 0.01, 1200)
    rows2, lines2 = L.status_rows(m, 2)
    rows3, lines3 = L.status_rows(m, 3)
    r1, w1 = L.client_link_bytes(sock)
    row2, row3 = rows2[0] if rows2 else [], rows3[0] if rows3 else []
    hdr = [l.split(",") for l in lines2 if l.startswith("HEADER,CLIENT_LIST")]
    check("status 2 layout", len(hdr) == 1 and len(hdr[0]) == 14 and len(row2) == 13
          and lines2[0].startswith("TITLE,OpenVPN 2.6.14 ") and "GLOBAL_STATS,dco_enabled,0"
          in lines2 and row2[1] == "client1" and row2[3] == L.tun_addr(E.ns_cli)
          and row2[10] == str(cid) and row2[12] == "AES-256-GCM", str(row2))
    check("status 3 is the same with TABs", len(row3) == 13 and row3[1:6] == row2[1:6]
          and any(l.startswith("HEADER\tROUTING_TABLE\t") for l in lines3), str(row3))
    d_rx = int(row2[5]) - int(rows0[0][5]) if rows0 and row2 else -1
    d_tx = int(row2[6]) - int(rows0[0][6]) if rows0 and row2 else -1
    keepalives = ((w1 - w0) - d_rx) % 40 == 0 and 0 <= (w1 - w0) - d_rx <= 80 \
        and ((r1 - r0) - d_tx) % 40 == 0 and 0 <= (r1 - r0) - d_tx <= 80
    check("status bytes = what the client sent and received", got == 100 and d_rx >= 100 * 1252
          and d_tx >= 100 * 1252 and keepalives, "(100 x 1228-byte pings: %d received; server rx "
          "%d tx %d, client wrote %d read %d; differences can only be 40-byte keepalives sent "
          "between two readings)" % (got, d_rx, d_tx, w1 - w0, r1 - r0))
    return row2


def timed_events(m, regex, n, timeout):
    """The next n notifications matching regex, each with the time it arrived."""
    r, got, end = re.compile(regex), [], time.time() + timeout
    m.events.clear()  # older lines came before the command
    while len(got) < n and time.time() < end:
        line = m.raw_line(max(0.05, end - time.time()))
        if line is not None and r.search(line):
            got.append((time.time(), line))
    return got


def bytecount(m, cid):
    """bytecount 2: a report for the moving client every 2 s, with its link counters."""
    sock = os.path.join(E.T, "c1.sock")
    m.cmd("bytecount 2")
    # traffic keeps flowing while we wait: a report names clients whose counters moved
    pinger = threading.Thread(target=L.ping, args=(E.ns_cli, LAN, 40, 0.2))
    pinger.start()
    ev = timed_events(m, r"^>BYTECOUNT_CLI:%d,\d+,\d+$" % cid, 2, 8)
    m.cmd("bytecount 0")
    pinger.join()  # nothing in flight while the counters are read
    rows, _ = L.status_rows(m, 2)
    r1, w1 = L.client_link_bytes(sock)
    check("bytecount 2 -> >BYTECOUNT_CLI", len(ev) == 2, repr(ev))
    if len(ev) < 2:
        return
    gap = ev[1][0] - ev[0][0]
    (i0, o0), (i1, o1) = [tuple(int(x) for x in e.split(",")[1:]) for _, e in ev]
    row = [r for r in rows if r[10] == str(cid)]
    rx, tx = (int(row[0][5]), int(row[0][6])) if row else (-1, -1)
    check("bytecount 2: reports 2 s apart", 1.5 <= gap <= 3.5, "(%.2f s)" % gap)
    # in = from the client (<= what it wrote), out = to it (<= what it read); later
    # readings (status, the client's own counters) can only be higher
    check("bytecount values follow the client's counters", i0 < i1 <= rx <= w1
          and o0 < o1 <= tx <= r1 and i1 - i0 >= 5 * 84 and o1 - o0 >= 5 * 84,
          "(in %d -> %d, status %d, client wrote %d; out %d -> %d, status %d, client read %d)"
          % (i0, i1, rx, w1, o0, o1, tx, r1))


def status_file(m):
    """--status FILE (version 2) has the same layout as `status 2`, lines ending in a bare LF."""
    path = os.path.join(E.T, "status.txt")
    wait_for(lambda: os.path.exists(path), 3)
    time.sleep(1.2)
    with open(path, "rb") as f:
        raw = f.read()
    flines = raw.decode().split("\n")[:-1]
    _, mlines = L.status_rows(m, 2)
    heads = lambda ls: [l for l in ls if l.startswith("HEADER,") or l.startswith("GLOBAL_STATS,")]
    check("status file layout", flines[-1:] == ["END"] and heads(flines) == heads(mlines)
          and [l.split(",")[:4] for l in flines if l.startswith("CLIENT_LIST,")]
          == [l.split(",")[:4] for l in mlines if l.startswith("CLIENT_LIST,")],
          "(%d lines)" % len(flines))
    # A5: over management `\r\n`, in a --status file `\n`
    check("status file lines end in LF, no CR", raw.endswith(b"\nEND\n") and b"\r" not in raw
          and raw.count(b"\n") == len(flines) >= 7, repr(raw[-12:]))


def signals(m, srv):
    """SIGHUP: a new push applies to the next client; a fixed setting is reported by name."""
    with open(srv.conf, "a") as f:
        f.write('push "route 10.252.0.0 255.255.255.0"\nmax-clients 100\n')
    m.cmd("state on")
    ok = m.cmd("signal SIGHUP") == "SUCCESS: signal SIGHUP thrown"
    a = m.wait_event(r"^>STATE:\d+,RECONNECTING,SIGHUP,,,,,$", 5)
    b = m.wait_event(r"^>STATE:\d+,CONNECTED,SUCCESS,10\.99\.0\.1,,,,$", 5)
    check("signal SIGHUP reloads", ok and a and b and "reload: 'max-clients' changed: not "
          "applied, needs a restart" in srv.text())
    m.cmd("state off")


def cids_by_cn(m):
    """{common name: (CID, real address)} of the `status 2` rows."""
    rows, _ = L.status_rows(m, 2)
    return {r[1]: (int(r[10]), r[2]) for r in rows}


def cid_of(rows, cn):
    return rows.get(cn, (-1, ""))[0]


def start_client2(m, name):
    """client2 from the second namespace, once ESTABLISHED: (process, CID)."""
    cli2 = E.client(name, E.ns_cli2, "client2")
    h, env, _ = m.client_block(r"^>CLIENT:ESTABLISHED,\d+$", 30)
    ok = h is not None and env.get("common_name") == "client2" and L.connected(cli2)
    return cli2, int(h.split(",")[1]) if ok else -1


def kills(m, cli, cid):
    """Each kill ends its client only: the other one keeps its row, CID and tunnel.
    client-kill makes client1 come back (new CID); after `kill` a client stays
    down until its keepalive runs out, so client2 is restarted for the last kill."""
    cli2, cid2 = start_client2(m, "client2")
    routes = L.subprocess.run(["ip", "-n", E.ns_cli2, "route"], capture_output=True,
                              text=True).stdout
    check("a push added by SIGHUP reaches new clients", cid2 >= 0 and "10.252.0.0/24" in routes)
    got = m.cmd("client-kill %d" % cid)
    h, env, _ = m.client_block(r"^>CLIENT:ESTABLISHED,\d+$", 30)
    new = int(h.split(",")[1]) if h and env.get("common_name") == "client1" else -1
    after = cids_by_cn(m)
    check("client-kill", got == "SUCCESS: client-kill command succeeded")
    check("killed client reconnects with a new CID, the other stays", new > cid
          and "server-pushed-connection-reset" in cli.text() and cid_of(after, "client1") == new
          and cid_of(after, "client2") == cid2 and L.ping(E.ns_cli2, LAN) == 5,
          "(CID %d -> %d; rows %s)" % (cid, new, after))
    got = m.cmd("kill client2")
    after = cids_by_cn(m)
    check("kill CN: only that client goes", got == "SUCCESS: common name 'client2' found, "
          "1 client(s) killed" and "client2" not in after and cid_of(after, "client1") == new
          and L.ping(E.ns_cli, LAN) == 5, "(%s; rows %s)" % (got, after))
    cli2.stop()
    cli2, cid2 = start_client2(m, "client2b")
    addr = cids_by_cn(m).get("client1", (-1, "?"))[1]
    got = m.cmd("kill %s" % addr)
    after = cids_by_cn(m)
    check("kill IP:port: only that client goes", got == "SUCCESS: 1 client(s) at address %s "
          "killed" % addr and "client1" not in after and cid2 >= 0
          and cid_of(after, "client2") == cid2 and L.ping(E.ns_cli2, LAN) == 5,
          "(%s; rows %s)" % (got, after))
    cli2.stop()


def scenario_commands():
    with open(os.path.join(E.T, "mgmt.pw"), "w") as f:
        f.write("s3cret\n")
    srv = E.server("srv-mgmt", "%s %s\nstatus %s 1\nstatus-version 2" % (
        MGMT, os.path.join(E.T, "mgmt.pw"), os.path.join(E.T, "status.txt")))
    m = E.mgmt("s3cret")
    check("password and greeting", m.greeting == ">INFO:OpenVPN Management Interface Version 5 "
          "-- type 'help' for more info", m.greeting)
    check("no cleartext warning on loopback", "management interface on 127.0.0.1" in srv.text()
          and "non-loopback" not in srv.text())
    commands(m, srv)
    m.cmd("log on")
    cli = E.client("client1", E.ns_cli, "client", "management %s unix" %
                   os.path.join(E.T, "c1.sock"))
    log = m.wait_event(r"^>LOG:\d+,I,session \d+ key 0: control channel", 30)
    h, env, lines = m.client_block(r"^>CLIENT:ESTABLISHED,\d+$", 30)
    cid = int(h.split(",")[1]) if h else -1
    check("real-time >LOG", log is not None, repr(log))
    check("ESTABLISHED without client-auth", L.connected(cli) and lines[:1] == ["n_clients=1"]
          and env.get("common_name") == "client1" and env.get("trusted_ip") == "198.18.0.2"
          and env.get("ifconfig_pool_remote_ip") == L.tun_addr(E.ns_cli)
          and env.get("IV_VER", "").startswith("2.6") and env.get("X509_0_CN") == "client1",
          "(CID %d, %d ENV lines)" % (cid, len(lines)))
    L.check_env_order("ESTABLISHED ENV in OpenVPN's order", "ESTABLISHED", lines, user=False)
    m.cmd("log off")
    traffic_and_status(m, cli, cid)
    bytecount(m, cid)
    status_file(m)
    signals(m, srv)
    check("tunnel survives SIGHUP", L.ping(E.ns_cli, LAN) == 5)
    kills(m, cli, cid)
    robustness(srv)
    cli.stop()
    m.close()
    srv.stop()


def scenario_non_loopback():
    """management 0.0.0.0 PORT: served, with the cleartext warning (the loopback
    server of scenario commands must not have logged it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = E.server("srv-any", "management 0.0.0.0 %d" % port)
    up = wait_for(lambda: "management interface on 0.0.0.0:%d" % port in srv.text(), 10)
    m = L.Mgmt(("127.0.0.1", port)) if up else None
    warn = ("management 0.0.0.0 %d: listening on a non-loopback address; the management "
            "protocol is cleartext (use 127.0.0.1 or a unix socket)" % port)
    check("non-loopback management address: served, with a warning", up and warn in srv.text()
          and m.greeting.startswith(">INFO:OpenVPN Management Interface"), "(port %d)" % port)
    if m:
        m.close()
    srv.stop()


def main():
    only = os.environ.get("DPT_ONLY", "")
    for name, fn in [("commands", scenario_commands), ("client_auth", scenario_client_auth),
                     ("unix_hold", scenario_unix_hold), ("unix_group", scenario_unix_group),
                     ("non_loopback", scenario_non_loopback)]:
        if not only or only == name:
            print("== scenario %s" % name, flush=True)
            try:
                fn()
            except Exception as e:  # a broken scenario is a failure, not a crash of the test
                check("scenario %s ran to the end" % name, False, repr(e))
    print("%d passed, %d failed" % (L.PASS, L.FAIL))
    return 1 if L.FAIL else 0


from mgmt_auth import scenario_client_auth  # noqa: E402
from mgmt_hold import scenario_unix_group, scenario_unix_hold  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
