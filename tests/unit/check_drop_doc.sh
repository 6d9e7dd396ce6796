#!/usr/bin/env bash
# docs/dataplane.md must list exactly the drop reasons of dataplane/counters.h.
set -euo pipefail
hdr=$1 doc=$2
code=$(sed -n '/DP_FOREACH_DROP(_)/,/^$/p' "$hdr" | grep -o '_([a-z0-9_]*)' | sed 's/^_(//; s/)$//' | sort)
docs=$(grep -o '^| `[a-z0-9_]*` |' "$doc" | sed 's/^| `//; s/` |$//' | sort)
docs=$(comm -12 <(echo "$docs") <(echo "$docs"))
missing=$(comm -23 <(echo "$code") <(echo "$docs"))
extra=$(comm -13 <(echo "$code") <(grep -A200 '^Drop reasons' "$doc" | grep -o '^| `[a-z0-9_]*` |' | sed 's/^| `//; s/` |$//' | sort))
if [ -n "$missing" ] || [ -n "$extra" ]; then
	echo "docs/dataplane.md drop table out of date"
	[ -n "$missing" ] && echo "missing: $missing"
	[ -n "$extra" ] && echo "not in counters.h: $extra"
	exit 1
fi
echo "drop table: $(echo "$code" | wc -l) reasons documented"
