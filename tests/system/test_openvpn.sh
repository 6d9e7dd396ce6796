#!/usr/bin/env bash
# Real OpenVPN 2.6 clients (Debian's openvpn) against dpvpnd + dpvpn-dataplane.
#
# 1. For each control-channel protection (tls-crypt, tls-auth, tls-crypt-v2) and each data
#    cipher (AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305): connect, ping the LAN host through
#    the tunnel, move data both ways and check the byte counters on both ends.
# 2. Scenarios: two clients with client-to-client, client-config-dir fixed address and iroute,
#    explicit-exit-notify frees the address at once, a killed client is reaped by
#    ping-restart, renegotiation under traffic loses nothing, a revoked certificate is
#    refused, kill -9 of the dataplane (restarted) and of dpvpnd keep the tunnel, an
#    unsupported directive stops dpvpnd with file:line.
# Usage: test_openvpn.sh DATAPLANE DPVPND DPVPN_PASSWD [PKI_DIR]. Exit 77 = cannot run here.
set -uo pipefail
DP_BIN=$1 CP_BIN=$2 PASSWD_BIN=$3
PKI=${4:-$(cd "$(dirname "$0")/../data/pki" && pwd)}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v openvpn >/dev/null || { echo "SKIP: openvpn not installed"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }

. "$(dirname "$0")/lib.sh"

one_case() { # wrap cipher
	local name="$1/$2"
	start_server "$1"
	start_client "$1" "$2"
	if ! connected client; then
		check "connect $name" 1 "(no Initialization Sequence Completed)"
		tail -5 "$T/client.log" | sed 's/^/    client: /'
		tail -5 "$T/dpvpnd.log" | sed 's/^/    dpvpnd: /'
	else
		local got
		got=$(grep -o "Data Channel: cipher '[^']*'" "$T/client.log" | tail -1)
		check "connect $name" "$([ "$got" = "Data Channel: cipher '$2'" ]; echo $?)" "($got)"
		local out
		out=$(ip netns exec $NS_CLI ping -c 5 -i 0.2 -W 2 10.200.0.2 2>&1 | grep -o "[0-9]* received")
		check "ping $name" "$([ "$out" = "5 received" ]; echo $?)" "($out)"
		# Bulk both ways: 200 x 1200-byte echo requests (ICMP payload counted by tun0 on each side).
		local rx0 tx0 rx1 tx1 slot s0 s1
		slot=$(sed -n 's/.*client1 session \([0-9]*\):.*/\1/p' "$T/dpvpnd.log" | tail -1)
		s0=$(session_counters "$slot")
		rx0=$(tun_bytes rx) tx0=$(tun_bytes tx)
		# 5 ms apart: on a 2-core machine shared with a busy-polling dataplane, a faster burst
		# can overflow the client's UDP receive buffer while openvpn waits for a CPU.
		out=$(ip netns exec $NS_CLI ping -q -c 200 -i 0.005 -s 1200 -W 2 10.200.0.2 2>&1 | grep -o "[0-9]* received")
		rx1=$(tun_bytes rx) tx1=$(tun_bytes tx)
		s1=$(session_counters "$slot")
		# 1228-byte IP packets each way; nothing else is expected on tun0 during the ping.
		check "bulk $name" "$([ "$out" = "200 received" ] && [ $((tx1 - tx0)) -eq $((200 * 1228)) ] && [ $((rx1 - rx0)) -eq $((200 * 1228)) ]; echo $?)" \
			"($out, tun0 tx $((tx1 - tx0)) rx $((rx1 - rx0)) bytes, want $((200 * 1228)) each)"
		[ "$out" = "200 received" ] || diagnose
		# The server end: the dataplane's counters of this session moved by the same packets,
		# each 1228 + 24 bytes (P_DATA_V2 header and tag) on the wire, plus any 40-byte
		# keepalive ping (16 + 24) that fell into the interval.
		local d
		d=$(counters_delta "$s0" "$s1")
		check "server counters $name" "$(set -- $d; [ "$1" -ge 200 ] && [ "$3" -ge 200 ] &&
			[ "$2" -eq $((200 * 1252 + ($1 - 200) * 40)) ] &&
			[ "$4" -eq $((200 * 1252 + ($3 - 200) * 40)) ]; echo $?)" \
			"(dataplane session $slot: rx pkts, rx bytes, tx pkts, tx bytes: $d)"
	fi
	kill $CLI_PID $CP_PID 2>/dev/null
	wait $CLI_PID $CP_PID 2>/dev/null
}

topology
keys
start_dataplane
for wrap in ${DPT_WRAPS:-tls-crypt tls-auth tls-crypt-v2}; do
	for cipher in AES-256-GCM AES-128-GCM CHACHA20-POLY1305; do
		one_case $wrap $cipher
	done
done
[ "${DPT_SCENARIOS:-1}" = 0 ] || . "$(dirname "$0")/scenarios.sh"
echo "$PASS passed, $FAIL failed"
[ $FAIL = 0 ]
