#!/usr/bin/python3
"""Control plane <-> dataplane IPC, the test's own copy of the schema.

The table below is typed in by hand from shared/ipc_msgs.def on purpose (the .def file is not
parsed): a disagreement between the C codec and this table shows up as a test failure.

Wire form: one ZeroMQ message per IPC message, holding one msgpack array [type_id, field, ...].
The control plane binds a ROUTER; a dataplane connects a DEALER, so ROUTER frames are
[identity, payload].
"""

import itertools
import os
import time

import msgpack
import zmq

# Field kinds: ('u8'|'u16'|'u32'|'u64') ints, 'addr' = bin of 4 or 16, ('bin', max), ('str', max).
U8, U16, U32, U64, ADDR = 'u8', 'u16', 'u32', 'u64', 'addr'
INT_MAX = {U8: 0xFF, U16: 0xFFFF, U32: 0xFFFFFFFF, U64: 0xFFFFFFFFFFFFFFFF}


def BIN(n):
    return ('bin', n)


def STR(n):
    return ('str', n)


CP2DP, DP2CP = 'cp->dp', 'dp->cp'

SCHEMA_VERSION = 1

# type_id: (NAME, direction, [(field, kind), ...])
MESSAGES = {
    1: ('HELLO', DP2CP, [('schema', U32), ('name', STR(64)), ('boot_id', U64), ('n_workers', U32),
                         ('max_sessions', U32)]),
    2: ('HELLO_ACK', CP2DP, [('schema', U32), ('cp_boot_id', U64)]),
    3: ('SESSION_ADD', CP2DP, [('sess', U32), ('gen', U32), ('peer_id', U32), ('peer_addr', ADDR),
                               ('peer_port', U16), ('local_addr', ADDR), ('local_port', U16),
                               ('vaddr', ADDR), ('flags', U32), ('ping_ms', U32), ('idle_ms', U32),
                               ('replay_window', U32), ('replay_time_s', U32)]),
    4: ('SESSION_DEL', CP2DP, [('sess', U32), ('gen', U32)]),
    5: ('ROUTE_ADD', CP2DP, [('sess', U32), ('gen', U32), ('prefix', ADDR), ('plen', U8)]),
    6: ('ROUTE_DEL', CP2DP, [('sess', U32), ('gen', U32), ('prefix', ADDR), ('plen', U8)]),
    7: ('KEY_INSTALL', CP2DP, [('sess', U32), ('gen', U32), ('key_id', U8), ('cipher', U8),
                               ('rx_key', BIN(32)), ('rx_iv', BIN(8)), ('tx_key', BIN(32)),
                               ('tx_iv', BIN(8)), ('tx_pid_start', U32), ('tx_pid_limit', U32),
                               ('rx_pid_floor', U32), ('tx_now', U8)]),
    8: ('KEY_TX_SWITCH', CP2DP, [('sess', U32), ('gen', U32), ('key_id', U8)]),
    9: ('KEY_DEL', CP2DP, [('sess', U32), ('gen', U32), ('key_id', U8)]),
    10: ('KEY_LEASE', CP2DP, [('sess', U32), ('gen', U32), ('key_id', U8), ('tx_pid_limit', U32)]),
    11: ('PUNT', DP2CP, [('src_addr', ADDR), ('src_port', U16), ('dst_addr', ADDR), ('dst_port', U16),
                         ('payload', BIN(2048))]),
    12: ('INJECT', CP2DP, [('dst_addr', ADDR), ('dst_port', U16), ('src_addr', ADDR), ('src_port', U16),
                           ('payload', BIN(2048))]),
    13: ('EVENT', DP2CP, [('sess', U32), ('gen', U32), ('kind', U8), ('key_id', U8), ('addr', ADDR),
                          ('port', U16), ('value', U64)]),
    14: ('STATS_REQ', CP2DP, [('cookie', U32)]),
    15: ('SESSION_STATS', DP2CP, [('cookie', U32), ('sess', U32), ('gen', U32), ('rx_pkts', U64),
                                  ('rx_bytes', U64), ('tx_pkts', U64), ('tx_bytes', U64),
                                  ('idle_ms', U64), ('tx_key_id', U8), ('tx_pid', U32), ('rx_pid', U32)]),
    16: ('STATS_DONE', DP2CP, [('cookie', U32), ('n_sessions', U32)]),
    17: ('ERROR', DP2CP, [('ref_type', U32), ('sess', U32), ('code', U32), ('text', STR(128))]),
    18: ('RESYNC_REQ', CP2DP, [('cookie', U32)]),
    19: ('SESSION_INFO', DP2CP, [('cookie', U32), ('sess', U32), ('gen', U32), ('peer_id', U32),
                                 ('peer_addr', ADDR), ('peer_port', U16), ('vaddr', ADDR), ('flags', U32),
                                 ('key_mask', U8), ('tx_key_id', U8), ('rx_pkts', U64), ('tx_pkts', U64)]),
    23: ('COUNTERS_REQ', CP2DP, [('cookie', U32)]),
    24: ('COUNTERS', DP2CP, [('cookie', U32), ('last', U8), ('kind', STR(16)), ('index', U32),
                             ('role', STR(16)), ('name', STR(64)), ('names', STR(1024)),
                             ('values', BIN(1024))]),
    25: ('DP_INFO', DP2CP, [('version', STR(32)), ('dpdk', STR(64)), ('crypto', STR(64))]),
}
TYPE_IDS = {name: tid for tid, (name, _, _) in MESSAGES.items()}

EV_EXIT_NOTIFY, EV_IDLE, EV_FLOAT, EV_TX_LEASE_LOW, EV_TX_PID_WRAP, EV_OCC = 1, 2, 3, 4, 5, 6
SESS_F_C2C, SESS_F_DATA_V1 = 1, 2
KEY_NONE = 0xFF


class IpcError(Exception):
    """A message that does not follow the schema."""


def _check_field(name, kind, v, decoding):
    if kind in INT_MAX:
        if not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > INT_MAX[kind]:
            raise IpcError('field %s: %r is not a %s' % (name, v, kind))
    elif kind == ADDR:
        if not isinstance(v, (bytes, bytearray)) or len(v) not in (4, 16):
            raise IpcError('field %s: %r is not a 4/16-byte bin' % (name, v))
    elif kind[0] == 'bin':
        if not isinstance(v, (bytes, bytearray)) or len(v) > kind[1]:
            raise IpcError('field %s: not a bin of at most %d bytes' % (name, kind[1]))
    elif kind[0] == 'str':
        if not isinstance(v, str) or len(v.encode()) > kind[1] or '\0' in v:
            raise IpcError('field %s: %r is not a str of at most %d bytes' % (name, v, kind[1]))
    else:
        raise AssertionError(kind)


def encode(msg):
    """{'type': NAME, field: value, ...} -> msgpack bytes. Checks the message against the table."""
    name = msg['type']
    if name not in TYPE_IDS:
        raise IpcError('unknown message %r' % name)
    tid = TYPE_IDS[name]
    fields = MESSAGES[tid][2]
    extra = set(msg) - {'type'} - {f for f, _ in fields}
    if extra:
        raise IpcError('%s: unknown fields %s' % (name, sorted(extra)))
    arr = [tid]
    for f, kind in fields:
        if f not in msg:
            raise IpcError('%s: missing field %s' % (name, f))
        v = msg[f]
        if kind == ADDR and isinstance(v, str):
            v = addr(v)
        _check_field(f, kind, v, False)
        arr.append(bytes(v) if isinstance(v, bytearray) else v)
    return msgpack.packb(arr, use_bin_type=True)


def decode(data):
    """msgpack bytes -> {'type': NAME, ...}; strict: exact field count, msgpack kinds and ranges."""
    try:
        arr = msgpack.unpackb(data, raw=False, use_list=True, strict_map_key=False)
    except Exception as e:  # ExtraData, FormatError, UnicodeDecodeError, ...
        raise IpcError('not one msgpack object: %s' % e) from None
    if not isinstance(arr, list) or not arr:
        raise IpcError('top level is not a non-empty array: %r' % (arr,))
    tid = arr[0]
    if not isinstance(tid, int) or tid not in MESSAGES:
        raise IpcError('unknown type id %r' % (tid,))
    name, _, fields = MESSAGES[tid]
    if len(arr) != 1 + len(fields):
        raise IpcError('%s: %d fields, schema has %d' % (name, len(arr) - 1, len(fields)))
    out = {'type': name}
    for (f, kind), v in zip(fields, arr[1:]):
        _check_field(f, kind, v, True)
        out[f] = v
    return out


def addr(s):
    """'198.18.0.1' -> 4-byte bin (IPv4 only is needed here)."""
    import socket
    return socket.inet_aton(s)


def addr_str(b):
    import socket
    return socket.inet_ntoa(b) if len(b) == 4 else socket.inet_ntop(socket.AF_INET6, b)


class ControlPlane:
    """The test's stand-in for dpvpnd: a ROUTER socket, HELLO handling, typed send/recv.

    Every message received is checked with decode(); messages that break the schema are kept
    in self.violations (the test reports them). HELLOs are answered automatically and
    recorded in self.hellos; the newest HELLO's sender becomes the peer we talk to.
    """

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
        self.sock.bind(endpoint)
        self.cp_boot_id = int.from_bytes(os.urandom(8), 'big')
        self.peer = None            # identity of the current dataplane
        self.hellos = []            # (time, identity, decoded HELLO)
        self.infos = []             # decoded DP_INFO, one per accepted HELLO
        self.violations = []        # text for every malformed dp->cp message
        self.pending = []           # decoded messages not consumed yet
        self.log = []               # (time, 'rx'|'tx', decoded) for the failure report
        self._cookies = itertools.count(0x1000)

    def close(self):
        self.sock.close(0)
        self.ctx.term()

    # -- receiving --
    def _poll_one(self, timeout):
        if not self.sock.poll(max(0, int(timeout * 1000))):
            return False
        frames = self.sock.recv_multipart()
        now = time.monotonic()
        if len(frames) != 2:
            self.violations.append('ROUTER got %d frames (want [identity, payload]): %r' %
                                   (len(frames), [f[:16] for f in frames]))
            return True
        ident, payload = frames
        try:
            m = decode(payload)
        except IpcError as e:
            self.violations.append('%s (payload %s)' % (e, payload[:64].hex()))
            return True
        if MESSAGES[TYPE_IDS[m['type']]][1] != DP2CP:
            self.violations.append('dataplane sent a cp->dp message %s' % m['type'])
            return True
        self.log.append((now, 'rx', m))
        if m['type'] == 'HELLO':
            self.hellos.append((now, ident, m))
            self.peer = ident
            self._send_to(ident, {'type': 'HELLO_ACK', 'schema': SCHEMA_VERSION, 'cp_boot_id': self.cp_boot_id})
        elif ident != self.peer:
            self.violations.append('%s from a dataplane that sent no HELLO' % m['type'])
        elif m['type'] == 'DP_INFO':
            self.infos.append(m)    # after every HELLO_ACK; kept apart like the HELLOs
        else:
            self.pending.append(m)
        return True

    def pump(self, timeout=0.0):
        """Reads everything available (waiting up to timeout for the first message)."""
        end = time.monotonic() + timeout
        while self._poll_one(max(0.0, end - time.monotonic())):
            if time.monotonic() >= end:
                while self._poll_one(0):
                    pass
                break

    def recv(self, types=None, timeout=2.0, match=None):
        """Next pending message whose type is in types (and match(m) true); None on timeout."""
        if isinstance(types, str):
            types = (types,)
        end = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.pending):
                if (types is None or m['type'] in types) and (match is None or match(m)):
                    return self.pending.pop(i)
            left = end - time.monotonic()
            if left <= 0:
                return None
            self._poll_one(left)

    def take(self, types, match=None):
        """Removes and returns every pending message of these types (no waiting)."""
        if isinstance(types, str):
            types = (types,)
        self.pump(0)
        got = [m for m in self.pending if m['type'] in types and (match is None or match(m))]
        self.pending = [m for m in self.pending if m not in got]
        return got

    def wait_hello(self, timeout=20.0, newer_than=None):
        """Waits for a HELLO (after index newer_than of self.hellos); returns it or None."""
        start = len(self.hellos) if newer_than is None else newer_than
        end = time.monotonic() + timeout
        while len(self.hellos) <= start:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self._poll_one(left)
        return self.hellos[start][2]

    # -- sending --
    def _send_to(self, ident, msg):
        self.sock.send_multipart([ident, encode(msg)])
        self.log.append((time.monotonic(), 'tx', msg))

    def send(self, msg):
        if self.peer is None:
            raise IpcError('no dataplane connected')
        self._send_to(self.peer, msg)

    def send_raw(self, payload):
        """Sends bytes as they are (for malformed-message tests)."""
        self.sock.send_multipart([self.peer, payload])
        self.log.append((time.monotonic(), 'tx', {'type': 'RAW', 'payload': payload[:32].hex()}))

    def barrier(self, timeout=3.0):
        """STATS_REQ round trip: when it returns, everything sent before was handled by the
        dataplane's service loop. Returns the SESSION_STATS list, or None on timeout."""
        cookie = next(self._cookies)
        self.send({'type': 'STATS_REQ', 'cookie': cookie})
        done = self.recv('STATS_DONE', timeout, match=lambda m: m['cookie'] == cookie)
        if done is None:
            return None
        stats = self.take('SESSION_STATS', match=lambda m: m['cookie'] == cookie)
        return stats, done

    def errors(self):
        return self.take('ERROR')
