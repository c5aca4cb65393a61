#!/bin/sh
# SPDX-License-Identifier: MIT
# Deliveries killed at random moments (crash safety of `deliver`).
#
# CRASH_N mails (default 1000, all different: own Message-ID, own marker,
# 40 senders, new requests and replies threading into them) go through 4
# parallel writer loops, as Postfix runs several pipe(8) deliveries at
# once.  Meanwhile a killer loop sends SIGKILL to a random running
# `maildesk deliver` of this test, at random moments: before, during or
# after its commit.  Shown afterwards:
# - every delivery exited 0, 75 or was killed (137), nothing else;
# - each mail whose delivery exited 0 is in the store exactly once (the
#   MTA's contract: 0 only after the commit);
# - a killed one is either absent or there completely: stored once, its
#   raw bytes identical to what was piped in (`ticket raw`);
# - no Message-ID is stored twice and nothing else is stored;
# - the acknowledgement queued in the same transaction is there exactly
#   when its ticket is: one per ticket, in the ticket and in the outbox;
# - `check` is clean, without --repair;
# - the MTA then delivers every killed or deferred mail again: each exits
#   0 (a mail stored before the kill is a duplicate, stored nothing twice),
#   all CRASH_N are in the store exactly once, and `check` is still clean.
#
# Environment: CRASH_N (mails, default 1000), CRASH_KILL_MS (longest pause
# between two kills; by default 6 times what one delivery takes here, which
# kills about one delivery in six, in a normal build as under ASan),
# CRASH_SEED (random seed, printed).
. "$(dirname "$0")/lib.sh"

N=${CRASH_N:-1000}
SEED=${CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}

# Acknowledgements stay on (each new ticket queues one in the delivery's
# own transaction, which is part of what must be all-or-nothing), with no
# rate limit (per address or per domain) so that every ticket gets one.  deliver-flush-seconds = 0:
# deliver only queues and makes no SMTP attempt.  That is the fastest
# choice: a relay that is down still costs each delivery a connection
# attempt and a second transaction to record the failure (about 1.6 x the
# time per mail here), and sending is T711's subject, not this test's.
setup_store "[ack]" "per-hour = 1000000" "per-day = 1000000" \
    "domain-per-hour = 1000000" "domain-per-day = 1000000" \
    "[outbox]" "deliver-flush-seconds = 0" \
    "[templates]" "dir = $SRCDIR/contrib/templates"
mkdir "$T/mails" "$T/rc"

# How long one delivery takes here: 5 into a scratch store, one after the
# other, the first not counted.
sed "s|^path = .*|path = $T/scratch|" "$T/maildesk.conf" > "$T/scratch.conf"
"$MAILDESK" -c "$T/scratch.conf" init > /dev/null 2>&1
i=0
while [ "$i" -le 4 ]; do
	[ "$i" -eq 1 ] && s=$(date +%s%3N)
	printf 'From: <calibrate@example.net>\nSubject: %s\n\nHello\n' "$i" |
	    "$MAILDESK" -c "$T/scratch.conf" deliver > /dev/null 2>&1 ||
	    bail "deliver into a scratch store fails"
	i=$((i + 1))
done
ONE_MS=$((($(date +%s%3N) - s) / 4))
rm -rf "$T/scratch"
KILL_MS=${CRASH_KILL_MS:-$((ONE_MS * 6))}
printf '# CRASH_N=%s CRASH_KILL_MS=%s CRASH_SEED=%s (a delivery: %s ms)\n' \
    "$N" "$KILL_MS" "$SEED" "$ONE_MS"

# The mails, written by one awk: mail i is from customer i % 40; the first
# 40 open a ticket each, every 25th after that opens another, the rest
# reply to their customer's first mail (a reply whose first mail is not
# stored yet opens a ticket of its own).  Every 7th carries 26 KB more,
# so that some commits write more than a page or two.
awk -v n="$N" -v dir="$T/mails" -v seed="$SEED" 'BEGIN {
	srand(seed)
	pad = ""
	for (k = 0; k < 400; k++)
		pad = pad "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/\n"
	for (i = 1; i <= n; i++) {
		c = i % 40
		f = dir "/" i ".eml"
		printf "From: Customer %d <cust%d@example.net>\n", c, c > f
		printf "To: support@example.com\n" > f
		if (i <= 40 || i % 25 == 0) {
			printf "Subject: Request %d from customer %d\n", i, c > f
		} else {
			first = c == 0 ? 40 : c
			printf "Subject: Re: Request %d from customer %d\n", first, c > f
			printf "In-Reply-To: <t710-%d@crash.test>\n", first > f
			printf "References: <t710-%d@crash.test>\n", first > f
		}
		printf "Message-ID: <t710-%d@crash.test>\n", i > f
		printf "Date: Tue, 03 Mar 2026 09:00:00 +0000\n" > f
		printf "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" > f
		printf "Mail %d, marker T710-MARK-%d-%d.\n", i, i,
		    int(rand() * 1000000000) > f
		if (i % 7 == 0)
			printf "%s", pad > f
		close(f)
	}
}'
# Their digests and sizes ("I SHA256 SIZE"), for comparing with what the
# store keeps.
(cd "$T/mails" && sha256sum -- *.eml) |
    sed 's/^\([0-9a-f]*\)  \([0-9]*\)\.eml$/\2 \1/' | sort > "$T/d1"
find "$T/mails" -name '*.eml' -printf '%f %s\n' | sed 's/\.eml / /' |
    sort > "$T/d2"
join "$T/d1" "$T/d2" > "$T/expect"
is "$(awk '{ print $2 }' "$T/expect" | sort -u | wc -l | tr -d ' ')" "$N" \
    "$N distinct mails written"

# writer W: delivers mails W, W+4, W+8 ..., one after the other, keeping
# each exit status in $T/rc/I and the running delivery's process id in
# $T/pid.W (empty between deliveries) for the killer.
writer() {
	_i=$1
	while [ "$_i" -le "$N" ]; do
		"$MAILDESK" -c "$T/maildesk.conf" deliver \
		    --sender "cust$((_i % 40))@example.net" \
		    --recipient support@example.com \
		    < "$T/mails/$_i.eml" > /dev/null 2> "$T/rc/$_i.err" &
		echo "$!" > "$T/pid.$1"
		wait "$!"
		echo $? > "$T/rc/$_i"
		: > "$T/pid.$1"
		_i=$((_i + 4))
	done
}

# killer: until the writers are done, SIGKILLs the running delivery of a
# writer chosen at random, then pauses 0..KILL_MS ms; counts its kills in
# $T/kills.  Random numbers come from awk, seeded with CRASH_SEED.  The
# loop forks nothing but sleep(1), so that it keeps up on a busy machine
# (pgrep(1) took it to 100 ms a round, far longer than a delivery).
killer() {
	_k=0
	awk -v seed="$SEED" -v ms="$KILL_MS" 'BEGIN { srand(seed + 1)
	    for (;;) printf "%d %d\n", int(rand() * 4) + 1,
	    int(rand() * (ms + 1)) }' |
	while read -r _w _pause; do
		[ -e "$T/writers-done" ] && break
		_pid=""
		read -r _pid < "$T/pid.$_w"
		if [ -n "$_pid" ] && kill -KILL "$_pid" 2> /dev/null; then
			_k=$((_k + 1))
			echo "$_k" > "$T/kills"
		fi
		sleep "$(printf '0.%03d' "$_pause")"
	done
}

echo 0 > "$T/kills"
for w in 1 2 3 4; do : > "$T/pid.$w"; done
start=$(date +%s)
killer &
kpid=$!
# (The writers' stderr is dropped: the shell reports each kill there.)
writer 1 2> /dev/null &
w1=$!
writer 2 2> /dev/null &
w2=$!
writer 3 2> /dev/null &
w3=$!
writer 4 2> /dev/null &
w4=$!
wait "$w1" "$w2" "$w3" "$w4"
touch "$T/writers-done"
wait "$kpid"
printf '# %s deliveries in %s s, %s kills sent\n' "$N" \
    "$(($(date +%s) - start))" "$(cat "$T/kills")"

# --- Exit statuses --------------------------------------------------------
# "I STATUS" for each mail, in $T/status.
find "$T/rc" -type f ! -name '*.err' -exec awk '{ n = FILENAME
    sub(/.*\//, "", n); print n, $1 }' {} + | sort -n > "$T/status"
is "$(wc -l < "$T/status" | tr -d ' ')" "$N" "each delivery has its exit status"
awk '{ n[$2]++ } END { for (s in n) printf "# exit %s: %d\n", s, n[s] }' \
    "$T/status" | sort
is "$(awk '$2 != 0 && $2 != 75 && $2 != 137' "$T/status" | head -n 5 |
    tr '\n' ' ')" "" "every delivery exited 0, 75 or was killed"
killed=$(awk '$2 == 137' "$T/status" | wc -l | tr -d ' ')
[ "$killed" -gt 0 ] && ok "$killed deliveries were killed" ||
    not_ok "some deliveries were killed" "the killer hit none"
for i in $(awk '$2 == 75 { print $1 }' "$T/status" | head -n 3); do
	printf '# mail %s deferred: %s\n' "$i" "$(cat "$T/rc/$i.err")"
done

# --- What the store holds ---------------------------------------------------
# stored: one line per message of every ticket: ticket, index, kind,
# Message-ID, raw digest, raw size; in $T/stored.  Four `ticket show` at
# a time.
stored() {
	md ticket list --json | jq '.[].number' > "$T/numbers"
	for _p in 0 1 2 3; do
		awk -v p="$_p" 'NR % 4 == p' "$T/numbers" | while read -r _t; do
			md ticket show "$_t" --json
		done > "$T/show.$_p" &
	done
	wait
	cat "$T/show.0" "$T/show.1" "$T/show.2" "$T/show.3" |
	    jq -r '.number as $t | .messages | to_entries[] |
	    [$t, .key + 1, .value.kind, .value.message_id,
	    .value.raw_sha256, .value.raw_size] | map(tostring) | join(" ")' \
	    > "$T/stored"
	awk '$3 == "customer" { id = $4; sub(/^t710-/, "", id)
	    sub(/@crash\.test$/, "", id); print id, $1, $2, $5, $6 }' \
	    "$T/stored" | sort -n > "$T/cust"
}

# verify WHICH: checks the customer messages against the mails: none is
# stored twice, none is a stranger, each digest and size is the mail's
# (and `check` compares every message's raw bytes with its digest, so
# together: byte for byte); then the acks and `check`.
verify() {
	is "$(awk '{ print $1 }' "$T/cust" | uniq -d | head -n 5 | tr '\n' ' ')" \
	    "" "$1: no Message-ID is stored twice"
	is "$(awk -v n="$N" '$1 !~ /^[0-9]+$/ || $1 < 1 || $1 > n' "$T/cust" |
	    head -n 3)$(awk '$3 != "customer" && $3 != "ack"' "$T/stored" |
	    head -n 3)" "" "$1: nothing but our mails and their acks is stored"
	is "$(awk 'NR == FNR { want[$1] = $2 " " $3; next }
	    want[$1] != $4 " " $5 { print $1 }' "$T/expect" "$T/cust" |
	    head -n 5 | tr '\n' ' ')" "" \
	    "$1: every stored mail has its mail's digest and size"
	# One acknowledgement per ticket, in the ticket and in the outbox.
	is "$(awk '$3 == "ack" { print $1 }' "$T/stored" | sort | uniq -c |
	    awk '$1 != 1' | head -n 3)" "" "$1: no ticket has two acks"
	is "$(awk '$3 == "ack"' "$T/stored" | wc -l | tr -d ' ')" \
	    "$(md ticket list --json | jq length)" "$1: every ticket has its ack"
	awk '$3 == "ack" { print $1, $4 }' "$T/stored" | sort > "$T/acks"
	md outbox --json | jq -r '.[] | "\(.ticket) \(.message_id)"' |
	    sort > "$T/outbox"
	cmp -s "$T/acks" "$T/outbox" &&
	    ok "$1: the outbox holds exactly the acks the tickets hold" ||
	    not_ok "$1: the outbox holds exactly the acks the tickets hold" \
	    "$(diff "$T/acks" "$T/outbox" | head -n 5)"
	md check > "$T/check" 2>&1
	is "$?" 0 "$1: check is clean"
	grep -v '0 problems' "$T/check" | head -n 5 | sed 's/^/#   /'
}

stored
verify "after the kills"
awk '$2 == 0 { print $1 }' "$T/status" > "$T/ok-ids"
missing=$(awk '{ print $1 }' "$T/cust" | sort > "$T/have"
    sort "$T/ok-ids" | comm -23 - "$T/have" | head -n 5 | tr '\n' ' ')
is "$missing" "" "every mail whose delivery exited 0 is in the store"
# A killed delivery: absent, or there in full, byte for byte.
present=0
absent=0
diffs=""
for i in $(awk '$2 == 137 { print $1 }' "$T/status"); do
	loc=$(awk -v i="$i" '$1 == i { print $2, $3 }' "$T/cust")
	if [ -z "$loc" ]; then
		absent=$((absent + 1))
		continue
	fi
	present=$((present + 1))
	# shellcheck disable=SC2086
	md ticket raw $loc > "$T/raw" 2> /dev/null
	cmp -s "$T/raw" "$T/mails/$i.eml" || diffs="$diffs $i"
done
printf '# killed: %s stored before the kill, %s not\n' "$present" "$absent"
is "$diffs" "" "each killed mail that is stored is there byte for byte"

# --- The MTA retries ---------------------------------------------------------
# Postfix retries a delivery that exited 75 or died on a signal; here 4
# at a time again, with no kills.
awk '$2 != 0 { print $1 }' "$T/status" > "$T/redo"
for p in 0 1 2 3; do
	awk -v p="$p" 'NR % 4 == p' "$T/redo" | while read -r i; do
		md deliver --sender "cust$((i % 40))@example.net" \
		    --recipient support@example.com < "$T/mails/$i.eml" \
		    > /dev/null 2>&1 || printf '%s ' "$i"
	done > "$T/redo-failed.$p" &
done
wait
is "$(cat "$T"/redo-failed.?)" "" \
    "each of the $(wc -l < "$T/redo" | tr -d ' ') retried deliveries exits 0"
stored
verify "after the retries"
is "$(wc -l < "$T/cust" | tr -d ' ')" "$N" "all $N mails are in the store"
is "$(awk '{ print $1 }' "$T/cust" | sort -un | wc -l | tr -d ' ')" "$N" \
    "each exactly once"
finish
