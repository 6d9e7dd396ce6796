#!/bin/bash
# Packet test of dpvpn-dataplane in network namespaces.
#
#   test_dataplane.sh /path/to/dpvpn-dataplane [lcores]   (lcores default "0,1")
#   test_dataplane.sh --setup-only                          (build and remove the topology only)
#
# Topology (all names carry a per-run suffix; nothing is created outside these namespaces):
#
#   ns cli  o1 198.18.0.2/24 ==veth== o0  ns dp  l0 ==veth== l1 10.200.0.2/24  ns lan
#           (test peer, control plane)      (dataplane: af_packet     (LAN host, route
#                                            vdevs on o0 and l0)      10.99.0.0/16 via 10.200.0.1)
#
# Exit status: 0 all checks passed, 1 a check failed, 77 skipped (not root, no netns, ...).
# Debugging knobs: DPT_CAPTURE=DIR keeps pcaps of the client and LAN links;
# DPT_VDEV_EXTRA=",qpairs=2" is appended to both af_packet --vdev arguments.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SETUP_ONLY=0
if [ "${1:-}" = "--setup-only" ]; then
	SETUP_ONLY=1
	DP_BIN=
	LCORES=0
else
	if [ $# -lt 1 ]; then
		echo "usage: $0 /path/to/dpvpn-dataplane [lcores] | --setup-only" >&2
		exit 2
	fi
	DP_BIN=$1
	LCORES=${2:-0,1}
fi

skip() { echo "SKIP: $*"; exit 77; }
export PYTHONDONTWRITEBYTECODE=1	# keep the source tree clean

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, AF_PACKET)"
command -v ip >/dev/null 2>&1 || skip "iproute2 'ip' not found"
ip netns list >/dev/null 2>&1 || skip "'ip netns' not available"
command -v ethtool >/dev/null 2>&1 || skip "ethtool not found"
# Debian's interpreter carries python3-cryptography/-zmq/-msgpack; prefer it over any other python3.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 not found"
"$PY" -c 'import cryptography, zmq, msgpack' 2>/dev/null ||
	skip "$PY lacks python3-cryptography, python3-zmq or python3-msgpack"
if [ $SETUP_ONLY = 0 ] && [ ! -x "$DP_BIN" ]; then
	echo "FAIL: dataplane binary $DP_BIN not found or not executable"
	exit 1
fi

SUF=$$
NS_DP=dpt$SUF-dp
NS_CLI=dpt$SUF-cli
NS_LAN=dpt$SUF-lan
IF_O0=o0p$SUF	# <= 15 chars: 3 + at most 7 pid digits
IF_O1=o1p$SUF
IF_L0=l0p$SUF
IF_L1=l1p$SUF
PREFIX=dpt$SUF
RUNDIR=/var/run/dpdk/$PREFIX
TMP=
CREATED_NS=()

teardown() {
	local ns pids
	for ns in "${CREATED_NS[@]}"; do
		# only processes we started can live in namespaces we created
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	done
	for ns in "${CREATED_NS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
			sleep 0.2
		done
		ip netns del "$ns" 2>/dev/null
	done
	CREATED_NS=()
	rm -rf "$RUNDIR"
	[ -n "$TMP" ] && rm -rf "$TMP"
	TMP=
}
on_exit() {
	local rc=$?
	trap - EXIT
	teardown
	exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM HUP

die() { echo "FAIL: setup: $*"; exit 1; }
run() { "$@" || die "'$*' failed"; }

for ns in $NS_DP $NS_CLI $NS_LAN; do
	[ -e /var/run/netns/$ns ] && die "namespace $ns already exists"
	run ip netns add $ns
	CREATED_NS+=("$ns")
	run ip -n $ns link set lo up
	# no IPv6 chatter (MLD, DAD, router solicitations) to disturb exact drop counts
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
		>/dev/null 2>&1
done
run ip -n $NS_DP link add $IF_O0 type veth peer name $IF_O1 netns $NS_CLI
run ip -n $NS_DP link add $IF_L0 type veth peer name $IF_L1 netns $NS_LAN
run ip -n $NS_CLI addr add 198.18.0.2/24 dev $IF_O1
run ip -n $NS_LAN addr add 10.200.0.2/24 dev $IF_L1
run ip -n $NS_DP link set $IF_O0 up
run ip -n $NS_DP link set $IF_L0 up
run ip -n $NS_CLI link set $IF_O1 up
run ip -n $NS_LAN link set $IF_L1 up
run ip -n $NS_LAN route add 10.99.0.0/16 via 10.200.0.1
# Complete checksums on what the kernel sends: AF_PACKET would otherwise hand the dataplane
# packets with partial (offloaded) checksums.
run ip netns exec $NS_CLI ethtool -K $IF_O1 tx off >/dev/null
run ip netns exec $NS_LAN ethtool -K $IF_L1 tx off >/dev/null

TMP=$(mktemp -d /tmp/dpt$SUF.XXXXXX) || die "mktemp"
cat >"$TMP/dp.conf" <<EOF
# written by tests/netns/test_dataplane.sh
outside dev=net_af_packet0 addr=198.18.0.1/24
inside dev=net_af_packet1 addr=10.200.0.1/24
udp-port 1194
control ipc://$TMP/cp.sock
max-sessions 1024
mbufs 8191
EOF

if [ $SETUP_ONLY = 1 ]; then
	fails=0
	chk() {	# chk NAME COMMAND...
		local name=$1
		shift
		if "$@" >/dev/null 2>&1; then echo "PASS $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
	}
	up() { ip -n "$1" -o link show dev "$2" | grep -q 'state UP'; }
	txoff() { ip netns exec "$1" ethtool -k "$2" | grep -q '^tx-checksumming: off'; }
	noipv6() { [ "$(ip netns exec "$1" cat /proc/sys/net/ipv6/conf/all/disable_ipv6)" = 1 ]; }
	chk link_o0_up up $NS_DP $IF_O0
	chk link_l0_up up $NS_DP $IF_L0
	chk link_o1_up up $NS_CLI $IF_O1
	chk link_l1_up up $NS_LAN $IF_L1
	chk addr_cli sh -c "ip -n $NS_CLI -o -4 addr show dev $IF_O1 | grep -q ' 198.18.0.2/24 '"
	chk addr_lan sh -c "ip -n $NS_LAN -o -4 addr show dev $IF_L1 | grep -q ' 10.200.0.2/24 '"
	chk route_lan sh -c "ip -n $NS_LAN route show 10.99.0.0/16 | grep -q 'via 10.200.0.1'"
	chk tx_csum_off_cli txoff $NS_CLI $IF_O1
	chk tx_csum_off_lan txoff $NS_LAN $IF_L1
	chk ipv6_off_cli noipv6 $NS_CLI
	chk no_addr_on_dp sh -c "[ -z \"\$(ip -n $NS_DP -o -4 addr show dev $IF_O0)\" ]"
	chk config_written grep -q "^control ipc://$TMP/cp.sock\$" "$TMP/dp.conf"
	chk root_ns_untouched sh -c "! ip -o link show | grep -q p$SUF"
	chk python_syntax "$PY" -c 'import sys
for f in sys.argv[1:]:
    compile(open(f).read(), f, "exec")' "$HERE/ovpn_data.py" "$HERE/dpctl_ipc.py" "$HERE/test_dataplane.py"
	chk ovpn_selftest "$PY" "$HERE/ovpn_data.py" --selftest
	teardown
	left=$(ip netns list | grep -c "^dpt$SUF-")
	chk teardown_namespaces [ "$left" = 0 ]
	chk teardown_tmpdir sh -c "! ls -d /tmp/dpt$SUF.* 2>/dev/null"
	[ $fails = 0 ] || exit 1
	exit 0
fi

echo "# dataplane $DP_BIN, lcores $LCORES, namespaces dpt$SUF-{dp,cli,lan}"
if [ -n "${DPT_CAPTURE:-}" ] && command -v tcpdump >/dev/null 2>&1; then
	mkdir -p "$DPT_CAPTURE"
	ip netns exec $NS_CLI tcpdump -q -n -U -i $IF_O1 -w "$DPT_CAPTURE/cli.pcap" 2>/dev/null &
	disown
	ip netns exec $NS_LAN tcpdump -q -n -U -i $IF_L1 -w "$DPT_CAPTURE/lan.pcap" 2>/dev/null &
	disown
	sleep 1
fi
# In the background, so that a signal to this script runs the EXIT trap at once (the trap
# kills everything in our namespaces, the test itself included).
ip netns exec $NS_CLI timeout -k 5 175 "$PY" "$HERE/test_dataplane.py" \
	--dp "$DP_BIN" --lcores "$LCORES" --dp-ns $NS_DP --o0 $IF_O0 --l0 $IF_L0 \
	--prefix $PREFIX --config "$TMP/dp.conf" --endpoint "ipc://$TMP/cp.sock" --log "$TMP/dp.log" \
	--vdev-extra "${DPT_VDEV_EXTRA:-}" --time-limit 160 </dev/null &
wait $!
rc=$?
[ $rc = 124 ] && echo "FAIL test_dataplane.py killed after 175 s"
[ $rc = 0 ] || exit 1
exit 0
