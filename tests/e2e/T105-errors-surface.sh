#!/bin/sh
# SPDX-License-Identifier: MIT
# Errors are never swallowed:
# - deliver's time limit bounds the whole run, the wait for the store
#   included: a delivery that waited on a compaction's gate and then reads
#   slowly runs out of time, exit 75;
# - a flush that cannot write the ticket's event or the customer's
#   bouncing flag after a 5xx fails (exit 75) and records nothing, so the
#   next flush records all of it;
# - a customer command that cannot read the customer's tickets fails and
#   audits nothing (no audit entry with an empty ticket list);
# - expire keeps a ticket whose customer cannot be read (a legal hold
#   fails closed) and says so.
# The store errors come from the LD_PRELOAD shim (tests/helpers/shim-fail.c).
. "$(dirname "$0")/lib.sh"

# shim WHAT COMMAND...: maildesk with MAILDESK_FAIL=WHAT; sets $rc.
shim() {
	_what=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	LD_PRELOAD="$MAILDESK_SHIM" MAILDESK_FAIL=$_what \
	    "$MAILDESK" -c "$T/maildesk.conf" "$@" > "$T/out" 2> "$T/err"
	rc=$?
}

# cmail FROM MESSAGE-ID: a plain customer mail.
cmail() {
	cat <<EOM
From: $1
To: support@example.com
Subject: Question $2
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <$2>

Hello, this is mail $2.
EOM
}

# dlv FROM MESSAGE-ID: delivered; must exit 0.
dlv() {
	cmail "$1" "$2" > "$T/mail.eml"
	deliver "$T/mail.eml" --sender "$1" --recipient support@example.com
	[ "$rc" -eq 0 ] || not_ok "deliver $2 exits 0" "exit $rc: $(cat "$T/err")"
}

[ -n "${MAILDESK_SHIM:-}" ] || bail "MAILDESK_SHIM not set"

# --- The watchdog bounds the whole run ------------------------------------
# The gate is held for 2 s (a compaction waiting), the message ends after
# 4 s, the limit is 3 s: armed once at the start, it fires at 3 s.  Armed
# again after the store opened, it would allow until 5 s and the mail
# would be stored.
setup_store "[deliver]" "time-limit-seconds = 3"
cmail anna@example.net slow@example.net > "$T/slow.eml"
flock -x "$T/store/maildesk.gate" sh -c \
    "touch '$T/held'; sleep 2" &
gate=$!
while [ ! -e "$T/held" ]; do sleep 0.1; done
(cat "$T/slow.eml"; sleep 4) | md deliver > "$T/out" 2> "$T/err"
rc=$?
wait "$gate"
is "$rc" 75 "a delivery that waited for the store and then ran out of time exits 75"
like "$(cat "$T/err")" 'time limit' "it says the time limit was reached"
is "$(md ticket list --all --json | jq length)" 0 "nothing was stored"

# --- A flush that cannot record a 5xx ------------------------------------
rm -rf "$T/store"
start_sink -f RCPT
setup_store "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" \
    "timeout-seconds = 10" "[templates]" "dir = $SRCDIR/contrib/templates" \
    "[outbox]" "deliver-flush-seconds = 0" "lease-seconds = 1"
dlv 'Rita Reject <rita@example.net>' r1@example.net
is "$(md outbox --json | jq -r '.[0].state')" queued "rita's ack is queued"
for db in tickets customers; do
	shim "put:$db" flush
	is "$rc" 75 "a flush that cannot write $db exits 75"
	like "$(cat "$T/out" "$T/err")" 'Input/output error' \
	    "and says why ($db)"
	like "$(md outbox --json | jq -r '.[0].state')" '^(queued|leased)$' \
	    "the entry is not settled ($db)"
	is "$(md customer show rita@example.net --json | jq .bouncing)" false \
	    "rita is not marked bouncing yet ($db)"
	sleep 2	# the lease runs out
done
md flush > "$T/out" 2>&1
is "$?" 0 "the next flush exits 0"
is "$(md outbox --json | jq -r '.[0].state')" failed "it records the 5xx"
is "$(md customer show rita@example.net --json | jq .bouncing)" true \
    "rita is bouncing"
like "$(md ticket show 1 --json | jq -r '[.events[]?.text] | join(" ")')" \
    'rita@example\.net.*5[0-9][0-9]' "the ticket's events say so"
is "$(md ticket show 1 --json |
    jq '[.events[]?.text | select(test("failed"))] | length')" 1 \
    "exactly one failure event"
stop_sink

# --- A customer command that cannot read the tickets ----------------------
audits() {
	md audit --json | jq length
}
n=$(audits)
for cmd in "restrict" "hold --until 2099-12-31 --reason Audit" \
    "set city Berlin"; do
	# shellcheck disable=SC2086
	set -- $cmd
	verb=$1
	shift
	shim read:customer_tickets customer "$verb" rita@example.net "$@"
	is "$rc" 75 "customer $verb that cannot read the tickets exits 75"
	is "$(audits)" "$n" "customer $verb audits nothing"
done
is "$(md customer show rita@example.net --json |
    jq -c '[.restricted, .hold, .fields.city]')" '[false,null,null]' \
    "and changes nothing"

# --- expire: a customer that cannot be read keeps the ticket --------------
if ! command -v faketime > /dev/null 2>&1; then
	skip "expire fails closed" "faketime(1) not installed"
	finish
fi
rm -rf "$T/store"
setup_store "[outbox]" "deliver-flush-seconds = 0" \
    "[tickets]" "retention-days = 30"
cmail hugo@example.net old@example.net > "$T/mail.eml"
ago 60 deliver --sender hugo@example.net --recipient support@example.com \
    < "$T/mail.eml" > /dev/null 2>&1 || not_ok "deliver 60 days ago"
ago 40 ticket set 1 status closed > /dev/null || not_ok "close ticket 1"
md customer hold hugo@example.net --until 2099-12-31 --reason Warranty \
    > /dev/null || not_ok "hold hugo"
shim get:customers expire --no-compact
is "$rc" 0 "expire with an unreadable customer exits 0"
like "$(cat "$T/out")" 'kept.*ticket 1 .*cannot be read' \
    "it says it kept ticket 1 and why"
is "$(md ticket list --all --json | jq length)" 1 "ticket 1 is still there"
finish
