#!/usr/bin/env bash
# The dpvpn lab: a self-contained network of namespaces and DPDK virtual
# devices (no NIC, no hugepages).
#
#   dpvpn-client (198.18.0.2/24)          dpvpn-dp                       dpvpn-lan (10.200.0.2/24)
#      dvc0 ---- veth ---- dvo0 [net_af_packet0]  dpvpn-dataplane  [net_af_packet1] dvl0 ---- veth ---- dvl1
#                            outside 198.18.0.1:1194           inside 10.200.0.1
#
# Usage: scripts/lab.sh [up]   install, build, start the dataplane, install a session
#                              and ping the LAN host through the tunnel (left running)
#        scripts/lab.sh down   stop everything and remove the namespaces
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=/run/dpvpn-lab
PREFIX=dpvpn-lab

down() {
	if [ -f "$RUN/dataplane.pid" ]; then
		kill "$(cat "$RUN/dataplane.pid")" 2>/dev/null || true
		sleep 1
		kill -9 "$(cat "$RUN/dataplane.pid")" 2>/dev/null || true
	fi
	for ns in dpvpn-client dpvpn-dp dpvpn-lan; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$RUN" "/var/run/dpdk/$PREFIX"
	echo "lab: down"
}

topology() {
	for ns in dpvpn-client dpvpn-dp dpvpn-lan; do ip netns add "$ns"; done
	ip link add dvo0 netns dpvpn-dp type veth peer name dvc0 netns dpvpn-client
	ip link add dvl0 netns dpvpn-dp type veth peer name dvl1 netns dpvpn-lan
	for spec in dpvpn-dp:dvo0 dpvpn-dp:dvl0 dpvpn-client:dvc0 dpvpn-lan:dvl1; do
		ns=${spec%%:*}; dev=${spec#*:}
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
		ip -n "$ns" link set "$dev" up
	done
	ip -n dpvpn-client addr add 198.18.0.2/24 dev dvc0
	ip -n dpvpn-lan addr add 10.200.0.2/24 dev dvl1
	ip -n dpvpn-lan route add 10.99.0.0/24 via 10.200.0.1
	# The dataplane reads frames with AF_PACKET: checksums must be complete.
	ip netns exec dpvpn-client ethtool -K dvc0 tx off >/dev/null
	ip netns exec dpvpn-lan ethtool -K dvl1 tx off >/dev/null
}

start_dataplane() {
	mkdir -p "$RUN"
	cat > "$RUN/dataplane.conf" <<CONF
name lab
outside dev=net_af_packet0 addr=198.18.0.1/24
inside dev=net_af_packet1 addr=10.200.0.1/24
udp-port 1194
control ipc://$RUN/cp.sock
max-sessions 1024
mbufs 8191
CONF
	ip netns exec dpvpn-dp setsid "$ROOT/build/dataplane/dpvpn-dataplane" --no-huge -m 512 \
		--no-pci -l 0 --file-prefix "$PREFIX" \
		--vdev net_af_packet0,iface=dvo0 --vdev net_af_packet1,iface=dvl0 \
		-- --config "$RUN/dataplane.conf" > "$RUN/dataplane.log" 2>&1 < /dev/null &
	echo $! > "$RUN/dataplane.pid"
}

up() {
	scripts/install-deps.sh
	[ -f build/build.ninja ] || meson setup build
	ninja -C build
	down >/dev/null
	topology
	start_dataplane
	echo "lab: dataplane started (log $RUN/dataplane.log), pinging its outside address"
	ip netns exec dpvpn-client ping -c 2 -W 2 198.18.0.1
	ip netns exec dpvpn-client /usr/bin/python3 scripts/lab_peer.py "ipc://$RUN/cp.sock" 5
	echo "lab: counters (DPDK telemetry):"
	echo /dpvpn/stats | dpdk-telemetry.py -f "$PREFIX" | tail -n 1
	cat <<TXT
lab: running. Try:
  echo /dpvpn/drops | dpdk-telemetry.py -f $PREFIX
  ip netns exec dpvpn-client ping 198.18.0.1
Stop with: scripts/lab.sh down
TXT
}

case "${1:-up}" in
up) up ;;
down) down ;;
*) echo "usage: $0 [up|down]" >&2; exit 2 ;;
esac
