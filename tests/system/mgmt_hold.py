"""A unix-socket management interface with management-hold and a small
log cache: socket permissions and peer credentials (management-client-user,
management-client-group), hold until `hold release`, SIGUSR1 restarts every
session (clients come back), SIGTERM ends dpvpnd with RESTART sent to
clients (explicit-exit-notify). Part of mgmt_test.py."""
import os
import re
import shutil
import stat

import mgmt_lib as L
from mgmt_lib import check, wait_for

E = L.Env()


def refuses_other_uid(srv, sock):
    """management-client-user root: a peer with uid 65534 is closed without a word
    (the socket is opened to everybody for this, so that only SO_PEERCRED stops it)."""
    os.chmod(sock, 0o666)
    got = L.peek_as_nobody(sock)
    os.chmod(sock, 0o600)
    logged = wait_for(lambda: "unix domain socket client connection rejected -- uid 65534 is "
                      "not management-client-user" in srv.text(), 5)
    check("management-client-user: another uid gets nothing and is logged",
          got == "b''" and logged, "(it read %s)" % got)


def log_cache(m, sock):
    """management-log-cache 5: the history keeps exactly the newest 5 lines, TIME,FLAGS,TEXT.
    Only lines logged since the interface opened are kept: three more connections
    (each logged once it is greeted) make sure there are more than 5."""
    for _ in range(3):
        L.Mgmt(sock).close()
    every = m.multi("log all")
    many = m.multi("log 50")
    last2 = m.multi("log 2")
    fmt = [l for l in every if not re.match(r"^\d{10},[IWFD],\S", l)]
    check("log cache of 5", len(every) == 5 and not fmt and many == every
          and last2 == every[-2:], "(%d lines, badly formed %s)" % (len(every), fmt))


def scenario_unix_hold():
    pub = L.public_dir()
    sock = os.path.join(pub, "mgmt.sock")
    srv = E.server("srv-hold", "management %s unix\nmanagement-hold\nmanagement-log-cache 5\n"
                   "management-client-user root" % sock)
    wait_for(lambda: os.path.exists(sock), 10)
    st = os.stat(sock)
    check("unix socket 0600, owned by management-client-user", stat.S_IMODE(st.st_mode) == 0o600
          and st.st_uid == 0, "(mode %o)" % stat.S_IMODE(st.st_mode))
    refuses_other_uid(srv, sock)
    m = L.Mgmt(sock)
    held = m.raw_line(5)
    check("held at start: >HOLD after the greeting", m.greeting.startswith(">INFO:OpenVPN "
          "Management Interface Version 5") and held == ">HOLD:Waiting for hold release:0", held)
    log_cache(m, sock)
    cli = E.client("hold1", E.ns_cli, "client")
    check("no client while held", not L.connected(cli, 4) and "new clients" in srv.text())
    check("signal SIGUSR1 ignored while held", m.cmd("signal SIGUSR1") ==
          "ERROR: signal 'SIGUSR1' is currently ignored")
    check("hold release", m.cmd("hold release") == "SUCCESS: hold release succeeded")
    h, _, _ = m.client_block(r"^>CLIENT:ESTABLISHED,\d+$", 40)
    check("client connects after hold release", h is not None and L.connected(cli, 5))
    m.cmd("state on")
    ok = m.cmd("signal SIGUSR1") == "SUCCESS: signal SIGUSR1 thrown"
    r = m.wait_event(r"^>STATE:\d+,RECONNECTING,SIGUSR1,", 5)
    again = m.wait_event(r"^>HOLD:Waiting for hold release:0$", 5)  # the hold flag is on
    check("held again after the restart (hold flag on)", again is not None)
    m.cmd("hold off")
    m.cmd("hold release")
    h2, _, _ = m.client_block(r"^>CLIENT:ESTABLISHED,\d+$", 40)
    check("SIGUSR1 restarts sessions; the client comes back", ok and r and h2 and h2 != h
          and "server-pushed-connection-reset" in cli.text(), "(%s -> %s)" % (h, h2))
    ok = m.cmd("signal SIGTERM") == "SUCCESS: signal SIGTERM thrown"
    e = m.wait_event(r"^>STATE:\d+,EXITING,SIGTERM,", 5)
    gone = wait_for(lambda: srv.p.poll() is not None, 10)
    told = wait_for(lambda: cli.text().count("server-pushed-connection-reset") >= 2, 10)
    check("SIGTERM: dpvpnd exits, clients are told", ok and e and gone and told,
          "(exit code %s)" % srv.p.poll())
    check("unix socket removed on exit", not os.path.exists(sock))
    m.close()
    cli.stop()
    srv.stop()
    shutil.rmtree(pub, ignore_errors=True)


def scenario_unix_group():
    """management-client-group nogroup: socket 0660 of that group; a peer of that
    group is served, one of another group (root's gid 0) is refused."""
    pub = L.public_dir()
    sock = os.path.join(pub, "group.sock")
    srv = E.server("srv-group", "management %s unix\nmanagement-client-group nogroup" % sock)
    wait_for(lambda: os.path.exists(sock), 10)
    st = os.stat(sock) if os.path.exists(sock) else None
    check("management-client-group: socket 0660, owned by that group", st is not None
          and stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == 65534,
          "(mode %o gid %d)" % (stat.S_IMODE(st.st_mode), st.st_gid) if st else "(no socket)")
    got = L.peek_as_nobody(sock)
    check("a peer of management-client-group gets the greeting", got.startswith("b")
          and ">INFO:OpenVPN Management Interface Version 5 -- type 'help'" in got, got)
    m = L.Mgmt(sock, greet=False)
    first = m.raw_line(3)
    logged = wait_for(lambda: "rejected -- gid 0 is not management-client-group" in srv.text(), 5)
    check("a peer of another group is closed without a word", first is None and m.closed
          and logged, "(read %r)" % first)
    m.close()
    srv.stop()
    shutil.rmtree(pub, ignore_errors=True)
