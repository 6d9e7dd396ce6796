#!/usr/bin/env bash
# Installs every Debian package dpvpn needs to build and to run its tests.
# Idempotent: packages already present are skipped, apt runs only when something is missing.
set -euo pipefail

PKGS=(
	# build
	build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk dpdk-dev libipsec-mb-dev libssl-dev libzmq3-dev libmsgpack-dev libjansson-dev libcrypt-dev libedit-dev
	# lab and tests
	iproute2 iputils-ping ethtool procps python3 python3-cryptography python3-scapy python3-zmq python3-msgpack
	openvpn
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
	echo "install-deps: all ${#PKGS[@]} packages present"
fi
