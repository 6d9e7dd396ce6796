#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit,
# fuzz smoke runs, dataplane packet tests in network namespaces).
# Ends with the line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || exit 1
if [ ! -f build/build.ninja ]; then
	meson setup build || exit 1
fi
ninja -C build || exit 1

meson test -C build --print-errorlogs --num-processes 2 "$@"
rc=$?

/usr/bin/python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    res = r.get("result")
    if res in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif res == "SKIP":
        skipped += 1
    else:
        failed += 1
        print(f"FAILED: {r.get('name')} ({res})")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
