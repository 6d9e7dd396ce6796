# Scenario checks of test_openvpn.sh (sourced: uses its topology, helpers and counters).
# Each scenario starts its own dpvpnd and clients and stops them at the end.

stop_all_clients() {
	for ns in $NS_CLI $NS_CLI2; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	sleep 0.5
	for ns in $NS_CLI $NS_CLI2; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
}

stop_server() {
	kill "$CP_PID" 2>/dev/null
	wait "$CP_PID" 2>/dev/null
}

pings() { # ns count dst [interval] -> "N received"
	ip netns exec "$1" ping -q -c "$2" -i "${4:-0.2}" -W 2 "$3" 2>&1 | grep -o "[0-9]* received"
}

tun_addr() { # ns
	ip -n "$1" -4 -o addr show dev tun0 2>/dev/null | awk '{print $4}' | cut -d/ -f1
}

dp_sessions() {
	echo /dpvpn/stats | dpdk-telemetry.py -f $PREFIX 2>/dev/null | tail -1 |
		grep -o '"sessions": [0-9]*' | grep -o '[0-9]*$'
}

# Two clients, client-to-client, client-config-dir with a fixed address and an iroute.
scenario_c2c_ccd() {
	mkdir -p "$T/ccd"
	printf 'ifconfig-push 10.99.0.50 255.255.255.0\niroute 10.250.0.0 255.255.255.0\n' \
		> "$T/ccd/client2"
	start_server tls-crypt "client-to-client
client-config-dir $T/ccd
route 10.250.0.0 255.255.255.0
status $T/status.txt 1
status-version 2"
	start_client tls-crypt AES-256-GCM $NS_CLI client client
	start_client tls-crypt AES-256-GCM $NS_CLI2 client2 client2
	connected client && connected client2
	check "two clients connect" $? ""
	local a
	a=$(tun_addr $NS_CLI2)
	check "ccd fixed address" "$([ "$a" = 10.99.0.50 ]; echo $?)" "(client2 got $a, want 10.99.0.50)"
	a=$(pings $NS_CLI 5 10.99.0.50)
	check "client-to-client" "$([ "$a" = "5 received" ]; echo $?)" "(client1 -> 10.99.0.50: $a)"
	a=$(pings $NS_LAN 5 10.250.0.1)
	check "iroute" "$([ "$a" = "5 received" ]; echo $?)" "(LAN -> 10.250.0.1 behind client2: $a)"
	sleep 1.5
	grep -q "^CLIENT_LIST,client1,198.18.0.2:[0-9]*,10.99.0.[0-9]*,," "$T/status.txt" &&
		grep -q "^CLIENT_LIST,client2,198.18.0.3:[0-9]*,10.99.0.50,," "$T/status.txt" &&
		grep -q "^ROUTING_TABLE,10.250.0.0/24,client2," "$T/status.txt" &&
		[ "$(tail -1 "$T/status.txt")" = END ]
	check "status file (version 2)" $? "($(grep -c '^CLIENT_LIST' "$T/status.txt") CLIENT_LIST rows)"
	stop_all_clients
	stop_server
}

# explicit-exit-notify: the address is free at once (the next client gets it back).
scenario_exit_notify() {
	start_server tls-crypt
	start_client tls-crypt AES-256-GCM $NS_CLI client client "explicit-exit-notify 1"
	connected client
	local first second
	first=$(tun_addr $NS_CLI)
	kill -TERM "$CLI_PID"
	wait_for 5 grep -q "explicit-exit-notify" "$T/dpvpnd.log"
	check "explicit-exit-notify ends the session" $? "($(grep -o 'session [0-9]*: client sent EXIT.*\|ended: explicit.*' "$T/dpvpnd.log" | tail -1))"
	wait "$CLI_PID" 2>/dev/null
	start_client tls-crypt AES-256-GCM $NS_CLI2 client2 client2
	connected client2
	second=$(tun_addr $NS_CLI2)
	check "exit frees the address at once" "$([ -n "$first" ] && [ "$first" = "$second" ]; echo $?)" \
		"(first client had $first, the next one got $second)"
	stop_all_clients
	stop_server
}

# A client killed without a word is reaped by ping-restart (server side: 2 x 3 s).
scenario_ping_restart() {
	start_server tls-crypt "keepalive 1 3"
	start_client tls-crypt AES-256-GCM
	connected client
	local before after
	before=$(dp_sessions)
	kill -9 "$CLI_PID"
	wait_for 15 grep -q "^.*client1/.*ended: ping-restart timeout" "$T/dpvpnd.log"
	local r=$?
	wait_for 5 test "$(dp_sessions)" = 0
	after=$(dp_sessions)
	check "ping-restart reaps a dead client" "$([ $r = 0 ] && [ "$after" = 0 ]; echo $?)" \
		"(dataplane sessions $before -> $after)"
	[ $r = 0 ] && [ "$after" = 0 ] || tail -8 "$T/dpvpnd.log" | sed 's/^/    dpvpnd: /'
	stop_server
}

# The client renegotiates every 3 s under continuous ping: nothing is lost. Renegotiations
# are wrapped with the dynamic tls-crypt key (§2.7) whatever the configured protection.
scenario_reneg() {
	local out n wrap
	for wrap in tls-crypt tls-auth tls-crypt-v2; do
		start_server $wrap
		start_client $wrap AES-256-GCM $NS_CLI client client "reneg-sec 3"
		connected client
		out=$(pings $NS_CLI 60 10.200.0.2 0.2)
		n=$(grep -c "soft reset" "$T/client.log")
		grep -q "protocol-flags.*dyn-tls-crypt" "$T/client.log"
		check "renegotiation loses nothing ($wrap, dyn-tls-crypt)" \
			"$([ $? = 0 ] && [ "$out" = "60 received" ] && [ "$n" -ge 3 ]; echo $?)" \
			"($out, $n soft resets)"
		[ "$out" = "60 received" ] || { tail -4 "$T/client.log"; tail -4 "$T/dpvpnd.log"; } | sed 's/^/    /'
		stop_all_clients
		stop_server
	done
	# The server starts them (reneg-sec on the server side).
	start_server tls-crypt "reneg-sec 3"
	start_client tls-crypt AES-256-GCM
	connected client
	out=$(pings $NS_CLI 60 10.200.0.2 0.2)
	n=$(grep -c "control channel TLS" "$T/dpvpnd.log")
	check "server renegotiation loses nothing" "$([ "$out" = "60 received" ] && [ "$n" -ge 4 ]; echo $?)" \
		"($out, $n TLS sessions)"
	stop_all_clients
	stop_server
}

# A revoked certificate (crl-verify) does not get in.
scenario_revoked() {
	start_server tls-crypt "crl-verify $PKI/crl.pem"
	start_client tls-crypt AES-256-GCM $NS_CLI revoked client
	# A slow machine may take a while to get the client to its handshake.
	wait_for 30 grep -q "TLS error" "$T/dpvpnd.log"
	! grep -q "Initialization Sequence Completed" "$T/client.log" &&
		grep -q "TLS error" "$T/dpvpnd.log"
	check "revoked certificate refused" $? "($(grep -o 'TLS error: .*' "$T/dpvpnd.log" | head -1 | cut -c1-90))"
	stop_all_clients
	stop_server
}

# kill -9 of the dataplane, restarted: the tunnel resumes without a reconnect.
# kill -9 of dpvpnd: established traffic keeps flowing.
scenario_restarts() {
	start_server tls-crypt
	start_client tls-crypt AES-256-GCM
	connected client
	local dp_pid=${pids[0]} out
	kill -9 "$dp_pid"
	sleep 0.5
	rm -rf "/var/run/dpdk/$PREFIX"
	start_dataplane
	wait_for 15 grep -q "sessions re-pushed" "$T/dpvpnd.log"
	out=$(pings $NS_CLI 5 10.200.0.2)
	local restarts
	restarts=$(grep -c "Initialization Sequence Completed" "$T/client.log")
	check "dataplane kill -9 and restart" \
		"$([ "$out" = "5 received" ] && [ "$restarts" = 1 ]; echo $?)" \
		"($out after restart, client initialised $restarts time(s))"
	kill -9 "$CP_PID"
	wait "$CP_PID" 2>/dev/null
	out=$(pings $NS_CLI 10 10.200.0.2)
	check "dpvpnd kill -9: traffic flows" "$([ "$out" = "10 received" ]; echo $?)" "($out)"
	stop_all_clients
}

# topology net30 (OpenVPN 2.6's default): /30 per client, the server end pushed as route.
scenario_net30() {
	start_server tls-crypt "topology net30"
	start_client tls-crypt AES-256-GCM
	connected client
	local a out
	a=$(ip -n $NS_CLI -4 -o addr show dev tun0 2>/dev/null | awk '{print $4, $5, $6}')
	out=$(pings $NS_CLI 5 10.200.0.2)
	# the client gets .4n+2 with the server end .4n+1 of its /30
	check "topology net30" "$([ "$out" = "5 received" ] && echo "$a" | awk '{split($1, c, "."); split($3, p, "."); exit !($2 == "peer" && c[4] % 4 == 2 && p[4] + 1 == c[4])}'; echo $?)" \
		"(tun0: $a; $out)"
	stop_all_clients
	stop_server
}

# A 2.6 client configured with compression is told "compress stub-v2" and its traffic flows.
scenario_compress() {
	local opt out
	for opt in "comp-lzo" "compress lz4-v2"; do
		start_server tls-crypt
		start_client tls-crypt AES-256-GCM $NS_CLI client client "$opt"
		connected client
		out=$(pings $NS_CLI 5 10.200.0.2)
		check "client with '$opt'" "$([ "$out" = "5 received" ] && grep -q "compress stub-v2" "$T/client.log"; echo $?)" "($out)"
		stop_all_clients
		stop_server
	done
}

# explicit-exit-notify on the server: on SIGTERM the clients are told RESTART.
scenario_server_exit() {
	start_server tls-crypt "explicit-exit-notify 1"
	start_client tls-crypt AES-256-GCM
	connected client
	kill -TERM "$CP_PID"
	wait "$CP_PID" 2>/dev/null
	wait_for 5 grep -q "server-pushed-connection-reset" "$T/client.log"
	check "server exit notifies clients" $? "($(grep -o "SIGUSR1\[soft,server-pushed-connection-reset\]" "$T/client.log" | head -1))"
	stop_all_clients
}

# 400 (unwrapped) hard resets from one address; prints how many replies came.
reset_flood() {
	ip netns exec $NS_CLI /usr/bin/python3 - <<'PY'
import os, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.2", 0))
for i in range(400):
    s.sendto(b"\x38" + os.urandom(8) + b"\x00" + b"\x00" * 4, ("198.18.0.1", 1194))
    if i % 50 == 49:
        time.sleep(0.01)
s.settimeout(1.0)
n = 0
try:
    while True:
        s.recv(2048)
        n += 1
except socket.timeout:
    pass
print(n)
PY
}

# Reset replies are limited by connect-freq-initial: 2.6's 100 per 10 s, or what it says.
scenario_reset_flood() {
	local got
	start_server none
	sleep 1.5	# the dataplane's HELLO and resync
	got=$(reset_flood)
	check "reset flood is rate-limited" "$([ "$got" -ge 50 ] && [ "$got" -le 100 ]; echo $?)" \
		"($got replies to 400 resets, at most 100)"
	stop_server
	start_server none "connect-freq-initial 20 60"
	sleep 1.5
	got=$(reset_flood)
	check "connect-freq-initial 20 60" "$([ "$got" -ge 10 ] && [ "$got" -le 20 ]; echo $?)" \
		"($got replies to 400 resets, at most 20)"
	stop_server
}

# An unsupported directive stops dpvpnd with file:line and its name.
scenario_bad_config() {
	printf 'port 1194\nproto udp\nfragment 1300\n' > "$T/bad.conf"
	local msg
	msg=$("$CP_BIN" --config "$T/bad.conf" 2>&1)
	local rc=$?
	check "unsupported directive refused" \
		"$([ $rc != 0 ] && echo "$msg" | grep -q "$T/bad.conf:3: fragment: not supported"; echo $?)" \
		"(exit $rc: $(echo "$msg" | tail -1 | cut -c1-100))"
}

# Username/password from the password store: accepted, refused (AUTH_FAILED); with
# auth-gen-token the client reconnects (SIGUSR1) with its token instead of the password.
scenario_userpass() {
	echo "s3cret pass" | "$PASSWD_BIN" -c "$T/passwd" alice >/dev/null
	printf 'alice\ns3cret pass\n' > "$T/good.txt"
	printf 'alice\nwrong\n' > "$T/bad.txt"
	chmod 600 "$T/good.txt" "$T/bad.txt"
	start_server tls-crypt "user-pass-db $T/passwd
auth-gen-token 3600"
	start_client tls-crypt AES-256-GCM $NS_CLI client client "auth-user-pass $T/good.txt"
	connected client
	check "password accepted" $? "($(grep -o "user 'alice'.*\|lab-client.*" "$T/dpvpnd.log" | head -1))"
	kill -USR1 "$CLI_PID"
	wait_for 20 grep -q "authenticated by auth-token" "$T/dpvpnd.log"
	local r=$?
	wait_for 10 test "$(grep -c "Initialization Sequence Completed" "$T/client.log")" -ge 2
	check "auth-token reconnect" "$([ $r = 0 ] && [ "$(grep -c "Initialization Sequence Completed" "$T/client.log")" -ge 2 ]; echo $?)" \
		"($(grep -o "user 'alice' authenticated by auth-token" "$T/dpvpnd.log" | head -1))"
	stop_all_clients
	# Renegotiations re-check the credentials: the client sends its token, gets a fresh one.
	local before out n
	before=$(grep -c "authenticated by auth-token" "$T/dpvpnd.log")
	start_client tls-crypt AES-256-GCM $NS_CLI client client "auth-user-pass $T/good.txt
reneg-sec 3"
	connected client
	out=$(pings $NS_CLI 40 10.200.0.2 0.2)
	n=$(($(grep -c "authenticated by auth-token" "$T/dpvpnd.log") - before))
	check "renegotiation re-authenticates by token" "$([ "$out" = "40 received" ] && [ "$n" -ge 2 ]; echo $?)" \
		"($out, $n token checks during renegotiations)"
	stop_all_clients
	start_client tls-crypt AES-256-GCM $NS_CLI client bad "auth-user-pass $T/bad.txt"
	wait_for 15 grep -q "AUTH_FAILED" "$T/bad.log"
	check "wrong password refused" $? "($(grep -o "AUTH_FAILED.*" "$T/bad.log" | head -1 | cut -c1-60); $(grep -o "user 'alice' refused: .*" "$T/dpvpnd.log" | head -1))"
	stop_all_clients
	stop_server
}

# auth-user-pass-verify via-file: OpenVPN's script interface.
scenario_script() {
	cat > "$T/verify.sh" <<'SH'
#!/bin/sh
# $1 = file with two lines: username, password
[ "$(sed -n 1p "$1")" = bob ] && [ "$(sed -n 2p "$1")" = "letmein" ] && [ "$common_name" = client1 ]
SH
	chmod 755 "$T/verify.sh"
	printf 'bob\nletmein\n' > "$T/bob.txt"
	printf 'bob\nnope\n' > "$T/bob-bad.txt"
	chmod 600 "$T/bob.txt" "$T/bob-bad.txt"
	start_server tls-crypt "script-security 2
auth-user-pass-verify $T/verify.sh via-file"
	start_client tls-crypt AES-256-GCM $NS_CLI client client "auth-user-pass $T/bob.txt"
	connected client
	check "auth-user-pass-verify accepts" $? ""
	stop_all_clients
	# Renegotiations run the script again (no auth-token here): traffic goes on.
	start_client tls-crypt AES-256-GCM $NS_CLI client client "auth-user-pass $T/bob.txt
reneg-sec 3"
	connected client
	local out
	out=$(pings $NS_CLI 40 10.200.0.2 0.2)
	check "renegotiation re-runs the script" "$([ "$out" = "40 received" ] && [ "$(grep -c "soft reset" "$T/client.log")" -ge 2 ]; echo $?)" "($out)"
	stop_all_clients
	start_client tls-crypt AES-256-GCM $NS_CLI client bad "auth-user-pass $T/bob-bad.txt"
	wait_for 15 grep -q "AUTH_FAILED" "$T/bad.log"
	check "auth-user-pass-verify refuses" $? "($(grep -o "user 'bob' refused: .*" "$T/dpvpnd.log" | head -1))"
	stop_all_clients
	stop_server
}

# DPT_ONLY=scenario_x runs one of them (when debugging).
for sc in scenario_c2c_ccd scenario_userpass scenario_script scenario_exit_notify scenario_ping_restart scenario_reneg scenario_revoked scenario_net30 scenario_compress scenario_restarts scenario_server_exit scenario_reset_flood scenario_bad_config; do
	[ -z "${DPT_ONLY:-}" ] || [ "$DPT_ONLY" = "$sc" ] && $sc
done
