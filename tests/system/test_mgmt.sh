#!/usr/bin/env bash
# The OpenVPN management interface of dpvpnd with real openvpn 2.6 clients:
# command replies, status 2/3 against the clients' own counters, bytecount,
# signals, kills, robustness, and management-client-auth (accept, REAUTH,
# deny, CR_TEXT pending auth, timeout, DISCONNECT). The checks are in
# mgmt_test.py / mgmt_auth.py; this script builds the namespaces and the dataplane.
# Usage: test_mgmt.sh DATAPLANE DPVPND [PKI_DIR]. Exit 77 = cannot run here.
set -uo pipefail
DP_BIN=$1 CP_BIN=$2
PKI=${3:-$(cd "$(dirname "$0")/../data/pki" && pwd)}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v openvpn >/dev/null || { echo "SKIP: openvpn not installed"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }

. "$(dirname "$0")/lib.sh"

topology
keys
start_dataplane
export T PKI CP_BIN NS_CLI NS_CLI2 NS_LAN PREFIX
/usr/bin/python3 "$(dirname "$0")/mgmt_test.py"
