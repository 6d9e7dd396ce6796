#!/usr/bin/python3
"""Lab control plane (until dpvpnd lands): installs one AES-256-GCM session into the
running dataplane over the ZeroMQ API, then sends encrypted ICMP echo requests from the
client namespace through the tunnel to the LAN host and prints the decrypted replies.

Runs inside the client namespace (UDP socket there; the ZeroMQ ipc endpoint is a file).
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'netns'))
import dpctl_ipc  # noqa: E402
import ovpn_data  # noqa: E402

CLIENT, SERVER, LAN_HOST, VADDR = '198.18.0.2', '198.18.0.1', '10.200.0.2', '10.99.0.2'


def main():
    endpoint, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    cp = dpctl_ipc.ControlPlane(endpoint)
    hello = cp.wait_hello(timeout=30)
    if not hello:
        sys.exit('lab: no HELLO from the dataplane within 30 s')
    print('lab: dataplane %r connected (%d worker(s), boot_id %016x)' %
          (hello['name'], hello['n_workers'], hello['boot_id']))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((CLIENT, 0))
    sock.settimeout(2)
    c2s = ovpn_data.DataKey('AES-256-GCM', os.urandom(32), os.urandom(8))
    s2c = ovpn_data.DataKey('AES-256-GCM', os.urandom(32), os.urandom(8))
    a = dpctl_ipc.addr
    cp.send({'type': 'SESSION_ADD', 'sess': 0, 'gen': 1, 'peer_id': 0,
             'peer_addr': a(CLIENT), 'peer_port': sock.getsockname()[1],
             'local_addr': a(SERVER), 'local_port': 1194, 'vaddr': a(VADDR), 'flags': 0,
             'ping_ms': 10000, 'idle_ms': 0, 'replay_window': 64, 'replay_time_s': 15})
    cp.send({'type': 'KEY_INSTALL', 'sess': 0, 'gen': 1, 'key_id': 0, 'cipher': c2s.cipher_id,
             'rx_key': c2s.key, 'rx_iv': c2s.iv, 'tx_key': s2c.key, 'tx_iv': s2c.iv,
             'tx_pid_start': 1, 'tx_pid_limit': 0xFF000000, 'rx_pid_floor': 0, 'tx_now': 1})
    if cp.barrier() is None or cp.errors():
        sys.exit('lab: the dataplane refused the session')
    print('lab: session 0 installed: client %s tunnel address %s, AES-256-GCM' % (CLIENT, VADDR))
    ok = 0
    for seq in range(1, count + 1):
        req = ovpn_data.build_icmp_echo(VADDR, LAN_HOST, 0x4242, seq, b'dpvpn lab %d' % seq)
        sock.sendto(ovpn_data.build_data_v2(c2s, 0, 0, req), (SERVER, 1194))
        t0 = time.monotonic()
        try:
            pkt, src = sock.recvfrom(2048)
            pt = ovpn_data.open_data(s2c, pkt)['plaintext']
            echo = ovpn_data.parse_icmp_echo(pt)
            print('lab: echo reply seq=%d from %s through the tunnel in %.2f ms (%d bytes on the wire)' %
                  (echo['seq'], LAN_HOST, (time.monotonic() - t0) * 1000, len(pkt)))
            ok += 1
        except socket.timeout:
            print('lab: seq=%d no reply' % seq)
        time.sleep(0.2)
    print('lab: %d/%d echo replies through the dataplane' % (ok, count))
    sys.exit(0 if ok == count else 1)


if __name__ == '__main__':
    main()
