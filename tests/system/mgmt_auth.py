"""management-client-auth with real openvpn clients: accept with a config
block, REAUTH on renegotiation, deny with a client reason, pending auth with
a CR_TEXT challenge answered by the client's own `cr-response`, and the
hand-window timeout. Part of mgmt_test.py."""
import base64
import os
import re
import subprocess
import time

import mgmt_lib as L
from mgmt_lib import check, wait_for

E = L.Env()
LAN = "10.200.0.2"


def creds(name, user, password):
    path = os.path.join(E.T, name)
    with open(path, "w") as f:
        f.write("%s\n%s\n" % (user, password))
    return path


def client(name, ns, cert, extra=""):
    return E.client(name, ns, cert, "auth-user-pass %s\n%s" % (creds(name + ".up", "alice",
                                                                     "secret"), extra))


def accept(m):
    """CONNECT -> no data until client-auth; the config block's push reaches the client."""
    cli = client("auth1", E.ns_cli, "client", "reneg-sec 6\nexplicit-exit-notify 1")
    h, env, lines = m.client_block(r"^>CLIENT:CONNECT,\d+,\d+$", 30)
    f = h.split(",") if h else ["", "-1", "-1"]
    cid, kid = int(f[1]), int(f[2])
    check("CONNECT with the client's ENV", kid == 1 and lines[:1] == ["n_clients=0"]
          and env.get("password") == "secret" and env.get("username") == "alice"
          and env.get("common_name") == "client1" and env.get("untrusted_ip") == "198.18.0.2"
          and env.get("IV_VER", "").startswith("2.6") and env.get("tls_id_0") == "CN=client1",
          "(%s, %d ENV lines)" % (h, len(lines)))
    L.check_env_order("CONNECT ENV in OpenVPN's order", "CONNECT", lines)
    time.sleep(2)
    check("no data flows before client-auth", "Initialization Sequence Completed" not in
          cli.text() and L.dp_sessions(E.prefix) == 0, "(dataplane sessions %d)" %
          L.dp_sessions(E.prefix))
    m.send("client-auth %d %d" % (cid, kid))
    m.send('push "route 10.251.0.0 255.255.255.0"')
    m.send("END")
    ok = m.line() == "SUCCESS: client-auth command succeeded"
    a = m.wait_event(r"^>CLIENT:ADDRESS,%d,10\.99\.0\.\d+,1$" % cid, 10)
    h2, _, est = m.client_block(r"^>CLIENT:ESTABLISHED,%d$" % cid, 20)
    up = L.connected(cli)
    routes = subprocess.run(["ip", "-n", E.ns_cli, "route"], capture_output=True,
                            text=True).stdout
    check("client-auth lets it in, with its config", ok and a and h2 and up
          and "10.251.0.0/24" in routes and L.ping(E.ns_cli, LAN) == 5,
          "(%s; reply ok %s, ESTABLISHED %s, connected %s, pushed route %s)" % (
              a, ok, h2 is not None, up is not None, "10.251.0.0/24" in routes))
    L.check_env_order("ESTABLISHED ENV (client-auth) in OpenVPN's order", "ESTABLISHED", est)
    status_file_v1(m)
    return cli, cid, kid


def v1_layout(lines):
    """The lines of a version 1 status report (fact sheet A5) that do not fit it."""
    date = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    real = r"198\.18\.0\.2:\d+"
    want = [r"OpenVPN CLIENT LIST", r"Updated," + date,
            r"Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since",
            r"client1,%s,\d+,\d+,%s" % (real, date), r"ROUTING TABLE",
            r"Virtual Address,Common Name,Real Address,Last Ref",
            r"10\.99\.0\.\d+,client1,%s,%s" % (real, date), r"GLOBAL STATS",
            r"Max bcast/mcast queue length,0", r"END"]
    bad = [(w, l) for w, l in zip(want, lines) if not re.fullmatch(w, l)]
    return bad + ([("%d lines" % len(want), "%d lines" % len(lines))] if len(lines) != len(want)
                  else [])


def status_file_v1(m):
    """status FILE without status-version: version 1, LF line ends, like `status 1`."""
    path = os.path.join(E.T, "status1.txt")
    ok = wait_for(lambda: os.path.exists(path) and b"client1," in open(path, "rb").read(), 5)
    raw = open(path, "rb").read() if ok else b""
    bad = v1_layout(raw.decode().split("\n")[:-1])
    check("status file version 1 layout, LF line ends", ok and not bad and b"\r" not in raw
          and raw.endswith(b"\nEND\n"), "(%s)" % bad[:2])
    bad = v1_layout(m.multi("status 1") + ["END"])
    check("status 1 has the same layout", not bad, "(%s)" % bad[:2])


def reauth(m, cid, kid):
    """A renegotiation (client reneg-sec 6) asks again: REAUTH with a new KID."""
    h, env, lines = m.client_block(r"^>CLIENT:REAUTH,%d,\d+$" % cid, 20)
    new = int(h.split(",")[2]) if h else -1
    got = m.cmd("client-auth-nt %d %d" % (cid, new))
    check("REAUTH on renegotiation", new > kid and got == "SUCCESS: client-auth command succeeded",
          "(KID %d -> %d: %s)" % (kid, new, got))
    L.check_env_order("REAUTH ENV in OpenVPN's order", "REAUTH", lines)
    check("tunnel keeps working after REAUTH", L.ping(E.ns_cli, LAN, 10, 0.3) == 10)


def deny(m):
    cli = client("auth2", E.ns_cli2, "client2")
    h, env, _ = m.client_block(r"^>CLIENT:CONNECT,\d+,\d+$", 30)
    f = h.split(",") if h else ["", "-1", "-1"]
    got = m.cmd('client-deny %s %s "bad luck" "go away"' % (f[1], f[2]))
    refused = wait_for(lambda: "AUTH_FAILED,go away" in cli.text(), 15)
    d = m.wait_event(r"^>CLIENT:DISCONNECT,%s$" % f[1], 15)
    check("client-deny: AUTH_FAILED with the client reason", got ==
          "SUCCESS: client-deny command succeeded" and refused and d is not None, got)
    cli.stop()


def pending_cr_text(m):
    """client-pending-auth CR_TEXT: the client's management answers with cr-response."""
    sock = os.path.join(E.T, "auth3.sock")
    cli = client("auth3", E.ns_cli2, "client2", "management %s unix\nsetenv IV_SSO crtext" % sock)
    # on the client's management first: a >INFOMSG with nobody connected is lost
    cm = L.Mgmt(sock) if wait_for(lambda: os.path.exists(sock), 10) else None
    h, env, _ = m.client_block(r"^>CLIENT:CONNECT,\d+,\d+$", 30)
    f = h.split(",") if h else ["", "-1", "-1"]
    got = m.cmd('client-pending-auth %s %s "CR_TEXT:R,E:Enter PIN" 30' % (f[1], f[2]))
    info = cm.wait_event(r"^>INFOMSG:CR_TEXT:R,E:Enter PIN$", 15) if cm else None
    answer = base64.b64encode(b"123456").decode()
    sent = cm.cmd("cr-response %s" % answer) if cm else None
    h2, env2, cr = m.client_block(r"^>CLIENT:CR_RESPONSE,%s,%s,%s$" % (f[1], f[2], answer), 15)
    check("client-pending-auth CR_TEXT reaches the client",
          got == "SUCCESS: client-pending-auth command succeeded" and info is not None, got)
    check(">CLIENT:CR_RESPONSE carries the client's answer", sent == "SUCCESS: command succeeded"
          and h2 is not None and env2.get("common_name") == "client2", repr(h2))
    L.check_env_order("CR_RESPONSE ENV in OpenVPN's order", "CR_RESPONSE", cr)
    ok = m.cmd("client-auth-nt %s %s" % (f[1], f[2]))
    check("pending auth completed by client-auth-nt", ok ==
          "SUCCESS: client-auth command succeeded" and L.connected(cli), ok)
    # never renegotiated: DISCONNECT keeps client-connect's variables in front
    m.client_block(r"^>CLIENT:ESTABLISHED,%s$" % f[1], 10)
    m.cmd("client-kill %s HALT" % f[1])
    h3, _, bye = m.client_block(r"^>CLIENT:DISCONNECT,%s$" % f[1], 15)
    check("client-kill HALT -> DISCONNECT", h3 is not None, repr(h3))
    L.check_env_order("DISCONNECT ENV in OpenVPN's order", "DISCONNECT", bye)
    if cm:
        cm.close()
    cli.stop()


def timeout(m):
    cli = client("auth4", E.ns_cli2, "client2")
    h, _, _ = m.client_block(r"^>CLIENT:CONNECT,\d+,\d+$", 30)
    t0 = time.time()
    rows, _ = L.status_rows(m, 2)
    cid = h.split(",")[1] if h else "?"
    check("a pending decision blocks nothing", time.time() - t0 < 1
          and not [r for r in rows if r[10] == cid],
          "(status 2 answered in %.2f s)" % (time.time() - t0))
    refused = wait_for(lambda: "AUTH_FAILED" in cli.text(), 20)
    check("no decision within hand-window -> AUTH_FAILED", h and refused and
          time.time() - t0 > 4, "(%.1f s, hand-window 8)" % (time.time() - t0))
    cli.stop()


def disconnect(m, cli, cid):
    L.ping(E.ns_cli, LAN, 20, 0.05, 1000)
    rows, _ = L.status_rows(m, 2)
    row = [r for r in rows if r[10] == str(cid)]
    cli.stop()  # explicit-exit-notify: the client says EXIT
    h, env, lines = m.client_block(r"^>CLIENT:DISCONNECT,%d$" % cid, 15)
    rx = int(row[0][5]) if row else -1
    check("DISCONNECT with bytes and duration", h is not None and int(env.get("bytes_received",
          -1)) >= rx > 20 * 1000 and int(env.get("bytes_sent", -1)) > 20 * 1000
          and "time_duration" in env and env.get("common_name") == "client1",
          "(bytes_received %s, status said %d)" % (env.get("bytes_received"), rx))
    L.check_env_order("DISCONNECT ENV after a REAUTH in OpenVPN's order", "DISCONNECT", lines,
                      rekeyed=True)


def scenario_client_auth():
    srv = E.server("srv-auth", "management 127.0.0.1 %d\nmanagement-client-auth\n"
                   "hand-window 8\nstatus %s 1" % (E.port, os.path.join(E.T, "status1.txt")))
    m = E.mgmt()
    cli, cid, kid = accept(m)
    reauth(m, cid, kid)
    disconnect(m, cli, cid)  # before its next renegotiation (6 s) needs an answer again
    deny(m)
    pending_cr_text(m)
    timeout(m)
    m.close()
    srv.stop()
