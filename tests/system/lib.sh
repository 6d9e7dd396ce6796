# Shared by the system tests (sourced): namespaces, the dataplane, dpvpnd and
# real openvpn clients, and the check/wait helpers. Needs DP_BIN, CP_BIN, PKI.
#
#   cli  198.18.0.2 ──┐
#                     ├─ sw (bridge) ── [dp ns: dpvpn-dataplane on net_af_packet] ── lan 10.200.0.2
#   cli2 198.18.0.3 ──┘                   dpvpnd (root ns) ⇄ ZeroMQ ⇄ dataplane
#   openvpn clients in cli / cli2 (tun0 10.99.0.x)

SUF=$$
NS_DP=dpo$SUF-dp NS_CLI=dpo$SUF-cli NS_CLI2=dpo$SUF-cli2 NS_LAN=dpo$SUF-lan NS_SW=dpo$SUF-sw
O0=oo0$SUF O1=oo1$SUF O2=oo2$SUF L0=ol0$SUF L1=ol1$SUF
T=$(mktemp -d /tmp/dpvpn-ovpn.XXXXXX)
PREFIX=dpo$SUF
PASS=0 FAIL=0
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for ns in $NS_DP $NS_CLI $NS_CLI2 $NS_LAN $NS_SW; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ "${DPT_KEEP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"
	rm -rf "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT

check() { # name condition-result detail
	if [ "$2" = 0 ]; then PASS=$((PASS + 1)); echo "PASS $1 $3"
	else FAIL=$((FAIL + 1)); echo "FAIL $1 $3"; fi
}

topology() {
	for ns in $NS_DP $NS_CLI $NS_CLI2 $NS_LAN $NS_SW; do ip netns add "$ns"; done
	ip -n $NS_SW link add br0 type bridge
	ip -n $NS_SW link set br0 up
	ip link add $O0 netns $NS_DP type veth peer name s$O0 netns $NS_SW
	ip link add $O1 netns $NS_CLI type veth peer name s$O1 netns $NS_SW
	ip link add $O2 netns $NS_CLI2 type veth peer name s$O2 netns $NS_SW
	ip link add $L0 netns $NS_DP type veth peer name $L1 netns $NS_LAN
	for dev in s$O0 s$O1 s$O2; do
		ip netns exec $NS_SW sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
		ip -n $NS_SW link set $dev master br0 up
	done
	for spec in $NS_DP:$O0 $NS_DP:$L0 $NS_CLI:$O1 $NS_CLI2:$O2 $NS_LAN:$L1; do
		ns=${spec%%:*} dev=${spec#*:}
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
		ip -n "$ns" link set "$dev" up
	done
	ip -n $NS_CLI link set lo up
	ip -n $NS_CLI2 link set lo up
	ip -n $NS_CLI addr add 198.18.0.2/24 dev $O1
	ip -n $NS_CLI2 addr add 198.18.0.3/24 dev $O2
	ip -n $NS_CLI2 addr add 10.250.0.1/32 dev lo	# a network behind client2 (iroute)
	ip -n $NS_LAN addr add 10.200.0.2/24 dev $L1
	ip -n $NS_LAN route add 10.99.0.0/24 via 10.200.0.1
	ip -n $NS_LAN route add 10.250.0.0/24 via 10.200.0.1
	# The dataplane reads frames with AF_PACKET: checksums must be complete.
	ip netns exec $NS_CLI ethtool -K $O1 tx off >/dev/null
	ip netns exec $NS_CLI2 ethtool -K $O2 tx off >/dev/null
	ip netns exec $NS_LAN ethtool -K $L1 tx off >/dev/null
}

start_dataplane() {
	cat > "$T/dp.conf" <<CONF
name system-test
outside dev=net_af_packet0 addr=198.18.0.1/24
inside dev=net_af_packet1 addr=10.200.0.1/24
control ipc://$T/cp.sock
max-sessions 1024
mbufs 8191
CONF
	: > "$T/dp.log"	# now: see start_server
	ip netns exec $NS_DP "$DP_BIN" --no-huge -m 512 --no-pci -l 0 --file-prefix $PREFIX \
		--vdev net_af_packet0,iface=$O0 --vdev net_af_packet1,iface=$L0 \
		-- --config "$T/dp.conf" >> "$T/dp.log" 2>&1 &
	pids+=($!)
}

keys() {
	openvpn --genkey secret "$T/tc.key" >/dev/null
	openvpn --genkey tls-crypt-v2-server "$T/v2s.key" >/dev/null
	openvpn --genkey tls-crypt-v2-client "$T/v2c.key" --tls-crypt-v2 "$T/v2s.key" >/dev/null
}

wrap_server() {
	case $1 in
	tls-crypt) echo "tls-crypt $T/tc.key" ;;
	tls-auth) printf 'tls-auth %s 0\n' "$T/tc.key" ;;
	tls-crypt-v2) echo "tls-crypt-v2 $T/v2s.key" ;;
	esac
}

wrap_client() {
	case $1 in
	tls-crypt) echo "tls-crypt $T/tc.key" ;;
	tls-auth) printf 'tls-auth %s 1\n' "$T/tc.key" ;;
	tls-crypt-v2) echo "tls-crypt-v2 $T/v2c.key" ;;
	esac
}

start_server() { # wrap [extra config lines]
	cat > "$T/server.conf" <<CONF
port 1194
proto udp
dev tun
server 10.99.0.0 255.255.255.0
topology subnet
ca $PKI/ca.crt
cert $PKI/server.crt
key $PKI/server.key
dh none
$(wrap_server "$1")
keepalive 10 60
data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305
push "route 10.200.0.0 255.255.255.0"
dataplane ipc://$T/cp.sock
dpvpnctl-socket $T/ctl.sock
${2:-}
CONF
	# Emptied here, not only by the background job's redirection: that one runs
	# whenever the child is scheduled, and a wait_for on the log could read the
	# previous run's lines first.
	: > "$T/dpvpnd.log"
	"$CP_BIN" --config "$T/server.conf" >> "$T/dpvpnd.log" 2>&1 &
	CP_PID=$!
	pids+=($CP_PID)
}

start_client() { # wrap cipher [ns cert name extra]
	local ns=${3:-$NS_CLI} cert=${4:-client} name=${5:-client}
	cat > "$T/$name.conf" <<CONF
client
dev tun
proto udp
remote 198.18.0.1 1194
nobind
ca $PKI/ca.crt
cert $PKI/$cert.crt
key $PKI/$cert.key
$(wrap_client "$1")
data-ciphers $2
verb 3
${6:-}
CONF
	: > "$T/$name.log"	# now: see start_server
	ip netns exec "$ns" openvpn --config "$T/$name.conf" >> "$T/$name.log" 2>&1 &
	CLI_PID=$!
	pids+=($CLI_PID)
}

connected() { # name
	wait_for 30 grep -q "Initialization Sequence Completed" "$T/$1.log"
}

wait_for() { # seconds command...
	local end=$((SECONDS + $1)); shift
	until "$@" 2>/dev/null; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

tun_bytes() { # rx|tx
	ip netns exec $NS_CLI cat "/sys/class/net/tun0/statistics/$1_bytes" 2>/dev/null || echo 0
}

# rx_pkts rx_bytes tx_pkts tx_bytes of a dataplane session (telemetry).
session_counters() {
	echo "/dpvpn/session,$1" | dpdk-telemetry.py -f $PREFIX 2>/dev/null | tail -1 | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)["/dpvpn/session"]
print(s["rx_pkts"], s["rx_bytes"], s["tx_pkts"], s["tx_bytes"])' 2>/dev/null || echo "0 0 0 0"
}

counters_delta() { # "a b c d" "e f g h" -> "e-a f-b g-c h-d"
	set -- $1 $2
	echo "$(($5 - $1)) $(($6 - $2)) $(($7 - $3)) $(($8 - $4))"
}

diagnose() {
	echo "    dataplane drops: $(echo /dpvpn/drops | dpdk-telemetry.py -f $PREFIX 2>/dev/null | tail -1 | tr ',' '\n' | grep -v ': 0' | tr -d '\n')"
	echo "    dataplane stats: $(echo /dpvpn/stats | dpdk-telemetry.py -f $PREFIX 2>/dev/null | tail -1)"
	tail -3 "$T/client.log" | sed 's/^/    client: /'
	echo "    client UDP: $(ip netns exec $NS_CLI cat /proc/net/snmp | awk '/^Udp:/ {print}' | tail -1)"
}

