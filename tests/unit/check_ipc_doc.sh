#!/bin/bash
# Fails when docs/ipc.md differs from what ipc-doc prints from
# shared/ipc_msgs.def, i.e. the schema changed but the doc was not rebuilt.
#   $1: the ipc-doc binary   $2: path of docs/ipc.md
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 IPC_DOC_BINARY DOCS_IPC_MD" >&2
	exit 2
fi
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT

if ! "$1" > "$tmp"; then
	echo "$1 failed" >&2
	exit 1
fi
if ! diff -u "$2" "$tmp"; then
	echo "docs/ipc.md is stale: run build/shared/ipc-doc > docs/ipc.md" >&2
	exit 1
fi
exit 0
