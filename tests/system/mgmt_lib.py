"""Helpers of the management-interface system test: a management client that
splits replies from '>' notifications the way robust tools do, and
processes for dpvpnd and real openvpn clients (run by test_mgmt.sh)."""
import os
import re
import socket
import subprocess
import tempfile
import time

PASS = 0
FAIL = 0


def check(name, ok, detail=""):
    global PASS, FAIL
    if ok:
        PASS += 1
    else:
        FAIL += 1
    print(("PASS " if ok else "FAIL ") + name + (" " + detail if detail else ""), flush=True)
    return ok


def wait_for(pred, timeout, step=0.2):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


class Mgmt:
    """One management connection: raw bytes, or lines split into replies and notifications."""

    def __init__(self, addr, password=None, greet=True):
        fam = socket.AF_UNIX if isinstance(addr, str) else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(addr)
        self.buf = b""
        self.events = []      # notification lines ('>...'), in arrival order
        self.closed = False
        if password is not None:
            self.read_exact(b"ENTER PASSWORD:")
            self.send(password)
            self.expect_line("SUCCESS: password is correct")
        self.greeting = self.raw_line() if greet else None

    def send(self, text):
        self.s.sendall(text.encode() + b"\n")

    def send_raw(self, data):
        self.s.sendall(data)

    def _fill(self, timeout):
        self.s.settimeout(timeout)
        try:
            d = self.s.recv(65536)
        except socket.timeout:
            return False
        if not d:
            self.closed = True
            return False
        self.buf += d
        return True

    def read_exact(self, want, timeout=10):
        end = time.time() + timeout
        while len(self.buf) < len(want) and time.time() < end and not self.closed:
            self._fill(max(0.05, end - time.time()))
        got, self.buf = self.buf[:len(want)], self.buf[len(want):]
        if got != want:
            raise AssertionError("expected %r, got %r" % (want, got))

    def raw_line(self, timeout=10):
        """The next line, notifications included (None on timeout/close)."""
        end = time.time() + timeout
        while b"\r\n" not in self.buf:
            if self.closed or time.time() >= end or not self._fill(max(0.05, end - time.time())):
                if b"\r\n" not in self.buf:
                    return None
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode(errors="replace")

    def line(self, timeout=10):
        """The next reply line; notifications go to self.events."""
        end = time.time() + timeout
        while True:
            l = self.raw_line(max(0.05, end - time.time()))
            if l is None or not l.startswith(">"):
                return l
            self.events.append(l)

    def expect_line(self, want):
        got = self.line()
        if got != want:
            raise AssertionError("expected %r, got %r" % (want, got))

    def cmd(self, text):
        """One-line reply."""
        self.send(text)
        return self.line()

    def multi(self, text):
        """Multi-line reply, up to END (not included)."""
        self.send(text)
        out = []
        while True:
            l = self.line()
            if l is None or l == "END":
                return out
            out.append(l)

    def pump(self, timeout=0.3):
        """Reads whatever arrives for a while (notifications pile up in events)."""
        end = time.time() + timeout
        while time.time() < end:
            l = self.raw_line(max(0.05, end - time.time()))
            if l is None:
                break
            if l.startswith(">"):
                self.events.append(l)
            else:
                raise AssertionError("unexpected reply line %r" % l)

    def wait_event(self, regex, timeout=20):
        """The first notification matching regex (consumed with those before it)."""
        r = re.compile(regex)
        end = time.time() + timeout
        while True:
            for i, e in enumerate(self.events):
                if r.search(e):
                    del self.events[:i + 1]
                    return e
            if time.time() >= end:
                return None
            self.pump(min(0.3, max(0.05, end - time.time())))

    def client_block(self, header_regex, timeout=20):
        """A >CLIENT: block: (header, {name: value}, [env lines in order])."""
        h = self.wait_event(header_regex, timeout)
        if h is None:
            return None, {}, []
        lines = []
        while True:
            if not self.events:
                self.pump(1)
                if not self.events:
                    break
            e = self.events.pop(0)
            if e == ">CLIENT:ENV,END":
                break
            lines.append(e[len(">CLIENT:ENV,"):])
        env = dict(l.split("=", 1) for l in lines if "=" in l)
        return h, env, lines

    def close(self):
        self.s.close()


class Proc:
    def __init__(self, argv, log):
        self.log = log
        self.f = open(log, "w")
        self.p = subprocess.Popen(argv, stdout=self.f, stderr=subprocess.STDOUT)

    def text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, sig=15):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.f.close()


class Env:
    """Paths and names from test_mgmt.sh."""

    def __init__(self):
        g = os.environ.get
        self.T, self.pki, self.cp = g("T"), g("PKI"), g("CP_BIN")
        self.ns_cli, self.ns_cli2, self.ns_lan = g("NS_CLI"), g("NS_CLI2"), g("NS_LAN")
        self.prefix = g("PREFIX")
        self.port = 17505

    def server(self, name, extra):
        conf = os.path.join(self.T, name + ".conf")
        with open(conf, "w") as f:
            f.write("""port 1194
proto udp
dev tun
server 10.99.0.0 255.255.255.0
topology subnet
ca {pki}/ca.crt
cert {pki}/server.crt
key {pki}/server.key
dh none
tls-crypt {T}/tc.key
keepalive 10 60
explicit-exit-notify 1
push "route 10.200.0.0 255.255.255.0"
dataplane ipc://{T}/cp.sock
dpvpnctl-socket {T}/ctl.sock
""".format(pki=self.pki, T=self.T) + extra + "\n")
        p = Proc([self.cp, "--config", conf], os.path.join(self.T, name + ".log"))
        p.conf = conf
        return p

    def client(self, name, ns, cert, extra=""):
        conf = os.path.join(self.T, name + ".conf")
        with open(conf, "w") as f:
            f.write("""client
dev tun
proto udp
remote 198.18.0.1 1194
nobind
ca {pki}/ca.crt
cert {pki}/{cert}.crt
key {pki}/{cert}.key
tls-crypt {T}/tc.key
verb 3
""".format(pki=self.pki, cert=cert, T=self.T) + extra + "\n")
        return Proc(["ip", "netns", "exec", ns, "openvpn", "--config", conf],
                    os.path.join(self.T, name + ".log"))

    def mgmt(self, password=None, timeout=10):
        end = time.time() + timeout
        while True:
            try:
                return Mgmt(("127.0.0.1", self.port), password)
            except (ConnectionRefusedError, OSError):
                if time.time() >= end:
                    raise
                time.sleep(0.2)


def public_dir():
    """A directory anybody may traverse (T is 0700), for sockets other uids must reach."""
    d = tempfile.mkdtemp(prefix="dpvpn-mgmt-")
    os.chmod(d, 0o711)
    return d


_PEEK = """import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(float(sys.argv[2]))
try:
    s.connect(sys.argv[1])
    d = s.recv(4096)
except socket.timeout:
    d = "timeout"
except OSError as e:
    d = "error: %s" % e
print(repr(d))
"""


def peek_as_nobody(sock, timeout=3):
    """What a peer with uid and gid 65534 (no other groups) reads first on the
    unix socket: repr of the bytes, b'' when it is closed without a word."""
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "/usr/bin/python3", "-c", _PEEK, sock, str(timeout)],
                       capture_output=True, text=True, timeout=timeout + 10)
    return r.stdout.strip() or r.stderr.strip()


def connected(proc, timeout=30):
    return wait_for(lambda: "Initialization Sequence Completed" in proc.text(), timeout)


def ping(ns, dst, count=5, interval=0.2, size=56):
    out = subprocess.run(["ip", "netns", "exec", ns, "ping", "-q", "-c", str(count), "-i",
                          str(interval), "-s", str(size), "-W", "2", dst],
                         capture_output=True, text=True).stdout
    m = re.search(r"(\d+) received", out)
    return int(m.group(1)) if m else 0


def tun_addr(ns):
    out = subprocess.run(["ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "tun0"],
                         capture_output=True, text=True).stdout
    m = re.search(r"inet (\S+)/", out)
    return m.group(1) if m else ""


def client_link_bytes(sock):
    """(read, write) link bytes from an openvpn client's own management `status`."""
    m = Mgmt(sock)
    rows = dict(l.split(",", 1) for l in m.multi("status") if "," in l)
    m.close()
    return int(rows.get("TCP/UDP read bytes", -1)), int(rows.get("TCP/UDP write bytes", -1))


def status_rows(m, version):
    """CLIENT_LIST rows of `status 2|3` as field lists, plus all lines."""
    sep = "\t" if version == 3 else ","
    lines = m.multi("status %d" % version)
    rows = [l.split(sep) for l in lines if l.startswith("CLIENT_LIST" + sep)]
    return rows, lines


# ENV order of >CLIENT: blocks (fact sheet A6.3, A12): OpenVPN prints its env
# list newest first, and re-setting a name moves it to the front.
DAEMON_ENV = ["remote_port_1", "local_port_1", "proto_1", "daemon_pid", "daemon_start_time",
              "daemon_log_redirect", "daemon", "verb", "config", "ifconfig_local",
              "ifconfig_netmask", "script_context", "tun_mtu", "dev", "dev_type",
              "redirect_gateway"]
CERT_ENV = ["tls_serial_hex_%d", "tls_serial_%d", "tls_digest_sha256_%d", "tls_digest_%d",
            "tls_id_%d", "X509_%d*"]


def env_names(lines):
    """ENV names in order; the peer-info run becomes one 'IV*' entry and each
    certificate depth's X509_D_* run one 'X509_D*' entry (their values vary)."""
    out = []
    for l in lines:
        n = l.split("=", 1)[0]
        if n.startswith(("IV_", "UV_")):
            n = "IV*"
        m = re.match(r"^X509_(\d+)_", n)
        if m:
            n = "X509_%s*" % m.group(1)
        if not (out and n.endswith("*") and out[-1] == n):
            out.append(n)
    return out


def _certs(lines):
    depths = sorted({int(m.group(1)) for l in lines for m in [re.match(r"^tls_id_(\d+)=", l)] if m})
    return [n % d for d in depths or [0] for n in CERT_ENV]


def handshake_env(lines, cn=True, user=True):
    """What each key negotiation sets: TLS verification, peer-info, then user/pass."""
    return (["untrusted_port", "untrusted_ip"] + (["common_name"] if cn else [])
            + (["username"] if user else []) + ["IV*"] + _certs(lines))


def connected_env(trusted=True, cn=True):
    """What client-connect sets (topology subnet)."""
    return (["time_unix", "time_ascii", "ifconfig_pool_netmask", "ifconfig_pool_remote_ip"]
            + (["trusted_port", "trusted_ip"] if trusted else []) + (["common_name"] if cn else []))


def expected_env(event, lines, user=True, rekeyed=False):
    """The names OpenVPN 2.6 prints, in order, for one block of this client."""
    if event == "CONNECT":
        return ["n_clients", "password"] + handshake_env(lines, user=user) + DAEMON_ENV
    if event == "CR_RESPONSE":  # during the first auth: CONNECT's env, password deleted
        return ["n_clients"] + handshake_env(lines, user=user) + DAEMON_ENV
    if event == "REAUTH":  # the renegotiation re-set the handshake group
        return (["n_clients", "password"] + handshake_env(lines, user=user)
                + connected_env(cn=False) + DAEMON_ENV)
    if event == "ESTABLISHED":
        return (["n_clients"] + connected_env() + handshake_env(lines, cn=False, user=user)
                + DAEMON_ENV)
    if event == "DISCONNECT":  # client-disconnect re-sets trusted_*, then the stats
        head = ["time_duration", "bytes_sent", "bytes_received", "trusted_port", "trusted_ip"]
        if rekeyed:
            return (head + handshake_env(lines, user=user) + connected_env(False, False)
                    + DAEMON_ENV)
        return (head + connected_env(False) + handshake_env(lines, cn=False, user=user)
                + DAEMON_ENV)
    raise ValueError(event)


def check_env_order(name, event, lines, **kw):
    want, got = expected_env(event, lines, **kw), env_names(lines)
    diff = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
    return check(name, got == want, "(first difference at %d: want %s, got %s)" % (
        diff, want[diff:diff + 3], got[diff:diff + 3]) if got != want else "(%d names)" % len(got))


def dp_counter(prefix, path, key):
    """One counter of the dataplane's telemetry (e.g. /dpvpn/drops, banned)."""
    out = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input=path + "\n",
                         capture_output=True, text=True).stdout
    m = re.findall(r'"%s": (\d+)' % re.escape(key), out)
    return int(m[-1]) if m else -1


def dp_sessions(prefix):
    out = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input="/dpvpn/stats\n",
                         capture_output=True, text=True).stdout
    m = re.findall(r'"sessions": (\d+)', out)
    return int(m[-1]) if m else -1
