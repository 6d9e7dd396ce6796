#!/usr/bin/python3
"""OpenVPN data channel (AEAD only), written from docs/openvpn-protocol.md §6.1, §7, §8.

This is the test peer's side of the data channel. It shares no code with the C dataplane on
purpose: it is the independent reference the netns test checks the dataplane against.

  P_DATA_V2: [0x48|key_id][peer-id 24][packet-id 32][tag 16][ciphertext]   AD = first 8 bytes
  P_DATA_V1: [0x30|key_id][packet-id 32][tag 16][ciphertext]               AD = packet-id only
  nonce     = packet-id (4, BE) || implicit IV (8)

`python3 ovpn_data.py --selftest` checks the fact sheet's vectors (§18.1, §18.6).
"""

import struct
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

P_DATA_V1 = 6
P_DATA_V2 = 9
P_CONTROL_HARD_RESET_CLIENT_V2 = 7
P_CONTROL_HARD_RESET_SERVER_V2 = 8
PEER_ID_NONE = 0xFFFFFF
TAG_LEN = 16
IV_LEN = 8

# name -> (IPC cipher number, key length)
CIPHERS = {
    'AES-128-GCM': (1, 16),
    'AES-256-GCM': (2, 32),
    'CHACHA20-POLY1305': (3, 32),
}

PING_MAGIC = bytes.fromhex('2a187bf3641eb4cb07ed2d0a981fc748')
OCC_MAGIC = bytes.fromhex('287f346bd4ef7a812d56b8d3afc5459c')
OCC_REQUEST, OCC_REPLY, OCC_MTU_LOAD_REQUEST, OCC_MTU_LOAD = 0, 1, 2, 3
OCC_MTU_REQUEST, OCC_MTU_REPLY, OCC_EXIT = 4, 5, 6


class OvpnError(Exception):
    """A data packet that does not parse or does not authenticate."""


class DataKey:
    """One direction of one key_id: cipher, key, implicit IV and the tx packet-id counter."""

    def __init__(self, cipher, key, iv, next_pid=1):
        if cipher not in CIPHERS:
            raise ValueError('unknown cipher %r' % cipher)
        klen = CIPHERS[cipher][1]
        if len(key) < klen or len(iv) < IV_LEN:
            raise ValueError('key or IV too short')
        self.cipher = cipher
        self.key = bytes(key[:klen])
        self.iv = bytes(iv[:IV_LEN])
        self.next_pid = next_pid
        self._aead = ChaCha20Poly1305(self.key) if cipher == 'CHACHA20-POLY1305' else AESGCM(self.key)

    @property
    def cipher_id(self):
        return CIPHERS[self.cipher][0]

    def take_pid(self):
        pid = self.next_pid
        if pid < 1 or pid > 0xFFFFFFFF:
            raise OvpnError('tx packet-id exhausted')
        self.next_pid += 1
        return pid

    def nonce(self, pid):
        return struct.pack('>I', pid) + self.iv

    def seal(self, pid, aad, plaintext):
        """Returns (tag, ciphertext)."""
        out = self._aead.encrypt(self.nonce(pid), plaintext, aad)
        return out[-TAG_LEN:], out[:-TAG_LEN]

    def open(self, pid, aad, tag, ciphertext):
        try:
            return self._aead.decrypt(self.nonce(pid), ciphertext + tag, aad)
        except InvalidTag:
            raise OvpnError('authentication failed') from None


def key_block_split(block, cipher):
    """Key block (§6.1, 256 bytes) -> (client->server DataKey, server->client DataKey)."""
    if len(block) != 256:
        raise ValueError('key block must be 256 bytes')
    c2s = DataKey(cipher, block[0:64], block[64:72])
    s2c = DataKey(cipher, block[128:192], block[192:200])
    return c2s, s2c


def op_byte(opcode, key_id):
    return ((opcode & 0x1F) << 3) | (key_id & 7)


def seal_v2_raw(dkey, head4, pid, plaintext):
    """P_DATA_V2 framing with an arbitrary 4-byte op/peer-id head (the §18.1 vector uses 07000017)."""
    aad = bytes(head4) + struct.pack('>I', pid)
    tag, ct = dkey.seal(pid, aad, plaintext)
    return aad + tag + ct


def build_data_v2(dkey, key_id, peer_id, plaintext, pid=None):
    if not plaintext:
        raise ValueError('empty plaintext is invalid')
    if pid is None:
        pid = dkey.take_pid()
    head = bytes([op_byte(P_DATA_V2, key_id)]) + struct.pack('>I', peer_id & 0xFFFFFF)[1:]
    return seal_v2_raw(dkey, head, pid, plaintext)


def build_data_v1(dkey, key_id, plaintext, pid=None):
    if not plaintext:
        raise ValueError('empty plaintext is invalid')
    if pid is None:
        pid = dkey.take_pid()
    pidb = struct.pack('>I', pid)
    tag, ct = dkey.seal(pid, pidb, plaintext)
    return bytes([op_byte(P_DATA_V1, key_id)]) + pidb + tag + ct


def parse_data(pkt):
    """Header of a data packet -> dict(opcode, key_id, peer_id, pid, aad, tag, ct). No crypto."""
    if not pkt:
        raise OvpnError('empty packet')
    opcode, key_id = pkt[0] >> 3, pkt[0] & 7
    if opcode == P_DATA_V2:
        if len(pkt) < 4 + 4 + TAG_LEN + 1:
            raise OvpnError('short P_DATA_V2 (%d bytes)' % len(pkt))
        peer_id = int.from_bytes(pkt[1:4], 'big')
        pid = struct.unpack('>I', pkt[4:8])[0]
        return dict(opcode=opcode, key_id=key_id, peer_id=peer_id, pid=pid, aad=bytes(pkt[0:8]),
                    tag=bytes(pkt[8:24]), ct=bytes(pkt[24:]))
    if opcode == P_DATA_V1:
        if len(pkt) < 1 + 4 + TAG_LEN + 1:
            raise OvpnError('short P_DATA_V1 (%d bytes)' % len(pkt))
        pid = struct.unpack('>I', pkt[1:5])[0]
        return dict(opcode=opcode, key_id=key_id, peer_id=None, pid=pid, aad=bytes(pkt[1:5]),
                    tag=bytes(pkt[5:21]), ct=bytes(pkt[21:]))
    raise OvpnError('not a data packet (opcode %d)' % opcode)


def open_data(dkey, pkt):
    """Parses and decrypts a data packet; returns the header dict plus 'plaintext'."""
    h = parse_data(pkt)
    h['plaintext'] = dkey.open(h['pid'], h['aad'], h['tag'], h['ct'])
    return h


def occ_payload(opcode, args=b''):
    return OCC_MAGIC + bytes([opcode]) + args


def classify_plaintext(pt):
    """'ping', 'occ', 'ipv4', 'ipv6' or 'other'."""
    if pt == PING_MAGIC:
        return 'ping'
    if len(pt) > 16 and pt[:16] == OCC_MAGIC:
        return 'occ'
    if pt and pt[0] >> 4 == 4:
        return 'ipv4'
    if pt and pt[0] >> 4 == 6:
        return 'ipv6'
    return 'other'


# ---- IPv4 / ICMP, just enough for echo traffic (struct, no scapy) ----

def inet_checksum(data):
    if len(data) & 1:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split('.'))


def ip4_str(b):
    return '.'.join(str(x) for x in b)


def build_ipv4(src, dst, proto, payload, ident=0, df=False, ttl=64, tos=0):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, tos, 20 + len(payload), ident, 0x4000 if df else 0,
                      ttl, proto, 0, ip4(src), ip4(dst))
    csum = inet_checksum(hdr)
    return hdr[:10] + struct.pack('!H', csum) + hdr[12:] + payload


def build_icmp_echo(src, dst, ident, seq, payload, reply=False, ip_id=0, df=False, ttl=64):
    icmp = struct.pack('!BBHHH', 0 if reply else 8, 0, 0, ident, seq) + payload
    icmp = icmp[:2] + struct.pack('!H', inet_checksum(icmp)) + icmp[4:]
    return build_ipv4(src, dst, 1, icmp, ident=ip_id, df=df, ttl=ttl)


def parse_ipv4(pkt):
    """-> dict(src, dst, proto, ttl, payload, hdr_ok) or raises OvpnError."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        raise OvpnError('not IPv4')
    ihl = (pkt[0] & 15) * 4
    tot = struct.unpack('!H', pkt[2:4])[0]
    if ihl < 20 or tot < ihl or tot > len(pkt):
        raise OvpnError('bad IPv4 lengths')
    return dict(src=ip4_str(pkt[12:16]), dst=ip4_str(pkt[16:20]), proto=pkt[9], ttl=pkt[8],
                hdr_ok=inet_checksum(pkt[:ihl]) == 0, payload=bytes(pkt[ihl:tot]),
                trailing=len(pkt) - tot)


def parse_icmp_echo(pkt):
    """IPv4 ICMP echo request/reply -> dict(src, dst, type, ident, seq, data, ip_ok, icmp_ok, ttl)."""
    ip = parse_ipv4(pkt)
    if ip['proto'] != 1 or len(ip['payload']) < 8:
        raise OvpnError('not ICMP')
    p = ip['payload']
    typ, code, _, ident, seq = struct.unpack('!BBHHH', p[:8])
    return dict(src=ip['src'], dst=ip['dst'], type=typ, code=code, ident=ident, seq=seq,
                data=p[8:], ip_ok=ip['hdr_ok'], icmp_ok=inet_checksum(p) == 0, ttl=ip['ttl'],
                trailing=ip['trailing'])


# ---- self test against the fact sheet's vectors ----

def _selftest():
    fails = []

    def check(name, cond, detail=''):
        print('%s %s%s' % ('PASS' if cond else 'FAIL', name, '' if cond else ': ' + detail))
        if not cond:
            fails.append(name)

    # §18.1: key block byte i = seed[i mod 32] ^ (i & 0xff); both directions use keys[0].
    seed = b'abcdefgh01234567ABCDEFGHjkuchenl'
    block = bytes(seed[i % 32] ^ (i & 0xFF) for i in range(256))
    c2s, _ = key_block_split(block, 'AES-256-GCM')
    check('18.1 key slice', c2s.key.hex() ==
          '616361676163616f3838383838383838515351575153515f72726f7874787073', c2s.key.hex())
    check('18.1 implicit iv slice', c2s.iv.hex() == '212321272123212f', c2s.iv.hex())
    pt = b'The quick little fox jumps over the bureaucratic hurdles'
    want = bytes.fromhex(
        '07000017' '00000001' '1fdd908f0e9dc25e79d832020d58e73f'
        '2262f977d6bb2118fa0ea82e6b1706d949aefcb5efcbbacd5c09a9ab45f4d391'
        'd3f68794cb0b82c3d33389b61622b3281598e2ff6d5cc38b')
    got = seal_v2_raw(c2s, bytes.fromhex('07000017'), 1, pt)
    check('18.1 AES-256-GCM encrypt', got == want, got.hex())
    h = parse_data(b'\x48' + want[1:])  # reparse with a data opcode; AD differs so re-open raw
    check('18.1 parse', h['pid'] == 1 and h['peer_id'] == 0x17 and h['tag'] == want[8:24])
    check('18.1 decrypt', c2s.open(1, want[:8], want[8:24], want[24:]) == pt)
    bad = bytearray(want)
    bad[30] ^= 1
    try:
        c2s.open(1, bytes(bad[:8]), bytes(bad[8:24]), bytes(bad[24:]))
        check('18.1 tamper rejected', False, 'tampered packet opened')
    except OvpnError:
        check('18.1 tamper rejected', True)

    # §18.6: real capture, AES-256-GCM, peer-id 0, packet-id 3 (c->s) and 2 (s->c).
    c2s = DataKey('AES-256-GCM', bytes.fromhex(
        '724cefc2969b6289ded10732cd272179d570175138c42caeb45ac93a1aa4f604'), bytes.fromhex('a92d27007303908a'))
    s2c = DataKey('AES-256-GCM', bytes.fromhex(
        '605bbca08b3bb4f8fb721ab341f985062327672857824fc6c6d0c96d4975b40d'), bytes.fromhex('ef9672c8459b09d5'))
    cs_pkt = bytes.fromhex(
        '480000000000000337f3dcecc2d98034f0fc8c205de1a609bce9dbfb62463f05'
        '177c5bd03b2b888f74dcff5f5c43c282f387c9c8556118a430caab7a6fe0757b'
        'fcffffa5f28fd3e058633ef2d1879e36eec5440095264cf5f63e8969fef3f45d'
        'f03dc166d23b6159af4c6338')
    cs_pt = bytes.fromhex(
        '45000054fd4b40004001294b0a0800020a08000108007765573d0001f479026b'
        '0000000068a40b0000000000101112131415161718191a1b1c1d1e1f20212223'
        '2425262728292a2b2c2d2e2f3031323334353637')
    sc_pkt = bytes.fromhex(
        '4800000000000002c947c6a6eca09d20143b3a6ddbf314ab37133c67bc1ea46f'
        '523f71eaa7724bd3eeb0027eb4fbc5ac256ea76af0516a21127b21df0454a600'
        'c52afb65c7e9b022f542e680e8ee3aa59124ad45c4d1cdc4a002ced23988d78e'
        '022f0a493c94abb50f527150')
    sc_pt = bytes.fromhex(
        '45000054ffd10000400166c50a0800010a08000200007f65573d0001f479026b'
        '0000000068a40b0000000000101112131415161718191a1b1c1d1e1f20212223'
        '2425262728292a2b2c2d2e2f3031323334353637')
    try:
        h = open_data(c2s, cs_pkt)
        check('18.6 c->s decrypt', h['plaintext'] == cs_pt and h['pid'] == 3 and h['peer_id'] == 0
              and h['key_id'] == 0 and h['opcode'] == P_DATA_V2, h['plaintext'].hex())
    except OvpnError as e:
        check('18.6 c->s decrypt', False, str(e))
    try:
        h = open_data(s2c, sc_pkt)
        check('18.6 s->c decrypt', h['plaintext'] == sc_pt and h['pid'] == 2, h['plaintext'].hex())
    except OvpnError as e:
        check('18.6 s->c decrypt', False, str(e))
    check('18.6 c->s encrypt', build_data_v2(c2s, 0, 0, cs_pt, pid=3) == cs_pkt)
    check('18.6 s->c encrypt', build_data_v2(s2c, 0, 0, sc_pt, pid=2) == sc_pkt)
    try:
        open_data(s2c, cs_pkt)
        check('18.6 wrong direction rejected', False, 'opened with the other direction key')
    except OvpnError:
        check('18.6 wrong direction rejected', True)
    # Our IPv4/ICMP builder must reproduce the captured echo request and reply byte for byte.
    data = cs_pt[28:]
    req = build_icmp_echo('10.8.0.2', '10.8.0.1', 0x573d, 1, data, ip_id=0xfd4b, df=True)
    check('18.6 icmp request build', req == cs_pt, req.hex())
    rep = build_icmp_echo('10.8.0.1', '10.8.0.2', 0x573d, 1, data, reply=True, ip_id=0xffd1)
    check('18.6 icmp reply build', rep == sc_pt, rep.hex())
    e = parse_icmp_echo(sc_pt)
    check('18.6 icmp parse', e['type'] == 0 and e['ident'] == 0x573d and e['seq'] == 1 and e['ip_ok']
          and e['icmp_ok'] and e['data'] == data)

    # Round trips for every cipher and both formats; V1 must not authenticate the opcode byte.
    for name in CIPHERS:
        k = DataKey(name, bytes(range(32)), bytes(range(100, 108)))
        p2 = build_data_v2(k, 3, 0x123456, b'hello')
        h = open_data(k, p2)
        ok = (h['plaintext'] == b'hello' and h['key_id'] == 3 and h['peer_id'] == 0x123456
              and h['pid'] == 1 and len(p2) == 24 + 5)
        p1 = build_data_v1(k, 2, b'world')
        h1 = open_data(k, p1)
        ok = ok and h1['plaintext'] == b'world' and h1['pid'] == 2 and h1['key_id'] == 2 and len(p1) == 21 + 5
        ok = ok and open_data(k, bytes([op_byte(P_DATA_V1, 5)]) + p1[1:])['plaintext'] == b'world'
        try:
            open_data(k, p2[:1] + b'\x00\x00\x01' + p2[4:])
            ok = False
        except OvpnError:
            pass
        check('roundtrip %s' % name, ok)
    check('ping/occ classify', classify_plaintext(PING_MAGIC) == 'ping'
          and classify_plaintext(occ_payload(OCC_EXIT)) == 'occ')
    print('selftest: %s' % ('FAILED ' + ', '.join(fails) if fails else 'ok'))
    return 1 if fails else 0


if __name__ == '__main__':
    if sys.argv[1:] == ['--selftest']:
        sys.exit(_selftest())
    print('usage: %s --selftest' % sys.argv[0], file=sys.stderr)
    sys.exit(2)
