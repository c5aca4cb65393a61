#!/bin/sh
# SPDX-License-Identifier: MIT
# Erasure and compaction killed at random moments (crash safety of
# `customer erase` and `compact`).
#
# A store with CRASH_N customers (default 8), two tickets each with a
# 200 KB attachment, so that the compacting copy takes a while.  In each of
# CRASH_ROUNDS rounds (default 16) a new person writes (two tickets of
# their own, and one message in another customer's ticket) and
# `customer erase` is run on them and SIGKILLed after a random delay: in
# the erasure's transaction, in the compacting copy (compact.tmp/), at the
# swap, or not at all; every fourth round kills a `compact` instead.  The
# delays are drawn from 0 to 1.3 times what an uninterrupted run took.
# After each kill:
# - the store opens and `check` is clean, without --repair;
# - every other customer's mail is there byte for byte (`ticket raw`
#   against the mail delivered), and their acknowledgements still wait;
# - the erasure happened all or not at all: either the person, their
#   tickets, their message in the other ticket and their outbox entries
#   are all there, intact, or none is (the other message a tombstone);
# - the audit holds one erasure entry for each person erased so far (it
#   is written in the erasure's transaction);
# - the store directory holds the store and at most one temporary copy
#   (compact.tmp/data.mdb, no larger than data.mdb), the search index
#   search.current names and at most one copy of it, nothing else; an erasure
#   that finished left none of the person's bytes in any of these files.
# Finally every person still there is erased, and one more erasure runs to
# completion: no file of the store holds any of their markers or addresses
# any more, `check` is clean and deliveries go on.
#
# An erasure killed after its transaction but before its compaction
# finished leaves the person's bytes in free pages of data.mdb (and the
# search index).  Its
# transaction also recorded that a compaction is owed: `check` says so,
# and the same erasure run again (or expire, or compact) compacts.  The
# test counts such rounds (printed) and checks both for each.
#
# Environment: CRASH_N (customers, default 8), CRASH_ROUNDS (kills,
# default 16), CRASH_SEED (random seed, printed).
. "$(dirname "$0")/lib.sh"

CUSTOMERS=${CRASH_N:-8}
ROUNDS=${CRASH_ROUNDS:-16}
SEED=${CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
printf '# CRASH_N=%s CRASH_ROUNDS=%s CRASH_SEED=%s\n' "$CUSTOMERS" "$ROUNDS" \
    "$SEED"

# Acknowledgements are queued (deliver only queues, nothing is sent), so
# that the erasure also has outbox entries to remove and others to keep.
setup_store "[ack]" "per-hour = 1000" "per-day = 1000" \
    "[outbox]" "deliver-flush-seconds = 0" \
    "[templates]" "dir = $SRCDIR/contrib/templates"
S="$T/store"
mkdir "$T/mails"

# rand MAX K: the K-th (K >= 1) of a sequence of random numbers drawn
# once from the seed, scaled to 0..MAX-1.
rand() {
	[ -s "$T/random" ] || awk -v s="$SEED" 'BEGIN { srand(s)
	    for (i = 0; i < 1000; i++) print rand() }' > "$T/random"
	awk -v k="$2" -v m="$1" 'NR == k { print int($1 * m); exit }' \
	    "$T/random"
}

# now_ms: the time in milliseconds.
now_ms() {
	date +%s%3N
}

# mail ID FROM MARK [IN-REPLY-TO]: writes $T/mails/ID.eml, a mail to
# ${TO:-support@example.com} with MARK in its text and attachment name
# and a 200 KB attachment.
BLOB=$(head -c 150000 /dev/urandom | base64)
mail() {
	{
		printf 'From: %s\nTo: %s\n' "$2" "${TO:-support@example.com}"
		printf 'Subject: Mail %s\nMessage-ID: <%s@t712.test>\n' "$1" "$1"
		[ $# -gt 3 ] && printf 'In-Reply-To: <%s@t712.test>\n' "$4"
		printf 'Date: Tue, 03 Mar 2026 09:00:00 +0000\n'
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: multipart/mixed; boundary="b1"\n\n'
		printf -- '--b1\nContent-Type: text/plain; charset=utf-8\n\n'
		printf 'Mail %s, marker %s.\n' "$1" "$3"
		printf -- '--b1\nContent-Type: application/octet-stream\n'
		printf 'Content-Disposition: attachment; filename="%s.bin"\n' "$3"
		printf 'Content-Transfer-Encoding: base64\n\n%s\n--b1--\n' "$BLOB"
	} > "$T/mails/$1.eml"
}

# dlv ID ADDRESS [RCPT]: delivers $T/mails/ID.eml from ADDRESS; must
# exit 0.
dlv() {
	md deliver --sender "$2" --recipient "${3:-support@example.com}" \
	    < "$T/mails/$1.eml" > /dev/null 2> "$T/err" ||
	    not_ok "deliver $1" "$(cat "$T/err")"
}

# where ID [TICKET...]: "TICKET INDEX" of the message with Message-ID
# ID@t712.test, looked for in the TICKETs given, or in all.
where() {
	_m=$1
	shift
	# shellcheck disable=SC2046
	[ $# -gt 0 ] || set -- $(md ticket list --json | jq '.[].number')
	for _t in "$@"; do
		md ticket show "$_t" --json
	done | jq -r --arg m "$_m@t712.test" '.number as $t | .messages |
	    to_entries[] | select(.value.message_id == $m) |
	    "\($t) \(.key + 1)"'
}

# raw_ok LIST: of the lines "ID TICKET INDEX" in file LIST, prints the IDs
# whose message the store does not give back byte for byte.
raw_ok() {
	while read -r _id _t _i; do
		md ticket raw "$_t" "$_i" > "$T/raw" 2> /dev/null &&
		    cmp -s "$T/raw" "$T/mails/$_id.eml" || printf '%s ' "$_id"
	done < "$1"
}

# --- The customers who stay ---------------------------------------------------
c=1
while [ "$c" -le "$CUSTOMERS" ]; do
	for k in 1 2; do
		mail "c$c-$k" "Customer $c <cust$c@example.net>" "KeepMark-$c-$k"
		dlv "c$c-$k" "cust$c@example.net"
	done
	c=$((c + 1))
done
for _t in $(md ticket list --json | jq '.[].number'); do
	md ticket show "$_t" --json
done | jq -r '.number as $t | .messages | to_entries[] |
    select(.value.kind == "customer") |
    "\(.value.message_id | sub("@t712.test$"; "")) \($t) \(.key + 1)"' |
    sort > "$T/others"
is "$(wc -l < "$T/others" | tr -d ' ')" "$((CUSTOMERS * 2))" \
    "$((CUSTOMERS * 2)) tickets of $CUSTOMERS customers"
is "$(raw_ok "$T/others")" "" "their mails are stored byte for byte"
md outbox --json | jq -c 'map(select(.to[0] | startswith("cust"))) |
    map([.id, .message_id]) | sort' > "$T/others-outbox"
is "$(jq length "$T/others-outbox")" "$((CUSTOMERS * 2))" \
    "their acknowledgements wait in the outbox"

# victim R: person R writes: two tickets of their own and a message in
# the first ticket of customer R % CUSTOMERS + 1.  Sets $V (address) and
# writes their messages' "ID TICKET INDEX" to $T/victim.R.
victim() {
	V="person.$1@example.org"
	_o=$(($1 % CUSTOMERS + 1))
	mail "p$1-1" "Person $1 <$V>" "GoneMark-$1-1"
	mail "p$1-2" "Person $1 <$V>" "GoneMark-$1-2"
	# A stranger there only through the customer's signed reply
	# address, as if the acknowledgement had been forwarded to them.
	_rt=$(md ticket show "$(awk -v id="c$_o-1" '$1 == id { print $2 }' \
	    "$T/others")" --json | jq -r '[.messages[] |
	    select(.kind == "ack") | .reply_to.email][0]')
	TO=$_rt mail "p$1-3" "Person $1 <$V>" "GoneMark-$1-3" "c$_o-1"
	dlv "p$1-1" "$V"
	dlv "p$1-2" "$V"
	dlv "p$1-3" "$V" "$_rt"
	for _t in $(md ticket list --customer "$V" --json | jq '.[].number') \
	    $(awk -v id="c$_o-1" '$1 == id { print $2 }' "$T/others"); do
		md ticket show "$_t" --json
	done | jq -r --arg p "p$1-" '.number as $t | .messages |
	    to_entries[] | select(.value.message_id // "" | startswith($p)) |
	    "\(.value.message_id | sub("@t712.test$"; "")) \($t) \(.key + 1)"' |
	    sort > "$T/victim.$1"
	echo "$V GoneMark-$1-" >> "$T/gone-marks"
}
: > "$T/gone-marks"

# A first erasure, not killed: how long one takes here (a compaction
# with it), and that it works.
victim 0
[ "$(awk 'NF == 3' "$T/victim.0" | wc -l)" -eq 3 ] &&
    [ "$(awk 'NR == 3 { print $2 }' "$T/victim.0")" = 1 ] &&
    ok "a person's two tickets and their message in ticket 1" ||
    not_ok "a person's two tickets and their message in ticket 1" \
    "$(cat "$T/victim.0")"
s=$(now_ms)
md customer erase "$V" --yes > "$T/out" 2>&1
erc=$?
ERASE_MS=$(($(now_ms) - s))
is "$erc" 0 "an erasure that is not killed exits 0"
like "$(cat "$T/out")" 'compacted' "and compacts"
s=$(now_ms)
md compact > /dev/null 2>&1
COMPACT_MS=$(($(now_ms) - s))
printf '# erase took %s ms, compact %s ms; data.mdb is %s bytes\n' \
    "$ERASE_MS" "$COMPACT_MS" "$(wc -c < "$S/data.mdb" | tr -d ' ')"

# store_files: the store directory's files that are no part of the store
# or of one temporary copy; then, if the copy is larger than data.mdb,
# a line saying so.
store_files() {
	(cd "$S" && find . -mindepth 1) | sed 's|^\./||' | grep -v -x \
	    -e data.mdb -e lock.mdb -e maildesk.lock -e maildesk.gate \
	    -e compact.tmp -e compact.tmp/data.mdb \
	    -e search.current -e search.lock -e search.current.tmp \
	    -e 'search-[0-9][0-9]*\.sqlite' -e 'search-[0-9][0-9]*\.sqlite-wal' \
	    -e 'search-[0-9][0-9]*\.sqlite-shm' \
	    -e 'search-[0-9][0-9]*\.sqlite-journal'
	# The search index: the file search.current names, and at most the
	# copy a killed compaction or rebuild was writing.
	_cur=$(cat "$S/search.current" 2> /dev/null)
	if [ -e "$S/search.current" ] && [ ! -f "$S/$_cur" ]; then
		echo "search.current names no index"
	fi
	_n=$(find "$S" -maxdepth 1 -name 'search-*.sqlite' | wc -l)
	[ "$_n" -le 2 ] || echo "$_n search index files"
	if [ -e "$S/compact.tmp/data.mdb" ] &&
	    [ "$(wc -c < "$S/compact.tmp/data.mdb")" -gt \
	    "$(wc -c < "$S/data.mdb")" ]; then
		echo "compact.tmp/data.mdb larger than data.mdb"
	fi
}

# in_store STRING: a file of the store directory (data.mdb, the search
# index) holds STRING.
in_store() {
	find "$S" -type f -exec cat {} + | grep -a -q -F -- "$1"
}

# --- Rounds: a person, an erasure (or a compaction), a kill ----------------
LEFT=0		# rounds after which an erased person's bytes were still in a file
GONE=1		# people erased (person 0 above)
r=1
while [ "$r" -le "$ROUNDS" ]; do
	if [ $((r % 4)) -eq 0 ]; then
		what=compact
		d=$(rand $((COMPACT_MS * 13 / 10 + 1)) "$r")
		"$MAILDESK" -c "$T/maildesk.conf" compact > /dev/null 2>&1 &
	else
		what=erase
		victim "$r"
		d=$(rand $((ERASE_MS * 13 / 10 + 1)) "$r")
		"$MAILDESK" -c "$T/maildesk.conf" customer erase "$V" --yes \
		    > /dev/null 2>&1 &
	fi
	p=$!
	sleep "$(awk -v n="$d" 'BEGIN { printf "%.3f", n / 1000 }')"
	kill -KILL "$p" 2> /dev/null
	wait "$p" 2> /dev/null
	rc=$?
	case $rc in
	137) how="killed after $d ms" ;;
	0) how="finished before the kill at $d ms" ;;
	*) how="exit $rc"
	   not_ok "round $r: $what exits 0 or is killed" "exit $rc" ;;
	esac
	R="round $r ($what, $how)"
	state=""

	md check > "$T/check" 2>&1
	is "$?" 0 "$R: check is clean"
	grep -v ' 0 problems' "$T/check" | head -n 5 | sed 's/^/#   /'
	is "$(raw_ok "$T/others")" "" "$R: the others' mails are intact"
	is "$(md outbox --json | jq -c 'map(select(.to[0] |
	    startswith("cust"))) | map([.id, .message_id]) | sort')" \
	    "$(cat "$T/others-outbox")" "$R: the others' outbox is intact"
	if [ "$what" = erase ]; then
		md customer show "$V" > /dev/null 2>&1
		there=$?
		tickets=$(md ticket list --customer "$V" --json | jq length)
		acks=$(md outbox --json | jq --arg v "$V" \
		    'map(select(.to | index($v))) | length')
		# shellcheck disable=SC2046
		set -- $(awk 'NR == 3 { print $2, $3 }' "$T/victim.$r")
		last=$(md ticket show "$1" --json | jq -c --argjson i "$2" \
		    '.messages[$i - 1] | .flags')
		whole=no
		if [ "$there" -eq 0 ]; then
			state="still there: $tickets tickets, $acks acks, $last"
			[ "$tickets $acks" = "2 2" ] &&
			    [ -z "$(raw_ok "$T/victim.$r")" ] &&
			    [ "$last" = "[]" ] && whole=yes
		else
			GONE=$((GONE + 1))
			state="gone: $tickets tickets, $acks acks, $last"
			[ "$tickets $acks" = "0 0" ] &&
			    [ "$last" = '["erased"]' ] && whole=yes
		fi
		if [ "$whole" = yes ]; then
			ok "$R: the person is all there or all gone"
		else
			not_ok "$R: the person is all there or all gone" "$state"
		fi
		# The audit entry is part of the erasure's transaction.
		is "$(md audit --json | jq '[.[] | select(.action == "erase")] |
		    length')" "$GONE" "$R: the audit records each erasure made"
		if [ "$there" -ne 0 ] && in_store "GoneMark-$r-"; then
			LEFT=$((LEFT + 1))
			[ "$rc" -ne 0 ] ||
			    not_ok "$R: the erased bytes are gone from the store files"
			# The store knows a compaction is owed: check says
			# so, and the same erasure run again pays it.
			like "$(cat "$T/check")" 'stopped before its compaction' \
			    "$R: check notes the compaction owed"
			md customer erase "$V" --yes > "$T/again" 2>&1
			like "$(cat "$T/again")" 'compacting now' \
			    "$R: erasing again compacts"
			in_store "GoneMark-$r-" &&
			    not_ok "$R: then the erased bytes are gone" ||
			    ok "$R: then the erased bytes are gone"
		fi
	fi
	is "$(store_files | tr '\n' ' ')" "" \
	    "$R: the store directory holds the store and at most one copy"
	tmp=none
	[ -e "$S/compact.tmp/data.mdb" ] &&
	    tmp="$(wc -c < "$S/compact.tmp/data.mdb" | tr -d ' ') bytes"
	printf '# %s: %sdata.mdb %s bytes, compact.tmp/data.mdb %s\n' "$R" \
	    "${state:+person $state; }" \
	    "$(wc -c < "$S/data.mdb" | tr -d ' ')" "$tmp"
	r=$((r + 1))
done
printf '# %s rounds left an erased person in the files until a compaction\n' \
    "$LEFT"

# --- Everyone still there is erased; one last erasure runs to completion ------
failed=""
r=1
while [ "$r" -le "$ROUNDS" ]; do
	if [ -e "$T/victim.$r" ] &&
	    md customer show "person.$r@example.org" > /dev/null 2>&1; then
		md customer erase "person.$r@example.org" --yes \
		    > /dev/null 2>&1 || failed="$failed $r"
	fi
	r=$((r + 1))
done
is "$failed" "" "the people whose erasure was killed first are erased"
victim $((ROUNDS + 1))
md customer erase "$V" --yes > "$T/out" 2>&1
is "$?" 0 "a last erasure runs to completion"
like "$(cat "$T/out")" 'compacted' "and compacts the store"
md customer list --json | jq -r '.[].email' > "$T/customers"
is "$(grep -c -v '^cust' "$T/customers")" 0 "only the customers are left"
awk '{ print $1; print $2 }' "$T/gone-marks" > "$T/patterns"
is "$(find "$S" -type f -exec cat {} + | grep -a -c -F -f "$T/patterns")" 0 \
    "no file of the store holds any erased person's address or marker"
[ ! -e "$S/compact.tmp" ] && ok "no temporary copy is left" ||
    not_ok "no temporary copy is left" "$(ls -l "$S/compact.tmp")"
is "$(raw_ok "$T/others")" "" "the others' mails are all there, intact"
md check > "$T/check" 2>&1
is "$?" 0 "check is clean"
mail after "After <after@example.net>" AfterMark
md deliver --sender after@example.net --recipient support@example.com \
    < "$T/mails/after.eml" > /dev/null 2>&1
is "$?" 0 "deliveries go on"
like "$(where after)" '^[0-9]+ 1$' "and are stored"
finish
