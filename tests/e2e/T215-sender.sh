#!/bin/sh
# SPDX-License-Identifier: MIT
# deliver's sender process: deliver exits once its commit is on disk, with
# its standard output and error closed, while a process of its own still
# composes and sends the acknowledgement; that process records the
# outcome, and `flock -x` on maildesk.send waits for it.  A sender killed
# before it recorded anything leaves the ack owed: flush composes and sends
# it once the lease has run out.  The relay here answers the data only
# after 5 seconds.
. "$(dirname "$0")/lib.sh"

command -v flock > /dev/null 2>&1 || bail "flock not found (util-linux)"
start_sink -w 5
setup_store "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" \
    "[templates]" "dir = $SRCDIR/contrib/templates" \
    "[outbox]" "lease-seconds = 1" "deliver-flush-seconds = 60"

cat > "$T/m1.eml" <<'EOM'
From: Carla Customer <carla@example.net>
To: support@example.com
Subject: Where is my parcel?
Message-ID: <sender-1@example.net>

It did not come.
EOM
# Not md(): it would wait for the sender.  The pipe to cat ends when every
# process holding its write end has closed it.
"$MAILDESK" -c "$T/maildesk.conf" deliver < "$T/m1.eml" 2>&1 | cat > "$T/out"
rc=$?
is "$rc" 0 "deliver exits 0"
if flock -n -x "$T/store/maildesk.send" true; then
	not_ok "deliver returned and closed its output while its sender still talks to the relay"
else
	ok "deliver returned and closed its output while its sender still talks to the relay"
fi
is "$(cat "$T/out")" "" "nothing on standard output or error"
is "$("$MAILDESK" -c "$T/maildesk.conf" ticket list --json | jq length)" 1 \
    "the ticket is committed before deliver exits"
is "$(sink_count)" 0 "the relay has not answered yet"
senders_wait
is "$(sink_count)" 1 "then the sender delivers the acknowledgement"
like "$(mail_header "$(sink_mails | head -n 1)" Subject)" '^\[Ticket#1\]' \
    "it is the acknowledgement of ticket 1"
is "$(md outbox --json | jq length)" 0 "and records it as sent: the outbox is empty"
md flush > "$T/flush" 2>&1
like "$(cat "$T/flush")" '^flush: 0 sent' "flush finds nothing left to send"
is "$(md ticket show 1 --json | jq -r '[.messages[].kind] | join(" ")')" \
    "customer ack" "the sender kept the ack in the ticket"

# senders: the processes holding maildesk.send open.  The sender forks
# twice after deliver has gone: look again while the forks are under way.
senders() {
	_i=0
	while [ "$_i" -lt 50 ]; do
		_s=$(find /proc/[0-9]*/fd -lname "$T/store/maildesk.send" \
		    2> /dev/null | cut -d/ -f3 | sort -u)
		[ -n "$_s" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "$_s"
}
# relay PORT: the relay maildesk.conf names.
relay() {
	sed -i "s/^port = .*/port = $1/" "$T/maildesk.conf"
}
# A relay that keeps the second sender waiting longer than its budget.
stop_sink
start_sink -w 60
relay "$SINK_PORT"
sed 's/sender-1@/sender-2@/; s/carla@/carmen@/' "$T/m1.eml" > "$T/m2.eml"
"$MAILDESK" -c "$T/maildesk.conf" deliver < "$T/m2.eml" > /dev/null 2>&1
pids=$(senders)
like "$pids" '^[0-9]+$' "the second delivery's sender runs"
kill -9 $pids
senders_wait
# Leased to the dead sender, or queued again once its lease ran out: a
# slow machine may see either.
is "$(md outbox --json | jq -r '.[] | [.kind, (.state | test("^(queued|leased)$") | tostring), .message_id] | join(",")')" \
    "ack,true," "killed while it talked SMTP: the ack is still owed, uncomposed"
is "$(md ticket show 2 --json | jq -r '[.messages[].kind] | join(" ")')" \
    "customer" "and not yet in its ticket"
stop_sink
start_sink
relay "$SINK_PORT"
sleep 2	# the lease (lease-seconds = 1) runs out
md flush > "$T/flush" 2>&1
like "$(cat "$T/flush")" '^flush: 1 sent' "flush composes it and sends it"
is "$(md ticket show 2 --json | jq -r '[.messages[].kind] | join(" ")')" \
    "customer ack" "the ack is kept in ticket 2"
like "$(mail_header "$(sink_find Subject 'Ticket#2')" Subject)" '^\[Ticket#2\]' \
    "the relay has the acknowledgement of ticket 2"
is "$(md outbox --json | jq length)" 0 "the outbox is empty"
finish
