#!/usr/bin/python3
"""Packet test of dpvpn-dataplane against an independent Python OpenVPN peer.

Run by test_dataplane.sh inside the client namespace; it plays the control plane (ZeroMQ
ROUTER), starts (and kills, and restarts) the dataplane in the dp namespace, and talks
OpenVPN data channel to it from UDP sockets bound to 198.18.0.2.

Prints `PASS name` / `FAIL name: detail` per check; exits 1 if any check failed.
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ovpn_data as ov  # noqa: E402
from dpctl_ipc import ControlPlane, addr, addr_str  # noqa: E402
import dpctl_ipc as ipc  # noqa: E402
import msgpack  # noqa: E402

DP_ADDR = '198.18.0.1'
CLI_ADDR = '198.18.0.2'
LAN_HOST = '10.200.0.2'
UDP_PORT = 1194
MAX_SESSIONS = 1024
ECHO_TIMEOUT = 2.0
LEASE_DEFAULT = 0xFF000000
COOKIE_FINAL = 0xFFFFFFFF   # IPC_COOKIE_FINAL: the SESSION_STATS that answers SESSION_DEL

# docs/dataplane.md, "Drop reasons"
DROP_REASONS = (
    'eth_unknown_type ip_bad_header ip_fragment ip_not_local ip_proto_unsupported ttl_exceeded '
    'udp_bad udp_port_closed banned ovpn_short unknown_peer_id unknown_address no_key auth_fail replay '
    'compressed inner_bad inner_spoof no_route c2c_denied tx_no_key tx_lease_exhausted too_big '
    'neigh_unresolved neigh_hold_full punt_full handoff_full slow_full tx_full no_mbuf arp_bad '
    'icmp_bad cp_down').split()


# Ban messages (shared/ipc_msgs.def ids 20-22), typed in by hand like the rest of dpctl_ipc's table.
for _tid, _m in {
        20: ('BAN_ADD', ipc.CP2DP, [('addr', ipc.ADDR), ('ttl_s', ipc.U32)]),
        21: ('BAN_DEL', ipc.CP2DP, [('addr', ipc.ADDR)]),
        22: ('BAN_FLUSH', ipc.CP2DP, [('cookie', ipc.U32)])}.items():
    if _tid not in ipc.MESSAGES:
        ipc.MESSAGES[_tid] = _m
        ipc.TYPE_IDS[_m[0]] = _tid
IPC_E_BAD_VALUE, IPC_E_NO_ROOM = 13, 14    # enum ipc_err (shared/ipc.h)
DP_BAN_MAX = 65536                         # dataplane/ban_table.h


class Deadline(BaseException):
    """The global time limit (SIGALRM); not an Exception so that no step swallows it."""


# ---------------------------------------------------------------------------------------------
# DPDK telemetry (v2 socket protocol: greeting JSON, then one command -> one JSON reply)

class Telemetry:
    def __init__(self, prefix):
        self.path = os.path.join('/var/run/dpdk', prefix, 'dpdk_telemetry.v2')

    def query(self, cmd, timeout=3.0):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(timeout)
        try:
            s.connect(self.path)
            greet = json.loads(s.recv(4096).decode())
            maxlen = int(greet.get('max_output_len', 16384))
            s.send(cmd.encode())
            reply = json.loads(s.recv(max(maxlen, 4096)).decode())
        finally:
            s.close()
        key = cmd.split(',', 1)[0]
        if not isinstance(reply, dict) or key not in reply:
            raise RuntimeError('telemetry %s: unexpected reply %r' % (cmd, str(reply)[:200]))
        return reply[key]

    def drops(self):
        d = self.query('/dpvpn/drops')
        if not isinstance(d, dict):
            raise RuntimeError('/dpvpn/drops is not an object: %r' % (str(d)[:200],))
        return d


# ---------------------------------------------------------------------------------------------
# The client side of one session

class Peer:
    """One OpenVPN client: a UDP socket in the client namespace plus its data-channel keys."""

    def __init__(self, sess, cipher, peer_id, vaddr, gen=None, v1=False):
        self.sess = sess
        self.gen = gen if gen is not None else 100 + sess
        self.cipher = cipher
        self.peer_id = peer_id
        self.vaddr = vaddr
        self.v1 = v1
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((CLI_ADDR, 0))
        self.port = self.sock.getsockname()[1]
        self.keys = {}          # key_id -> (c2s DataKey, s2c DataKey)
        self.tx_key_id = 0
        self.ident = 0x4000 + sess
        self.seq = 0
        self.sent_pkts = self.sent_bytes = 0     # authenticated packets the dataplane should count
        self.rcvd_pkts = self.rcvd_bytes = 0     # packets we received that decrypted
        self.rx_pids = {}       # key_id -> list of packet-ids received, in order
        self.last_tx_pid = 0
        self.send_blocked = 0   # datagrams the client kernel refused to queue
        self.lock = threading.Lock()

    def close(self):
        self.sock.close()

    def new_key(self, key_id):
        block = os.urandom(256)
        self.keys[key_id] = ov.key_block_split(block, self.cipher)
        return self.keys[key_id]

    def session_add(self, ping_ms=0, idle_ms=0, flags=None):
        return {'type': 'SESSION_ADD', 'sess': self.sess, 'gen': self.gen, 'peer_id': self.peer_id,
                'peer_addr': addr(CLI_ADDR), 'peer_port': self.port, 'local_addr': addr(DP_ADDR),
                'local_port': UDP_PORT, 'vaddr': addr(self.vaddr),
                'flags': (ipc.SESS_F_DATA_V1 if self.v1 else 0) if flags is None else flags,
                'ping_ms': ping_ms, 'idle_ms': idle_ms, 'replay_window': 64, 'replay_time_s': 15}

    def key_install(self, key_id, tx_pid_start=1, tx_pid_limit=LEASE_DEFAULT, rx_pid_floor=0, tx_now=1):
        c2s, s2c = self.keys[key_id]
        return {'type': 'KEY_INSTALL', 'sess': self.sess, 'gen': self.gen, 'key_id': key_id,
                'cipher': c2s.cipher_id, 'rx_key': c2s.key, 'rx_iv': c2s.iv, 'tx_key': s2c.key,
                'tx_iv': s2c.iv, 'tx_pid_start': tx_pid_start, 'tx_pid_limit': tx_pid_limit,
                'rx_pid_floor': rx_pid_floor, 'tx_now': tx_now}

    def sg(self, **kw):
        d = {'sess': self.sess, 'gen': self.gen}
        d.update(kw)
        return d

    def build(self, plaintext, key_id=None, peer_id=None, pid=None, header_key_id=None):
        """Encrypts plaintext as this client would (V1 or V2)."""
        key_id = self.tx_key_id if key_id is None else key_id
        c2s = self.keys[key_id][0]
        if pid is None:
            pid = c2s.take_pid()
        hk = key_id if header_key_id is None else header_key_id
        if self.v1:
            pkt = ov.build_data_v1(c2s, hk, plaintext, pid=pid)
            if hk != key_id:  # V1 AD excludes byte 0: just relabel
                pkt = bytes([ov.op_byte(ov.P_DATA_V1, hk)]) + pkt[1:]
            return pkt
        pid_arg = pid
        if hk != key_id:
            head = bytes([ov.op_byte(ov.P_DATA_V2, hk)]) + struct.pack('>I', self.peer_id)[1:]
            return ov.seal_v2_raw(c2s, head, pid_arg, plaintext)
        return ov.build_data_v2(c2s, key_id, self.peer_id if peer_id is None else peer_id, plaintext, pid=pid_arg)

    def send_raw(self, pkt, counted=False):
        """Sends one datagram; returns False (and counts nothing) when the kernel would block,
        e.g. while the client's ARP for the dataplane is unanswered."""
        try:
            self.sock.sendto(pkt, socket.MSG_DONTWAIT, (DP_ADDR, UDP_PORT))
        except (BlockingIOError, TimeoutError):
            self.send_blocked += 1
            return False
        if counted:
            with self.lock:
                self.sent_pkts += 1
                self.sent_bytes += len(pkt)
        return True

    def send(self, plaintext, key_id=None):
        """A valid packet the dataplane must authenticate (and count)."""
        pkt = self.build(plaintext, key_id)
        if self.send_raw(pkt, counted=True):
            self.last_tx_pid = struct.unpack('>I', pkt[1:5] if self.v1 else pkt[4:8])[0]
        return pkt

    def echo_request(self, seq=None, src=None):
        if seq is None:
            self.seq += 1
            seq = self.seq
        payload = struct.pack('!II', self.sess, seq) + os.urandom(40)
        pkt = ov.build_icmp_echo(src or self.vaddr, LAN_HOST, self.ident, seq, payload, ip_id=seq & 0xFFFF)
        return seq, payload, pkt

    def recv_raw(self, timeout):
        """(bytes, (addr, port)) or (None, None); timeout <= 0 only takes what is queued."""
        self.sock.settimeout(timeout if timeout > 0 else 0.0)
        try:
            return self.sock.recvfrom(4096)
        except (socket.timeout, BlockingIOError):
            return None, None

    def recv_decrypted(self, timeout):
        """-> (header dict with plaintext, None), (None, error text) or (None, None) on timeout."""
        pkt, frm = self.recv_raw(timeout)
        if pkt is None:
            return None, None
        if frm != (DP_ADDR, UDP_PORT):
            return None, 'packet from %s:%d, want %s:%d' % (frm[0], frm[1], DP_ADDR, UDP_PORT)
        try:
            h = ov.parse_data(pkt)
        except ov.OvpnError as e:
            return None, '%s (%s)' % (e, pkt[:32].hex())
        if h['key_id'] not in self.keys:
            return None, 'reply with key_id %d we do not have' % h['key_id']
        try:
            h = ov.open_data(self.keys[h['key_id']][1], pkt)
        except ov.OvpnError as e:
            return None, 'key_id %d pid %d: %s' % (h['key_id'], h['pid'], e)
        with self.lock:
            self.rcvd_pkts += 1
            self.rcvd_bytes += len(pkt)
            self.rx_pids.setdefault(h['key_id'], []).append(h['pid'])
        h['raw'] = pkt
        return h, None

    def header_problems(self, h, key_id=None):
        """Checks opcode, key_id and peer-id of a packet from the dataplane."""
        p = []
        want_op = ov.P_DATA_V1 if self.v1 else ov.P_DATA_V2
        if h['opcode'] != want_op:
            p.append('opcode %d, want %d' % (h['opcode'], want_op))
        if key_id is not None and h['key_id'] != key_id:
            p.append('key_id %d, want %d' % (h['key_id'], key_id))
        if not self.v1 and h['peer_id'] != self.peer_id:
            p.append('peer-id %#x, want %#x' % (h['peer_id'], self.peer_id))
        return p

    def drain(self, timeout=0.0):
        """Discards what arrives within timeout (and whatever is queued); returns the count."""
        n = 0
        end = time.monotonic() + timeout
        while self.recv_raw(end - time.monotonic())[0] is not None:
            n += 1
        return n


def echo_reply_problems(peer, h, seq, payload):
    """Problems with a decrypted packet that should be the echo reply to (seq, payload)."""
    try:
        e = ov.parse_icmp_echo(h['plaintext'])
    except ov.OvpnError as ex:
        return ['inner packet: %s (%s)' % (ex, h['plaintext'][:40].hex())], None
    p = []
    if e['type'] != 0 or e['ident'] != peer.ident:
        return ['not our echo reply (type %d id %#x seq %d)' % (e['type'], e['ident'], e['seq'])], e
    if e['seq'] != seq:
        return ['reply seq %d, want %d' % (e['seq'], seq)], e
    if e['src'] != LAN_HOST or e['dst'] != peer.vaddr:
        p.append('inner %s -> %s' % (e['src'], e['dst']))
    if e['data'] != payload:
        p.append('echo payload differs')
    if not e['ip_ok']:
        p.append('inner IPv4 checksum bad')
    if not e['icmp_ok']:
        p.append('ICMP checksum bad')
    if e['trailing']:
        p.append('%d bytes after the inner packet' % e['trailing'])
    return p, e


# ---------------------------------------------------------------------------------------------

class DataplaneTest:
    def __init__(self, a):
        self.a = a
        self.failed = []
        self.passed = []
        self.proc = None
        self.logf = open(a.log, 'ab')
        self.cp = None
        self.tele = Telemetry(a.prefix)
        self.peers = {}
        self.deadline_hit = False
        self.lcore_list = parse_lcores(a.lcores)
        self.n_workers = max(1, len(self.lcore_list) - 1)

    # -- reporting --
    def check(self, name, ok, detail='', ok_detail=None):
        """Prints PASS/FAIL; detail explains a failure (and a pass unless ok_detail is given)."""
        if ok:
            detail = detail if ok_detail is None else ok_detail
            print('PASS %s%s' % (name, (' (%s)' % detail) if detail else ''), flush=True)
            self.passed.append(name)
        else:
            print('FAIL %s: %s' % (name, detail or 'failed'), flush=True)
            self.failed.append(name)
        return ok

    def note(self, text):
        print('  # %s' % text, flush=True)

    # -- the dataplane process --
    def start_dp(self):
        cmd = ['ip', 'netns', 'exec', self.a.dp_ns, self.a.dp,
               '--no-huge', '-m', '512', '--no-pci',
               # "0@0,1@1,2@1" maps more lcores than CPUs (several workers on a 2-core box)
               '--lcores' if '@' in self.a.lcores else '-l', self.a.lcores,
               '--file-prefix', self.a.prefix,
               '--vdev', 'net_af_packet0,iface=%s%s' % (self.a.o0, self.a.vdev_extra),
               '--vdev', 'net_af_packet1,iface=%s%s' % (self.a.l0, self.a.vdev_extra),
               '--', '--config', self.a.config]
        self.logf.write(('\n==== %s: %s\n' % (time.strftime('%T'), ' '.join(cmd))).encode())
        self.logf.flush()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def dp_alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill_dp(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.logf.write(('==== dataplane exited with %r\n' % self.proc.returncode).encode())
        self.logf.flush()

    def wait_hello(self, timeout, newer_than=None, not_boot=None):
        """Next HELLO (optionally with a boot_id other than not_boot); None on timeout or exit."""
        nh = len(self.cp.hellos) if newer_than is None else newer_than
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.dp_alive():
            h = self.cp.wait_hello(timeout=min(0.5, end - time.monotonic()), newer_than=nh)
            if h is None:
                continue
            nh += 1
            if not_boot is None or h['boot_id'] != not_boot:
                return h
        return None

    # -- helpers --
    def cp_errors(self):
        return self.cp.errors()

    def apply(self, *msgs):
        """Sends control messages, waits for the dataplane to have handled them; returns the ERRORs."""
        for m in msgs:
            self.cp.send(m)
        if self.cp.barrier() is None:
            return ['no STATS_DONE after %s' % ', '.join(m['type'] for m in msgs)]
        return ['ERROR %s' % fmt_error(e) for e in self.cp_errors()]

    def new_peer(self, sess, cipher, peer_id, vaddr, v1=False, ping_ms=0, install=True, **kinst):
        p = Peer(sess, cipher, peer_id, vaddr, v1=v1)
        self.peers[sess] = p
        p.new_key(0)
        msgs = [p.session_add(ping_ms=ping_ms)]
        if install:
            msgs.append(p.key_install(0, **kinst))
        errs = self.apply(*msgs)
        return p, errs

    def echo(self, peer, n, timeout=ECHO_TIMEOUT, key_id=None):
        """n echo requests one after the other. Returns (list of (header, echo), problems)."""
        replies, problems = [], []
        lost_in_row = 0
        for i in range(n):
            if lost_in_row >= 3:   # keep the whole run bounded when nothing comes back
                problems.append('gave up after 3 losses in a row (%d requests not sent)' % (n - i))
                break
            seq, payload, inner = peer.echo_request()
            blocked0 = peer.send_blocked
            peer.send(inner, key_id)
            got = None
            end = time.monotonic() + timeout
            while got is None:
                h, err = peer.recv_decrypted(end - time.monotonic())
                if h is None and err is None:
                    break
                if err:
                    problems.append(err)
                    continue
                kind = ov.classify_plaintext(h['plaintext'])
                if kind == 'ping':
                    continue
                if kind != 'ipv4':
                    problems.append('unexpected %s payload' % kind)
                    continue
                p, e = echo_reply_problems(peer, h, seq, payload)
                if e is not None and e['type'] == 0 and e['ident'] == peer.ident and e['seq'] == seq:
                    problems.extend('seq %d: %s' % (seq, x) for x in p)
                    got = (h, e)
                else:
                    problems.extend(p)
            if got is None:
                problems.append('no reply to seq %d%s' % (seq, ' (client kernel would not send it)'
                                                         if peer.send_blocked > blocked0 else ''))
                lost_in_row += 1
            else:
                replies.append(got)
                lost_in_row = 0
        return replies, problems

    def drops_safe(self):
        try:
            return self.tele.drops()
        except Exception:
            return {}

    def drop_diff(self, before):
        """Drop counters that changed since before, as text (for failure details)."""
        after = self.drops_safe()
        d = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}
        return 'drops meanwhile %s' % d

    def wait_counter(self, before, name, want, timeout=3.0):
        """Polls /dpvpn/drops until counter name reached before+want; then settles; returns after."""
        end = time.monotonic() + timeout
        after = before
        while time.monotonic() < end:
            after = self.tele.drops()
            if after.get(name, 0) - before.get(name, 0) >= want:
                break
            time.sleep(0.05)
        time.sleep(0.3)
        return self.tele.drops()

    # =========================================================================================
    # checks

    def t_start(self):
        self.cp = ControlPlane(self.a.endpoint)
        self.start_dp()
        h = self.wait_hello(30)
        if h is None:
            self.check('dataplane_hello', False, 'no HELLO within 30 s' if self.dp_alive() else
                       'no HELLO; dataplane exited with %r' % self.proc.returncode)
            return False
        self.boot_id = h['boot_id']
        p = []
        if h['schema'] != ipc.SCHEMA_VERSION:
            p.append('schema %d' % h['schema'])
        if h['max_sessions'] != MAX_SESSIONS:
            p.append('max_sessions %d, config says %d' % (h['max_sessions'], MAX_SESSIONS))
        if h['n_workers'] != self.n_workers:
            p.append('n_workers %d, want %d for -l %s' % (h['n_workers'], self.n_workers, self.a.lcores))
        if not h['name']:
            p.append('empty name')
        self.check('dataplane_hello', not p, '; '.join(p) or 'boot_id %016x name %s' % (h['boot_id'], h['name']))
        # The dataplane repeats HELLO every second until acked: make sure it stopped.
        time.sleep(1.5)
        self.cp.pump(0)
        ts = [x[0] for x in self.cp.hellos if x[2]['boot_id'] == self.boot_id]
        self.check('hello_stops_after_ack', len(ts) <= 2, '%d HELLOs at +%s s' % (
            len(ts), ', +'.join('%.3f' % (t - ts[0]) for t in ts)))
        # Then it says what it runs, once per accepted HELLO.
        info = self.cp.infos[-1] if self.cp.infos else {}
        self.check('dp_info_after_ack', len(self.cp.infos) == len(ts) and re.fullmatch(r'\d+\.\d+\.\d+', info.get(
            'version', '')) is not None and info.get('dpdk', '').startswith('DPDK ')
            and info.get('crypto', '').startswith('ipsec-mb '), '%d DP_INFO for %d HELLOs: %s' % (
            len(self.cp.infos), len(ts), info))
        return True

    def t_icmp(self):
        last = ''
        for attempt in range(1, 4):
            ok, last = icmp_ping(DP_ADDR, 2, 2.0)
            if ok:
                return self.check('icmp_echo_dataplane', True, '%s, attempt %d' % (last, attempt))
            time.sleep(1)
        return self.check('icmp_echo_dataplane', False, last)

    def t_echo_cipher(self, name, sess, cipher, v1=False):
        peer_id = ov.PEER_ID_NONE if v1 else 10 + sess
        p, errs = self.new_peer(sess, cipher, peer_id, '10.99.0.%d' % (10 + sess), v1=v1)
        if errs:
            return self.check(name, False, '; '.join(errs))
        d0 = self.drops_safe()
        replies, probs = self.echo(p, 20)
        pids = [h['pid'] for h, _ in replies]
        for h, _ in replies:
            probs.extend(p.header_problems(h, key_id=0))
        if pids != list(range(1, len(pids) + 1)):
            probs.append('packet-ids %s, want 1,2,3...' % short_list(pids))
        if probs:
            probs.append(self.drop_diff(d0))
        return self.check(name, len(replies) == 20 and not probs,
                          '%d/20 replies; %s' % (len(replies), '; '.join(dedup(probs)[:6])) if probs or len(replies) != 20
                          else '20/20, pids 1..20')

    def t_stats(self, sessions):
        cookie = 0xC0FFEE
        self.cp.send({'type': 'STATS_REQ', 'cookie': cookie})
        done = self.cp.recv('STATS_DONE', 3.0, match=lambda m: m['cookie'] == cookie)
        if done is None:
            return self.check('stats', False, 'no STATS_DONE within 3 s')
        st = self.cp.take('SESSION_STATS', match=lambda m: m['cookie'] == cookie)
        probs = []
        if done['n_sessions'] != len(st):
            probs.append('STATS_DONE n_sessions %d but %d SESSION_STATS' % (done['n_sessions'], len(st)))
        live = set(sessions)
        got = {}
        for s in st:
            if s['sess'] in got:
                probs.append('sess %d reported twice' % s['sess'])
            got[s['sess']] = s
        if set(got) != live:
            probs.append('sessions reported %s, live %s' % (sorted(got), sorted(live)))
        for sess in sorted(live & set(got)):
            s, p = got[sess], self.peers[sess]
            want = dict(gen=p.gen, rx_pkts=p.sent_pkts, rx_bytes=p.sent_bytes, tx_pkts=p.rcvd_pkts,
                        tx_bytes=p.rcvd_bytes, tx_key_id=0, tx_pid=max(p.rx_pids.get(0, [0])),
                        rx_pid=p.last_tx_pid)
            for k, v in want.items():
                if s[k] != v:
                    probs.append('sess %d %s=%d, want %d' % (sess, k, s[k], v))
            if s['idle_ms'] > 60000:
                probs.append('sess %d idle_ms %d' % (sess, s['idle_ms']))
        return self.check('stats', not probs, '; '.join(probs) or '%d sessions exact' % len(st))

    def counters(self, cookie):
        """COUNTERS_REQ: the groups as {(kind, index): (role, name, {counter: value})}, or a problem."""
        self.cp.send({'type': 'COUNTERS_REQ', 'cookie': cookie})
        groups, end = {}, time.monotonic() + 3.0
        while time.monotonic() < end:
            m = self.cp.recv('COUNTERS', 1.0, match=lambda m: m['cookie'] == cookie)
            if m is None:
                continue
            names = m['names'].split(',') if m['names'] else []
            if len(m['values']) != 8 * len(names):
                return None, '%s %d: %d names, %d value bytes' % (m['kind'], m['index'], len(names),
                                                                  len(m['values']))
            values = struct.unpack('>%dQ' % len(names), m['values'])
            g = groups.setdefault((m['kind'], m['index']), (m['role'], m['name'], {}))
            g[2].update(zip(names, values))
            if m['last']:
                return groups, None
        return None, 'no COUNTERS with last=1 within 3 s'

    def t_counters(self):
        """COUNTERS (dpvpnctl show stats): the same numbers as telemetry, per group."""
        groups, err = self.counters(0xC0DE)
        if err:
            return self.check('counters', False, err)
        probs = []
        drops_tel, stats_tel = self.tele.drops(), self.tele.query('/dpvpn/stats')
        lcores_tel = self.tele.query('/dpvpn/lcores')
        drops = groups.get(('drops', 0), ('', '', {}))[2]
        stats = groups.get(('stats', 0), ('', '', {}))[2]
        if drops != drops_tel:
            probs.append('drops %s != telemetry %s' % (short_list(sorted(drops.items())),
                                                       short_list(sorted(drops_tel.items()))))
        for k in ('decrypted', 'encrypted', 'rx_outside', 'sessions', 'tsc_hz'):
            if stats.get(k) != stats_tel.get(k):
                probs.append('stats %s %s != telemetry %s' % (k, stats.get(k), stats_tel.get(k)))
        lcores = {i: g for (kind, i), g in groups.items() if kind == 'lcore'}
        if sorted(str(i) for i in lcores) != sorted(lcores_tel):
            probs.append('lcores %s, telemetry %s' % (sorted(lcores), sorted(lcores_tel)))
        if sum(g[2].get('decrypted', 0) for g in lcores.values()) != stats.get('decrypted'):
            probs.append('lcores decrypted do not add up to the total')
        if any('cycles_per_packet' not in g[2] or not g[0] for g in lcores.values()):
            probs.append('an lcore without role or cycles_per_packet')
        roles = sorted(g[0] for (kind, _), g in groups.items() if kind == 'port')
        if roles != ['inside', 'outside']:
            probs.append('port roles %s' % roles)
        return self.check('counters', not probs, '; '.join(probs) or
                          '%d groups, %d drop reasons, %d lcores, equal to telemetry'
                          % (len(groups), len(drops), len(lcores)))

    def t_rollover(self, sess=4):
        name = 'key_rollover'
        p, errs = self.new_peer(sess, 'AES-256-GCM', 10 + sess, '10.99.0.%d' % (10 + sess))
        if errs:
            return self.check(name, False, '; '.join(errs))
        p.new_key(1)
        total = 200
        sent = {}            # seq -> (key_id, payload)
        replies = {}         # seq -> (key_id, pid)
        order = []           # reply key_ids in arrival order
        probs = []
        stop = threading.Event()
        sent_count = [0]

        def sender():
            t0 = time.monotonic()
            for i in range(total):
                seq, payload, inner = p.echo_request()
                kid = p.tx_key_id
                sent[seq] = (kid, payload)
                p.send(inner, kid)
                sent_count[0] = i + 1
                nxt = t0 + (i + 1) * 0.010
                d = nxt - time.monotonic()
                if d > 0:
                    time.sleep(d)

        def receiver():
            end = None
            while not stop.is_set() or (end and time.monotonic() < end):
                if stop.is_set() and end is None:
                    end = time.monotonic() + ECHO_TIMEOUT
                if len(replies) >= total:
                    break
                h, err = p.recv_decrypted(0.1)
                if err:
                    probs.append(err)
                if h is None:
                    continue
                try:
                    e = ov.parse_icmp_echo(h['plaintext'])
                except ov.OvpnError as ex:
                    probs.append(str(ex))
                    continue
                if e['seq'] not in sent or e['ident'] != p.ident or e['type'] != 0:
                    probs.append('stray packet seq %d' % e['seq'])
                    continue
                if e['data'] != sent[e['seq']][1]:
                    probs.append('seq %d payload differs' % e['seq'])
                probs.extend(p.header_problems(h))
                if e['seq'] in replies:
                    probs.append('duplicate reply seq %d' % e['seq'])
                replies[e['seq']] = (h['key_id'], h['pid'])
                order.append(h['key_id'])

        ts = threading.Thread(target=sender)
        tr = threading.Thread(target=receiver)
        tr.start()
        ts.start()
        steps = []
        try:
            wait_until(lambda: sent_count[0] >= 40, 3)
            errs = self.apply(p.key_install(1, tx_now=0))
            steps.append('install@%d' % sent_count[0])
            time.sleep(0.05)
            p.tx_key_id = 1
            steps.append('peer-switch@%d' % sent_count[0])
            wait_until(lambda: sent_count[0] >= 80, 3)
            errs += self.apply({'type': 'KEY_TX_SWITCH', 'sess': sess, 'gen': p.gen, 'key_id': 1})
            steps.append('tx-switch@%d' % sent_count[0])
            # delete key 0 once every request sent with it has been answered
            wait_until(lambda: all(s in replies for s, (k, _) in list(sent.items()) if k == 0), 3)
            wait_until(lambda: sent_count[0] >= 120, 3)
            errs += self.apply({'type': 'KEY_DEL', 'sess': sess, 'gen': p.gen, 'key_id': 0})
            steps.append('del0@%d' % sent_count[0])
        finally:
            ts.join(10)
            stop.set()
            tr.join(10)
        probs = errs + probs
        missing = sorted(set(sent) - set(replies))
        if missing:
            probs.append('%d/%d replies missing (seq %s)' % (len(missing), total, short_list(missing)))
        if 1 in order:
            first1 = order.index(1)
            if 0 in order[first1:]:
                probs.append('key 0 reply after a key 1 reply')
        if not order or order[0] != 0 or order[-1] != 1:
            probs.append('reply keys did not go from 0 to 1 (first %s, last %s)' %
                         (order[:1], order[-1:]))
        for kid in (0, 1):
            arrived = p.rx_pids.get(kid, [])
            if arrived != list(range(1, len(arrived) + 1)):
                probs.append('key %d packet-ids not 1,2,3..: %s' % (kid, short_list(arrived)))
        return self.check(name, not probs, '; '.join(dedup(probs)[:6]) if probs else
                          '%d/%d replies, %d on key 0 then %d on key 1 [%s]' %
                          (len(replies), total, order.count(0), order.count(1), ' '.join(steps)))

    def t_drops(self, sess=5):
        p, errs = self.new_peer(sess, 'AES-128-GCM', 10 + sess, '10.99.0.%d' % (10 + sess))
        if errs:
            self.check('drop_setup', False, '; '.join(errs))
            return
        replies, probs = self.echo(p, 2)
        if len(replies) != 2 or probs:
            self.note('drop session echo: %d/2 %s' % (len(replies), probs))
        try:
            base = self.tele.drops()
        except Exception as e:
            self.check('drops_telemetry', False, 'reading /dpvpn/drops: %s' % e)
            return
        missing = [r for r in DROP_REASONS if r not in base]
        extra = [k for k in base if k not in DROP_REASONS]
        bad = [k for k, v in base.items() if not isinstance(v, int)]
        self.check('drops_reason_keys', not missing and not bad,
                   'missing %s; non-integer %s' % (missing, bad) if missing or bad
                   else '%d reasons%s' % (len(base), ', extra %s' % extra if extra else ''))

        def one(name, counter, pkt, prep=None):
            if prep:
                prep()
            p.drain(0.05)
            before = self.tele.drops()
            p.send_raw(pkt)
            after = self.wait_counter(before, counter, 1)
            diff = {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)
                    if after.get(k, 0) != before.get(k, 0)}
            got_back = p.drain(0.0)
            ok = diff == {counter: 1} and got_back == 0
            self.check(name, ok, 'counter changes %s%s' % (diff, ', and %d packet(s) came back' % got_back
                                                         if got_back else '') if not ok else '%s +1' % counter)

        # replay: a packet that was accepted (and answered) is sent again
        seq, payload, inner = p.echo_request()
        orig = p.send(inner)
        h, err = p.recv_decrypted(ECHO_TIMEOUT)
        if h is None:
            self.note('replay: original got no reply (%s)' % err)
        one('drop_replay', 'replay', orig)
        # tampered ciphertext byte
        seq, payload, inner = p.echo_request()
        pkt = bytearray(p.build(inner))
        pkt[30] ^= 0x01
        one('drop_auth_fail', 'auth_fail', bytes(pkt))
        # unknown peer-id (below max-sessions, no session)
        seq, payload, inner = p.echo_request()
        one('drop_unknown_peer_id', 'unknown_peer_id', p.build(inner, peer_id=777))
        # key_id that is not installed
        seq, payload, inner = p.echo_request()
        one('drop_no_key', 'no_key', p.build(inner, header_key_id=3))
        # inner source address that is not the session's
        seq, payload, inner = p.echo_request(src='10.99.0.200')
        one('drop_inner_spoof', 'inner_spoof', p.build(inner))
        # still working afterwards
        replies, probs = self.echo(p, 2)
        self.check('drop_session_still_works', len(replies) == 2 and not probs,
                   '%d/2 %s' % (len(replies), '; '.join(probs)), '2/2 echo replies')

    def t_telemetry_script(self):
        name = 'dpdk_telemetry_py'
        exe = shutil.which('dpdk-telemetry.py') or '/usr/bin/dpdk-telemetry.py'
        if not os.path.exists(exe):
            return self.check(name, False, 'dpdk-telemetry.py not installed')
        b = self.tele.drops()
        try:
            r = subprocess.run([exe, '-f', self.a.prefix], input='/dpvpn/drops\n', capture_output=True,
                               text=True, timeout=15)
        except subprocess.TimeoutExpired:
            return self.check(name, False, 'timed out')
        a = self.tele.drops()
        got = None
        for line in r.stdout.splitlines():
            if '/dpvpn/drops' in line:
                try:
                    got = json.loads(line)['/dpvpn/drops']
                except (ValueError, KeyError, TypeError):
                    pass
        if got is None:
            return self.check(name, False, 'no /dpvpn/drops JSON in output (rc %d): %r %r' %
                              (r.returncode, r.stdout[-300:], r.stderr[-300:]))
        return self.check(name, got in (b, a), 'script %s, socket %s' % (got, a) if got not in (b, a)
                          else '%d reasons, same values' % len(got))

    def t_punt_inject(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.extra_socks.append(s)
        s.bind((CLI_ADDR, 0))
        port = s.getsockname()[1]
        sid = os.urandom(8)
        reset = bytes([ov.op_byte(ov.P_CONTROL_HARD_RESET_CLIENT_V2, 0)]) + sid + b'\x00' + b'\x00' * 4
        self.cp.take('PUNT')
        s.sendto(reset, (DP_ADDR, UDP_PORT))
        m = self.cp.recv('PUNT', 3.0)
        if m is None:
            self.check('punt', False, 'no PUNT within 3 s')
        else:
            want = dict(src_addr=addr(CLI_ADDR), src_port=port, dst_addr=addr(DP_ADDR), dst_port=UDP_PORT,
                        payload=reset)
            bad = ['%s=%r want %r' % (k, m[k], v) for k, v in want.items() if m[k] != v]
            self.check('punt', not bad, '; '.join(bad) or '%d bytes from %s:%d' % (len(reset), CLI_ADDR, port))
        ssid = os.urandom(8)
        resp = bytes([ov.op_byte(ov.P_CONTROL_HARD_RESET_SERVER_V2, 0)]) + ssid + b'\x01' + b'\x00' * 4 + sid + b'\x00' * 4
        self.cp.send({'type': 'INJECT', 'dst_addr': addr(CLI_ADDR), 'dst_port': port, 'src_addr': addr(DP_ADDR),
                      'src_port': UDP_PORT, 'payload': resp})
        s.settimeout(3.0)
        try:
            data, frm = s.recvfrom(4096)
        except socket.timeout:
            errs = self.cp_errors()
            return self.check('inject', False, 'nothing arrived within 3 s %s' % [fmt_error(e) for e in errs])
        ok = data == resp and frm == (DP_ADDR, UDP_PORT)
        self.check('inject', ok, 'got %d bytes from %s: %s' % (len(data), frm, data[:32].hex()) if not ok
                   else '%d bytes from %s:%d' % (len(data), frm[0], frm[1]))

    def t_bans(self, sess=10):
        """BAN_ADD / BAN_DEL / BAN_FLUSH: every UDP packet from a banned source dies before any
        other work (no punt, no decryption), counted as `banned`; ttl ends a ban by itself."""
        p, errs = self.new_peer(sess, 'AES-256-GCM', 10 + sess, '10.99.0.%d' % (10 + sess))
        replies, probs = self.echo(p, 2) if not errs else ([], errs)
        if len(replies) != 2 or probs:
            return self.check('ban_setup', False, '%d/2 echo replies; %s' % (len(replies), '; '.join(probs)))
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.extra_socks.append(c)
        c.bind((CLI_ADDR, 0))
        cport = c.getsockname()[1]

        def reset():
            return bytes([ov.op_byte(ov.P_CONTROL_HARD_RESET_CLIENT_V2, 0)]) + os.urandom(8) + b'\x00' * 5

        def ban(ttl, a=CLI_ADDR):
            return {'type': 'BAN_ADD', 'addr': addr(a), 'ttl_s': ttl}

        def bans():
            return self.tele.query('/dpvpn/stats').get('bans')

        def data_pkt():
            return p.build(p.echo_request()[2])

        def blast(n_data, n_ctrl):
            """Sends data and reset packets from the client; returns how many left the client."""
            sent = sum(1 for _ in range(n_data) if p.send_raw(data_pkt()))
            for _ in range(n_ctrl):
                c.sendto(reset(), (DP_ADDR, UDP_PORT))
            return sent + n_ctrl

        def banned_only(n, what):
            """Sends n_data + n_ctrl packets; checks that exactly they were counted as banned and
            that nothing else happened (no punt, no decryption, nothing back)."""
            self.cp.take('PUNT')
            p.drain(0)
            st0, d0 = self.tele.query('/dpvpn/stats'), self.tele.drops()
            sent = blast(*n)
            d1 = self.wait_counter(d0, 'banned', sent)
            self.cp.pump(0.2)
            st1 = self.tele.query('/dpvpn/stats')
            punts = self.cp.take('PUNT')
            back = p.drain(0.1)
            diff = {k: d1.get(k, 0) - d0.get(k, 0) for k in d1 if d1.get(k, 0) != d0.get(k, 0)}
            moved = {k: st1[k] - st0[k] for k in ('decrypted', 'punted', 'encrypted') if st1[k] != st0[k]}
            probs = []
            if diff != {'banned': sent}:
                probs.append('drop changes %s, want banned +%d' % (diff, sent))
            if punts:
                probs.append('%d PUNT reached the control plane' % len(punts))
            if moved:
                probs.append('stats moved %s' % moved)
            if back:
                probs.append('%d packets came back' % back)
            return self.check(what, not probs, '; '.join(probs),
                              'banned +%d (%d data, %d resets), no punt, nothing decrypted' % (sent, sent - n[1], n[1]))

        def works(what, extra=''):
            replies, probs = self.echo(p, 2)
            self.cp.take('PUNT')
            c.sendto(reset(), (DP_ADDR, UDP_PORT))
            m = self.cp.recv('PUNT', 3.0, match=lambda m: m['src_port'] == cport)
            if m is None:
                probs.append('reset not punted')
            return self.check(what, len(replies) == 2 and not probs, '%d/2 echo replies; %s' % (
                len(replies), '; '.join(probs)), '2/2 echo replies, reset punted%s' % extra)

        # banned: data and control packets are dropped first and counted
        errs = self.apply(ban(60))
        n = bans()
        self.check('ban_add', not errs and n == 1, '; '.join(errs) or '/dpvpn/stats bans %r, want 1' % n, 'bans 1')
        banned_only((20, 10), 'ban_drops_before_any_work')
        # unban: normal processing again
        errs = self.apply({'type': 'BAN_DEL', 'addr': addr(CLI_ADDR)})
        n = bans()
        self.check('ban_del', not errs and n == 0, '; '.join(errs) or 'bans %r after BAN_DEL' % n, 'bans 0')
        works('ban_del_restores')
        # ttl: the ban ends by itself
        t0 = time.monotonic()
        errs = self.apply(ban(1))
        t1 = time.monotonic()
        d0 = self.tele.drops()
        sent = 1 if p.send_raw(data_pkt()) else 0
        d1 = self.wait_counter(d0, 'banned', 1, timeout=0.4)
        during = d1.get('banned', 0) - d0.get('banned', 0)
        time.sleep(max(0.0, t1 + 1.15 - time.monotonic()))
        replies, probs = self.echo(p, 2)
        gone = wait_until(lambda: bans() == 0, 1.0, step=0.05)
        self.check('ban_ttl_expires', not errs and sent == during == 1 and len(replies) == 2 and not probs and gone,
                   'errors %s; banned +%d for 1 sent at +%.2f s; %d/2 replies after; bans %r; %s' % (
                       errs, during, time.monotonic() - t0, len(replies), bans(), '; '.join(probs)),
                   'banned +1 at once, 2/2 echo replies after %.2f s, bans 0' % (time.monotonic() - t0))
        # refused values, and BAN_DEL of an address not banned
        self.cp_errors()
        cases = [('ttl_0', ban(0), IPC_E_BAD_VALUE), ('addr_0', ban(60, '0.0.0.0'), IPC_E_BAD_VALUE),
                 ('multicast', ban(60, '224.0.0.5'), IPC_E_BAD_VALUE),
                 ('ipv6', {'type': 'BAN_ADD', 'addr': bytes(15) + b'\x01', 'ttl_s': 60}, IPC_E_BAD_VALUE),
                 ('del_unknown', {'type': 'BAN_DEL', 'addr': addr('198.18.0.99')}, None)]
        probs = []
        for label, msg, code in cases:
            self.cp.send(msg)
            self.cp.barrier()
            es = self.cp_errors()
            want = [] if code is None else [(ipc.TYPE_IDS[msg['type']], code)]
            got = [(e['ref_type'], e['code']) for e in es]
            if got != want:
                probs.append('%s: ERRORs %s, want %s' % (label, [fmt_error(e) for e in es], want))
        self.check('ban_refusals', not probs, '; '.join(probs), 'ttl 0, 0.0.0.0, multicast, IPv6 refused; '
                   'BAN_DEL of an unknown address silent')
        # a full table: DP_BAN_MAX other addresses, then one more is refused; lookups still exact
        t0 = time.monotonic()
        for i in range(DP_BAN_MAX):
            self.cp.send(ban(3600, '100.%d.%d.%d' % (64 + (i >> 16), (i >> 8) & 255, i & 255)))
        ok = self.cp.barrier(timeout=20.0) is not None
        es = self.cp_errors()
        n = bans()
        self.cp.send(ban(60))
        self.cp.barrier()
        full = [(e['ref_type'], e['code']) for e in self.cp_errors()]
        probs = []
        if not ok or es or n != DP_BAN_MAX:
            probs.append('filling: barrier %s, %d ERRORs, bans %r' % (ok, len(es), n))
        if full != [(20, IPC_E_NO_ROOM)]:
            probs.append('BAN_ADD into a full table: ERRORs %s, want [(20, %d)]' % (full, IPC_E_NO_ROOM))
        self.check('ban_table_full', not probs, '; '.join(probs), '%d bans in %.1f s, the next refused' % (
            n, time.monotonic() - t0))
        works('ban_full_table_others_pass')
        errs = self.apply({'type': 'BAN_DEL', 'addr': addr('100.64.0.7')}, ban(60))
        if errs:
            self.check('ban_full_table_del_add', False, '; '.join(errs))
        banned_only((5, 2), 'ban_full_table_lookup')
        # flush: every ban goes (the full table, the client's included)
        errs = self.apply({'type': 'BAN_FLUSH', 'cookie': 5})
        n = bans()
        self.check('ban_flush', not errs and n == 0, '; '.join(errs) or 'bans %r after BAN_FLUSH' % n,
                   'bans %d -> 0' % DP_BAN_MAX)
        works('ban_flush_clears')

    def t_keepalive(self, sess=6):
        p, errs = self.new_peer(sess, 'CHACHA20-POLY1305', 10 + sess, '10.99.0.%d' % (10 + sess), ping_ms=1000)
        t0 = time.monotonic()
        if errs:
            return self.check('keepalive_ping', False, '; '.join(errs))
        h, err = p.recv_decrypted(3.0)
        dt = time.monotonic() - t0
        if h is None:
            return self.check('keepalive_ping', False, err or 'nothing within 3 s')
        probs = p.header_problems(h, key_id=0)
        if h['plaintext'] != ov.PING_MAGIC:
            probs.append('payload %s is not the ping magic' % h['plaintext'][:32].hex())
        if h['pid'] != 1:
            probs.append('packet-id %d, want 1' % h['pid'])
        self.check('keepalive_ping', not probs, '; '.join(probs) or 'after %.2f s' % dt)
        # traffic both ways (a reply means its request was counted) for the final counters
        replies, probs = self.echo(p, 3)
        errs = self.apply({'type': 'SESSION_DEL', 'sess': sess, 'gen': p.gen})
        del self.peers[sess]
        self.dead_peers.append(p)
        time.sleep(0.1)
        late = p.drain(0)   # pings sent before SESSION_DEL that we did not read
        n = p.drain(1.3)
        self.check('session_del_stops_keepalive', not errs and n == 0, '; '.join(errs) or '%d packets after SESSION_DEL' % n)
        st = self.cp.recv('SESSION_STATS', 2.0, match=lambda m: m['cookie'] == COOKIE_FINAL and m['sess'] == sess)
        want = dict(gen=p.gen, rx_pkts=p.sent_pkts, tx_pkts=p.rcvd_pkts + late)
        if st is None:
            probs.append('no SESSION_STATS with cookie %#x within 2 s' % COOKIE_FINAL)
        else:
            probs.extend('%s=%d, want %d' % (k, st[k], v) for k, v in want.items() if st[k] != v)
        self.check('session_del_final_stats', len(replies) == 3 and not probs, '%d/3 echo replies; %s' % (
            len(replies), '; '.join(dedup(probs))), 'rx_pkts %d tx_pkts %d' % (want['rx_pkts'], want['tx_pkts']))

    def t_churn(self, sess=9, rounds=1100):
        """Adds and deletes P_DATA_V1 sessions, each alone in its /24, more times than the V1
        address index has slots: deleting frees the rte_lpm tbl8 group (RCU reclaim on the
        service loop) and the index slot, so neither may hang nor run out."""
        a = ipc.addr
        for i in range(rounds):
            vaddr = '10.%d.%d.1' % (100 + i // 250, i % 250)
            self.cp.send({'type': 'SESSION_ADD', 'sess': sess, 'gen': 1000 + i, 'peer_id': 0xFFFFFF,
                          'peer_addr': a(CLI_ADDR), 'peer_port': 40000 + i % 1000,
                          'local_addr': a(DP_ADDR), 'local_port': UDP_PORT, 'vaddr': a(vaddr),
                          'flags': 2, 'ping_ms': 0, 'idle_ms': 0, 'replay_window': 64,
                          'replay_time_s': 15})
            self.cp.send({'type': 'SESSION_DEL', 'sess': sess, 'gen': 1000 + i})
            if i % 200 == 199 and self.cp.barrier(timeout=10.0) is None:
                return self.check('session_churn', False, 'service loop stopped answering at round %d' % i)
        errs = self.apply()
        finals = self.cp.take('SESSION_STATS', match=lambda m: m['cookie'] == COOKIE_FINAL and m['sess'] == sess)
        if len(finals) != rounds:
            errs.append('%d SESSION_STATS with cookie %#x for %d SESSION_DEL' % (len(finals), COOKIE_FINAL, rounds))
        self.check('session_churn', not errs, '; '.join(errs[:3]) or '%d add/delete rounds' % rounds)
        p, errs = self.new_peer(sess, 'AES-256-GCM', 0xFFFFFF, '10.99.0.%d' % (10 + sess), v1=True)
        replies, probs = self.echo(p, 3) if not errs else ([], errs)
        self.check('session_churn_v1_after', not probs and len(replies) == 3,
                   '; '.join(probs) or '3 echo replies over P_DATA_V1')

    def t_occ_exit(self, sess=7):
        p, errs = self.new_peer(sess, 'AES-256-GCM', 10 + sess, '10.99.0.%d' % (10 + sess))
        if errs:
            return self.check('occ_exit_event', False, '; '.join(errs))
        self.cp.take('EVENT')
        p.send(ov.occ_payload(ov.OCC_EXIT))
        m = self.cp.recv('EVENT', 3.0, match=lambda m: m['sess'] == sess)
        if m is None:
            return self.check('occ_exit_event', False, 'no EVENT within 3 s')
        probs = []
        if m['kind'] != ipc.EV_EXIT_NOTIFY:
            probs.append('kind %d, want 1' % m['kind'])
        if m['gen'] != p.gen:
            probs.append('gen %d, want %d' % (m['gen'], p.gen))
        if m['addr'] != addr(CLI_ADDR) or m['port'] != p.port:
            probs.append('addr %s:%d, want %s:%d' % (addr_str(m['addr']), m['port'], CLI_ADDR, p.port))
        if m['key_id'] != 0:
            probs.append('key_id %d' % m['key_id'])
        self.check('occ_exit_event', not probs, '; '.join(probs))

    def t_lease(self, sess=8):
        p, errs = self.new_peer(sess, 'AES-128-GCM', 10 + sess, '10.99.0.%d' % (10 + sess),
                                tx_pid_start=1, tx_pid_limit=8)
        if errs:
            self.check('tx_lease_limit', False, '; '.join(errs))
            return None
        self.lease_peer = p
        self.lease_limit = 8
        replies, probs = self.echo(p, 8)
        pids = [h['pid'] for h, _ in replies]
        self.check('tx_lease_limit', len(replies) == 8 and pids == list(range(1, 9)) and not probs,
                   '%d/8 replies, pids %s; %s' % (len(replies), pids, '; '.join(probs)), 'pids 1..8')
        before = self.tele.drops()
        replies, probs = self.echo(p, 3, timeout=1.0)
        after = self.wait_counter(before, 'tx_lease_exhausted', 3, timeout=2.0)
        diff = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}
        self.check('tx_lease_exhausted', not replies and diff == {'tx_lease_exhausted': 3},
                   '%d replies came back (pids %s); drop changes %s' % (len(replies), [h['pid'] for h, _ in replies], diff),
                   '3 replies dropped, tx_lease_exhausted +3')
        ev = self.cp.recv('EVENT', 2.0, match=lambda m: m['sess'] == sess and m['kind'] == ipc.EV_TX_LEASE_LOW)
        self.check('tx_lease_low_event', ev is not None and ev['gen'] == p.gen and ev['key_id'] == 0,
                   'no EVENT kind 4 for sess %d' % sess if ev is None else 'gen %d key_id %d value %d' %
                   (ev['gen'], ev['key_id'], ev['value']))
        errs = self.apply({'type': 'KEY_LEASE', 'sess': sess, 'gen': p.gen, 'key_id': 0, 'tx_pid_limit': 1000})
        self.lease_limit = 1000
        replies, probs = self.echo(p, 3)
        pids = [h['pid'] for h, _ in replies]
        self.check('tx_lease_extended', not errs and pids == [9, 10, 11] and not probs,
                   '; '.join(errs + probs) + ' pids %s, want [9, 10, 11]' % pids, 'pids 9, 10, 11')
        return p

    def t_telemetry_json(self):
        live = sorted(self.peers)
        try:
            st = self.tele.query('/dpvpn/stats')
            txt = json.dumps(st).lower()
            want = ['decrypt', 'encrypt', 'punt', 'inject', 'session']
            miss = [w for w in want if w not in txt]
            self.check('telemetry_stats', isinstance(st, dict) and not miss and any(
                isinstance(v, int) and v > 0 for v in flat_values(st)),
                'missing %s in %s' % (miss, txt[:300]) if miss else txt[:200])
        except Exception as e:
            self.check('telemetry_stats', False, str(e))
        try:
            lc = self.tele.query('/dpvpn/lcores')
            entries = lc if isinstance(lc, list) else list(lc.values()) if isinstance(lc, dict) else []
            if isinstance(lc, dict) and len(lc) == 1 and isinstance(entries[0], list):
                entries = entries[0]
            txt = json.dumps(lc)
            ok = isinstance(lc, (dict, list)) and len(entries) == len(self.lcore_list) and 'role' in txt
            self.check('telemetry_lcores', ok, '%d entries for %d lcores, want one each with a role: %s' %
                       (len(entries), len(self.lcore_list), txt[:300]), txt[:160])
        except Exception as e:
            self.check('telemetry_lcores', False, str(e))
        try:
            ss = self.tele.query('/dpvpn/sessions')
            ints = set(v for v in flat_values(ss) if isinstance(v, int))
            ok = isinstance(ss, (dict, list)) and set(live) <= ints
            self.check('telemetry_sessions', ok, 'live sessions %s not all listed: %s' % (live, json.dumps(ss)[:300]),
                       json.dumps(ss)[:160])
        except Exception as e:
            self.check('telemetry_sessions', False, str(e))
        sess = live[0] if live else 0
        p = self.peers.get(sess)
        try:
            so = self.tele.query('/dpvpn/session,%d' % sess)
            txt = json.dumps(so)
            probs = []
            if not isinstance(so, dict):
                probs.append('not an object')
            if CLI_ADDR not in txt:
                probs.append('peer address missing')
            if p and not re.search(p.cipher.replace('-', '.?'), txt, re.I) and '"cipher' not in txt:
                probs.append('no cipher of the keys (want the name %s or a "cipher" field)' % p.cipher)
            if p:
                for kid, pair in p.keys.items():
                    for dk in pair:
                        if key_leaks(dk.key, txt):
                            probs.append('key bytes of key_id %d visible' % kid)
            self.check('telemetry_session', not probs, '; '.join(dedup(probs)) + ' ' + txt[:300] if probs else txt[:160])
        except Exception as e:
            self.check('telemetry_session', False, str(e))

    def t_restart(self):
        name = 'restart'
        p = getattr(self, 'lease_peer', None)
        if p is None:
            return self.check(name, False, 'no lease session to carry over')
        before_max = max(p.rx_pids.get(0, [0]))
        old_boot = self.boot_id
        nh = len(self.cp.hellos)
        self.kill_dp()
        self.start_dp()
        h = self.wait_hello(30, newer_than=nh, not_boot=old_boot)
        if h is None:
            return self.check('restart_hello', False, 'no HELLO with a new boot_id within 30 s (dataplane %s)' %
                              ('running' if self.dp_alive() else 'exited with %r' % self.proc.returncode))
        self.check('restart_hello', True, 'boot_id %016x -> %016x' % (old_boot, h['boot_id']))
        self.boot_id = h['boot_id']
        for s in list(self.peers):
            if s != p.sess:
                self.dead_peers.append(self.peers.pop(s))
        start = self.lease_limit + 1
        errs = self.apply(p.session_add(), p.key_install(0, tx_pid_start=start, tx_pid_limit=start + 999,
                                                          rx_pid_floor=p.last_tx_pid))
        d0 = self.drops_safe()
        replies, probs = self.echo(p, 5, timeout=3.0)
        pids = [h['pid'] for h, _ in replies]
        probs = errs + probs
        if len(replies) != 5:
            probs.append(self.drop_diff(d0))
        if any(x <= before_max for x in pids):
            probs.append('packet-id reused: %s <= %d' % (pids, before_max))
        if pids != list(range(start, start + len(pids))):
            probs.append('pids %s, want %d..' % (pids, start))
        self.check('restart_no_nonce_reuse', len(replies) == 5 and not probs,
                   '; '.join(dedup(probs)) if probs else 'pids %s > %d' % (pids, before_max))

    def t_cp_restart(self):
        """The control plane goes away and comes back (dpvpnd restarted): traffic keeps
        flowing meanwhile, the dataplane says HELLO again with the same boot_id, and
        RESYNC_REQ describes every session it holds."""
        p = getattr(self, 'lease_peer', None)
        if p is None:
            return self.check('cp_restart_traffic', False, 'no session to carry over')
        self.cp.close()
        replies, probs = self.echo(p, 3, timeout=3.0)
        self.check('cp_restart_traffic', len(replies) == 3 and not probs,
                   '; '.join(dedup(probs)) or '3 echo replies with no control plane')
        self.cp = ControlPlane(self.a.endpoint)
        h = self.wait_hello(30, newer_than=0)
        if h is None:
            return self.check('cp_restart_hello', False, 'no HELLO within 30 s after the rebind')
        self.check('cp_restart_hello', h['boot_id'] == self.boot_id,
                   'boot_id %016x, want the same %016x' % (h['boot_id'], self.boot_id))
        self.cp.send({'type': 'RESYNC_REQ', 'cookie': 77})
        done = self.cp.recv('STATS_DONE', 5.0, match=lambda m: m['cookie'] == 77)
        infos = self.cp.take('SESSION_INFO', match=lambda m: m['cookie'] == 77)
        want = sorted(self.peers)
        got = sorted(m['sess'] for m in infos)
        mine = [m for m in infos if m['sess'] == p.sess]
        probs = []
        if done is None or done['n_sessions'] != len(infos):
            probs.append('STATS_DONE %r for %d SESSION_INFO' % (done, len(infos)))
        if got != want:
            probs.append('sessions %s, want %s' % (got, want))
        if mine and (mine[0]['peer_addr'] != ipc.addr(CLI_ADDR) or mine[0]['peer_port'] != p.port
                     or mine[0]['vaddr'] != ipc.addr(p.vaddr) or mine[0]['key_mask'] != 1
                     or mine[0]['tx_key_id'] != 0 or mine[0]['gen'] != p.gen):
            probs.append('SESSION_INFO %r' % mine[0])
        self.check('cp_restart_resync', not probs, '; '.join(probs) or '%d sessions relearned' % len(infos))

    def t_garbage(self):
        hello = self.cp.hellos[-1][2]
        cases = [
            ('not_msgpack', b'\xc1\xc1\xc1', None),
            ('truncated', b'\x93\x04\x01', None),
            ('not_array', msgpack.packb({'a': 1}), None),
            ('field_count', msgpack.packb([4, 1]), None),
            ('unknown_type', msgpack.packb([250, 1, 2]), None),
            ('sess_out_of_range', None, 3),
        ]
        self.cp_errors()
        for label, raw, ref in cases:
            if raw is None:
                self.cp.send({'type': 'SESSION_ADD', 'sess': hello['max_sessions'], 'gen': 1, 'peer_id': 5,
                              'peer_addr': addr(CLI_ADDR), 'peer_port': 40000, 'local_addr': addr(DP_ADDR),
                              'local_port': UDP_PORT, 'vaddr': addr('10.99.0.250'), 'flags': 0, 'ping_ms': 0,
                              'idle_ms': 0, 'replay_window': 64, 'replay_time_s': 15})
            else:
                self.cp.send_raw(raw)
            e = self.cp.recv('ERROR', 2.0)
            ok = e is not None and (ref is None or e['ref_type'] == ref)
            self.check('ipc_garbage_%s' % label, ok, 'no ERROR within 2 s' if e is None else fmt_error(e))
        p = getattr(self, 'lease_peer', None)
        if p is None or p.sess not in self.peers:
            return self.check('forwarding_after_garbage', False, 'no live session')
        replies, probs = self.echo(p, 3)
        self.check('forwarding_after_garbage', self.dp_alive() and len(replies) == 3 and not probs,
                   '%d/3 %s%s' % (len(replies), '; '.join(probs), '' if self.dp_alive() else ' dataplane died'),
                   '3/3 echo replies')

    # =========================================================================================

    def run(self):
        self.extra_socks = []
        self.dead_peers = []
        if not self.t_start():
            self.report_ipc()
            return
        steps = [
            self.t_icmp,
            lambda: self.t_echo_cipher('echo_aes_128_gcm', 0, 'AES-128-GCM'),
            lambda: self.t_echo_cipher('echo_aes_256_gcm', 1, 'AES-256-GCM'),
            lambda: self.t_echo_cipher('echo_chacha20_poly1305', 2, 'CHACHA20-POLY1305'),
            lambda: self.t_echo_cipher('echo_data_v1', 3, 'AES-256-GCM', v1=True),
            lambda: self.t_stats([0, 1, 2, 3]),
            self.t_counters,
            self.t_rollover,
            self.t_drops,
            self.t_telemetry_script,
            self.t_punt_inject,
            self.t_bans,
            self.t_keepalive,
            self.t_occ_exit,
            self.t_lease,
            self.t_churn,
            self.t_telemetry_json,
            self.t_cp_restart,
            self.t_restart,
            self.t_garbage,
        ]
        for step in steps:
            label = getattr(step, '__name__', 'step')
            if self.deadline_hit:
                self.check('deadline', False, 'global time limit reached before %s' % label)
                break
            if not self.dp_alive():
                self.check('dataplane_alive', False, 'dataplane exited with %r before %s' %
                           (self.proc.returncode, label))
                break
            try:
                step()
            except Deadline:
                self.deadline_hit = True
                self.check('deadline', False, 'global time limit reached in %s' % label)
                break
            except Exception as e:  # a bug in a step must not hide the others
                import traceback
                traceback.print_exc()
                self.check('step_%s' % label, False, '%s: %s' % (type(e).__name__, e))
        else:
            self.check('dataplane_alive', self.dp_alive(), 'dataplane exited with %r' %
                       (self.proc.returncode if self.proc else None), 'still running')
        self.report_ipc()

    def report_ipc(self):
        self.cp.pump(0.1)
        unexpected = [m for m in self.cp.pending if m['type'] == 'ERROR']
        self.check('ipc_schema_strict', not self.cp.violations,
                   '; '.join(dedup(self.cp.violations)[:5]) or ('%d dp->cp messages' % sum(1 for x in self.cp.log if x[1] == 'rx')))
        if unexpected:
            self.note('unconsumed ERRORs: %s' % [fmt_error(e) for e in unexpected])

    def finish(self):
        self.kill_dp()
        if self.cp is not None:
            self.cp.close()
        for p in list(self.peers.values()) + getattr(self, 'dead_peers', []):
            p.close()
        for s in getattr(self, 'extra_socks', []):
            s.close()
        self.logf.close()
        if self.failed:
            print('---- dataplane log (%s, last 150 lines) ----' % self.a.log)
            try:
                with open(self.a.log, 'rb') as f:
                    lines = f.read().decode(errors='replace').splitlines()
                for line in lines[-150:]:
                    print('| ' + line)
            except OSError as e:
                print('(no log: %s)' % e)
            if self.cp is not None:
                print('---- last IPC messages ----')
                for t, d, m in self.cp.log[-25:]:
                    print('| %s %s' % (d, short_msg(m)))
        print('%d passed, %d failed%s' % (len(self.passed), len(self.failed),
                                          (': ' + ' '.join(self.failed)) if self.failed else ''), flush=True)


# ---------------------------------------------------------------------------------------------

def parse_lcores(s):
    out = []
    for part in s.split(','):
        if '-' in part:
            a, b = part.split('-')
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part.split('@')[0]))
    return out


def wait_until(pred, timeout, step=0.005):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() >= end:
            return False
        time.sleep(step)
    return True


def dedup(xs):
    seen, out = set(), []
    for x in xs:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def short_list(xs, n=12):
    xs = list(xs)
    return ','.join(map(str, xs[:n])) + (',...(%d)' % len(xs) if len(xs) > n else '')


def flat_values(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if isinstance(k, str) and k.isdigit():
                yield int(k)
            yield from flat_values(v)
    elif isinstance(o, list):
        for v in o:
            yield from flat_values(v)
    else:
        yield o


def key_leaks(key, txt):
    low = txt.lower()
    forms = [key.hex()[:16], base64.b64encode(key).decode()[:12],
             ', '.join(str(b) for b in key[:6]), ','.join(str(b) for b in key[:6])]
    return any(f.lower() in low for f in forms)


def fmt_error(e):
    return 'ERROR(ref_type=%d sess=%d code=%d %r)' % (e['ref_type'], e['sess'], e['code'], e['text'])


def short_msg(m):
    out = []
    for k, v in m.items():
        if isinstance(v, (bytes, bytearray)):
            v = addr_str(v) if len(v) == 4 and k.endswith('addr') else v[:12].hex() + ('..' if len(v) > 12 else '')
        out.append('%s=%s' % (k, v))
    return ' '.join(out)


def icmp_ping(dst, count, wait):
    """`ping -c count -W wait dst` if iputils ping exists, else the same with a raw socket."""
    exe = shutil.which('ping')
    if exe:
        try:
            r = subprocess.run([exe, '-c', str(count), '-W', str(int(wait)), dst], capture_output=True,
                               text=True, timeout=count * wait + 5)
        except subprocess.TimeoutExpired:
            return False, 'ping timed out'
        m = re.search(r'(\d+) (?:packets )?received', r.stdout)
        n = int(m.group(1)) if m else 0
        return r.returncode == 0 and n == count, 'ping: %d/%d received' % (n, count)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    got = 0
    ident = os.getpid() & 0xFFFF
    try:
        for seq in range(1, count + 1):
            data = os.urandom(32)
            icmp = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + data
            icmp = icmp[:2] + struct.pack('!H', ov.inet_checksum(icmp)) + icmp[4:]
            s.sendto(icmp, (dst, 0))
            end = time.monotonic() + wait
            while time.monotonic() < end:
                s.settimeout(max(0.001, end - time.monotonic()))
                try:
                    pkt, frm = s.recvfrom(2048)
                except socket.timeout:
                    break
                try:
                    e = ov.parse_icmp_echo(pkt)
                except ov.OvpnError:
                    continue
                if frm[0] == dst and e['type'] == 0 and e['ident'] == ident and e['seq'] == seq:
                    if e['data'] == data and e['icmp_ok'] and e['ip_ok']:
                        got += 1
                    break
    finally:
        s.close()
    return got == count, 'raw-socket ping: %d/%d valid replies' % (got, count)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dp', required=True)
    ap.add_argument('--lcores', default='0,1')
    ap.add_argument('--dp-ns', required=True)
    ap.add_argument('--o0', required=True)
    ap.add_argument('--l0', required=True)
    ap.add_argument('--prefix', required=True)
    ap.add_argument('--config', required=True)
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--log', required=True)
    ap.add_argument('--vdev-extra', default='', help='appended to both --vdev arguments')
    ap.add_argument('--time-limit', type=int, default=160)
    a = ap.parse_args()
    t = DataplaneTest(a)

    def on_alarm(signum, frame):
        t.deadline_hit = True
        raise Deadline()

    def on_term(signum, frame):
        raise SystemExit(1)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(a.time_limit)
    try:
        t.run()
    except Deadline:
        t.check('deadline', False, 'global time limit of %d s reached' % a.time_limit)
    finally:
        signal.alarm(0)
        t.finish()
    sys.exit(1 if t.failed else 0)


if __name__ == '__main__':
    main()
