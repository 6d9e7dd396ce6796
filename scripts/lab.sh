#!/usr/bin/env bash
# The dpvpn lab: the real system on a self-contained network of namespaces
# and DPDK virtual devices (no NIC, no hugepages).
#
#   dpvpn-client 198.18.0.2/24                 dpvpn-dp                      dpvpn-lan 10.200.0.2/24
#   openvpn (tun0 10.99.0.x) ── veth ── [net_af_packet0] dpvpn-dataplane [net_af_packet1] ── veth ── host
#                                   outside 198.18.0.1:1194   ⇅ ZeroMQ    inside 10.200.0.1
#                                                 dpvpnd (root namespace)
#
# Usage: scripts/lab.sh [up] [--server-config FILE]
#            install what is missing, build, start dataplane + dpvpnd + a real openvpn
#            client, ping the LAN host through the tunnel; everything is left running.
#            FILE is an OpenVPN-style server config used instead of the default (absolute
#            paths; it may use the lab PKI under /run/dpvpn-lab/pki).
#        scripts/lab.sh down
#            stop everything and remove the namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=/run/dpvpn-lab
PKI=$RUN/pki
PREFIX=dpvpn-lab
NAMESPACES="dpvpn-client dpvpn-dp dpvpn-lan"

say() { echo "lab: $*"; }

down() {
	for f in client dpvpnd dataplane; do
		[ -f "$RUN/$f.pid" ] && kill "$(cat "$RUN/$f.pid")" 2>/dev/null || true
	done
	sleep 1
	for f in client dpvpnd dataplane; do
		[ -f "$RUN/$f.pid" ] && kill -9 "$(cat "$RUN/$f.pid")" 2>/dev/null || true
	done
	for ns in $NAMESPACES; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$RUN" "/var/run/dpdk/$PREFIX"
	say "down"
}

topology() {
	for ns in $NAMESPACES; do ip netns add "$ns"; done
	ip link add dvo0 netns dpvpn-dp type veth peer name dvc0 netns dpvpn-client
	ip link add dvl0 netns dpvpn-dp type veth peer name dvl1 netns dpvpn-lan
	for spec in dpvpn-dp:dvo0 dpvpn-dp:dvl0 dpvpn-client:dvc0 dpvpn-lan:dvl1; do
		ns=${spec%%:*}; dev=${spec#*:}
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
		ip -n "$ns" link set "$dev" up
	done
	ip -n dpvpn-client link set lo up
	ip -n dpvpn-client addr add 198.18.0.2/24 dev dvc0
	ip -n dpvpn-lan addr add 10.200.0.2/24 dev dvl1
	ip -n dpvpn-lan route add 10.99.0.0/24 via 10.200.0.1
	# The dataplane reads frames with AF_PACKET: checksums must be complete.
	ip netns exec dpvpn-client ethtool -K dvc0 tx off >/dev/null
	ip netns exec dpvpn-lan ethtool -K dvl1 tx off >/dev/null
}

# A throwaway CA with ECDSA P-256 server and client certificates, and a tls-crypt key.
make_pki() {
	mkdir -p "$PKI"
	(
		cd "$PKI"
		openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
		openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=dpvpn lab CA" \
			-addext "basicConstraints=critical,CA:TRUE" -out ca.crt 2>/dev/null
		for who in server:serverAuth client:clientAuth; do
			n=${who%%:*}
			openssl ecparam -name prime256v1 -genkey -noout -out "$n.key" 2>/dev/null
			openssl req -new -key "$n.key" -subj "/CN=lab-$n" -out "$n.csr" 2>/dev/null
			echo "extendedKeyUsage=${who#*:}" > "$n.ext"
			openssl x509 -req -in "$n.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
				-sha256 -days 3650 -extfile "$n.ext" -out "$n.crt" 2>/dev/null
			rm -f "$n.csr" "$n.ext"
		done
		openvpn --genkey secret tc.key >/dev/null
		chmod 600 ./*.key
	)
}

default_server_config() {
	cat > "$RUN/server.conf" <<CONF
# dpvpn lab default: an ordinary OpenVPN 2.6 server configuration.
port 1194
proto udp
dev tun
server 10.99.0.0 255.255.255.0
topology subnet
ca $PKI/ca.crt
cert $PKI/server.crt
key $PKI/server.key
dh none
tls-crypt $PKI/tc.key
keepalive 10 60
push "route 10.200.0.0 255.255.255.0"
dataplane ipc://$RUN/dataplane.sock
management 127.0.0.1 7505
CONF
	echo "$RUN/server.conf"
}

# The value of a directive in the server config (first word after it), or $2.
conf_value() {
	awk -v d="$1" '$1 == d { print $2; exit }' "$SERVER_CONF" | tr -d '"' | grep . || echo "$2"
}

# Mirror the server's control-channel protection on the client.
client_wrap() {
	local f
	if f=$(conf_value tls-crypt-v2 ""); [ -n "$f" ]; then
		openvpn --genkey tls-crypt-v2-client "$RUN/v2c.key" --tls-crypt-v2 "$f" >/dev/null
		echo "tls-crypt-v2 $RUN/v2c.key"
	elif f=$(conf_value tls-crypt ""); [ -n "$f" ]; then
		echo "tls-crypt $f"
	elif f=$(conf_value tls-auth ""); [ -n "$f" ]; then
		echo "tls-auth $f 1"
	fi
}

start_dataplane() {
	local endpoint
	endpoint=$(conf_value dataplane ipc:///run/dpvpn/dataplane.sock)
	cat > "$RUN/dataplane.conf" <<CONF
name lab
outside dev=net_af_packet0 addr=198.18.0.1/24
inside dev=net_af_packet1 addr=10.200.0.1/24
udp-port $(conf_value port 1194)
control $endpoint
max-sessions 1024
mbufs 8191
CONF
	ip netns exec dpvpn-dp setsid "$ROOT/build/dataplane/dpvpn-dataplane" --no-huge -m 512 \
		--no-pci -l 0 --file-prefix "$PREFIX" \
		--vdev net_af_packet0,iface=dvo0 --vdev net_af_packet1,iface=dvl0 \
		-- --config "$RUN/dataplane.conf" > "$RUN/dataplane.log" 2>&1 < /dev/null &
	echo $! > "$RUN/dataplane.pid"
}

start_dpvpnd() {
	setsid "$ROOT/build/controlplane/dpvpnd" --config "$SERVER_CONF" > "$RUN/dpvpnd.log" 2>&1 < /dev/null &
	echo $! > "$RUN/dpvpnd.pid"
	sleep 0.5
	if ! kill -0 "$(cat "$RUN/dpvpnd.pid")" 2>/dev/null; then
		cat "$RUN/dpvpnd.log"
		say "dpvpnd did not start (its message is above)"
		exit 1
	fi
}

start_client() {
	cat > "$RUN/client.conf" <<CONF
client
dev tun
proto udp
remote 198.18.0.1 $(conf_value port 1194)
nobind
ca $PKI/ca.crt
cert $PKI/client.crt
key $PKI/client.key
$(client_wrap)
verb 3
CONF
	ip netns exec dpvpn-client setsid openvpn --config "$RUN/client.conf" \
		> "$RUN/client.log" 2>&1 < /dev/null &
	echo $! > "$RUN/client.pid"
	for _ in $(seq 100); do
		grep -q "Initialization Sequence Completed" "$RUN/client.log" && return 0
		sleep 0.2
	done
	tail -20 "$RUN/client.log"
	say "the openvpn client did not connect within 20 s (its log is above)"
	return 1
}

up() {
	SERVER_CONF=""
	while [ $# -gt 0 ]; do
		case $1 in
		--server-config) SERVER_CONF=$(readlink -f "$2"); shift 2 ;;
		*) echo "usage: $0 [up] [--server-config FILE] | down" >&2; exit 2 ;;
		esac
	done
	scripts/install-deps.sh
	[ -f build/build.ninja ] || meson setup build
	ninja -C build
	down >/dev/null
	mkdir -p "$RUN"
	make_pki
	[ -n "$SERVER_CONF" ] || SERVER_CONF=$(default_server_config)
	say "server config: $SERVER_CONF"
	topology
	start_dataplane
	start_dpvpnd
	say "dpvpn-dataplane and dpvpnd started; connecting a real openvpn client from dpvpn-client"
	start_client
	say "$(grep -o "Data Channel: cipher '[^']*'.*" "$RUN/client.log" | tail -1)"
	say "pinging the LAN host 10.200.0.2 through the tunnel:"
	ip netns exec dpvpn-client ping -c 5 -i 0.2 10.200.0.2
	say "dataplane counters (DPDK telemetry):"
	echo /dpvpn/stats | dpdk-telemetry.py -f "$PREFIX" | tail -n 1
	cat <<TXT
lab: running. Logs: $RUN/{dataplane,dpvpnd,client}.log
  ip netns exec dpvpn-client ping 10.200.0.2         # through the tunnel
  echo /dpvpn/drops | dpdk-telemetry.py -f $PREFIX   # dataplane counters as JSON
  printf 'status 2\nquit\n' | nc -q1 127.0.0.1 7505 # OpenVPN management interface
Stop with: scripts/lab.sh down
TXT
}

case "${1:-up}" in
up) shift || true; up "$@" ;;
--server-config) up "$@" ;;
down) down ;;
*) echo "usage: $0 [up] [--server-config FILE] | down" >&2; exit 2 ;;
esac
