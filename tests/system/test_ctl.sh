#!/usr/bin/env bash
# dpvpnctl with real openvpn 2.6 clients: every command in text and JSON,
# occtl's JSON key types, exit codes, interactive mode on a pty, show events,
# disconnect, reload, stop now, bad input on the control socket. The checks
# are in ctl_test.py; this script builds the namespaces and the dataplane.
# Usage: test_ctl.sh DATAPLANE DPVPND DPVPNCTL DPVPN_PASSWD [PKI_DIR]. Exit 77 = cannot run here.
set -uo pipefail
DP_BIN=$1 CP_BIN=$2 CTL_BIN=$3 PASSWD_BIN=$4
PKI=${5:-$(cd "$(dirname "$0")/../data/pki" && pwd)}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v openvpn >/dev/null || { echo "SKIP: openvpn not installed"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }

. "$(dirname "$0")/lib.sh"

topology
keys
start_dataplane
export T PKI CP_BIN CTL_BIN PASSWD_BIN NS_CLI NS_CLI2 NS_LAN PREFIX
/usr/bin/python3 "$(dirname "$0")/ctl_test.py"
