#!/bin/sh
# SPDX-License-Identifier: MIT
# Flushes killed at random moments (crash safety of the outbox).
#
# CRASH_N customers (default 40) write while the relay is down, so their
# acknowledgements wait in the outbox.  Then, with a real smtp-sink as the
# relay, `maildesk flush` runs again and again and is SIGKILLed: before it
# leases anything, while it talks SMTP, after the relay took a mail but
# before flush wrote that down, or not at all when it is quicker than the
# kill.  More customers write between the rounds, so there is always
# something to send.  Finally flush runs to completion.  Shown:
# - nothing is lost or stuck: the outbox ends empty (the leases of the
#   killed flushes ran out), nothing failed;
# - every queued acknowledgement reached the relay, with the Message-ID it
#   was queued with; one that a killed flush had sent arrived complete at
#   least once, byte for byte what the ticket keeps (a flush that finished
#   had the relay's 250 for each of its mails);
# - a mail reached the relay twice only if a flush that was killed had
#   sent it (at least once, never lost: the relay accepted it, flush died
#   before recording that, and the next flush sent it again); a flush that
#   finished sent each mail at most once, and the relay got no mail that
#   was never queued;
# - `check` is clean.
#
# A flush sends everything that is due in one SMTP session, and records
# each mail in its own transaction as soon as the relay has answered its
# data (src/outbox.c).  So a flush killed mid-session sends again at most
# the one mail it was in the middle of: duplicates <= kills.
#
# Environment: CRASH_N (customers before the rounds, default 40),
# CRASH_ROUNDS (flushes to kill, default 12), CRASH_BATCH (customers who
# write before each round, default 8), CRASH_SEED (random seed, printed).
. "$(dirname "$0")/lib.sh"

N=${CRASH_N:-40}
ROUNDS=${CRASH_ROUNDS:-12}
BATCH=${CRASH_BATCH:-8}
SEED=${CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
printf '# CRASH_N=%s CRASH_ROUNDS=%s CRASH_BATCH=%s CRASH_SEED=%s\n' \
    "$N" "$ROUNDS" "$BATCH" "$SEED"

# A port nobody listens on: a sink's, after it stopped.
start_sink
DOWN=$SINK_PORT
stop_sink
PORT=$DOWN

# conf [LINES...]: the config for relay port $PORT.  A lease of 1 s, so
# that the mail a killed flush had leased is due again a second later
# (a flush here takes far less); the first retry after a failure 1 s
# later.  LINES go into [outbox].
conf() {
	setup_store "[smtp]" "host = 127.0.0.1" "port = $PORT" \
	    "timeout-seconds = 10" \
	    "[templates]" "dir = $SRCDIR/contrib/templates" \
	    "[outbox]" "lease-seconds = 1" "retry-base-seconds = 1" \
	    "retry-max-seconds = 2" "$@"
}

# relay [SMTP-SINK OPTIONS...]: a new sink (the old one stopped) as relay.
relay() {
	stop_sink
	start_sink "$@"
	PORT=$SINK_PORT
}

# customer I: customer I writes (a new ticket, so an acknowledgement is
# queued); deliver must exit 0.
customer() {
	cat > "$T/mail.eml" <<EOM
From: Customer $1 <cust$1@example.net>
To: support@example.com
Subject: Question $1
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <q$1@t711.test>

Hello, this is customer $1.
EOM
	deliver "$T/mail.eml" --sender "cust$1@example.net" \
	    --recipient support@example.com
	[ "$rc" -eq 0 ] || not_ok "customer $1's mail is delivered" \
	    "exit $rc: $(cat "$T/err")"
}

# queued_mids: adds the Message-IDs now queued to $T/queued (sorted,
# unique), and "MESSAGE-ID TICKET" to $T/tickets.
queued_mids() {
	md outbox --json | jq -r '.[] | select(.state == "queued") |
	    "\(.message_id) \(.ticket)"' | cat - "$T/tickets" | sort -u \
	    > "$T/tickets.new"
	mv "$T/tickets.new" "$T/tickets"
	awk '{ print $1 }' "$T/tickets" > "$T/queued"
}

# rand MAX K: the K-th (K >= 1) of a sequence of random numbers drawn
# once from the seed, scaled to 0..MAX-1.
rand() {
	[ -s "$T/random" ] || awk -v s="$SEED" 'BEGIN { srand(s)
	    for (i = 0; i < 1000; i++) print rand() }' > "$T/random"
	awk -v k="$2" -v m="$1" 'NR == k { print int($1 * m); exit }' \
	    "$T/random"
}

# files: sets $nfiles to the number of files in the sink's directory,
# empty ones (a mail being received) included.  No fork: it is polled.
files() {
	set -- "$T"/sink/*
	nfiles=$#
	[ -e "$1" ] || nfiles=0
}

# ms N: sleeps N milliseconds.
ms() {
	sleep "$(awk -v n="$1" 'BEGIN { printf "%.3f", n / 1000 }')"
}

# copy_sha FILE: the SHA-256 of a mail at the sink as the client sent it:
# CRLF line ends, without the empty line smtp-sink adds at the end.
copy_sha() {
	sink_message "$1" | sed '$d' | sed 's/$/\r/' | sha256sum |
	    awk '{ print $1 }'
}

# attribute HOW NAME: the mails at the relay that no round has claimed
# yet came during round NAME, whose flush was killed or done (HOW): one
# line "FILE HOW NAME" each in $T/sent-files.  Called after each round,
# and again before the next one, for a mail the relay was slow to write.
attribute() {
	sink_mails | comm -13 "$T/seen" - > "$T/new"
	sort -m "$T/seen" "$T/new" > "$T/seen.new"
	mv "$T/seen.new" "$T/seen"
	sed "s/\$/ $1 $(echo "$2" | tr ' ' _)/" "$T/new" >> "$T/sent-files"
}

# flush_round NAME MODE [ARG [DELAY]]: runs one flush and kills it: MODE
# "after" ARG ms, or "sent": as soon as the relay has begun to receive
# the ARG-th mail from it, and DELAY ms later; MODE "none" lets it
# finish.  The flush is started as the binary itself, not through md(),
# so that the kill hits it and not a subshell.  Sets $_how and $_n (the
# mails the relay got meanwhile).
KILLED=0
KILLED_SENDING=0
_how=""
flush_round() {
	[ -z "$_how" ] || attribute "$_how" "$_name"
	_name=$1
	files
	_target=$((nfiles + ${3:-0}))
	"$MAILDESK" -c "$T/maildesk.conf" flush > "$T/flush.out" 2>&1 &
	_fp=$!
	case $2 in
	after)
		ms "$3" ;;
	sent)
		_w=0
		while [ "$nfiles" -lt "$_target" ] && [ "$_w" -lt 1000000 ] &&
		    kill -0 "$_fp" 2> /dev/null; do
			files
			_w=$((_w + 1))
		done
		ms "${4:-0}" ;;
	esac
	[ "$2" = none ] || kill -KILL "$_fp" 2> /dev/null
	wait "$_fp" 2> /dev/null
	_rc=$?
	case $_rc in
	137)
		_how=killed ;;
	0)
		_how="done" ;;
	*)
		not_ok "$1: flush exits 0 or is killed" \
		    "exit $_rc: $(cat "$T/flush.out")"
		_how=failed ;;
	esac
	# Let the relay finish with a mail the flush was in the middle of.
	sleep 0.2
	attribute "$_how" "$1"
	_n=$(wc -l < "$T/new" | tr -d ' ')
	if [ "$_how" = killed ]; then
		KILLED=$((KILLED + 1))
		[ "$_n" -gt 0 ] && KILLED_SENDING=$((KILLED_SENDING + 1))
	fi
	printf '# %s: %s (%s), the relay got %s mails\n' "$1" "$_how" \
	    "$2${3:+ $3}${4:+ $4}" "$_n"
}

: > "$T/seen"
: > "$T/sent-files"
: > "$T/queued"
: > "$T/tickets"

# --- The relay is down: the acknowledgements wait ---------------------
conf
i=1
while [ "$i" -le "$N" ]; do
	customer "$i"
	i=$((i + 1))
done
is "$(md outbox --json | jq '[.[] | select(.kind == "ack" and
    .state == "queued")] | length')" "$N" \
    "relay down: $N acknowledgements wait in the outbox"
queued_mids
is "$(wc -l < "$T/queued" | tr -d ' ')" "$N" "each with its own Message-ID"

# --- Killed while the relay holds its reply to the end of data ----------
# The relay has the whole mail but has not said 250 yet when flush dies:
# the flush cannot know the mail went out.  It must be sent again, and
# nothing may be lost.
relay -W .:3
conf
sleep 1.1	# the first retry is due
flush_round "held reply" sent 1 500
[ "$_n" -ge 1 ] && [ "$KILLED_SENDING" -eq 1 ] &&
    ok "a flush was killed after the relay had a mail, before its reply" ||
    not_ok "a flush was killed after the relay had a mail, before its reply" \
    "killed $KILLED, with mail sent $KILLED_SENDING"

# --- Rounds: more mail, a flush, a kill at a random moment ----------------
# Deliveries only queue now (deliver-flush-seconds = 0): every mail goes
# out through the flushes that are killed.
relay
conf "deliver-flush-seconds = 0"
next=$((N + 1))
r=1
while [ "$r" -le "$ROUNDS" ]; do
	b=0
	while [ "$b" -lt "$BATCH" ]; do
		customer "$next"
		next=$((next + 1))
		b=$((b + 1))
	done
	queued_mids
	# The mail a killed flush had leased is due again once its lease ran
	# out.
	[ "$_how" = killed ] && sleep 1.1
	case $((r % 3)) in
	0)	# early: often before the lease is taken
		flush_round "round $r" after "$(rand 25 "$r")" ;;
	1)	# in the middle of sending
		flush_round "round $r" sent \
		    "$(($(rand $((BATCH / 2 + 1)) "$r") + 1))" ;;
	2)	# any time, or too late
		flush_round "round $r" after "$(rand 150 "$r")" ;;
	esac
	r=$((r + 1))
done
printf '# %s flushes killed, %s of them after the relay had got mail\n' \
    "$KILLED" "$KILLED_SENDING"
[ "$KILLED" -ge 2 ] && ok "$KILLED flushes were killed" ||
    not_ok "flushes were killed" "only $KILLED of $ROUNDS"

# --- Flush runs to completion ------------------------------------------------
sleep 1.1
tries=0
while [ "$tries" -lt 5 ]; do
	tries=$((tries + 1))
	flush_round "final $tries" none
	[ "$(md outbox --json | jq length)" -eq 0 ] && break
	sleep 1.1
done
is "$(md outbox --json | jq -c 'map([.id, .state, .last_error])')" "[]" \
    "the outbox is empty: nothing lost, nothing stuck, nothing failed"

# --- What the relay got -------------------------------------------------------
# "MESSAGE-ID HOW ROUND FILE" for each mail at the relay, read now that
# every one is complete.  (A mail cut off in its header has no
# Message-ID and is left out.)
attribute "$_how" "$_name"
awk '{ print $1 }' "$T/sent-files" | xargs awk '
    FNR == 1 { found = 0 }
    !found && tolower($0) ~ /^message-id:/ {
	m = $0; sub(/^[^<]*</, "", m); sub(/>.*$/, "", m)
	print FILENAME, m; found = 1 }' | sort > "$T/file-mids"
sort "$T/sent-files" | join "$T/file-mids" - |
    awk '{ print $2, $3, $4, $1 }' > "$T/sent"
awk '{ print $1 }' "$T/sent" | sort > "$T/sent-mids"
total=$(wc -l < "$T/sent-mids" | tr -d ' ')
distinct=$(sort -u "$T/sent-mids" | wc -l | tr -d ' ')
printf '# %s mails queued; the relay got %s, %s distinct, %s duplicates\n' \
    "$(wc -l < "$T/queued" | tr -d ' ')" "$total" "$distinct" \
    "$((total - distinct))"
is "$(sort -u "$T/sent-mids" | comm -23 "$T/queued" - | head -n 5 |
    tr '\n' ' ')" "" "every queued acknowledgement reached the relay"
is "$(sort -u "$T/sent-mids" | comm -13 "$T/queued" - | head -n 5 |
    tr '\n' ' ')" "" "the relay got nothing that was not queued"
is "$(awk '$2 == "done" { print $1 }' "$T/sent" | sort | uniq -d |
    head -n 5 | tr '\n' ' ')" "" \
    "flushes that finished sent each mail at most once"
# A mail at the relay more than once: each copy but one came from a flush
# that was killed before it recorded the send.
is "$(awk '{ n[$1]++; if ($2 == "killed") k[$1]++ }
    END { for (m in n) if (n[m] - 1 > k[m]) print m }' "$T/sent" |
    head -n 5 | tr '\n' ' ')" "" \
    "a mail was sent twice only after a flush that sent it was killed"
dups=$((total - distinct))
if [ "$dups" -le "$KILLED_SENDING" ]; then
	ok "at most one duplicate per kill: $dups after $KILLED_SENDING kills while sending"
else
	not_ok "at most one duplicate per kill" \
	    "$dups duplicates after $KILLED_SENDING kills while sending"
fi

# Every acknowledgement that a killed flush had sent arrived complete at
# least once: a copy is byte for byte the mail the ticket keeps (its raw
# digest).  (A flush that finished had the relay's 250 for each mail, so
# its copies are complete.)
awk '$2 == "killed" { print $1 }' "$T/sent" | sort -u |
    join - "$T/tickets" | awk '{ print $2 }' > "$T/check-tickets"
for t in $(cat "$T/check-tickets"); do
	md ticket show "$t" --json
done | jq -r '.number as $t | [.messages[] | select(.kind == "ack")] |
    if length == 1 then "\(.[0].message_id) \(.[0].raw_sha256)"
    else "ticket-\($t)-has-\(length)-acks -" end' > "$T/acks"
awk -v t="$T/acks" 'BEGIN { while ((getline l < t) > 0) {
    split(l, a, " "); want[a[1]] = 1 } } want[$1] { print $1, $4 }' \
    "$T/sent" | while read -r m f; do
	echo "$m $(copy_sha "$f")"
done > "$T/copies"
n=$(wc -l < "$T/acks" | tr -d ' ')
is "$(awk 'NR == FNR { have[$0] = 1; next } !have[$0] { print $1 }' \
    "$T/copies" "$T/acks" | head -n 5 | tr '\n' ' ')" "" \
    "each of the $n mails a killed flush had sent arrived complete"

md check > "$T/check" 2>&1
is "$?" 0 "the store checks clean"
grep -v ' 0 problems' "$T/check" | head -n 5 | sed 's/^/#   /'
finish
