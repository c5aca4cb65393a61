#!/bin/sh
# SPDX-License-Identifier: MIT
# maildesk lmtpd on its own, with an LMTP client written here (python3):
# one reply per recipient after DATA, duplicates, the size limit (552),
# a failing store (451 for every recipient, never 5xx, nothing stored), a
# compaction while the server runs (it steps aside), systemd socket
# activation, TCP with its client list, a bad listen address, SIGTERM.
. "$(dirname "$0")/lib.sh"

have_python || { echo "1..0 # SKIP needs python3"; exit 0; }
FULL=$(dirname "$MAILDESK")/maildesk-full
[ -x "$FULL" ] || FULL=$MAILDESK	# a build without the lean binary
setup_store "[smtp]" "port = 1" "[deliver]" "max-size-bytes = 20000" \
    "[lmtp]" "listen = unix:$T/sock"
PID=""
trap '[ -z "$PID" ] || kill -9 "$PID" 2> /dev/null; _lib_cleanup' EXIT

# start [ENV=VALUE...] [ARGS...]: lmtpd in the background, $PID, waits
# for the socket (or the TCP port in $TCP) to answer.
start() {
	env "$@" "$FULL" -c "$T/maildesk.conf" lmtpd ${LISTEN:+--listen "$LISTEN"} \
	    >> "$T/lmtpd.log" 2>&1 &
	PID=$!
	python3 - "${TCP:-$T/sock}" <<'EOP' || bail "lmtpd did not start: $(tail -n 3 "$T/lmtpd.log")"
import socket, sys, time
a = sys.argv[1]
for _ in range(100):
    try:
        if a.startswith("/"):
            s = socket.socket(socket.AF_UNIX); s.connect(a)
        else:
            s = socket.create_connection(("127.0.0.1", int(a)), 1)
        s.recv(512); s.close(); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOP
}
stop() {
	kill -TERM "$PID"
	wait "$PID"
	stop_rc=$?
	PID=""
}

# lmtp MAIL ADDRESS FROM RCPT...: one transaction; prints the reply code
# to each RCPT's end of data, one a line (or the code that ended it).
lmtp() {
	python3 - "$@" <<'EOP'
import socket, sys
path, addr, sender, rcpts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with open(path, "rb") as f:
    data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
if addr.startswith("/"):
    s = socket.socket(socket.AF_UNIX); s.connect(addr)
else:
    s = socket.create_connection(("127.0.0.1", int(addr)), 5)
f = s.makefile("rb")
def reply():
    code = None
    while True:
        line = f.readline().decode()
        if not line:
            return "EOF"
        code = line[:3]
        if line[3:4] != "-":
            return code
def cmd(c):
    s.sendall(c.encode() + b"\r\n")
    return reply()
if reply() != "220":
    print("421"); sys.exit(0)
cmd("LHLO client.example")
if cmd("MAIL FROM:<%s>" % sender) != "250":
    print("MAIL"); sys.exit(0)
ok = [r for r in rcpts if cmd("RCPT TO:<%s>" % r) == "250"]
if cmd("DATA") != "354":
    print("DATA"); sys.exit(0)
body = b"\r\n".join(b"." + l if l.startswith(b".") else l
                    for l in data.split(b"\r\n"))
if not body.endswith(b"\r\n"):
    body += b"\r\n"
s.sendall(body + b".\r\n")
for r in ok:
    print(reply())
cmd("QUIT")
EOP
}

mail() {
	printf 'From: Carla <carla@example.net>\nTo: support@example.com\n'
	printf 'Subject: %s\nMessage-ID: <%s@example.net>\n\nHello.\n.dot\n' \
	    "$2" "$1"
}

start
mail l1 "First" > "$T/m1"
is "$(lmtp "$T/m1" "$T/sock" carla@example.net support@example.com \
    sales@example.com | tr '\n' ' ')" "250 250 " \
    "two recipients: a 250 for each after DATA"
is "$(jqr 'length' ticket list --json)" 1 \
    "one mail to two of our addresses: one ticket"
is "$(md ticket raw 1 1 | sed -n '1p;$p' | tr '\n' '|')" \
    "Return-Path: <carla@example.net>|.dot|" \
    "stored with Return-Path first, dots unstuffed, LF line ends"
is "$(lmtp "$T/m1" "$T/sock" carla@example.net support@example.com)" \
    250 "the same mail again: 250"
is "$(jqr 'length' ticket list --json)" 1 "and stored once"
{ mail l2 "Big"; head -c 30000 /dev/zero | tr '\0' 'x' | fold -w 70; } \
    > "$T/big"
is "$(lmtp "$T/big" "$T/sock" carla@example.net support@example.com)" \
    552 "over [deliver] max-size-bytes: 552"
mail l2b "Bounce" > "$T/m2b"
is "$(lmtp "$T/m2b" "$T/sock" '' support@example.com)" 250 \
    "the null sender is accepted"

# A compaction waits for every process to leave the store; lmtpd does.
mail l3 "To be erased" | sed 's/carla@/erin@/' > "$T/m3"
is "$(lmtp "$T/m3" "$T/sock" erin@example.net support@example.com)" 250 \
    "a mail from erin"
timeout 60 "$MAILDESK" -c "$T/maildesk.conf" customer erase \
    erin@example.net --yes > "$T/erase.out" 2>&1
is "$?" 0 "customer erase (with its compaction) finishes while lmtpd runs"
mail l4 "After the compaction" > "$T/m4"
is "$(lmtp "$T/m4" "$T/sock" carla@example.net support@example.com)" 250 \
    "lmtpd stores again afterwards"
is "$(md ticket list --json | jq -r '.[].subject' | grep -c 'After the')" 1 \
    "in the compacted store"
stop
is "$stop_rc" 0 "SIGTERM: exit 0"
[ ! -e "$T/sock" ] && ok "the socket is gone" || not_ok "the socket is gone"

# A store that fails every commit: 451 for each recipient, nothing kept.
if [ -n "${MAILDESK_SHIM:-}" ] && [ -f "$MAILDESK_SHIM" ]; then
	n0=$(jqr 'length' ticket list --json)
	start LD_PRELOAD="$MAILDESK_SHIM" MAILDESK_FAIL=commit \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
	mail l5 "Not now" > "$T/m5"
	is "$(lmtp "$T/m5" "$T/sock" carla@example.net support@example.com \
	    sales@example.com | tr '\n' ' ')" "451 451 " \
	    "the commit fails: 451 for each recipient"
	stop
	is "$(jqr 'length' ticket list --json)" "$n0" "nothing was stored"
	start
	is "$(lmtp "$T/m5" "$T/sock" carla@example.net support@example.com)" \
	    250 "sent again to a working store: 250"
	stop
else
	skip "a failing store" "no fault-injection shim"
fi

# systemd socket activation: the socket comes from LISTEN_FDS.
if command -v systemd-socket-activate > /dev/null 2>&1; then
	systemd-socket-activate -l "$T/act.sock" "$FULL" -c "$T/maildesk.conf" \
	    lmtpd > "$T/act.log" 2>&1 &
	PID=$!
	i=0
	while [ ! -S "$T/act.sock" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	mail l6 "Activated" > "$T/m6"
	is "$(lmtp "$T/m6" "$T/act.sock" carla@example.net support@example.com)" \
	    250 "socket activation: the mail is stored"
	[ ! -e "$T/sock" ] && ok "the configured socket was not made" ||
	    not_ok "the configured socket was not made"
	stop
else
	skip "socket activation" "no systemd-socket-activate"
fi

# TCP: only the addresses in [lmtp] clients.
TCP=$(_sink_random_port)
LISTEN=inet:127.0.0.1:$TCP
printf '[lmtp]\nclients = 192.0.2.1\n' >> "$T/maildesk.conf"
start
mail l7 "Over TCP" > "$T/m7"
is "$(lmtp "$T/m7" "$TCP" carla@example.net support@example.com)" 421 \
    "TCP from an address not in [lmtp] clients: 421"
stop
sed -i 's/^clients = 192.0.2.1$/clients = 192.0.2.1, 127.0.0.1/' \
    "$T/maildesk.conf"
start
is "$(lmtp "$T/m7" "$TCP" carla@example.net support@example.com)" 250 \
    "from 127.0.0.1 once it is listed: 250"
stop
TCP=""
LISTEN=""

# A bad listen address: a config error, one line.
LISTEN=tcp:nowhere
"$FULL" -c "$T/maildesk.conf" lmtpd --listen "$LISTEN" > "$T/out" 2> "$T/err"
is "$?" 78 "a bad listen address: exit 78 (EX_CONFIG)"
is "$(wc -l < "$T/err" | tr -d ' ')" 1 "with one line"
like "$(cat "$T/err")" 'is not unix:/PATH or inet:HOST:PORT' "naming the forms"
finish
