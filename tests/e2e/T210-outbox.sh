#!/bin/sh
# SPDX-License-Identifier: MIT
# The outbox (issue 3): with the relay down, deliver still exits 0 and the
# ack waits in the outbox; a later flush sends it once, with the Message-ID
# it had from the start.  A 5xx fails the entry for good, is recorded in
# the ticket and marks the customer bouncing (no more acks).  Two flushes
# at once send every mail once.  A flush killed mid-send loses nothing:
# once its lease runs out the next flush sends the mail.
. "$(dirname "$0")/lib.sh"

# A port nobody listens on: a sink's, after it stopped.
start_sink
DOWN=$SINK_PORT
stop_sink
PORT=$DOWN

# conf [LINES...]: the config for relay port $PORT.  Short retry times
# (first retry after 1 s, never more than 2 s apart).  LINES without a
# group line of their own go into [outbox].
conf() {
	setup_store "[smtp]" "host = 127.0.0.1" "port = $PORT" \
	    "timeout-seconds = 10" \
	    "[templates]" "dir = $SRCDIR/contrib/templates" \
	    "[outbox]" "retry-base-seconds = 1" "retry-max-seconds = 2" "$@"
}

# relay [SMTP-SINK OPTIONS...]: a new sink (the old one stopped) as relay.
relay() {
	stop_sink
	start_sink "$@"
	PORT=$SINK_PORT
}

# cmail FROM MESSAGE-ID SUBJECT: a plain customer mail.
cmail() {
	cat <<EOM
From: $1
To: support@example.com
Subject: $3
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <$2>

Hello, this is mail $2.
EOM
}

# dlv ADDRESS ID SUBJECT: a customer mail delivered; must exit 0 silently.
dlv() {
	cmail "$1" "$2" "$3" > "$T/mail.eml"
	deliver "$T/mail.eml" --sender "$1" --recipient support@example.com
	if [ "$rc" -ne 0 ] || [ -s "$T/out" ]; then
		not_ok "deliver $2 exits 0 silently" \
		    "exit $rc: $(cat "$T/out" "$T/err")"
	fi
}

# flush NAME [OUTPUT-ERE]: runs flush, which must exit 0 (and print a line
# matching OUTPUT-ERE).
flush() {
	md flush > "$T/flush" 2>&1
	frc=$?
	is "$frc" 0 "$1: flush exits 0"
	if [ $# -gt 1 ]; then
		like "$(cat "$T/flush")" "$2" "$1: flush says so"
	fi
}

# entry ADDRESS FILTER: FILTER applied to the outbox entry addressed to
# ADDRESS (null if there is none).
entry() {
	jqr "map(select(.to | index(\"$1\"))) | .[0] | $2" outbox --json
}

queued() {
	jqr 'map(select(.state == "queued")) | length' outbox --json
}

# mids: the Message-IDs of all mails at the sink, sorted, without <>.
mids() {
	for f in $(sink_mails); do
		mail_header "$f" Message-ID
	done | tr -d '<>' | sort
}

FLUSH_LINE='^flush: [0-9]+ sent, [0-9]+ deferred, [0-9]+ failed$'

# --- The relay is down --------------------------------------------------
conf
dlv 'Paula Probe <paula@example.net>' p1@example.net 'Printer on fire'
is "$rc" 0 "relay down: deliver exits 0"
is "$(jqr 'length' ticket list --json)" 1 "the mail is stored in ticket 1"
is "$(jqr 'length' outbox --json)" 1 "one entry in the outbox"
is "$(entry paula@example.net '[.kind, .state, .ticket] | join(" ")')" \
    "ack queued 1" "it is ticket 1's ack, queued"
is "$(entry paula@example.net '.to | join(",")')" paula@example.net \
    "addressed to the customer"
like "$(entry paula@example.net '.last_error // ""')" '.' \
    "last_error says why it is still there"
is "$(entry paula@example.net '.attempts >= 1')" true \
    "deliver's one try is counted"
MID0=$(entry paula@example.net '.message_id')
like "$MID0" '^[^<>@ ]+@[^<>@ ]+$' "the entry has its Message-ID already"

sleep 2
flush "relay still down" '^flush: 0 sent, 1 deferred, 0 failed$'
is "$(entry paula@example.net '.state')" queued "still queued"
is "$(entry paula@example.net '.message_id')" "${MID0:-(none queued)}" \
    "the Message-ID stays across retries"

# --- The relay is back ---------------------------------------------------
relay
conf
sleep 3
flush "relay back" '^flush: 1 sent, 0 deferred, 0 failed$'
is "$(sink_count)" 1 "the ack reached the relay once"
is "$(jqr 'length' outbox --json)" 0 "the outbox is empty"
A=$(sink_mails | head -n 1)
is "$(mail_header "${A:-/dev/null}" Message-ID)" "<${MID0:-(none queued)}>" \
    "the Message-ID sent is the one queued"
is "$(mail_header "${A:-/dev/null}" Subject)" "[Ticket#1] Printer on fire" \
    "it is ticket 1's ack"
is "$(jqr '.messages[] | select(.kind == "ack") | .message_id' \
    ticket show 1 --json)" "${MID0:-(none queued)}" \
    "the ticket holds the ack with that id"
flush "second flush" '^flush: 0 sent, 0 deferred, 0 failed$'
is "$(sink_count)" 1 "a second flush sends nothing more"

# --- A permanent failure (5xx) ------------------------------------------
PORT=$DOWN
conf
dlv 'Rita Reject <rita@example.net>' r1@example.net 'No such mailbox'
is "$(entry rita@example.net '.state')" queued "rita's ack is queued"
relay -f RCPT
conf
sleep 3
flush "relay says 5xx" '^flush: 0 sent, 0 deferred, 1 failed$'
is "$(entry rita@example.net '.state')" failed "the entry is failed"
like "$(entry rita@example.net '.last_error // ""')" '5[0-9][0-9]' \
    "last_error holds the 5xx reply"
att=$(entry rita@example.net '.attempts')
n=$(sink_count)
# Now a relay that would take it: a failed entry is not tried again.
relay
conf
sleep 3
flush "after the 5xx" "$FLUSH_LINE"
is "$(sink_count)" "$n" "a failed entry is not sent by a further flush"
is "$(entry rita@example.net '[.state, .attempts] | join(" ")')" \
    "failed $att" "it stays failed, with no new attempt"
like "$(jqr '[.events[]?.text] | join("\n")' ticket show 2 --json)" \
    'rita@example\.net.*5[0-9][0-9]|5[0-9][0-9].*rita@example\.net' \
    "ticket 2's events record the failed delivery to rita"
is "$(jqr '.bouncing' customer show rita@example.net --json)" true \
    "rita is bouncing"
is "$(jqr '.bouncing' customer show paula@example.net --json)" false \
    "paula is not bouncing"
dlv 'Rita Reject <rita@example.net>' r2@example.net 'Another question'
is "$(jqr 'length' ticket list --json)" 3 "rita's new mail opens ticket 3"
is "$(sink_count)" "$n" "but a bouncing customer gets no ack"
is "$(jqr 'length' outbox --json)" 1 "and none is queued"

# --- Two flushes at once --------------------------------------------------
PORT=$DOWN
conf
i=1
while [ "$i" -le 20 ]; do
	dlv "Customer $i <c$i@example.net>" "c$i@example.net" "Question $i"
	i=$((i + 1))
done
is "$(queued)" 20 "20 acks queued while the relay is down"
jqr '.[] | select(.state == "queued") | .message_id' outbox --json |
    sort > "$T/queued-mids"
sleep 2
relay -w 1
conf
sink_reset
md flush > "$T/flush1" 2>&1 &
f1=$!
md flush > "$T/flush2" 2>&1 &
f2=$!
wait "$f1"
rc1=$?
wait "$f2"
rc2=$?
is "$rc1 $rc2" "0 0" "two concurrent flushes exit 0"
printf '# flush 1: %s\n# flush 2: %s\n' "$(cat "$T/flush1")" "$(cat "$T/flush2")"
sent=$(cat "$T/flush1" "$T/flush2" |
    sed -n 's/^flush: \([0-9]*\) sent.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
is "$sent" 20 "together they report 20 sent"
is "$(sink_count)" 20 "the relay got 20 mails"
is "$(mids | sort -u | wc -l | tr -d ' ')" 20 "with 20 distinct Message-IDs"
mids > "$T/sent-mids"
[ -s "$T/queued-mids" ] && cmp -s "$T/queued-mids" "$T/sent-mids" &&
    ok "each queued Message-ID was sent exactly once" ||
    not_ok "each queued Message-ID was sent exactly once" \
    "$(diff "$T/queued-mids" "$T/sent-mids" | head -n 10)"
is "$(queued)" 0 "nothing left queued"

# --- A flush killed mid-send ---------------------------------------------
# The flush is killed while the relay holds the DATA command.  Its lease
# (1 s) runs out and the next flush sends the mail.  At-least-once: had the
# kill come after the relay accepted the mail but before the flush wrote
# that down, the next flush would send it a second time, with the same
# Message-ID.  That window is accepted; losing the mail is not.
PORT=$DOWN
conf "lease-seconds = 1"
dlv 'Carl Crash <carl@example.net>' k1@example.net 'Crash test'
MIDK=$(entry carl@example.net '.message_id')
is "$(entry carl@example.net '.state')" queued "carl's ack is queued"
sleep 2
relay -w 5
conf "lease-seconds = 1"
sink_reset
# The binary itself, not md(): $! must be the flush, not a subshell.
"$MAILDESK" -c "$T/maildesk.conf" flush > "$T/flushk" 2>&1 &
fk=$!
sleep 2
kill -9 "$fk"
wait "$fk"
is "$?" 137 "the flush was killed while sending"
is "$(entry carl@example.net '.state')" queued "the entry is still queued"
relay
conf "lease-seconds = 1"
sleep 2
flush "after the crash" '^flush: 1 sent, 0 deferred, 0 failed$'
like "$(sink_count)" '^[12]$' "the relay got the ack (once or twice)"
is "$(mids | sort -u)" "${MIDK:-(none queued)}" \
    "with the Message-ID it was queued with"
is "$(jqr "map(select(.message_id == \"$MIDK\")) | length" outbox --json)" 0 \
    "the entry left the outbox: never lost"
is "$(queued)" 0 "nothing left queued"

md check > /dev/null 2>&1
is "$?" 0 "the store checks clean"
finish
