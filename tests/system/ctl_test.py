"""dpvpnctl against dpvpnd with real openvpn 2.6 clients (test_ctl.sh builds
the namespaces and the dataplane): every command in text and JSON, occtl's
key types, exit codes, interactive mode on a pseudo-terminal, show events,
and bad input on the control socket. Prints `N passed, N failed`."""
import grp
import json
import os
import pty
import re
import select
import signal
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgmt_lib as L  # noqa: E402
from mgmt_lib import check, wait_for  # noqa: E402

E = L.Env()
CTL = os.environ.get("CTL_BIN")
SOCK = os.path.join(E.T, "ctl.sock")
LAN = "10.200.0.2"
IROUTE = "10.250.0.0/24"  # client1's, from its client-config-dir file


def ctl(*args, json_out=False):
    argv = [CTL, "-s", SOCK] + (["-j"] if json_out else []) + list(args)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    return p.returncode, p.stdout, p.stderr


def ctl_json(*args):
    rc, out, err = ctl(*args, json_out=True)
    try:
        return rc, json.loads(out)
    except ValueError:
        return rc, ("INVALID JSON", out, err)


def user_keys_ok(u):
    """occtl -j types (B5.2): ints, strings of digits, lists."""
    return (isinstance(u.get("ID"), int) and isinstance(u.get("raw_connected_at"), int)
            and all(isinstance(u.get(k), str) and u[k].isdigit()
                    for k in ("MTU", "RX", "TX", "DPD", "KeepAlive"))
            and all(isinstance(u.get(k), list) for k in ("DNS", "Routes", "iRoutes"))
            and u.get("Restricted to routes") == "False" and isinstance(u.get("_RX"), str))


def session_keys_ok(s):
    """occtl -j types of a session (B5.4): 6- and 28-character ids, 0/1 integers."""
    return (len(s.get("Session", "")) == 6 and len(s.get("Full session", "")) == 28
            and s["Full session"].startswith(s["Session"])
            and all(isinstance(s.get(k), str) for k in ("Created", "State", "Username",
                                                           "Remote IP", "vhost"))
            and all(s.get(k) in (0, 1) and type(s.get(k)) is int
                    for k in ("session_is_open", "tls_auth_ok", "in_use")))


def one_user_json(what, *args, name="client1", cid=None):
    """show user NAME / show id ID -j: one user object with occtl's keys and types."""
    rc, js = ctl_json(*args)
    u = js[0] if isinstance(js, list) and len(js) == 1 and isinstance(js[0], dict) else {}
    check(what, rc == 0 and user_keys_ok(u) and u.get("Username") == name
          and (cid is None or u.get("ID") == cid) and u.get("iRoutes") == [IROUTE],
          json.dumps(js)[:300])
    return u


def users_and_counters(cli):
    sock = os.path.join(E.T, "c1.sock")
    rc, users0 = ctl_json("show", "users")
    r0, w0 = L.client_link_bytes(sock)
    got = L.ping(E.ns_cli, LAN, 50, 0.01, 1000)
    r1, w1 = L.client_link_bytes(sock)
    rc, users = ctl_json("show", "users")
    u = users[0] if isinstance(users, list) and users else {}
    u0 = users0[0] if isinstance(users0, list) and users0 else {}
    check("show users -j: occtl keys and types", rc == 0 and len(users) == 1 and user_keys_ok(u)
          and u.get("Username") == "client1" and u.get("IPv4") == L.tun_addr(E.ns_cli)
          and u.get("Remote IP") == "198.18.0.2", json.dumps(u)[:300])
    d_rx = int(u.get("RX", 0)) - int(u0.get("RX", 0))
    d_tx = int(u.get("TX", 0)) - int(u0.get("TX", 0))
    keepalive = lambda a, b: 0 <= a - b <= 80 and (a - b) % 40 == 0
    check("RX/TX agree with what the client transferred", got == 50 and d_rx >= 50 * 1052
          and keepalive(w1 - w0, d_rx) and keepalive(r1 - r0, d_tx),
          "(server RX +%d TX +%d, client wrote %d read %d; only 40-byte keepalives may differ)"
          % (d_rx, d_tx, w1 - w0, r1 - r0))
    rc, out, _ = ctl("show", "users")
    lines = out.splitlines()
    check("show users text", rc == 0 and len(lines) == 2 and lines[0].split() == [
        "id", "user", "vhost", "ip", "vpn-ip", "device", "since", "dtls-cipher", "status"]
        and "client1" in lines[1] and lines[1].rstrip().endswith("connected"), out)
    return u


def detail_commands(u):
    cid = u.get("ID", -1)
    rc, out, _ = ctl("show", "user", "client1")
    check("show user NAME", rc == 0 and "\tID: %d\n" % cid in out and "\tUsername: client1" in out,
          out[:200])
    rc, out, _ = ctl("show", "id", str(cid))
    check("show id ID", rc == 0 and "\tIPv4: %s" % u.get("IPv4") in out)
    one_user_json("show user NAME -j", "show", "user", "client1", cid=cid)
    one_user_json("show id ID -j", "show", "id", str(cid), cid=cid)
    rc, out, _ = ctl("show", "user", "nobody")
    check("show user: unknown -> exit 2", rc == 2 and out == "user or ID not found\n", out)
    rc, js = ctl_json("show", "id", "999")
    check("show id -j: unknown -> [] and exit 2", rc == 2 and js == [], str(js))
    rc, st = ctl_json("show", "status")
    check("show status -j", rc == 0 and st.get("Status") == "online"
          and st.get("Active sessions") == 1 and isinstance(st.get("raw_up_since"), int)
          and isinstance(st.get("Server PID"), int), json.dumps(st)[:200])
    rc, out, _ = ctl("show", "status")
    check("show status text", rc == 0 and "\tStatus: online\n" in out
          and "\tActive sessions: 1\n" in out)
    rc, dps = ctl_json("show", "dataplanes")
    d = dps[0] if isinstance(dps, list) and len(dps) == 1 else {}
    ports = d.get("ports") if isinstance(d.get("ports"), list) else []
    check("show dataplanes -j: versions, sessions, IPC schema, each port's link", rc == 0
          and re.fullmatch(r"\d+\.\d+\.\d+", str(d.get("version"))) is not None
          and str(d.get("dpdk_version")).startswith("DPDK ") and str(d.get("crypto")).startswith("ipsec-mb ")
          and d.get("connected") is True and d.get("sessions") == 1 and d.get("ipc_schema") == 1
          and sorted(p.get("role") for p in ports) == ["inside", "outside"]
          and all(p.get("link_up") is True and p.get("name", "").startswith("net_af_packet")
                  and type(p.get("link_full_duplex")) is bool for p in ports), str(dps))
    rc, out, _ = ctl("show", "dataplanes")
    lines = out.splitlines()
    check("show dataplanes text", rc == 0 and len(lines) == 2
          and lines[0].split()[-3:] == ["synced", "schema", "links"] and lines[0].split()[2] == "version"
          and lines[1].split()[2] == d.get("version")
          and lines[1].split()[-3:] == ["yes", "1", "outside:up,inside:up"], out)
    rc, ir = ctl_json("show", "iroutes")
    r0 = ir[0] if isinstance(ir, list) and len(ir) == 1 and isinstance(ir[0], dict) else {}
    check("show iroutes -j", rc == 0 and r0.get("ID") == cid and r0.get("Username") == "client1"
          and r0.get("IP") == u.get("IPv4") and r0.get("iRoutes") == [IROUTE], str(ir))
    rc, out, _ = ctl("show", "iroutes")
    lines = out.splitlines()
    check("show iroutes text", rc == 0 and len(lines) == 2 and lines[0].split() == [
        "id", "user", "vhost", "device", "vpn-ip", "iroute"]
        and lines[1].split() == [str(cid), "client1", "default", u.get("Device"), u.get("IPv4"),
                                 IROUTE], out)


def exit_codes():
    rc, out, err = ctl("frobnicate")
    check("unknown command: exit 1", rc == 1 and "unknown command: frobnicate" in err, err)
    rc, out, _ = ctl("show", "user")
    check("missing argument: the help line, exit 1", rc == 1 and "show user [NAME]" in out, out)
    rc, out, _ = ctl("SHOW", "USERS")
    check("commands are case-insensitive", rc == 0 and "client1" in out)
    rc, out, err = ctl("disconnect", "user", "nobody")
    check("disconnect of nobody: exit 1", rc == 1 and "could not disconnect user 'nobody'" in err)
    p = subprocess.run([CTL, "-s", "/nonexistent.sock", "show", "users"], capture_output=True,
                       text=True)
    check("no server: exit 1", p.returncode == 1 and "error connecting" in p.stderr, p.stderr)
    p = subprocess.run([CTL, "-h"], capture_output=True, text=True)
    check("-h: usage", p.returncode == 0 and p.stdout.startswith("dpvpnctl: [OPTIONS...]"))
    p = subprocess.run([CTL, "-v"], capture_output=True, text=True)
    check("-v: the version banner on stderr, exit 0", p.returncode == 0 and p.stdout == ""
          and re.match(r"dpvpn server control \(dpvpnctl\) version \S+\n", p.stderr)
          and "For help type ? or 'help'" in p.stderr, repr((p.stdout, p.stderr)))


def interactive(cid):
    """The prompt through a pseudo-terminal: a command, help, TAB completion of commands,
    names and IDs, history, exit."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(CTL, [CTL, "-s", SOCK, "-n"])
    out = b""

    def read_until(pat, timeout=10):
        nonlocal out
        end = time.time() + timeout
        while time.time() < end:
            if re.search(pat, out):
                return True
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
        return re.search(pat, out) is not None

    ok = read_until(rb"> ")
    os.write(fd, b"show users\r")
    ok_users = read_until(rb"client1.*connected")
    os.write(fd, b"help\r")
    ok_help = read_until(rb"Available Commands")
    out = b""
    os.write(fd, b"show dat\t\r")  # completes to "show dataplanes"
    ok_tab = read_until(rb"boot-id")
    check("interactive: prompt, command, help, TAB completion", ok and ok_users and ok_help
          and ok_tab, repr(out[-200:]))
    out = b""
    os.write(fd, b"show user cl\t\r")  # the name, from the `show users` reply above
    ok_name = read_until(rb"\tUsername: client1 ")
    out = b""
    os.write(fd, b"\x1b[A\r")  # up-arrow: the last line again
    ok_hist = read_until(rb"\tUsername: client1 ")
    check("interactive: TAB completes a user name; up-arrow recalls the last command",
          ok_name and ok_hist, "(name %s, history %s) %r" % (ok_name, ok_hist, out[:300]))
    out = b""
    os.write(fd, b"show id \t\r")  # the only ID seen so far
    ok_id = read_until(rb"\tID: %d\r\n" % cid)
    check("interactive: TAB completes an ID", ok_id, repr(out[-300:]))
    os.write(fd, b"exit\r")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    check("interactive: exit", os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, str(status))


def json_texts(text):
    """The JSON texts of a stream that holds several, one after the other."""
    dec, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        v, i = dec.raw_decode(text, i)
        out.append(v)


def events_json(out, rc):
    """show events -j: the users array, the Press line, then one user object per event."""
    head, sep, tail = out.partition("\nPress 'q' or CTRL+C to quit\n\n")
    try:
        first, evs = json.loads(head), json_texts(tail)
    except ValueError as e:
        first, evs = None, [repr(e)]
    c2 = [e for e in evs if isinstance(e, dict) and e.get("Username") == "client2"]
    check("show events -j: the users, then a user object per connect and disconnect",
          rc == 0 and sep and isinstance(first, list) and len(first) == 1
          and user_keys_ok(first[0]) and len(c2) == 2 and all(user_keys_ok(e) for e in c2)
          and c2[0].get("ID") == c2[1].get("ID") and c2[0].get("Remote IP") == "198.18.0.3",
          out[-400:])


def events(srv):
    """show events: the list, then a line as a client connects and as it leaves."""
    p = subprocess.Popen([CTL, "-s", SOCK, "show", "events"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    pj = subprocess.Popen([CTL, "-s", SOCK, "-j", "show", "events"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    cli2 = E.client("client2", E.ns_cli2, "client2", "explicit-exit-notify 1")
    L.connected(cli2)
    time.sleep(0.5)
    cli2.stop()
    time.sleep(6.5)  # EXIT: the record lingers 5 s for the last acknowledgements
    p.send_signal(signal.SIGINT)
    pj.send_signal(signal.SIGINT)
    out = p.communicate(timeout=10)[0]
    events_json(pj.communicate(timeout=10)[0], pj.returncode)
    con = re.search(r"default: connected user 'client2' \((\d+)\) from 198\.18\.0\.3 with IP "
                    r"10\.99\.0\.\d+", out)
    dis = re.search(r"default: disconnect user 'client2' \(\d+\) from 198\.18\.0\.3 with IP "
                    r"10\.99\.0\.\d+ \(reason: [^,]+, time: ", out)
    check("show events: connect and disconnect as they happen", con and dis
          and "Press 'q' or CTRL+C to quit" in out and p.returncode == 0, out[-400:])


def disconnect(u, cli):
    cid = u.get("ID", -1)
    rc, out, _ = ctl("disconnect", "id", str(cid))
    ok = rc == 0 and out == "connection ID '%d' was disconnected\n" % cid
    back = wait_for(lambda: [x for x in (ctl_json("show", "users")[1] or [])
                             if isinstance(x, dict) and x.get("ID", cid) > cid
                             and x.get("Username") == "client1"], 30)
    check("disconnect id: the client may come back at once", ok and back, out)
    rc, out, err = ctl("disconnect", "user", "client1")
    check("disconnect user", rc == 0 and out == "user 'client1' was disconnected\n",
          repr((rc, out, err)))
    wait_for(lambda: L.connected(cli, 1) and ctl_json("show", "users")[1], 30)


def bad_input(srv):
    """Garbage, oversized, truncated requests and a vanishing client harm nothing."""
    def raw(data, read=True):
        s = socket.socket(socket.AF_UNIX)
        s.connect(SOCK)
        s.sendall(data)
        if not read:
            s.close()
            return b""
        s.settimeout(5)
        d = b""
        try:
            while True:
                x = s.recv(65536)
                if not x:
                    break
                d += x
        except (socket.timeout, ConnectionResetError):
            pass
        s.close()
        return d
    g = raw(b"\x00\xff garbage\n")
    big = raw(b"{" + b"x" * 20000 + b"\n")
    raw(b'{"cmd": "show us', read=False)
    s = socket.socket(socket.AF_UNIX)
    s.connect(SOCK)
    s.sendall(b'{"cmd":"show events"}\n')
    s.close()
    s = socket.socket(socket.AF_UNIX)  # socat-style: send, shut down the sending side, read
    s.connect(SOCK)
    s.sendall(b'{"cmd":"show users"}')
    s.shutdown(socket.SHUT_WR)
    s.settimeout(5)
    half = b""
    try:
        while True:
            x = s.recv(65536)
            if not x:
                break
            half += x
    except socket.timeout:
        pass
    s.close()
    check("a half-closed request still gets its reply", half.startswith(b'{"ok":true,"users":'),
          repr(half[:60]))
    rc, st = ctl_json("show", "status")
    check("bad requests are refused, the daemon carries on", b'"ok":false' in g
          and b"too long" in big and rc == 0 and st.get("Status") == "online",
          repr((g[:80], big[:80])))


def ival7(t):
    """occtl's print_time_ival7."""
    if t >= 48 * 3600:
        return "%2ddays" % (t // 86400)
    if t >= 3600:
        return "%2dh:%02dm" % (t // 3600, t // 60 % 60)
    if t > 60:
        return "%2dm:%02ds" % (t // 60, t % 60)
    return "%5ds" % t


def status_period():
    """show status -j: occtl's current-period keys, counted by dpvpnd (three clients have
    come and gone: client2 said EXIT, client1 was disconnected twice)."""
    rc, st = ctl_json("show", "status")
    counts = ("Sessions handled", "Timed out sessions", "Timed out (idle) sessions",
              "Closed due to error sessions", "Authentication failures")
    times = ("Average auth time", "Max auth time", "Average session time", "Max session time")
    raw = lambda k: st.get("raw_" + k.lower().replace("average", "avg").replace(" ", "_"))
    typed = isinstance(st, dict) and all(type(st.get(k)) is int for k in counts) \
        and all(type(raw(k)) is int and st.get(k) == ival7(raw(k)) for k in times)
    check("show status -j: occtl's period keys, with dpvpnd's counts and times", rc == 0
          and typed and st["Sessions handled"] >= 3 and st["Timed out sessions"] == 0
          and st["Timed out (idle) sessions"] == 0 and st["Closed due to error sessions"] == 0
          and 0 <= st["raw_max_auth_time"] <= 10 and st["raw_max_session_time"] >= 5
          and st["raw_avg_session_time"] <= st["raw_max_session_time"],
          json.dumps(st)[:900])
    rc, out, _ = ctl("show", "status")
    check("show status text: the period lines", rc == 0 and all(
        "\t%s: %d\n" % (k, st.get(k, -1)) in out for k in counts) and all(
        "\t%s: %s\n" % (k, st.get(k)) in out for k in times), out)


def reload_and_stop(srv, cli):
    rc, out, _ = ctl("reload")
    check("reload", rc == 0 and out == "Server scheduled to reload\n"
          and wait_for(lambda: "reload" in srv.text().lower(), 5), out)
    up = L.connected(cli, 20)
    before = cli.text().count("server-pushed-connection-reset")
    rc, out, _ = ctl("stop", "now")
    gone = wait_for(lambda: srv.p.poll() is not None, 10)
    # explicit-exit-notify 1: the client is told (RESTART) rather than left to time out
    told = wait_for(lambda: cli.text().count("server-pushed-connection-reset") > before, 5)
    check("stop now: dpvpnd exits, the client is told", rc == 0 and out == "Server scheduled to stop\n"
          and gone and up and told, "%s(exited %s, client told %s)" % (out, gone, told))


def stats():
    """show stats: the dataplane's own counters through dpvpnd agree with its telemetry."""
    got = L.ping(E.ns_cli, LAN, 20, 0.01, 500)
    rc, js = ctl_json("show", "stats")
    dps = js.get("dataplanes") if isinstance(js, dict) else None
    d = dps[0] if isinstance(dps, list) and len(dps) == 1 else {}
    st, lcores, ports = d.get("stats", {}), d.get("lcores", {}), d.get("ports", [])
    tel = L.dp_counter(E.prefix, "/dpvpn/stats", "decrypted")
    check("show stats -j: totals", rc == 0 and got == 20 and d.get("complete") is True
          and d.get("connected") is True and st.get("sessions") == 1
          and st.get("decrypted", 0) >= 20 and 0 <= tel - st["decrypted"] <= 4
          and st.get("tsc_hz", 0) > 0 and st.get("cycles_per_packet", 0) > 0,
          "(decrypted %s, telemetry %d; %s)" % (st.get("decrypted"), tel, json.dumps(st)[:300]))
    check("show stats -j: every drop reason",
          "banned" in d.get("drops", {}) and "auth_fail" in d["drops"]
          and all(isinstance(v, int) for v in d["drops"].values()), json.dumps(d.get("drops"))[:200])
    check("show stats -j: ports and lcores",
          sorted(p.get("role") for p in ports) == ["inside", "outside"]
          and all(p.get("name", "").startswith("net_af_packet") and p.get("ipackets", 0) > 0
                  and p.get("link_up") == 1 for p in ports)
          and lcores and all(isinstance(v.get("cycles_per_packet"), int) and v.get("role")
                             for v in lcores.values()),
          json.dumps({"ports": ports, "lcores": lcores})[:400])
    rc, out, _ = ctl("show", "stats")
    check("show stats text", rc == 0 and out.startswith("Dataplane ") and "\tStats:\n" in out
          and re.search(r"\t\tdecrypted: \d+\n", out) and re.search(r"\tPort \d+ \(net_af_packet", out)
          and re.search(r"\tLcore \d+:\n\t\trole: ", out), out[:300])


def stats_value(group, key):
    rc, js = ctl_json("show", "stats")
    try:
        return js["dataplanes"][0][group][key]
    except (KeyError, IndexError, TypeError):
        return -1


def ban_listings(score):
    """show ip bans (text), show ip ban points (text and -j) of the one banned address."""
    rc, out, _ = ctl("show", "ip", "bans")
    lines = out.splitlines()
    row = lines[1].split() if len(lines) == 2 else []
    check("show ip bans text", rc == 0 and len(lines) == 2
          and lines[0].split() == ["IP", "score", "expires"]
          and row[:2] == ["198.18.0.3", str(score)]
          and re.search(r" \d{4}-\d\d-\d\d \d\d:\d\d \(\s*(\d+m:)?\d+s\)$", lines[1]), out)
    rc, out, _ = ctl("show", "ip", "ban", "points")
    lines = out.splitlines()
    check("show ip ban points", rc == 0 and len(lines) == 2
          and lines[0].split() == ["IP", "score"]
          and lines[1].split() == ["198.18.0.3", str(score)], out)
    rc, js = ctl_json("show", "ip", "ban", "points")
    check("show ip ban points -j: IP and Score only", rc == 0 and isinstance(js, list)
          and [b for b in js if isinstance(b, dict) and sorted(b) == ["IP", "Score"]
               and b["IP"] == "198.18.0.3" and type(b["Score"]) is int and b["Score"] == score],
          str(js))


def bans():
    """Wrong passwords get an address banned: the dataplane drops it, dpvpnd sees nothing."""
    pw = os.path.join(E.T, "passwd")
    subprocess.run([os.environ["PASSWD_BIN"], "-c", pw, "alice"], input="s3cret pass\n",
                   text=True, capture_output=True)
    srv = E.server("srv-ban", "user-pass-db %s\nmax-ban-score 25\nban-time 120\n"
                   "ban-points-wrong-password 10" % pw)
    wait_for(lambda: os.path.exists(SOCK), 10)
    bad = os.path.join(E.T, "bad.up")
    with open(bad, "w") as f:
        f.write("alice\nwrong\n")
    for i in range(3):  # 3 x (10 + 1 for the connection) = 33 > 25
        c = E.client("ban%d" % i, E.ns_cli2, "client2", "auth-user-pass %s" % bad)
        wait_for(lambda: "AUTH_FAILED" in c.text() or c.p.poll() is not None, 20)
        c.stop()
    rc, js = ctl_json("show", "ip", "bans")
    banned = [b for b in js if isinstance(b, dict) and b.get("IP") == "198.18.0.3"] \
        if isinstance(js, list) else []
    check("failed logins ban the address", rc == 0 and banned and banned[0].get("Score", 0) > 25
          and isinstance(banned[0].get("Since"), str), str(js))
    drops0 = L.dp_counter(E.prefix, "/dpvpn/drops", "banned")
    punts0 = ctl_json("show", "status")[1].get("control_packets", -1)
    c = E.client("ban3", E.ns_cli2, "client2", "auth-user-pass %s" % bad)
    time.sleep(4)
    c.stop()
    drops1 = L.dp_counter(E.prefix, "/dpvpn/drops", "banned")
    punts1 = ctl_json("show", "status")[1].get("control_packets", -1)
    check("a banned address is dropped in the dataplane; dpvpnd sees nothing",
          drops1 > drops0 >= 0 and punts1 == punts0, "(banned drops %d -> %d, control packets "
          "at dpvpnd %d -> %d)" % (drops0, drops1, punts0, punts1))
    banned_ctl = stats_value("drops", "banned")
    check("show stats counts the banned drops", banned_ctl == drops1,
          "(show stats %d, telemetry %d)" % (banned_ctl, drops1))
    ban_listings(banned[0].get("Score", -1) if banned else -1)
    rc, out, _ = ctl("unban", "ip", "198.18.0.3")
    rc_b, js_b = ctl_json("show", "ip", "bans")
    check("unban ip: show ip bans -j no longer lists it", rc == 0 and rc_b == 0
          and out == "IP '198.18.0.3' was unbanned\n" and isinstance(js_b, list)
          and not [b for b in js_b if isinstance(b, dict) and b.get("IP") == "198.18.0.3"],
          repr((out, js_b)))
    good = os.path.join(E.T, "good.up")
    with open(good, "w") as f:
        f.write("alice\ns3cret pass\n")
    c = E.client("ban4", E.ns_cli2, "client2", "auth-user-pass %s" % good)
    ok = bool(L.connected(c))
    drops2 = L.dp_counter(E.prefix, "/dpvpn/drops", "banned")
    got = L.ping(E.ns_cli2, LAN, 10, 0.05) if ok else 0
    drops3 = L.dp_counter(E.prefix, "/dpvpn/drops", "banned")
    check("unban ip lets it in again; the banned drops stop rising", ok and got == 10
          and drops3 == drops2 >= drops1,
          "(connected %s, %d/10 pings, banned drops %d -> %d)" % (ok, got, drops2, drops3))
    c.stop()
    rc, out, err = ctl("unban", "ip", "bogus")
    check("unban of garbage: exit 1", rc == 1 and err == "Cannot parse IP: bogus", err)
    srv.stop()


def socket_mode(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return stat.S_ISSOCK(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


def a_group():
    """A group other than root's, for dpvpnctl-socket-group."""
    for name in ("daemon", "nogroup", "adm"):
        try:
            return name, grp.getgrnam(name).gr_gid
        except KeyError:
            pass
    return "root", 0


def session_listings(s1):
    """show sessions all|valid (text and -j) and show session SID -j of a client's session."""
    full, sid = s1.get("Full session", "?"), s1.get("Session", "?")
    for which in ("all", "valid"):
        rc, out, _ = ctl("show", "sessions", which)
        lines = out.splitlines()
        rows = [l for l in lines[1:] if l.startswith(sid + " ")]
        check("show sessions %s text" % which, rc == 0 and lines and lines[0].split() == [
            "session", "user", "vhost", "ip", "user", "agent", "created", "status"]
            and len(rows) == 1 and rows[0].split()[1:4] == ["alice", "default", "198.18.0.2"]
            and rows[0].endswith(" authenticated"), out)
    rc, js = ctl_json("show", "sessions", "all")
    mine = [x for x in js if isinstance(x, dict) and x.get("Full session") == full] \
        if isinstance(js, list) else []
    check("show sessions all -j: occtl keys and types", rc == 0 and len(mine) == 1
          and all(session_keys_ok(x) for x in js) and mine[0].get("in_use") == 1, str(js)[:300])
    rc, js = ctl_json("show", "session", sid)
    check("show session SID -j", rc == 0 and isinstance(js, list) and len(js) == 1
          and session_keys_ok(js[0]) and js[0].get("Full session") == full
          and js[0].get("Username") == "alice" and js[0].get("State") == "authenticated",
          str(js)[:300])


def terminate_id(s0, s1, srv):
    """terminate id ID: the client goes, its session is no longer listed, it logs in anew."""
    rc, us = ctl_json("show", "users")
    cid = us[0].get("ID", -1) if isinstance(us, list) and len(us) == 1 else -1
    old = (s0.get("Full session"), s1.get("Full session"))
    rc, out, err = ctl("terminate", "id", str(cid))
    relogin = wait_for(lambda: [x for x in (ctl_json("show", "sessions", "valid")[1] or [])
                                if isinstance(x, dict) and x.get("in_use")
                                and x.get("Full session") not in old], 30)
    listed = [x.get("Full session") for w in ("all", "valid")
              for x in (ctl_json("show", "sessions", w)[1] or []) if isinstance(x, dict)]
    check("terminate id: the session leaves valid (and all), the client logs in again",
          rc == 0 and out == "connection ID '%d' was terminated (session invalidated)\n" % cid
          and relogin and old[1] not in listed, repr((out, err, listed)))
    rc, out, err = ctl("terminate", "id", "99999")
    check("terminate id of nobody: exit 1", rc == 1 and out == ""
          and err == "could not terminate ID '99999'\n", repr((rc, out, err)))


def sessions():
    """auth-gen-token sessions: disconnect keeps the token, terminate revokes it."""
    pw = os.path.join(E.T, "passwd")
    subprocess.run([os.environ["PASSWD_BIN"], "-c", pw, "alice"], input="s3cret pass\n",
                   text=True, capture_output=True)
    good = os.path.join(E.T, "good.up")
    with open(good, "w") as f:
        f.write("alice\ns3cret pass\n")
    group, gid = a_group()
    srv = E.server("srv-sess", "user-pass-db %s\nauth-gen-token 3600\n"
                   "dpvpnctl-socket-group %s" % (pw, group))
    want = (True, 0o660, 0, gid)
    got = wait_for(lambda: socket_mode(SOCK) == want and socket_mode(SOCK), 10)
    check("dpvpnctl-socket-group: the socket is 0660 and the group's", got == want,
          "(%s, want %s)" % (socket_mode(SOCK), want))
    cli = E.client("sess1", E.ns_cli, "client", "auth-user-pass %s\nexplicit-exit-notify 1"
                   % good)
    L.connected(cli)
    rc, ss = ctl_json("show", "sessions", "valid")
    rc2, us = ctl_json("show", "users")
    s0 = ss[0] if isinstance(ss, list) and ss else {}
    u0 = us[0] if isinstance(us, list) and us else {}
    check("show sessions valid: the client's session", rc == 0 and len(ss) == 1
          and s0.get("Username") == "alice" and s0.get("in_use") == 1
          and len(s0.get("Full session", "")) == 28
          and u0.get("Full session") == s0.get("Full session"), str(ss)[:300])
    n_tok = lambda: srv.text().count("authenticated by auth-token")
    t0 = n_tok()
    rc, out, _ = ctl("disconnect", "user", "alice")
    back = wait_for(lambda: n_tok() > t0 and ctl_json("show", "users")[1], 30)
    check("disconnect: the client comes back with its token", rc == 0 and back,
          "(auth-token logins %d -> %d)" % (t0, n_tok()))
    rc, out, _ = ctl("terminate", "user", "alice")
    refused = wait_for(lambda: "auth-token of a terminated session refused" in srv.text(), 30)
    relogin = wait_for(lambda: [x for x in (ctl_json("show", "sessions", "valid")[1] or [])
                                if isinstance(x, dict) and x.get("Full session")
                                != s0.get("Full session") and x.get("in_use")], 30)
    check("terminate: the token is refused, the client logs in again (new session)",
          rc == 0 and out == "user 'alice' was terminated (session invalidated)\n" and refused
          and relogin, out)
    s1 = relogin[0] if relogin else {}
    session_listings(s1)
    terminate_id(s0, s1, srv)
    cli.stop()  # it leaves (EXIT); its session stays valid for a reconnect
    wait_for(lambda: not ctl_json("show", "users")[1], 10)
    srv_ss = ctl_json("show", "sessions", "valid")[1]
    sid = srv_ss[0]["Session"] if isinstance(srv_ss, list) and srv_ss else "?"
    rc, out, _ = ctl("show", "session", sid)
    shown = rc == 0 and "alice" in out
    rc, out, _ = ctl("terminate", "session", sid)
    left = ctl_json("show", "sessions", "valid")[1]
    check("terminate session SID of a client that is gone", shown and rc == 0
          and out == "session '%s' was terminated\n" % sid
          and not [x for x in left if x.get("Session") == sid], out)
    rc, out, err = ctl("terminate", "session", "zzzzzz")
    check("terminate session: no match -> exit 1", rc == 1
          and err == "no session matching 'zzzzzz' was found\n", err)
    srv.stop()


def main():
    ccd = os.path.join(E.T, "ccd")
    os.makedirs(ccd, exist_ok=True)
    with open(os.path.join(ccd, "client1"), "w") as f:
        f.write("iroute 10.250.0.0 255.255.255.0\n")
    srv = E.server("srv-ctl", "explicit-exit-notify 1\nclient-config-dir %s\n"
                   "route 10.250.0.0 255.255.255.0" % ccd)
    wait_for(lambda: os.path.exists(SOCK), 10)
    cli = E.client("client1", E.ns_cli, "client", "management %s unix" %
                   os.path.join(E.T, "c1.sock"))
    try:
        check("client connects", bool(L.connected(cli)))
        check("the control socket is 0600, root's", socket_mode(SOCK) == (True, 0o600, 0, 0),
              str(socket_mode(SOCK)))
        wait_for(lambda: ctl_json("show", "users")[1], 10)
        u = users_and_counters(cli)
        detail_commands(u)
        stats()
        exit_codes()
        interactive(u.get("ID", -1))
        events(srv)
        bad_input(srv)
        disconnect(u, cli)
        status_period()
        reload_and_stop(srv, cli)
        sessions()
        bans()
    except Exception as e:  # a broken step is a failure, not a crash of the test
        check("ran to the end", False, repr(e))
    cli.stop()
    srv.stop()
    print("%d passed, %d failed" % (L.PASS, L.FAIL))
    return 1 if L.FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
