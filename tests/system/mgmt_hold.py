"""A unix-socket management interface with management-hold and a small
log cache: socket permissions, hold until `hold release`, SIGUSR1 restarts
every session (clients come back), SIGTERM ends dpvpnd with RESTART sent to
clients (explicit-exit-notify). Part of mgmt_test.py."""
import os
import stat

import mgmt_lib as L
from mgmt_lib import check, wait_for

E = L.Env()


def scenario_unix_hold():
    sock = os.path.join(E.T, "mgmt.sock")
    srv = E.server("srv-hold", "management %s unix\nmanagement-hold\nmanagement-log-cache 5\n"
                   "management-client-user root" % sock)
    wait_for(lambda: os.path.exists(sock), 10)
    st = os.stat(sock)
    check("unix socket 0600, owned by management-client-user", stat.S_IMODE(st.st_mode) == 0o600
          and st.st_uid == 0, "(mode %o)" % stat.S_IMODE(st.st_mode))
    m = L.Mgmt(sock)
    held = m.raw_line(5)
    check("held at start: >HOLD after the greeting", m.greeting.startswith(">INFO:OpenVPN "
          "Management Interface Version 5") and held == ">HOLD:Waiting for hold release:0", held)
    check("log cache of 5", len(m.multi("log all")) <= 5)
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
