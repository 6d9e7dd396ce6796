#!/bin/sh
# Drives the built dpvpn-passwd: add, change, lock, unlock, delete, and
# the error paths; checks the file's exact contents and mode after each.
# usage: test_dpvpn_passwd.sh PATH/TO/dpvpn-passwd
set -u

BIN=${1:?usage: $0 path/to/dpvpn-passwd}
[ -x "$BIN" ] || { echo "not executable: $BIN" >&2; exit 1; }

T=$(mktemp -d /tmp/test_dpvpn_passwd.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
F="$T/passwd"
checks=0
failed=0

ok() {	# ok DESCRIPTION COMMAND...
	desc=$1; shift
	checks=$((checks + 1))
	if ! "$@"; then
		failed=$((failed + 1))
		echo "FAIL: $desc" >&2
	fi
}

# run PASSWORD ARGS...: password on stdin; stdout+stderr kept in $T/out, status in $rc
run() {
	pw=$1; shift
	printf '%s\n' "$pw" | "$BIN" -c "$F" "$@" >"$T/out" 2>&1
	rc=$?
}

field() {	# field USER N: Nth ':' field of USER's line
	awk -F: -v u="$1" -v n="$2" '$1 == u { print $n }' "$F"
}

# Does PASSWORD match USER's hash (with its lock mark removed)? Uses the
# system crypt(3) through perl (libcrypt, so yescrypt works).
pw_ok() {
	h=$(field "$1" 3 | sed 's/^!*//')
	[ -n "$h" ] || return 1
	command -v perl >/dev/null 2>&1 || return 0
	perl -e 'exit(crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? 0 : 1)' "$2" "$h"
}

# without perl, the hash checks below are skipped
pw_bad() {
	command -v perl >/dev/null 2>&1 || return 0
	! pw_ok "$1" "$2"
}

hash_is() {	# hash_is USER PATTERN
	case "$(field "$1" 3)" in
	$2) return 0 ;;
	esac
	return 1
}

t() { eval "$1"; }	# ok "..." t 'compound && condition'

mode_of() { stat -c %a "$1"; }
out_has() { grep -qF -- "$1" "$T/out"; }
no_tmp() { [ ! -e "$F.tmp" ]; }
lines() { grep -c '' "$F"; }

umask 000	# the tool must not depend on the caller's umask

# --- add ---
run 'alice pw 1' alice
ok "add alice: exit 0" [ "$rc" = 0 ]
ok "add alice: mode 600" [ "$(mode_of "$F")" = 600 ]
ok "add alice: group *" [ "$(field alice 2)" = '*' ]
ok "add alice: yescrypt" hash_is alice '$y$*'
ok "add alice: password verifies" pw_ok alice 'alice pw 1'
ok "add alice: wrong password does not" pw_bad alice 'alice pw 2'
ok "add alice: one line" [ "$(lines)" = 1 ]
ok "add alice: no temp file" no_tmp

run 'bob pw' --sha512 -g 'admins,ops' bob
ok "add bob: exit 0" [ "$rc" = 0 ]
ok "add bob: groups" [ "$(field bob 2)" = 'admins,ops' ]
ok "add bob: sha512" hash_is bob '$6$*'
ok "add bob: password verifies" pw_ok bob 'bob pw'
ok "add bob: alice untouched, order kept" [ "$(cut -d: -f1 "$F" | tr '\n' ' ')" = 'alice bob ' ]

# --- change ---
old=$(field alice 3)
run 'alice pw 2' alice
ok "change alice: exit 0" [ "$rc" = 0 ]
ok "change alice: new hash" [ "$(field alice 3)" != "$old" ]
ok "change alice: new password verifies" pw_ok alice 'alice pw 2'
ok "change alice: group kept" [ "$(field alice 2)" = '*' ]
run 'alice pw 2' -g staff alice
ok "change alice group: staff" [ "$(field alice 2)" = staff ]
ok "change alice: still 2 lines" [ "$(lines)" = 2 ]
ok "change alice: mode 600" [ "$(mode_of "$F")" = 600 ]

# --- lock / unlock ---
"$BIN" -c "$F" -l alice >"$T/out" 2>&1; rc=$?
ok "lock: exit 0" [ "$rc" = 0 ]
ok "lock: hash has '!'" hash_is alice '!$y$*'
h1=$(field alice 3)
"$BIN" -c "$F" --lock alice >"$T/out" 2>&1; rc=$?
ok "lock twice: exit 0, one '!'" t '[ "$rc" = 0 ] && [ "$(field alice 3)" = "$h1" ]'
run 'alice pw 3' alice
ok "change locked: exit 0" [ "$rc" = 0 ]
ok "change locked: stays locked" hash_is alice '!$y$*'
ok "change locked: note" out_has "is locked"
ok "change locked: new password" pw_ok alice 'alice pw 3'
"$BIN" -c "$F" -u alice >"$T/out" 2>&1; rc=$?
ok "unlock: exit 0" [ "$rc" = 0 ]
ok "unlock: no '!'" hash_is alice '$y$*'
ok "unlock: password still good" pw_ok alice 'alice pw 3'
"$BIN" -c "$F" --unlock alice >"$T/out" 2>&1; rc=$?
ok "unlock twice: exit 0 with a note" t '[ "$rc" = 0 ] && out_has "was not locked"'

# --- delete ---
"$BIN" -c "$F" -d bob >"$T/out" 2>&1; rc=$?
ok "delete bob: exit 0" [ "$rc" = 0 ]
ok "delete bob: gone" [ -z "$(field bob 1)" ]
ok "delete bob: alice stays" t '[ "$(lines)" = 1 ] && [ "$(field alice 1)" = alice ]'
"$BIN" -c "$F" --delete bob >"$T/out" 2>&1; rc=$?
ok "delete again: exit 1" [ "$rc" = 1 ]
ok "delete again: message" out_has "user 'bob' not found in $F"
ok "mode still 600" [ "$(mode_of "$F")" = 600 ]

# --- errors leave the file alone ---
cp "$F" "$T/before"
same() { cmp -s "$F" "$T/before"; }
run '' carol
ok "empty password: exit 1" t '[ "$rc" = 1 ] && out_has "empty password" && same'
"$BIN" -c "$F" carol </dev/null >"$T/out" 2>&1; rc=$?
ok "no stdin: exit 1" t '[ "$rc" = 1 ] && out_has "no password on stdin" && same'
run 'x' 'car:ol'
ok "bad username: exit 1" t '[ "$rc" = 1 ] && out_has "invalid username" && same'
run 'x' '#carol'
ok "username with '#': exit 1" t '[ "$rc" = 1 ] && same'
run 'x' -g 'a:b' carol
ok "bad group: exit 1" t '[ "$rc" = 1 ] && out_has "invalid group list" && same'
"$BIN" -c "$F" -l -d alice >"$T/out" 2>&1; rc=$?
ok "-l with -d: exit 1" t '[ "$rc" = 1 ] && out_has "exclude each other" && same'
"$BIN" -c "$F" -l -g x alice >"$T/out" 2>&1; rc=$?
ok "-l with -g: exit 1" t '[ "$rc" = 1 ] && same'
"$BIN" -c "$F" >"$T/out" 2>&1; rc=$?
ok "no username: exit 1 with usage" t '[ "$rc" = 1 ] && out_has "usage:"'
"$BIN" -c "$T/missing" -l alice >"$T/out" 2>&1; rc=$?
ok "lock in a missing file: exit 1" t '[ "$rc" = 1 ] && out_has "$T/missing: No such file or directory"'
ok "lock in a missing file: nothing created" t '[ ! -e "$T/missing" ] && [ ! -e "$T/missing.tmp" ]'
long=$(head -c 1100 /dev/zero | tr '\0' x)
run "$long" carol
ok "password too long: exit 1" t '[ "$rc" = 1 ] && out_has "password too long" && same'
: >"$F.tmp"
run 'x' carol
ok "stale lock: exit 1" t '[ "$rc" = 1 ] && out_has "$F.tmp exists" && same'
ok "stale lock: left for the admin" [ -e "$F.tmp" ]
rm -f "$F.tmp"

# --- other lines are kept byte for byte; a bad one blocks edits ---
{
	printf '# users of the lab\n\n'
	cat "$T/before"
	printf 'dave:ops:$1$old$md5hash\n'
} >"$F"
cp "$F" "$T/before"
run 'x' carol
ok "bad line elsewhere: refused" t '[ "$rc" = 1 ] && out_has "$F:4: unsupported hash type" && out_has "file left unchanged" && same'
"$BIN" -c "$F" -d dave >"$T/out" 2>&1; rc=$?
ok "deleting the bad line: exit 0" [ "$rc" = 0 ]
ok "comments kept" [ "$(head -2 "$F")" = "$(printf '# users of the lab\n')" ]
run 'carol pw' carol
ok "add after comments: exit 0" t '[ "$rc" = 0 ] && [ "$(tail -1 "$F" | cut -d: -f1)" = carol ]'
ok "final file: comment, blank, alice, carol" \
	[ "$(cut -d: -f1 "$F" | tr '\n' ' ')" = '# users of the lab  alice carol ' ]

# a file without a final newline, with CRLF lines
printf 'eve:*:%s\r\nzed:*:%s' "$(field alice 3)" "$(field carol 3)" >"$F"
run 'new' frank
ok "no final newline: appended on its own line" t '[ "$rc" = 0 ] && [ "$(lines)" = 3 ] && [ "$(field frank 1)" = frank ] && pw_ok zed '\''carol pw'\'''

# --- owner kept (root only) ---
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chown nobody "$F"
	run 'x' grace
	ok "owner kept" t '[ "$rc" = 0 ] && [ "$(stat -c %U "$F")" = nobody ]'
fi

# --- on a terminal: prompts twice, no echo (needs python3 for the pty) ---
if command -v python3 >/dev/null 2>&1; then
	cat >"$T/drive_tty.py" <<'EOF'
import os, pty, signal, sys, time
binary, path, user, first, second = sys.argv[1:6]
pid, fd = pty.fork()
if pid == 0:
    os.execv(binary, [binary, "-c", path, user])
def give_up(sig, frame):
    os.kill(pid, signal.SIGKILL)
    sys.exit("drive_tty: timed out")
signal.signal(signal.SIGALRM, give_up)
signal.alarm(120)
out = b""
def until(marker):
    global out
    end = time.time() + 60
    while marker not in out and time.time() < end:
        try:
            out += os.read(fd, 1024)
        except OSError:
            break
until(b"Enter password: ")
os.write(fd, first.encode() + b"\n")
until(b"Re-enter password: ")
os.write(fd, second.encode() + b"\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
status = os.waitpid(pid, 0)[1]
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
EOF
	python3 "$T/drive_tty.py" "$BIN" "$F" tty1 'tty secret' 'tty secret' >"$T/out" 2>&1; rc=$?
	ok "tty: exit 0" [ "$rc" = 0 ]
	ok "tty: both prompts" out_has "Re-enter password:"
	ok "tty: no echo" t '! out_has "tty secret"'
	ok "tty: password verifies" pw_ok tty1 'tty secret'
	python3 "$T/drive_tty.py" "$BIN" "$F" tty2 'one' 'two' >"$T/out" 2>&1; rc=$?
	ok "tty mismatch: exit 1" t '[ "$rc" = 1 ] && out_has "passwords do not match"'
	ok "tty mismatch: not added" [ -z "$(field tty2 1)" ]
fi

echo "dpvpn_passwd: $checks checks, $failed failed"
[ "$failed" = 0 ]
